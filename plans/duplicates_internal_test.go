package plans

import (
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// Which record of a registration is kept: by the by value, earliest or
// latest; an empty by value never wins; a tie goes to the source key.
func TestBetterDuplicate(t *testing.T) {
	d := func(y, m, day int) connectors.Value { return connectors.Date{Year: y, Month: time.Month(m), Day: day} }
	rec := func(by connectors.Value, key int64) *dupCandidate {
		return &dupCandidate{by: []connectors.Value{by}, key: []connectors.Value{key}}
	}
	noBy := func(key int64) *dupCandidate { return &dupCandidate{key: []connectors.Value{key}} }
	cases := []struct {
		name   string
		latest bool
		a, b   *dupCandidate
		want   bool
	}{
		{"earlier wins under earliest", false, rec(d(2024, 1, 1), 9), rec(d(2024, 1, 2), 1), true},
		{"later loses under earliest", false, rec(d(2024, 1, 2), 1), rec(d(2024, 1, 1), 9), false},
		{"later wins under latest", true, rec(d(2024, 1, 2), 1), rec(d(2024, 1, 1), 9), true},
		{"empty never wins under earliest", false, rec(nil, 1), rec(d(2024, 1, 1), 9), false},
		{"empty never wins under latest", true, rec(nil, 1), rec(d(2024, 1, 1), 9), false},
		{"a value wins over empty under latest", true, rec(d(2000, 1, 1), 9), rec(nil, 1), true},
		{"tie: lower key under earliest", false, rec(d(2024, 1, 1), 1), rec(d(2024, 1, 1), 2), true},
		{"tie: higher key under latest", true, rec(d(2024, 1, 1), 1), rec(d(2024, 1, 1), 2), false},
		{"both empty: lower key", false, rec(nil, 1), rec(nil, 2), true},
		{"no by: lower key under earliest", false, noBy(3), noBy(4), true},
		{"no by: higher key under latest", true, noBy(3), noBy(4), false},
	}
	for _, c := range cases {
		got, err := better(&mappings.DuplicatesProgram{Latest: c.latest}, c.a, c.b)
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := better(&mappings.DuplicatesProgram{}, rec("x", 1), rec(int64(2), 2)); err == nil {
		t.Error("values of different kinds compared without an error")
	}
}
