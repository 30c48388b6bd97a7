package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A select: that repeats one record (a join to a one-to-many table) and
// drops another (an inner join with no partner) reads as many rows as its
// table holds. The count cannot tell; the keys can: every key of the
// table must be read exactly once. Today the run PASSes: visit 1 is
// migrated and archived as duplicate_key, visit 3 is in neither.
func TestRunSelectRepeatAndDropBalance(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("datum")}},
		{Name: "kontakt", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("besok_id"), textCol("enhet")}},
	}, map[string][][]connectors.Value{
		"besok":   {{int64(1), "2024-01-01"}, {int64(2), "2024-01-02"}, {int64(3), "2024-01-03"}},
		"kontakt": {{int64(1), int64(1), "A"}, {int64(2), int64(1), "B"}, {int64(3), int64(2), "C"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: visit_date, type: date}
      - {name: unit, type: text}
  - name: contact
    primary_key: [contact_id]
    columns:
      - {name: contact_id, type: bigint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source:
      table: besok
      select: SELECT b.id, b.datum, k.enhet FROM besok b JOIN kontakt k ON k.besok_id = b.id
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
      unit: enhet
  - target: contact
    source: kontakt
    columns:
      contact_id: id
    drop: {besok_id: in visit, enhet: in visit}
`)
	plan := writePlan(t, dir, "")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil && rep.Pass {
		t.Fatalf("PASS with visit 1 read twice and visit 3 never: ledger %v", ledgerOf(rep, false))
	}
	if err == nil || !strings.Contains(err.Error(), "m.yaml") || !strings.Contains(err.Error(), "select: of besok") {
		t.Fatalf("want an error naming the mapping's position and the table, got %v", err)
	}
}
