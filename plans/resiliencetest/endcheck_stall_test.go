package resiliencetest_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/faultnet"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// checkOpened is the step a verification (a run's end check, regflytt
// verify) logs once it has opened the source and the target and read
// their catalogues and positions: its next read of the target is the
// content check's (the checksum, or the rows read back).
const checkOpened = "verify: source and target opened"

// freezeAtLog is a log handler that calls freeze, once, as the message
// at is logged: in the logging goroutine, so before the step after it.
type freezeAtLog struct {
	slog.Handler
	at     string
	once   *sync.Once
	freeze func()
}

func freezingLog(log *plantest.SyncLog, at string, freeze func()) *slog.Logger {
	return slog.New(freezeAtLog{Handler: slog.NewTextHandler(log, nil), at: at, once: new(sync.Once), freeze: freeze})
}

func (f freezeAtLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == f.at {
		f.once.Do(f.freeze)
	}
	return f.Handler.Handle(ctx, r)
}

func (f freezeAtLog) WithAttrs(as []slog.Attr) slog.Handler {
	f.Handler = f.Handler.WithAttrs(as)
	return f
}

func (f freezeAtLog) WithGroup(name string) slog.Handler {
	f.Handler = f.Handler.WithGroup(name)
	return f
}

// A target that stops answering during the run's end check, after every
// record is moved and committed (the connections open then freeze, as a
// firewall that forgot its flows: the end check's snapshot among them):
// with a stall limit the check is cancelled and the run stops, saying it
// stalled, that the move is done and that a plain run does the check
// again, which then PASSes with the target as a clean run left it;
// without one the run warns, naming the end check, the target and the
// table, and finishes when the target answers again. Into PostgreSQL
// (whose check is its native row sum, one query per table) and MariaDB
// (a checksum in the server). The old runner opened the check's target
// unwatched and waited for ever: the run's context ended at plantest.RunDeadline.
func TestEndCheckSurvivesAStalledTarget(t *testing.T) {
	for _, c := range []struct {
		name      string
		src, tgt  func(testing.TB) string
		checkWarn string
		// stopSays names the check's query in the stop: PostgreSQL's
		// end check is its native row sum, MariaDB's a checksum.
		stopSays string
	}{
		{"PostgreSQL target", mytest.NewDatabase, pgtest.NewDatabase, "the end check: still waiting for the target to native row sum of", "native row sum of"},
		{"MariaDB target", pgtest.NewDatabase, mytest.NewDatabase, "the end check: still waiting for the target: checksum of table", "checksum of"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src, clean := c.src(t), c.tgt(t)
			dir, p, same := stallDemo(t, src, 500, clean)
			t.Run("stall limit: stops after the move, a plain run checks again", func(t *testing.T) {
				tgt, proxy, viaProxy := proxiedTarget(t, c.tgt)
				work := filepath.Join(dir, "limit")
				var log plantest.SyncLog
				// Thawed once the check was cancelled: what the run does after
				// (its stop) waits on no frozen connection, and a PostgreSQL
				// pool's close no 15 s on each.
				thawed := thawOnWarning(t, &log, proxy, "the end check: stalled: no progress from the target")
				started := time.Now()
				opts := stallOpts(src, viaProxy, work, stallLimit, nil)
				opts.Logger = freezingLog(&log, checkOpened, proxy.FreezeOpen)
				_, err := plantest.RunWithin(t, p, opts)
				<-thawed
				t.Logf("the run stopped after %v: %v", time.Since(started).Round(time.Millisecond), err)
				var stopped *plans.StoppedError
				if !errors.As(err, &stopped) || !stopped.Moved {
					t.Fatalf("got %v, want a stop after the move", err)
				}
				for _, want := range []string{"stalled", c.stopSays, "every record moved", "end check again", "regflytt run " + p.File} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("the stop does not say %q:\n%v", want, err)
					}
				}
				logSays(t, &log, c.checkWarn, "no warning naming the end check before the limit")
				runPasses(t, p, plans.Options{SourceURL: src, TargetURL: viaProxy, Retry: stallRetry}, nil)
				same(t, tgt, work)
			})
			t.Run("no limit: warns, finishes when the target answers", func(t *testing.T) {
				tgt, proxy, viaProxy := proxiedTarget(t, c.tgt)
				work := filepath.Join(dir, "wait")
				var log plantest.SyncLog
				opts := stallOpts(src, viaProxy, work, 0, nil)
				opts.Logger = freezingLog(&log, checkOpened, proxy.FreezeOpen)
				runPasses(t, p, opts, thawOnWarning(t, &log, proxy, c.checkWarn))
				same(t, tgt, work)
			})
			t.Run("verify, stall limit: stops saying the target stalled", func(t *testing.T) {
				// The clean run's target and work directory, verified through
				// a proxy that freezes as verify has opened them.
				proxy, viaProxy := faultnet.ProxyURL(t, clean)
				var log plantest.SyncLog
				thawed := thawOnWarning(t, &log, proxy, "verify: stalled: no progress from the target")
				ctx, cancel := context.WithTimeout(context.Background(), plantest.RunDeadline)
				defer cancel()
				_, err := plans.VerifyWith(ctx, p, plans.Options{SourceURL: src, TargetURL: viaProxy, WorkDir: filepath.Join(dir, "clean"),
					StallTimeout: stallLimit, StallWarning: stallWarning, Logger: freezingLog(&log, checkOpened, proxy.FreezeOpen)}, plans.VerifyOptions{})
				<-thawed
				if err == nil || !strings.Contains(err.Error(), "stalled: the target made no progress") || errors.Is(err, plans.ErrNotAccounted) {
					t.Fatalf("got %v, want an error that says the target stalled", err)
				}
				logSays(t, &log, "verify: still waiting for the target", "no warning naming verify")
			})
		})
	}
}
