package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
)

// A receiving table that holds exactly one row is refused like any other
// non-empty one: "more than one row" would let a run add to it, and the
// counts could no longer prove anything. The second source holds another
// key, so nothing but the emptiness check can stop the second run.
func TestRunRefusesTargetWithOneRow(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: note, type: text}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      note: anteckning
`)
	plan := loadPlan(t, writePlan(t, dir, ""))
	source := func(name string, id int64) string {
		url := "sqlite://" + filepath.Join(dir, name)
		writeTables(t, url, []connectors.Table{
			{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("anteckning")}},
		}, map[string][][]connectors.Value{"besok": {{id, "x"}}})
		return url
	}
	if _, err := plans.Run(ctx, plan, plans.Options{SourceURL: source("one.db", 1), TargetURL: tgt, WorkDir: filepath.Join(dir, "one")}); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, tgt, "visit"); n != 1 {
		t.Fatalf("first run left %d rows, want exactly 1 for this test", n)
	}
	_, err := plans.Run(ctx, plan, plans.Options{SourceURL: source("two.db", 2), TargetURL: tgt, WorkDir: filepath.Join(dir, "two")})
	if err == nil || !strings.Contains(err.Error(), "visit") {
		t.Errorf("second run into a table holding 1 row: got %v, want a refusal naming the table", err)
	}
	if n := countRows(t, tgt, "visit"); n != 1 {
		t.Errorf("the refused run wrote: the table holds %d rows, want 1", n)
	}
}

func countRows(t *testing.T, url, table string) int64 {
	t.Helper()
	ctx := context.Background()
	db, err := all.OpenTarget(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	n, err := snap.Count(ctx, table)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
