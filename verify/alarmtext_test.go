package verify

import (
	"strings"
	"testing"
)

// A run's terminal summary names each alarm and what it asks for: a
// PASS printed without them hid what `regflytt verify` would fail on.
func TestWriteTextNamesAlarms(t *testing.T) {
	r := &Report{Pass: true, Alarms: []Finding{{ID: "unit_unknown.besok", Kind: "unit_unknown", Message: "2 migrated records of besok name a reporting unit the units table does not list"}}}
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"alarm: 2 migrated records of besok", "acknowledges unit_unknown.besok", "PASS"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the summary lacks %q:\n%s", want, b.String())
		}
	}
}
