package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
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

// stopReportOf reads the report.json a stopped run left in work.
func stopReportOf(t *testing.T, work string) (status, resume, errText string, pass bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(work, "report.json"))
	if err != nil {
		t.Fatalf("no report.json in the work directory after the run stopped: %v", err)
	}
	var rep struct {
		Status string `json:"status"`
		Resume string `json:"resume"`
		Error  string `json:"error"`
		Pass   bool   `json:"pass"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return rep.Status, rep.Resume, rep.Error, rep.Pass
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
			if _, err := runWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}); err != nil {
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
			status, resume, errText, pass := stopReportOf(t, work)
			if status != c.status || pass || errText == "" {
				t.Errorf("report.json of the stopped restart (%v) says status %q, pass %v, error %q: want %s, with the error", err, status, pass, errText, c.status)
			}
			if resume != "regflytt run "+p.File {
				t.Errorf("report.json of the stopped restart says resume %q: a plain run goes on with the restart", resume)
			}
			if !strings.Contains(err.Error(), "regflytt run "+p.File) {
				t.Errorf("the stopped restart does not say how to go on: %v", err)
			}
			rep, err := runWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt})
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
	if _, err := runWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}); err != nil {
		t.Fatal(err)
	}
	s := &stopAfter{n: 1, stop: make(chan struct{})}
	_, err := runWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt, Restart: true, Stop: s.stop, Progress: s})
	var se *plans.StoppedError
	if !errors.Is(err, plans.ErrInterrupted) || !errors.As(err, &se) || se.Restarting {
		t.Fatalf("got %v, want a restart interrupted after its first batch", err)
	}
	status, resume, _, pass := stopReportOf(t, work)
	if status != "interrupted" || pass || resume != "regflytt run "+p.File {
		t.Errorf("report.json of the interrupted restart says status %q, pass %v, resume %q", status, pass, resume)
	}
	rep, err := runWithin(t, p, plans.Options{SourceURL: src, TargetURL: tgt})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
}
