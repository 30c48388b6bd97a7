package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A run removes what a killed run left in its scratch directory, and only
// that: a work directory may be a person's own folder, and a file of
// theirs beside the run's leftovers stays.
func TestRunClearsOnlyItsScratch(t *testing.T) {
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 200)
	p := loadPlan(t, demoPlan)
	work := filepath.Join(dir, "w")
	scratch := filepath.Join(work, "regflytt-scratch")
	leftover := filepath.Join(scratch, "regflytt-links-12345")
	if err := os.MkdirAll(leftover, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(leftover, "links.db"), []byte("a killed run's"), 0o600); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(scratch, "notes.txt")
	if err := os.WriteFile(mine, []byte("someone's own"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: work})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed run's leftover is still there: %v", err)
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "someone's own" {
		t.Errorf("a file the run did not make was touched: %q, %v", b, err)
	}
}

// A run killed between its final record and its report leaves its
// scratch files, and the next run only says the plan already finished:
// it removes them, as it would have on a resume.
func TestFinishedRunClearsTheKilledRunsScratch(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 50)
	p := loadPlan(t, demoPlan)
	work := filepath.Join(dir, "w")
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: work}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(work, "regflytt-scratch", "regflytt-keys-1234")
	if err := os.MkdirAll(filepath.Dir(leftover), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(leftover, []byte("a killed run's"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := plans.Run(context.Background(), p, opts)
	if err == nil || !strings.Contains(err.Error(), "already finished") {
		t.Fatalf("a second run of a finished plan: %v", err)
	}
	if _, err := os.Stat(filepath.Dir(leftover)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed run's scratch directory is still there: %v", err)
	}
}

// A run killed after its finished checkpoint committed but before it
// removed its archive parts left them (every archived record, in clear,
// beside a package that may be encrypted), and the next run only said the
// plan already finished: nothing ever removed them. It removes them now,
// as the killed run would have (the kill test, faulttest.TestKilledRunResumesIntoSQLite,
// met it).
func TestFinishedRunClearsTheKilledRunsParts(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 50)
	p := loadPlan(t, demoPlan)
	work := filepath.Join(dir, "w")
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: work}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	parts := filepath.Join(work, "archive-parts")
	if _, err := os.Stat(parts); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the finished run left its archive parts: %v", err)
	}
	// What the killed run left: its sealed parts and one not sealed.
	if err := os.MkdirAll(parts, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"0000000001.part", "0000000002.part", "1.part-tmp"} {
		write(t, filepath.Join(parts, name), "a killed run's archived records")
	}
	_, err := plans.Run(context.Background(), p, opts)
	if err == nil || !strings.Contains(err.Error(), "already finished") {
		t.Fatalf("a second run of a finished plan: %v", err)
	}
	if _, err := os.Stat(parts); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the killed run's archive parts are still there: %v", err)
	}
}
