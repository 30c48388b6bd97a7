package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/plans"
)

// A plan without run.reference_date judges grants on the day its run
// started, and verification takes that day from the archive package. A
// run stopped on one day and resumed days later must go on judging on
// the first: an appointment that ended in between was carried by the
// stopped run's day but, judged on the resume's, archived as
// appointment_expired, and the end check (judging on the first day)
// failed a run nothing was wrong with.
func TestResumeJudgesGrantsOnTheStoppedRunsDay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 150)
	p := loadPlan(t, demoPlan)
	if !p.ReferenceDate.IsZero() {
		t.Fatal("the demo plan names a reference date: this test needs one that does not")
	}
	p.BatchSize = 40
	stopped := time.Date(2026, 12, 30, 22, 0, 0, 0, time.UTC)
	resumed := stopped.AddDate(0, 0, 3)
	// Every appointment in force on both days ends between them.
	execSQLite(t, filepath.Join(dir, "legacy.db"), `UPDATE forordnande SET giltig_till = '2026-12-31' WHERE giltig_till > '2027-01-02' AND (giltig_fran IS NULL OR giltig_fran <= '2026-12-30')`)

	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	s := &stopAfter{n: 2, stop: make(chan struct{})}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"),
		Stop: s.stop, Progress: s, Now: func() time.Time { return stopped }})
	if !errors.Is(err, plans.ErrInterrupted) {
		t.Fatalf("got %v, want an interrupted run", err)
	}
	if n := len(targetColumn(t, tgt, "app_appointment", 0)); n != 0 {
		t.Fatalf("the stopped run carried %d appointments: this test needs them read after the resume", n)
	}
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, Now: func() time.Time { return resumed }})
	if rep != nil && !rep.Pass {
		t.Fatalf("the resumed run FAILed: %s", strings.Join(rep.Problems, "; "))
	}
	if err != nil {
		t.Fatal(err)
	}
	if n := len(targetColumn(t, tgt, "app_appointment", 0)); n == 0 {
		t.Error("no appointment carried: judged on the stopped run's day, those in force then are")
	}
	// The appointments carried ended before verify runs: an alarm until
	// a person acknowledges the run's day (appointment_ended_since).
	acknowledgeEndedSince(p)
	sum, err := plans.Verify(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"), Now: func() time.Time { return resumed.AddDate(0, 0, 1) }})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Pass {
		t.Fatalf("verify FAILed: %s", strings.Join(sum.Problems, "; "))
	}
}
