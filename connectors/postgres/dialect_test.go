package postgres_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
)

// The dialect's SQL text is pinned here, without a server.

func TestQuoteIdent(t *testing.T) {
	d := postgres.Dialect{}
	for in, want := range map[string]string{
		"patient":     `"patient"`,
		`we"ird`:      `"we""ird"`,
		"Vårdenhet":   `"Vårdenhet"`,
		"with space":  `"with space"`,
		"select":      `"select"`,
		"CamelCase":   `"CamelCase"`,
		`""`:          `""""""`,
		"a;drop x;--": `"a;drop x;--"`,
	} {
		got, err := d.QuoteIdent(in)
		if err != nil || got != want {
			t.Errorf("QuoteIdent(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a\x00b", "tab\there", string(make([]byte, 64))} {
		if _, err := d.QuoteIdent(bad); err == nil {
			t.Errorf("QuoteIdent(%q) accepted", bad)
		}
	}
}

func TestSelectBatch(t *testing.T) {
	d := postgres.Dialect{}
	cases := []struct {
		cols, key []string
		after     bool
		limit     int
		want      string
	}{
		{[]string{"id", "namn"}, []string{"id"}, false, 5000,
			`SELECT "id", "namn" FROM "patient" ORDER BY "id" LIMIT 5000`},
		{[]string{"id", "namn"}, []string{"id"}, true, 5000,
			`SELECT "id", "namn" FROM "patient" WHERE "id" > $1 ORDER BY "id" LIMIT 5000`},
		{[]string{"form_id", "var", "val"}, []string{"form_id", "var"}, true, 2,
			`SELECT "form_id", "var", "val" FROM "patient" WHERE ("form_id", "var") > ($1, $2) ORDER BY "form_id", "var" LIMIT 2`},
	}
	for _, c := range cases {
		got, err := d.SelectBatch("patient", c.cols, c.key, c.after, c.limit)
		if err != nil || got != c.want {
			t.Errorf("SelectBatch(%v, %v, %v) =\n  %s, %v\nwant\n  %s", c.cols, c.key, c.after, got, err, c.want)
		}
	}
	if _, err := d.SelectBatch("p", []string{"a\x00"}, []string{"a\x00"}, false, 1); err == nil {
		t.Error("a NUL in a column name was accepted")
	}
}

func TestColumnType(t *testing.T) {
	d := postgres.Dialect{}
	for in, want := range map[string]string{
		"tinyint":           "smallint",
		"tinyint unsigned":  "smallint",
		"smallint":          "smallint",
		"smallint unsigned": "integer",
		"mediumint":         "integer",
		"integer":           "integer",
		"integer unsigned":  "bigint",
		"bigint":            "bigint",
		"real":              "real",
		"double":            "double precision",
		"decimal(38,10)":    "numeric(38,10)",
		"decimal(5,0)":      "numeric(5,0)",
		"boolean":           "boolean",
		"text":              "text",
		"varchar(10)":       "varchar(10)",
		"bytes":             "bytea",
		"varbinary(16)":     "bytea",
		"date":              "date",
		"datetime":          "timestamp(0)",
		"datetime(6)":       "timestamp(6)",
		"timestamptz(3)":    "timestamptz(3)",
		"time(6)":           "time(6)",
		"uuid":              "uuid",
		"json":              "json",
	} {
		typ, err := connectors.ParseType(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.ColumnType(typ)
		if err != nil || got != want {
			t.Errorf("ColumnType(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []connectors.Type{
		{Kind: connectors.KindInt, Bits: 64, Unsigned: true},
		{Kind: connectors.KindDecimal},
		{Kind: connectors.KindText, Length: 10485761},
		{Kind: connectors.KindDateTime, Precision: 9},
		{Kind: connectors.KindInvalid},
	} {
		if got, err := d.ColumnType(bad); err == nil {
			t.Errorf("ColumnType(%+v) = %q, want an error", bad, got)
		}
	}
}

func TestCreateTableSQL(t *testing.T) {
	tbl := &connectors.Table{Name: "besök", PrimaryKey: []string{"patient_id", "nr"}, Columns: []connectors.Column{
		{Name: "patient_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "nr", Type: connectors.Type{Kind: connectors.KindInt, Bits: 16}},
		{Name: "när", Type: connectors.Type{Kind: connectors.KindDateTime, Precision: 6}, Nullable: true},
	}}
	got, err := connectors.CreateTableSQL(postgres.Dialect{}, tbl, "CREATE TABLE IF NOT EXISTS")
	want := "CREATE TABLE IF NOT EXISTS \"besök\" (\n  \"patient_id\" bigint NOT NULL,\n  \"nr\" smallint NOT NULL,\n  \"när\" timestamp(6),\n  PRIMARY KEY (\"patient_id\", \"nr\")\n)"
	if err != nil || got != want {
		t.Errorf("got\n%s\n%v\nwant\n%s", got, err, want)
	}
}

func TestTypeOf(t *testing.T) {
	for in, want := range map[string]connectors.Type{
		"smallint":                       {Kind: connectors.KindInt, Bits: 16},
		"integer":                        {Kind: connectors.KindInt, Bits: 32},
		"bigint":                         {Kind: connectors.KindInt, Bits: 64},
		"real":                           {Kind: connectors.KindFloat, Bits: 32},
		"double precision":               {Kind: connectors.KindFloat, Bits: 64},
		"numeric(38,10)":                 {Kind: connectors.KindDecimal, Precision: 38, Scale: 10},
		"numeric":                        {Kind: connectors.KindDecimal},
		"boolean":                        {Kind: connectors.KindBool},
		"text":                           {Kind: connectors.KindText},
		"character varying(20)":          {Kind: connectors.KindText, Length: 20},
		"character varying":              {Kind: connectors.KindText},
		"character(5)":                   {Kind: connectors.KindText, Length: 5},
		"name":                           {Kind: connectors.KindText},
		"bytea":                          {Kind: connectors.KindBytes},
		"date":                           {Kind: connectors.KindDate},
		"timestamp without time zone":    {Kind: connectors.KindDateTime, Precision: 6},
		"timestamp(3) without time zone": {Kind: connectors.KindDateTime, Precision: 3},
		"timestamp(0) with time zone":    {Kind: connectors.KindTimestamp, Precision: 0},
		"time(6) without time zone":      {Kind: connectors.KindTime, Precision: 6},
		"time with time zone":            {Kind: connectors.KindText},
		"uuid":                           {Kind: connectors.KindUUID},
		"json":                           {Kind: connectors.KindJSON},
		"jsonb":                          {Kind: connectors.KindJSON},
		"integer[]":                      {Kind: connectors.KindText},
		"character varying(10)[]":        {Kind: connectors.KindText},
		"interval":                       {Kind: connectors.KindText},
		`"char"`:                         {Kind: connectors.KindText},
		"public.citext":                  {Kind: connectors.KindText},
		"":                               {Kind: connectors.KindText},
		"numeric(":                       {Kind: connectors.KindText},
	} {
		if got := postgres.TypeOf(in); got != want {
			t.Errorf("TypeOf(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// TestColumnTypeReadsBack: every type the conformance table declares reads
// back with its kind, which verification relies on.
func TestColumnTypeReadsBack(t *testing.T) {
	formatted := map[string]string{ // DDL → format_type, as the server prints it
		"smallint": "smallint", "integer": "integer", "bigint": "bigint", "double precision": "double precision",
		"numeric(38,10)": "numeric(38,10)", "boolean": "boolean", "text": "text", "varchar(10)": "character varying(10)",
		"bytea": "bytea", "date": "date", "timestamp(6)": "timestamp(6) without time zone",
		"timestamptz(6)": "timestamp(6) with time zone", "time(6)": "time(6) without time zone", "uuid": "uuid", "json": "json",
	}
	for _, c := range conformance.Columns() {
		want, _ := connectors.ParseType(c.Type)
		ddl, err := postgres.Dialect{}.ColumnType(want)
		if err != nil {
			t.Fatalf("%s: %v", c.Type, err)
		}
		f, ok := formatted[ddl]
		if !ok {
			t.Fatalf("%s: no format_type text for %s in this test", c.Type, ddl)
		}
		if got := postgres.TypeOf(f); got.Kind != want.Kind {
			t.Errorf("%s -> %s -> %v: kind changed", c.Type, ddl, got)
		}
	}
}
