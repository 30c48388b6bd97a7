package plans

import (
	"strings"
	"testing"
	"time"

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
		fs, notes := exclusionsSinceRun(rec, now, nil, func(string) bool { return false }, 0)
		if len(fs) != 0 {
			t.Errorf("stage %s: findings %+v against a partial ledger", stage, fs)
		}
		if !strings.Contains(strings.Join(notes, "\n"), "not compared") {
			t.Errorf("stage %s: notes %q say nothing of the comparison not made", stage, notes)
		}
	}
	for _, stage := range []string{stageMoved, stageFinished} {
		rec := runRecord{cp: &checkpoint{Stage: stage, Started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Ledger: partial}}
		fs, _ := exclusionsSinceRun(rec, now, nil, func(string) bool { return false }, 0)
		if len(fs) != 1 || fs[0].Kind != FindingSourceChangedSinceRun {
			t.Errorf("stage %s: findings %+v, want source_changed_since_run", stage, fs)
		}
	}
}
