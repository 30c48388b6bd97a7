package mysql_test

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// The tests of this file change the server's GLOBAL settings, which every
// session opened afterwards takes, so they run against a private server
// only (mytest.PrivateEnvVar), never the shared one. Each proves that a
// snapshot's reads, the run's and verify's alike, give the same rows and
// checksums whatever a DBA has set globally.

// setGlobal sets the private server's global variable name to value (an
// SQL expression) and restores the earlier value when the test ends.
func setGlobal(t *testing.T, server, name, value string) {
	t.Helper()
	admin := mytest.Open(t, server)
	var old string
	if err := admin.QueryRow("SELECT @@GLOBAL." + name).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("SET GLOBAL " + name + " = " + value); err != nil {
		t.Fatalf("SET GLOBAL %s = %s: %v", name, value, err)
	}
	restore := "'" + old + "'"
	if _, err := strconv.ParseFloat(old, 64); err == nil {
		restore = old
	} else if old == "DEFAULT" {
		// system_versioning_asof shows its "current rows" value as the
		// word; the string 'DEFAULT' is refused (error 1231).
		restore = "DEFAULT"
	}
	t.Cleanup(func() {
		db := mytest.Open(t, server)
		if _, err := db.Exec("SET GLOBAL " + name + " = " + restore); err != nil {
			t.Errorf("restore GLOBAL %s = %s: %v", name, restore, err)
		}
	})
}

// readAll reads the table through the snapshot by key and gives its rows
// with every value formatted, in key order.
func readAll(t *testing.T, snap connectors.Snapshot, tbl *connectors.Table, opts connectors.ScanOptions) [][]string {
	t.Helper()
	rows, err := snap.Scan(context.Background(), tbl, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var r []string
		for _, v := range rows.Row() {
			r = append(r, formatValue(v))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// formatValue shows a value with its Go type, so that 80 and "80" differ.
func formatValue(v connectors.Value) string {
	return fmt.Sprintf("%T:%q", v, fmt.Sprint(v))
}

// tableNamed finds a table of the catalogue by name.
func tableNamed(t *testing.T, tables []connectors.Table, name string) *connectors.Table {
	t.Helper()
	for i := range tables {
		if tables[i].Name == name {
			return &tables[i]
		}
	}
	t.Fatalf("no table %s in the catalogue", name)
	return nil
}

// MariaDB's system_versioning_asof set GLOBALLY to a past moment makes
// every new session read each system-versioned table as of that moment.
// A snapshot sets its session's value to DEFAULT before it begins; were
// DEFAULT the global value there (as for most variables, and as the SET
// statement's documentation says), the run would migrate the past rows
// and verify, reading the same way, would agree: PASS with exit 0. On
// MariaDB 10.11 DEFAULT is the variable's own "current rows" value. The
// test reads the table by its primary key (keyset batches), by another
// key (a streamed scan on a connection of its own), counts it and
// checksums it, against a table that is not versioned holding the
// current rows.
func TestSnapshotReadsCurrentRowsWhateverTheGlobalAsOf(t *testing.T) {
	server := mytest.PrivateServerURL(t)
	url := mytest.NewDatabaseOn(t, server)
	mytest.Exec(t, url,
		"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, vikt int, k int NOT NULL) WITH SYSTEM VERSIONING",
		"INSERT INTO besok VALUES (1, 70, 30), (2, 60, 20)")
	var then string
	if err := mytest.Open(t, url).QueryRow("SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f')").Scan(&then); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	mytest.Exec(t, url,
		"UPDATE besok SET vikt = 80 WHERE id = 1",
		"DELETE FROM besok WHERE id = 2",
		"INSERT INTO besok VALUES (3, 90, 10), (4, 50, 40)",
		// The current rows, in a table without history.
		"CREATE TABLE nu (id int NOT NULL PRIMARY KEY, vikt int, k int NOT NULL)",
		"INSERT INTO nu VALUES (1, 80, 30), (3, 90, 10), (4, 50, 40)")

	setGlobal(t, server, "system_versioning_asof", "'"+then+"'")
	// The trap is set: a new session that takes the global value reads
	// the table as it was.
	var past int
	if err := mytest.Open(t, url).QueryRow("SELECT COUNT(*) FROM besok WHERE id = 2 AND vikt = 60").Scan(&past); err != nil {
		t.Fatal(err)
	}
	if past != 1 {
		t.Fatalf("a new session with the global system_versioning_asof at %s reads %d rows of the past, want 1: the server does not read as of the global value", then, past)
	}

	ctx := context.Background()
	db := openSource(t, url)
	snap, tables := snapshotTables(t, ctx, db)
	if asof, err := mysql.SnapshotQuery(ctx, snap, "SELECT @@SESSION.system_versioning_asof"); err != nil || asof != "DEFAULT" {
		t.Errorf("the snapshot's session reads as of %q (%v), want DEFAULT (the current rows)", asof, err)
	}
	besok, nu := tableNamed(t, tables, "besok"), tableNamed(t, tables, "nu")
	want := readAll(t, snap, nu, connectors.ScanOptions{})
	if len(want) != 3 {
		t.Fatalf("the table without history reads %v", want)
	}
	if got := readAll(t, snap, besok, connectors.ScanOptions{BatchSize: 1}); !reflect.DeepEqual(got, want) {
		t.Errorf("keyset batches read %v, want the current rows %v", got, want)
	}
	streamed := readAll(t, snap, besok, connectors.ScanOptions{Key: []string{"k"}})
	wantByK := [][]string{want[1], want[0], want[2]}
	if !reflect.DeepEqual(streamed, wantByK) {
		t.Errorf("a streamed read by k read %v, want the current rows %v", streamed, wantByK)
	}
	if n, err := snap.Count(ctx, "besok"); err != nil || n != 3 {
		t.Errorf("count %d (%v), want the 3 current rows", n, err)
	}
	req := connectors.ChecksumRequest{Columns: []string{"id", "vikt", "k"}, Key: []string{"id"}, Buckets: 4}
	got, _, err := connectors.Checksum(ctx, snap, besok, req)
	if err != nil {
		t.Fatal(err)
	}
	cur, _, err := connectors.Checksum(ctx, snap, nu, req)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cur) {
		t.Errorf("the versioned table's checksum %v differs from the current rows' %v", got, cur)
	}
}

// globalsReading is everything a run and verify read of the fixture of
// TestReadsWhateverTheServerGlobals, formatted.
type globalsReading struct {
	ByID, ByKK, Query [][]string
	Count             int64
	Sums              connectors.Buckets
}

// readGlobalsFixture reads the fixture through a new source (whose
// sessions take the server's globals as they are now): by primary key in
// keyset batches of one row, streamed by kk, as a select: source keyed by
// kk in batches of one row, counted and checksummed.
func readGlobalsFixture(t *testing.T, url string) globalsReading {
	t.Helper()
	ctx := context.Background()
	snap, tables := snapshotTables(t, ctx, openSource(t, url))
	g := tableNamed(t, tables, "g")
	var r globalsReading
	r.ByID = readAll(t, snap, g, connectors.ScanOptions{BatchSize: 1})
	r.ByKK = readAll(t, snap, g, connectors.ScanOptions{Key: []string{"kk"}})
	if lt := readAll(t, snap, g, connectors.ScanOptions{Key: []string{"lt"}}); !reflect.DeepEqual(lt, r.ByKK) {
		t.Errorf("streamed by the longtext lt (kk's values):\n%v\nby kk:\n%v", lt, r.ByKK)
	}
	qs := snap.(connectors.Querier)
	const q = "SELECT kk, id, c, e FROM g"
	cols, err := qs.DescribeQuery(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := qs.ScanQuery(ctx, q, cols, connectors.ScanOptions{Key: []string{"kk"}, BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var row []string
		for _, v := range rows.Row() {
			row = append(row, formatValue(v))
		}
		r.Query = append(r.Query, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if r.Count, err = snap.Count(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range g.Columns {
		names = append(names, c.Name)
	}
	if r.Sums, _, err = connectors.Checksum(ctx, snap, g, connectors.ChecksumRequest{Columns: names, Key: []string{"id"}, Buckets: 4}); err != nil {
		t.Fatal(err)
	}
	return r
}

// A DBA's global settings are every new session's: a setting that
// changes what a SELECT returns (its rows, their order, their values)
// and that the connector does not pin for its own sessions would change
// the run's reading and verify's alike, and they would agree. Each global
// below is set on the private server in turn and the fixture read again:
// the reading must not change. The fixture holds what such settings
// touch: CHAR values shorter than the column (PAD_CHAR_TO_FULL_LENGTH), a
// backslash (NO_BACKSLASH_ESCAPES), an empty string (EMPTY_STRING_IS_NULL),
// TIMESTAMP and fractional TIME (time_zone, TIME_ROUND_FRACTIONAL), latin1
// text (character_set_results) and keys alike in their first 80 bytes,
// which a sort compares only up to max_sort_length.
func TestReadsWhateverTheServerGlobals(t *testing.T) {
	server := mytest.PrivateServerURL(t)
	url := mytest.NewDatabaseOn(t, server)
	prefix := strings.Repeat("x", 80)
	mytest.Exec(t, url,
		"CREATE TABLE g (id int NOT NULL PRIMARY KEY, kk varchar(200) NOT NULL, c char(5) CHARACTER SET latin1, "+
			"e varchar(10), b varchar(20), ts timestamp(6) NULL, tm time(6), d decimal(12,4), dt datetime(6), lt longtext)",
		"INSERT INTO g (id, kk, c, e, b, ts, tm, d, dt) VALUES "+
			"(1, '"+prefix+"Z', 'ab', '', 'a\\\\b', '2024-01-01 12:00:00.123456', '12:34:56.789', 1.5, '2024-02-29 23:59:59.999999'), "+
			"(2, '"+prefix+"A', '', 'x', 'q\\'', '2038-01-19 03:14:07.999999', '-838:59:59', -0.0001, '1000-01-01 00:00:00'), "+
			"(3, '"+prefix+"M', 'åä ', NULL, '', NULL, '00:00:00.5', 0, NULL), "+
			"(4, '"+prefix+"B', 'abcde', '', NULL, '1970-01-01 00:00:01', NULL, NULL, '2024-01-01 00:00:00.000001')",
		"UPDATE g SET lt = kk")
	want := readGlobalsFixture(t, url)
	if len(want.ByID) != 4 || len(want.ByKK) != 4 || len(want.Query) != 4 || want.Count != 4 {
		t.Fatalf("the fixture reads %+v", want)
	}
	for _, g := range []struct{ name, value string }{
		{"system_versioning_asof", "'2001-01-01 00:00:00'"},
		{"sql_select_limit", "1"},
		{"max_sort_length", "64"},
		{"sort_buffer_size", "32768"},
		{"sql_mode", "'PAD_CHAR_TO_FULL_LENGTH,NO_BACKSLASH_ESCAPES,ANSI_QUOTES,EMPTY_STRING_IS_NULL,TIME_ROUND_FRACTIONAL'"},
		{"sql_mode", "'ORACLE'"},
		{"time_zone", "'+05:00'"},
		{"character_set_results", "'latin1'"},
		{"collation_connection", "'latin1_swedish_ci'"},
		{"div_precision_increment", "0"},
		{"group_concat_max_len", "4"},
		{"lc_time_names", "'sv_SE'"},
		{"old_mode", "'ZERO_DATE_TIME_CAST,UTF8_IS_UTF8MB3'"},
		{"tx_isolation", "'READ-UNCOMMITTED'"},
		{"autocommit", "0"},
		{"big_tables", "1"},
		{"completion_type", "'RELEASE'"},
		{"completion_type", "'CHAIN'"},
		{"sql_mode", "'SIMULTANEOUS_ASSIGNMENT,PAD_CHAR_TO_FULL_LENGTH'"},
	} {
		t.Run(g.name+"="+g.value, func(t *testing.T) {
			setGlobal(t, server, g.name, g.value)
			got := readGlobalsFixture(t, url)
			for _, f := range []struct {
				what      string
				got, want any
			}{
				{"by primary key", got.ByID, want.ByID},
				{"streamed by kk", got.ByKK, want.ByKK},
				{"as a select: source by kk", got.Query, want.Query},
				{"count", got.Count, want.Count},
				{"checksum", got.Sums, want.Sums},
			} {
				if !reflect.DeepEqual(f.got, f.want) {
					t.Errorf("with GLOBAL %s = %s the fixture read %s gives\n%v\nwant\n%v", g.name, g.value, f.what, f.got, f.want)
				}
			}
		})
	}
}

// A select: source is refused when the server read it with a warning (a
// text compared with a number matches '12abc' to 12): the check counts
// @@warning_count and lists SHOW WARNINGS for the codes, ignoring notes.
// SHOW WARNINGS lists at most max_error_count of them, and a DBA may set
// that to 0 globally: the count was then non-zero, the list empty, and
// the rows read with a lossy comparison passed as the source's.
func TestSelectSourceWarningsWhateverTheGlobalErrorCount(t *testing.T) {
	server := mytest.PrivateServerURL(t)
	url := mytest.NewDatabaseOn(t, server)
	mytest.Exec(t, url,
		"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, pnr varchar(12))",
		"CREATE TABLE pat (id int NOT NULL PRIMARY KEY)",
		"INSERT INTO besok VALUES (1, '12abc')",
		"INSERT INTO pat VALUES (12)")
	setGlobal(t, server, "max_error_count", "0")
	ctx := context.Background()
	snap, _ := snapshotTables(t, ctx, openSource(t, url))
	qs := snap.(connectors.Querier)
	const q = "SELECT besok.id, pat.id AS pat FROM besok JOIN pat ON pat.id = besok.pnr"
	cols, err := qs.DescribeQuery(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := qs.ScanQuery(ctx, q, cols, connectors.ScanOptions{Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err == nil || !strings.Contains(err.Error(), "1292") {
		t.Errorf("read %d rows of a join matching '12abc' to 12, error %v; want the read refused naming warning 1292", n, err)
	}
}

// writeGlobalsFixture writes, through a target opened on url (whose
// sessions take the server's globals as they are now), every conformance
// edge value MariaDB keeps into a table Create makes, then rows into an
// existing table with a unique secondary index, a foreign key and a
// CHECK constraint: a row repeating a unique value, one referring to no
// row and one breaking the CHECK must be refused.
// A unique index and a foreign key CreateConstraints adds over rows that
// break them must be refused too. What was committed is read back on
// sessions of their own. insert makes the writes INSERTs instead of LOAD
// DATA. The tables besok and enhet (with the row 7) and a table dup
// holding a repeated value exist already.
func writeGlobalsFixture(t *testing.T, url string, insert bool) []string {
	t.Helper()
	ctx := context.Background()
	tgt := openTarget(t, url)
	if insert {
		mysql.DisableLoad(tgt)
	}
	tbl := connectors.Table{Name: "edges", PrimaryKey: []string{"id"}}
	tbl.Columns = append(tbl.Columns, connectors.Column{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}})
	row, nulls := []connectors.Value{int64(1)}, []connectors.Value{int64(2)}
	for _, e := range conformance.Edges() {
		o, err := conformance.Observe(mysql.Dialect{}, e)
		if err != nil || o.NoColumn || o.Rule != "" || e.Value == nil {
			continue
		}
		typ, err := connectors.ParseType(e.Type)
		if err != nil {
			t.Fatal(err)
		}
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: fmt.Sprintf("c%d", len(tbl.Columns)), Type: typ, Nullable: true})
		row, nulls = append(row, e.Value), append(nulls, nil)
	}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	// MariaDB 10.11 looks for a unique value whatever unique_checks says
	// (the rows below are refused either way), a server that buffers
	// changes does not: a write session checks them.
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := mysql.TxQuery(ctx, tx, "SELECT @@unique_checks"); err != nil || v != "1" {
		t.Errorf("a write session's unique_checks is %q (%v), want 1", v, err)
	}
	tx.Rollback()
	write := func(tbl *connectors.Table, rows ...[]connectors.Value) error {
		tx, err := tgt.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Write(ctx, tbl, rows); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	if err := write(&tbl, row, nulls); err != nil {
		t.Fatal(err)
	}
	int64Col := func(name string) connectors.Column {
		return connectors.Column{Name: name, Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, Nullable: name != "id"}
	}
	besok := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{int64Col("id"), int64Col("enhet_id"), int64Col("nr")}}
	if err := write(&besok, []connectors.Value{int64(1), int64(7), int64(100)}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		what, code string
		rows       [][]connectors.Value
	}{
		{"a row repeating the unique nr", "1062", [][]connectors.Value{{int64(2), int64(7), int64(200)}, {int64(3), int64(7), int64(100)}}},
		{"two rows repeating a unique nr of their own", "1062", [][]connectors.Value{{int64(4), int64(7), int64(300)}, {int64(5), int64(7), int64(300)}}},
		{"a row repeating the primary key", "1062", [][]connectors.Value{{int64(1), int64(7), int64(400)}}},
		{"a row referring to no enhet", "1452", [][]connectors.Value{{int64(6), int64(99), int64(500)}}},
		{"a row breaking the CHECK constraint", "4025", [][]connectors.Value{{int64(7), int64(7), int64(-1)}}},
	} {
		if err := write(&besok, bad.rows...); err == nil {
			t.Errorf("%s was written without an error", bad.what)
		} else if !strings.Contains(err.Error(), bad.code) {
			t.Errorf("%s: %v, want a refusal naming %s", bad.what, err, bad.code)
		}
	}
	dup := connectors.Table{Name: "dup", PrimaryKey: []string{"id"}, Columns: []connectors.Column{int64Col("id"), int64Col("v"), int64Col("ref")},
		Indexes:     []connectors.Index{{Name: "dup_v", Columns: []string{"v"}, Unique: true}},
		ForeignKeys: []connectors.ForeignKey{{Name: "dup_ref", Columns: []string{"ref"}, RefTable: "enhet", RefColumns: []string{"id"}}}}
	if err := tgt.CreateConstraints(ctx, []connectors.Table{dup}); err == nil {
		t.Errorf("a unique index over a repeated value and a foreign key over a row referring to no enhet were added without an error")
	}
	// Each read is a session of its own, as verify's are.
	var out []string
	for _, r := range conformance.ReadAll(t, openSource(t, url), tbl.Name, connectors.ScanOptions{}) {
		out = append(out, fmt.Sprintf("%#v", r))
	}
	for _, r := range conformance.ReadAll(t, openSource(t, url), besok.Name, connectors.ScanOptions{}) {
		out = append(out, fmt.Sprintf("%#v", r))
	}
	return out
}

// writeFixtureSetup makes the existing tables writeGlobalsFixture writes
// into; it runs before a global is set, as autocommit = 0 would keep its
// rows uncommitted.
var writeFixtureSetup = []string{
	"CREATE TABLE enhet (id bigint NOT NULL PRIMARY KEY) ENGINE=InnoDB",
	"CREATE TABLE besok (id bigint NOT NULL PRIMARY KEY, enhet_id bigint, nr bigint, UNIQUE KEY besok_nr (nr), " +
		"CONSTRAINT fk_enhet FOREIGN KEY (enhet_id) REFERENCES enhet (id), CONSTRAINT nr_positive CHECK (nr > 0)) ENGINE=InnoDB",
	"CREATE TABLE dup (id bigint NOT NULL PRIMARY KEY, v bigint, ref bigint) ENGINE=InnoDB",
	"INSERT INTO enhet VALUES (7)",
	"INSERT INTO dup VALUES (1, 5, 7), (2, 5, 99)",
}

// As TestReadsWhateverTheServerGlobals, for a target: with each global
// set on the private server, the edge values written (by LOAD DATA and
// by INSERTs) read back as without it, rows breaking a unique index, the
// primary key or a foreign key are refused, and CreateConstraints refuses
// constraints the rows break. unique_checks = 0 lets InnoDB buffer a
// secondary unique index's insert without looking for the value, and with
// foreign_key_checks off too it loads an empty table in bulk, reporting
// a duplicate only at COMMIT; autocommit = 0 leaves what is not committed
// explicitly uncommitted; completion_type chains a new transaction to
// every COMMIT, or ends the session after it; MariaDB's
// check_constraint_checks = 0 wrote a row breaking an existing table's
// CHECK constraint.
func TestWritesWhateverTheServerGlobals(t *testing.T) {
	server := mytest.PrivateServerURL(t)
	for _, insert := range []bool{false, true} {
		path := "load"
		if insert {
			path = "insert"
		}
		url := mytest.NewDatabaseOn(t, server)
		mytest.Exec(t, url, writeFixtureSetup...)
		want := writeGlobalsFixture(t, url, insert)
		if len(want) != 3 {
			t.Fatalf("%s: the fixture reads back %d rows, want 3", path, len(want))
		}
		for _, g := range []struct{ name, value string }{
			{"unique_checks", "0"},
			{"autocommit", "0"},
			{"foreign_key_checks", "0"},
			{"sql_notes", "0"},
			{"completion_type", "'CHAIN'"},
			{"completion_type", "'RELEASE'"},
			{"sql_mode", "''"},
			{"sql_mode", "'PAD_CHAR_TO_FULL_LENGTH,NO_BACKSLASH_ESCAPES,ANSI_QUOTES,EMPTY_STRING_IS_NULL,TIME_ROUND_FRACTIONAL,SIMULTANEOUS_ASSIGNMENT'"},
			{"sql_mode", "'ORACLE'"},
			{"time_zone", "'+05:00'"},
			{"collation_connection", "'latin1_swedish_ci'"},
			{"character_set_results", "'latin1'"},
			{"div_precision_increment", "0"},
			{"lc_time_names", "'sv_SE'"},
			{"tx_isolation", "'SERIALIZABLE'"},
			{"innodb_strict_mode", "0"},
			{"default_storage_engine", "'MyISAM'"},
			{"explicit_defaults_for_timestamp", "0"},
			{"sql_auto_is_null", "1"},
			{"old_mode", "'ZERO_DATE_TIME_CAST,UTF8_IS_UTF8MB3'"},
			{"check_constraint_checks", "0"},
		} {
			t.Run(path+"/"+g.name+"="+g.value, func(t *testing.T) {
				url := mytest.NewDatabaseOn(t, server)
				mytest.Exec(t, url, writeFixtureSetup...)
				setGlobal(t, server, g.name, g.value)
				got := writeGlobalsFixture(t, url, insert)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("with GLOBAL %s = %s the rows read back are\n%v\nwant\n%v", g.name, g.value, got, want)
				}
			})
		}
	}
}

// A DBA's timeouts cut a run's reads: net_write_timeout ends the
// connection of a streamed read whose reader (a run writing the batch
// before) is slower than it, max_statement_time ends the query,
// wait_timeout and idle_readonly_transaction_timeout end a snapshot's
// connection idle between its reads. Each must fail the read, never end
// it as if the table had no more rows: the run and verify would then
// agree on a short table. A read is all the rows or an error.
func TestReadsCutByServerTimeoutsFail(t *testing.T) {
	server := mytest.PrivateServerURL(t)
	url := mytest.NewDatabaseOn(t, server)
	const total = 100000
	mytest.Exec(t, url,
		"CREATE TABLE s (id int NOT NULL PRIMARY KEY, k int NOT NULL, pad varchar(300))",
		fmt.Sprintf("INSERT INTO s SELECT seq, 1000000 - seq, REPEAT('p', 300) FROM seq_1_to_%d", total))
	ctx := context.Background()
	for _, g := range []struct{ name, value string }{
		{"net_write_timeout", "1"},
		{"max_statement_time", "0.5"},
		{"idle_readonly_transaction_timeout", "1"},
		{"wait_timeout", "1"},
	} {
		t.Run(g.name, func(t *testing.T) {
			setGlobal(t, server, g.name, g.value)
			snap, tables := snapshotTables(t, ctx, openSource(t, url))
			tbl := tableNamed(t, tables, "s")
			cut := 0
			for _, opts := range []connectors.ScanOptions{{Key: []string{"k"}}, {BatchSize: 50000}} {
				rows, err := snap.Scan(ctx, tbl, opts)
				if err != nil {
					cut++
					continue
				}
				n := 0
				for rows.Next() {
					// The reader pauses beyond the timeouts: at the first
					// row (a stream's server is then blocked writing) and
					// between batches (the snapshot idle).
					if n++; n == 1 || n == total/2 {
						time.Sleep(2 * time.Second)
					}
				}
				err = rows.Err()
				rows.Close()
				if err == nil && n != total {
					t.Errorf("with GLOBAL %s = %s a read by %v ended after %d rows of %d without an error", g.name, g.value, opts.Key, n, total)
				}
				if err != nil {
					cut++
				}
			}
			if n, err := snap.Count(ctx, "s"); err == nil && n != total {
				t.Errorf("with GLOBAL %s = %s the count is %d, want %d or an error", g.name, g.value, n, total)
			}
			if cut == 0 {
				t.Errorf("with GLOBAL %s = %s no read was cut: the test proves nothing", g.name, g.value)
			}
		})
	}
}

// readSelectSource reads the select: source q keyed by id through a new
// source, every value formatted, or the error that refused it.
func readSelectSource(t *testing.T, url, q string) ([][]string, error) {
	t.Helper()
	ctx := context.Background()
	snap, _ := snapshotTables(t, ctx, openSource(t, url))
	qs := snap.(connectors.Querier)
	cols, err := qs.DescribeQuery(ctx, q)
	if err != nil {
		return nil, err
	}
	rows, err := qs.ScanQuery(ctx, q, cols, connectors.ScanOptions{Key: []string{"id"}})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var r []string
		for _, v := range rows.Row() {
			r = append(r, formatValue(v))
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// A select: source is the plan's own SQL, and what it computes must not
// depend on a DBA's globals either: div_precision_increment is the scale
// a division adds (0 read 1500 / 1000 as 1, not 1.5000), lc_time_names
// the language of DATE_FORMAT's month and day names (januari for
// January), both without a warning; the run and verify, reading the same
// query the same way, agreed on the changed values. So it was with
// default_week_format (WEEK(d) without a mode: 1 counts weeks from
// Monday, the 15th of January 2024 in week 3, not 2), MariaDB's
// default_regex_flags (DOTALL lets . match a newline) and old_mode's
// ZERO_DATE_TIME_CAST (a TIME cast to DATETIME is on 0000-00-00, not
// today). group_concat_max_len
// cuts GROUP_CONCAT, and max_recursive_iterations a recursive WITH, each
// with a warning, which refuses the read. Each read is the values of the
// server's defaults or an error.
func TestSelectSourceWhateverTheServerGlobals(t *testing.T) {
	server := mytest.PrivateServerURL(t)
	url := mytest.NewDatabaseOn(t, server)
	mytest.Exec(t, url,
		"CREATE TABLE t (id int NOT NULL PRIMARY KEY, v int NOT NULL, d date NOT NULL, n varchar(20) NOT NULL)",
		"INSERT INTO t VALUES (1, 1500, '2024-01-15', 'alfa'), (2, 7, '2024-05-05', 'beta')")
	const q = "SELECT id, v / 1000 AS kg, DATE_FORMAT(d, '%M %W') AS dag, WEEK(d) AS vecka, " +
		"CONCAT(n, CHAR(10), '!') REGEXP 'a.!' AS rad, CAST(TIME'10:00:00' AS DATETIME) > '2000-01-01' AS idag, " +
		"(SELECT GROUP_CONCAT(n ORDER BY n) FROM t) AS alla, " +
		"(WITH RECURSIVE c AS (SELECT 1 AS k UNION ALL SELECT k + 1 FROM c WHERE k < 5) SELECT MAX(k) FROM c) AS djup FROM t"
	want, err := readSelectSource(t, url, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 2 || want[0][1] != `connectors.Decimal:"1.5000"` || !strings.Contains(want[0][2], "January") ||
		want[0][3] != `int64:"2"` || want[0][4] != `int64:"0"` || want[0][5] != `int64:"1"` {
		t.Fatalf("the server's defaults read %v", want)
	}
	for _, g := range []struct{ name, value string }{
		{"div_precision_increment", "0"},
		{"lc_time_names", "'sv_SE'"},
		{"group_concat_max_len", "4"},
		{"max_recursive_iterations", "2"},
		{"default_week_format", "1"},
		{"default_regex_flags", "'DOTALL'"},
		{"old_mode", "'ZERO_DATE_TIME_CAST,UTF8_IS_UTF8MB3'"},
	} {
		t.Run(g.name+"="+g.value, func(t *testing.T) {
			setGlobal(t, server, g.name, g.value)
			got, err := readSelectSource(t, url, q)
			if err == nil && !reflect.DeepEqual(got, want) {
				t.Errorf("with GLOBAL %s = %s the select: source read\n%v\nwant\n%v (or an error)", g.name, g.value, got, want)
			}
		})
	}
}

// A server with local_infile off refuses LOAD DATA LOCAL before it asks
// for the file: the write goes on as INSERTs, read on the wire or through
// the driver alike, and a decimal the server rounds is still refused.
func TestWriteWithoutLocalInfile(t *testing.T) {
	server := mytest.PrivateServerURL(t)
	for _, reader := range []string{"wire", "driver"} {
		t.Run(reader, func(t *testing.T) {
			if reader == "driver" {
				t.Setenv("REGFLYTT_MYSQL_READER", "driver")
			}
			ctx := context.Background()
			url := mytest.NewDatabaseOn(t, server)
			setGlobal(t, server, "local_infile", "0")
			tgt := openTarget(t, url)
			tbl := connectors.Table{Name: "n", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
				{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
				{Name: "d", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, Nullable: true},
			}}
			if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
				t.Fatal(err)
			}
			tx, err := tgt.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if n, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1), connectors.Decimal("1.2")}}); err != nil || n != 1 {
				t.Fatalf("Write = %d, %v", n, err)
			}
			if mysql.Loads(tgt) != 0 {
				t.Error("a batch was loaded with LOAD DATA on a server with local_infile off")
			}
			if _, err := connectors.WriteChecked(ctx, tx, &tbl, [][]connectors.Value{{int64(2), connectors.Decimal("1.25")}}); err == nil || !strings.Contains(err.Error(), "1265") {
				t.Errorf("a decimal the server rounds: got %v, want a refusal naming 1265", err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
