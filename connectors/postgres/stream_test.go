package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// A values table read by (entity, id), a key no index serves, is one
// cursor the server sorts once and the scan fetches page by page, not a
// keyset page query that sorts the whole table again for every page. The
// test finds the cursor halfway through the scan and explains its query.
func TestStreamedScanSortsOnce(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	pgtest.Exec(t, dbURL,
		"CREATE TABLE varde (varde_id bigint PRIMARY KEY, instans_id integer NOT NULL, varde text)",
		"INSERT INTO varde SELECT g, 2001 - g, 'v' || g FROM generate_series(1, 2000) g",
		"ANALYZE varde")
	snap, rows := conformance.StartEntityScan(t, openSource(t, dbURL))
	stmt, err := postgres.SnapshotQueryString(ctx, snap, "SELECT statement FROM pg_cursors WHERE name LIKE 'regflytt_scan_%'")
	if err != nil {
		t.Fatalf("no cursor of the scan is open halfway through it (a keyset page is a query of its own): %v", err)
	}
	_, query, ok := strings.Cut(stmt, " CURSOR FOR ")
	if !ok || strings.Contains(query, "LIMIT") {
		t.Fatalf("the scan's cursor is not over the whole ordered query: %s", stmt)
	}
	plan, err := postgres.SnapshotQueryString(ctx, snap, "EXPLAIN (FORMAT JSON) "+query)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(plan, `"Node Type": "Sort"`); n > 1 || strings.Contains(plan, `"Node Type": "Limit"`) {
		t.Errorf("EXPLAIN %s: %d sorts or a limit:\n%s", query, n, plan)
	}
	n := 1
	last := rows.Row()[1].(int64)
	for rows.Next() {
		if e := rows.Row()[1].(int64); e < last {
			t.Fatalf("row %d: entity %d after %d", n, e, last)
		} else {
			last = e
		}
		n++
	}
	if err := rows.Err(); err != nil || n != 2000 {
		t.Fatalf("read %d rows (%v), want 2000", n, err)
	}
}
