package plantest

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// Runs of a plan in the test's own process that the test interferes
// with (a peer frozen or its connections killed, a lost run lock, a stop
// at a chosen batch), and what watches them: shared by the tests of plans
// and of plans/resiliencetest.

// RunDeadline bounds one run of RunWithin: one run of the demo takes some
// 3 s here, 5 s with two copies of a test beside two busy loops on two
// cores. Its context ends then, and whatever waits without heeding it
// (closing a connection pool, a commit) fails the test a half-minute
// later with every goroutine's stack, where the test waited for CI's
// limit with nothing said (it hung once for 9 minutes so: a connection
// pool's Close waited for a connection a failed commit kept).
const RunDeadline = time.Minute

// RunWithin runs plans.Run with a context that ends after RunDeadline,
// and ends the test binary with every goroutine's stack if the run has
// not returned a half-minute after that.
func RunWithin(t testing.TB, p *plans.Plan, opts plans.Options) (*verify.Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), RunDeadline)
	defer cancel()
	name := t.Name()
	watchdog := time.AfterFunc(RunDeadline+30*time.Second, func() {
		buf := make([]byte, 1<<22)
		buf = buf[:runtime.Stack(buf, true)]
		panic(fmt.Sprintf("%s: the run has not returned %v after it started, %v after its context ended: it waits on something that never comes; every goroutine:\n%s",
			name, RunDeadline+30*time.Second, 30*time.Second, buf))
	})
	defer watchdog.Stop()
	return plans.Run(ctx, p, opts)
}

// MustPass fails t unless a run or a check ended without error and its
// report passes.
func MustPass(t testing.TB, rep *verify.Report, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("report FAIL: %v", rep.Problems)
	}
}

// KillAt is a run's Progress that calls Kill when the run has committed
// N batches.
//
// A t.Fatal in Kill (a server that refuses one more connection on a
// loaded machine) must not end the goroutine the run calls Add from: with
// --jobs that is one of the run's own, which the run would wait for, and
// in the test's goroutine it unwinds the run through its deferred
// cleanup mid-batch. Kill runs in a goroutine of its own, whose end, by
// FailNow or not, Add waits for; the test is failed all the same, and
// the run goes on to its end.
type KillAt struct {
	plans.NoProgress
	N     int
	Kill  func()
	calls int
}

func (k *KillAt) Add(int) {
	if k.calls++; k.calls == k.N {
		done := make(chan struct{})
		go func() {
			defer close(done)
			k.Kill()
		}()
		<-done
	}
}

// SyncLog is a log a run writes from several goroutines.
type SyncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *SyncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *SyncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// DBName gives the name of the database a server URL names (its path).
func DBName(t testing.TB, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// FreezingCommits calls Freeze just before the Nth commit of a batch's
// transaction is sent (with LockChecks, the Nth question to the run
// lock's session, the last before a batch's commit). Its transactions
// offer what the target's do (the checked write, the asynchronous commit,
// the checkpoints' pruning), and it the run lock, so that the run commits
// as it does unwrapped. With no Freeze (N 0) it only passes everything
// on: a base for a wrapper that overrides one method.
type FreezingCommits struct {
	connectors.Target
	N          int
	LockChecks bool
	// Unlocks freezes as the run lock is released instead (N unused).
	Unlocks bool
	Freeze  func()

	mu      sync.Mutex
	commits int
}

// Wrap is the run's WrapTarget: f around the target the run opened.
func (f *FreezingCommits) Wrap(tg connectors.Target) connectors.Target {
	f.Target = tg
	return f
}

// Commits is how many commits (with LockChecks, lock checks; with
// Unlocks, unlocks) f has counted.
func (f *FreezingCommits) Commits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.commits
}

func (f *FreezingCommits) Begin(ctx context.Context) (connectors.Tx, error) {
	tx, err := f.Target.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &freezingTx{Tx: tx, f: f}, nil
}

func (f *FreezingCommits) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	unlock, err := f.Target.(connectors.Locker).Lock(ctx, name)
	if err != nil || !f.Unlocks {
		return unlock, err
	}
	return func(ctx context.Context) error {
		f.mu.Lock()
		f.commits++
		f.mu.Unlock()
		f.Freeze()
		return unlock(ctx)
	}, nil
}

func (f *FreezingCommits) CheckLock(ctx context.Context, name string) error {
	if f.LockChecks {
		f.count()
	}
	return f.Target.(connectors.LockChecker).CheckLock(ctx, name)
}

// count calls Freeze at the Nth call.
func (f *FreezingCommits) count() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Unlocks {
		return
	}
	if f.commits++; f.commits == f.N {
		f.Freeze()
	}
}

type freezingTx struct {
	connectors.Tx
	f *FreezingCommits
}

func (t *freezingTx) committing() {
	if !t.f.LockChecks {
		t.f.count()
	}
}

func (t *freezingTx) Commit() error { t.committing(); return t.Tx.Commit() }
func (t *freezingTx) CommitAsync() error {
	t.committing()
	return connectors.CommitBatch(t.Tx, true)
}
func (t *freezingTx) WriteChecked(ctx context.Context, tb *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return connectors.WriteChecked(ctx, t.Tx, tb, rows)
}
func (t *freezingTx) DeleteBefore(ctx context.Context, table, match, value, seq string, before int64) (int64, error) {
	return t.Tx.(connectors.RowDeleter).DeleteBefore(ctx, table, match, value, seq, before)
}
