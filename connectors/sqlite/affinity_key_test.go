package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/sqlite"
)

// A NUMERIC(10,2) key whose values SQLite stored as REALs and INTEGERs
// is read as decimals (and one float), and keyset batches of one row
// bind each back as the key to continue after: every row is read once,
// in order, whatever class it was stored as.
func TestNumericKeyOfRealsPagesExactly(t *testing.T) {
	src := keyTestSource(t,
		"CREATE TABLE price (p NUMERIC(10,2) PRIMARY KEY, n INTEGER)",
		"INSERT INTO price VALUES (0.1, 1), (0.99, 2), (0.995, 3), (1.0, 4), (1.98, 5), (-0.5, 6), (12, 7), (0.30000000000000004, 8)",
	)
	rows := conformance.ReadAll(t, src, "price", connectors.ScanOptions{BatchSize: 1})
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s:%v", conformance.Describe(r[0]), r[1]))
	}
	want := fmt.Sprint([]string{
		`connectors.Decimal("-0.5"):6`, `connectors.Decimal("0.1"):1`, `float64(0.30000000000000004):8`, `connectors.Decimal("0.99"):2`,
		`float64(0.995):3`, `connectors.Decimal("1"):4`, `connectors.Decimal("1.98"):5`, `connectors.Decimal("12"):7`,
	})
	if fmt.Sprint(got) != want {
		t.Errorf("read %v\nwant %v", got, want)
	}
}

// SQLite orders keys by storage class first (numbers, then TEXT, then
// BLOB), and affinity lets a key column hold another class than its
// declared type reads: a TEXT key holds the BLOB x'61' (read as "a"), an
// untyped or BLOB key holds the TEXT '1' (read as bytes), a DATETIME key
// holds '2020-01-01T09:00:00' (read as a date and time whose canonical
// text differs). A keyset batch resumed by the decoded key resumed in the
// wrong place: the TEXT key read "a", "b", "a", "b", ... forever, the
// untyped key skipped every text after the first bytes. Each batch
// resumes after the last key as stored: every row once, in SQLite's order.
func TestKeysOfAnotherStorageClassPageExactly(t *testing.T) {
	src := keyTestSource(t,
		"CREATE TABLE textkey (k TEXT PRIMARY KEY, n INTEGER)",
		"INSERT INTO textkey VALUES ('a', 1), (x'61', 2), (x'62', 3), ('b', 4), (1, 5)",
		"CREATE TABLE untyped (k PRIMARY KEY, n INTEGER)",
		"INSERT INTO untyped VALUES (1, 1), ('1', 2), (x'31', 3), (1.5, 4), ('a', 5), (x'00', 6)",
		"CREATE TABLE blobkey (k BLOB PRIMARY KEY, n INTEGER)",
		"INSERT INTO blobkey VALUES (x'61', 1), ('a', 2), (1, 3), ('b', 4)",
		"CREATE TABLE stamp (k DATETIME PRIMARY KEY, n INTEGER)",
		"INSERT INTO stamp VALUES ('2020-01-01 10:00:00', 1), ('2020-01-01T09:00:00', 2), ('2020-01-01 10:00:00.5', 3), ('2020-01-01T11:00', 4)",
	)
	for table, want := range map[string][]int64{
		"textkey": {5, 1, 4, 2, 3},
		"untyped": {1, 4, 2, 5, 6, 3},
		"blobkey": {3, 2, 4, 1},
		"stamp":   {1, 3, 2, 4},
	} {
		for _, size := range []int{1, 2, 100} {
			got := readKeyOrder(t, src, table, size, 3*len(want))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s in batches of %d: read rows %v, want %v", table, size, got, want)
			}
		}
	}
}

// readKeyOrder reads a table by its primary key and gives each row's n,
// stopping after limit rows (a scan that resumes behind itself never ends).
func readKeyOrder(t *testing.T, src connectors.Source, table string, size, limit int) []int64 {
	t.Helper()
	ctx := context.Background()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tbl *connectors.Table
	for i := range tables {
		if tables[i].Name == table {
			tbl = &tables[i]
		}
	}
	if tbl == nil {
		t.Fatalf("no table %s", table)
	}
	rows, err := snap.Scan(ctx, tbl, connectors.ScanOptions{BatchSize: size})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []int64
	for len(got) < limit && rows.Next() {
		got = append(got, rows.Row()[1].(int64))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return got
}

// keyTestSource creates a database file by stmts and opens it as a
// source, closed when the test ends.
func keyTestSource(t *testing.T, stmts ...string) connectors.Source {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "k.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			t.Fatal(err)
		}
	}
	db.Close()
	src, err := sqlite.OpenSource(ctx, location(t, path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}
