package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// peekingSource calls peek whenever the run opens a read of table.
type peekingSource struct {
	connectors.Source
	table string
	peek  func()
}

func (p *peekingSource) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	s, err := p.Source.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &peekingSnapshot{Snapshot: s, p: p}, nil
}

type peekingSnapshot struct {
	connectors.Snapshot
	p *peekingSource
}

func (s *peekingSnapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	if t.Name == s.p.table {
		s.p.peek()
	}
	return s.Snapshot.Scan(ctx, t, opts)
}

// A --restart run empties the receiving tables and moves the archive
// package aside before it moves anything. Killed (kill -9, a power cut)
// during its move it writes no report of its own, and the earlier run's
// report.json stayed in the work directory, PASS, beside its
// verify-report.json: plan render --reports showed "Verification: PASS:
// every source record is accounted for" and portfolio status "verified"
// for a target the restart had emptied. While the run is under way, the
// work directory holds no report saying the earlier run's PASS: the
// earlier report is moved aside when the restart empties the target, and
// the run's report.json says it is running until the run writes its own.
func TestRunUnderWayLeavesNoEarlierPassingReport(t *testing.T) {
	for _, again := range []string{"first", "again"} {
		t.Run("work directory "+again, func(t *testing.T) {
			plan, src, tgt, dir, _ := unitReportsFixture(t)
			var mu sync.Mutex
			var peeks int
			var stale []string
			peek := func() {
				mu.Lock()
				defer mu.Unlock()
				peeks++
				for _, d := range []string{"first", again} {
					b, err := os.ReadFile(filepath.Join(dir, d, "report.json"))
					if errors.Is(err, fs.ErrNotExist) {
						continue
					}
					if err != nil {
						t.Error(err)
						continue
					}
					var rep struct {
						Status string `json:"status"`
						Pass   bool   `json:"pass"`
					}
					if err := json.Unmarshal(b, &rep); err != nil {
						t.Errorf("%s/report.json during the run: %v", d, err)
						continue
					}
					if rep.Status == "" && rep.Pass {
						stale = append(stale, d)
					}
				}
			}
			wrap := func(s connectors.Source) connectors.Source {
				return &peekingSource{Source: s, table: "besok", peek: peek}
			}
			rep, err := plans.Run(context.Background(), plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, again), Restart: true, WrapSource: wrap})
			if err != nil || !rep.Pass {
				t.Fatalf("the restarted run: %v", err)
			}
			if peeks == 0 {
				t.Fatal("the run read besok nowhere: the test looks at nothing")
			}
			if len(stale) > 0 {
				t.Errorf("while the restarted run moved, report.json in %v said an earlier run PASSed: a run killed then leaves it, and plan render and portfolio status show PASS for a target the restart emptied", stale)
			}
			// The run's own report is there once it finishes.
			b, err := os.ReadFile(filepath.Join(dir, again, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			var done struct {
				Status string `json:"status"`
				Pass   bool   `json:"pass"`
			}
			if err := json.Unmarshal(b, &done); err != nil || done.Status != "" || !done.Pass {
				t.Errorf("the finished run's report.json: status %q pass %v (%v)", done.Status, done.Pass, err)
			}
			// The verify-report.json beside it is the run's end check,
			// written before report.json, and says so: killed between the
			// two, the run left it beside its "running" report.
			b, err = os.ReadFile(filepath.Join(dir, again, "verify-report.json"))
			if err != nil {
				t.Fatal(err)
			}
			var end struct {
				EndCheck bool `json:"end_check"`
			}
			if err := json.Unmarshal(b, &end); err != nil || !end.EndCheck {
				t.Errorf("the run's end check wrote a verify-report.json that does not say it is the end check (%v)", err)
			}
		})
	}
}
