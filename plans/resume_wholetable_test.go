package plans_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"
)

// A run of a plan that replays on resume (parents, duplicates, merges:
// the form store's entities) stopped inside a source table no mapping
// reads, after one of its batches, resumes after that batch: the table
// started over, its committed batch was archived and counted a second
// time (variabel: 11 rows, 19 read and archived), and the run FAILed at
// its end, exit 3, with no way on but --restart. The tables are last in
// the run, so each of the last batches is a stop inside one of them.
func TestResumeInsideAWholeArchivedTable(t *testing.T) {
	dir := t.TempDir()
	src := makeSynthSQLite(t, dir, synth.EAV, 250)
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "resume tests: not a real key")
	p := loadPlan(t, "../testdata/plans/eav.yaml")
	p.BatchSize = 8

	count := &stopAfter{n: -1, stop: make(chan struct{})}
	clean := filepath.Join(dir, "clean")
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "clean.db"), WorkDir: clean, Progress: count}); err != nil {
		t.Fatal(err)
	}
	want := comparableReport(t, filepath.Join(clean, "report.json"))
	for n := count.calls - 4; n < count.calls; n++ {
		work := filepath.Join(dir, fmt.Sprint("stopped", n))
		tgt := "sqlite://" + work + ".db"
		s := &stopAfter{n: n, stop: make(chan struct{})}
		if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Stop: s.stop, Progress: s}); !errors.Is(err, plans.ErrInterrupted) {
			t.Fatalf("stopped after %d of %d batches: %v", n, count.calls, err)
		}
		rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
		if err != nil {
			t.Errorf("stopped after %d of %d batches, resumed: %v %v", n, count.calls, err, rep.Problems)
			continue
		}
		if got := comparableReport(t, filepath.Join(work, "report.json")); got != want {
			t.Errorf("stopped after %d of %d batches, resumed: report.json differs from the clean run's:\n got %s\nwant %s", n, count.calls, got, want)
		}
	}
}
