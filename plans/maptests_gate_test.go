package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// The mappings' tests are the outcomes the registry holder reviewed. A
// run whose mappings fail them would migrate every record otherwise than
// the reviewed examples say (a test or the engine changed), and its end
// check and verify, re-applying the same mappings, would agree: run
// refuses before writing, and verify fails naming the test.
func TestFailingMappingTestsStopRunAndVerify(t *testing.T) {
	const good = "migrated: {visit_id: 1, patient_id: 7, care_unit_id: 2, visit_date: 2021-03-04, weight_kg: \"72.5\""
	const wrong = "migrated: {visit_id: 1, patient_id: 7, care_unit_id: 2, visit_date: 2021-03-05, weight_kg: \"72.5\""
	path := writeDemoPlan(t, nil)
	mapping := filepath.Join(filepath.Dir(path), "mapping.yaml")
	b, err := os.ReadFile(mapping)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), good) {
		t.Fatal("the demo mapping's first visit test is not where this test looks")
	}
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 30)
	ctx := context.Background()

	// A good run first, for verify to prove later.
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: filepath.Join(dir, "work")}
	if rep, err := plans.Run(ctx, loadPlan(t, path), opts); err != nil || !rep.Pass {
		t.Fatalf("run: %v", err)
	}
	if err := os.WriteFile(mapping, []byte(strings.Replace(string(b), good, wrong, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	p := loadPlan(t, path)
	sum, err := plans.Verify(ctx, p, opts)
	if err == nil || sum == nil || sum.Pass || !strings.Contains(strings.Join(sum.Problems, "\n"), "the mappings' own tests fail") {
		t.Errorf("verify with a failing mapping test: %v", err)
	}

	fresh := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "fresh.db"), WorkDir: filepath.Join(dir, "fresh")}
	_, err = plans.Run(ctx, p, fresh)
	if err == nil || !strings.Contains(err.Error(), "the mappings' own tests fail") || !strings.Contains(err.Error(), "mapping.yaml:") {
		t.Fatalf("run with a failing mapping test: %v", err)
	}
	if !strings.Contains(err.Error(), "nothing was written") {
		t.Errorf("the refusal does not say nothing was written: %v", err)
	}
}
