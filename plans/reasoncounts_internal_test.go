package plans

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/verify"
)

// A resumed run's counts per reason come from its checkpoints: each is
// held to the source re-read through the mappings, so a count moved from
// one reason to another, or a choice's left-out values counted twice,
// fails the run where every total still agrees.
func TestReasonCountsDifferFromTheReRead(t *testing.T) {
	read := []verify.TableEquation{{Source: "besok", Target: "visit",
		ArchivedBy:        map[string]int64{"values_differ": 2, "key_spelling": 1},
		ValuesNotChosenBy: map[string]int64{"length_cm": 3}}}
	ledger := func(archived map[string]int64, notChosen map[string]int64) *verify.Ledger {
		return &verify.Ledger{Tables: []*verify.TableLedger{{Source: "besok", Target: "visit", Archived: 3,
			ArchivedBy: archived, ValuesNotChosenBy: notChosen, ExcludedBy: map[string]int64{}}}}
	}
	if got := reasonCountsDiffer(ledger(map[string]int64{"key_spelling": 1, "values_differ": 2}, map[string]int64{"length_cm": 3}), read); len(got) != 0 {
		t.Errorf("equal counts (an empty map beside a missing one) differ: %q", got)
	}
	moved := reasonCountsDiffer(ledger(map[string]int64{"values_differ": 1, "key_spelling": 2}, map[string]int64{"length_cm": 3}), read)
	if len(moved) != 1 || !strings.Contains(moved[0], "besok") || !strings.Contains(moved[0], "records archived by reason") {
		t.Errorf("a count moved from values_differ to key_spelling: %q, want one problem naming the table and the reasons", moved)
	}
	twice := reasonCountsDiffer(ledger(map[string]int64{"values_differ": 2, "key_spelling": 1}, map[string]int64{"length_cm": 6}), read)
	if len(twice) != 1 || !strings.Contains(twice[0], "values not chosen by column") {
		t.Errorf("left-out values counted twice: %q, want one problem naming the column counts", twice)
	}
	if got := reasonCountsDiffer(nil, read); got != nil {
		t.Errorf("no ledger: %q", got)
	}
}
