package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/verify"
)

// The demo prints the per-unit reconciliation and the access proof;
// run --unit-reports writes one report per unit.
func TestDemoShowsUnitsAndRunWritesUnitReports(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	code, out, errs := cli(t, "demo", "--work", work, "--patients", "60")
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"reporting units: ", "\n  1 ", "access on ", "widened 0, expired carried 0, without basis 0, login identity changed 0 of "} {
		if !strings.Contains(out, want) {
			t.Errorf("demo summary lacks %q:\n%s", want, out)
		}
	}
	// Every care unit reports at least its own row (unit: id); the
	// records of no unit, listed as "(none)" where there are any (the
	// default demo's visits without a unit), are no unit of their own.
	var careUnits string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 2 && f[0] == "vardenhet" && f[1] == "care_unit" {
			careUnits = f[2]
			break
		}
	}
	if careUnits == "" || !strings.Contains(out, "reporting units: "+careUnits+" ") {
		t.Errorf("demo summary does not count its %s care units as its reporting units:\n%s", careUnits, out)
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

// verify proves the per-unit equations and the access itself, shows them,
// and verify --unit-reports writes one report per unit holding only that
// unit's figures.
func TestVerifyShowsUnitsAndWritesUnitReports(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	code, out, errs := cli(t, "demo", "--work", work, "--patients", "60")
	if code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	// The demo ends with verify: its text has the per-unit table and
	// the access line.
	verifyOut := out[strings.LastIndex(out, "verification of "):]
	for _, want := range []string{"\nunit ", "\n1 ", "access on ", "no account sees more than before"} {
		if !strings.Contains(verifyOut, want) {
			t.Errorf("verify output lacks %q:\n%s", want, verifyOut)
		}
	}
	units := filepath.Join(t.TempDir(), "units")
	code, out, errs = cli(t, "verify", filepath.Join(work, "plan.yaml"), "--source", "sqlite://"+filepath.Join(work, "legacy.db"),
		"--target", "sqlite://"+filepath.Join(work, "receiving.db"), "--work", work, "--unit-reports", units, "--json")
	if code != exitOK {
		t.Fatalf("verify: exit %d\n%s\n%s", code, out, errs)
	}
	var sum verify.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Access == nil || !sum.Access.OK {
		t.Errorf("verify --json: access %+v", sum.Access)
	}
	ids := map[string]bool{}
	for _, u := range sum.Units {
		if !u.OK || u.SourceRows == nil {
			t.Errorf("verify: unit %+v", u)
		}
		if u.Unit != verify.NoUnit {
			ids[u.Unit] = true
		}
	}
	if len(ids) < 2 {
		t.Fatalf("verify: units %v: the test proves nothing", ids)
	}
	for id := range ids {
		b, err := os.ReadFile(filepath.Join(units, "unit-"+id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var ur verify.UnitReport
		if err := json.Unmarshal(b, &ur); err != nil {
			t.Fatal(err)
		}
		if ur.Unit != id || len(ur.Tables) == 0 {
			t.Errorf("unit-%s.json: %+v", id, ur)
		}
		for other := range ids {
			if other != id && strings.Contains(string(b), `"unit": "`+other+`"`) {
				t.Errorf("unit-%s.json names unit %s", id, other)
			}
		}
		for _, c := range ur.Tables {
			if c.Unit != id {
				t.Errorf("unit-%s.json holds unit %s's figures", id, c.Unit)
			}
		}
	}
}

// A run whose unit reports cannot be written stops before it finishes
// (exit 1, report.json says so): its summary must not read PASS above the
// error, as it did, for a log or a person that reads stdout.
func TestRunThatCouldNotWriteUnitReportsDoesNotSayPass(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--work", work, "--patients", "30", "--quiet"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	notAFolder := filepath.Join(t.TempDir(), "units")
	if err := os.WriteFile(notAFolder, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	runWork := filepath.Join(t.TempDir(), "w")
	code, out, errs := cli(t, "run", filepath.Join(work, "plan.yaml"), "--source", "sqlite://"+filepath.Join(work, "legacy.db"),
		"--target", "sqlite://"+filepath.Join(t.TempDir(), "r.db"), "--work", runWork, "--unit-reports", notAFolder)
	if code != exitError || !strings.Contains(errs, notAFolder) {
		t.Fatalf("run: exit %d, want %d naming %s\n%s\n%s", code, exitError, notAFolder, out, errs)
	}
	if strings.Contains(out, "PASS") || !strings.Contains(out, "STOPPED: the run verified but did not finish") {
		t.Errorf("the summary of a run that did not finish says PASS, or not that it stopped:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(runWork, "report.json"))
	if err != nil || strings.Contains(string(b), `"pass": true`) {
		t.Errorf("report.json: %v, passes:\n%s", err, b)
	}
}

// --unit-reports on a plan whose mappings name no reporting unit is
// refused before anything is written: run and verify exited 0 with the
// directory empty, and the care providers' reports were never made.
func TestUnitReportsNeedAUnit(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--work", work, "--patients", "30", "--quiet"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	plan := copyDemo(t, func(s string) string {
		var out []string
		for _, l := range strings.SplitAfter(s, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "unit: ") {
				l = `    unit: {none: "no unit in this test"}` + "\n"
			}
			out = append(out, l)
		}
		return strings.Join(out, "")
	})
	target := filepath.Join(t.TempDir(), "r.db")
	runWork := filepath.Join(t.TempDir(), "w")
	src := []string{"--source", "sqlite://" + filepath.Join(work, "legacy.db"), "--target", "sqlite://" + target, "--work", runWork}
	units := filepath.Join(t.TempDir(), "units")
	code, out, errs := cli(t, append([]string{"run", plan, "--unit-reports", units}, src...)...)
	if code == exitOK || !strings.Contains(errs, "unit:") {
		t.Errorf("run --unit-reports without units: exit %d, want an error naming unit:\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(target); err == nil {
		t.Errorf("the refused run wrote the target")
	}
	if code, out, errs := cli(t, append([]string{"run", plan}, src...)...); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = cli(t, append([]string{"verify", plan, "--unit-reports", units}, src...)...)
	if code == exitOK || !strings.Contains(errs, "unit:") {
		t.Errorf("verify --unit-reports without units: exit %d, want an error naming unit:\n%s\n%s", code, out, errs)
	}
}
