package sqlserver

import (
	"reflect"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

// TestTypeOf covers every type name in sys.types of SQL Server 2022, as the
// catalogue writes it (formatSourceType), plus 2025's json.
func TestTypeOf(t *testing.T) {
	i := func(bits int, unsigned bool) connectors.Type {
		return connectors.Type{Kind: connectors.KindInt, Bits: bits, Unsigned: unsigned}
	}
	k := func(kind connectors.Kind) connectors.Type { return connectors.Type{Kind: kind} }
	dec := func(p, s int) connectors.Type {
		return connectors.Type{Kind: connectors.KindDecimal, Precision: p, Scale: s}
	}
	prec := func(kind connectors.Kind, p int) connectors.Type { return connectors.Type{Kind: kind, Precision: p} }
	text := func(n int) connectors.Type { return connectors.Type{Kind: connectors.KindText, Length: n} }
	bytes := func(n int) connectors.Type { return connectors.Type{Kind: connectors.KindBytes, Length: n} }
	cases := []struct {
		source string
		want   connectors.Type
	}{
		{"bigint", i(64, false)},
		{"int", i(32, false)},
		{"smallint", i(16, false)},
		{"tinyint", i(8, true)},
		{"bit", k(connectors.KindBool)},
		{"decimal(10,2)", dec(10, 2)},
		{"decimal(38,38)", dec(38, 38)},
		{"numeric(18,0)", dec(18, 0)},
		{"money", dec(19, 4)},
		{"smallmoney", dec(10, 4)},
		{"float", connectors.Type{Kind: connectors.KindFloat, Bits: 64}},
		{"float(53)", connectors.Type{Kind: connectors.KindFloat, Bits: 64}},
		{"FLOAT(24)", connectors.Type{Kind: connectors.KindFloat, Bits: 32}},
		{"real", connectors.Type{Kind: connectors.KindFloat, Bits: 32}},
		{"char(10) COLLATE Finnish_Swedish_CI_AS", text(10)},
		{"varchar(50) COLLATE Finnish_Swedish_CI_AS", text(50)},
		{"varchar(max) COLLATE Latin1_General_100_CI_AS_SC_UTF8", text(0)},
		{"text COLLATE SQL_Latin1_General_CP1_CI_AS", text(0)},
		{"nchar(10)", text(10)},
		{"nvarchar(100)", text(100)},
		{"nvarchar(max)", text(0)},
		{"ntext", text(0)},
		{"sysname", text(128)},
		{"xml", text(0)},
		{"sql_variant", text(0)},
		{"binary(16)", bytes(16)},
		{"varbinary(8000)", bytes(8000)},
		{"varbinary(max)", bytes(0)},
		{"image", bytes(0)},
		{"timestamp", bytes(8)},
		{"rowversion", bytes(8)},
		{"hierarchyid", bytes(0)},
		{"geometry", bytes(0)},
		{"geography", bytes(0)},
		{"date", k(connectors.KindDate)},
		{"datetime", prec(connectors.KindDateTime, 3)},
		{"smalldatetime", prec(connectors.KindDateTime, 0)},
		{"datetime2(7)", prec(connectors.KindDateTime, 7)},
		{"datetime2(0)", prec(connectors.KindDateTime, 0)},
		{"datetime2", prec(connectors.KindDateTime, 7)},
		{"datetimeoffset(7)", prec(connectors.KindTimestamp, 7)},
		{"datetimeoffset(3)", prec(connectors.KindTimestamp, 3)},
		{"time(7)", prec(connectors.KindTime, 7)},
		{"time(0)", prec(connectors.KindTime, 0)},
		{"uniqueidentifier", k(connectors.KindUUID)},
		{"json", k(connectors.KindJSON)},
		{"vector(3)", connectors.Type{}},
		{"my_clr_type", connectors.Type{}},
		{"varchar(abc)", text(0)},
	}
	for _, c := range cases {
		name := c.source
		switch c.source {
		case "json", "timestamp": // the names TypeMap's cases use
		default:
			name = "type " + c.source
		}
		t.Run(name, func(t *testing.T) {
			if got := TypeOf(c.source); got != c.want {
				t.Errorf("TypeOf(%q) = %+v, want %+v", c.source, got, c.want)
			}
		})
	}
}

func TestFormatSourceType(t *testing.T) {
	cases := []struct {
		name                        string
		maxLength, precision, scale int
		collation                   string
		want                        string
	}{
		{"nvarchar", 200, 0, 0, "Finnish_Swedish_CI_AS", "nvarchar(100)"},
		{"nvarchar", -1, 0, 0, "Finnish_Swedish_CI_AS", "nvarchar(max)"},
		{"nchar", 20, 0, 0, "", "nchar(10)"},
		{"varchar", 100, 0, 0, "Finnish_Swedish_CI_AS", "varchar(100) COLLATE Finnish_Swedish_CI_AS"},
		{"varchar", -1, 0, 0, "Latin1_General_100_CI_AS_SC_UTF8", "varchar(max) COLLATE Latin1_General_100_CI_AS_SC_UTF8"},
		{"char", 12, 0, 0, "", "char(12)"},
		{"text", 16, 0, 0, "SQL_Latin1_General_CP1_CI_AS", "text COLLATE SQL_Latin1_General_CP1_CI_AS"},
		{"varbinary", -1, 0, 0, "", "varbinary(max)"},
		{"binary", 16, 0, 0, "", "binary(16)"},
		{"decimal", 9, 10, 2, "", "decimal(10,2)"},
		{"numeric", 17, 38, 0, "", "numeric(38,0)"},
		{"datetime2", 8, 27, 7, "", "datetime2(7)"},
		{"datetimeoffset", 10, 34, 7, "", "datetimeoffset(7)"},
		{"time", 5, 16, 7, "", "time(7)"},
		{"datetime", 8, 23, 3, "", "datetime"},
		{"float", 8, 53, 0, "", "float"},
		{"real", 4, 24, 0, "", "real"},
		{"int", 4, 10, 0, "", "int"},
		{"xml", -1, 0, 0, "", "xml"},
		{"sql_variant", 8016, 0, 0, "", "sql_variant"},
		{"hierarchyid", 892, 0, 0, "", "hierarchyid"},
	}
	for _, c := range cases {
		got := formatSourceType(c.name, c.maxLength, c.precision, c.scale, c.collation)
		if got != c.want {
			t.Errorf("formatSourceType(%s, %d, %d, %d, %q) = %q, want %q", c.name, c.maxLength, c.precision, c.scale, c.collation, got, c.want)
		}
		if TypeOf(got).Kind == connectors.KindInvalid {
			t.Errorf("TypeOf(%q) is invalid", got)
		}
	}
}

func TestCharsetOf(t *testing.T) {
	cases := []struct {
		typ  string
		cp   int
		want string
	}{
		{"varchar", 1252, "cp1252"},
		{"char", 850, "cp850"},
		{"text", 1252, "cp1252"},
		{"varchar", 65001, "utf8"},
		{"varchar", 0, ""},
		{"nvarchar", 1252, ""},
		{"int", 0, ""},
	}
	for _, c := range cases {
		if got := charsetOf(c.typ, c.cp); got != c.want {
			t.Errorf("charsetOf(%s, %d) = %q, want %q", c.typ, c.cp, got, c.want)
		}
	}
}

// TestRefineType feeds CHECK definitions in the form SQL Server stores
// them (sys.check_constraints.definition: spaces removed, constants
// parenthesised) and in the form CreateTable writes them.
func TestRefineType(t *testing.T) {
	cases := []struct {
		name, source, column string
		checks               []string
		want                 connectors.Type
	}{
		{"signed tinyint", "smallint", "i8", []string{"([i8]>=(-128) AND [i8]<=(127))"},
			connectors.Type{Kind: connectors.KindInt, Bits: 8}},
		{"as written", "smallint", "i8", []string{"[i8] >= -128 AND [i8] <= 127"},
			connectors.Type{Kind: connectors.KindInt, Bits: 8}},
		{"unsigned smallint", "int", "u16", []string{"([u16]>=(0) AND [u16]<=(65535))"},
			connectors.Type{Kind: connectors.KindInt, Bits: 16, Unsigned: true}},
		{"mediumint", "int", "m", []string{"([m]>=(-8388608) AND [m]<=(8388607))"},
			connectors.Type{Kind: connectors.KindInt, Bits: 24}},
		{"unsigned int", "bigint", "u", []string{"([u]>=(0) AND [u]<=(4294967295))"},
			connectors.Type{Kind: connectors.KindInt, Bits: 32, Unsigned: true}},
		{"bracket in name", "smallint", "a]b", []string{"([a]]b]>=(-128) AND [a]]b]<=(127))"},
			connectors.Type{Kind: connectors.KindInt, Bits: 8}},
		{"other range", "smallint", "s", []string{"([s]>=(0) AND [s]<=(100))"},
			connectors.Type{Kind: connectors.KindInt, Bits: 16}},
		{"range of another column", "smallint", "s", []string{"([t]>=(-128) AND [t]<=(127))"},
			connectors.Type{Kind: connectors.KindInt, Bits: 16}},
		{"range on the wrong type", "int", "s", []string{"([s]>=(-128) AND [s]<=(127))"},
			connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{"json", "nvarchar(max)", "j", []string{"(isjson([j])=(1))"}, connectors.Type{Kind: connectors.KindJSON}},
		{"json > 0", "nvarchar(max)", "doc", []string{"unrelated", "(isjson([doc])>(0))"}, connectors.Type{Kind: connectors.KindJSON}},
		{"json check on bounded text", "nvarchar(100)", "j", []string{"(isjson([j])=(1))"},
			connectors.Type{Kind: connectors.KindText, Length: 100}},
		{"json of another column", "nvarchar(max)", "j", []string{"(isjson([k])=(1))"}, connectors.Type{Kind: connectors.KindText}},
		{"no checks", "nvarchar(max)", "j", nil, connectors.Type{Kind: connectors.KindText}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := refineType(TypeOf(c.source), c.source, c.column, c.checks)
			if got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestTypeOfRoundTrips writes every conformance type's DDL and reads it
// back as the catalogue would: TypeOf of the type text, refined by the
// CHECK that CreateTable added.
func TestTypeOfRoundTrips(t *testing.T) {
	for _, c := range conformance.Columns() {
		want := mustType(t, c.Type)
		ddl, err := Dialect{}.ColumnType(want)
		if err != nil {
			t.Fatalf("%s: %v", c.Type, err)
		}
		qc, _ := Dialect{}.QuoteIdent(c.Name)
		check, err := columnCheck(qc, want)
		if err != nil {
			t.Fatal(err)
		}
		var checks []string
		if check != "" {
			checks = []string{check}
		}
		got := refineType(TypeOf(ddl), ddl, c.Name, checks)
		if got.Kind != want.Kind {
			t.Errorf("%s -> %s -> %v: kind changed", c.Type, ddl, got)
		}
		if want.Kind == connectors.KindInt && (got.Bits != want.Bits || got.Unsigned != want.Unsigned) {
			t.Errorf("%s -> %s -> %v: integer width changed", c.Type, ddl, got)
		}
		if (want.Kind == connectors.KindDecimal || want.Kind == connectors.KindDateTime ||
			want.Kind == connectors.KindTimestamp || want.Kind == connectors.KindTime) && got.Precision != want.Precision {
			t.Errorf("%s -> %s -> %v: precision changed", c.Type, ddl, got)
		}
	}
}

// TestCatalogueBuild assembles catalogue rows as the sys views return them.
func TestCatalogueBuild(t *testing.T) {
	cat := &catalogue{
		schema: "dbo",
		tables: []catTable{{20, "visit"}, {10, "patient"}, {30, "empty"}},
		columns: []catColumn{
			{table: 10, name: "pnr", typeName: "char", maxLength: 12, collation: "Finnish_Swedish_CI_AS", codePage: 1252},
			{table: 10, name: "namn", typeName: "nvarchar", maxLength: 200, collation: "Finnish_Swedish_CI_AS", codePage: 1252, nullable: true},
			{table: 20, name: "pnr", typeName: "char", maxLength: 12, collation: "Finnish_Swedish_CI_AS", codePage: 1252},
			{table: 20, name: "nr", typeName: "tinyint", maxLength: 1, precision: 3},
			{table: 20, name: "doc", typeName: "nvarchar", maxLength: -1, collation: "Finnish_Swedish_CI_AS", codePage: 1252, nullable: true},
			{table: 20, name: "belopp", typeName: "decimal", maxLength: 9, precision: 10, scale: 2, nullable: true},
			{table: 20, name: "tid", typeName: "datetime2", maxLength: 8, precision: 27, scale: 7, nullable: true},
			{table: 99, name: "ghost", typeName: "int"},
		},
		keys: []catKey{{20, "pnr"}, {20, "nr"}, {10, "pnr"}},
		fks: []catFK{
			{20, "fk_visit_patient", "pnr", "dbo", "patient", "pnr"},
			{20, "fk_visit_pair", "pnr", "dbo", "visit", "pnr"},
			{20, "fk_visit_pair", "nr", "dbo", "visit", "nr"},
			{20, "fk_visit_unit", "nr", "ref", "unit", "id"},
		},
		estimates: map[int64]int64{10: 1200, 20: 0},
		checks:    []catCheck{{20, "doc", "(isjson([doc])=(1))"}},
	}
	got := cat.build()
	want := []connectors.Table{
		{Name: "empty", RowEstimate: -1},
		{Name: "patient", RowEstimate: 1200, PrimaryKey: []string{"pnr"}, Columns: []connectors.Column{
			{Name: "pnr", Type: connectors.Type{Kind: connectors.KindText, Length: 12}, SourceType: "char(12) COLLATE Finnish_Swedish_CI_AS", Charset: "cp1252", Collation: "Finnish_Swedish_CI_AS"},
			{Name: "namn", Type: connectors.Type{Kind: connectors.KindText, Length: 100}, SourceType: "nvarchar(100)", Collation: "Finnish_Swedish_CI_AS", Nullable: true},
		}},
		{Name: "visit", RowEstimate: 0, PrimaryKey: []string{"pnr", "nr"},
			Columns: []connectors.Column{
				{Name: "pnr", Type: connectors.Type{Kind: connectors.KindText, Length: 12}, SourceType: "char(12) COLLATE Finnish_Swedish_CI_AS", Charset: "cp1252", Collation: "Finnish_Swedish_CI_AS"},
				{Name: "nr", Type: connectors.Type{Kind: connectors.KindInt, Bits: 8, Unsigned: true}, SourceType: "tinyint"},
				{Name: "doc", Type: connectors.Type{Kind: connectors.KindJSON}, SourceType: "nvarchar(max)", Collation: "Finnish_Swedish_CI_AS", Nullable: true},
				{Name: "belopp", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 10, Scale: 2}, SourceType: "decimal(10,2)", Nullable: true},
				{Name: "tid", Type: connectors.Type{Kind: connectors.KindDateTime, Precision: 7}, SourceType: "datetime2(7)", Nullable: true},
			},
			ForeignKeys: []connectors.ForeignKey{
				{Name: "fk_visit_patient", Columns: []string{"pnr"}, RefTable: "patient", RefColumns: []string{"pnr"}},
				{Name: "fk_visit_pair", Columns: []string{"pnr", "nr"}, RefTable: "visit", RefColumns: []string{"pnr", "nr"}},
				{Name: "fk_visit_unit", Columns: []string{"nr"}, RefTable: "ref.unit", RefColumns: []string{"id"}},
			}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}
