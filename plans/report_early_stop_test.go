package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// Every stop writes report.json with how far the run got (issue 15): a
// run that failed after it wrote its "running" report but before its
// first commit unit (its bookkeeping tables could not be made or
// written) left "running", which says it may still be going on.
func TestRunStoppedBeforeItsFirstBatchSaysSo(t *testing.T) {
	dir := t.TempDir()
	plan, src := twoUnitRegister(t, dir, []connectors.Value{int64(1), int64(1)}, []connectors.Value{int64(2), int64(2)})
	path := filepath.Join(dir, "r.db")
	// A bookkeeping table of another shape: the run's row cannot go in.
	execSQLite(t, path, "CREATE TABLE regflytt_run (x integer)")
	work := filepath.Join(dir, "work")
	_, err := plans.Run(context.Background(), plan, plans.Options{SourceURL: src, TargetURL: "sqlite://" + path, WorkDir: work})
	if err == nil {
		t.Fatal("the run went through a regflytt_run table of another shape: the test looks at nothing")
	}
	b, rerr := os.ReadFile(filepath.Join(work, "report.json"))
	if rerr != nil {
		t.Fatalf("no report.json after the run stopped (%v): %v", err, rerr)
	}
	var rep struct {
		Status string `json:"status"`
		Pass   bool   `json:"pass"`
		Error  string `json:"error"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Status != "failed" || rep.Pass || rep.Error == "" {
		t.Errorf("report.json of a run that stopped (%v) says status %q, pass %v, error %q: want failed, with the error", err, rep.Status, rep.Pass, rep.Error)
	}
	// And the stop says how to go on, as a stop after a batch does: a
	// second Ctrl-C here printed only what it interrupted.
	var se *plans.StoppedError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "regflytt run "+plan.File+"` again") {
		t.Errorf("the stop before the first batch does not say how to go on: %v", err)
	}
}
