package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Stockholm on a machine without zoneinfo

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// legacyColumn is one column of the legacy fixture: its DDL, the SQL
// literal stored in each row (row i holds lits[i]; NULL past the end) and
// the canonical value each must read as.
type legacyColumn struct {
	name, ddl  string
	kind       connectors.Kind
	sourceType string // COLUMN_TYPE, when the test pins it
	charset    string
	lits       []string
	want       []connectors.Value
}

// sourceCase is a named group of columns; TypeMap rows name these cases
// as TestSourceTypes/<name>.
type sourceCase struct {
	name string
	cols []legacyColumn
}

func date(y int, m time.Month, d int) connectors.Date {
	return connectors.Date{Year: y, Month: m, Day: d}
}

func ints(vs ...int64) []connectors.Value {
	out := make([]connectors.Value, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func f32(f float32) float64 { return float64(f) }

// sourceCases is the legacy platform: every type of TypeMap with its edges.
var sourceCases = []sourceCase{
	{"int_signed", []legacyColumn{
		{name: "ti", ddl: "tinyint", kind: connectors.KindInt, lits: []string{"-128", "127", "0"}, want: ints(-128, 127, 0)},
		{name: "si", ddl: "smallint", kind: connectors.KindInt, lits: []string{"-32768", "32767"}, want: ints(-32768, 32767)},
		{name: "mi", ddl: "mediumint", kind: connectors.KindInt, lits: []string{"-8388608", "8388607"}, want: ints(-8388608, 8388607)},
		{name: "ii", ddl: "int", kind: connectors.KindInt, lits: []string{"-2147483648", "2147483647"}, want: ints(math.MinInt32, math.MaxInt32)},
		{name: "bi", ddl: "bigint", kind: connectors.KindInt, lits: []string{"-9223372036854775808", "9223372036854775807"}, want: ints(math.MinInt64, math.MaxInt64)},
	}},
	{"int_unsigned", []legacyColumn{
		{name: "tu", ddl: "tinyint unsigned", kind: connectors.KindInt, sourceType: "tinyint(3) unsigned", lits: []string{"255", "0"}, want: ints(255, 0)},
		{name: "su", ddl: "smallint unsigned", kind: connectors.KindInt, lits: []string{"65535"}, want: ints(65535)},
		{name: "mu", ddl: "mediumint unsigned", kind: connectors.KindInt, lits: []string{"16777215"}, want: ints(16777215)},
		{name: "iu", ddl: "int unsigned", kind: connectors.KindInt, lits: []string{"4294967295"}, want: ints(4294967295)},
		{name: "bu", ddl: "bigint unsigned", kind: connectors.KindInt, lits: []string{"18446744073709551615", "9223372036854775807", "9223372036854775808", "0"},
			want: []connectors.Value{uint64(math.MaxUint64), int64(math.MaxInt64), uint64(1 << 63), int64(0)}},
	}},
	{"tinyint1", []legacyColumn{
		{name: "t1", ddl: "tinyint(1)", kind: connectors.KindInt, sourceType: "tinyint(1)", lits: []string{"2", "1", "0", "-1"}, want: ints(2, 1, 0, -1)},
	}},
	{"zerofill", []legacyColumn{
		{name: "iz", ddl: "int(5) zerofill", kind: connectors.KindInt, lits: []string{"42", "123456"}, want: ints(42, 123456)},
		{name: "dz", ddl: "decimal(8,2) zerofill", kind: connectors.KindDecimal, lits: []string{"12.5", "0"}, want: []connectors.Value{connectors.Decimal("12.50"), connectors.Decimal("0.00")}},
	}},
	{"bit", []legacyColumn{
		{name: "b1", ddl: "bit(1)", kind: connectors.KindInt, lits: []string{"b'1'", "b'0'"}, want: ints(1, 0)},
		{name: "b8", ddl: "bit(8)", kind: connectors.KindInt, lits: []string{"b'11111111'", "b'1010'"}, want: ints(255, 10)},
		{name: "b64", ddl: "bit(64)", kind: connectors.KindInt, lits: []string{"0xFFFFFFFFFFFFFFFF", "0x7FFFFFFFFFFFFFFF", "0x8000000000000000"},
			want: []connectors.Value{uint64(math.MaxUint64), int64(math.MaxInt64), uint64(1 << 63)}},
	}},
	{"decimal", []legacyColumn{
		{name: "dec", ddl: "decimal(38,10)", kind: connectors.KindDecimal, lits: []string{"9999999999999999999999999999.9999999999", "-0.0000000001", "0", "-12.5"},
			want: []connectors.Value{connectors.Decimal("9999999999999999999999999999.9999999999"), connectors.Decimal("-0.0000000001"), connectors.Decimal("0.0000000000"), connectors.Decimal("-12.5000000000")}},
		{name: "d65", ddl: "decimal(65,0)", kind: connectors.KindDecimal, lits: []string{strings.Repeat("9", 65)}, want: []connectors.Value{connectors.Decimal(strings.Repeat("9", 65))}},
	}},
	{"float", []legacyColumn{
		{name: "fl", ddl: "float", kind: connectors.KindFloat, lits: []string{"0.1", "3.4028234663852886e38", "16777217", "1.17549435e-38", "0.123456789"},
			want: []connectors.Value{f32(0.1), f32(math.MaxFloat32), f32(16777216), f32(1.17549435e-38), f32(0.123456789)}},
	}},
	{"double", []legacyColumn{
		// MariaDB stores -0.0 as 0: the sign is gone before regflytt reads.
		{name: "db", ddl: "double", kind: connectors.KindFloat, lits: []string{"-0e0", "0.1", "1.7976931348623157e308", "5e-324", "0.30000000000000004"},
			want: []connectors.Value{0.0, 0.1, math.MaxFloat64, 5e-324, 0.30000000000000004}},
	}},
	{"year", []legacyColumn{
		{name: "yr", ddl: "year", kind: connectors.KindInt, lits: []string{"2155", "1901", "'0000'"}, want: ints(2155, 1901, 0)},
		// YEAR(2) prints two digits of the year it stores: it reads as
		// the year (1969 and 2069 both print 69; 2000 prints 00 like the
		// zero year).
		{name: "yr2", ddl: "year(2)", kind: connectors.KindInt, lits: []string{"1999", "1969", "2069", "2000", "'0000'", "2155", "1901"},
			want: ints(1999, 1969, 2069, 2000, 0, 2155, 1901)},
	}},
	{"date", []legacyColumn{
		{name: "dt", ddl: "date", kind: connectors.KindDate, lits: []string{"'0000-00-00'", "'2024-05-00'", "'2024-02-29'", "'9999-12-31'", "'0001-01-01'"},
			want: []connectors.Value{connectors.InvalidDate{Raw: "0000-00-00"}, connectors.InvalidDate{Raw: "2024-05-00"}, date(2024, 2, 29), date(9999, 12, 31), date(1, 1, 1)}},
	}},
	{"datetime", []legacyColumn{
		{name: "dtm", ddl: "datetime", kind: connectors.KindDateTime, lits: []string{"'0000-00-00 00:00:00'", "'2024-05-00 12:00:00'", "'2024-02-29 23:59:59'"},
			want: []connectors.Value{connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, connectors.InvalidDate{Raw: "2024-05-00 12:00:00"},
				connectors.LocalDateTime{Date: date(2024, 2, 29), Hour: 23, Minute: 59, Second: 59}}},
		{name: "dt6", ddl: "datetime(6)", kind: connectors.KindDateTime, lits: []string{"'2024-02-29 23:59:59.999999'", "'0000-00-00 00:00:00'", "'1000-01-01 00:00:00.000001'"},
			want: []connectors.Value{connectors.LocalDateTime{Date: date(2024, 2, 29), Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999000},
				connectors.InvalidDate{Raw: "0000-00-00 00:00:00.000000"}, connectors.LocalDateTime{Date: date(1000, 1, 1), Nanosecond: 1000}}},
	}},
	{"time", []legacyColumn{
		{name: "tm", ddl: "time", kind: connectors.KindTime, lits: []string{"'838:59:59'", "'-838:59:59'", "'00:00:00'"},
			want: []connectors.Value{connectors.Duration(838*time.Hour + 59*time.Minute + 59*time.Second), connectors.Duration(-(838*time.Hour + 59*time.Minute + 59*time.Second)), connectors.Duration(0)}},
		{name: "tm6", ddl: "time(6)", kind: connectors.KindTime, lits: []string{"'-00:00:00.000001'", "'23:59:59.5'"},
			want: []connectors.Value{connectors.Duration(-time.Microsecond), connectors.Duration(23*time.Hour + 59*time.Minute + 59*time.Second + 500*time.Millisecond)}},
	}},
	{"utf8mb4", []legacyColumn{
		{name: "u4", ddl: "varchar(20) CHARACTER SET utf8mb4", kind: connectors.KindText, charset: "utf8mb4", lits: []string{"'😀 smörgås'", "''", "'a\\0b'", "'tab\\there '"},
			want: []connectors.Value{"😀 smörgås", "", "a\x00b", "tab\there "}},
	}},
	{"utf8mb3", []legacyColumn{
		{name: "u3", ddl: "varchar(20) CHARACTER SET utf8mb3", kind: connectors.KindText, charset: "utf8mb3", lits: []string{"'Åsa Öberg'", "''"}, want: []connectors.Value{"Åsa Öberg", ""}},
	}},
	{"latin1", []legacyColumn{
		// MariaDB's latin1 is Windows-1252: 0x80 is the euro sign.
		{name: "l1", ddl: "varchar(20) CHARACTER SET latin1", kind: connectors.KindText, charset: "latin1", lits: []string{"_latin1 X'80E5'", "'Öberg'", "_binary X'8081FF'"},
			want: []connectors.Value{"€å", "Öberg", "\u20ac\u0081ÿ"}},
		{name: "lc", ddl: "char(5) CHARACTER SET latin1", kind: connectors.KindText, charset: "latin1", lits: []string{"'ab  '", "''"}, want: []connectors.Value{"ab", ""}},
		{name: "lt", ddl: "text CHARACTER SET latin1", kind: connectors.KindText, charset: "latin1", lits: []string{"_latin1 X'E4'"}, want: []connectors.Value{"ä"}},
	}},
	{"other_charset", []legacyColumn{
		// Bytes the character set does not define, stored through a
		// _binary literal, would convert to '?' without a warning: they
		// read as the stored bytes, which Fit refuses in a text column.
		{name: "as7", ddl: "varchar(10) CHARACTER SET ascii", kind: connectors.KindText, charset: "ascii", lits: []string{"'abc '", "_binary X'E5'", "_binary X'C3A5'", "'?'"},
			want: []connectors.Value{"abc ", []byte{0xE5}, []byte{0xC3, 0xA5}, "?"}},
		{name: "c1250", ddl: "char(4) CHARACTER SET cp1250", kind: connectors.KindText, charset: "cp1250", lits: []string{"_cp1250 X'F872'", "_binary X'6181'", "'ab  '"},
			want: []connectors.Value{"řr", []byte{0x61, 0x81}, "ab"}},
		{name: "tgreek", ddl: "text CHARACTER SET greek", kind: connectors.KindText, charset: "greek", lits: []string{"_greek X'E1'", "_binary X'AE'"},
			want: []connectors.Value{"α", []byte{0xAE}}},
	}},
	{"text", []legacyColumn{
		{name: "tx", ddl: "text", kind: connectors.KindText, lits: []string{"REPEAT('å', 20000)", "''"}, want: []connectors.Value{strings.Repeat("å", 20000), ""}},
		{name: "ltx", ddl: "longtext", kind: connectors.KindText, lits: []string{"'x'"}, want: []connectors.Value{"x"}},
	}},
	{"enum", []legacyColumn{
		// Under sql_mode '' an unknown value is stored as the empty
		// string of index 0.
		{name: "en", ddl: "enum('a','b','ö')", kind: connectors.KindText, lits: []string{"'ö'", "'nope'", "'a'"}, want: []connectors.Value{"ö", "", "a"}},
		// Beside a member '', the invalid value reads as the number 0
		// it is stored as (Fit refuses it), not as the member.
		{name: "en0", ddl: "enum('','a')", kind: connectors.KindText, lits: []string{"'a'", "'nope'", "''"}, want: []connectors.Value{"a", int64(0), ""}},
	}},
	{"set", []legacyColumn{
		{name: "st", ddl: "set('x','y','z')", kind: connectors.KindText, lits: []string{"'z,x'", "''"}, want: []connectors.Value{"x,z", ""}},
	}},
	{"json", []legacyColumn{
		{name: "js", ddl: "json", kind: connectors.KindJSON, sourceType: "longtext", lits: []string{`'{"b": 1,  "a": [1, "ö"]}'`, "'[]'"},
			want: []connectors.Value{connectors.JSON(`{"b": 1,  "a": [1, "ö"]}`), connectors.JSON(`[]`)}},
	}},
	{"binary", []legacyColumn{
		{name: "bn", ddl: "binary(4)", kind: connectors.KindBytes, lits: []string{"X'0102'", "''"}, want: []connectors.Value{[]byte{1, 2, 0, 0}, []byte{0, 0, 0, 0}}},
		{name: "vb", ddl: "varbinary(10)", kind: connectors.KindBytes, lits: []string{"''", "X'00FF'"}, want: []connectors.Value{[]byte{}, []byte{0, 0xff}}},
		{name: "bl", ddl: "blob", kind: connectors.KindBytes, lits: []string{"X''", "X'5C27'"}, want: []connectors.Value{[]byte{}, []byte(`\'`)}},
	}},
	{"uuid", []legacyColumn{
		{name: "uu", ddl: "uuid", kind: connectors.KindUUID, lits: []string{"'12345678-9abc-4ef0-8102-030405060708'"},
			want: []connectors.Value{connectors.UUID{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4e, 0xf0, 0x81, 0x02, 3, 4, 5, 6, 7, 8}}},
	}},
	{"geometry", []legacyColumn{
		{name: "gp", ddl: "point", kind: connectors.KindBytes, lits: []string{"ST_GeomFromText('POINT(1 2)')"},
			want: []connectors.Value{[]byte{0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x40}}},
	}},
	{"inet6", []legacyColumn{
		{name: "i6", ddl: "inet6", kind: connectors.KindText, lits: []string{"'::1'", "'2001:db8::ff00:42:8329'"}, want: []connectors.Value{"::1", "2001:db8::ff00:42:8329"}},
	}},
}

// legacyFixture creates the legacy table with raw SQL, in the lax
// sql_mode of an old platform, and returns its URL.
func legacyFixture(t *testing.T) string {
	t.Helper()
	dbURL := mytest.NewDatabase(t)
	defs := []string{"id int NOT NULL PRIMARY KEY"}
	nrows := 1
	for _, c := range sourceCases {
		for _, col := range c.cols {
			defs = append(defs, fmt.Sprintf("`%s` %s NULL", col.name, col.ddl))
			nrows = max(nrows, len(col.lits)+1) // the last row is all NULL
		}
	}
	stmts := []string{
		"SET SESSION sql_mode = ''",
		"CREATE TABLE legacy (" + strings.Join(defs, ", ") + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
	}
	for i := 0; i < nrows; i++ {
		vals := []string{fmt.Sprint(i + 1)}
		for _, c := range sourceCases {
			for _, col := range c.cols {
				lit := "NULL"
				if i < len(col.lits) {
					lit = col.lits[i]
				}
				vals = append(vals, lit)
			}
		}
		stmts = append(stmts, "INSERT INTO legacy VALUES ("+strings.Join(vals, ", ")+")")
	}
	mytest.Exec(t, dbURL, stmts...)
	return dbURL
}

func TestSourceTypes(t *testing.T) {
	dbURL := legacyFixture(t)
	src := openSource(t, dbURL)
	ctx := context.Background()
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
	for _, c := range sourceCases {
		t.Run(c.name, func(t *testing.T) {
			for _, col := range c.cols {
				j := tbl.ColumnIndex(col.name)
				if j < 0 {
					t.Fatalf("column %s not in the catalogue", col.name)
				}
				cat := tbl.Columns[j]
				if cat.Type.Kind != col.kind || !cat.Nullable {
					t.Errorf("%s %s: catalogue says %v nullable=%v, want %v nullable", col.name, col.ddl, cat.Type, cat.Nullable, col.kind)
				}
				if col.sourceType != "" && cat.SourceType != col.sourceType {
					t.Errorf("%s: source type %q, want %q", col.name, cat.SourceType, col.sourceType)
				}
				if col.charset != "" && cat.Charset != col.charset {
					t.Errorf("%s: charset %q, want %q", col.name, cat.Charset, col.charset)
				}
				for i := range rows {
					var want connectors.Value
					if i < len(col.want) {
						want = col.want[i]
					}
					if got := rows[i][j]; !conformance.Equal(got, want) {
						t.Errorf("%s %s row %d (%s): read %s, want %s", col.name, col.ddl, i+1, litOf(col, i), conformance.Describe(got), conformance.Describe(want))
					}
				}
			}
		})
	}
}

func litOf(c legacyColumn, i int) string {
	if i < len(c.lits) {
		return c.lits[i]
	}
	return "NULL"
}

// TIMESTAMP values are instants: what the platform wrote in its own zone
// reads as the same instant in UTC, whatever zone the writing session (or
// the server's global default) had, because every session of the
// connector sets time_zone '+00:00'.
func TestTimestampIgnoresServerZone(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	zoneName, zone := "Europe/Stockholm", mustZone(t, "Europe/Stockholm")
	db := mytest.Open(t, dbURL)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "SET time_zone = 'Europe/Stockholm'"); err != nil {
		var me *gomysql.MySQLError
		if !errors.As(err, &me) || me.Number != 1298 {
			t.Fatal(err)
		}
		// The server's zone tables are not loaded (mariadb-tzinfo-to-sql):
		// a fixed offset proves the same.
		t.Logf("named zones not loaded on the server; using +02:00")
		zoneName, zone = "+02:00", time.FixedZone("+02:00", 2*3600)
	}
	stockholm := []time.Time{
		time.Date(2024, 6, 1, 14, 0, 0, 123456000, zone),
		time.Date(2024, 1, 15, 13, 0, 0, 0, zone),
		time.Date(2038, 1, 19, 3, 14, 7, 0, time.UTC).In(zone), // TIMESTAMP's last second
	}
	stmts := []string{
		"SET SESSION sql_mode = ''",
		"SET SESSION time_zone = '" + zoneName + "'",
		"CREATE TABLE ts (id int PRIMARY KEY, t timestamp(6) NULL, t0 timestamp NULL)",
	}
	for i, s := range stockholm {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO ts VALUES (%d, '%s', '%s')", i+1, s.Format("2006-01-02 15:04:05.000000"), s.Format("2006-01-02 15:04:05")))
	}
	stmts = append(stmts, "INSERT INTO ts VALUES (9, NULL, '0000-00-00 00:00:00')")
	mytest.Exec(t, dbURL, stmts...)

	src := openSource(t, dbURL)
	// The server's global zone is whatever its administrator chose (this
	// test leaves the shared server's global alone): what counts is that
	// the connector's own session overrides it.
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	zoneNow, err := mysql.SnapshotQuery(ctx, snap, "SELECT @@session.time_zone")
	snap.Close()
	if err != nil || zoneNow != "+00:00" {
		t.Fatalf("snapshot session time_zone %q, %v; want +00:00", zoneNow, err)
	}
	rows := conformance.ReadAll(t, src, "ts", connectors.ScanOptions{})
	for i, s := range stockholm {
		want := s.UTC()
		if got := rows[i][1]; !conformance.Equal(got, want) {
			t.Errorf("row %d timestamp(6): read %s, want %s", i+1, conformance.Describe(got), want)
		}
		if got := rows[i][2]; !conformance.Equal(got, want.Truncate(time.Second)) {
			t.Errorf("row %d timestamp: read %s, want %s", i+1, conformance.Describe(got), want.Truncate(time.Second))
		}
	}
	if got := rows[3][2]; got != (connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}) {
		t.Errorf("zero timestamp read %s", conformance.Describe(got))
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("no zone data for %s: %v", name, err)
	}
	return z
}

// A text equal to its column's previous one is given as that value again:
// runs of equal texts, NULLs and empty strings between them, and texts
// that differ only in case, trailing spaces or accents (which a
// case-blind collation calls equal) all read back as stored, across
// keyset batches and in a streamed read.
func TestRepeatedTextsReadExactly(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL, `CREATE TABLE notes (id int PRIMARY KEY, k int NOT NULL, note varchar(20) COLLATE utf8mb4_general_ci, other text)`)
	texts := []connectors.Value{"a", "a", "a", nil, "a", "", "", nil, "", "A", "a", "a ", "a", "å", "a", "b", "b", "a"}
	var values []string
	for i, v := range texts {
		lit := "NULL"
		if v != nil {
			lit = "'" + v.(string) + "'"
		}
		values = append(values, fmt.Sprintf("(%d, %d, %s, %s)", i+1, len(texts)-i, lit, lit))
	}
	mytest.Exec(t, dbURL, "INSERT INTO notes VALUES "+strings.Join(values, ", "))
	src := openSource(t, dbURL)
	for _, opts := range []connectors.ScanOptions{{BatchSize: 4}, {BatchSize: 4, Key: []string{"k"}}} {
		rows := conformance.ReadAll(t, src, "notes", opts)
		if len(rows) != len(texts) {
			t.Fatalf("key %v: %d rows, want %d", opts.Key, len(rows), len(texts))
		}
		for _, r := range rows {
			i := int(r[0].(int64)) - 1
			for _, v := range r[2:] {
				if v != texts[i] {
					t.Errorf("key %v: row %d read %#v, stored %#v", opts.Key, i+1, v, texts[i])
				}
			}
		}
	}
}

// A key column in a character set that does not define every byte reads
// such keys as their bytes (see other_charset): a keyset scan resumes
// after each of them, one row a batch and streamed, and reads every row
// once, as stored.
func TestKeyOutsideItsCharset(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"SET SESSION sql_mode = ''",
		"CREATE TABLE k (a varchar(5) CHARACTER SET ascii NOT NULL PRIMARY KEY, n int NOT NULL) ENGINE=InnoDB",
		"INSERT INTO k VALUES ('a', 1), ('B', 2), (_binary X'E5', 3), (_binary X'E6', 4), ('c', 5), (_binary X'C3A5', 6), ('Z', 7), (_binary X'7FE5', 8)",
	)
	want := map[int64]connectors.Value{1: "a", 2: "B", 3: []byte{0xE5}, 4: []byte{0xE6}, 5: "c", 6: []byte{0xC3, 0xA5}, 7: "Z", 8: []byte{0x7F, 0xE5}}
	src := openSource(t, dbURL)
	for _, opts := range []connectors.ScanOptions{{BatchSize: 1}, {BatchSize: 1, Key: []string{"a", "n"}}} {
		rows := conformance.ReadAll(t, src, "k", opts)
		seen := map[int64]bool{}
		for _, r := range rows {
			n := r[1].(int64)
			if seen[n] {
				t.Errorf("key %v: row %d read twice", opts.Key, n)
			}
			seen[n] = true
			if !conformance.Equal(r[0], want[n]) {
				t.Errorf("key %v: row %d read %s, want %s", opts.Key, n, conformance.Describe(r[0]), conformance.Describe(want[n]))
			}
		}
		if len(seen) != len(want) {
			t.Errorf("key %v: %d rows read, want %d", opts.Key, len(seen), len(want))
		}
	}
}

// An ENUM key with an empty member holding both it and the invalid value 0
// reads each row once, the invalid value as int64(0), resuming after
// either one row a batch.
func TestEnumKeyInvalidBesideEmptyMember(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"SET SESSION sql_mode = ''",
		"CREATE TABLE k (e enum('b','','a') NOT NULL, n int NOT NULL, PRIMARY KEY (e, n)) ENGINE=InnoDB",
		"INSERT INTO k VALUES ('a', 1), ('', 2), ('nope', 3), ('b', 4), ('', 5), ('nope', 6)",
	)
	want := map[int64]connectors.Value{1: "a", 2: "", 3: int64(0), 4: "b", 5: "", 6: int64(0)}
	rows := conformance.ReadAll(t, openSource(t, dbURL), "k", connectors.ScanOptions{BatchSize: 1})
	seen := map[int64]bool{}
	for _, r := range rows {
		n := r[1].(int64)
		if seen[n] {
			t.Errorf("row %d read twice", n)
		}
		seen[n] = true
		if !conformance.Equal(r[0], want[n]) {
			t.Errorf("row %d read %s, want %s", n, conformance.Describe(r[0]), conformance.Describe(want[n]))
		}
	}
	if len(seen) != len(want) {
		t.Errorf("%d rows read, want %d", len(seen), len(want))
	}
}
