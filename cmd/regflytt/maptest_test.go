package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyDemo copies the demo's plan, schema and mapping into a directory,
// the mapping passed through edit.
func copyDemo(t *testing.T, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"plan.yaml", "schema.yaml", "mapping.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "plans", "demo", name))
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if name == "mapping.yaml" {
			text = edit(text)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "plan.yaml")
}

// map test exits 0 when the mapping's tests pass, 3 when one fails (the
// failure at its file:line), 2 when a test is malformed.
func TestMapTestExitCodes(t *testing.T) {
	code, out, errs := cli(t, "map", "test", copyDemo(t, func(s string) string { return s }))
	if code != 0 || !strings.Contains(out, "PASS") {
		t.Fatalf("passing tests: exit %d\n%s%s", code, out, errs)
	}
	plan := copyDemo(t, func(s string) string {
		return strings.Replace(s, "migrated: {care_unit_id: 2, name: Umeå", "migrated: {care_unit_id: 3, name: Umeå", 1)
	})
	code, out, errs = cli(t, "map", "test", plan)
	mapping := filepath.Join(filepath.Dir(plan), "mapping.yaml")
	b, err := os.ReadFile(mapping)
	if err != nil {
		t.Fatal(err)
	}
	line := 1 + strings.Count(string(b[:strings.Index(string(b), "migrated: {care_unit_id: 3")]), "\n")
	want := fmt.Sprintf("%s:%d:20: FAIL care units and patients migrate as they are, row 1: column care_unit_id: want \"3\", got \"2\"", mapping, line)
	if code != 3 || !strings.Contains(out, want) {
		t.Fatalf("a failing test: exit %d, want 3 and %q\n%s%s", code, want, out, errs)
	}
	plan = copyDemo(t, func(s string) string {
		return strings.Replace(s, "migrated: {care_unit_id: 2, name: Umeå, region: Norr}", "migrated: {care_unit_id: 2, name: Umeå}", 1)
	})
	if code, out, errs = cli(t, "map", "test", plan); code != 0 {
		t.Fatalf("a gap in coverage: exit %d, want 0\n%s%s", code, out, errs)
	}
	code, out, errs = cli(t, "map", "test", "--require-coverage", plan)
	if code != 3 || !strings.Contains(out, "care_unit.region") {
		t.Fatalf("a gap in coverage with --require-coverage: exit %d, want 3 naming care_unit.region\n%s%s", code, out, errs)
	}
	// The verdict line says what the exit status says: a log that keeps
	// stdout alone read PASS for a run that failed.
	if !strings.HasSuffix(out, ": FAIL\n") {
		t.Errorf("a gap in coverage with --require-coverage: the verdict line is not FAIL\n%s", out)
	}
	plan = copyDemo(t, func(s string) string {
		return strings.Replace(s, "        archived: {reason: not_null, column: name}", "        archived: {reason: not_null, column: name}\n        migrated: {}", 1)
	})
	code, out, errs = cli(t, "map", "test", plan)
	if code != 2 || !strings.Contains(errs, "Y003") {
		t.Fatalf("a malformed test: exit %d, want 2 and Y003\n%s%s", code, out, errs)
	}
}

// A mapping that carries no tests does not pass map test: it printed "0
// tests, 0 rows, 0 passed: PASS" and exited 0, so a check in a script or
// CI read a suite that tests nothing as a suite that passed. It fails
// (exit 3) saying nothing was tested, unless --allow-no-tests accepts it.
func TestMapTestWithoutTestsDoesNotPass(t *testing.T) {
	plan := copyDemo(t, func(s string) string {
		i, j := strings.Index(s, "\ntests:\n"), strings.Index(s, "\ntables:")
		if i < 0 || j < i {
			t.Fatal("the demo mapping's tests: section moved")
		}
		return s[:i] + s[j:]
	})
	code, out, errs := cli(t, "map", "test", plan)
	if code != exitNotAccounted || strings.Contains(out, "PASS") || !strings.Contains(out, "no tests") || !strings.Contains(errs, "--allow-no-tests") {
		t.Fatalf("no tests: exit %d, want %d, no PASS, saying there are no tests and how to accept that\n%s%s", code, exitNotAccounted, out, errs)
	}
	code, out, errs = cli(t, "map", "test", "--json", plan)
	var res struct{ OK bool }
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitNotAccounted || res.OK {
		t.Fatalf("no tests, --json: exit %d, ok %v (%v)\n%s%s", code, res.OK, err, out, errs)
	}
	code, out, errs = cli(t, "map", "test", "--allow-no-tests", plan)
	if code != exitOK || !strings.Contains(out, "no tests") {
		t.Fatalf("no tests, --allow-no-tests: exit %d, want 0 saying there are no tests\n%s%s", code, out, errs)
	}
}

// The synthetic platforms' and the demo's mappings carry tests: they pass
// and exercise every receiving column and rule of the mappings, form
// stores included, as map test --require-coverage asks.
func TestSyntheticMappingsTested(t *testing.T) {
	for _, plan := range []string{"testdata/plans/wide.yaml", "testdata/plans/mainsub.yaml", "testdata/plans/eav.yaml", "plans/demo/plan.yaml"} {
		code, out, errs := cli(t, "map", "test", "--json", "--require-coverage", plan)
		var res struct {
			OK        bool
			Cases     int
			Uncovered []struct{ What string }
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("%s: %v\n%s%s", plan, err, out, errs)
		}
		if code != 0 || !res.OK || res.Cases == 0 {
			t.Errorf("%s: exit %d, ok %v, %d cases\n%s", plan, code, res.OK, res.Cases, errs)
		}
		for _, u := range res.Uncovered {
			t.Errorf("%s: not exercised: %s", plan, u.What)
		}
	}
}

// map check prints each warning once, also when it has errors: the
// warnings were printed, then again inside the error that lists the
// errors.
func TestMapCheckPrintsWarningsOnceBesideErrors(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--quiet", "--work", work, "--patients", "30"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
	plan := copyDemo(t, func(s string) string {
		return strings.Replace(s, "      smoker: rokare", "      smoker: no_such_column", 1)
	})
	schema := filepath.Join(filepath.Dir(plan), "schema.yaml")
	f, err := os.OpenFile(schema, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(f, "\n  - name: unfed\n    primary_key: [id]\n    columns:\n      - {name: id, type: integer}\n")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"map", "check", plan, "--source", "sqlite://" + filepath.Join(work, "legacy.db")},
		{"plan", "check", plan},
	} {
		code, out, errs := cli(t, args...)
		if n := strings.Count(errs, "warning M012"); code != exitUsage || n != 1 || !strings.Contains(errs, ": error ") {
			t.Errorf("%v: exit %d, warning M012 printed %d times, want exit %d, once, and the errors\n%s%s", args[:2], code, n, exitUsage, out, errs)
		}
	}
}
