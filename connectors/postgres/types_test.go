package postgres_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// lit is a SQL literal and the canonical value it must read as.
type lit struct {
	sql  string
	want connectors.Value
}

// typeCase is one column of the legacy table and one subtest of
// TestSourceTypes; TypeMap rows name them as "TestSourceTypes/<name>".
type typeCase struct {
	name      string
	sqlType   string
	formatted string // format_type, the catalogue's SourceType
	kind      connectors.Kind
	vals      []lit
}

func date(y int, m time.Month, d int) connectors.Date {
	return connectors.Date{Year: y, Month: m, Day: d}
}

func ldt(y int, m time.Month, d, h, mi, s, ns int) connectors.LocalDateTime {
	return connectors.LocalDateTime{Date: date(y, m, d), Hour: h, Minute: mi, Second: s, Nanosecond: ns}
}

func dur(s string) connectors.Duration {
	v, err := connectors.ParseDurationText(s)
	if err != nil {
		panic(err)
	}
	return v.(connectors.Duration)
}

// typeSetup creates the user-defined types the cases use.
var typeSetup = []string{
	`CREATE DOMAIN posint AS integer CHECK (VALUE > 0)`,
	`CREATE TYPE mood AS ENUM ('glad', 'ledsen')`,
}

// typeCases hold edge values for every row of TypeMap. They are inserted
// in a session whose TimeZone is Europe/Stockholm (the database default),
// so a zone-less timestamptz literal is Stockholm time.
var typeCases = []typeCase{
	{"smallint", "smallint", "smallint", connectors.KindInt, []lit{
		{"-32768", int64(math.MinInt16)}, {"32767", int64(math.MaxInt16)}, {"0", int64(0)}}},
	{"integer", "integer", "integer", connectors.KindInt, []lit{
		{"-2147483648", int64(math.MinInt32)}, {"2147483647", int64(math.MaxInt32)}}},
	{"bigint", "bigint", "bigint", connectors.KindInt, []lit{
		{"-9223372036854775808", int64(math.MinInt64)}, {"9223372036854775807", int64(math.MaxInt64)}}},
	{"real", "real", "real", connectors.KindFloat, []lit{
		{"'0.1'", float64(float32(0.1))}, {"'-0'", math.Copysign(0, -1)}, {"'NaN'", math.NaN()},
		{"'Infinity'", math.Inf(1)}, {"'3.4028235e38'", float64(float32(math.MaxFloat32))},
		{"'1e-45'", float64(float32(math.SmallestNonzeroFloat32))}}},
	{"double", "double precision", "double precision", connectors.KindFloat, []lit{
		{"'-0.0'", math.Copysign(0, -1)}, {"'NaN'", math.NaN()}, {"'-Infinity'", math.Inf(-1)},
		{"'1.7976931348623157e308'", math.MaxFloat64}, {"'5e-324'", math.SmallestNonzeroFloat64}, {"0.1", 0.1}}},
	{"numeric_ps", "numeric(38,10)", "numeric(38,10)", connectors.KindDecimal, []lit{
		{"'1234567890123456789012345678.1234567890'", connectors.Decimal("1234567890123456789012345678.1234567890")},
		{"'-0.0000000001'", connectors.Decimal("-0.0000000001")},
		{"'12.5'", connectors.Decimal("12.5000000000")},
		{"0", connectors.Decimal("0.0000000000")},
		{"'NaN'", math.NaN()}}},
	{"numeric", "numeric", "numeric", connectors.KindDecimal, []lit{
		{"'12.500'", connectors.Decimal("12.500")},
		{"'-123456789012345678901234567890123456789012345678901234567890'", connectors.Decimal("-123456789012345678901234567890123456789012345678901234567890")},
		{"'0.00000000000000000001'", connectors.Decimal("0.00000000000000000001")},
		{"'1e-30'", connectors.Decimal("0.000000000000000000000000000001")},
		{"'10000'", connectors.Decimal("10000")}, {"'-1.0001'", connectors.Decimal("-1.0001")},
		{"0", connectors.Decimal("0")}, {"'-0.00'", connectors.Decimal("0.00")},
		{"'NaN'", math.NaN()}, {"'Infinity'", math.Inf(1)}, {"'-Infinity'", math.Inf(-1)}}},
	{"boolean", "boolean", "boolean", connectors.KindBool, []lit{{"true", true}, {"false", false}}},
	{"text", "text", "text", connectors.KindText, []lit{
		{"''", ""}, {"'Åsa Öberg 😀'", "Åsa Öberg 😀"}, {`E'tab\tnew\nline'`, "tab\tnew\nline"}, {"'  pad  '", "  pad  "}}},
	{"varchar", "varchar(10)", "character varying(10)", connectors.KindText, []lit{
		{"'ÅÄÖåäöéü😀x'", "ÅÄÖåäöéü😀x"}, {"''", ""}}},
	{"char", "char(5)", "character(5)", connectors.KindText, []lit{{"'ab'", "ab   "}, {"''", "     "}}},
	{"name", "name", "name", connectors.KindText, []lit{{"'pg_namn'", "pg_namn"}}},
	{"bytea", "bytea", "bytea", connectors.KindBytes, []lit{
		{`'\x'`, []byte{}}, {`'\x00ff01'`, []byte{0, 0xff, 1}}, {"decode(repeat('ab', 3), 'hex')", []byte{0xab, 0xab, 0xab}}}},
	{"date", "date", "date", connectors.KindDate, []lit{
		{"'2024-02-29'", date(2024, 2, 29)}, {"'0001-01-01'", date(1, 1, 1)}, {"'9999-12-31'", date(9999, 12, 31)},
		{"'1999-12-31'", date(1999, 12, 31)},
		{"'infinity'", connectors.InvalidDate{Raw: "infinity"}}, {"'-infinity'", connectors.InvalidDate{Raw: "-infinity"}},
		{"'0044-03-15 BC'", connectors.InvalidDate{Raw: "0044-03-15 BC"}}, {"'10000-01-01'", connectors.InvalidDate{Raw: "10000-01-01"}}}},
	{"timestamp", "timestamp", "timestamp without time zone", connectors.KindDateTime, []lit{
		{"'2024-02-29 23:59:59.999999'", ldt(2024, 2, 29, 23, 59, 59, 999999000)},
		{"'0001-01-01 00:00:00'", ldt(1, 1, 1, 0, 0, 0, 0)},
		{"'9999-12-31 23:59:59.999999'", ldt(9999, 12, 31, 23, 59, 59, 999999000)},
		{"'2024-03-31 02:30:00'", ldt(2024, 3, 31, 2, 30, 0, 0)}, // a gap in Stockholm: unshifted
		{"'1999-12-31 23:59:59.000001'", ldt(1999, 12, 31, 23, 59, 59, 1000)},
		{"'infinity'", connectors.InvalidDate{Raw: "infinity"}},
		{"'0044-03-15 12:00:00.5 BC'", connectors.InvalidDate{Raw: "0044-03-15 12:00:00.5 BC"}}}},
	{"timestamptz", "timestamptz(3)", "timestamp(3) with time zone", connectors.KindTimestamp, []lit{
		{"'2024-06-01 12:00:00+02'", time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)},
		{"'2024-06-01 12:00:00'", time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)}, // Stockholm summer time
		{"'1970-01-01 00:00:00.001+00'", time.Date(1970, 1, 1, 0, 0, 0, 1e6, time.UTC)},
		{"'0001-01-01 00:00:00+00'", time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"'-infinity'", connectors.InvalidDate{Raw: "-infinity"}},
		{"'0044-03-15 12:00:00+00 BC'", connectors.InvalidDate{Raw: "0044-03-15 12:00:00+00 BC"}}}},
	{"time", "time", "time without time zone", connectors.KindTime, []lit{
		{"'00:00:00'", dur("00:00:00")}, {"'24:00:00'", dur("24:00:00")}, {"'13:14:15.5'", dur("13:14:15.5")},
		{"'23:59:59.999999'", dur("23:59:59.999999")}}},
	{"uuid", "uuid", "uuid", connectors.KindUUID, []lit{
		{"'12345678-9ABC-def0-0102-030405060708'", connectors.UUID{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}}}},
	{"json", "json", "json", connectors.KindJSON, []lit{
		{`'{"b": 1,  "a": [1, 2, "ö"], "b": 2}'`, connectors.JSON(`{"b": 1,  "a": [1, 2, "ö"], "b": 2}`)},
		{"'null'", connectors.JSON("null")}, {`' "x" '`, connectors.JSON(` "x" `)}}},
	{"jsonb", "jsonb", "jsonb", connectors.KindJSON, []lit{
		{`'{"bb": 1,  "a": [1, 2], "bb": 2}'`, connectors.JSON(`{"a": [1, 2], "bb": 2}`)}}},
	{"array", "text[]", "text[]", connectors.KindText, []lit{
		{`'{"a b",c,NULL}'`, `{"a b",c,NULL}`}, {"'[0:1]={x,y}'", "[0:1]={x,y}"}, {"'{{1,2},{3,4}}'", "{{1,2},{3,4}}"}, {"'{}'", "{}"}}},
	{"domain", "posint", "posint", connectors.KindInt, []lit{{"1", int64(1)}, {"2147483647", int64(math.MaxInt32)}}},
	{"interval", "interval", "interval", connectors.KindText, []lit{
		{"'1 year 2 mons 3 days 04:05:06.7'", "1 year 2 mons 3 days 04:05:06.7"}, {"'-1 day'", "-1 days"}}},
	{"timetz", "timetz", "time with time zone", connectors.KindText, []lit{{"'12:00:00+02'", "12:00:00+02"}}},
	{"enum", "mood", "mood", connectors.KindText, []lit{{"'glad'", "glad"}}},
	{"other", "inet", "inet", connectors.KindText, []lit{{"'192.168.0.1/24'", "192.168.0.1/24"}, {"'::1'", "::1"}}},
}

// same is conformance.Equal with NaN equal to NaN: the NaN bits a server
// sends need not be Go's.
func same(a, b connectors.Value) bool {
	fa, ok1 := a.(float64)
	fb, ok2 := b.(float64)
	if ok1 && ok2 && math.IsNaN(fa) && math.IsNaN(fb) {
		return true
	}
	return conformance.Equal(a, b)
}

// TestTypeMapCases: every TypeMap row names a case that exists, and every
// case is named by a row.
func TestTypeMapCases(t *testing.T) {
	conformance.CheckTypeMapCases(t, postgres.TypeMap())
	cases := map[string]bool{}
	for _, c := range typeCases {
		cases["TestSourceTypes/"+c.name] = true
	}
	named := map[string]bool{}
	for _, m := range postgres.TypeMap() {
		if !cases[m.Case] {
			t.Errorf("TypeMap row %q names case %q, which does not exist", m.Source, m.Case)
		}
		if m.Canonical == connectors.KindInvalid || m.Edges == "" {
			t.Errorf("TypeMap row %q lacks a kind or edges", m.Source)
		}
		named[m.Case] = true
	}
	for c := range cases {
		if !named[c] {
			t.Errorf("case %s is named by no TypeMap row", c)
		}
	}
}

func TestSourceTypes(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'Europe/Stockholm'); END $$`)
	pgtest.Exec(t, url, typeSetup...)

	cols := []string{"id integer PRIMARY KEY"}
	nrows := 1 // the last row is all NULL
	for _, c := range typeCases {
		cols = append(cols, fmt.Sprintf("c_%s %s", c.name, c.sqlType))
		nrows = max(nrows, len(c.vals)+1)
	}
	stmts := []string{"CREATE TABLE legacy_every_type (\n  " + strings.Join(cols, ",\n  ") + "\n)"}
	for i := 0; i < nrows; i++ {
		vals := []string{fmt.Sprint(i + 1)}
		for _, c := range typeCases {
			v := "NULL"
			if i < len(c.vals) {
				v = c.vals[i].sql
			}
			vals = append(vals, v)
		}
		stmts = append(stmts, "INSERT INTO legacy_every_type VALUES ("+strings.Join(vals, ", ")+")")
	}
	pgtest.Exec(t, url, stmts...)

	src := openSource(t, url)
	snap := snapshot(t, src)
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	tbl := &tables[0]
	rows, err := snap.Scan(ctx, tbl, connectors.ScanOptions{BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]connectors.Value
	for rows.Next() {
		got = append(got, append([]connectors.Value(nil), rows.Row()...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != nrows {
		t.Fatalf("read %d rows, want %d", len(got), nrows)
	}
	for j, c := range typeCases {
		t.Run(c.name, func(t *testing.T) {
			col := tbl.Columns[j+1]
			if col.Name != "c_"+c.name || col.SourceType != c.formatted || col.Type.Kind != c.kind || !col.Nullable {
				t.Errorf("catalogue: %s %q kind %v nullable %v; want c_%s %q kind %v nullable", col.Name, col.SourceType, col.Type.Kind, col.Nullable, c.name, c.formatted, c.kind)
			}
			for i := 0; i < nrows; i++ {
				var want connectors.Value
				what := "NULL"
				if i < len(c.vals) {
					want, what = c.vals[i].want, c.vals[i].sql
				}
				if !same(got[i][j+1], want) {
					t.Errorf("%s: read %s, want %s", what, conformance.Describe(got[i][j+1]), conformance.Describe(want))
				}
			}
		})
	}
}

// TestInvalidDateTextIsPostgreSQLs: the text an InvalidDate carries is the
// server's own text for the value, in the connector's UTC session.
func TestInvalidDateTextIsPostgreSQLs(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE e (id int PRIMARY KEY, d date, ts timestamp, tz timestamptz)`,
		`INSERT INTO e VALUES
		  (1, 'infinity', '-infinity', 'infinity'),
		  (2, '4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC'),
		  (3, '5874897-12-31', '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00'),
		  (4, '0001-12-31 BC', '0001-12-31 23:59:59.25 BC', '0001-12-31 23:59:59.25+00 BC')`)
	src := openSource(t, url)
	got := conformance.ReadAll(t, src, "e", connectors.ScanOptions{})
	snap := snapshot(t, src)
	for i, row := range got {
		for j, col := range []string{"d", "ts", "tz"} {
			text, err := postgres.SnapshotQueryString(ctx, snap, fmt.Sprintf("SELECT %s::text FROM e WHERE id = %d", col, i+1))
			if err != nil {
				t.Fatal(err)
			}
			if inv, ok := row[j+1].(connectors.InvalidDate); !ok || inv.Raw != text {
				t.Errorf("row %d %s: read %s, server prints %q", i+1, col, conformance.Describe(row[j+1]), text)
			}
		}
	}
}
