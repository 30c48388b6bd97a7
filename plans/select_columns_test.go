package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A select: source stands for one table's records, but its result need
// not hold all of the table's columns: a column the select leaves out was
// neither mapped nor dropped, its values in no outcome, and the run and
// verify passed (every record migrated). Such a column is M010 as an
// unread column of a table is: select it, or name it under drop: with
// the reason. Without the fix the run passes with vikt's values gone.
func TestSelectLeavingColumnsOutIsRefused(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("datum"), textCol("vikt")}},
	}, map[string][][]connectors.Value{
		"besok": {{int64(1), "2024-01-01", "70"}, {int64(2), "2024-01-02", "71"}},
	})
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "visit_date date")
	mapping := func(drop string) string {
		return `tables:
  - target: visit
    source:
      table: besok
      select: SELECT b.id, b.datum FROM besok b
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
` + drop
	}
	write(t, filepath.Join(dir, "m.yaml"), mapping(""))
	ctx := context.Background()
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	rep, err := plans.Run(ctx, loadPlan(t, writePlan(t, dir, "")), opts)
	if err == nil && rep.Pass {
		t.Fatalf("PASS with besok.vikt read by no mapping: ledger %v", ledgerOf(rep, false))
	}
	if err == nil || !strings.Contains(err.Error(), "M010") || !strings.Contains(err.Error(), "besok.vikt") {
		t.Fatalf("want M010 naming besok.vikt, got %v", err)
	}

	// Dropped with its reason, the run passes.
	write(t, filepath.Join(dir, "m.yaml"), mapping("    drop: {vikt: weighed elsewhere}\n"))
	if _, err := plans.Run(ctx, loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t2.db"), WorkDir: filepath.Join(dir, "w2")}); err != nil {
		t.Fatal(err)
	}
}
