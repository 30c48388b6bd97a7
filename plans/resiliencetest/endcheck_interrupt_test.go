package resiliencetest_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/faultnet"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/verify"
)

// secondInterruptBound is how long a run may take to return after its
// second Ctrl-C (its context cancelled): enough to write its report on a
// loaded machine, far less than a connector's cleanup bound (30 s), which
// each snapshot's end and the run lock's release waited out on a peer
// that stopped answering.
const secondInterruptBound = 8 * time.Second

// At the end of a run, after its move (every record moved and
// committed), a first Ctrl-C lets the run finish and a second stops it
// at once (issue 15). With the target or the source stopping answering
// there (MariaDB to PostgreSQL, no stall limit: the end check waits, as
// it should, warning), the second Ctrl-C stopped the waiting read, and
// then the run waited on the same frozen peer for each snapshot it ended
// and for the run lock's release, up to half a minute each, with nothing
// on screen. Now it returns within secondInterruptBound, resumably, with
// its report.json saying it was interrupted after the move; a plain run
// then does the end check again and PASSes as a clean run does.
func TestSecondInterruptStopsTheEndOfARunAtOnce(t *testing.T) {
	src := mytest.NewDatabase(t)
	dir, p, same := stallDemo(t, src, 500, pgtest.NewDatabase(t))
	for _, side := range []string{"target", "source"} {
		t.Run(side, func(t *testing.T) {
			tgt, tproxy, viaTarget := proxiedTarget(t, pgtest.NewDatabase)
			sproxy, viaSource := faultnet.ProxyURL(t, src)
			proxy, waitFor := tproxy, "the end check: still waiting for the target"
			if side == "source" {
				proxy, waitFor = sproxy, "the end check: still waiting for the source"
			}
			work := filepath.Join(dir, side)
			var log plantest.SyncLog
			opts := stallOpts(viaSource, viaTarget, work, 0, nil)
			opts.Logger = freezingLog(&log, checkOpened, proxy.FreezeOpen)
			stop := make(chan struct{})
			moved := make(chan struct{})
			opts.Stop, opts.Moved = stop, func() { close(moved) }
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			type result struct {
				rep *verify.Report
				err error
			}
			done := make(chan result, 1)
			go func() {
				rep, err := plans.Run(ctx, p, opts)
				done <- result{rep, err}
			}()
			defer proxy.Thaw()
			var res result
			var waited time.Duration
			for end := time.Now().Add(plantest.RunDeadline); ; time.Sleep(20 * time.Millisecond) {
				if time.Now().After(end) {
					cancel()
					t.Fatalf("the run never waited on the frozen %s at its end:\n%s", side, log.String())
				}
				select {
				case res = <-done:
					t.Fatalf("the run ended (%v) before it waited on the frozen %s at its end: the test looks at nothing\n%s", res.err, side, log.String())
				default:
				}
				if strings.Contains(log.String(), waitFor) {
					break
				}
			}
			select {
			case <-moved:
			default:
				t.Fatal("the run waits at its end without having said its move is done")
			}
			// The first Ctrl-C (the move is done: the run goes on), then
			// the second.
			close(stop)
			cancel()
			cancelled := time.Now()
			select {
			case res = <-done:
				waited = time.Since(cancelled)
			case <-time.After(secondInterruptBound):
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				proxy.Thaw()
				res = <-done
				t.Fatalf("the run went on %v after its second Ctrl-C (%v once thawed); every goroutine then:\n%s", secondInterruptBound, res.err, goroutinesIn(buf, "regflytt/plans."))
			}
			t.Logf("the run returned %v after its second Ctrl-C: %v", waited.Round(time.Millisecond), res.err)
			var stopped *plans.StoppedError
			if !errors.As(res.err, &stopped) || !stopped.Moved || stopped.NotResumable != "" {
				t.Fatalf("got %v, want a resumable stop after the move", res.err)
			}
			if !strings.Contains(res.err.Error(), "regflytt run "+p.File) {
				t.Errorf("the stop does not say how to resume: %v", res.err)
			}
			status, resume, _, pass := plantest.StopReport(t, work)
			if status != "interrupted" || pass || resume != "regflytt run "+p.File {
				t.Errorf("report.json of the interrupted run says status %q, pass %v, resume %q", status, pass, resume)
			}
			proxy.Thaw()
			runPasses(t, p, plans.Options{SourceURL: viaSource, TargetURL: viaTarget, Retry: stallRetry}, nil)
			same(t, tgt, work)
		})
	}
}

// goroutinesIn keeps the goroutines of a stack dump whose frames name
// pkg: where the run waits, without the test binary's own.
func goroutinesIn(dump []byte, pkg string) string {
	var b strings.Builder
	for _, g := range strings.Split(string(dump), "\n\n") {
		if strings.Contains(g, pkg) && !strings.Contains(g, "testing.tRunner") {
			fmt.Fprintln(&b, g)
			fmt.Fprintln(&b)
		}
	}
	return b.String()
}
