package mappings

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A legacy sentinel in a decimal column (999.9 for "not measured") and a
// rule that archives it: expr-lang's == compared the column's Decimal
// with the literal's float64 by Go type and was false for every row, so
// the sentinel migrated as a weight of 999.9 kg and the run passed. A
// boundary written in the rule (<= 0.3) was compared with the double
// nearest to it, 0.29999999999999998890, so the decimal 0.3 was not <=
// 0.3 and migrated too.
func TestRulesCompareDecimalsWithWrittenNumbers(t *testing.T) {
	prog, ds := compile(t, `tables:
  - target: visit
    source: besok
    rules:
      - {when: "weight_kg == 999.9", archive: not_measured}
      - {when: "weight_kg <= 0.3", archive: implausible_weight}
      - {when: "weight_kg in [888.8, 777.7]", archive: other_sentinel}
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
    drop: {langd: x, personnr: x}
`)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	tp := prog.ForSource("besok")
	for _, c := range []struct {
		vikt, kind, reason string
	}{
		{"999.9", "archived", "not_measured"},
		{"0.3", "archived", "implausible_weight"},
		{"0.2", "archived", "implausible_weight"},
		{"777.7", "archived", "other_sentinel"},
		{"0.4", "migrated", ""},
		{"999.8", "migrated", ""},
	} {
		o := tp.Apply([]connectors.Value{int64(1), "2020-01-01", c.vikt, nil, nil})
		if o.Kind.String() != c.kind || o.Reason != c.reason {
			t.Errorf("weight %s: %v %q, want %s %q", c.vikt, o.Kind, o.Reason, c.kind, c.reason)
		}
	}
}

// == and != compare values as the ordering operators do: numbers by
// value whatever their Go type, a date with date text. Values of kinds
// that cannot be equal (text and a number, a boolean and an integer)
// fail the value, naming both kinds: expr-lang said false, so a rule
// such as status == 1 over a text column silently never held.
func TestExprEqualityByValue(t *testing.T) {
	cols := []string{"d", "dt", "i", "s", "f", "b", "n"}
	row := []any{connectors.Decimal("1.50"), connectors.Date{Year: 2020, Month: 1, Day: 1}, int64(1), "1", 0.1, true, nil}
	for src, want := range map[string]bool{
		`d == 1.5`:             true,
		`d != 1.5`:             false,
		`d == 1.50`:            true,
		`1.5 == d`:             true,
		`d == 1.51`:            false,
		`d in [1, 1.5]`:        true,
		`d not in [1, 1.5]`:    false,
		`dt == "2020-01-01"`:   true,
		`dt != "2020-01-02"`:   true,
		`dt in ["2020-01-01"]`: true,
		`i == 1`:               true,
		`i == 1.0`:             true,
		`f == 0.1`:             true,
		`s == "1"`:             true,
		`s in ["1", "2"]`:      true,
		`b == true`:            true,
		`n == nil`:             true,
		`n != nil`:             false,
		`i == nil`:             false,
		`nil == s`:             false,
		`n == 1`:               false,
		`n in [1, 2]`:          false,
		`[1, 2] | all(# == 1)`: false,
	} {
		v, err := evalExpr(t, src, cols, row...)
		if err != nil || v != want {
			t.Errorf("%s = %v (%v), want %v", src, v, err, want)
		}
	}
	for _, src := range []string{`s == 1`, `s != 1`, `i == "1"`, `i == true`, `s in [1, 2]`, `d == "1.50"`, `dt == "soon"`} {
		v, err := evalExpr(t, src, cols, row...)
		if err == nil || !strings.Contains(err.Error(), "cannot compare") {
			t.Errorf("%s = %v (%v), want an error that says it cannot compare", src, v, err)
		}
	}
}
