package sqlserver

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

func TestQuoteIdent(t *testing.T) {
	cases := []struct {
		name, want string
		ok         bool
	}{
		{"patient", "[patient]", true},
		{"we]ird", "[we]]ird]", true},
		{"]]", "[]]]]]", true},
		{"a[b", "[a[b]", true},
		{"vårdenhet id", "[vårdenhet id]", true},
		{`o'brien"`, `[o'brien"]`, true},
		{"", "", false},
		{"a\x00b", "", false},
		{strings.Repeat("x", connectors.MaxIdentLength+1), "", false},
	}
	for _, c := range cases {
		got, err := Dialect{}.QuoteIdent(c.name)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("QuoteIdent(%q) = %q, %v; want %q, ok=%v", c.name, got, err, c.want, c.ok)
		}
	}
}

func TestQualifiedName(t *testing.T) {
	cases := []struct {
		d     Dialect
		table string
		want  string
	}{
		{Dialect{}, "patient", "[patient]"},
		{Dialect{Schema: "dbo"}, "patient", "[dbo].[patient]"},
		{Dialect{Schema: "reg]ister"}, "vård]enhet", "[reg]]ister].[vård]]enhet]"},
	}
	for _, c := range cases {
		got, err := c.d.QualifiedName(c.table)
		if err != nil || got != c.want {
			t.Errorf("%+v.QualifiedName(%q) = %q, %v; want %q", c.d, c.table, got, err, c.want)
		}
	}
	if _, err := (Dialect{Schema: "bad\x01"}).QualifiedName("t"); err == nil {
		t.Error("a schema with a control character was accepted")
	}
}

// TestKeysetConditionNumbering pins what this dialect relies on: the
// expanded form refers to each key value by one number, reused in every OR
// branch, so the query takes each key value once.
func TestKeysetConditionNumbering(t *testing.T) {
	got := connectors.KeysetCondition([]string{"[a]", "[b]", "[c]"}, false, placeholder)
	want := "([a] > @p1) OR ([a] = @p1 AND [b] > @p2) OR ([a] = @p1 AND [b] = @p2 AND [c] > @p3)"
	if got != want {
		t.Fatalf("KeysetCondition = %q, want %q", got, want)
	}
}

func TestSelectBatch(t *testing.T) {
	d := Dialect{Schema: "dbo"}
	cases := []struct {
		name    string
		table   string
		columns []string
		key     []string
		after   bool
		limit   int
		want    string
	}{
		{"one key, first batch", "patient", []string{"id", "name"}, []string{"id"}, false, 100,
			"SELECT TOP (100) [id], [name] FROM [dbo].[patient] ORDER BY [id]"},
		{"one key, next batch", "patient", []string{"id", "name"}, []string{"id"}, true, 100,
			"SELECT TOP (100) [id], [name] FROM [dbo].[patient] WHERE [id] > @p1 ORDER BY [id]"},
		{"two keys", "form_value", []string{"form_id", "var", "val"}, []string{"form_id", "var"}, true, 5,
			"SELECT TOP (5) [form_id], [var], [val] FROM [dbo].[form_value] WHERE [form_id] >= @p1 AND " +
				"(([form_id] > @p1) OR ([form_id] = @p1 AND [var] > @p2)) ORDER BY [form_id], [var]"},
		{"three keys", "t", []string{"a", "b", "c", "v"}, []string{"a", "b", "c"}, true, 1,
			"SELECT TOP (1) [a], [b], [c], [v] FROM [dbo].[t] WHERE [a] >= @p1 AND " +
				"(([a] > @p1) OR ([a] = @p1 AND [b] > @p2) OR ([a] = @p1 AND [b] = @p2 AND [c] > @p3)) ORDER BY [a], [b], [c]"},
		{"three keys, first batch", "t", []string{"a", "b", "c"}, []string{"a", "b", "c"}, false, 1,
			"SELECT TOP (1) [a], [b], [c] FROM [dbo].[t] ORDER BY [a], [b], [c]"},
		{"brackets inside names", "vård]enhet", []string{"x]y"}, []string{"x]y"}, true, 7,
			"SELECT TOP (7) [x]]y] FROM [dbo].[vård]]enhet] WHERE [x]]y] > @p1 ORDER BY [x]]y]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.SelectBatch(c.table, c.columns, c.key, c.after, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestSelectBatchErrors(t *testing.T) {
	d := Dialect{}
	for name, f := range map[string]func() (string, error){
		"zero limit":   func() (string, error) { return d.SelectBatch("t", []string{"a"}, []string{"a"}, false, 0) },
		"no key":       func() (string, error) { return d.SelectBatch("t", []string{"a"}, nil, true, 10) },
		"no columns":   func() (string, error) { return d.SelectBatch("t", nil, []string{"a"}, true, 10) },
		"bad column":   func() (string, error) { return d.SelectBatch("t", []string{"a\x00"}, []string{"a"}, true, 10) },
		"bad key":      func() (string, error) { return d.SelectBatch("t", []string{"a"}, []string{""}, true, 10) },
		"bad table":    func() (string, error) { return d.SelectBatch("", []string{"a"}, []string{"a"}, true, 10) },
		"negative lim": func() (string, error) { return d.SelectBatch("t", []string{"a"}, []string{"a"}, true, -1) },
	} {
		if q, err := f(); err == nil {
			t.Errorf("%s: got %q, want an error", name, q)
		}
	}
}

// visitTable is a legacy table as the catalogue reads it.
func visitTable() *connectors.Table {
	cols := []struct{ name, st string }{
		{"pnr", "varchar(12) COLLATE Finnish_Swedish_CI_AS"},
		{"besok", "datetime"},
		{"note", "text COLLATE SQL_Latin1_General_CP1_CI_AS"},
		{"namn", "nvarchar(100)"},
		{"big", "varchar(max) COLLATE Latin1_General_100_CI_AS_SC_UTF8"},
		{"kod", "char(5000) COLLATE Finnish_Swedish_CI_AS"},
		{"amount", "money"},
	}
	t := &connectors.Table{Name: "visit", PrimaryKey: []string{"pnr", "besok"}}
	for _, c := range cols {
		t.Columns = append(t.Columns, connectors.Column{Name: c.name, SourceType: c.st, Type: TypeOf(c.st)})
	}
	return t
}

func TestScanQuery(t *testing.T) {
	d := Dialect{Schema: "dbo"}
	tbl := visitTable()
	sel := "SELECT TOP (500) CAST([pnr] AS nvarchar(12)), [besok], CAST([note] AS nvarchar(max)), [namn], " +
		"CAST([big] AS nvarchar(max)), CAST([kod] AS nvarchar(max)), [amount] FROM [dbo].[visit]"
	pnr := "CAST(@p1 COLLATE Finnish_Swedish_CI_AS AS varchar(12))"
	cases := []struct {
		name  string
		key   []string
		after bool
		want  string
	}{
		{"code page text", []string{"pnr", "besok"}, false, sel + " ORDER BY [pnr], [besok]"},
		{"typed key parameters", []string{"pnr", "besok"}, true,
			sel + " WHERE [pnr] >= " + pnr + " AND (([pnr] > " + pnr + ") OR ([pnr] = " + pnr +
				" AND [besok] > CAST(@p2 AS datetime))) ORDER BY [pnr], [besok]"},
		{"money key", []string{"amount"}, true, sel + " WHERE [amount] > CAST(@p1 AS money) ORDER BY [amount]"},
		{"nvarchar key", []string{"namn"}, true, sel + " WHERE [namn] > CAST(@p1 AS nvarchar(100)) ORDER BY [namn]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.ScanQuery(tbl, c.key, c.after, 500)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	if _, err := d.ScanQuery(tbl, []string{"nope"}, true, 10); err == nil {
		t.Error("a key column that does not exist was accepted")
	}
}

// A streamed scan (a key other than the primary key) reads the table in
// one ordered query: ScanQuery's text without TOP, with the same typed
// key parameters when it resumes after a key.
func TestOrderedScanQuery(t *testing.T) {
	d := Dialect{Schema: "dbo"}
	tbl := visitTable()
	sel := "SELECT CAST([pnr] AS nvarchar(12)), [besok], CAST([note] AS nvarchar(max)), [namn], " +
		"CAST([big] AS nvarchar(max)), CAST([kod] AS nvarchar(max)), [amount] FROM [dbo].[visit]"
	cases := []struct {
		key   []string
		after bool
		want  string
	}{
		{[]string{"namn", "besok"}, false, sel + " ORDER BY [namn], [besok]"},
		{[]string{"namn", "besok"}, true, sel + " WHERE [namn] >= CAST(@p1 AS nvarchar(100)) AND (([namn] > CAST(@p1 AS nvarchar(100))) OR ([namn] = CAST(@p1 AS nvarchar(100))" +
			" AND [besok] > CAST(@p2 AS datetime))) ORDER BY [namn], [besok]"},
	}
	for _, c := range cases {
		got, err := d.OrderedScanQuery(tbl, c.key, c.after)
		if err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	if _, err := d.OrderedScanQuery(tbl, nil, false); err == nil {
		t.Error("a scan without key columns was accepted")
	}
	// A keyset page still needs its size.
	if _, err := d.ScanQuery(tbl, []string{"namn"}, false, 0); err == nil {
		t.Error("ScanQuery accepted a batch size of 0")
	}
}

func TestKeyParamCast(t *testing.T) {
	cases := map[string]string{
		"":                                       "@p1",
		"bigint":                                 "CAST(@p1 AS bigint)",
		"tinyint":                                "CAST(@p1 AS tinyint)",
		"decimal(10,2)":                          "CAST(@p1 AS decimal(10,2))",
		"numeric(38,0)":                          "CAST(@p1 AS numeric(38,0))",
		"datetime2(3)":                           "CAST(@p1 AS datetime2(3))",
		"datetimeoffset(7)":                      "CAST(@p1 AS datetimeoffset(7))",
		"time(0)":                                "CAST(@p1 AS time(0))",
		"smalldatetime":                          "CAST(@p1 AS smalldatetime)",
		"uniqueidentifier":                       "CAST(@p1 AS uniqueidentifier)",
		"char(12) COLLATE Finnish_Swedish_CI_AS": "CAST(@p1 COLLATE Finnish_Swedish_CI_AS AS varchar(12))",
		"varchar(max)":                           "CAST(@p1 AS varchar(max))",
		"nchar(4)":                               "CAST(@p1 AS nvarchar(4))",
		"sysname":                                "CAST(@p1 AS nvarchar(128))",
		"binary(16)":                             "CAST(@p1 AS varbinary(16))",
		"timestamp":                              "CAST(@p1 AS binary(8))",
		"xml":                                    "@p1",
		"sql_variant":                            "@p1",
		// A collation that is not a plain name is left out, never pasted in.
		"varchar(5) COLLATE x]; DROP TABLE t; --": "CAST(@p1 AS varchar(5))",
	}
	for st, want := range cases {
		if got := keyParamCast(st)("@p1"); got != want {
			t.Errorf("keyParamCast(%q) = %q, want %q", st, got, want)
		}
	}
}

func mustType(t *testing.T, s string) connectors.Type {
	t.Helper()
	typ, err := connectors.ParseType(s)
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func TestColumnType(t *testing.T) {
	cases := []struct {
		typ  string
		want string
	}{
		{"tinyint", "smallint"},
		{"tinyint unsigned", "tinyint"},
		{"smallint", "smallint"},
		{"smallint unsigned", "int"},
		{"mediumint", "int"},
		{"mediumint unsigned", "int"},
		{"integer", "int"},
		{"integer unsigned", "bigint"},
		{"bigint", "bigint"},
		{"real", "real"},
		{"double", "float(53)"},
		{"decimal(38,10)", "decimal(38,10)"},
		{"decimal(1,0)", "decimal(1,0)"},
		{"boolean", "bit"},
		{"text", "nvarchar(max)"},
		{"varchar(10)", "nvarchar(20)"},
		{"varchar(2000)", "nvarchar(4000)"},
		{"varchar(2001)", "nvarchar(max)"},
		{"bytes", "varbinary(max)"},
		{"varbinary(8000)", "varbinary(8000)"},
		{"varbinary(8001)", "varbinary(max)"},
		{"date", "date"},
		{"datetime", "datetime2(0)"},
		{"datetime(6)", "datetime2(6)"},
		{"timestamptz(3)", "datetimeoffset(3)"},
		{"time(6)", "time(6)"},
		{"uuid", "uniqueidentifier"},
		{"json", "nvarchar(max)"},
	}
	for _, c := range cases {
		got, err := Dialect{}.ColumnType(mustType(t, c.typ))
		if err != nil || got != c.want {
			t.Errorf("ColumnType(%s) = %q, %v; want %q", c.typ, got, err, c.want)
		}
	}
	for _, bad := range []connectors.Type{
		mustType(t, "bigint unsigned"),
		{Kind: connectors.KindInt, Bits: 12},
		{Kind: connectors.KindDecimal},
		{Kind: connectors.KindDateTime, Precision: 9},
		{Kind: connectors.KindFloat, Bits: 16},
		{},
	} {
		if got, err := (Dialect{}).ColumnType(bad); err == nil {
			t.Errorf("ColumnType(%+v) = %q, want an error", bad, got)
		}
	}
}

func TestCreateTable(t *testing.T) {
	tbl := &connectors.Table{Name: "every_kind", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: mustType(t, "bigint")},
	}}
	for _, c := range []struct{ name, typ string }{
		{"i8", "tinyint"}, {"u8", "tinyint unsigned"}, {"i16", "smallint"}, {"u16", "smallint unsigned"},
		{"i24", "mediumint"}, {"u24", "mediumint unsigned"}, {"i32", "integer"}, {"u32", "integer unsigned"},
		{"f32", "real"}, {"f64", "double"}, {"dec", "decimal(38,10)"}, {"flag", "boolean"},
		{"txt", "text"}, {"vc", "varchar(10)"}, {"long", "varchar(3000)"}, {"bin", "bytes"}, {"vb", "varbinary(16)"},
		{"d", "date"}, {"dt", "datetime(6)"}, {"ts", "timestamptz(6)"}, {"tm", "time(6)"}, {"u", "uuid"}, {"j", "json"},
	} {
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: c.name, Type: mustType(t, c.typ), Nullable: true})
	}
	want := `IF OBJECT_ID(N'[dbo].[every_kind]', N'U') IS NULL
CREATE TABLE [dbo].[every_kind] (
  [id] bigint NOT NULL,
  [i8] smallint NULL CHECK ([i8] >= -128 AND [i8] <= 127),
  [u8] tinyint NULL,
  [i16] smallint NULL,
  [u16] int NULL CHECK ([u16] >= 0 AND [u16] <= 65535),
  [i24] int NULL CHECK ([i24] >= -8388608 AND [i24] <= 8388607),
  [u24] int NULL CHECK ([u24] >= 0 AND [u24] <= 16777215),
  [i32] int NULL,
  [u32] bigint NULL CHECK ([u32] >= 0 AND [u32] <= 4294967295),
  [f32] real NULL,
  [f64] float(53) NULL,
  [dec] decimal(38,10) NULL,
  [flag] bit NULL,
  [txt] nvarchar(max) COLLATE Latin1_General_100_BIN2 NULL,
  [vc] nvarchar(20) COLLATE Latin1_General_100_BIN2 NULL,
  [long] nvarchar(max) COLLATE Latin1_General_100_BIN2 NULL,
  [bin] varbinary(max) NULL,
  [vb] varbinary(16) NULL,
  [d] date NULL,
  [dt] datetime2(6) NULL,
  [ts] datetimeoffset(6) NULL,
  [tm] time(6) NULL,
  [u] uniqueidentifier NULL,
  [j] nvarchar(max) COLLATE Latin1_General_100_BIN2 NULL CHECK (ISJSON([j]) = 1),
  PRIMARY KEY ([id])
)`
	got, err := Dialect{Schema: "dbo"}.CreateTable(tbl)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCreateTableQuoting(t *testing.T) {
	tbl := &connectors.Table{Name: "o'brien]s", PrimaryKey: []string{"k]ey", "v"}, Columns: []connectors.Column{
		{Name: "k]ey", Type: mustType(t, "integer")},
		{Name: "v", Type: mustType(t, "varchar(20)")},
	}}
	want := `IF OBJECT_ID(N'[reg].[o''brien]]s]', N'U') IS NULL
CREATE TABLE [reg].[o'brien]]s] (
  [k]]ey] int NOT NULL,
  [v] nvarchar(40) COLLATE Latin1_General_100_BIN2 NOT NULL,
  PRIMARY KEY ([k]]ey], [v])
)`
	got, err := Dialect{Schema: "reg"}.CreateTable(tbl)
	if err != nil || got != want {
		t.Errorf("got\n%s\n%v\nwant\n%s", got, err, want)
	}
}

func TestCreateTableErrors(t *testing.T) {
	cases := map[string]*connectors.Table{
		"unbounded text key":  {Name: "t", PrimaryKey: []string{"k"}, Columns: []connectors.Column{{Name: "k", Type: mustType(t, "text")}}},
		"unbounded bytes key": {Name: "t", PrimaryKey: []string{"k"}, Columns: []connectors.Column{{Name: "k", Type: mustType(t, "bytes")}}},
		"missing key column":  {Name: "t", PrimaryKey: []string{"x"}, Columns: []connectors.Column{{Name: "k", Type: mustType(t, "bigint")}}},
		"unsigned bigint":     {Name: "t", Columns: []connectors.Column{{Name: "k", Type: mustType(t, "bigint unsigned")}}},
		"no columns":          {Name: "t"},
	}
	for name, tbl := range cases {
		if got, err := (Dialect{}).CreateTable(tbl); err == nil {
			t.Errorf("%s: got %q, want an error", name, got)
		}
	}
}

func TestRowsPerInsert(t *testing.T) {
	cases := []struct{ ncol, want int }{{1, 1000}, {2, 1000}, {3, 666}, {17, 117}, {1000, 2}, {2000, 1}}
	for _, c := range cases {
		got, err := rowsPerInsert(c.ncol)
		if err != nil || got != c.want {
			t.Errorf("rowsPerInsert(%d) = %d, %v; want %d", c.ncol, got, err, c.want)
		}
		if got*c.ncol > maxParamsPerInsert || got > maxRowsPerInsert {
			t.Errorf("rowsPerInsert(%d) = %d breaks a limit", c.ncol, got)
		}
	}
	for _, n := range []int{0, 2001} {
		if _, err := rowsPerInsert(n); err == nil {
			t.Errorf("rowsPerInsert(%d): want an error", n)
		}
	}
}

func TestInsertSQL(t *testing.T) {
	tbl := &connectors.Table{Name: "p]t", Columns: []connectors.Column{{Name: "a"}, {Name: "b c"}}}
	got, err := Dialect{Schema: "dbo"}.InsertSQL(tbl, 3)
	want := "INSERT INTO [dbo].[p]]t] ([a], [b c]) VALUES (@p1, @p2), (@p3, @p4), (@p5, @p6)"
	if err != nil || got != want {
		t.Errorf("got  %s, %v\nwant %s", got, err, want)
	}
	if _, err := (Dialect{}).InsertSQL(tbl, 1001); err == nil {
		t.Error("1001 rows in one INSERT were accepted")
	}
	if _, err := (Dialect{}).InsertSQL(tbl, 0); err == nil {
		t.Error("an INSERT of no rows was accepted")
	}
}

// The statement a checkpoint prunes the ones it supersedes with
// (connectors.RowDeleter), in this dialect's quoting and parameters.
func TestDeleteBeforeSQL(t *testing.T) {
	qt, err := Dialect{Schema: "reg"}.QualifiedName("regflytt_checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	got, err := connectors.DeleteBeforeSQL(Dialect{}, qt, "register", "seq", placeholder(0), placeholder(1))
	if err != nil {
		t.Fatal(err)
	}
	if want := "DELETE FROM [reg].[regflytt_checkpoint] WHERE [register] = @p1 AND [seq] < @p2"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
