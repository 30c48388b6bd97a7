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
	tp := besokProgram(t, `tables:
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

// A column's expression that compares an empty value (rok == "J" ? 1 :
// 0) made the unknown a "no": NULL == "J" is false, so the receiving
// column got 0 for every record without an answer, and nothing counted
// the value lost, since 0 is not NULL. In a column's expression an
// equality with an empty side fails the value, as an ordering comparison
// does; the mapping says what an empty value gives (x == nil ? … : …).
// In a table rule and in null_when it stays false, as there it decides
// nothing about a value.
func TestColumnEqualityWithAnEmptySideFails(t *testing.T) {
	tp := besokProgram(t, `tables:
  - target: visit
    source: besok
    rules: [{when: 'src.vikt == "X"', archive: marked}]
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
      height_cm: {expr: 'vikt == "J" ? 1 : 0', null_when: 'personnr == "okänd"'}
      weight_kg: {expr: 'vikt == nil ? nil : (vikt in ["J", "N"] ? 1 : 0)'}
    drop: {langd: x}
`)
	o := tp.Apply([]connectors.Value{int64(1), "2020-01-01", nil, nil, nil})
	if o.Kind != Archived || o.Reason != "expression_failed" || o.Column != "height_cm" || !strings.Contains(o.Detail, "empty") {
		t.Errorf("NULL == \"J\" in a column: %v %q %q %q, want archived expression_failed for height_cm", o.Kind, o.Reason, o.Column, o.Detail)
	}
	o = tp.Apply([]connectors.Value{int64(1), "2020-01-01", "J", nil, nil})
	if o.Kind != Migrated || o.Row[3] != int64(1) || o.Row[2] != connectors.Decimal("1.0") {
		t.Errorf("J: %v %q %v, want migrated with 1 and 1.0", o.Kind, o.Reason, o.Row)
	}
	for _, expr := range []string{`vikt startsWith "E11" ? 1 : 0`, `vikt matches "^E1[01]" ? 1 : 0`, `"E11" contains vikt ? 1 : 0`} {
		tp := besokProgram(t, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
      height_cm: {expr: '`+expr+`'}
    drop: {langd: x, personnr: x}
`)
		if o := tp.Apply([]connectors.Value{int64(1), "2020-01-01", nil, nil, nil}); o.Kind != Archived || o.Reason != "expression_failed" {
			t.Errorf("%s of NULL: %v %q, want archived expression_failed", expr, o.Kind, o.Reason)
		}
		if o := tp.Apply([]connectors.Value{int64(1), "2020-01-01", "E11", nil, nil}); o.Kind != Migrated || o.Row[3] != int64(1) {
			t.Errorf("%s of E11: %v %q %v, want migrated with 1", expr, o.Kind, o.Reason, o.Row)
		}
	}
	o = tp.Apply([]connectors.Value{int64(1), "2020-01-01", "X", nil, nil})
	if o.Kind != Archived || o.Reason != "marked" {
		t.Errorf("X: %v %q, want archived marked", o.Kind, o.Reason)
	}
}
