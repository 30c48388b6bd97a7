package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/verify"
)

// emptyingTarget is a target whose Truncate (a restart emptying the
// receiving tables) is the test's.
type emptyingTarget struct {
	connectors.Target
	truncate func(ctx context.Context, tables []string) error
}

func (e *emptyingTarget) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	return e.Target.(connectors.Locker).Lock(ctx, name)
}

func (e *emptyingTarget) Truncate(ctx context.Context, tables []string) error {
	return e.truncate(ctx, tables)
}

// A --restart moves the earlier run's report.json aside before it empties
// the receiving tables. Stopped from then on and before its first batch
// (interrupted, or failing, as it empties the tables or in the checks
// after), it left no report.json at all in the work directory, against
// issue 15's "every stop writes report.json with how far it got". The
// stop report says how the restart stopped and that a plain run goes on
// with it; a plain run then finishes as a clean run does.
func TestRestartStoppedBeforeItsFirstBatchSaysSo(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		status string
		// truncate empties (or does not) the tables with empty, and may
		// cancel the run's context (the second Ctrl-C) with cancel.
		truncate func(ctx context.Context, tables []string, empty func(context.Context, []string) error, cancel func()) error
	}{
		{"interrupted as it empties the tables", "interrupted", func(ctx context.Context, tables []string, empty func(context.Context, []string) error, cancel func()) error {
			cancel()
			return ctx.Err()
		}},
		{"failing to empty the tables", "failed", func(ctx context.Context, tables []string, empty func(context.Context, []string) error, cancel func()) error {
			return errors.New("the disk is full")
		}},
		{"interrupted after it emptied the tables", "interrupted", func(ctx context.Context, tables []string, empty func(context.Context, []string) error, cancel func()) error {
			err := empty(ctx, tables)
			cancel()
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src, st := makeDemoSQLite(t, dir, 120)
			p := loadPlan(t, demoPlan)
			p.BatchSize = 25
			tgt := "sqlite://" + filepath.Join(dir, "t.db")
			work := filepath.Join(dir, "w")
			if _, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}); err != nil {
				t.Fatal(err)
			}
			want := targetDigest(t, tgt, demoTables)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			called := false
			_, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, Restart: true,
				WrapTarget: func(tg connectors.Target) connectors.Target {
					return &emptyingTarget{Target: tg, truncate: func(ctx context.Context, tables []string) error {
						called = true
						return c.truncate(ctx, tables, tg.(connectors.Truncater).Truncate, cancel)
					}}
				}})
			if !called {
				t.Fatalf("the restart never emptied the tables (%v): the test looks at nothing", err)
			}
			if err == nil {
				t.Fatal("the restart went through: the test looks at nothing")
			}
			status, resume, errText, pass := plantest.StopReport(t, work)
			if status != c.status || pass || errText == "" {
				t.Errorf("report.json of the stopped restart (%v) says status %q, pass %v, error %q: want %s, with the error", err, status, pass, errText, c.status)
			}
			if resume != "regflytt run "+p.File {
				t.Errorf("report.json of the stopped restart says resume %q: a plain run goes on with the restart", resume)
			}
			if !strings.Contains(err.Error(), "regflytt run "+p.File) {
				t.Errorf("the stopped restart does not say how to go on: %v", err)
			}
			rep, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt})
			if err != nil {
				t.Fatal(err)
			}
			checkDemoReport(t, rep, st)
			if got := targetDigest(t, tgt, demoTables); got.String() != want.String() {
				t.Errorf("the finished restart differs from the first run:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// A restart stopped by a first Ctrl-C stops after its first batch, and
// its report.json says so, with how to resume (the restart's batches are
// kept: a plain run goes on after them).
func TestRestartInterruptedAfterItsFirstBatchSaysSo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 120)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 25
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	work := filepath.Join(dir, "w")
	if _, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}); err != nil {
		t.Fatal(err)
	}
	s := &stopAfter{n: 1, stop: make(chan struct{})}
	_, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, Restart: true, Stop: s.stop, Progress: s})
	var se *plans.StoppedError
	if !errors.Is(err, plans.ErrInterrupted) || !errors.As(err, &se) || se.Restarting {
		t.Fatalf("got %v, want a restart interrupted after its first batch", err)
	}
	status, resume, _, pass := plantest.StopReport(t, work)
	if status != "interrupted" || pass || resume != "regflytt run "+p.File {
		t.Errorf("report.json of the interrupted restart says status %q, pass %v, resume %q", status, pass, resume)
	}
	rep, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
}

// gatedLock is a target whose transactions and Lock (a run taking its
// lock again) wait while gate is set: another run takes the target
// meanwhile. pause sets the gate once the transactions under way have
// ended, so that the other run reads a checkpoint no commit of this run
// follows.
type gatedLock struct {
	connectors.Target
	mu     sync.Mutex
	gate   chan struct{}
	active sync.WaitGroup
}

func (g *gatedLock) wait() {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	if gate != nil {
		<-gate
	}
}

// pause sets the gate and waits for the transactions under way; resume
// lifts it.
func (g *gatedLock) pause() (resume func()) {
	gate := make(chan struct{})
	g.mu.Lock()
	g.gate = gate
	g.mu.Unlock()
	g.active.Wait()
	return func() { close(gate) }
}

// enter waits while the gate is set, and counts a transaction begun.
func (g *gatedLock) enter() {
	for {
		g.mu.Lock()
		gate := g.gate
		open := gate == nil
		if !open {
			select {
			case <-gate:
				open = true
			default:
			}
		}
		if open {
			g.active.Add(1)
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		<-gate
	}
}

func (g *gatedLock) Begin(ctx context.Context) (connectors.Tx, error) {
	g.enter()
	tx, err := g.Target.Begin(ctx)
	if err != nil {
		g.active.Done()
		return nil, err
	}
	return &gatedTx{Tx: tx, g: g}, nil
}

type gatedTx struct {
	connectors.Tx
	g    *gatedLock
	once sync.Once
}

func (t *gatedTx) end()            { t.once.Do(t.g.active.Done) }
func (t *gatedTx) Commit() error   { defer t.end(); return t.Tx.Commit() }
func (t *gatedTx) Rollback() error { defer t.end(); return t.Tx.Rollback() }

func (g *gatedLock) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	g.wait()
	return g.Target.(connectors.Locker).Lock(ctx, name)
}

func (g *gatedLock) CheckLock(ctx context.Context, name string) error {
	return g.Target.(connectors.LockChecker).CheckLock(ctx, name)
}

// A run that lost its run lock to another run of the plan, which resumed
// in the same work directory and finished there, stops (LockLostError at
// its next commit unit, or its archive parts gone with the other run's
// end) without writing its stop report over the other run's report.json:
// the work directory is the other run's now, and its PASS was replaced by
// a report saying the run failed.
func TestRunThatLostItsLockLeavesTheOtherRunsReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 300)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 40
	db := filepath.Join(dir, "t.db")
	tgt := "sqlite://" + db
	work := filepath.Join(dir, "w")
	g := &gatedLock{}
	var otherErr error
	var otherRan bool
	k := &plantest.KillAt{N: 3, Kill: func() {
		// The lock file goes (as a lock whose session ended), and another
		// run of the plan takes the target, resumes and finishes, while
		// this run cannot take its lock again.
		defer g.pause()()
		if err := os.Remove(db + ".regflytt_run.lock"); err != nil {
			t.Errorf("remove the run's lock file: %v", err)
			return
		}
		otherRan = true
		var rep *verify.Report
		rep, otherErr = plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Retry: wrapPolicyFast})
		if otherErr == nil {
			checkDemoReport(t, rep, st)
		}
	}}
	_, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: k, Retry: wrapPolicyFast,
		WrapTarget: func(tg connectors.Target) connectors.Target { g.Target = tg; return g }})
	if !otherRan {
		t.Fatal("no other run took the target: the test looks at nothing")
	}
	if otherErr != nil {
		t.Fatalf("the other run: %v", otherErr)
	}
	// Stopped for its lost lock, or for what the other run's end took
	// from under it first (its archive parts): either way it stops.
	var stopped *plans.StoppedError
	if !errors.As(err, &stopped) {
		t.Fatalf("got %v, want the run stopped", err)
	}
	status, _, _, pass := plantest.StopReport(t, work)
	if status != "" || !pass {
		t.Errorf("report.json in the work directory says status %q, pass %v: the run that lost its lock wrote over the report of the run that finished there (%v)", status, pass, err)
	}
}
