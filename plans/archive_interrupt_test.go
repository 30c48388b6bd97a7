package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// A second Ctrl-C (the run's context cancelled) while the run assembles
// or seals its archive package stops it there, as it stops it anywhere
// else: the assembly and the encryption ran on to their ends, minutes
// for a large package, the signal caught and waited out. Stopped, the
// run leaves no package that reads as complete (no bag in clear, no
// sealed package or checksum), says in report.json that it was
// interrupted and how to resume, and its resume finishes and seals.
func TestSecondInterruptStopsTheArchivesAssemblyAndSeal(t *testing.T) {
	for _, at := range []string{"assembly", "seal"} {
		t.Run(at, func(t *testing.T) {
			dir, plan, src, id := sealedPlanFixture(t)
			work := filepath.Join(dir, "work")
			tgt := "sqlite://" + filepath.Join(dir, "r.db")
			clear := filepath.Join(work, "archive")
			sealed := clear + plans.SealedSuffix
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			switch at {
			case "assembly":
				plans.SetBeforeAssembly(t, cancel)
			case "seal":
				plans.SetBeforeSeal(t, cancel)
			}
			_, err := plans.Run(ctx, plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work})
			var se *plans.StoppedError
			if !errors.As(err, &se) || !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want the run stopped by its context", err)
			}
			for _, p := range archive.SealFiles(sealed) {
				if _, err := os.Stat(p); err == nil {
					t.Errorf("the interrupted run left %s", filepath.Base(p))
				}
			}
			if at == "assembly" {
				if _, err := archive.OpenVerified(clear); err == nil {
					t.Error("the run assembled its package after it was interrupted")
				}
			}
			b, err := os.ReadFile(filepath.Join(work, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			var stop struct {
				Status string `json:"status"`
				Resume string `json:"resume"`
				Pass   bool   `json:"pass"`
			}
			if err := json.Unmarshal(b, &stop); err != nil {
				t.Fatal(err)
			}
			if stop.Status != "interrupted" || stop.Resume == "" || stop.Pass {
				t.Errorf("report.json says status %q, resume %q, pass %v; want an interrupted run to resume", stop.Status, stop.Resume, stop.Pass)
			}
			plans.SetBeforeAssembly(t, nil)
			plans.SetBeforeSeal(t, nil)
			rep, err := plantest.RunWithin(t, plan, plans.Options{SourceURL: src, TargetURL: tgt})
			plantest.MustPass(t, rep, err)
			if _, err := archive.Decrypt(context.Background(), sealed, filepath.Join(dir, "opened"), id); err != nil {
				t.Fatalf("the resumed run's sealed package: %v", err)
			}
		})
	}
}
