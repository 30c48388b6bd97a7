package portfolio

import (
	"testing"
	"time"

	"github.com/regflytt/regflytt/verify"
)

// A run's own end check writes verify-report.json into the work
// directory before the run writes its report.json. A run killed between
// the two left report.json saying it is running (started before the end
// check) beside the end check's PASS, and plan render and portfolio
// status took that for regflytt verify's PASS of the run: "Verification:
// PASS" for a run that never finished (its archive package unsealed).
// The end check is the run's, not a verification of it.
func TestEndCheckIsNoVerificationOfTheRun(t *testing.T) {
	start := time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC)
	const sum = "abc"
	run := &verify.Report{Register: "demo", PlanHash: sum, Source: "s", Target: "t", Started: start}
	ver := &verify.Summary{Register: "demo", PlanHash: sum, Source: "s", Target: "t", Started: start.Add(time.Minute), Finished: start.Add(2 * time.Minute), Pass: true, EndCheck: true}
	reps := Reports{Run: run, RunStopped: "running", Verify: ver, planHash: sum}
	if got := reps.verification(); got == "PASS" {
		t.Errorf("a killed run's end check reads as a verification of the run: %s", got)
	}
	if reps.laterVerify() != nil || reps.verifyNotOfRun() == "" {
		t.Errorf("the end check's report is taken as regflytt verify's of the run (why not: %q)", reps.verifyNotOfRun())
	}
	// regflytt verify's own report after the kill is a verification of
	// what is there, but the run is still not finished (its archive
	// unsealed, its unit reports unwritten): STOPPED, not PASS
	// (TestStoppedRunIsNotShownPassedByALaterVerify).
	user := *ver
	user.EndCheck = false
	reps.Verify = &user
	if reps.laterVerify() == nil {
		t.Errorf("regflytt verify's report after the run stopped is not taken as of the run: %q", reps.verifyNotOfRun())
	}
	if got := reps.verification(); got != "STOPPED" {
		t.Errorf("regflytt verify's PASS after the run stopped: %s, want STOPPED", got)
	}
}
