package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo prints the per-unit reconciliation and the access proof;
// run --unit-reports writes one report per unit.
func TestDemoShowsUnitsAndRunWritesUnitReports(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	code, out, errs := cli(t, "demo", "--work", work, "--patients", "60")
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"reporting units: ", "\n  1 ", "access on ", "widened 0, expired carried 0, without basis 0, ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo summary lacks %q:\n%s", want, out)
		}
	}
	units := filepath.Join(t.TempDir(), "units")
	code, out, errs = cli(t, "run", filepath.Join(work, "plan.yaml"), "--source", "sqlite://"+filepath.Join(work, "legacy.db"),
		"--target", "sqlite://"+filepath.Join(t.TempDir(), "r.db"), "--work", filepath.Join(t.TempDir(), "w"), "--unit-reports", units, "--quiet")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	b, err := os.ReadFile(filepath.Join(units, "unit-1.md"))
	if err != nil || !strings.Contains(string(b), "care unit 1\n") {
		t.Fatalf("unit-1.md: %v\n%s", err, b)
	}
}
