package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A value archived alone (granularity: value) belongs to its record's
// reporting care unit as an archived record does: the CPUA hands archived
// history to the unit that reported it. The values' care_unit column was
// left empty for every value, whatever the mapping's unit: said.
func TestValuesArchivedAloneCarryTheirCareUnit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("enhet"), textCol("langd")}}},
		map[string][][]connectors.Value{"besok": {{int64(1), "E1", "172"}, {int64(2), "E2", "ca 180"}, {int64(3), "E3", "okänd"}}})
	write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables:\n  - name: visit\n    primary_key: [id]\n    columns:\n      - {name: id, type: bigint}\n      - {name: unit, type: \"varchar(8)\"}\n      - {name: length_cm, type: \"decimal(5,1)\"}\n")
	write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    unit: enhet\n    granularity: value\n    columns:\n      id: {from: id}\n      unit: {from: enhet}\n      length_cm: {expr: decimal(langd)}\n")
	p := loadPlan(t, writePlan(t, dir, "verification:\n  acknowledge:\n    values_archived_share.besok: two test rows of three\n"))
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	if _, err := plans.Run(ctx, p, opts); err != nil {
		t.Fatal(err)
	}
	pkg, err := archive.Open(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	vals, err := pkg.Values("besok")
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]string{}
	for _, v := range vals {
		units[v.KeyText] = v.CareUnit
	}
	if len(units) != 2 || units[`["2"]`] != "E2" || units[`["3"]`] != "E3" {
		t.Errorf("values archived alone name the care units %v, want [\"2\"]: E2 and [\"3\"]: E3", units)
	}
	if sum, err := plans.Verify(ctx, p, opts); err != nil || !sum.Pass {
		t.Fatalf("verify of the run: %v", err)
	}
	// Verify holds each value's unit to the source's.
	rewritePackage(t, filepath.Join(dir, "archive"), packageEdit{value: func(table string, v *archive.Value) {
		if v.CareUnit == "E2" {
			v.CareUnit = "E3"
		}
	}})
	if got := archiveExceptions(t, p, opts, "whose value archived alone names another care unit"); len(got) != 1 || got[0] != `besok archive_value_changed ["2"] length_cm` {
		t.Errorf("archive exceptions %v", got)
	}
}
