package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// Archived records keep their source shape, identity numbers included: a
// plan that handles identities must seal its archive or say why it may
// stay in clear, else the run refuses before writing anything.
func TestRunRefusesAnArchiveOfIdentitiesInClear(t *testing.T) {
	dir := t.TempDir()
	srcURL := writeOptOutRegistry(t, dir)
	plan := write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: test, name: Test register}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [m.yaml]
archive: {dir: archive}
run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
unmapped_tables: {anteckning: "notes on the platform itself, no patient data"}
`)
	work := t.TempDir()
	tgtURL := "sqlite://" + filepath.Join(work, "t.db")
	_, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: work})
	if err == nil || !strings.Contains(err.Error(), "identity numbers in clear") || !strings.Contains(err.Error(), "archive.unencrypted_reason") {
		t.Fatalf("got %v, want a refusal naming archive.unencrypted_reason", err)
	}
	if _, err := os.Stat(filepath.Join(work, "archive")); !os.IsNotExist(err) {
		t.Fatalf("the refused run made an archive package (stat: %v)", err)
	}
	if got := targetColumn(t, tgtURL, "visit", 0); len(got) != 0 {
		t.Fatalf("the refused run wrote visits %v", got)
	}
}
