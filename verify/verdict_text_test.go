package verify

import (
	"strings"
	"testing"
)

// A run that failed on a widened access, with every table's records
// accounted for, said "FAIL: not every source record is accounted for",
// sending the reader to look for a lost record; the verdict says which
// it is.
func TestWriteTextVerdictSaysWhatFailed(t *testing.T) {
	for _, c := range []struct {
		name  string
		r     *Report
		want  string
		never string
	}{
		{"a table does not balance", &Report{Tables: []TableCheck{{OK: true}, {OK: false}}, Problems: []string{"source table besok: 10 rows, but 9 read"}},
			"FAIL: not every source record is accounted for", ""},
		{"a unit does not balance", &Report{Tables: []TableCheck{{OK: true}}, Units: []UnitCheck{{Unit: "1", OK: false}}, Problems: []string{"source table besok, reporting unit 1: …"}},
			"FAIL: not every source record is accounted for", ""},
		{"access widened", &Report{Tables: []TableCheck{{OK: true}}, Units: []UnitCheck{{Unit: "1", OK: true}}, Problems: []string{"access: account 2: access widened: write on unit 2, which it did not have before"}},
			"FAIL: the record counts balance, but see the problems above", "not every source record"},
		// A migrated record missing from the target balances the counts
		// (it was counted migrated): the verdict said "every source record
		// is accounted for" of a run whose target lacked one.
		{"a target row missing", &Report{Tables: []TableCheck{{OK: true}}, Problems: []string{"target besok: 9 rows, 10 written"}},
			"FAIL: the record counts balance, but see the problems above", "every source record is accounted for"},
		{"a target row missing and access widened", &Report{Tables: []TableCheck{{OK: true}}, Access: &AccessCheck{OK: false},
			Problems: []string{"target besok: 9 rows, 10 written", "access: account 2: access widened"}},
			"FAIL: the record counts balance, but access", "every source record is accounted for"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if err := c.r.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), c.want) || c.never != "" && strings.Contains(b.String(), c.never) {
				t.Fatalf("want %q:\n%s", c.want, b.String())
			}
		})
	}
}
