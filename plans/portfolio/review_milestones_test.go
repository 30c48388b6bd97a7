package portfolio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/verify"
)

// The review document's timeline showed every milestone recorded under
// progress as done: cut-over, verified, archive handed over and legacy
// decommissioned read as done beside "Latest run and verification: No
// report", or beside a verification that FAILED. The registry holder
// reading it is told which are not counted, and why, as portfolio status
// judges them.
func TestReviewTimelineSaysWhichMilestonesDoNotCount(t *testing.T) {
	dir := t.TempDir()
	text := mustReadFile(t, reviewPlan)
	pf, _ := filepath.Abs("../../testdata/portfolio.yaml")
	text = strings.Replace(text, "../../../../testdata/portfolio.yaml", pf, 1)
	text = strings.Replace(text, "progress:\n  plan_approved: 2026-02-01\n  rehearsal: 2026-04-16\n",
		"progress:\n  plan_approved: 2026-02-01\n  rehearsal: 2026-04-16\n  legacy_frozen: 2026-05-01\n  cut_over: 2026-05-02\n  verified: 2026-05-09\n  archive_handed_over: 2026-06-01\n  legacy_decommissioned: 2026-07-01\n", 1)
	for _, f := range []string{"schema.yaml", "m.yaml"} {
		mustWrite(t, filepath.Join(dir, f), mustReadFile(t, filepath.Join("testdata/review", f)))
	}
	path := mustWrite(t, filepath.Join(dir, "plan.yaml"), text)
	sum := approveFixture(t, path, "Anna Andersson", "registerhållare")
	p, in := fixturePlan(t, path)
	timeline := func(work string) string {
		t.Helper()
		reps, err := LoadReports(work)
		if err != nil {
			t.Fatal(err)
		}
		doc := reviewMarkdown(t, p, in, sum, reps)
		i, j := strings.Index(doc, "## Timeline"), strings.Index(doc, "## Support needed")
		if i < 0 || j < i {
			t.Fatalf("no timeline in:\n%s", doc)
		}
		return doc[i:j]
	}
	row := func(tl, name string) string {
		for _, l := range strings.Split(tl, "\n") {
			if strings.HasPrefix(l, "| "+name+" |") {
				return l
			}
		}
		t.Fatalf("no %s row in:\n%s", name, tl)
		return ""
	}

	// The approval block says what needs approving again: not the
	// approvals and milestones recorded since (the hash leaves them out).
	reps, _ := LoadReports("")
	if doc := reviewMarkdown(t, p, in, sum, reps); !strings.Contains(doc, "except recording an approval or a milestone done, which changes no sum") {
		t.Errorf("the approval block says any change of the plan needs approving again:\n%s", doc[strings.Index(doc, "## Approval"):])
	}

	// No reports given (plan render without --reports).
	if r := row(timeline(""), "cut-over"); !strings.Contains(r, "NOT counted") || !strings.Contains(r, "no run's reports were given") {
		t.Errorf("a cut-over judged without reports: %s", r)
	}

	// No run's report in the work directory.
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		t.Fatal(err)
	}
	tl := timeline(work)
	if r := row(tl, "rehearsal"); strings.Contains(r, "NOT counted") {
		t.Errorf("a rehearsal of an approved plan is not counted: %s", r)
	}
	if r := row(tl, "cut-over"); !strings.Contains(r, "2026-05-02") || !strings.Contains(r, "NOT counted") || !strings.Contains(r, "report.json") {
		t.Errorf("a cut-over without a run's report reads as done: %s", r)
	}
	for _, m := range []string{"verified", "archive handed over", "legacy decommissioned"} {
		if r := row(tl, m); !strings.Contains(r, "NOT counted") {
			t.Errorf("%s after a cut-over that is not counted reads as done: %s", m, r)
		}
	}

	// The run's report of this version, started once the legacy system
	// was frozen, says FAIL.
	mustWriteJSON(t, filepath.Join(work, "report.json"), verify.Report{Version: 1, Register: "review", Pass: false, PlanHash: sum,
		Started: time.Date(2026, 5, 2, 8, 0, 0, 0, time.UTC), Finished: time.Date(2026, 5, 2, 9, 0, 0, 0, time.UTC),
		Problems: []string{"target table visit holds 11949 rows, the run wrote 11950"}})
	tl = timeline(work)
	if r := row(tl, "cut-over"); strings.Contains(r, "NOT counted") {
		t.Errorf("the cut-over of a finished run of this version is not counted: %s", r)
	}
	if r := row(tl, "verified"); !strings.Contains(r, "NOT counted") || !strings.Contains(r, "FAILED") {
		t.Errorf("verified reads as done beside a verification that FAILED: %s", r)
	}
}
