package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// A patient who opted out while they had a samordningsnummer
// (19121272-1219, day + 60) and was later given a personnummer: the
// registry keeps both, and person: reads the personnummer where there is
// one, the samordningsnummer else (coalesce). The list names the number
// the patient had when they opted out. Before, the record was asked of
// the lists with the personnummer alone: it migrated, and run and verify
// passed, the entry matching the patient's visit written with the
// samordningsnummer. Every number person: reads is the record's person's:
// one the expression left out that a list names excludes the record,
// flagged (exclusion_by_left_out_value), in any of its shapes. Another
// patient's record, whose numbers no list names, migrates.
func TestRunExcludesAListedNumberPersonLeftOut(t *testing.T) {
	for _, written := range []string{"19121272-1219", "121272-1219", "１２１２７２－１２１９", "121272 1219"} {
		t.Run(written, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
				{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("samnr")}},
			}, map[string][][]connectors.Value{
				"patient": {
					{int64(1), "19460101-0301", written},
					{int64(2), nil, "19121272-1219"},
					{int64(3), "19121212-1212", nil},
				},
			}, `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
`, `tables:
  - target: patient
    source: patient
    person: {expr: "coalesce(personnr, samnr)"}
    columns: {patient_id: id}
`, "19121272-1219\n")
			ack := "verification: {acknowledge: {exclusion_by_left_out_value.patient: \"checked: the samordningsnummer is the patient's\"}}\n"
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n"+ack)
			work := t.TempDir()
			opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work}
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
			if rep == nil {
				t.Fatalf("run: %v", err)
			}
			tc := rep.Tables[0]
			if tc.Migrated != 1 || tc.Excluded != 2 || tc.Warnings[mappings.WarnExclusionByLeftOutValue] != 1 {
				t.Fatalf("%d migrated, %d excluded, warnings %v; want 1, 2 and one %s (err %v)", tc.Migrated, tc.Excluded, tc.Warnings, mappings.WarnExclusionByLeftOutValue, err)
			}
			if err != nil || !rep.Pass {
				t.Fatalf("the acknowledged run: %v %+v", err, rep.Problems)
			}
		})
	}
}
