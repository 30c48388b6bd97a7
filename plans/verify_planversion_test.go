package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/plans"
)

// An auditor verifying with a plan other than the one the run ran (a
// mapping, a code list, an acknowledgement or an erasure list changed
// since) is told so: the content decides PASS or FAIL, as the plan now
// gives it, but a PASS of another version said nothing of the change.
// The archive package records the fingerprint of the plan that wrote it.
func TestVerifyNotesAnotherPlanVersionThanTheRuns(t *testing.T) {
	dir := t.TempDir()
	srcURL, _ := makeDemoSQLite(t, dir, 40)
	planPath := filepath.Join(copyDemoPlan(t, filepath.Join(dir, "plan"), 5000), "plan.yaml")
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: filepath.Join(dir, "work")}
	if _, err := plans.Run(context.Background(), loadPlan(t, planPath), opts); err != nil {
		t.Fatalf("run: %v", err)
	}
	const words = "another version of the plan"
	sum, err := plans.Verify(context.Background(), loadPlan(t, planPath), opts)
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("the run's own plan does not verify: %v", err)
	}
	if strings.Contains(strings.Join(sum.Notes, "\n"), words) {
		t.Errorf("the run's own plan is noted as another version: %v", sum.Notes)
	}

	// The registry holder's approval and a milestone recorded done after
	// the run change nothing the run did: the plan's hash leaves them
	// out. Its fingerprint did not, and verify said the plan, its schema
	// or a mapping changed since the run.
	p := loadPlan(t, planPath)
	in, ds := p.LoadInputs()
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	if _, err := p.Approve(in, "Anna Andersson", "registerhållare", time.Now()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	write(t, planPath, strings.Replace(string(b), "\nstep: B\n", "\nstep: B\nprogress:\n  cut_over: "+plans.Today().Format(time.DateOnly)+"\n", 1))
	sum, err = plans.Verify(context.Background(), loadPlan(t, planPath), opts)
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("the run's own plan, approved since, does not verify: %v", err)
	}
	if strings.Contains(strings.Join(sum.Notes, "\n"), words) {
		t.Errorf("the run's own plan, approved and its cut-over recorded since, is noted as another version: %v", sum.Notes)
	}

	b, err = os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "\ndescription: ", "\ndescription: edited after the run; ", 1)
	if edited == string(b) {
		t.Fatal("the plan has no description to edit")
	}
	if err := os.WriteFile(planPath, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err = plans.Verify(context.Background(), loadPlan(t, planPath), opts)
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("an edit that changes no outcome fails verification: %v", err)
	}
	if !strings.Contains(strings.Join(sum.Notes, "\n"), words) {
		t.Errorf("verification with another version of the plan than the run's says nothing of it: %v", sum.Notes)
	}
}
