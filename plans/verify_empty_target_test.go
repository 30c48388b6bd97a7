package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// regflytt verify of a target no run wrote into (a run refused before it
// wrote anything, or --target naming another database) stopped with
// "verify: reporting units and access: access: receiving care units: no
// table care_unit", which names neither side nor what to do. The error
// says the table is missing from the target and asks whether the plan
// ran into it.
func TestVerifyOfATargetNoRunWroteSaysSo(t *testing.T) {
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeDemo(t, src, 30)
	path := writeDemoPlan(t, nil)
	if err := os.WriteFile(filepath.Join(dir, "empty.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := plans.Verify(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "empty.db"), WorkDir: filepath.Join(dir, "work")})
	if err == nil {
		t.Fatal("verify of an empty target did not stop")
	}
	if msg := err.Error(); !strings.Contains(msg, "in the target") || !strings.Contains(msg, "run") {
		t.Fatalf("the error does not say the target lacks the table and ask for a run: %s", msg)
	}
}
