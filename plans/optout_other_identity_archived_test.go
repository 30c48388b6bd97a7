package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// A visit the mapping migrates, its mother's number (mor_pnr) dropped,
// goes into the archive package whole when the run archives it for its
// parent (an orphan, or its patient archived): the dropped column with
// it, the opted-out mother's number in clear. listed_number_kept was
// decided on the migrated outcome the mapping gave, which leaves the
// dropped column out, so the run passed with it.
func TestRunFlagsAListedNumberInADroppedColumnOfAChildArchivedForItsParent(t *testing.T) {
	for server, newDB := range serverDatabases(t) {
		t.Run(server, func(t *testing.T) {
			dir := t.TempDir()
			src := newDB(t)
			writeTables(t, src, []connectors.Table{
				{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
				{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id"), textCol("personnr"), textCol("mor_pnr")}},
			}, map[string][][]connectors.Value{
				"patient": {
					{int64(1), "19800101-1231"}, // listed: excluded
					{int64(2), "20150606-3336"},
					{int64(3), "19460101-0302"}, // a bad check digit: archived
				},
				"besok": {
					{int64(10), int64(99), "20150606-3336", "19800101-1231"}, // an orphan, the listed mother dropped
					{int64(11), int64(3), "20150606-3336", "19800101-1231"},  // its parent archived
					{int64(12), int64(2), "20150606-3336", "19800101-1231"},  // migrated without the dropped column
					{int64(13), int64(99), "20150606-3336", nil},             // an orphan, no mother
				},
			})
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}, {name: patient_id, type: bigint}]
`)
			write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
  - target: visit
    source: besok
    person: personnr
    parent: {table: patient, key: [patient_id]}
    columns: {visit_id: id, patient_id: patient_id}
    drop: {mor_pnr: the mother is not registered}
`)
			write(t, filepath.Join(dir, "optout.txt"), "19800101-1231\n")
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification:\n  acknowledge:\n    archived_share.besok: a test\n    archived_share.patient: a test\n")
			work := t.TempDir()
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work})
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			for _, tc := range rep.Tables {
				if tc.Source != "besok" {
					continue
				}
				if tc.Migrated != 1 || tc.Archived != 3 {
					t.Fatalf("visits: %d migrated, %d archived; want 1 and 3", tc.Migrated, tc.Archived)
				}
				if got := tc.Warnings[mappings.WarnListedNumberKept]; got != 2 {
					t.Errorf("visits flagged %s: %d, want the 2 archived for their parent with the listed mother's number in their dropped column", mappings.WarnListedNumberKept, got)
				}
			}
			if rep.Pass {
				t.Errorf("the run passed with the listed mother's number in clear in the archive package: %v", err)
			}
		})
	}
}
