package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A resume refused because the mapping changed left the stopped run's
// report.json advising "regflytt run PLAN", which is refused again: the
// report says the resume was refused, what changed, and how to go on.
func TestRefusedResumeCorrectsTheStopReportsAdvice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 150)
	root := copyDemoPlan(t, filepath.Join(dir, "plan"), 30)
	planFile := filepath.Join(root, "plan.yaml")
	p := loadPlan(t, planFile)
	p.BatchSize = 30
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	work := filepath.Join(dir, "w")
	s := &stopAfter{n: 4, stop: make(chan struct{})}
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Stop: s.stop, Progress: s}); !errors.Is(err, plans.ErrInterrupted) {
		t.Fatalf("got %v, want an interrupted run", err)
	}
	type stop struct {
		Status        string `json:"status"`
		Batches       int64  `json:"batches_committed"`
		Resume        string `json:"resume"`
		ResumeRefused string `json:"resume_refused"`
		Problems      []string
	}
	read := func() stop {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(work, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var r stop
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	before := read()
	if before.Resume == "" || strings.Contains(before.Resume, "--restart") {
		t.Fatalf("the stop's report advises %q, want a plain resume", before.Resume)
	}
	mapping := filepath.Join(root, "mapping.yaml")
	b, _ := os.ReadFile(mapping)
	write(t, mapping, string(b)+"\n# changed\n")
	p = loadPlan(t, planFile)
	p.BatchSize = 30
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
	var ce *plans.ChangedError
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want a refusal", err)
	}
	after := read()
	if after.Status != before.Status || after.Batches != before.Batches {
		t.Errorf("the stop's report changed what it says of the stop: %+v, was %+v", after, before)
	}
	if !strings.Contains(after.Resume, "--restart") || !strings.Contains(after.ResumeRefused, mapping) {
		t.Errorf("after a refused resume report.json advises %q (refused: %q), want --restart and the changed %s named", after.Resume, after.ResumeRefused, mapping)
	}
	// Put back as it was, the resume goes on, and the run's own report
	// replaces the stop's.
	write(t, mapping, string(b))
	p = loadPlan(t, planFile)
	p.BatchSize = 30
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt}); err != nil {
		t.Fatal(err)
	}
	if r := read(); r.Status != "" || r.Resume != "" || r.ResumeRefused != "" {
		t.Errorf("the finished run's report.json still says %+v", r)
	}
}
