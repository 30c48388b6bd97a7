package resiliencetest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/verify"
)

// hangingClose is a connection whose Close waits until release is
// closed: a pool that waits for a connection a frozen peer holds, a
// QUIT that is never answered.
type hangingClose struct {
	once    sync.Once
	closing chan struct{}
	release chan struct{}
}

func newHangingClose(t *testing.T) *hangingClose {
	h := &hangingClose{closing: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() { close(h.release) })
	return h
}

func (h *hangingClose) hang() {
	h.once.Do(func() { close(h.closing) })
	<-h.release
}

// hangingTarget is the run's target (its lock, its checked writes and
// asynchronous commits forwarded by plantest.FreezingCommits, which freezes
// nothing here) whose Close hangs.
type hangingTarget struct {
	*plantest.FreezingCommits
	h *hangingClose
}

func (t *hangingTarget) Close() error { t.h.hang(); return t.FreezingCommits.Close() }

type hangingSource struct {
	connectors.Source
	h *hangingClose
}

func (s *hangingSource) Close() error { s.h.hang(); return s.Source.Close() }

// runReturns runs p and fails t unless the run returns within d (it
// may not: the goroutine is left to the release of what it waits on).
func runReturns(t *testing.T, p *plans.Plan, opts plans.Options, d time.Duration) (*verify.Report, error) {
	t.Helper()
	type result struct {
		rep *verify.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := plans.Run(context.Background(), p, opts)
		done <- result{rep, err}
	}()
	select {
	case res := <-done:
		return res.rep, res.err
	case <-time.After(d):
		t.Fatalf("the run has not returned after %v: it waits for ever", d)
		return nil, nil
	}
}

// A target or a source whose Close hangs after the run (a pool waiting
// for a connection a frozen server holds) is watched as any operation
// on it: the run warns that it waits, and at the stall limit gives up on
// the close and returns; its report is the run's. The runner waited for
// ever, with nothing on screen.
func TestRunGivesUpOnAHangingClose(t *testing.T) {
	for _, side := range []string{"target", "source"} {
		t.Run(side, func(t *testing.T) {
			dir := t.TempDir()
			src, _ := plantest.DemoSQLite(t, dir, 100)
			p := plantest.LoadPlan(t, demoPlan)
			h := newHangingClose(t)
			var log plantest.SyncLog
			work := filepath.Join(dir, "w")
			opts := stallOpts(src, "sqlite://"+filepath.Join(dir, "t.db"), work, stallLimit, &log)
			if side == "target" {
				opts.WrapTarget = func(tg connectors.Target) connectors.Target {
					return &hangingTarget{FreezingCommits: &plantest.FreezingCommits{Target: tg}, h: h}
				}
			} else {
				opts.WrapSource = func(s connectors.Source) connectors.Source { return &hangingSource{Source: s, h: h} }
			}
			rep, err := runReturns(t, p, opts, 15*stallLimit)
			select {
			case <-h.closing:
			default:
				t.Fatal("the run never closed the connection: the test proves nothing")
			}
			plantest.MustPass(t, rep, err)
			logSays(t, &log, "still waiting for the "+side+" to close its connections", "no stall warning for the close")
			logSays(t, &log, "gave up closing", "no word of the close given up")
			b, rerr := os.ReadFile(filepath.Join(work, "report.json"))
			if rerr != nil {
				t.Fatal(rerr)
			}
			if !strings.Contains(string(b), `"pass": true`) {
				t.Errorf("report.json does not say PASS:\n%s", b)
			}
		})
	}
}
