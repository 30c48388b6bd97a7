package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A value row whose entity id folds to the form just before it ('abc '
// after the opted-out patient's form 'abc') is decided at the next form
// with values, against the forms since the last one with values. A run
// stopped after committing form 'abc' must decide it as a clean run
// does: excluded with its form, not archived as an orphan because the
// resumed run no longer holds the form it folds to.
func TestRunResumedFormStoreDecidesAFoldedValueAsACleanRun(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "legacy.db")
	execSQLite(t, srcPath,
		`CREATE TABLE instans (id TEXT COLLATE NOCASE PRIMARY KEY NOT NULL, personnr TEXT)`,
		`CREATE TABLE varde (instans_id TEXT COLLATE NOCASE NOT NULL, variabel TEXT NOT NULL, varde TEXT, PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES ('abc', '19121212-1212'), ('def', '19460101-0301'), ('ghi', '19460101-0301')`,
		`INSERT INTO varde VALUES ('abc', 'vikt', '72'), ('abc ', 'langd', '180'), ('def', 'vikt', '80'), ('ghi', 'vikt', '90')`,
	)
	mariaFormStoreFiles(t, dir)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	p := loadPlan(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n"))
	p.BatchSize = 1
	src := srcURL(srcPath)
	clean, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "clean.db"), WorkDir: filepath.Join(dir, "clean")})
	if err != nil || !clean.Pass {
		t.Fatalf("clean run: %v", err)
	}
	want := ledgerOf(clean, false)["varde"]
	if want != summary(2, 0, 2, map[string]int64{}) {
		t.Fatalf("clean run's values ledger %s", want)
	}
	for n := 1; n <= 6; n++ {
		// A fresh target and work directory per stopping point.
		work := t.TempDir()
		opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(work, "resumed.db"), WorkDir: work}
		s := &stopAfter{n: n, stop: make(chan struct{})}
		stopped := opts
		stopped.Stop, stopped.Progress = s.stop, s
		if _, err := plans.Run(ctx, p, stopped); err == nil {
			break // finished before the stop: nothing left to resume
		} else if !errors.Is(err, plans.ErrInterrupted) {
			t.Fatalf("stop after %d: %v", n, err)
		}
		rep, err := plans.Run(ctx, p, opts)
		if err != nil {
			t.Fatalf("stop after %d, resumed: %v", n, err)
		}
		if !rep.Pass {
			t.Fatalf("stop after %d, resumed: ledger %v, problems %v", n, ledgerOf(rep, false), rep.Problems)
		}
		if got := ledgerOf(rep, false)["varde"]; got != want {
			t.Errorf("stop after %d: values ledger %s, a clean run's %s (archived %v)", n, got, want, archiveRecords(t, filepath.Join(work, "archive"), "varde"))
		}
	}
}
