package mysql_test

import (
	"context"
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
