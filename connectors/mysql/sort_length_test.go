package mysql_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// A sort compares a value's first max_sort_length bytes only: 1024 by
// default, as few as 64 where a DBA set it so, globally or on a session
// the pool hands back. Keys alike that far came back in any order: a
// select: source read in keyset pages (ORDER BY k LIMIT n, then k > the
// last) took any n of them and skipped the rest, so that the run and
// verify read the same short result. Keys alike in their first 1100
// bytes are read whole and in order, on sessions set to 64 as well.
func TestKeysAlikeBeyondMaxSortLength(t *testing.T) {
	url := mytest.NewDatabase(t)
	prefix := strings.Repeat("x", 1100)
	mytest.Exec(t, url,
		"CREATE TABLE lang (id int NOT NULL PRIMARY KEY, k varchar(1200) NOT NULL, lt longtext)",
		"INSERT INTO lang VALUES (1, '"+prefix+"Z', 'z'), (2, '"+prefix+"A', 'a'), (3, '"+prefix+"M', 'm'), (4, '"+prefix+"B', 'b')")
	ctx := context.Background()
	// A sort by a longtext key sizes its buffer by max_sort_length: it
	// must still fit the sort buffer, MySQL's smaller default included.
	for _, session := range []string{"", "SET SESSION max_sort_length = 64", "SET SESSION sort_buffer_size = 262144"} {
		db := openSource(t, url)
		if session != "" {
			// The snapshot's session and the streamed read's.
			if err := mysql.ExecOnPooledConnections(ctx, db, 2, session); err != nil {
				t.Fatal(err)
			}
		}
		snap, tables := snapshotTables(t, ctx, db)
		streamed := readAll(t, snap, tableNamed(t, tables, "lang"), connectors.ScanOptions{Key: []string{"k"}})
		var ids []string
		for _, r := range streamed {
			ids = append(ids, r[0])
		}
		if want := []string{`int64:"2"`, `int64:"4"`, `int64:"3"`, `int64:"1"`}; strings.Join(ids, " ") != strings.Join(want, " ") {
			t.Errorf("%q: streamed by k: ids %v, want %v", session, ids, want)
		}
		var byLT []string
		for _, r := range readAll(t, snap, tableNamed(t, tables, "lang"), connectors.ScanOptions{Key: []string{"lt"}}) {
			byLT = append(byLT, r[0])
		}
		if strings.Join(byLT, " ") != strings.Join(ids, " ") {
			t.Errorf("%q: streamed by the longtext lt: ids %v, want %v", session, byLT, ids)
		}
		qs := snap.(connectors.Querier)
		const q = "SELECT k, id FROM lang"
		cols, err := qs.DescribeQuery(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := qs.ScanQuery(ctx, q, cols, connectors.ScanOptions{Key: []string{"k"}, BatchSize: 1})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			got = append(got, strings.TrimPrefix(rows.Row()[0].(string), prefix))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if strings.Join(got, "") != "ABMZ" {
			t.Errorf("%q: a select: source in pages of one row read the keys ending %v, want A B M Z", session, got)
		}
	}
}

// max_sort_length is pinned at 64 KiB, but it counts the bytes of a
// value's sort key, not of the value: a sort with a LIMIT (each keyset
// page of a select: source) gives a utf8mb4 text 4 bytes a character, so
// it compared utf8mb4 keys on their first 16384 characters only, and a
// full sort (a streamed read) a utf8mb4_general_ci key on its first
// 65536. Keys alike that far came back in any order: a select: source
// read in pages of one row kept one of four keys alike in their first
// 20000 characters and skipped the other three, and the run and verify
// would agree. Such a key cannot be read in order, so a read meeting
// one is refused, naming the column.
func TestKeysAlikeBeyondTheSortKeyAreRefused(t *testing.T) {
	url := mytest.NewDatabase(t)
	ctx := context.Background()
	for _, n := range []int{20000, 70000} {
		prefix := strings.Repeat("x", n)
		mytest.Exec(t, url,
			"DROP TABLE IF EXISTS lang",
			"CREATE TABLE lang (id int NOT NULL PRIMARY KEY, lt longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL)",
			"INSERT INTO lang VALUES (1, '"+prefix+"Z'), (2, '"+prefix+"A'), (3, '"+prefix+"M'), (4, '"+prefix+"B')")
		snap, tables := snapshotTables(t, ctx, openSource(t, url))
		qs := snap.(connectors.Querier)
		const q = "SELECT lt, id FROM lang"
		cols, err := qs.DescribeQuery(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, read := range []struct {
			what string
			scan func() (connectors.Rows, error)
		}{
			{"a select: source in pages of one row", func() (connectors.Rows, error) {
				return qs.ScanQuery(ctx, q, cols, connectors.ScanOptions{Key: []string{"lt"}, BatchSize: 1})
			}},
			{"a select: source in pages of 100 rows", func() (connectors.Rows, error) {
				return qs.ScanQuery(ctx, q, cols, connectors.ScanOptions{Key: []string{"lt"}})
			}},
			{"the table streamed by lt", func() (connectors.Rows, error) {
				return snap.Scan(ctx, tableNamed(t, tables, "lang"), connectors.ScanOptions{Key: []string{"lt"}})
			}},
		} {
			rows, err := read.scan()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				for _, v := range rows.Row() {
					if s, ok := v.(string); ok {
						got = append(got, strings.TrimPrefix(s, prefix))
					}
				}
			}
			err = rows.Err()
			rows.Close()
			if err == nil && strings.Join(got, "") != "ABMZ" {
				t.Errorf("keys alike in their first %d characters, %s: read the keys ending %v without an error, want A B M Z or a refusal", n, read.what, got)
			} else if err != nil && !strings.Contains(err.Error(), "lt") {
				t.Errorf("keys alike in their first %d characters, %s: %v, want the refusal to name the key column lt", n, read.what, err)
			}
		}
		snap.Close()
	}
}

// A JSON key is a longtext to the server's sort, and read as
// connectors.JSON, not a string: the refusal of a long key passed it, and
// a table streamed by a JSON key whose values are alike in their first
// 65536 bytes came back in any order without an error.
func TestLongJSONKeysAreRefused(t *testing.T) {
	url := mytest.NewDatabase(t)
	ctx := context.Background()
	prefix := strings.Repeat("x", 70000)
	var inserts []string
	for i, end := range []string{"Z", "A", "M", "B"} {
		inserts = append(inserts, fmt.Sprintf("(%d, '\"%s%s\"')", i+1, prefix, end))
	}
	mytest.Exec(t, url,
		"CREATE TABLE doc (id int NOT NULL PRIMARY KEY, j json NOT NULL)",
		"INSERT INTO doc VALUES "+strings.Join(inserts, ", "))
	snap, tables := snapshotTables(t, ctx, openSource(t, url))
	defer snap.Close()
	tbl := tableNamed(t, tables, "doc")
	if k := tbl.Column("j").Type.Kind; k != connectors.KindJSON {
		t.Fatalf("j reads as %s, want json", k)
	}
	rows, err := snap.Scan(ctx, tbl, connectors.ScanOptions{Key: []string{"j"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	err = rows.Err()
	rows.Close()
	if err == nil || !strings.Contains(err.Error(), "key column j") {
		t.Errorf("a table streamed by a JSON key of values of 70000 bytes: %d rows, %v, want a refusal naming the key column j", n, err)
	}
}
