package mysql_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// Red-team tests of the package's binary-row reader (wire.go,
// binrows.go): paths on which it could give a wrong value with no error,
// or leave the driver's connection where the driver misreads the next
// answer on it.

// stmtCounts reads the session's prepared-statement counters on the
// snapshot's own connection.
func stmtCounts(t *testing.T, snap connectors.Snapshot) (prepared, closed int) {
	t.Helper()
	ctx := context.Background()
	read := func(name string) int {
		v, err := mysql.SnapshotQuery(ctx, snap, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = '"+name+"'")
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("%s: %q", name, v)
		}
		return n
	}
	return read("COM_STMT_PREPARE"), read("COM_STMT_CLOSE")
}

// probeSession asks the snapshot's connection, through the driver, a few
// questions whose answers are known: a connection whose stream the reader
// left out of step would answer one with the previous one's answer.
func probeSession(t *testing.T, snap connectors.Snapshot, id string, table string, rows int) {
	t.Helper()
	ctx := context.Background()
	for i := range 3 {
		want := fmt.Sprintf("probe-%d", i)
		got, err := mysql.SnapshotQuery(ctx, snap, "SELECT '"+want+"'")
		if err != nil || got != want {
			t.Fatalf("probe %d on the same connection: %q, %v; want %q", i, got, err, want)
		}
	}
	if got, err := mysql.SnapshotQuery(ctx, snap, "SELECT CONNECTION_ID()"); err != nil || got != id {
		t.Fatalf("connection id %q, %v; want %s (the same connection)", got, err, id)
	}
	if n, err := snap.Count(ctx, table); err != nil || n != int64(rows) {
		t.Fatalf("count after the failed batch: %d, %v; want %d", n, err, rows)
	}
}

// scanIDs reads table's first column (an int key) on snap and says
// whether the ids read are 1..n in order.
func scanIDs(ctx context.Context, snap connectors.Snapshot, tbl *connectors.Table, opts connectors.ScanOptions) (n int, inOrder bool, err error) {
	rows, err := snap.Scan(ctx, tbl, opts)
	if err != nil {
		return 0, false, err
	}
	defer rows.Close()
	inOrder = true
	for rows.Next() {
		n++
		if rows.Row()[0] != int64(n) {
			inOrder = false
		}
	}
	return n, inOrder, rows.Err()
}

// A batch that the server ends with an error in the middle of its result
// (KILL QUERY from another session, max_statement_time) fails: it never
// passes as a short read. The statement it prepared is closed, and the
// same connection then answers the driver's queries (probes, the count)
// and a whole new scan correctly.
func TestRedWireServerErrorMidResultLeavesSessionInStep(t *testing.T) {
	t.Setenv("REGFLYTT_MYSQL_READER", "")
	dbURL := mytest.NewDatabase(t)
	const n = 200000
	mytest.Exec(t, dbURL, "CREATE TABLE s (id int PRIMARY KEY, v varchar(300))",
		fmt.Sprintf("INSERT INTO s SELECT seq, REPEAT('v', 250) FROM seq_1_to_%d", n))
	admin := mytest.Open(t, dbURL)
	for _, how := range []string{"kill query", "max_statement_time"} {
		t.Run(strings.ReplaceAll(how, " ", "_"), func(t *testing.T) {
			src := openSource(t, dbURL)
			ctx := context.Background()
			snap, tables := snapshotTables(t, ctx, src)
			id := connectionID(t, ctx, snap)
			p0, c0 := stmtCounts(t, snap)
			what := "not interrupted"
			var done <-chan string
			switch how {
			case "kill query":
				done = killWhenExecuting(admin, "KILL QUERY", id)
			case "max_statement_time":
				if err := mysql.SnapshotExec(ctx, snap, "SET SESSION max_statement_time = 0.05"); err != nil {
					t.Fatal(err)
				}
			}
			got, inOrder, readErr := scanIDs(ctx, snap, &tables[0], connectors.ScanOptions{BatchSize: n})
			if how == "max_statement_time" {
				if err := mysql.SnapshotExec(ctx, snap, "SET SESSION max_statement_time = 0"); err != nil {
					t.Fatal(err)
				}
			}
			if done != nil {
				what = <-done
			}
			t.Logf("%s: read %d rows, %v", how, got, readErr)
			if readErr == nil && (got != n || !inOrder) {
				t.Fatalf("%s: read %d rows (in order %v) with no error, want %d", how, got, inOrder, n)
			}
			if readErr == nil {
				t.Logf("%s: the batch was not interrupted (%s): only the session's state is checked", how, what)
			}
			wantOnlyWire(t, src)
			probeSession(t, snap, id, "s", n)
			p1, c1 := stmtCounts(t, snap)
			if p1-p0 != c1-c0 {
				t.Errorf("%s: %d statements prepared, %d closed", how, p1-p0, c1-c0)
			}
			if got, inOrder, err := scanIDs(ctx, snap, &tables[0], connectors.ScanOptions{BatchSize: 5000}); err != nil || got != n || !inOrder {
				t.Fatalf("scan after the failed batch on the same connection: %d rows (in order %v), %v", got, inOrder, err)
			}
			probeSession(t, snap, id, "s", n)
		})
	}
}

// Every batch closes the statement it prepared, on success, on a value
// the decoders refuse (the rest of the result is read and dropped) and on
// a server error at the prepare or the execute, so a long run does not
// pile statements up to max_prepared_stmt_count. The connection stays in
// step after each.
func TestRedWireClosesEveryStatement(t *testing.T) {
	t.Setenv("REGFLYTT_MYSQL_READER", "")
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"CREATE TABLE ok (id int PRIMARY KEY, v varchar(20))",
		"INSERT INTO ok SELECT seq, CONCAT('v', seq) FROM seq_1_to_500",
		// A marked boolean holding 2 is refused by the decoder mid-result.
		"CREATE TABLE badbool (id int PRIMARY KEY, b tinyint(1) COMMENT 'regflytt:boolean')",
		"INSERT INTO badbool SELECT seq, IF(seq = 250, 2, seq % 2) FROM seq_1_to_500",
	)
	src := openSource(t, dbURL)
	ctx := context.Background()
	snap, tables := snapshotTables(t, ctx, src)
	id := connectionID(t, ctx, snap)
	byName := map[string]*connectors.Table{}
	for i := range tables {
		byName[tables[i].Name] = &tables[i]
	}
	p0, c0 := stmtCounts(t, snap)

	// Success, one row a batch: 501 batches.
	if got, inOrder, err := scanIDs(ctx, snap, byName["ok"], connectors.ScanOptions{BatchSize: 1}); err != nil || got != 500 || !inOrder {
		t.Fatalf("ok: %d rows (in order %v), %v", got, inOrder, err)
	}
	// A value refused in the middle of a batch.
	if got, _, err := scanIDs(ctx, snap, byName["badbool"], connectors.ScanOptions{BatchSize: 1000}); err == nil {
		t.Fatalf("badbool: %d rows and no error for a boolean holding 2", got)
	}
	probeSession(t, snap, id, "badbool", 500)
	// A prepare the server refuses: the table is gone from under the
	// catalogue's copy (a column that does not exist).
	gone := *byName["ok"]
	gone.Columns = append(append([]connectors.Column(nil), gone.Columns...), connectors.Column{Name: "nosuch", Type: gone.Columns[1].Type, SourceType: "varchar(20)"})
	if _, _, err := scanIDs(ctx, snap, &gone, connectors.ScanOptions{BatchSize: 10}); err == nil {
		t.Fatal("a scan of a column that does not exist read without error")
	}
	probeSession(t, snap, id, "ok", 500)
	p1, c1 := stmtCounts(t, snap)
	if p1-p0 < 502 {
		t.Fatalf("%d statements prepared; the batches were not prepared on this connection", p1-p0)
	}
	// The refused prepare counts as prepared but left nothing to close.
	if p1-p0 != c1-c0 && p1-p0 != c1-c0+1 {
		t.Errorf("%d statements prepared, %d closed", p1-p0, c1-c0)
	}
	var open string
	if err := mytest.Open(t, dbURL).QueryRow("SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'PREPARED_STMT_COUNT'").Scan(&open); err != nil {
		t.Fatal(err)
	}
	t.Logf("prepared %d, closed %d on the session; server-wide open statements now %s", p1-p0, c1-c0, open)
	wantOnlyWire(t, src)
}

// Tables of 1 to 17 columns (the NULL bitmap's offset of two bits puts
// column 6 in the first byte's last bit, column 7 in the second byte) and
// wider than 250 columns (a length-encoded column count of 0xFC), every
// pattern of NULLs a row can take for the narrow ones: read as the values
// inserted, the same both ways.
func TestRedWireNullBitmapsAndWideTables(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	widths := []int{1, 2, 6, 7, 8, 9, 10, 15, 16, 17, 251, 300}
	var stmts []string
	for _, w := range widths {
		defs := []string{"id int PRIMARY KEY"}
		for c := 1; c < w; c++ {
			defs = append(defs, fmt.Sprintf("c%d int NULL", c))
		}
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE w%d (%s)", w, strings.Join(defs, ", ")))
		var vals []string
		for r := 1; r <= 64; r++ {
			row := []string{fmt.Sprint(r)}
			for c := 1; c < w; c++ {
				row = append(row, wideValue(r, c))
			}
			vals = append(vals, "("+strings.Join(row, ", ")+")")
		}
		stmts = append(stmts, fmt.Sprintf("INSERT INTO w%d VALUES %s", w, strings.Join(vals, ", ")))
	}
	mytest.Exec(t, dbURL, stmts...)
	for _, w := range widths {
		table := fmt.Sprintf("w%d", w)
		names := make([]string, w)
		for c := range names {
			names[c] = fmt.Sprint("c", c)
		}
		got := readSameBothWays(t, dbURL, table, connectors.ScanOptions{BatchSize: 7}, names, 64)
		for r, row := range got {
			if len(row) != w || row[0] != int64(r+1) {
				t.Fatalf("%s row %d: %d values, key %v", table, r+1, len(row), row[0])
			}
			for c := 1; c < w; c++ {
				want := connectors.Value(nil)
				if lit := wideValue(r+1, c); lit != "NULL" {
					v, _ := strconv.ParseInt(lit, 10, 64)
					want = v
				}
				if row[c] != want {
					t.Fatalf("%s row %d column c%d: %v, want %v", table, r+1, c, row[c], want)
				}
			}
		}
	}
}

// wideValue is the literal of row r, column c of the wide tables: NULL in
// a pattern that differs from row to row, else a number that tells the
// cell.
func wideValue(r, c int) string {
	if (r>>(c%6))&1 == 1 || (c > 6 && (r+c)%5 == 0) {
		return "NULL"
	}
	return fmt.Sprint(-(r*1000 + c))
}

// Several sources reading at once (a run's --jobs), each with snapshots
// opened and closed in turn, read their own rows: the registry of wires
// never hands one connection's wire to another's batch. Run with -race.
func TestRedWireConcurrentSources(t *testing.T) {
	t.Setenv("REGFLYTT_MYSQL_READER", "")
	dbURL := mytest.NewDatabase(t)
	const tables, n = 4, 3000
	var stmts []string
	for i := range tables {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE t%d (id int PRIMARY KEY, tag int, v varchar(40))", i),
			fmt.Sprintf("INSERT INTO t%d SELECT seq, %d, CONCAT('t%d-', seq) FROM seq_1_to_%d", i, i, i, n))
	}
	mytest.Exec(t, dbURL, stmts...)
	src := openSource(t, dbURL)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			for round := range 3 {
				snap, err := src.Snapshot(ctx)
				if err != nil {
					errs <- err
					return
				}
				tbls, err := snap.Tables(ctx)
				if err != nil {
					snap.Close()
					errs <- err
					return
				}
				tbl := &tbls[(g+round)%len(tbls)]
				tag := int64(tbl.Name[1] - '0')
				rows, err := snap.Scan(ctx, tbl, connectors.ScanOptions{BatchSize: 97 + g})
				if err != nil {
					snap.Close()
					errs <- err
					return
				}
				k := 0
				for rows.Next() {
					k++
					r := rows.Row()
					if r[0] != int64(k) || r[1] != tag || r[2] != fmt.Sprintf("t%d-%d", tag, k) {
						errs <- fmt.Errorf("%s row %d: %v", tbl.Name, k, r)
						break
					}
				}
				if err := rows.Err(); err != nil {
					errs <- err
				} else if k != n {
					errs <- fmt.Errorf("%s: %d rows", tbl.Name, k)
				}
				rows.Close()
				snap.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantOnlyWire(t, src)
}

// Types and edges the legacy fixture does not hold read the same both
// ways, and as the values stored: MEDIUMINT's sign (sent in four bytes),
// BIT of widths that are not whole bytes, DECIMAL of scale 0 and of scale
// only, generated columns, the UTF-16 and UTF-32 character sets with a
// character beyond the BMP, binary collations, INET4, a CHAR(0).
func TestRedWireMoreTypes(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	type col struct {
		ddl  string
		lits []string
		want []connectors.Value
	}
	cols := []col{
		{"tinyint", []string{"-1", "-128"}, []connectors.Value{int64(-1), int64(-128)}},
		{"tinyint unsigned", []string{"255", "128"}, []connectors.Value{int64(255), int64(128)}},
		{"smallint", []string{"-1", "-32768"}, []connectors.Value{int64(-1), int64(-32768)}},
		{"smallint unsigned zerofill", []string{"65535", "7"}, []connectors.Value{int64(65535), int64(7)}},
		{"mediumint", []string{"-1", "-8388608"}, []connectors.Value{int64(-1), int64(-8388608)}},
		{"mediumint unsigned", []string{"16777215", "8388608"}, []connectors.Value{int64(16777215), int64(8388608)}},
		{"int", []string{"-1", "-2147483648"}, []connectors.Value{int64(-1), int64(-2147483648)}},
		{"int unsigned", []string{"4294967295", "2147483648"}, []connectors.Value{int64(4294967295), int64(2147483648)}},
		{"bigint", []string{"-1", "-9223372036854775808"}, []connectors.Value{int64(-1), int64(-9223372036854775808)}},
		{"bit(7)", []string{"b'1111111'", "b'1000000'"}, []connectors.Value{int64(127), int64(64)}},
		{"bit(9)", []string{"b'111111111'", "b'100000000'"}, []connectors.Value{int64(511), int64(256)}},
		{"bit(17)", []string{"b'11111111111111111'", "1"}, []connectors.Value{int64(131071), int64(1)}},
		{"bit(33)", []string{"8589934591", "4294967296"}, []connectors.Value{int64(8589934591), int64(4294967296)}},
		{"bit(63)", []string{"9223372036854775807", "0"}, []connectors.Value{int64(9223372036854775807), int64(0)}},
		{"decimal(10,0)", []string{"-5", "-0"}, []connectors.Value{connectors.Decimal("-5"), connectors.Decimal("0")}},
		{"decimal(5,5)", []string{"-0.00001", "0.99999"}, []connectors.Value{connectors.Decimal("-0.00001"), connectors.Decimal("0.99999")}},
		{"int AS (-id) VIRTUAL", nil, []connectors.Value{int64(-1), int64(-2)}},
		{"varchar(20) AS (CONCAT('g', id)) STORED", nil, []connectors.Value{"g1", "g2"}},
		{"varchar(10) CHARACTER SET utf16", []string{"'😀a'", "''"}, []connectors.Value{"😀a", ""}},
		{"varchar(10) CHARACTER SET utf16le", []string{"'a😀'", "'ö'"}, []connectors.Value{"a😀", "ö"}},
		{"varchar(10) CHARACTER SET utf32", []string{"'𝄞'", "'x'"}, []connectors.Value{"𝄞", "x"}},
		{"varchar(10) CHARACTER SET ucs2", []string{"'åäö'", "'€'"}, []connectors.Value{"åäö", "€"}},
		{"varchar(10) CHARACTER SET latin1 COLLATE latin1_bin", []string{"'Å '", "'a'"}, []connectors.Value{"Å ", "a"}},
		{"varchar(10) COLLATE utf8mb4_bin", []string{"'ß'", "'SS'"}, []connectors.Value{"ß", "SS"}},
		{"inet4", []string{"'10.0.0.1'", "'255.255.255.255'"}, []connectors.Value{"10.0.0.1", "255.255.255.255"}},
		{"char(0)", []string{"''", "''"}, []connectors.Value{"", ""}},
		{"tinyblob", []string{"X'00'", "''"}, []connectors.Value{[]byte{0}, []byte{}}},
	}
	defs := []string{"id int PRIMARY KEY"}
	for i, c := range cols {
		defs = append(defs, fmt.Sprintf("c%d %s", i+1, c.ddl))
	}
	stmts := []string{"SET SESSION sql_mode = ''", "CREATE TABLE m (" + strings.Join(defs, ", ") + ")"}
	for r := range 2 {
		names, vals := []string{"id"}, []string{fmt.Sprint(r + 1)}
		for i, c := range cols {
			if c.lits != nil {
				names = append(names, fmt.Sprintf("c%d", i+1))
				vals = append(vals, c.lits[r])
			}
		}
		stmts = append(stmts, "INSERT INTO m ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(vals, ", ")+")")
	}
	stmts = append(stmts, "INSERT INTO m (id) VALUES (3)") // NULLs, and generated values
	mytest.Exec(t, dbURL, stmts...)
	names := columnNames(t, dbURL, "m")
	w := readSameBothWays(t, dbURL, "m", connectors.ScanOptions{BatchSize: 2}, names, 3)
	for r := range 2 {
		for i, c := range cols {
			if got := w[r][i+1]; !conformance.Equal(got, c.want[r]) {
				t.Errorf("row %d %s: read %s, want %s", r+1, c.ddl, conformance.Describe(got), conformance.Describe(c.want[r]))
			}
		}
	}
}

// Rows whose packet is one byte short of the split (0xFFFFFE), exactly
// at it (0xFFFFFF, followed by an empty packet) and one past it read
// whole, between small rows, the same both ways; and the connection reads
// on after them.
func TestRedWirePacketSizesAroundTheSplit(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	db := mytest.Open(t, dbURL)
	maxPacket := maxAllowedPacket(t, db)
	// A row of id and b is 10 bytes more than b (header byte, NULL
	// bitmap, the int, b's 0xFD length prefix).
	const overhead = 10
	sizes := []int{1<<24 - 2 - overhead, 1<<24 - 1 - overhead, 1<<24 - overhead}
	if sizes[2] > maxPacket-8 {
		t.Skipf("max_allowed_packet is %d: no row can reach 16 MB", maxPacket)
	}
	stmts := []string{"CREATE TABLE big (id int PRIMARY KEY, b longblob)"}
	for i, n := range sizes {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO big VALUES (%d, REPEAT('%c', %d)), (%d, 'x')", 2*i+1, 'a'+i, n, 2*i+2))
	}
	mytest.Exec(t, dbURL, stmts...)
	var lens string
	if err := db.QueryRow("SELECT GROUP_CONCAT(LENGTH(b) ORDER BY id) FROM big").Scan(&lens); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []connectors.ScanOptions{{BatchSize: 2}, {BatchSize: 10}} {
		d, w := readBothWays(t, dbURL, "big", opts)
		if len(w) != 6 {
			t.Fatalf("read %d rows, want 6 (stored lengths %s)", len(w), lens)
		}
		for i, n := range sizes {
			b, ok := w[2*i][1].([]byte)
			if !ok || len(b) != n || b[0] != byte('a'+i) || b[n-1] != byte('a'+i) {
				t.Fatalf("row %d: %d bytes, want %d (stored lengths %s)", 2*i+1, len(b), n, lens)
			}
			if s, ok := w[2*i+1][1].([]byte); !ok || string(s) != "x" {
				t.Fatalf("row %d after a large one: %v", 2*i+2, w[2*i+1][1])
			}
		}
		sameRows(t, []string{"id", "b"}, d, w)
	}
}

// Empty results read as no rows and leave the connection in step: an
// empty table, and the last batch of a table whose rows fill its batches
// exactly.
func TestRedWireEmptyResults(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL, "CREATE TABLE empty (id int PRIMARY KEY, v text)",
		"CREATE TABLE seven (id int PRIMARY KEY, v text)", "INSERT INTO seven SELECT seq, 'v' FROM seq_1_to_7")
	for table, want := range map[string]int{"empty": 0, "seven": 7} {
		for _, size := range []int{1, 7} {
			readSameBothWays(t, dbURL, table, connectors.ScanOptions{BatchSize: size}, []string{"id", "v"}, want)
		}
	}
}
