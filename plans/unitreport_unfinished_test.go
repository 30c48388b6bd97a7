package plans_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// A run that verified but could not finish (here a unit's report could
// not be written: its name is taken by a directory; a lost lock or a
// package that could not be sealed stop it the same way) stops, and its
// report.json is a stop report; but the unit reports written before the
// failing step had been written as PASS and stayed on disk so, unit 1's
// saying "every record the unit reported is migrated", for the registry
// to send on, though the run must be run again. They are written again
// as the run stops: no pass.
func TestUnfinishedRunLeavesNoPassingUnitReport(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	plan, src := twoUnitRegister(t, dir, []connectors.Value{int64(1), int64(1)}, []connectors.Value{int64(2), int64(2)})
	work, units := filepath.Join(dir, "work"), filepath.Join(dir, "units")
	if err := os.MkdirAll(filepath.Join(units, "unit-2.md", "kept"), 0o750); err != nil {
		t.Fatal(err)
	}
	rep, err := plans.Run(ctx, plan, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "r.db"), WorkDir: work, UnitReports: units})
	if err == nil || rep == nil || rep.Pass || rep.Unfinished == "" {
		t.Fatalf("a run whose unit report could not be written: %v (report %+v)", err, rep)
	}
	var onDisk verify.Report
	readJSONFile(t, filepath.Join(work, "report.json"), &onDisk)
	if onDisk.Pass {
		t.Errorf("report.json of the unfinished run passes")
	}
	for _, u := range []string{"1", "2"} {
		var ur verify.UnitReport
		readJSONFile(t, filepath.Join(units, "unit-"+u+".json"), &ur)
		if ur.Pass || !ur.UnitOK {
			t.Errorf("unit %s's report of the unfinished run: pass %v, its own figures ok %v", u, ur.Pass, ur.UnitOK)
		}
	}
}

func readJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
