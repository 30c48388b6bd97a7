package verifytest_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A run's own end check compares a table of 80,000 rows over 1024
// buckets (verify.RunBuckets), not the 2048 verify takes, and a trigger
// that changes every 97th visit's note (824 of them, in more of those
// buckets than a drill-down reads whole) still has every one named with
// its column: the drill-down refines the differing buckets into 2048
// first (verify.ContentCheck.Refinement). Without the refinement it names
// the records of the first 512 buckets only.
func TestRunEndCheckRefinesManyDifferingBuckets(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("80,000 rows")
	}
	const rows, every = 80000, 97
	dir := t.TempDir()
	src, p := besokPlan(t, dir, besokRows(rows, nil), besokNote)
	path := filepath.Join(dir, "t.db")
	createNoteTable(t, "sqlite://"+path)
	trigger := sqliteAfterChecks(path, fmt.Sprintf(
		`CREATE TRIGGER mark AFTER INSERT ON visit WHEN NEW.visit_id %% %d = 0 BEGIN UPDATE visit SET note = note || '!' WHERE visit_id = NEW.visit_id; END`, every))
	work := filepath.Join(dir, "w")
	rep, err := runTriggered(t, p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + path, WorkDir: work}, trigger)
	if err == nil || rep == nil || rep.Pass {
		t.Fatalf("a trigger changing every %dth note: run %v", every, err)
	}
	problems := strings.Join(rep.Problems, "\n")
	for id := every; id <= rows; id += every {
		if want := fmt.Sprintf("visit key (%d): columns note differ", id); !strings.Contains(problems, want) {
			t.Errorf("problems do not say %q", want)
		}
	}
	if n, want := strings.Count(problems, "visit key ("), rows/every; n != want {
		t.Errorf("problems name %d records, want the %d changed", n, want)
	}
	if lines := verifyNotes(t, work); !mentions(lines, `"buckets": 1024,`) {
		t.Errorf("the run's verification report does not say it compared over 1024 buckets")
	}
}
