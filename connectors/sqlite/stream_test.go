package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/sqlite"

	_ "modernc.org/sqlite"
)

// A scan by a key other than the primary key (connectors.StreamedScan) is
// one statement over the whole table, which SQLite sorts once in a
// temporary b-tree, or reads in order through an index that serves the
// key; not a page query, which without such an index sorts the whole table
// again for every page.
func TestStreamedScanSortsOnce(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE varde (varde_id bigint NOT NULL PRIMARY KEY, instans_id integer NOT NULL, varde text)"); err != nil {
		t.Fatal(err)
	}
	key := []string{"instans_id", "varde_id"}
	cols := []string{"varde_id", "instans_id", "varde"}
	for _, c := range []struct {
		index string
		sorts int
	}{
		{"", 1},
		{"CREATE INDEX varde_instans ON varde (instans_id, varde_id)", 0},
	} {
		if c.index != "" {
			if _, err := db.Exec(c.index); err != nil {
				t.Fatal(err)
			}
		}
		for _, after := range []bool{false, true} {
			q, err := sqlite.Dialect{}.SelectOrdered("varde", cols, key, after)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(q, "LIMIT") {
				t.Fatalf("a streamed scan's query has a limit, so it runs once per page: %s", q)
			}
			args := []any{}
			if after {
				args = []any{1, 1}
			}
			plan := queryPlan(t, db, q, args...)
			if n := strings.Count(plan, "TEMP B-TREE"); n != c.sorts {
				t.Errorf("%q, after %v: %d sorts, want %d:\n%s", c.index, after, n, c.sorts, plan)
			}
		}
	}
}

func queryPlan(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		b.WriteString(detail + "\n")
	}
	return b.String()
}
