package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// coalesced gives the checkpoints of commits that held more than one
// batch: those that follow the one before by more than one.
func coalesced(held []int64) (n int, widest int64) {
	for i := 1; i < len(held); i++ {
		if d := held[i] - held[i-1]; d > 1 {
			n++
			widest = max(widest, d)
		}
	}
	return n, widest
}

// Batches handed over while a slow target still commits an earlier one
// commit together, in one transaction with the last one's checkpoint: the
// target pays a unit's round trips once for them. What the run leaves is
// a clean run's, and each commit holds a few batches at most.
func TestRunCommitsWaitingBatchesTogether(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 200)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 20
	want := cleanDemoRun(t, dir, src, p)

	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	work := filepath.Join(dir, "w")
	slow := &faultyTarget{delay: 40 * time.Millisecond}
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work,
		WrapTarget: func(tg connectors.Target) connectors.Target { slow.Target = tg; return prunedTarget{slow} }})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	n, widest := coalesced(slow.held)
	if n == 0 {
		t.Fatalf("no commit held more than one batch (checkpoints committed: %v)", slow.held)
	}
	if widest > plans.UnitsPerCommit {
		t.Errorf("a commit held %d batches, more than a unit takes (checkpoints committed: %v)", widest, slow.held)
	}
	if got := resultDigest(t, tgt, demoTables, filepath.Join(work, "archive")); got.String() != want.String() {
		t.Errorf("the run differs from a clean run:\n got %s\nwant %s", got, want)
	}
}

// A lost commit that held several batches loses them all, and the next
// unit finds the checkpoint before them: the run stops naming the lost
// unit's checkpoint, and a plain run resumes from the one before to what
// a clean run gives.
func TestRunStopsWhenTheTargetLostCommittedBatchesTogether(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 200)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 20
	want := cleanDemoRun(t, dir, src, p)

	// Each commit loses on its turn until a lost one held several
	// batches: which commits do depends on timing.
	for lose := 3; lose < 12; lose++ {
		tgt := "sqlite://" + filepath.Join(dir, "t"+itoa(int64(lose))+".db")
		work := filepath.Join(dir, "w"+itoa(int64(lose)))
		lt := &faultyTarget{delay: 40 * time.Millisecond, failAt: map[int]string{lose: "lose"}}
		_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work,
			WrapTarget: func(tg connectors.Target) connectors.Target { lt.Target = tg; return prunedTarget{lt} }})
		if lt.lost == 0 {
			t.Fatalf("commit %d was never asked for: the test proves nothing", lose)
		}
		var lce *plans.LostCommitError
		if !errors.As(err, &lce) || lce.Seq != lt.lost {
			t.Fatalf("got %v, want the run stopped for the lost commit of batch %d", err, lt.lost)
		}
		before := lt.held[len(lt.held)-1]
		if lt.lost-before < 2 {
			continue // the lost commit held one batch: the other test's case
		}
		rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
		if err != nil {
			t.Fatal(err)
		}
		checkDemoReport(t, rep, st)
		if got := resultDigest(t, tgt, demoTables, filepath.Join(work, "archive")); got.String() != want.String() {
			t.Errorf("the run resumed after losing batches %d to %d differs from a clean run:\n got %s\nwant %s", before+1, lt.lost, got, want)
		}
		return
	}
	t.Fatal("no lost commit held more than one batch: the test proves nothing")
}
