package mysql_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/faultnet"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/wrap"
)

// readBothWays reads table twice, once with the driver's reader forced
// (REGFLYTT_MYSQL_READER=driver) and once with the package's own, and
// checks that each read used the reader it was meant to.
func readBothWays(t *testing.T, dbURL, table string, opts connectors.ScanOptions) (viaDriver, viaWire [][]connectors.Value) {
	t.Helper()
	t.Setenv("REGFLYTT_MYSQL_READER", "driver")
	d := openSource(t, dbURL)
	viaDriver = conformance.ReadAll(t, d, table, opts)
	if w, n := mysql.ReaderBatches(d); w != 0 || n == 0 {
		t.Fatalf("forced to the driver's reader: %d batches on the wire, %d through the driver", w, n)
	}
	t.Setenv("REGFLYTT_MYSQL_READER", "")
	f := openSource(t, dbURL)
	viaWire = conformance.ReadAll(t, f, table, opts)
	if w, n := mysql.ReaderBatches(f); n != 0 || w == 0 {
		t.Fatalf("the package's reader was not used: %d batches on the wire, %d through the driver", w, n)
	}
	return viaDriver, viaWire
}

func sameRows(t *testing.T, cols []string, viaDriver, viaWire [][]connectors.Value) {
	t.Helper()
	if len(viaDriver) != len(viaWire) {
		t.Fatalf("driver read %d rows, wire %d", len(viaDriver), len(viaWire))
	}
	for i := range viaDriver {
		if len(viaDriver[i]) != len(viaWire[i]) {
			t.Fatalf("row %d: driver read %d values, wire %d", i+1, len(viaDriver[i]), len(viaWire[i]))
		}
		for j := range viaDriver[i] {
			a, b := viaDriver[i][j], viaWire[i][j]
			if !conformance.Equal(a, b) || fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
				t.Errorf("row %d column %s: driver read %s, wire %s", i+1, cols[j], conformance.Describe(a), conformance.Describe(b))
			}
		}
	}
}

// readSameBothWays reads table both ways (readBothWays), checks that the
// package's reader read want rows and that they are the driver's, value
// for value, and gives the package's rows.
func readSameBothWays(t *testing.T, dbURL, table string, opts connectors.ScanOptions, cols []string, want int) [][]connectors.Value {
	t.Helper()
	viaDriver, viaWire := readBothWays(t, dbURL, table, opts)
	if len(viaWire) != want {
		t.Fatalf("%s, %+v: read %d rows, want %d", table, opts, len(viaWire), want)
	}
	sameRows(t, cols, viaDriver, viaWire)
	return viaWire
}

func columnNames(t *testing.T, dbURL, table string) []string {
	t.Helper()
	_, tables := snapshotTables(t, context.Background(), openSource(t, dbURL))
	for _, tb := range tables {
		if tb.Name == table {
			return namesOf(tb.Columns)
		}
	}
	t.Fatalf("no table %s", table)
	return nil
}

func namesOf(cols []connectors.Column) []string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return names
}

// snapshotTables opens a snapshot of src (closed when the test ends; a
// test may close it sooner) and reads its catalogue.
func snapshotTables(t *testing.T, ctx context.Context, src *mysql.DB) (connectors.Snapshot, []connectors.Table) {
	t.Helper()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return snap, tables
}

// connectionID is the server's id of the snapshot's own connection, for
// KILL and for telling that a later query ran on the same connection.
func connectionID(t *testing.T, ctx context.Context, snap connectors.Snapshot) string {
	t.Helper()
	id, err := mysql.SnapshotQuery(ctx, snap, "SELECT CONNECTION_ID()")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// killWhenExecuting runs kill (KILL or KILL QUERY) on connection id from
// admin once the server shows that connection executing a statement, so
// that it lands in the middle of a batch rather than between batches. The
// channel says what happened: "killed: <nil>" when the kill went through.
func killWhenExecuting(admin *sql.DB, kill, id string) <-chan string {
	done := make(chan string, 1)
	go func() {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			var cmd string
			if admin.QueryRow("SELECT command FROM information_schema.processlist WHERE id = "+id).Scan(&cmd) == nil && cmd == "Execute" {
				_, err := admin.Exec(kill + " " + id)
				done <- fmt.Sprint("killed: ", err)
				return
			}
			time.Sleep(time.Millisecond)
		}
		done <- "never seen executing"
	}()
	return done
}

// wantOnlyWire fails the test unless every batch src read went through
// the package's reader.
func wantOnlyWire(t *testing.T, src *mysql.DB) {
	t.Helper()
	if w, d := mysql.ReaderBatches(src); w == 0 || d != 0 {
		t.Fatalf("%d batches on the wire, %d through the driver", w, d)
	}
}

// maxAllowedPacket is the server's max_allowed_packet, which bounds how
// large a row the split-packet tests can store.
func maxAllowedPacket(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT @@max_allowed_packet").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Every type of the legacy fixture (TestSourceTypes: every type TypeMap
// lists, with its edges and a row of NULLs) reads the same through the
// package's reader as through the driver's, one and several rows a
// batch, and streamed.
func TestWireReaderMatchesDriverOnEveryType(t *testing.T) {
	dbURL := legacyFixture(t)
	cols := columnNames(t, dbURL, "legacy")
	for _, opts := range []connectors.ScanOptions{{BatchSize: 1}, {BatchSize: 3}, {Key: []string{"bu", "id"}}} {
		d, w := readBothWays(t, dbURL, "legacy", opts)
		if len(d) < 5 {
			t.Fatalf("only %d rows read", len(d))
		}
		sameRows(t, cols, d, w)
	}
}

// Dates, times and timestamps in every precision and shape the server
// sends them (zero, invalid, midnight sent short, whole seconds sent
// without microseconds, TIME beyond a day and negative), and the types
// regflytt itself creates (booleans, timestamptz), read the same both
// ways.
func TestWireReaderMatchesDriverOnTimes(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	var defs, lits []string
	add := func(ddl string, values ...string) {
		name := fmt.Sprintf("c%d", len(defs))
		defs = append(defs, fmt.Sprintf("`%s` %s NULL", name, ddl))
		lits = append(lits, strings.Join(values, "\x00"))
	}
	stamp := []string{"'2024-01-02 03:04:05.123456'", "'2024-01-02 00:00:00'", "'2024-01-02 03:04:05'", "'0000-00-00 00:00:00'", "'2023-02-30 10:00:00'", "'2024-05-00 00:00:00.5'"}
	for p := 0; p <= 6; p++ {
		add(fmt.Sprintf("datetime(%d)", p), stamp...)
		add(fmt.Sprintf("timestamp(%d)", p), "'2024-01-02 03:04:05.987654'", "'1970-01-01 00:00:01'", "'0000-00-00 00:00:00'", "'2038-01-19 03:14:07.999999'")
		add(fmt.Sprintf("time(%d)", p), "'-838:59:59'", "'838:59:59'", "'-00:00:00.000001'", "'100:00:00.5'", "'24:00:00'", "'00:00:00'", "'-1:02:03.456789'")
	}
	add("date", "'0000-00-00'", "'2023-02-30'", "'2024-02-29'", "'0001-01-01'", "'9999-12-31'", "'2024-00-01'")
	add("year", "'0000'", "1901", "2155")
	add("bigint unsigned zerofill", "18446744073709551615", "0", "42")
	add("decimal(65,30) zerofill", "'"+strings.Repeat("9", 35)+"."+strings.Repeat("9", 30)+"'", "-0", "0.000000000000000000000000000001")
	add("varchar(10) CHARACTER SET latin1", "'åäö'", "''", "'€'")
	add("char(3)", "''", "'😀'", "'a'")
	add("bit(64)", "0", "0xFFFFFFFFFFFFFFFF", "b'1'")
	add("tinyint(1)", "-128", "127", "1")
	add("float", "-0e0", "3.4e38", "1e-45")
	add("double", "-0e0", "1.7976931348623157e308", "4.9e-324")
	add("enum('','x')", "''", "'bad'", "'x'")
	add("set('a','b')", "''", "'b,a'")
	stmts := []string{
		"SET SESSION sql_mode = 'ALLOW_INVALID_DATES'",
		"SET SESSION time_zone = '+00:00'",
		"CREATE TABLE t (id int PRIMARY KEY, " + strings.Join(defs, ", ") + ")",
	}
	for r := 0; r < 8; r++ {
		vals := []string{fmt.Sprint(r + 1)}
		for _, l := range lits {
			vs := strings.Split(l, "\x00")
			v := "NULL"
			if r < len(vs) {
				v = vs[r]
			}
			vals = append(vals, v)
		}
		stmts = append(stmts, "INSERT INTO t VALUES ("+strings.Join(vals, ", ")+")")
	}
	mytest.Exec(t, dbURL, stmts...)
	cols := columnNames(t, dbURL, "t")
	readSameBothWays(t, dbURL, "t", connectors.ScanOptions{BatchSize: 3}, cols, 8)

	// The types regflytt creates on a MariaDB target, written by it.
	tgt := openTarget(t, dbURL)
	tbl := benchTable("made")
	ctx := context.Background()
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	rows := benchData()[:2000]
	for i := range rows {
		if i%7 == 0 {
			for j := 2; j < len(rows[i]); j++ {
				rows[i][j] = nil
			}
		}
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &tbl, rows); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	names := namesOf(tbl.Columns)
	w := readSameBothWays(t, dbURL, "made", connectors.ScanOptions{BatchSize: 300}, names, len(rows))
	for i := range rows {
		for j := range rows[i] {
			if !conformance.Equal(w[i][j], rows[i][j]) {
				t.Fatalf("made row %d column %s: read %s, wrote %s", i+1, names[j], conformance.Describe(w[i][j]), conformance.Describe(rows[i][j]))
			}
		}
	}
}

// A row larger than one packet (16 MB) arrives split in two: it reads
// whole. The test server's max_allowed_packet bounds the value; below
// 16 MB no row can be split and the test says so.
func TestWireReaderReadsSplitPackets(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	maxPacket := maxAllowedPacket(t, mytest.Open(t, dbURL))
	// A row of id, b and n is 14 bytes more than b: 16 MB - 1 is where
	// a packet splits.
	size := min(maxPacket-8, 1<<24+100)
	if size+14 < 1<<24-1 {
		t.Skipf("max_allowed_packet is %d: no row can reach 16 MB", maxPacket)
	}
	mytest.Exec(t, dbURL,
		"CREATE TABLE big (id int PRIMARY KEY, b longblob, n int)",
		fmt.Sprintf("INSERT INTO big VALUES (1, REPEAT('a', %d), 7), (2, 'x', 8), (3, REPEAT('b', %d), 9)", size, 1<<24-1-14),
	)
	d, w := readBothWays(t, dbURL, "big", connectors.ScanOptions{BatchSize: 2})
	if len(w) != 3 || len(w[0][1].([]byte)) != size || w[0][2] != int64(7) || w[2][2] != int64(9) {
		t.Fatalf("read %d rows", len(w))
	}
	sameRows(t, []string{"id", "b", "n"}, d, w)
}

// A batch whose context ends while it reads returns the context's error
// and gives up its connection; the source stays usable.
func TestWireReaderCancelled(t *testing.T) {
	t.Setenv("REGFLYTT_MYSQL_READER", "") // the package's reader, whatever the environment says
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL, "CREATE TABLE s (id int PRIMARY KEY, v varchar(200))",
		"INSERT INTO s SELECT seq, REPEAT('v', 200) FROM seq_1_to_20000")
	src := openSource(t, dbURL)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	snap, tables := snapshotTables(t, ctx, src)
	rows, err := snap.Scan(ctx, &tables[0], connectors.ScanOptions{BatchSize: 20000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		if n++; n == 10 {
			cancel()
		}
	}
	if err := rows.Err(); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("cancelled read: %v after %d rows", err, n)
	}
	rows.Close()
	snap.Close()
	if got := conformance.ReadAll(t, src, "s", connectors.ScanOptions{}); len(got) != 20000 {
		t.Errorf("read %d rows after a cancelled read", len(got))
	}
}

// A connection killed on the server while the package's reader is in the
// middle of a result gives an error the run's retry takes for a lost
// connection (a KILL between batches is TestRunSurvivesKilledConnections'
// case), and the source reads again on a new connection.
func TestWireReaderConnectionKilledMidResult(t *testing.T) {
	t.Setenv("REGFLYTT_MYSQL_READER", "") // the package's reader, whatever the environment says
	dbURL := mytest.NewDatabase(t)
	const n = 200000
	mytest.Exec(t, dbURL, "CREATE TABLE s (id int PRIMARY KEY, v varchar(300))",
		fmt.Sprintf("INSERT INTO s SELECT seq, REPEAT('v', 250) FROM seq_1_to_%d", n))
	src := openSource(t, dbURL)
	ctx := context.Background()
	snap, tables := snapshotTables(t, ctx, src)
	id := connectionID(t, ctx, snap)
	killed := killWhenExecuting(mytest.Open(t, dbURL), "KILL", id)
	rows, err := snap.Scan(ctx, &tables[0], connectors.ScanOptions{BatchSize: n})
	if err != nil {
		t.Fatal(err)
	}
	finished, _ := faultnet.Within(30*time.Second, func() error {
		for rows.Next() {
		}
		return nil
	})
	if !finished {
		t.Fatal("the read still waits 30 s after its connection was killed")
	}
	what := <-killed
	err = rows.Err()
	rows.Close()
	t.Logf("%s; read: %v", what, err)
	if what != "killed: <nil>" {
		t.Skipf("the batch was not caught executing (%s): nothing proven", what)
	}
	if err == nil || !wrap.IsTransient(err) {
		t.Fatalf("read of a killed connection: %v; want an error taken for a lost connection", err)
	}
	wantOnlyWire(t, src)
	if got := conformance.ReadAll(t, src, "s", connectors.ScanOptions{BatchSize: n}); len(got) != n {
		t.Errorf("read %d rows after the kill, want %d", len(got), n)
	}
}

// The readTimeout parameter bounds the package's reader as it bounds the
// driver: a batch on a connection whose far side stopped answering fails
// within it instead of waiting for good, and one read after a pause
// longer than it reads.
func TestWireReaderHonoursReadTimeout(t *testing.T) {
	t.Setenv("REGFLYTT_MYSQL_READER", "") // the package's reader, whatever the environment says
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL, "CREATE TABLE s (id int PRIMARY KEY)", "INSERT INTO s VALUES (1), (2)")
	p, url := faultnet.ProxyURL(t, dbURL)
	src := openSource(t, url+"?readTimeout=1s")
	ctx := context.Background()
	snap, tables := snapshotTables(t, ctx, src)
	// The driver's last deadline has passed: a batch read after it must
	// set its own.
	time.Sleep(1500 * time.Millisecond)
	if got := scanCount(t, snap, &tables[0], connectors.ScanOptions{}); got != 2 {
		t.Fatalf("read %d rows after a pause longer than readTimeout, want 2", got)
	}
	p.Freeze()
	var readErr error
	finished, _ := faultnet.Within(15*time.Second, func() error {
		rows, err := snap.Scan(ctx, &tables[0], connectors.ScanOptions{})
		if err != nil {
			readErr = err
			return nil
		}
		for rows.Next() {
		}
		readErr = rows.Err()
		rows.Close()
		return nil
	})
	if !finished {
		t.Fatal("the read still waits 15 s on a connection that stopped answering (readTimeout 1 s)")
	}
	if readErr == nil || !wrap.IsTransient(readErr) {
		t.Fatalf("read on a frozen connection: %v; want a lost connection", readErr)
	}
	if w, _ := mysql.ReaderBatches(src); w == 0 {
		t.Fatal("the package's reader was not used")
	}
}

// scanCount scans tbl on snap to the end and counts the rows read.
func scanCount(t *testing.T, snap connectors.Snapshot, tbl *connectors.Table, opts connectors.ScanOptions) int {
	t.Helper()
	rows, err := snap.Scan(context.Background(), tbl, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}
