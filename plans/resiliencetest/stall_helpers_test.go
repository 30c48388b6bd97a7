package resiliencetest_test

import (
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/faultnet"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// stallOpts is a stall test's run from src into tgt with work as its work
// directory: fast retries, the short stall warning, limit as the stall
// limit (0 for none) and, with log, the run's log written there (a nil
// log leaves the run's own logger).
func stallOpts(src, tgt, work string, limit time.Duration, log *plantest.SyncLog) plans.Options {
	opts := plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Retry: stallRetry,
		StallTimeout: limit, StallWarning: stallWarning}
	if log != nil {
		opts.Logger = slog.New(slog.NewTextHandler(log, nil))
	}
	return opts
}

// runPasses runs p with opts, waits for thawed (when not nil: the
// goroutine that thaws the frozen peer, so that none outlives the test)
// and fails t unless the run ended without error and its report passes.
func runPasses(t *testing.T, p *plans.Plan, opts plans.Options, thawed <-chan struct{}) {
	t.Helper()
	rep, err := plantest.RunWithin(t, p, opts)
	if thawed != nil {
		<-thawed
	}
	plantest.MustPass(t, rep, err)
}

// logSays reports what is missing (a warning, a step) unless the run's
// log holds want.
func logSays(t *testing.T, log *plantest.SyncLog, want, missing string) {
	t.Helper()
	if !strings.Contains(log.String(), want) {
		t.Errorf("%s:\n%s", missing, log.String())
	}
}

// wantSourceStall fails t unless err is a stall of the source.
func wantSourceStall(t *testing.T, err error) {
	t.Helper()
	var se *wrap.StalledError
	if !errors.As(err, &se) || se.Side != "source" {
		t.Fatalf("got %v, want a stall of the source", err)
	}
}

// stallDemo writes the demo's 2000 records into src and runs them, in
// batches of batch, into clean: it gives a folder for the test's work
// directories, the plan and the check that a run ended as that clean one
// (asCleanRun).
func stallDemo(t *testing.T, src string, batch int, clean string) (dir string, p *plans.Plan, same func(t *testing.T, tgt, work string)) {
	t.Helper()
	plantest.WriteDemo(t, src, 2000, 7)
	dir = t.TempDir()
	p = plantest.LoadPlan(t, demoPlan)
	p.BatchSize = batch
	return dir, p, asCleanRun(t, p, src, clean, filepath.Join(dir, "clean"))
}

// proxiedTarget is a new target database (by newTarget) and a proxy in
// front of it that the test can freeze: viaProxy is the URL the run gets.
func proxiedTarget(t *testing.T, newTarget func(testing.TB) string) (tgt string, proxy *faultnet.FreezingProxy, viaProxy string) {
	t.Helper()
	tgt = newTarget(t)
	proxy, viaProxy = faultnet.ProxyURL(t, tgt)
	return tgt, proxy, viaProxy
}

// waitsOutSourceStall runs p with no stall limit from src, through a
// proxy that freezes at the fifth batch, into tgt with work as its work
// directory; the proxy thaws once the run's log says thawAt. The run must
// pass and end as a clean run's (same). It gives the run's log.
func waitsOutSourceStall(t *testing.T, p *plans.Plan, src, tgt, work, thawAt string, same func(t *testing.T, tgt, work string)) *plantest.SyncLog {
	t.Helper()
	proxy, viaProxy := faultnet.ProxyURL(t, src)
	log := new(plantest.SyncLog)
	opts := stallOpts(viaProxy, tgt, work, 0, log)
	opts.Progress = &plantest.KillAt{N: 5, Kill: proxy.Freeze}
	runPasses(t, p, opts, thawOnWarning(t, log, proxy, thawAt))
	same(t, tgt, work)
	return log
}
