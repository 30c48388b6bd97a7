package plans_test

// Exact values across dialects, end to end through plans.Run: a table of
// every type with its edge values moves MariaDB → PostgreSQL → MariaDB and
// PostgreSQL → MariaDB, and what arrives is compared with what left, value
// by value in canonical form; every value a target cannot hold archives
// its record with the documented rule and column. Plus the issue's "done
// means": one zero date among 100,000 rows, and TIMESTAMP/DATETIME values
// unshifted by a Stockholm TimeZone. They need REGFLYTT_TEST_MYSQL and
// REGFLYTT_TEST_PG, and skip without them.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Stockholm wherever the test runs

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// exactTable is a legacy table built with the source dialect's own SQL:
// its columns (name and DDL), its rows (id → column → SQL literal, NULL
// elsewhere), and the rows the first migration must archive, as "rule
// column".
type exactTable struct {
	name     string
	columns  [][2]string
	rows     map[int]map[string]string
	archived map[int]string
	// receiving overrides the type map's receiving type for a column the
	// target cannot hold as it is (bigint unsigned on PostgreSQL): the
	// values beyond the override are the documented rejects.
	receiving map[string]string
}

// statements gives the DDL and INSERTs of the fixture, one INSERT a row.
func (x exactTable) statements(quote func(string) string, tail string) []string {
	defs := []string{quote("id") + " integer NOT NULL PRIMARY KEY"}
	for _, c := range x.columns {
		defs = append(defs, quote(c[0])+" "+c[1])
	}
	out := []string{"CREATE TABLE " + quote(x.name) + " (" + strings.Join(defs, ", ") + ")" + tail}
	ids := make([]int, 0, len(x.rows))
	for id := range x.rows {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		vals := []string{strconv.Itoa(id)}
		for _, c := range x.columns {
			lit, ok := x.rows[id][c[0]]
			if !ok {
				lit = "NULL"
			}
			vals = append(vals, lit)
		}
		out = append(out, "INSERT INTO "+quote(x.name)+" VALUES ("+strings.Join(vals, ", ")+")")
	}
	return out
}

// mariaDBEveryType is a legacy MariaDB table of every type of the
// MariaDB type map, at its edges. Rows 1–4 must arrive exactly; rows 10
// and up hold one value PostgreSQL cannot take each.
func mariaDBEveryType() exactTable {
	return exactTable{
		name: "every_type",
		columns: [][2]string{
			{"ti", "tinyint"}, {"tu", "tinyint unsigned"}, {"si", "smallint"}, {"su", "smallint unsigned"},
			{"mi", "mediumint"}, {"mu", "mediumint unsigned"}, {"ii", "int"}, {"iu", "int unsigned"},
			{"bi", "bigint"}, {"bu", "bigint unsigned"}, {"t1", "tinyint(1)"}, {"b1", "bit(1)"}, {"b8", "bit(8)"},
			{"yr", "year"}, {"dc", "decimal(38,10)"}, {"d65", "decimal(65,0)"}, {"fl", "float"}, {"db", "double"},
			{"dt", "date"}, {"dtm", "datetime(6)"}, {"ts", "timestamp(6) NULL"}, {"tm", "time(6)"},
			{"u4", "varchar(40) CHARACTER SET utf8mb4"}, {"u3", "varchar(40) CHARACTER SET utf8mb3"},
			{"l1", "varchar(40) CHARACTER SET latin1"}, {"ch", "char(5) CHARACTER SET latin1"}, {"tx", "text"},
			{"en", "enum('a','b','ö')"}, {"st", "set('x','y','z')"}, {"js", "json"},
			{"bn", "binary(4)"}, {"vb", "varbinary(10)"}, {"bl", "blob"}, {"uu", "uuid"},
		},
		rows: map[int]map[string]string{
			1: {"ti": "-128", "tu": "0", "si": "-32768", "su": "0", "mi": "-8388608", "mu": "0", "ii": "-2147483648", "iu": "0",
				"bi": "-9223372036854775808", "bu": "0", "t1": "0", "b1": "b'0'", "b8": "b'0'", "yr": "1901",
				"dc": "-9999999999999999999999999999.9999999999", "d65": "0", "fl": "-3.4028234663852886e38", "db": "-1.7976931348623157e308",
				"dt": "'0001-01-01'", "dtm": "'0001-01-01 00:00:00'", "ts": "'1970-01-01 00:00:01'", "tm": "'00:00:00'",
				"u4": "''", "u3": "''", "l1": "''", "ch": "''", "tx": "''", "en": "'a'", "st": "''", "js": "'[]'",
				"bn": "''", "vb": "''", "bl": "X''", "uu": "'00000000-0000-0000-0000-000000000000'"},
			2: {"ti": "127", "tu": "255", "si": "32767", "su": "65535", "mi": "8388607", "mu": "16777215", "ii": "2147483647", "iu": "4294967295",
				"bi": "9223372036854775807", "bu": "9223372036854775807", "t1": "2", "b1": "b'1'", "b8": "b'11111111'", "yr": "2155",
				"dc": "9999999999999999999999999999.9999999999", "d65": "12345", "fl": "0.1", "db": "5e-324",
				"dt": "'9999-12-31'", "dtm": "'9999-12-31 23:59:59.999999'", "ts": "'2038-01-19 03:14:07.999999'", "tm": "'23:59:59.999999'",
				"u4": "'😀 smörgås'", "u3": "'Åsa Öberg'", "l1": "_latin1 X'80E5'", "ch": "'ab'", "tx": "REPEAT('å', 20000)",
				"en": "'ö'", "st": "'z,x'", "js": `'{"b": 1,  "a": [1, "ö"]}'`, "bn": "X'0102'", "vb": "X'00FF'", "bl": "X'5C27'",
				"uu": "'12345678-9abc-4ef0-8102-030405060708'"},
			3: {"dt": "'2024-02-29'", "dtm": "'2024-03-31 02:30:00'", "ts": "'2024-03-31 01:30:00'", "tm": "'24:00:00'",
				"db": "0.30000000000000004", "fl": "16777217", "u4": "'tab\\there '"},
			4:  {"dtm": "'2023-10-29 02:30:00.000001'", "ts": "'2023-10-29 00:30:00.5'", "db": "0.1"},
			10: {"bu": "18446744073709551615"},
			11: {"d65": "'" + strings.Repeat("9", 65) + "'"},
			12: {"dt": "'0000-00-00'"},
			13: {"dtm": "'2024-05-00 12:00:00'"},
			14: {"tm": "'838:59:59'"},
			15: {"tm": "'-00:00:01'"},
			16: {"u4": "'a\\0b'"},
			17: {"ts": "'0000-00-00 00:00:00'"},
		},
		archived: map[int]string{
			10: "int_range bu", 11: "decimal_precision d65", 12: "invalid_date dt", 13: "invalid_date dtm",
			14: "time_range tm", 15: "time_range tm", 16: "nul_byte u4", 17: "invalid_date ts",
		},
		receiving: map[string]string{"bu": "bigint", "d65": "decimal(38,0)"},
	}
}

// postgresEveryType is a legacy PostgreSQL table of the PostgreSQL type
// map's types, at their edges. Rows 10 and up hold one value MariaDB
// cannot take each: -0.0 among them, which only the dialect's ValueChecker
// knows about.
func postgresEveryType() exactTable {
	return exactTable{
		name: "every_type",
		columns: [][2]string{
			{"sm", "smallint"}, {"it", "integer"}, {"bg", "bigint"}, {"re", "real"}, {"dp", "double precision"},
			{"nu", "numeric(38,10)"}, {"bo", "boolean"}, {"tx", "text"}, {"vc", "varchar(10)"}, {"ch", "char(5)"},
			{"by", "bytea"}, {"da", "date"}, {"ts", "timestamp(6)"}, {"tz", "timestamptz(6)"}, {"tm", "time(6)"},
			{"uu", "uuid"}, {"js", "json"}, {"jb", "jsonb"}, {"ar", "text[]"}, {"iv", "interval"},
		},
		rows: map[int]map[string]string{
			1: {"sm": "-32768", "it": "-2147483648", "bg": "-9223372036854775808", "re": "'-3.4028235e38'", "dp": "'5e-324'",
				"nu": "'-9999999999999999999999999999.9999999999'", "bo": "false", "tx": "''", "vc": "''", "ch": "''", "by": `'\x'`,
				"da": "'0001-01-01'", "ts": "'0001-01-01 00:00:00'", "tz": "'0001-01-01 00:00:00+00'", "tm": "'00:00:00'",
				"uu": "'00000000-0000-0000-0000-000000000000'", "js": "'[]'", "jb": "'{}'", "ar": "'{}'", "iv": "'0'"},
			2: {"sm": "32767", "it": "2147483647", "bg": "9223372036854775807", "re": "'0.1'", "dp": "'1.7976931348623157e308'",
				"nu": "'12.5'", "bo": "true", "tx": "'Åsa Öberg 😀'", "vc": "'ÅÄÖåäöéü😀x'", "ch": "'ab'", "by": `'\x00ff'`,
				"da": "'2024-02-29'", "ts": "'2024-03-31 02:30:00'", "tz": "'2024-06-01 12:00:00.000001+02'", "tm": "'24:00:00'",
				"uu": "'12345678-9abc-def0-0102-030405060708'", "js": `'{"b": 1,  "a": [1, "ö"]}'`, "jb": `'{"bb": 1, "a": 2}'`,
				"ar": `'{"a b",c,NULL}'`, "iv": "'1 year 2 mons 3 days 04:05:06.7'"},
			3:  {"ts": "'2023-10-29 02:30:00.000001'", "tz": "'2038-01-19 03:14:08+00'", "tm": "'23:59:59.999999'", "dp": "'0.1'", "tx": `E'tab\tnew\nline  '`},
			10: {"dp": "'-0'"},
			11: {"re": "'-0'"},
			12: {"dp": "'NaN'"},
			13: {"dp": "'Infinity'"},
			14: {"da": "'infinity'"},
			15: {"ts": "'0044-03-15 12:00:00 BC'"},
			16: {"tz": "'-infinity'"},
			17: {"nu": "'NaN'"},
		},
		archived: map[int]string{
			10: "negative_zero dp", 11: "negative_zero re", 12: "not_finite dp", 13: "not_finite dp",
			14: "invalid_date da", 15: "invalid_date ts", 16: "invalid_date tz", 17: "not_finite nu",
		},
	}
}

// exactMigrate runs plans.Run from srcURL into tgtURL with a receiving
// schema made from the source's catalogue by the type map (each column's
// ReceivingType, or the table's override) and a mapping that copies every
// column 1:1. It fails the test unless the run PASSes.
func exactMigrate(t *testing.T, srcURL, tgtURL string, receiving map[string]string) (*verify.Report, string) {
	t.Helper()
	ctx := context.Background()
	src, err := all.OpenSource(ctx, srcURL)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := snap.Tables(ctx)
	snap.Close()
	src.Close()
	if err != nil {
		t.Fatal(err)
	}
	tgtLoc, err := connectors.ParseLocation(tgtURL)
	if err != nil {
		t.Fatal(err)
	}
	target := all.Connectors()[tgtLoc.Scheme].Dialect
	var schema, mapping strings.Builder
	schema.WriteString("platform: exact\ntables:\n")
	mapping.WriteString("version: 1\ntables:\n")
	for _, tbl := range tables {
		if strings.HasPrefix(tbl.Name, "regflytt_") {
			// The bookkeeping of the run that wrote this database: the
			// next run keeps its own (and archives these whole).
			continue
		}
		fmt.Fprintf(&schema, "  - name: %s\n    primary_key: [%s]\n    columns:\n", tbl.Name, strings.Join(tbl.PrimaryKey, ", "))
		fmt.Fprintf(&mapping, "  - target: %s\n    source: %s\n    columns:\n", tbl.Name, tbl.Name)
		for _, c := range tbl.Columns {
			typ, ok := receiving[c.Name]
			if !ok {
				rt, err := connectors.ReceivingType(c)
				if err != nil {
					t.Fatalf("%s.%s: %v", tbl.Name, c.Name, err)
				}
				typ = rt.String()
			}
			pt, err := connectors.ParseType(typ)
			if err != nil {
				t.Fatalf("%s.%s: %v", tbl.Name, c.Name, err)
			}
			if _, err := target.ColumnType(pt); err != nil {
				t.Fatalf("%s.%s: %v (give the column a receiving type the target holds)", tbl.Name, c.Name, err)
			}
			fmt.Fprintf(&schema, "      - {name: %s, type: %q}\n", c.Name, typ)
			fmt.Fprintf(&mapping, "      %s: %s\n", c.Name, c.Name)
		}
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "schema.yaml"), schema.String())
	write(t, filepath.Join(dir, "mapping.yaml"), mapping.String())
	plan := write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: exact, name: Exact values}
system: {current: legacy, chosen: receiving}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [mapping.yaml]
archive: {dir: archive}
`)
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: dir})
	if err != nil {
		var problems []string
		if rep != nil {
			problems = rep.Problems
		}
		t.Fatalf("run %s → %s: %v %v", connectors.Redact(srcURL), connectors.Redact(tgtURL), err, problems)
	}
	if !rep.Pass {
		t.Fatalf("run %s → %s: FAIL: %v", connectors.Redact(srcURL), connectors.Redact(tgtURL), rep.Problems)
	}
	return rep, dir
}

// exactArchived reads the archive a run left in its work directory for a
// source table, through archive.Reader: each record's key (the id) with
// its "reason column".
func exactArchived(t *testing.T, workDir, table string) map[int]string {
	t.Helper()
	out := map[int]string{}
	pkg, err := archive.OpenVerified(filepath.Join(workDir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	idCol := -1
	for _, tbl := range pkg.Tables() {
		for i, c := range tbl.Columns {
			if tbl.Table == table && len(tbl.PrimaryKey) == 1 && c.Name == tbl.PrimaryKey[0] {
				idCol = i
			}
		}
	}
	if idCol < 0 {
		return out // nothing of the table archived
	}
	recs, err := pkg.Records(table)
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	for recs.Next() {
		rec := recs.Record()
		id, ok := rec.Values[idCol].(int64)
		if !ok {
			t.Fatalf("archived record with id of type %T", rec.Values[idCol])
		}
		out[int(id)] = rec.Outcome.Reason + " " + rec.Outcome.Column
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// exactRows reads a table through its connector, by id.
func exactRows(t *testing.T, url, table string) (map[int64][]connectors.Value, []connectors.Column) {
	t.Helper()
	ctx := context.Background()
	src, err := all.OpenSource(ctx, url)
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
	if err != nil {
		t.Fatal(err)
	}
	var cols []connectors.Column
	for _, tb := range tables {
		if tb.Name == table {
			cols = tb.Columns
		}
	}
	out := map[int64][]connectors.Value{}
	for _, r := range conformance.ReadAll(t, src, table, connectors.ScanOptions{}) {
		id, ok := r[0].(int64)
		if !ok {
			t.Fatalf("id %s", conformance.Describe(r[0]))
		}
		out[id] = r
	}
	return out, cols
}

// exactCompare fails for every value of want that got does not hold as
// the same canonical value, for every row but the archived ones, which
// must be absent.
func exactCompare(t *testing.T, what string, want, got map[int64][]connectors.Value, wantCols, gotCols []connectors.Column, archived map[int]string) {
	t.Helper()
	idx := map[string]int{}
	for j, c := range gotCols {
		idx[c.Name] = j
	}
	for id, w := range want {
		g, ok := got[id]
		if _, gone := archived[int(id)]; gone {
			if ok {
				t.Errorf("%s: row %d arrived, but should be archived (%s)", what, id, archived[int(id)])
			}
			continue
		}
		if !ok {
			t.Errorf("%s: row %d did not arrive", what, id)
			continue
		}
		for j, c := range wantCols {
			k, ok := idx[c.Name]
			if !ok {
				t.Fatalf("%s: column %s missing", what, c.Name)
			}
			if !conformance.Equal(g[k], w[j]) {
				t.Errorf("%s: row %d column %s (%s → %s): %s arrived as %s", what, id, c.Name, c.SourceType, gotCols[k].SourceType, conformance.Describe(w[j]), conformance.Describe(g[k]))
			}
		}
	}
	if len(got) != len(want)-len(archived) {
		t.Errorf("%s: %d rows arrived, want %d", what, len(got), len(want)-len(archived))
	}
}

func exactCheckLedger(t *testing.T, rep *verify.Report, table string, rows, archived int) {
	t.Helper()
	for _, tc := range rep.Tables {
		if tc.Source != table {
			continue
		}
		if tc.SourceRows != int64(rows) || tc.Migrated != int64(rows-archived) || tc.Archived != int64(archived) || !tc.OK {
			t.Errorf("ledger of %s: %d source rows, %d migrated, %d archived (ok %v); want %d, %d, %d",
				table, tc.SourceRows, tc.Migrated, tc.Archived, tc.OK, rows, rows-archived, archived)
		}
		return
	}
	t.Errorf("the report has no ledger of %s", table)
}

func exactCheckArchive(t *testing.T, what string, got, want map[int]string) {
	t.Helper()
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: row %d archived as %q, want %q", what, id, got[id], w)
		}
	}
	for id, g := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: row %d archived as %q, want it migrated", what, id, g)
		}
	}
}

// MariaDB → PostgreSQL → MariaDB: every value that PostgreSQL can hold
// comes back to MariaDB as the canonical value it left as; each one it
// cannot hold archives its row on the way out, with rule and column.
func TestExactMariaDBToPostgreSQLAndBack(t *testing.T) {
	legacy := mytest.NewDatabase(t)
	pg := pgtest.NewDatabase(t)
	back := mytest.NewDatabase(t)
	fx := mariaDBEveryType()
	mytest.Exec(t, legacy, append([]string{"SET SESSION sql_mode = ''"},
		fx.statements(func(s string) string { return "`" + s + "`" }, " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")...)...)

	rep, work := exactMigrate(t, legacy, pg, fx.receiving)
	exactCheckLedger(t, rep, fx.name, len(fx.rows), len(fx.archived))
	exactCheckArchive(t, "MariaDB → PostgreSQL", exactArchived(t, work, fx.name), fx.archived)
	want, wantCols := exactRows(t, legacy, fx.name)
	mid, midCols := exactRows(t, pg, fx.name)
	exactCompare(t, "MariaDB → PostgreSQL", want, mid, wantCols, midCols, fx.archived)

	rep, _ = exactMigrate(t, pg, back, nil)
	exactCheckLedger(t, rep, fx.name, len(fx.rows)-len(fx.archived), 0)
	got, gotCols := exactRows(t, back, fx.name)
	exactCompare(t, "MariaDB → PostgreSQL → MariaDB", want, got, wantCols, gotCols, fx.archived)
}

// PostgreSQL → MariaDB: -0.0 (which MariaDB would store as 0), NaN,
// infinities and dates outside the calendar archive their rows; the rest
// arrives exactly, jsonb's normalised text and arrays' literals included.
func TestExactPostgreSQLToMariaDB(t *testing.T) {
	legacy := pgtest.NewDatabase(t)
	target := mytest.NewDatabase(t)
	fx := postgresEveryType()
	pgtest.Exec(t, legacy, fx.statements(func(s string) string { return pgx.Identifier{s}.Sanitize() }, "")...)

	rep, work := exactMigrate(t, legacy, target, fx.receiving)
	exactCheckLedger(t, rep, fx.name, len(fx.rows), len(fx.archived))
	exactCheckArchive(t, "PostgreSQL → MariaDB", exactArchived(t, work, fx.name), fx.archived)
	want, wantCols := exactRows(t, legacy, fx.name)
	got, gotCols := exactRows(t, target, fx.name)
	exactCompare(t, "PostgreSQL → MariaDB", want, got, wantCols, gotCols, fx.archived)
}

// exactTarget is PostgreSQL when REGFLYTT_TEST_PG is set, else a SQLite
// file: the MariaDB-side tests need only MariaDB.
func exactTarget(t *testing.T) string {
	if os.Getenv(pgtest.EnvVar) != "" {
		return pgtest.NewDatabase(t)
	}
	return "sqlite://" + filepath.Join(t.TempDir(), "receiving.db")
}

// Done means: a MariaDB table with one zero date among 100,000 rows
// migrates 99,999 rows and archives one, naming the column and the
// reason; the run PASSes (exit code 0).
func TestExactOneZeroDateIn100000Rows(t *testing.T) {
	t.Parallel()
	legacy := mytest.NewDatabase(t)
	start := time.Now()
	mytest.Exec(t, legacy,
		"SET SESSION sql_mode = ''",
		"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, datum date, vikt decimal(5,1), anteckning varchar(20)) ENGINE=InnoDB",
		"INSERT INTO besok SELECT seq, DATE('2000-01-01') + INTERVAL (seq % 9000) DAY, (seq % 2000) / 10, CONCAT('besök ', seq) FROM seq_1_to_100000",
		"UPDATE besok SET datum = '0000-00-00' WHERE id = 54321",
	)
	built := time.Since(start)
	tgt := exactTarget(t)
	rep, work := exactMigrate(t, legacy, tgt, nil)
	t.Logf("100,000 rows: fixture %v, run %.1fs", built.Round(time.Millisecond), rep.Seconds)

	exactCheckLedger(t, rep, "besok", 100000, 1)
	for _, tc := range rep.Tables {
		if tc.Source == "besok" && (len(tc.ArchivedBy) != 1 || tc.ArchivedBy["invalid_date"] != 1) {
			t.Errorf("archived by %v, want invalid_date: 1", tc.ArchivedBy)
		}
	}
	exactCheckArchive(t, "zero date", exactArchived(t, work, "besok"), map[int]string{54321: "invalid_date datum"})
	inTarget(t, tgt, func(ctx context.Context, snap connectors.Snapshot, _ []connectors.Table) {
		if n, err := snap.Count(ctx, "besok"); err != nil || n != 99999 {
			t.Errorf("target holds %d rows (%v), want 99,999", n, err)
		}
	})
}

// Done means: TIMESTAMP and DATETIME values arrive unshifted whatever the
// PostgreSQL server's TimeZone: here the target database's is
// Europe/Stockholm, and the MariaDB session that wrote the legacy rows was
// at +05:00 (the server's named zones need not be loaded). Instants and
// wall clocks are compared exactly, through the connector and through a
// plain session that takes the database's Stockholm default.
func TestExactTimestampsUnshiftedByTimeZones(t *testing.T) {
	legacy := mytest.NewDatabase(t)
	pg := pgtest.NewDatabase(t)
	pgtest.Exec(t, pg, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'Europe/Stockholm'); END $$`)
	stockholm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	plus5 := time.FixedZone("+05:00", 5*3600)
	instants := []time.Time{
		time.Date(2024, 6, 1, 12, 0, 0, 123456000, time.UTC),
		time.Date(2024, 3, 31, 0, 59, 59, 999999000, time.UTC), // the second before Stockholm springs forward
		time.Date(2024, 3, 31, 1, 0, 0, 0, time.UTC),
		time.Date(2023, 10, 29, 0, 30, 0, 0, time.UTC), // 02:30 CEST, the first of two 02:30s
		time.Date(2023, 10, 29, 1, 30, 0, 0, time.UTC), // 02:30 CET, the second
		time.Date(2038, 1, 19, 3, 14, 7, 0, time.UTC),
	}
	walls := []connectors.LocalDateTime{
		{Date: connectors.Date{Year: 2024, Month: 6, Day: 1}, Hour: 12, Nanosecond: 123456000},
		{Date: connectors.Date{Year: 2024, Month: 3, Day: 31}, Hour: 2, Minute: 30}, // does not exist in Stockholm
		{Date: connectors.Date{Year: 2024, Month: 3, Day: 31}, Hour: 3},
		{Date: connectors.Date{Year: 2023, Month: 10, Day: 29}, Hour: 2, Minute: 30}, // exists twice in Stockholm
		{Date: connectors.Date{Year: 2023, Month: 10, Day: 29}, Hour: 2, Minute: 30, Second: 1},
		{Date: connectors.Date{Year: 9999, Month: 12, Day: 31}, Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999000},
	}
	stmts := []string{
		"SET SESSION time_zone = '+05:00'",
		"CREATE TABLE tider (id int NOT NULL PRIMARY KEY, ts timestamp(6) NULL, dt datetime(6)) ENGINE=InnoDB",
	}
	for i := range instants {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO tider VALUES (%d, '%s', '%s')", i+1,
			instants[i].In(plus5).Format("2006-01-02 15:04:05.000000"), walls[i]))
	}
	mytest.Exec(t, legacy, stmts...)
	rep, _ := exactMigrate(t, legacy, pg, nil)
	exactCheckLedger(t, rep, "tider", len(instants), 0)

	got, _ := exactRows(t, pg, "tider")
	for i := range instants {
		r := got[int64(i+1)]
		if r == nil {
			t.Fatalf("row %d did not arrive", i+1)
		}
		if !conformance.Equal(r[1], instants[i]) {
			t.Errorf("row %d timestamp: %s arrived as %s", i+1, instants[i], conformance.Describe(r[1]))
		}
		if !conformance.Equal(r[2], walls[i]) {
			t.Errorf("row %d datetime: %s arrived as %s", i+1, walls[i], conformance.Describe(r[2]))
		}
	}
	// What another client of the receiving platform sees, in the
	// database's own TimeZone: the same instants, the same wall clocks.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var zone string
	if err := conn.QueryRow(ctx, "SHOW TimeZone").Scan(&zone); err != nil || zone != "Europe/Stockholm" {
		t.Fatalf("session TimeZone %q, %v; want the database's Europe/Stockholm", zone, err)
	}
	rows, err := conn.Query(ctx, "SELECT id, ts::text, dt::text, extract(epoch FROM ts)::numeric(20,6)::text FROM tider ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id int
		var ts, dt, epoch string
		if err := rows.Scan(&id, &ts, &dt, &epoch); err != nil {
			t.Fatal(err)
		}
		in, w := instants[id-1], walls[id-1]
		wantTS := in.In(stockholm).Format("2006-01-02 15:04:05.999999-07")
		wantEpoch := fmt.Sprintf("%d.%06d", in.Unix(), in.Nanosecond()/1000)
		if ts != wantTS || epoch != wantEpoch {
			t.Errorf("row %d: timestamptz reads %s (epoch %s) in Stockholm, want %s (epoch %s)", id, ts, epoch, wantTS, wantEpoch)
		}
		if dt != w.String() {
			t.Errorf("row %d: timestamp reads %s, want the wall clock %s", id, dt, w)
		}
		n++
	}
	if err := rows.Err(); err != nil || n != len(instants) {
		t.Fatalf("read %d rows: %v", n, err)
	}
}

// A TINYINT(1) is a number (2 reads as 2); a mapping that casts it to a
// boolean takes 0 and 1 only, and archives any other value with
// cast_boolean, naming the column, instead of calling it true.
func TestExactTinyint1CastToBoolean(t *testing.T) {
	legacy := mytest.NewDatabase(t)
	mytest.Exec(t, legacy,
		"CREATE TABLE flagga (id int NOT NULL PRIMARY KEY, aktiv tinyint(1)) ENGINE=InnoDB",
		"INSERT INTO flagga VALUES (1, 0), (2, 1), (3, NULL), (4, 2), (5, -1)",
	)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: exact
tables:
  - name: flag
    primary_key: [id]
    columns:
      - {name: id, type: integer}
      - {name: active, type: boolean}
`)
	write(t, filepath.Join(dir, "mapping.yaml"), `version: 1
tables:
  - target: flag
    source: flagga
    columns:
      id: id
      active: {from: aktiv, cast: boolean}
`)
	plan := write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: exact, name: Exact values}
system: {current: legacy, chosen: receiving}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [mapping.yaml]
archive: {dir: archive}
`)
	tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: legacy, TargetURL: tgt, WorkDir: dir})
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v", err)
	}
	exactCheckLedger(t, rep, "flagga", 5, 2)
	exactCheckArchive(t, "tinyint(1) to boolean", exactArchived(t, dir, "flagga"), map[int]string{4: "cast_boolean active", 5: "cast_boolean active"})
	got, _ := exactRows(t, tgt, "flag")
	for id, want := range map[int64]connectors.Value{1: false, 2: true, 3: nil} {
		if r := got[id]; r == nil || !conformance.Equal(r[1], want) {
			t.Errorf("row %d: %v, want %v", id, r, want)
		}
	}
}
