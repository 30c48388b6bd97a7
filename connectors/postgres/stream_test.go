package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
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

// Each snapshot numbers its cursors from 1, so the run's streamed read of
// one table and a later snapshot's (verification's, a resumed run's) of
// another fetch with the same statement text on the same pooled
// connection. pgx had kept the first FETCH's prepared description and
// decoded the second table's rows by the first one's column types: a
// bytea read as its hex text and a date as a string, exit 0, when the
// column counts matched (and "query returned 0 columns" when not).
func TestStreamedScansOfLaterSnapshotsReadTheirOwnTypes(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	pgtest.Exec(t, dbURL,
		"CREATE TABLE anteckning (id integer PRIMARY KEY, instans_id integer NOT NULL, a text, b text)",
		"INSERT INTO anteckning VALUES (1, 2, 'hej', 'då'), (2, 1, 'x', NULL)",
		"CREATE TABLE bilaga (id integer PRIMARY KEY, instans_id integer NOT NULL, data bytea, fodd date)",
		"INSERT INTO bilaga VALUES (1, 2, '\\x0102', '2020-02-29'), (2, 1, '\\x', NULL)",
		"CREATE TABLE matt (id integer PRIMARY KEY, instans_id integer NOT NULL, langd numeric(5,1), vikt float8, klar boolean)",
		"INSERT INTO matt VALUES (1, 1, 172.5, 70.25, true)")
	src := openSource(t, dbURL)
	want := map[string][][]connectors.Value{
		"anteckning": {{int64(2), int64(1), "x", nil}, {int64(1), int64(2), "hej", "då"}},
		"bilaga":     {{int64(2), int64(1), []byte{}, nil}, {int64(1), int64(2), []byte{1, 2}, connectors.Date{Year: 2020, Month: 2, Day: 29}}},
		"matt":       {{int64(1), int64(1), connectors.Decimal("172.5"), 70.25, true}},
	}
	for _, table := range []string{"anteckning", "bilaga", "anteckning", "matt", "bilaga"} {
		rows := conformance.ReadAll(t, src, table, connectors.ScanOptions{Key: []string{"instans_id"}})
		if len(rows) != len(want[table]) {
			t.Fatalf("%s: %d rows, want %d", table, len(rows), len(want[table]))
		}
		for i, r := range rows {
			for j, v := range r {
				if w := want[table][i][j]; !conformance.Equal(v, w) {
					t.Errorf("%s row %d column %d: read %s, want %s", table, i+1, j+1, conformance.Describe(v), conformance.Describe(w))
				}
			}
		}
	}
}
