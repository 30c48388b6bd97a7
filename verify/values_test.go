package verify_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// The equation balances only when every source value is on the right:
// in the target, archived alone, or NULL by a declared rule. A value the
// mappings dropped without noticing (no value_lost either) still fails.
func TestColumnEquationBalance(t *testing.T) {
	cases := []struct {
		name string
		eq   verify.ColumnEquation
		want string // in the problem; "" when it balances
	}{
		{"balanced", verify.ColumnEquation{SourceValues: 5, TargetNonNull: 4, MadeWithoutSource: 1, InArchiveAlone: 1, NulledBy: map[string]int64{"codelist k": 1}}, ""},
		{"a NULL by no rule the mappings did not see", verify.ColumnEquation{SourceValues: 3, TargetNonNull: 2}, "1 values became NULL by no declared rule"},
		{"a value the source does not give", verify.ColumnEquation{SourceValues: 3, TargetNonNull: 4}, "1 values more than the source gives"},
		{"lost", verify.ColumnEquation{SourceValues: 3, TargetNonNull: 2, Lost: 1}, "(the mappings lose 1)"},
		{"not counted", verify.ColumnEquation{SourceValues: 3, TargetNonNull: 2, NotCounted: "merged registrations"}, ""},
	}
	for _, c := range cases {
		c.eq.Table, c.eq.Column = "visit", "smoker"
		got := c.eq.Balance()
		if c.eq.OK != (c.want == "") || (c.want == "") != (got == "") || !strings.Contains(got, c.want) || (got != "" && !strings.HasPrefix(got, "receiving column visit.smoker: ")) {
			t.Errorf("%s: ok %v, problem %q, want %q", c.name, c.eq.OK, got, c.want)
		}
		if c.name == "a NULL by no rule the mappings did not see" && strings.Contains(got, "lose") {
			t.Errorf("%s: %q blames the mappings' own count", c.name, got)
		}
	}
}

// Source values are counted per record and column, once however many
// source columns an expression reads; a value without one is made.
func TestValueCountsAdd(t *testing.T) {
	tbl := &connectors.Table{Name: "visit", Columns: []connectors.Column{{Name: "a"}, {Name: "b"}, {Name: "c"}}}
	vc := verify.NewValueCounts(tbl)
	for _, r := range []struct {
		row []connectors.Value
		fed []bool
	}{
		{[]connectors.Value{int64(1), nil, "x"}, []bool{true, true, false}},
		{[]connectors.Value{int64(2), "y", "x"}, []bool{true, true, false}},
		{[]connectors.Value{int64(3), nil, nil}, []bool{true, false, false}},
	} {
		if err := vc.Add(r.row, r.fed); err != nil {
			t.Fatal(err)
		}
	}
	if err := vc.Add([]connectors.Value{nil}, []bool{true}); err == nil {
		t.Error("a record of one value for three columns is counted")
	}
	if !slices.Equal(vc.Source, []int64{3, 2, 0}) || !slices.Equal(vc.Made, []int64{0, 0, 2}) {
		t.Errorf("source %v made %v", vc.Source, vc.Made)
	}
}
