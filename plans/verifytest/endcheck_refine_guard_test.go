package verifytest_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A refinement compares the target with the source re-read through the
// mappings, not with what the run wrote: where they agree (a weight the
// target changed, beyond the tolerance, and the source changed alike
// after the run read it, as an application writing to both would), no
// fine bucket differs, and the coarse buckets it was to refine are no
// less different from what the run wrote. They stay differing
// (ContentCheck.Refined: nothing cleared them), and the run fails; were
// they taken as cleared, it passed, the target holding values the run
// never wrote.
func TestRunEndCheckRefinementClearsNothingItDidNotCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("80,000 rows")
	}
	const every = 97
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "legacy.db")
	src, p := besokPlan(t, dir, besokRows(refineRows, refineWeight), besokNote, besokWeight)
	path := filepath.Join(dir, "t.db")
	createTables(t, "sqlite://"+path, connectors.Table{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{
		{Name: "visit_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "note", Type: connectors.Type{Kind: connectors.KindText, Length: 40}, Nullable: true},
		{Name: "weight", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
	}})
	trigger := sqliteAfterChecks(path, fmt.Sprintf(`CREATE TRIGGER scale AFTER INSERT ON visit WHEN NEW.visit_id %% %d = 0 BEGIN UPDATE visit SET weight = weight * 10 WHERE visit_id = NEW.visit_id; END`, every))
	moved := func() {
		execSQLite(t, srcPath, fmt.Sprintf(`UPDATE besok SET vikt = vikt * 10 WHERE id %% %d = 0`, every))
	}
	work := filepath.Join(dir, "w")
	rep, err := runTriggered(t, p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + path, WorkDir: work, Moved: moved}, trigger)
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("the target holds %d weights the run never wrote: run %v", refineRows/every, err)
	}
	for _, c := range readContentReport(t, work).Contents {
		// The premise: the check was refined (more than 512 of 1024
		// buckets differ), and none of them was cleared.
		if c.Buckets != 1024 || c.DifferingBuckets <= 512 || c.OK {
			t.Errorf("%s: %d of %d buckets differ (ok %v), want more than 512", c.Table, c.DifferingBuckets, c.Buckets, c.OK)
		}
	}
}
