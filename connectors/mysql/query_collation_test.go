package mysql_test

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// A select: column of text names the collation MariaDB compares it
// under, whether it is a table's column as it is or computed from one
// (trim, lower, concat keep the column's): the result metadata the
// driver gives names none, and a key named none was taken for
// untailored, so under utf8mb4_danish_ci a visit keyed 'aab', which the
// source joins to patient 'åb', was archived as an orphan.
func TestDescribeQueryCollations(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"CREATE TABLE p (id varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_danish_ci PRIMARY KEY, n int, l varchar(10) CHARACTER SET latin1 COLLATE latin1_german2_ci)",
	)
	ctx := context.Background()
	snap, err := openSource(t, dbURL).Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	cols, err := snap.(connectors.Querier).DescribeQuery(ctx, "SELECT id, trim(id) AS t, lower(id) AS lo, concat(id) AS c, n, 'x' AS lit, l, `id` AS `we``ird` FROM p")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"id": "utf8mb4_danish_ci", "t": "utf8mb4_danish_ci", "lo": "utf8mb4_danish_ci", "c": "utf8mb4_danish_ci",
		"n": "", "lit": "utf8mb4_bin", "l": "latin1_german2_ci", "we`ird": "utf8mb4_danish_ci"}
	if len(cols) != len(want) {
		t.Fatalf("%d columns, want %d", len(cols), len(want))
	}
	for _, c := range cols {
		if c.Collation != want[c.Name] {
			t.Errorf("column %s: collation %q, want %q", c.Name, c.Collation, want[c.Name])
		}
	}
}
