package plans

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

func sinceRunLedger(tables ...*verify.TableLedger) *verify.Ledger {
	return &verify.Ledger{Tables: tables}
}

// A run that stopped mid-move left a partial ledger in its checkpoint:
// held to it, every table read in full now looked changed since the run
// (source_changed_since_run) though nothing changed. Only a finished
// move's ledger is compared; otherwise a note says why not.
func TestExclusionsSinceRunSkipsThePartialLedgerOfAnUnfinishedMove(t *testing.T) {
	partial := sinceRunLedger(&verify.TableLedger{Source: "besok", Read: 40, Migrated: 40})
	now := sinceRunLedger(&verify.TableLedger{Source: "besok", Read: 100, Migrated: 100})
	for _, stage := range []string{stageMoving, stageRestarting} {
		rec := runRecord{cp: &checkpoint{Stage: stage, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Ledger: partial}}
		fs, notes := exclusionsSinceRun(rec, now, nil, func(string) bool { return false }, nil)
		if len(fs) != 0 {
			t.Errorf("stage %s: findings %+v against a partial ledger", stage, fs)
		}
		if !strings.Contains(strings.Join(notes, "\n"), "not compared") {
			t.Errorf("stage %s: notes %q say nothing of the comparison not made", stage, notes)
		}
	}
	for _, stage := range []string{stageMoved, stageFinished} {
		rec := runRecord{cp: &checkpoint{Stage: stage, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Ledger: partial}}
		fs, _ := exclusionsSinceRun(rec, now, nil, func(string) bool { return false }, nil)
		if len(fs) != 1 || fs[0].Kind != FindingSourceChangedSinceRun {
			t.Errorf("stage %s: findings %+v, want source_changed_since_run", stage, fs)
		}
	}
}

// The package's log erased 2 records of besok and none of diagnos; the
// erasure list grew by 2 for each. The shared count went to besok and
// diagnos alike by table order: diagnos's 2 must be a finding, besok's
// a note.
func TestExclusionsSinceRunAttributesErasuresPerTable(t *testing.T) {
	ran := sinceRunLedger(
		&verify.TableLedger{Source: "besok", Read: 10, Migrated: 10},
		&verify.TableLedger{Source: "diagnos", Read: 10, Migrated: 10},
		&verify.TableLedger{Source: "atgard", Read: 10, Migrated: 10},
	)
	now := sinceRunLedger(
		&verify.TableLedger{Source: "atgard", Read: 10, Migrated: 8, Excluded: 2, ExcludedBy: map[string]int64{"erasure": 2}},
		&verify.TableLedger{Source: "besok", Read: 10, Migrated: 8, Excluded: 2, ExcludedBy: map[string]int64{"erasure": 2}},
		&verify.TableLedger{Source: "diagnos", Read: 10, Migrated: 8, Excluded: 2, ExcludedBy: map[string]int64{"erasure": 2}},
	)
	rec := runRecord{cp: &checkpoint{Stage: stageFinished, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Ledger: ran}}
	fs, notes := exclusionsSinceRun(rec, now, nil, func(string) bool { return false }, map[string]int64{"besok": 2})
	var subjects []string
	for _, f := range fs {
		if f.Kind == FindingExcludedSinceRun {
			subjects = append(subjects, f.Subject)
		}
	}
	if strings.Join(subjects, ",") != "atgard,diagnos" {
		t.Errorf("excluded_since_run on %q, want atgard,diagnos (besok's erasures are logged)", subjects)
	}
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "besok:") {
		t.Errorf("notes %q, want one for besok", notes)
	}
}

// undeclaredCountSnapshot records the tables counted; its other methods are not
// called by undeclaredTargetTables.
type undeclaredCountSnapshot struct {
	connectors.Snapshot
	counted []string
}

func (s *undeclaredCountSnapshot) Count(_ context.Context, table string) (int64, error) {
	s.counted = append(s.counted, table)
	return 7, nil
}

// Every undeclared table got a COUNT(*) on each verify and each run's
// end check: on a platform database with large tables of its own, a
// full scan each. A table the catalogue estimates large is named by the
// estimate ("about N rows"); a small one is counted, as that is cheap.
func TestUndeclaredTargetTablesTakeTheCataloguesEstimateOfALargeTable(t *testing.T) {
	snap := &undeclaredCountSnapshot{}
	tcat := []connectors.Table{
		{Name: "platform_log", RowEstimate: 5_000_000},
		{Name: "visit_copy", RowEstimate: 12},
		{Name: "never_analysed", RowEstimate: -1},
	}
	fs, err := undeclaredTargetTables(context.Background(), snap, tcat, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(snap.counted, ",") != "never_analysed,visit_copy" {
		t.Errorf("counted %q, want only the tables the catalogue does not estimate large", snap.counted)
	}
	if len(fs) != 3 {
		t.Fatalf("findings %+v, want one per undeclared table", fs)
	}
	for _, f := range fs {
		if f.Kind != FindingTargetTableUndeclared {
			t.Errorf("finding %+v, want %s", f, FindingTargetTableUndeclared)
		}
		switch f.Subject {
		case "platform_log":
			if f.Count != 5_000_000 || !strings.Contains(f.Message, "about 5000000 rows") {
				t.Errorf("platform_log: %+v, want about 5000000 rows", f)
			}
		case "visit_copy":
			if f.Count != 7 || !strings.Contains(f.Message, "(7 rows)") {
				t.Errorf("visit_copy: %+v, want its 7 rows counted", f)
			}
		}
	}
}
