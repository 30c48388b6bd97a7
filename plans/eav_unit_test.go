package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A form store whose reporting unit is one of its variables (a value row
// "enhet", not a column of the entities table) kept no unit at all: the
// writer looked for the column in the entity row, found none, and counted
// no record in any unit, so a code list that gave every registration its
// neighbour unit PASSed. Such a unit column is refused before anything
// runs (M057).
func TestRunEAVUnitVariableKeepsItsOwner(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("datum")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}, map[string][][]connectors.Value{
		"instans": {{int64(1), "2024-01-01"}, {int64(2), "2024-01-02"}},
		"varde": {
			{int64(1), int64(1), "enhet", "1"}, {int64(2), int64(1), "vikt", "70"},
			{int64(3), int64(2), "enhet", "2"}, {int64(4), int64(2), "vikt", "71"},
		},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: bigint}
      - {name: registered, type: date, not_null: true}
      - {name: care_unit, type: varchar(10)}
      - {name: weight_kg, type: "decimal(5,1)"}
`)
	mapping := `codelists:
  - name: enheter
    codes: {"1": "1", "2": "2"}
tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    unit: enhet
    columns:
      registration_id: id
      registered: {expr: date(datum)}
      care_unit: {from: enhet, codelist: enheter}
      weight_kg: {expr: decimal(vikt)}
    drop: {varde_id: the value row's own number}
`
	// The registrations given each other's units.
	write(t, filepath.Join(dir, "m.yaml"), strings.Replace(mapping, `{"1": "1", "2": "2"}`, `{"1": "2", "2": "1"}`, 1))
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: filepath.Join(dir, "work")}
	p, _ := plans.Load(plan)
	if p == nil {
		t.Fatal("the plan does not load")
	}
	rep, err := plans.Run(context.Background(), p, opts)
	if err == nil || rep != nil && rep.Pass {
		t.Fatalf("registrations given each other's units passed: %v", err)
	}
	if !strings.Contains(err.Error(), "M057") {
		t.Errorf("run: %v, want M057", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "t.db")); err == nil {
		t.Error("the refused run created the receiving database")
	}
	if sum, err := plans.Verify(context.Background(), p, opts); err == nil || sum != nil && sum.Pass || !strings.Contains(err.Error(), "M057") {
		t.Errorf("verify: %v", err)
	}
}
