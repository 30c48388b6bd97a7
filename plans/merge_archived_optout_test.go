package plans_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// A sub-register's record of an opted-out patient's registration that
// its own mapping archives (a height that is no number, under the
// default record granularity) is the patient's as much as one that
// migrates: the registration's excluded main record excludes it, and it
// must not reach the archive package. Another registration's record so
// archived is archived as its mapping says, by the merge.
func TestRunMergeExcludesAnArchivedRecordOfAnExcludedRegistration(t *testing.T) {
	t.Parallel()
	for _, jobs := range []int{1, 3} {
		t.Run(fmt.Sprint("jobs ", jobs), func(t *testing.T) { mergeExcludesAnArchivedRecord(t, jobs, false) })
	}
	// Stopped after every batch of one record and resumed: the held
	// records are spilled again by the replay, and each is accounted
	// for once.
	t.Run("resumed", func(t *testing.T) { mergeExcludesAnArchivedRecord(t, 1, true) })
}

// mergeExcludesAnArchivedRecord is the test above, run with jobs, and
// stopped and resumed after each batch when stopped.
func mergeExcludesAnArchivedRecord(t *testing.T, jobs int, stopped bool) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE delreg_a (besok_id INTEGER PRIMARY KEY, personnr TEXT, vikt TEXT)`,
		`CREATE TABLE delreg_b (besok_id INTEGER PRIMARY KEY, langd TEXT)`,
		`INSERT INTO delreg_a VALUES (1, '19121212-1212', '70'), (2, '19460101-0301', '71'), (3, '19460101-0301', '72')`,
		`INSERT INTO delreg_b VALUES (1, 'lång'), (2, '181'), (3, 'kort')`)
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "patient varchar(12)", "weight_kg decimal(5,1)", "height_cm smallint")
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [visit_id]
    sources:
      - source: delreg_a
        precedence: 1
        person: personnr
        columns: {visit_id: besok_id, patient: {expr: pnr(personnr)}, weight_kg: {expr: decimal(vikt)}}
      - source: delreg_b
        precedence: 2
        no_person: the sub-register names the visit, its person is in the main register
        columns: {visit_id: besok_id, height_cm: {expr: integer(langd)}}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {archived_share.delreg_b: a test}}\n")
	opts := plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir, Jobs: jobs}
	p := loadPlan(t, plan)
	var rep *verify.Report
	var err error
	if !stopped {
		if rep, err = plans.Run(ctx, p, opts); err != nil {
			t.Fatalf("run: %v", err)
		}
	} else {
		p.BatchSize = 1
		stops := 0
		for ; ; stops++ {
			s := &stopAfter{n: 1, stop: make(chan struct{})}
			o := opts
			o.Stop, o.Progress = s.stop, s
			if rep, err = plans.Run(ctx, p, o); err == nil {
				break
			}
			if !errors.Is(err, plans.ErrInterrupted) || stops > 30 {
				t.Fatalf("stop %d: %v", stops, err)
			}
		}
		if stops < 3 {
			t.Fatalf("the run was stopped %d times, want at least 3", stops)
		}
	}
	recs := archiveRecords(t, filepath.Join(dir, "archive"), "delreg_b")
	if _, ok := recs["1"]; ok || len(recs) != 1 || !strings.HasPrefix(recs["3"], "bad_integer") {
		t.Fatalf("pass %v with delreg_b archived as %v, want record 3 alone (ledger %v)", rep.Pass, recs, ledgerOf(rep, true))
	}
	checkLedger(t, rep, true, map[string]string{
		"delreg_a": summary(2, 0, 1, map[string]int64{"opt_out": 1}),
		"delreg_b": summary(1, 1, 1, map[string]int64{"opt_out": 1}),
	})
	if !rep.Pass {
		t.Fatalf("run failed: %v", rep.Problems)
	}
	if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
		t.Fatalf("verify of the run: %v %+v", err, sum)
	}
}
