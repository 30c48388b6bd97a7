package mysql_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// MariaDB's and MySQL's sql_select_limit, set by a DBA (globally, to
// protect a platform from runaway queries, or on a session the pool hands
// back), cuts every SELECT without a LIMIT of its own short, silently: the
// catalogue's information_schema queries lost columns and tables, and a
// streamed read lost rows, so that a table was missing from the run and
// from verify's catalogue alike. A snapshot and a stream read everything
// whatever the session was set to.
func TestSnapshotIgnoresSelectLimit(t *testing.T) {
	url := mytest.NewDatabase(t)
	var stmts []string
	for _, name := range []string{"a", "b", "c"} {
		stmts = append(stmts, fmt.Sprintf("CREATE TABLE %s (id int PRIMARY KEY, k int NOT NULL, v varchar(10))", name),
			fmt.Sprintf("INSERT INTO %s SELECT seq, 100 - seq, 'x' FROM seq_1_to_5", name))
	}
	mytest.Exec(t, url, stmts...)
	ctx := context.Background()
	db := openSource(t, url)
	// Two pooled sessions: the snapshot's and the streamed read's.
	if err := mysql.ExecOnPooledConnections(ctx, db, 2, "SET SESSION sql_select_limit = 2"); err != nil {
		t.Fatal(err)
	}
	snap, tables := snapshotTables(t, ctx, db)
	var cols int
	for _, tb := range tables {
		cols += len(tb.Columns)
	}
	if len(tables) != 3 || cols != 9 {
		t.Fatalf("catalogue of %d tables and %d columns, want 3 and 9", len(tables), cols)
	}
	if n := scanCount(t, snap, &tables[0], connectors.ScanOptions{Key: []string{"k"}}); n != 5 {
		t.Errorf("a streamed read gave %d rows of 5", n)
	}
}
