package plans_test

import (
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A form store migrates end to end: every value row has an outcome of its
// own, orphans included, and the entities and values tables both add up.
func TestRunEAV(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := []connectors.Table{
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("datum")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}
	rows := map[string][][]connectors.Value{
		"instans": {{int64(1), "2024-01-01"}, {int64(2), "0000-00-00"}, {int64(4), "2024-01-04"}},
		"varde": {
			{int64(1), int64(0), "vikt", "70"},   // orphan below the first entity
			{int64(2), int64(1), "vikt", "71,5"}, // migrated
			{int64(3), int64(1), "gammal", "x"},  // retired variable
			{int64(4), int64(2), "vikt", "72"},   // entity archived (zero date)
			{int64(5), int64(3), "vikt", "73"},   // orphan between entities
			{int64(6), int64(4), "vikt", "74"},   // migrated
			{int64(7), int64(4), "vikt", "75"},   // duplicate
			{int64(8), int64(9), "vikt", "76"},   // orphan after the last entity
		},
	}
	writeTables(t, srcURL, tables, rows)

	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: bigint}
      - {name: registered, type: date, not_null: true}
      - {name: weight_kg, type: "decimal(5,1)"}
`)
	writeEAVMapping(t, dir, `    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
    drop: {gammal: retired, varde_id: the value row's own number}
`)
	plan := writePlan(t, dir, `run: {batch_size: 2}
`)
	rep := runOnSQLite(t, loadPlan(t, plan), srcURL, dir, nil)
	checkLedger(t, rep, false, map[string]string{
		"instans": summary(2, 1, 0, map[string]int64{"zero_date": 1}),
		"varde":   summary(2, 6, 0, map[string]int64{"orphan": 3, "variable_not_mapped": 1, "zero_date": 1, "duplicate_value": 1}),
	})
	if rep.Targets[0].Rows != 2 {
		t.Errorf("target rows %d, want 2", rep.Targets[0].Rows)
	}
}
