package plans_test

import (
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// countingProgress records each table's total and the records added.
type countingProgress struct {
	names  []string
	totals []int64
	added  []int64
}

func (p *countingProgress) Table(name string, total int64) {
	p.names, p.totals, p.added = append(p.names, name), append(p.totals, total), append(p.added, 0)
}
func (p *countingProgress) Add(n int)  { p.added[len(p.added)-1] += int64(n) }
func (p *countingProgress) TableDone() {}

// A form store's progress counts what its total counts: entity and value
// records both (the total was the entities alone, so the bar stood at
// its end for most of the run).
func TestProgressCountsWhatItsTotalCounts(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}, map[string][][]connectors.Value{
		"instans": {{int64(1)}, {int64(2)}},
		"varde":   {{int64(1), int64(1), "vikt", "70"}, {int64(2), int64(1), "langd", "170"}, {int64(3), int64(2), "vikt", "71"}, {int64(4), int64(2), "langd", "180"}, {int64(5), int64(3), "vikt", "1"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: form
    primary_key: [form_id]
    columns:
      - {name: form_id, type: bigint}
      - {name: weight, type: "decimal(5,1)"}
      - {name: height, type: smallint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: form
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    columns:
      form_id: id
      weight: {expr: decimal(vikt)}
      height: {expr: integer(langd)}
    drop: {varde_id: the value row's own number}
`)
	plan := writePlan(t, dir, "")
	p := &countingProgress{}
	runOnSQLite(t, loadPlan(t, plan), srcURL, dir, p)
	for i, name := range p.names {
		if p.totals[i] != p.added[i] {
			t.Errorf("progress of %s: %d records counted against a total of %d", name, p.added[i], p.totals[i])
		}
	}
	if len(p.names) == 0 || p.totals[0] != 7 {
		t.Errorf("progress tables %v totals %v: want the form store's 2 entities + 5 values first", p.names, p.totals)
	}
}
