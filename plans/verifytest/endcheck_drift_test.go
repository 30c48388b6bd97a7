package verifytest_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// driftRun moves rows visits (visit_id, note, weight) into a target where
// a trigger changes every every-th value of column (weight: times 10;
// note: '!' appended), while the run's Moved hook changes the source
// alike, as an application writing to both would: the target then holds
// values the run never wrote, and a second reading of the source agrees
// with it. It gives the run's report, the plan, its URLs and work directory,
// and the run's error. Target "postgres" keeps the end check on the
// read-back, "postgres-native" lets the server sum its rows.
func driftRun(t *testing.T, target string, rows, every int, column string) (rep *verify.Report, p *plans.Plan, src, tgt, work string, err error) {
	t.Helper()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "legacy.db")
	src = writeBesok(t, dir, besokRows(rows, func(id int) float64 { return float64(id) + 0.25 }), besokNote, besokWeight)
	write(t, filepath.Join(dir, "schema.yaml"), refineSchema)
	writeBesokMapping(t, dir, besokNote, besokWeight)
	p = loadPlan(t, writePlan(t, dir, ""))
	srcCol, change, pgChange := "vikt", "weight * 10", "NEW.weight := NEW.weight * 10"
	if column == "note" {
		srcCol, change, pgChange = "anteckning", "note || '!'", "NEW.note := NEW.note || '!'"
	}
	var trigger *afterChecks
	switch target {
	case "sqlite":
		path := filepath.Join(dir, "t.db")
		tgt = "sqlite://" + path
		createRefineTables(t, tgt)
		trigger = sqliteAfterChecks(path, fmt.Sprintf(`CREATE TRIGGER drift AFTER INSERT ON visit WHEN NEW.visit_id %% %d = 0 BEGIN UPDATE visit SET %s = %s WHERE visit_id = NEW.visit_id; END`, every, column, change))
	case "postgres", "postgres-native":
		pgtest.AdminURL(t)
		tgt = pgtest.NewDatabase(t)
		createRefineTables(t, tgt)
		pgtest.Exec(t, tgt, fmt.Sprintf(`CREATE FUNCTION drift() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.visit_id %% %d = 0 THEN %s; END IF;
  RETURN NEW;
END $$`, every, pgChange))
		trigger = pgAfterChecks(tgt, `CREATE TRIGGER drift BEFORE INSERT ON visit FOR EACH ROW EXECUTE FUNCTION drift()`)
	default:
		t.Fatalf("no target %s", target)
	}
	moved := func() {
		srcChange := strings.ReplaceAll(change, column, srcCol)
		execSQLite(t, srcPath, fmt.Sprintf(`UPDATE besok SET %s = %s WHERE id %% %d = 0`, srcCol, srcChange, every))
	}
	work = filepath.Join(dir, "w")
	rep, err = runTriggered(t, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Moved: moved, EndCheckReadBack: target == "postgres"}, trigger)
	return rep, p, src, tgt, work, err
}

// A run's end check compares the target with what the run wrote; a
// bucket whose floats differ is drilled down by reading the source once
// more, and one whose records all agree within the tolerance is cleared.
// Where the source changed after the run read it, alike with the target
// (every 997th weight times ten in both), the second reading agrees with
// the target, not with what the run wrote: the bucket is no less
// different, and the run fails, saying the source changed since it read
// it rather than blaming verify. Before, the buckets were cleared and the
// run passed, exit 0, with weights it never wrote. regflytt verify, whose
// expected side is the source as it is now, passes: the target holds what
// the mappings give of it.
//
// Natively summed, the target's sum differs from what the run wrote, the
// source read again agrees with the target, and the run fails all the
// same, saying so.
func TestRunEndCheckSourceChangedAlikeInFloats(t *testing.T) {
	for _, target := range []string{"sqlite", "postgres", "postgres-native"} {
		t.Run(target, func(t *testing.T) {
			const rows, every = 10000, 997
			rep, p, src, tgt, work, err := driftRun(t, target, rows, every, "weight")
			if err == nil || rep == nil || rep.Pass {
				t.Fatalf("the target holds %d weights the run never wrote: run %v", rows/every, err)
			}
			checkSourceChanged(t, rep.Problems)
			for _, c := range readContentReport(t, work).Contents {
				if c.Table != "visit" || target == "postgres-native" {
					continue
				}
				// The premise: no refinement, the differing buckets read whole.
				if c.Buckets != 256 || c.OK {
					t.Errorf("%s: %d of %d buckets differ (ok %v), want 256 buckets, not ok", c.Table, c.DifferingBuckets, c.Buckets, c.OK)
				}
			}
			sum, err := plans.Verify(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work})
			if err != nil || sum == nil || !sum.Pass {
				var problems []string
				if sum != nil {
					problems = sum.Problems
				}
				t.Errorf("verify of a target that holds what the source gives now: %v\n%s", err, strings.Join(problems, "\n"))
			}
		})
	}
}

// The same with a text column: the row hashes differ, so the run failed
// before too, but said no record could be named, a defect of verify,
// where the source had changed since the run read it.
func TestRunEndCheckSourceChangedAlikeInText(t *testing.T) {
	rep, _, _, _, _, err := driftRun(t, "sqlite", 10000, 997, "note")
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("the target holds %d notes the run never wrote: run %v", 10000/997, err)
	}
	checkSourceChanged(t, rep.Problems)
}

// The refined path (80,000 rows over 1024 buckets, every 97th weight in
// more than 512 of them): a refinement of the source read again agrees
// with the target, so no fine bucket differs; the coarse buckets stay
// differing (ContentCheck.Refined), and the run says why.
func TestRunEndCheckRefinedSourceChangedAlike(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("80,000 rows")
	}
	for _, target := range []string{"sqlite", "postgres"} {
		t.Run(target, func(t *testing.T) {
			rep, _, _, _, work, err := driftRun(t, target, refineRows, 97, "weight")
			if err == nil || rep == nil || rep.Pass {
				t.Fatalf("the target holds %d weights the run never wrote: run %v", refineRows/97, err)
			}
			checkSourceChanged(t, rep.Problems)
			for _, c := range readContentReport(t, work).Contents {
				if c.Table != "visit" {
					continue
				}
				if c.Buckets != 1024 || c.DifferingBuckets <= 512 || c.OK {
					t.Errorf("%s: %d of %d buckets differ (ok %v), want more than 512", c.Table, c.DifferingBuckets, c.Buckets, c.OK)
				}
			}
		})
	}
}

// checkSourceChanged holds a run's problems to name the table and say
// that the source changed since the run read it, and not to blame verify.
func checkSourceChanged(t *testing.T, problems []string) {
	t.Helper()
	all := strings.Join(problems, "\n")
	if want := "receiving table visit: the source changed since the run read it"; !strings.Contains(all, want) {
		t.Errorf("problems do not say %q:\n%s", want, all)
	}
	if strings.Contains(all, "a defect of verify") {
		t.Errorf("problems blame verify for a source that changed:\n%s", all)
	}
}
