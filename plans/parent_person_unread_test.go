package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A visit without a number of its own under a patient archived because
// the patient's number could not be read (person_length) was taken for
// checked through its parent: the patient was asked of no list, and the
// visit, archived with it, went into the archive package uncounted. It
// is counted, as under a parent whose number reads NULL; a visit under a
// patient whose number was read and asked (patient 2) is not.
func TestRunPersonNotCheckedUnderAParentWithAnUnreadableNumber(t *testing.T) {
	withParentOutcomesSpilled(t, func(t *testing.T) {
		dir := t.TempDir()
		srcURL := writeOptoutRegistry(t, dir, []connectors.Table{
			{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
			{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id"), textCol("personnr")}},
		}, map[string][][]connectors.Value{
			"patient": {{int64(1), "1912"}, {int64(2), "19121212-1212"}, {int64(3), "19460101-0301"}},
			"besok":   {{int64(10), int64(1), nil}, {int64(11), int64(2), nil}, {int64(12), int64(3), nil}},
		}, `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: bigint}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}, {name: patient_id, type: bigint}]
`, `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
  - target: visit
    source: besok
    person: personnr
    parent: {table: patient, key: [patient_id]}
    columns: {visit_id: id, patient_id: patient_id}
`, "19460101-0301\n")
		ack := "verification: {acknowledge: {archived_share.patient: small test, archived_share.besok: small test}}\n"
		plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n"+ack)
		work := t.TempDir()
		opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work}
		rep, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
		if rep == nil {
			t.Fatalf("run: %v", err)
		}
		// visit 10, archived with patient 1.
		want := map[string]int64{"besok": 1}
		for _, tc := range rep.Tables {
			if got, a := tc.Warnings["person_not_checked"], tc.Warnings["person_not_checked_archived"]; got != want[tc.Source] || a != want[tc.Source] {
				t.Errorf("%s: %d records counted person_not_checked, %d of them archived, want %d and %d (warnings %v, ledger %v)", tc.Source, got, a, want[tc.Source], want[tc.Source], tc.Warnings, ledgerOf(rep, true))
			}
		}
		sum, verr := plans.Verify(context.Background(), loadPlan(t, plan), opts)
		if sum == nil {
			t.Fatal(verr)
		}
		found := false
		for _, f := range sum.Findings {
			if f.ID == "person_not_checked.besok" {
				found = f.Count == 1 && !f.Acknowledged
			}
		}
		if !found || sum.Pass || verr == nil {
			t.Fatalf("verify: pass %v, findings %+v, want person_not_checked.besok counting 1, failing", sum.Pass, sum.Findings)
		}
	})
}
