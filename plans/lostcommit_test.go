package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// prunedTarget is a faultyTarget whose transactions keep the wrapped
// ones' extras (the checkpoint pruning, and with it the check of each
// unit's predecessor, and the checked write), so the runner treats them
// as it treats the real target's.
type prunedTarget struct{ *faultyTarget }

func (p prunedTarget) Begin(ctx context.Context) (connectors.Tx, error) {
	tx, err := p.faultyTarget.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return prunedTx{tx.(*faultyTx)}, nil
}

type prunedTx struct{ *faultyTx }

func (t prunedTx) WriteChecked(ctx context.Context, tb *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return connectors.WriteChecked(ctx, t.faultyTx.Tx, tb, rows)
}

func (t prunedTx) DeleteBefore(ctx context.Context, table, match, value, seq string, before int64) (int64, error) {
	return t.faultyTx.Tx.(connectors.RowDeleter).DeleteBefore(ctx, table, match, value, seq, before)
}

// A batch commit the target answered and then lost (an asynchronous
// commit before a server crash) stops the run at the next batch, which
// finds its predecessor's checkpoint missing: the run never writes past
// the gap, which would leave the lost batch's rows out for good while the
// checkpoint said they were in. report.json gives what the target holds,
// and a plain run resumes from there to what a clean run gives.
func TestRunStopsWhenTheTargetLostAnAnsweredCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 200)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 20
	want := cleanDemoRun(t, dir, src, p)

	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	work := filepath.Join(dir, "w")
	lt := &faultyTarget{failAt: map[int]string{6: "lose"}}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work,
		WrapTarget: func(tg connectors.Target) connectors.Target { lt.Target = tg; return prunedTarget{lt} }})
	if lt.lost == 0 {
		t.Fatalf("commit 6 was never asked for (%d commits): the test proves nothing", lt.commits)
	}
	var lce *plans.LostCommitError
	if !errors.As(err, &lce) {
		t.Fatalf("got %v, want the run stopped for the lost commit of batch %d", err, lt.lost)
	}
	if lce.Seq != lt.lost {
		t.Errorf("the error names batch %d, the lost one was %d", lce.Seq, lt.lost)
	}
	var se *plans.StoppedError
	if !errors.As(err, &se) || se.NotResumable != "" {
		t.Fatalf("got %v, want a resumable stop", err)
	}
	// The batch before the lost one, or, when the lost commit held
	// several batches (commit.go), the last batch before them.
	if held, committed := lt.held[len(lt.held)-1], plantest.BatchesCommitted(t, work); committed != held {
		t.Errorf("report.json says %d batches committed; the target holds %d", committed, held)
	}

	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	got := resultDigest(t, tgt, demoTables, filepath.Join(work, "archive"))
	if got.String() != want.String() {
		t.Errorf("the resumed run differs from a clean run:\n got %s\nwant %s", got, want)
	}
}

// noTruncate is a target that cannot empty tables: a restart through it
// stops after its first checkpoint, as a restart killed there does.
type noTruncate struct{ connectors.Target }

func (n noTruncate) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	return n.Target.(connectors.Locker).Lock(ctx, name)
}

// A restart interrupted after its checkpoint is finished by the next run,
// under that checkpoint's number: the batches after it follow it, so the
// check that each batch's predecessor is there passes (a restart that
// numbered itself again left a gap, and the next batch stopped the run as
// if the target had lost a commit).
func TestRunFinishesAnInterruptedRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 120)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 25
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	work := filepath.Join(dir, "w")
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}); err != nil {
		t.Fatal(err)
	}
	want := targetDigest(t, tgt, demoTables)
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, Restart: true,
		WrapTarget: func(tg connectors.Target) connectors.Target { return noTruncate{tg} }})
	if err == nil || !strings.Contains(err.Error(), "cannot empty tables") {
		t.Fatalf("got %v, want the restart stopped where it empties the tables", err)
	}
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	if got := targetDigest(t, tgt, demoTables); got.String() != want.String() {
		t.Errorf("the finished restart differs from the first run:\n got %s\nwant %s", got, want)
	}
}
