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
			"FAIL: every source record is accounted for, but see the problems above", "not every source record"},
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
