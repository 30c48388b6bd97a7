package portfolio

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/verify"
)

// A milestone recorded done on a day before its evidence existed is not
// backed by it: a cut-over recorded before the run in report.json
// started, a verification before the verification ran, an archive handed
// over before its package was written. The follow-up counted them, so a
// registry read decommissioned with PASS whose legacy system was recorded
// decommissioned before the migration's run had read it.
func TestStatusMilestoneRecordedBeforeItsEvidence(t *testing.T) {
	plansDir, reportsDir, ps := loadedFixture(t)
	sum := fixtureHash(t, plansDir, "a-archived")
	work := filepath.Join(reportsDir, "a-archived")
	run := func(started time.Time) {
		mustWriteJSON(t, filepath.Join(work, "report.json"), verify.Report{Version: 1, Register: "a-archived", Pass: true, Started: started, Finished: started.Add(time.Hour), PlanHash: sum})
	}
	status := func() PlanStatus {
		st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
		if err != nil {
			t.Fatal(err)
		}
		return st.Plans[0]
	}
	// The fixture: cut_over 2027-09-02, verified 2027-09-09, archive
	// handed over 2027-10-01, a run started 2027-09-02.
	if a := status(); a.State != "archived" {
		t.Fatalf("the fixture is not archived: %s %v", a.State, a.Problems)
	}

	// The run started after the day cut_over is recorded done.
	run(time.Date(2027, 9, 5, 8, 0, 0, 0, time.UTC))
	writeArchive(t, filepath.Join(work, "archive"), archive.Meta{Register: "a-archived", Owner: "Västra Götalandsregionen", Run: "20270905T080000Z"})
	if a := status(); a.State != "rehearsed" || !strings.Contains(strings.Join(a.Problems, ";"), "before the run in report.json started") {
		t.Errorf("a cut-over recorded before its run started counts: %s %v", a.State, a.Problems)
	}

	// regflytt verify ran after the day verified is recorded done.
	run(time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC))
	writeArchive(t, filepath.Join(work, "archive"), archive.Meta{Register: "a-archived", Owner: "Västra Götalandsregionen", Run: "20270902T080000Z"})
	mustWriteJSON(t, filepath.Join(work, verify.JSONFile), verify.Summary{Register: "a-archived", Pass: true, PlanHash: sum,
		Started: time.Date(2027, 9, 20, 8, 0, 0, 0, time.UTC)})
	if a := status(); a.State != "migrated" || !strings.Contains(strings.Join(a.Problems, ";"), "before the verification") {
		t.Errorf("verified recorded before its verification ran counts: %s %v", a.State, a.Problems)
	}
}
