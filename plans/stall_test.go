package plans_test

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/internal/faultnet"
	"github.com/regflytt/regflytt/plans"
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
func thawOnWarning(t *testing.T, log *syncLog, p *faultnet.FreezingProxy, want string) <-chan struct{} {
	t.Helper()
	thawed := make(chan struct{})
	go func() {
		defer close(thawed)
		for end := time.Now().Add(runDeadline); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if strings.Contains(log.String(), want) {
				p.Thaw()
				return
			}
		}
	}()
	return thawed
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
	writeDemo(t, src, 2000)
	dir := t.TempDir()
	p := loadPlan(t, demoPlan)
	p.BatchSize = 100
	clean := pgtest.NewDatabase(t)
	if _, err := runWithin(t, p, plans.Options{SourceURL: src, TargetURL: clean, WorkDir: filepath.Join(dir, "clean")}); err != nil {
		t.Fatal(err)
	}
	want := targetDigest(t, clean, demoTables)
	for k, v := range archiveDigest(t, filepath.Join(dir, "clean", "archive")) {
		want[k] = v
	}
	same := func(t *testing.T, tgt, work string) {
		t.Helper()
		got := targetDigest(t, tgt, demoTables)
		for k, v := range archiveDigest(t, filepath.Join(work, "archive")) {
			got[k] = v
		}
		if got.String() != want.String() {
			t.Errorf("differs from a clean run:\n got %s\nwant %s", got, want)
		}
	}
	fast := wrap.Policy{Base: 20e6, Max: 200e6, Attempts: 3}
	// finish runs the plan again after a stop, as a user would, and
	// checks the end.
	finish := func(t *testing.T, runErr error, srcURL, tgt, work string) {
		t.Helper()
		var stopped *plans.StoppedError
		if runErr != nil {
			if !errors.As(runErr, &stopped) || !strings.Contains(runErr.Error(), "stalled") || !strings.Contains(runErr.Error(), "again to resume") {
				t.Fatalf("got %v, want a resumable stop that says it stalled and how to resume", runErr)
			}
			rep, err := runWithin(t, p, plans.Options{SourceURL: srcURL, TargetURL: tgt, Retry: fast})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Pass {
				t.Fatalf("report FAIL: %v", rep.Problems)
			}
		}
		same(t, tgt, work)
	}

	t.Run("source, stall limit: stops resumably", func(t *testing.T) {
		proxy, viaProxy := faultnet.ProxyURL(t, src)
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "src-limit")
		var log syncLog
		k := &killAt{n: 5, kill: proxy.Freeze}
		_, err := runWithin(t, p, plans.Options{SourceURL: viaProxy, TargetURL: tgt, WorkDir: work, Progress: k, Retry: fast,
			StallTimeout: stallLimit, StallWarning: stallWarning, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		var se *wrap.StalledError
		if !errors.As(err, &se) || se.Side != "source" {
			t.Fatalf("got %v, want a stall of the source", err)
		}
		if !strings.Contains(log.String(), "still waiting for the source: table") {
			t.Errorf("no warning before the limit:\n%s", log.String())
		}
		proxy.Thaw()
		finish(t, err, viaProxy, tgt, work)
	})
	t.Run("source, no limit: warns, goes on when it answers", func(t *testing.T) {
		proxy, viaProxy := faultnet.ProxyURL(t, src)
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "src-wait")
		var log syncLog
		k := &killAt{n: 5, kill: proxy.Freeze}
		thawed := thawOnWarning(t, &log, proxy, "no row for")
		rep, err := runWithin(t, p, plans.Options{SourceURL: viaProxy, TargetURL: tgt, WorkDir: work, Progress: k, Retry: fast,
			StallWarning: stallWarning, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		<-thawed
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Pass {
			t.Fatalf("report FAIL: %v", rep.Problems)
		}
		if !strings.Contains(log.String(), "still waiting for the source: table") {
			t.Errorf("no stall warning:\n%s", log.String())
		}
		same(t, tgt, work)
	})
	t.Run("target, stall limit: retried or stops resumably", func(t *testing.T) {
		tgt := pgtest.NewDatabase(t)
		proxy, viaProxy := faultnet.ProxyURL(t, tgt)
		work := filepath.Join(dir, "tgt-limit")
		var log syncLog
		k := &killAt{n: 5, kill: proxy.Freeze}
		// Once the run has given up (its stop report is written), the
		// proxy thaws: what the frozen connections held reaches the
		// server, a commit the run gave up on may go through late, and
		// the run's own lock is released without waiting out the
		// connector's cleanup bound (30 s) on a frozen session.
		thawed := make(chan struct{})
		go func() {
			defer close(thawed)
			for end := time.Now().Add(runDeadline); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
				if _, err := os.Stat(filepath.Join(work, "report.json")); err == nil {
					break
				}
			}
			proxy.Thaw()
		}()
		_, err := runWithin(t, p, plans.Options{SourceURL: src, TargetURL: viaProxy, WorkDir: work, Progress: k, Retry: fast,
			StallTimeout: stallLimit, StallWarning: stallWarning, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		<-thawed
		if !strings.Contains(log.String(), "still waiting for the target") {
			t.Errorf("no stall warning:\n%s", log.String())
		}
		finish(t, err, src, viaProxy, work)
	})
	t.Run("target, no limit: warns, goes on when it answers", func(t *testing.T) {
		tgt := pgtest.NewDatabase(t)
		proxy, viaProxy := faultnet.ProxyURL(t, tgt)
		work := filepath.Join(dir, "tgt-wait")
		var log syncLog
		k := &killAt{n: 5, kill: proxy.Freeze}
		thawed := thawOnWarning(t, &log, proxy, "still waiting for the target")
		rep, err := runWithin(t, p, plans.Options{SourceURL: src, TargetURL: viaProxy, WorkDir: work, Progress: k, Retry: fast,
			StallWarning: stallWarning, Logger: slog.New(slog.NewTextHandler(&log, nil))})
		<-thawed
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Pass {
			t.Fatalf("report FAIL: %v", rep.Problems)
		}
		same(t, tgt, work)
	})
}

// run: {stall_timeout: D} in the plan: a duration of a second or more,
// or 0/none for no limit; anything else is P072 at its line.
func TestPlanStallTimeout(t *testing.T) {
	dir := t.TempDir()
	for extra, want := range map[string]time.Duration{
		"run: {stall_timeout: 10m}\n":  10 * time.Minute,
		"run: {stall_timeout: 90s}\n":  90 * time.Second,
		"run: {stall_timeout: none}\n": 0,
		"run: {stall_timeout: 0}\n":    0,
		"":                             0,
	} {
		p, ds := plans.Load(writePlan(t, dir, extra))
		if err := ds.Err(); err != nil || p.StallTimeout != want {
			t.Errorf("%q: stall timeout %v, %v; want %v", extra, p.StallTimeout, err, want)
		}
	}
	for _, extra := range []string{"run: {stall_timeout: 10}\n", "run: {stall_timeout: 500ms}\n", "run: {stall_timeout: -1m}\n", "run: {stall_timeout: soon}\n"} {
		_, ds := plans.Load(writePlan(t, dir, extra))
		if err := ds.Err(); err == nil || !strings.Contains(err.Error(), "plan.yaml:9:") || !strings.Contains(err.Error(), "error P072") {
			t.Errorf("%q: %v, want P072 at its line", extra, err)
		}
	}
}
