package resiliencetest_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// killMariaDB kills every connection to a MariaDB database but the
// killer's own.
func killMariaDB(t *testing.T, dbURL string) {
	t.Helper()
	// Bounded as the runs are: a kill that waits would hold the run in
	// Add, and the watchdog would blame the run.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := mytest.Open(t, dbURL).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n, err := killConnections(ctx, conn, plantest.DBName(t, dbURL))
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no connection to kill: the test would prove nothing")
	}
}

// killConnections kills every connection to the MariaDB database name
// but conn, and says how many it found; it fails no test, for a
// goroutine that is not the test's.
func killConnections(ctx context.Context, conn *sql.Conn, name string) (int, error) {
	rows, err := conn.QueryContext(ctx, "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()", name)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		// A connection may end by itself meanwhile.
		_, _ = conn.ExecContext(ctx, fmt.Sprintf("KILL CONNECTION %d", id))
	}
	return len(ids), nil
}

// killPostgreSQL terminates every backend of a PostgreSQL database.
func killPostgreSQL(t *testing.T, dbURL string) {
	t.Helper()
	pgtest.Exec(t, pgtest.AdminURL(t), fmt.Sprintf("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' AND pid <> pg_backend_pid()", plantest.DBName(t, dbURL)))
}

// Connections killed mid-run, MariaDB to PostgreSQL: the run retries and
// completes, or stops where it can resume, and ends with the same rows
// and archive as a clean run. The old runner stopped at the first fault
// and could not resume.
func TestRunSurvivesKilledConnections(t *testing.T) {
	src := mytest.NewDatabase(t)
	plantest.WriteDemo(t, src, 2000, 7)
	dir := t.TempDir()
	p := plantest.LoadPlan(t, demoPlan)
	p.BatchSize = 100
	clean := pgtest.NewDatabase(t)
	if _, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: clean, WorkDir: filepath.Join(dir, "clean")}); err != nil {
		t.Fatal(err)
	}
	want := plantest.TargetDigest(t, clean, demoTables)
	for k, v := range plantest.ArchiveDigest(t, filepath.Join(dir, "clean", "archive")) {
		want[k] = v
	}
	same := func(t *testing.T, tgt, work string) {
		t.Helper()
		got := plantest.TargetDigest(t, tgt, demoTables)
		for k, v := range plantest.ArchiveDigest(t, filepath.Join(work, "archive")) {
			got[k] = v
		}
		if got.String() != want.String() {
			t.Errorf("differs from a clean run:\n got %s\nwant %s", got, want)
		}
	}
	fast := wrap.Policy{Base: 20e6, Max: 200e6}

	t.Run("source killed, not frozen: stops resumably", func(t *testing.T) {
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "a")
		k := &plantest.KillAt{N: 5, Kill: func() { killMariaDB(t, src) }}
		_, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: k, Retry: fast})
		var lost *wrap.SnapshotLostError
		var stopped *plans.StoppedError
		if !errors.As(err, &lost) || !errors.As(err, &stopped) || !strings.Contains(err.Error(), "again to resume") {
			t.Fatalf("got %v, want a stop that says the snapshot was lost and how to resume", err)
		}
		if _, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, Retry: fast}); err != nil {
			t.Fatal(err)
		}
		same(t, tgt, work)
	})
	t.Run("source killed, frozen: continues in a new snapshot", func(t *testing.T) {
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "b")
		frozen := *p
		frozen.SourceFrozen = true
		k := &plantest.KillAt{N: 5, Kill: func() { killMariaDB(t, src) }}
		rep, err := plantest.RunWithin(t, &frozen, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: k, Retry: fast})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Pass {
			t.Fatalf("report FAIL: %v", rep.Problems)
		}
		same(t, tgt, work)
	})
	t.Run("target killed: retried", func(t *testing.T) {
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "c")
		k := &plantest.KillAt{N: 5, Kill: func() { killPostgreSQL(t, tgt) }}
		rep, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: k, Retry: fast})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Pass {
			t.Fatalf("report FAIL: %v", rep.Problems)
		}
		same(t, tgt, work)
	})
}

// keptTxTarget's first asynchronous commit fails as a lost connection
// does and leaves its transaction open, as PostgreSQL's CommitAsync did
// when the session had ended: a pool gives back a connection only when
// its transaction ends, and closes only when every one is back.
type keptTxTarget struct {
	connectors.Target
	mu     sync.Mutex
	failed bool
	open   int
}

func (k *keptTxTarget) Begin(ctx context.Context) (connectors.Tx, error) {
	tx, err := k.Target.Begin(ctx)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.open++
	k.mu.Unlock()
	return &keptTx{Tx: tx, k: k}, nil
}

func (k *keptTxTarget) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	return k.Target.(connectors.Locker).Lock(ctx, name)
}

type keptTx struct {
	connectors.Tx
	k     *keptTxTarget
	ended bool
}

func (t *keptTx) end() {
	t.k.mu.Lock()
	defer t.k.mu.Unlock()
	if !t.ended {
		t.ended = true
		t.k.open--
	}
}

func (t *keptTx) Commit() error   { t.end(); return t.Tx.Commit() }
func (t *keptTx) Rollback() error { t.end(); return t.Tx.Rollback() }

func (t *keptTx) CommitAsync() error {
	t.k.mu.Lock()
	first := !t.k.failed
	t.k.failed = true
	t.k.mu.Unlock()
	if first {
		return errors.New("commit: connection reset by peer")
	}
	return t.Commit()
}

// A batch whose commit failed and kept its transaction open is rolled
// back before it is tried again, so that no connection stays given out:
// the run that retried it finished, then waited forever in the target
// pool's Close (PostgreSQL; SQLite here waits for its lock instead).
func TestRunEndsATransactionWhoseCommitFailed(t *testing.T) {
	dir := t.TempDir()
	src, _ := plantest.DemoSQLite(t, dir, 200)
	p := plantest.LoadPlan(t, demoPlan)
	p.BatchSize = 20
	k := &keptTxTarget{}
	_, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: filepath.Join(dir, "w"),
		Retry:      wrap.Policy{Base: time.Millisecond, Max: 10 * time.Millisecond},
		WrapTarget: func(tg connectors.Target) connectors.Target { k.Target = tg; return k }})
	if !k.failed {
		t.Fatal("no batch was committed asynchronously: the test proves nothing")
	}
	if err != nil {
		t.Fatal(err)
	}
	if k.open != 0 {
		t.Errorf("%d transactions were never ended", k.open)
	}
}

// A MariaDB target's connections killed (KILL CONNECTION) while the run
// writes, at moments of its own rather than between two batches: a
// statement, a commit or the run lock's session may be the one killed.
// The run retries, takes its lock again, or stops where a plain run
// resumes; in the end the target and archive are a clean run's and the
// report says PASS.
func TestRunSurvivesKilledMariaDBTargetConnections(t *testing.T) {
	dir := t.TempDir()
	src, _ := plantest.DemoSQLite(t, dir, 1500)
	p := plantest.LoadPlan(t, demoPlan)
	p.BatchSize = 50
	clean := mytest.NewDatabase(t)
	if _, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: clean, WorkDir: filepath.Join(dir, "clean")}); err != nil {
		t.Fatal(err)
	}
	want := plantest.ResultDigest(t, clean, demoTables, filepath.Join(dir, "clean", "archive"))

	tgt, work := mytest.NewDatabase(t), filepath.Join(dir, "w")
	// One connection, which watches the checkpoints and kills: it is the
	// one connection to the target a kill spares.
	killer := mytest.Open(t, tgt)
	killer.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), plantest.RunDeadline)
	defer cancel()
	conn, err := killer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	name := plantest.DBName(t, tgt)
	// The kills land once the run has committed so many batches, a few
	// milliseconds later (inside the next batch's work, or its commit).
	at := []int64{3, 10, 20, 30}
	var kills []string
	var killErr error
	stop, killed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(killed)
		for len(at) > 0 {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
			var seq int64
			if err := conn.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM regflytt_checkpoint").Scan(&seq); err != nil || seq < at[0] {
				continue // no bookkeeping yet, or not so far
			}
			time.Sleep(time.Duration(at[0]%7) * time.Millisecond)
			n, err := killConnections(ctx, conn, name)
			if err != nil {
				killErr = err
				return
			}
			kills = append(kills, fmt.Sprintf("after checkpoint %d: %d connections", seq, n))
			at = at[1:]
		}
	}()
	fast := wrap.Policy{Base: 20e6, Max: 200e6}
	rep, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Retry: fast})
	close(stop)
	<-killed
	if killErr != nil {
		t.Fatal(killErr)
	}
	t.Logf("kills: %q", kills)
	if len(kills) < 3 {
		t.Fatalf("%d kills landed before the run ended: the test proved too little", len(kills))
	}
	if err != nil {
		// Stopped, not failed: it says how to resume, and a plain run does.
		var stopped *plans.StoppedError
		if !errors.As(err, &stopped) || !strings.Contains(err.Error(), "again to resume") {
			t.Fatalf("got %v, want a finished run or a stop that says how to resume", err)
		}
		t.Logf("the run stopped: %v", err)
		if rep, err = plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, Retry: fast}); err != nil {
			t.Fatal(err)
		}
	}
	if !rep.Pass {
		t.Errorf("report FAIL: %v", rep.Problems)
	}
	if got := plantest.ResultDigest(t, tgt, demoTables, filepath.Join(work, "archive")); got.String() != want.String() {
		t.Errorf("differs from a clean run:\n got %s\nwant %s", got, want)
	}
}
