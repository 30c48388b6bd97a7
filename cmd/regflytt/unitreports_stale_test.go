package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/verify"
)

// --unit-reports DIR holds the reports of the run (or verification) that
// wrote it last, and no other: a rehearsal's DIR given again to the real
// run, whose registry no longer has some unit (closed, merged into
// another), kept that unit's earlier unit-<id>.json and .md, PASS with
// the rehearsal's figures, among the run's own, exit 0. A care provider
// was sent figures no run of this registry gave.
func TestUnitReportsDirHoldsOnlyTheLastRunsUnits(t *testing.T) {
	dir := t.TempDir()
	units := filepath.Join(dir, "units")
	// Something of the user's own in DIR stays.
	if err := os.MkdirAll(units, 0o750); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(units, "unit-notes.txt")
	if err := os.WriteFile(mine, []byte("sent 2027-03-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, patients := range []string{"300", "8"} {
		demo := filepath.Join(dir, "demo"+patients)
		if code, out, errs := cli(t, "demo", "--work", demo, "--patients", patients, "-q"); code != exitOK {
			t.Fatalf("demo %s: exit %d\n%s\n%s", patients, code, out, errs)
		}
		work := filepath.Join(dir, "work"+patients)
		code, out, errs := cli(t, "run", filepath.Join(demo, "plan.yaml"), "--source", "sqlite://"+filepath.Join(demo, "legacy.db"),
			"--target", "sqlite://"+filepath.Join(dir, "t"+patients+".db"), "--work", work, "--unit-reports", units, "-q")
		if code != exitOK {
			t.Fatalf("run %d: exit %d\n%s\n%s", i+1, code, out, errs)
		}
		var rep verify.Report
		readJSON(t, filepath.Join(work, "report.json"), &rep)
		var want []string
		for _, ur := range verify.UnitReports(&rep) {
			want = append(want, "unit-"+ur.Unit+".json", "unit-"+ur.Unit+".md")
		}
		want = append(want, filepath.Base(mine))
		sort.Strings(want)
		entries, err := os.ReadDir(units)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("run %d (%s patients): %s holds %v, want this run's %v", i+1, patients, units, got, want)
		}
	}
}
