package resiliencetest_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/faultnet"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// Short stall settings: a test's freeze is seen in a fraction of a second
// (the limit is many times a batch's commit on a loaded machine, so a
// slow commit is not taken for a stall).
const (
	stallWarning = 100 * time.Millisecond
	stallLimit   = 2 * time.Second
)

// thawOnWarning thaws p once the run's log warns of a stall on side, so
// that the run can only go on if it waited out the stall.
func thawOnWarning(t *testing.T, log *plantest.SyncLog, p *faultnet.FreezingProxy, want string) <-chan struct{} {
	t.Helper()
	thawed := make(chan struct{})
	go func() {
		defer close(thawed)
		for end := time.Now().Add(plantest.RunDeadline); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(log.String(), want) {
				p.Thaw()
				return
			}
		}
	}()
	return thawed
}

// stallRetry retries fast and little, for the stall tests.
var stallRetry = wrap.Policy{Base: 20e6, Max: 200e6, Attempts: 3}

// asCleanRun runs p from src into clean, and gives a check that a target
// and a work directory's archive end as that run's.
func asCleanRun(t *testing.T, p *plans.Plan, src, clean, work string) func(t *testing.T, tgt, work string) {
	t.Helper()
	if _, err := plantest.RunWithin(t, p, plans.Options{SourceURL: src, TargetURL: clean, WorkDir: work}); err != nil {
		t.Fatal(err)
	}
	want := plantest.TargetDigest(t, clean, demoTables)
	for k, v := range plantest.ArchiveDigest(t, filepath.Join(work, "archive")) {
		want[k] = v
	}
	return func(t *testing.T, tgt, work string) {
		t.Helper()
		got := plantest.TargetDigest(t, tgt, demoTables)
		for k, v := range plantest.ArchiveDigest(t, filepath.Join(work, "archive")) {
			got[k] = v
		}
		if got.String() != want.String() {
			t.Errorf("differs from a clean run:\n got %s\nwant %s", got, want)
		}
	}
}

// resumeAfterStall gives a check of a run that may have stopped for a
// stall: it must say so and how to resume, and a plain run of p then
// completes; either way the end is a clean run's (same).
func resumeAfterStall(p *plans.Plan, same func(t *testing.T, tgt, work string)) func(t *testing.T, runErr error, srcURL, tgt, work string) {
	return func(t *testing.T, runErr error, srcURL, tgt, work string) {
		t.Helper()
		var stopped *plans.StoppedError
		if runErr != nil {
			if !errors.As(runErr, &stopped) || !strings.Contains(runErr.Error(), "stalled") || !strings.Contains(runErr.Error(), "again to resume") {
				t.Fatalf("got %v, want a resumable stop that says it stalled and how to resume", runErr)
			}
			runPasses(t, p, plans.Options{SourceURL: srcURL, TargetURL: tgt, Retry: stallRetry}, nil)
		}
		same(t, tgt, work)
	}
}

// A source or a target that stops answering mid-run, through a proxy
// that freezes its connections (MariaDB to PostgreSQL): with a stall
// limit the stalled operation is cancelled and the run retries or stops
// resumably, saying it stalled, and a plain run after it completes;
// without one the run warns, repeatedly, and goes on when the peer
// answers again. Either way the target and the archive end as a clean
// run's. The old runner waited for ever, with nothing said.
func TestRunSurvivesAStalledPeer(t *testing.T) {
	src := mytest.NewDatabase(t)
	dir, p, same := stallDemo(t, src, 100, pgtest.NewDatabase(t))
	finish := resumeAfterStall(p, same)
	t.Run("source, stall limit: stops resumably", func(t *testing.T) {
		proxy, viaProxy := faultnet.ProxyURL(t, src)
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "src-limit")
		var log plantest.SyncLog
		opts := stallOpts(viaProxy, tgt, work, stallLimit, &log)
		opts.Progress = &plantest.KillAt{N: 5, Kill: proxy.Freeze}
		_, err := plantest.RunWithin(t, p, opts)
		wantSourceStall(t, err)
		logSays(t, &log, "still waiting for the source: table", "no warning before the limit")
		proxy.Thaw()
		finish(t, err, viaProxy, tgt, work)
	})
	t.Run("source, no limit: warns, goes on when it answers", func(t *testing.T) {
		log := waitsOutSourceStall(t, p, src, pgtest.NewDatabase(t), filepath.Join(dir, "src-wait"), "no row for", same)
		logSays(t, log, "still waiting for the source: table", "no stall warning")
	})
	t.Run("target, stall limit: retried or stops resumably", func(t *testing.T) {
		_, proxy, viaProxy := proxiedTarget(t, pgtest.NewDatabase)
		work := filepath.Join(dir, "tgt-limit")
		var log plantest.SyncLog
		opts := stallOpts(src, viaProxy, work, stallLimit, &log)
		opts.Progress = &plantest.KillAt{N: 5, Kill: proxy.Freeze}
		thawed := thawWhenStopped(t, proxy, work)
		_, err := plantest.RunWithin(t, p, opts)
		<-thawed
		logSays(t, &log, "still waiting for the target", "no stall warning")
		finish(t, err, src, viaProxy, work)
	})
	t.Run("target, no limit: warns, goes on when it answers", func(t *testing.T) {
		tgt, proxy, viaProxy := proxiedTarget(t, pgtest.NewDatabase)
		work := filepath.Join(dir, "tgt-wait")
		var log plantest.SyncLog
		// Frozen as the fifth batch's commit is sent, not at the fifth
		// progress report: a loaded machine delivered that freeze after
		// the move, at the unlock (see the unlock's subtests).
		ft := &plantest.FreezingCommits{N: 5, Freeze: proxy.Freeze}
		opts := stallOpts(src, viaProxy, work, 0, &log)
		opts.WrapTarget = ft.Wrap
		runPasses(t, p, opts, thawOnWarning(t, &log, proxy, "still waiting for the target to commit batch"))
		if ft.Commits() < 5 {
			t.Fatalf("%d commits: the test froze none", ft.Commits())
		}
		same(t, tgt, work)
	})
	// The target stops answering as the run releases its lock, after the
	// move: without a limit the run says it waits, like any stalled
	// operation, and goes on when the target answers; with one it gives
	// up on the unlock (the server releases a session's lock with the
	// session) and says so. It waited silently for the connector's
	// cleanup bound (30 s).
	t.Run("target frozen at the unlock, no limit: warns, goes on when it answers", func(t *testing.T) {
		tgt, proxy, viaProxy := proxiedTarget(t, pgtest.NewDatabase)
		work := filepath.Join(dir, "tgt-unlock-wait")
		var log plantest.SyncLog
		ft := &plantest.FreezingCommits{Unlocks: true, Freeze: proxy.Freeze}
		opts := stallOpts(src, viaProxy, work, 0, &log)
		opts.WrapTarget = ft.Wrap
		runPasses(t, p, opts, thawOnWarning(t, &log, proxy, "still waiting for the target to release the run lock"))
		if ft.Commits() != 1 {
			t.Fatalf("%d unlocks frozen, want 1", ft.Commits())
		}
		logSays(t, &log, "still waiting for the target to release the run lock", "no stall warning")
		same(t, tgt, work)
	})
	t.Run("target frozen at the unlock, stall limit: gives up on it, saying so", func(t *testing.T) {
		tgt, proxy, viaProxy := proxiedTarget(t, pgtest.NewDatabase)
		defer proxy.Thaw()
		work := filepath.Join(dir, "tgt-unlock-limit")
		var log plantest.SyncLog
		ft := &plantest.FreezingCommits{Unlocks: true, Freeze: proxy.Freeze}
		opts := stallOpts(src, viaProxy, work, stallLimit, &log)
		opts.WrapTarget = ft.Wrap
		runPasses(t, p, opts, nil)
		if ft.Commits() != 1 {
			t.Fatalf("%d unlocks frozen, want 1", ft.Commits())
		}
		logSays(t, &log, "gave up releasing the run lock", "no word of the unlock given up")
		proxy.Thaw()
		same(t, tgt, work)
	})
	t.Run("source declared frozen, stall limit: continues in a new snapshot", func(t *testing.T) {
		proxy, viaProxy := faultnet.ProxyURL(t, src)
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "src-frozen")
		frozen := *p
		frozen.SourceFrozen = true
		var log plantest.SyncLog
		// The connections open then stop (a NAT that forgot them); a new
		// one goes through.
		opts := stallOpts(viaProxy, tgt, work, stallLimit, &log)
		opts.Progress = &plantest.KillAt{N: 5, Kill: proxy.FreezeOpen}
		runPasses(t, &frozen, opts, nil)
		if !strings.Contains(log.String(), "stalled: no progress from the source") || !strings.Contains(log.String(), "continuing in a new snapshot") {
			t.Errorf("the read was not cancelled and continued:\n%s", log.String())
		}
		same(t, tgt, work)
	})
	t.Run("target frozen in a batch's commit, stall limit: stops resumably", func(t *testing.T) {
		_, proxy, viaProxy := proxiedTarget(t, pgtest.NewDatabase)
		work := filepath.Join(dir, "tgt-commit")
		var log plantest.SyncLog
		// The proxy freezes as the fifth batch's COMMIT is sent: the
		// server holds the batch uncommitted, the COMMIT waits in the
		// proxy, and reaches the server when it thaws, after the run
		// gave up on it.
		ft := &plantest.FreezingCommits{N: 5, Freeze: proxy.Freeze}
		opts := stallOpts(src, viaProxy, work, stallLimit, &log)
		opts.WrapTarget = ft.Wrap
		thawed := thawWhenStopped(t, proxy, work)
		_, err := plantest.RunWithin(t, p, opts)
		<-thawed
		t.Logf("the run: %v", err)
		if ft.Commits() < 5 {
			t.Fatalf("%d commits: the test froze none", ft.Commits())
		}
		logSays(t, &log, "still waiting for the target to commit batch", "no stall warning")
		finish(t, err, src, viaProxy, work)
	})
	t.Run("target's open connections frozen at a lock check, stall limit: stops resumably, saying it stalled", func(t *testing.T) {
		_, proxy, viaProxy := proxiedTarget(t, pgtest.NewDatabase)
		work := filepath.Join(dir, "tgt-lock")
		// The connections open stop as the run asks its lock's session
		// whether it is still there (the last question before a batch's
		// commit): the question stalls and is cancelled; the batch tried
		// again on a new connection waits for the rows the frozen
		// session holds, and stalls too. However the run ends, it says
		// it stalled. A rollback of a transaction given up on does not
		// wait on its frozen connection (it waited 30 s an attempt).
		ft := &plantest.FreezingCommits{N: 5, LockChecks: true, Freeze: proxy.FreezeOpen}
		thawed := thawWhenStopped(t, proxy, work)
		var log plantest.SyncLog
		opts := stallOpts(src, viaProxy, work, stallLimit, &log)
		opts.WrapTarget = ft.Wrap
		_, err := plantest.RunWithin(t, p, opts)
		<-thawed
		t.Logf("the run: %v\n%s", err, log.String())
		if ft.Commits() < 5 {
			t.Fatalf("%d lock checks: the test froze none", ft.Commits())
		}
		finish(t, err, src, viaProxy, work)
	})
}

// thawWhenStopped thaws p once the run in work has given up (its stop
// report is written): what the frozen connections held reaches the
// server then, and the run's lock is released without waiting out the
// connector's cleanup bound (30 s) on a frozen session.
func thawWhenStopped(t *testing.T, p *faultnet.FreezingProxy, work string) <-chan struct{} {
	t.Helper()
	thawed := make(chan struct{})
	go func() {
		defer close(thawed)
		for end := time.Now().Add(plantest.RunDeadline); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			// The report.json of a run under way says "running" (it is
			// written before the target changes); the stop report does not.
			if b, err := os.ReadFile(filepath.Join(work, "report.json")); err == nil && !strings.Contains(string(b), `"status": "running"`) {
				break
			}
		}
		p.Thaw()
	}()
	return thawed
}

// A PostgreSQL source that stops answering mid-table (into MariaDB):
// with a stall limit the run stops resumably and a plain run completes;
// without one it warns and goes on when the source answers again.
func TestRunSurvivesAStalledPostgreSQLSource(t *testing.T) {
	src := pgtest.NewDatabase(t)
	dir, p, same := stallDemo(t, src, 100, mytest.NewDatabase(t))
	finish := resumeAfterStall(p, same)
	t.Run("stall limit: stops resumably", func(t *testing.T) {
		proxy, viaProxy := faultnet.ProxyURL(t, src)
		tgt, work := mytest.NewDatabase(t), filepath.Join(dir, "limit")
		k := &plantest.KillAt{N: 5, Kill: proxy.Freeze}
		// pgx ends a cancelled connection with a cancel request on a
		// new one, which waits for the frozen proxy up to 15 s.
		thawed := thawWhenStopped(t, proxy, work)
		opts := stallOpts(viaProxy, tgt, work, stallLimit, nil)
		opts.Progress = k
		_, err := plantest.RunWithin(t, p, opts)
		wantSourceStall(t, err)
		<-thawed
		finish(t, err, viaProxy, tgt, work)
	})
	t.Run("no limit: warns, goes on when it answers", func(t *testing.T) {
		waitsOutSourceStall(t, p, src, mytest.NewDatabase(t), filepath.Join(dir, "wait"), "still waiting for the source: table", same)
	})
}
