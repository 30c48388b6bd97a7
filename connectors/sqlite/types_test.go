package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/sqlite"
)

// legacyColumn is one column of the legacy file: its declared type, the
// SQL literal stored in each row (row i holds lits[i], NULL past the end)
// and the canonical value each must read as.
type legacyColumn struct {
	name, decl string
	kind       connectors.Kind
	lits       []string
	want       []connectors.Value
}

// sourceCase is a named group of columns; TypeMap rows name them as
// TestSourceTypes/<name>.
type sourceCase struct {
	name string
	cols []legacyColumn
}

func vals(vs ...connectors.Value) []connectors.Value { return vs }

func day(y int, m time.Month, d int) connectors.Date {
	return connectors.Date{Year: y, Month: m, Day: d}
}

// sourceCases is a legacy SQLite file as other programs write them:
// values of other storage classes than their columns declare included.
var sourceCases = []sourceCase{
	{"integer", []legacyColumn{
		{name: "i", decl: "INTEGER", kind: connectors.KindInt, lits: []string{"-9223372036854775808", "9223372036854775807", "'abc'", "0"},
			want: vals(int64(math.MinInt64), int64(math.MaxInt64), "abc", int64(0))},
		{name: "t1", decl: "TINYINT(1)", kind: connectors.KindInt, lits: []string{"2", "1"}, want: vals(int64(2), int64(1))},
	}},
	{"unsigned", []legacyColumn{
		{name: "bu", decl: "BIGINT UNSIGNED", kind: connectors.KindInt, lits: []string{"18446744073709551615", "9223372036854775807"},
			want: vals(1.8446744073709552e19, int64(math.MaxInt64))},
	}},
	{"real", []legacyColumn{
		{name: "r", decl: "REAL", kind: connectors.KindFloat, lits: []string{"-0.0", "0.1", "5e-324", "1.7976931348623157e308", "3", "'NaN'", "'0x1p3'", "'12,5'"},
			want: vals(0.0, 0.1, 5e-324, math.MaxFloat64, 3.0, "NaN", "0x1p3", "12,5")},
		{name: "dp", decl: "DOUBLE PRECISION", kind: connectors.KindFloat, lits: []string{"0.30000000000000004"}, want: vals(0.30000000000000004)},
	}},
	{"real32", []legacyColumn{
		{name: "r32", decl: "REAL32", kind: connectors.KindFloat, lits: []string{"0.10000000149011612"}, want: vals(float64(float32(0.1)))},
	}},
	{"numeric", []legacyColumn{
		// NUMERIC affinity stores '12.50' as the REAL 12.5: a REAL reads as
		// its shortest decimal form when that is the only decimal of the
		// column's scale the REAL can stand for, else as the float it is.
		{name: "nu", decl: "NUMERIC", kind: connectors.KindDecimal,
			lits: []string{"'12.50'", "12", "1e400", "'abc'", "0.30000000000000004", "1e-20", "123456789012345678", "1.5e300", "-0.5", "'12,50'"},
			want: vals(connectors.Decimal("12.5"), connectors.Decimal("12"), math.Inf(1), "abc", 0.30000000000000004,
				connectors.Decimal("0.00000000000000000001"), connectors.Decimal("123456789012345678"), 1.5e300, connectors.Decimal("-0.5"), "12,50")},
		{name: "d2", decl: "DECIMAL(10,2)", kind: connectors.KindDecimal, lits: []string{"0.1", "'7'"}, want: vals(connectors.Decimal("0.1"), connectors.Decimal("7"))},
		{name: "mo", decl: "MONEY", kind: connectors.KindDecimal, lits: []string{"'12.50'"}, want: vals(connectors.Decimal("12.5"))},
		// Chinook's prices: NUMERIC(10,2) written with REAL literals.
		{name: "price", decl: "NUMERIC(10,2)", kind: connectors.KindDecimal,
			lits: []string{"0.99", "1.98", "13.86", "1.0", "-0.99", "0.995", "0.30000000000000004", "9999999999999.99", "10000000000000.01", "'0.99'", "'1,99'"},
			want: vals(connectors.Decimal("0.99"), connectors.Decimal("1.98"), connectors.Decimal("13.86"), connectors.Decimal("1"), connectors.Decimal("-0.99"),
				0.995, 0.30000000000000004, connectors.Decimal("9999999999999.99"), 10000000000000.01, connectors.Decimal("0.99"), "1,99")},
	}},
	{"decimal_text", []legacyColumn{
		{name: "dt38", decl: "DECIMAL_TEXT(38,10)", kind: connectors.KindDecimal, lits: []string{"'12.5000000000'", "'-0.0000000001'"},
			want: vals(connectors.Decimal("12.5000000000"), connectors.Decimal("-0.0000000001"))},
	}},
	{"text", []legacyColumn{
		{name: "tx", decl: "TEXT", kind: connectors.KindText, lits: []string{"''", "'smörgås 😀'", "'a' || char(0) || 'b'", "CAST(X'61FF62' AS TEXT)"},
			want: vals("", "smörgås 😀", "a\x00b", "a\xffb")},
		{name: "ch", decl: "CHAR(3)", kind: connectors.KindText, lits: []string{"'ab '", "''"}, want: vals("ab ", "")},
		{name: "vc", decl: "VARCHAR(3)", kind: connectors.KindText, lits: []string{"'longer than three'"}, want: vals("longer than three")},
		{name: "cl", decl: "CLOB", kind: connectors.KindText, lits: []string{"'x'"}, want: vals("x")},
	}},
	{"blob", []legacyColumn{
		{name: "bl", decl: "BLOB", kind: connectors.KindBytes, lits: []string{"X''", "X'00FF'", "'abc'"}, want: vals([]byte{}, []byte{0, 0xff}, []byte("abc"))},
		{name: "nt", decl: "", kind: connectors.KindBytes, lits: []string{"1", "X'01'", "2.5"}, want: vals(int64(1), []byte{1}, 2.5)},
	}},
	{"boolean", []legacyColumn{
		{name: "bo", decl: "BOOLEAN", kind: connectors.KindBool, lits: []string{"1", "0", "2", "'true'", "'yes'"}, want: vals(true, false, int64(2), true, "yes")},
	}},
	{"date", []legacyColumn{
		{name: "da", decl: "DATE", kind: connectors.KindDate, lits: []string{"'2024-02-29'", "'0000-00-00'", "'2024-05-00'", "2460000", "'yesterday'", "'0001-01-01'", "'9999-12-31'",
			"'2024-01-15 00:00:00'", "'2024-01-15T00:00'", "'2024-01-15 00:00:00.000'", "'2024-01-15 10:00:00'", "'2024-05-00 00:00:00'", "2460324.5", "20240115", "'0000-01-01'"},
			want: vals(day(2024, 2, 29), connectors.InvalidDate{Raw: "0000-00-00"}, connectors.InvalidDate{Raw: "2024-05-00"}, int64(2460000), "yesterday", day(1, 1, 1), day(9999, 12, 31),
				day(2024, 1, 15), day(2024, 1, 15), day(2024, 1, 15), "2024-01-15 10:00:00", connectors.InvalidDate{Raw: "2024-05-00 00:00:00"}, 2460324.5, int64(20240115),
				connectors.InvalidDate{Raw: "0000-01-01"})},
	}},
	{"datetime", []legacyColumn{
		{name: "dtm", decl: "DATETIME", kind: connectors.KindDateTime,
			lits: []string{"'2024-03-31 02:30:00'", "'2023-10-29T02:30:00.123456'", "'2024-03-31 02:30:00Z'", "'0000-00-00 00:00:00'", "1711848600",
				"'2024-01-15 10:30'", "'2024-01-15'", "'2024-01-15 24:00:00'", "2460324.5", "'2024-01-15 01:02:03'"},
			want: vals(connectors.LocalDateTime{Date: day(2024, 3, 31), Hour: 2, Minute: 30}, connectors.LocalDateTime{Date: day(2023, 10, 29), Hour: 2, Minute: 30, Nanosecond: 123456000},
				"2024-03-31 02:30:00Z", connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, int64(1711848600),
				connectors.LocalDateTime{Date: day(2024, 1, 15), Hour: 10, Minute: 30}, connectors.LocalDateTime{Date: day(2024, 1, 15)},
				connectors.InvalidDate{Raw: "2024-01-15 24:00:00"}, 2460324.5, connectors.LocalDateTime{Date: day(2024, 1, 15), Hour: 1, Minute: 2, Second: 3})},
		{name: "tsp", decl: "TIMESTAMP", kind: connectors.KindDateTime, lits: []string{"'2024-02-29 23:59:59.999999'"},
			want: vals(connectors.LocalDateTime{Date: day(2024, 2, 29), Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999000})},
	}},
	{"timestamptz", []legacyColumn{
		{name: "tz", decl: "TIMESTAMPTZ(6)", kind: connectors.KindTimestamp, lits: []string{"'2024-06-01 12:00:00.000001'"},
			want: vals(time.Date(2024, 6, 1, 12, 0, 0, 1000, time.UTC))},
	}},
	{"time", []legacyColumn{
		{name: "tm", decl: "TIME", kind: connectors.KindTime, lits: []string{"'13:14:15.5'", "'838:59:59'", "'-00:00:01'", "'24:00:00'", "'10:30'", "'1:2'", "37800"},
			want: vals(connectors.Duration(13*time.Hour+14*time.Minute+15*time.Second+500*time.Millisecond),
				connectors.Duration(838*time.Hour+59*time.Minute+59*time.Second), connectors.Duration(-time.Second), connectors.Duration(24*time.Hour),
				connectors.Duration(10*time.Hour+30*time.Minute), "1:2", int64(37800))},
	}},
	{"uuid", []legacyColumn{
		{name: "uu", decl: "UUID", kind: connectors.KindUUID, lits: []string{"'12345678-9ABC-def0-0102-030405060708'", "X'12345678123456781234567812345678'"},
			want: vals(connectors.UUID{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8},
				[]byte{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78})},
	}},
	{"json", []legacyColumn{
		{name: "js", decl: "JSON", kind: connectors.KindJSON, lits: []string{`'{"b": 1,  "a": 2}'`, "'[]'"}, want: vals(connectors.JSON(`{"b": 1,  "a": 2}`), connectors.JSON(`[]`))},
		{name: "jt", decl: "JSON_TEXT", kind: connectors.KindJSON, lits: []string{`'"x"'`}, want: vals(connectors.JSON(`"x"`))},
	}},
}

// TestSourceTypes reads a legacy file written with raw SQL, as other
// programs write them, through a read-only source.
func TestSourceTypes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defs := []string{"id INTEGER PRIMARY KEY"}
	nrows := 1 // the last row is all NULL
	for _, c := range sourceCases {
		for _, col := range c.cols {
			defs = append(defs, strings.TrimSpace(col.name+" "+col.decl))
			nrows = max(nrows, len(col.lits)+1)
		}
	}
	stmts := []string{"CREATE TABLE legacy (" + strings.Join(defs, ", ") + ")"}
	for i := 0; i < nrows; i++ {
		row := []string{fmt.Sprint(i + 1)}
		for _, c := range sourceCases {
			for _, col := range c.cols {
				lit := "NULL"
				if i < len(col.lits) {
					lit = col.lits[i]
				}
				row = append(row, lit)
			}
		}
		stmts = append(stmts, "INSERT INTO legacy VALUES ("+strings.Join(row, ", ")+")")
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()

	src, err := sqlite.OpenSource(ctx, location(t, path))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := snap.Tables(ctx)
	snap.Close()
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	tbl := tables[0]
	rows := conformance.ReadAll(t, src, "legacy", connectors.ScanOptions{BatchSize: 2})
	if len(rows) != nrows {
		t.Fatalf("read %d rows, wrote %d", len(rows), nrows)
	}
	for _, c := range sourceCases {
		t.Run(c.name, func(t *testing.T) {
			for _, col := range c.cols {
				j := tbl.ColumnIndex(col.name)
				if j < 0 {
					t.Fatalf("column %s not in the catalogue", col.name)
				}
				cat := tbl.Columns[j]
				if cat.Type.Kind != col.kind || cat.SourceType != col.decl || !cat.Nullable {
					t.Errorf("%s: catalogue says %v %q nullable=%v, want %v %q nullable", col.name, cat.Type, cat.SourceType, cat.Nullable, col.kind, col.decl)
				}
				for i := range rows {
					var want connectors.Value
					lit := "NULL"
					if i < len(col.want) {
						want, lit = col.want[i], col.lits[i]
					}
					if got := rows[i][j]; !conformance.Equal(got, want) {
						t.Errorf("%s %s row %d (%s): read %s, want %s", col.name, col.decl, i+1, lit, conformance.Describe(got), conformance.Describe(want))
					}
				}
			}
		})
	}
}

func TestTypeMapCases(t *testing.T) {
	conformance.CheckTypeMapCases(t, sqlite.TypeMap())
}
