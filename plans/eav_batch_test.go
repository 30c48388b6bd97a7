package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// commitSizes records how many source records each commit gave an
// outcome, per table.
type commitSizes struct {
	plans.NoProgress
	table string
	adds  map[string][]int
}

func (c *commitSizes) Table(name string, _ int64) { c.table = name }
func (c *commitSizes) Add(n int)                  { c.adds[c.table] = append(c.adds[c.table], n) }

// A form store's batch is batch_size entities (receiving rows), not
// batch_size source records: with batch_size 2 and three values an
// entity, six entities commit in three units of eight records (two
// entities and their six values). On the old code, which counted value
// records, every entity was a commit of its own: six units of four.
func TestEAVBatchCountsEntities(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	var inst, vals [][]connectors.Value
	for i := int64(1); i <= 6; i++ {
		inst = append(inst, []connectors.Value{i, 100 + i})
		for j, v := range []string{"vikt", "langd", "ovrigt"} {
			vals = append(vals, []connectors.Value{i*10 + int64(j), i, v, "70"})
		}
	}
	writeTables(t, srcURL, []connectors.Table{
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("nr")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}, map[string][][]connectors.Value{"instans": inst, "varde": vals})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: bigint}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: height_cm, type: smallint}
      - {name: other, type: text}
`)
	writeEAVMapping(t, dir, `    columns:
      registration_id: nr
      weight_kg: {expr: decimal(vikt)}
      height_cm: {expr: integer(langd)}
      other: ovrigt
    drop: {id: the registration is known by its number, varde_id: the value row's own number}
`)
	p := loadPlan(t, writePlan(t, dir, ""))
	p.BatchSize = 2
	prog := &commitSizes{adds: map[string][]int{}}
	rep, err := plans.Run(ctx, p, plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir, Progress: prog})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	if got := ledgerOf(rep, false); got["instans"] != summary(6, 0, 0, nil) || got["varde"] != summary(18, 0, 0, nil) {
		t.Fatalf("ledger %v, want 6 entities and 18 values migrated", got)
	}
	var units []int
	for _, n := range prog.adds["instans + varde"] {
		if n > 0 {
			units = append(units, n)
		}
	}
	if len(units) != 3 || units[0] != 8 || units[1] != 8 || units[2] != 8 {
		t.Fatalf("commits of %v records, want three of 8 (two entities with their values each)", units)
	}
}
