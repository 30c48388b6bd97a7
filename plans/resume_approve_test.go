package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/plans"
)

// A registry holder approves the plan (regflytt plan approve) while its
// run is stopped, or the RCO records a milestone done under progress:
// neither changes what the run writes, and the plan's hash leaves both
// out. The resume check hashed the plan file whole, so the run could not
// be resumed ("changed since the interrupted run: plan.yaml") and had to
// start over. A change to any other part of the plan still refuses it.
func TestRunResumesAfterThePlanIsApproved(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		edit    func(t *testing.T, p *plans.Plan)
		refused bool
	}{
		{"approved", func(t *testing.T, p *plans.Plan) {
			in, ds := p.LoadInputs()
			if ds.Err() != nil {
				t.Fatal(ds)
			}
			if _, err := p.Approve(in, "Anna Andersson", "registerhållare", time.Now()); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"a milestone recorded", func(t *testing.T, p *plans.Plan) {
			b, _ := os.ReadFile(p.File)
			write(t, p.File, strings.Replace(string(b), "step: B\n", "step: B\nprogress:\n  rehearsal: 2026-01-02\n", 1))
		}, false},
		{"the cost changed", func(t *testing.T, p *plans.Plan) {
			b, _ := os.ReadFile(p.File)
			write(t, p.File, strings.Replace(string(b), "sek: 420000", "sek: 480000", 1))
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src, st := makeDemoSQLite(t, dir, 150)
			root := copyDemoPlan(t, filepath.Join(dir, "plan"), 30)
			planFile := filepath.Join(root, "plan.yaml")
			p := loadPlan(t, planFile)
			tgt := "sqlite://" + filepath.Join(dir, "t.db")
			s := &stopAfter{n: 4, stop: make(chan struct{})}
			if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"), Stop: s.stop, Progress: s}); !errors.Is(err, plans.ErrInterrupted) {
				t.Fatalf("got %v, want an interrupted run", err)
			}
			c.edit(t, p)
			p = loadPlan(t, planFile)
			rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
			var ce *plans.ChangedError
			if c.refused {
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), planFile) {
					t.Fatalf("got %v, want the resume refused naming %s", err, planFile)
				}
				return
			}
			if err != nil {
				t.Fatalf("the resume after the plan was %s: %v", c.name, err)
			}
			checkDemoReport(t, rep, st)
		})
	}
}
