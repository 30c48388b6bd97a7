package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// A form-store record the run archives for its parent (its patient
// archived, or no patient at all) goes into the archive package with
// every value row: a mother's number in one of them, her number on the
// opt-out list, went in clear while the run passed, as ArchivedWarnings
// left form stores out.
func TestRunFlagsAListedNumberInAFormArchivedForItsParent(t *testing.T) {
	if testing.Short() {
		t.Skip("real servers")
	}
	src, dst := mytest.NewDatabase(t), pgtest.NewDatabase(t)
	dir := t.TempDir()
	writeTables(t, src, []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}, map[string][][]connectors.Value{
		"patient": {
			{int64(1), "19800101-1231"}, // listed: excluded
			{int64(2), "20150606-3336"},
			{int64(3), "19460101-0302"}, // a bad check digit: archived
		},
		"instans": {{int64(10), int64(99)}, {int64(11), int64(3)}, {int64(12), int64(2)}, {int64(13), int64(99)}},
		"varde": {
			{int64(1), int64(10), "vikt", "70"}, // an orphan form
			{int64(2), int64(10), "mor_pnr", "19800101-1231"},
			{int64(3), int64(11), "vikt", "71"}, // its patient archived
			{int64(4), int64(11), "mor_pnr", "19800101-1231"},
			{int64(5), int64(12), "vikt", "72"}, // migrated, no mother
			{int64(6), int64(13), "vikt", "73"}, // an orphan form, no mother
		},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
  - name: registration
    primary_key: [registration_id]
    columns: [{name: registration_id, type: bigint}, {name: patient_id, type: bigint}, {name: weight, type: integer}]
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    parent: {table: patient, key: [patient_id]}
    columns: {registration_id: id, patient_id: patient_id, weight: {expr: integer(vikt)}}
    drop: {mor_pnr: the mother is not registered, varde_id: the value row's own number}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19800101-1231\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification:\n  acknowledge:\n    archived_share.instans: a test\n    archived_share.varde: a test\n    archived_share.patient: a test\n")
	work := t.TempDir()
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: dst, WorkDir: work})
	if rep == nil {
		t.Fatalf("no report: %v", err)
	}
	for _, tc := range rep.Tables {
		if tc.Source != "instans" {
			continue
		}
		if tc.Migrated != 1 || tc.Archived != 3 {
			t.Fatalf("forms: %d migrated, %d archived; want 1 and 3", tc.Migrated, tc.Archived)
		}
		if got := tc.Warnings[mappings.WarnListedNumberKept]; got != 2 {
			t.Errorf("forms flagged %s: %d, want the 2 archived for their parent with the listed mother's number in a value row", mappings.WarnListedNumberKept, got)
		}
	}
	if rep.Pass {
		t.Errorf("the run passed with the listed mother's number in clear in the archive package: %v", err)
	}
}
