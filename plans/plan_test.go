package plans_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

func TestCheckDemoPlan(t *testing.T) {
	_, ds := plans.Check(demoPlan)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestCheckReportsEveryProblemWithPosition(t *testing.T) {
	dir := t.TempDir()
	plan := `plan: 1
register: {id: x, name: X}
system: {current: a, chosen: b}
cpua: {current: Region A}
rco: {current: A, future: B, futur: C}
source: {url: "postgres://u:hemligt@h/db"}
target: {schema: missing.yaml}
mappings: [m.yaml]
archive: {dir: out}
`
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), []byte("tables:\n  - target: t\n    source: s\n    columns: {a: b}\n    filter: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(path, []byte(plan), 0o600); err != nil {
		t.Fatal(err)
	}
	_, ds := plans.Check(path)
	err := ds.Err()
	if err == nil {
		t.Fatal("no error")
	}
	text := err.Error()
	for _, want := range []string{
		"plan.yaml:4:7: error Y003: missing field \"future\"",
		"plan.yaml:5:30: error Y002: unknown field \"futur\" (did you mean \"future\"?)",
		"plan.yaml:6:15: error P004",
		"missing.yaml: error Y001",
		"m.yaml:5:5: error Y002: unknown field \"filter\"",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "hemligt") {
		t.Errorf("a password reached the diagnostics:\n%s", text)
	}
}

func TestPlanDuplicateKeyNamesBothPlaces(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "schema.yaml"), "platform: x\ntables: []\n")
	write(t, filepath.Join(dir, "m.yaml"), "tables: []\n")
	path := writePlan(t, dir, "run: {batch_size: 10}\nrun: {batch_size: 20}\n")
	_, ds := plans.Check(path)
	want := path + ":10:1: error Y004: key run is given twice in this mapping (first at " + path + ":9:1)"
	if !strings.Contains(ds.Error(), want) {
		t.Fatalf("diagnostics lack %q:\n%s", want, ds.Error())
	}
}
