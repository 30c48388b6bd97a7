package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// besokProgram compiles a mapping against the test schema and gives its
// program for the source table besok.
func besokProgram(t *testing.T, mapping string) *TableProgram {
	t.Helper()
	prog, ds := compile(t, mapping)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return prog.ForSource("besok")
}

// Decimals order by value in expressions, not as text: "10.0" > "9.5".
func TestDecimalsOrderByValue(t *testing.T) {
	tp := besokProgram(t, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
      height_cm: {expr: 'decimal(vikt) > decimal("9.5") ? 1 : 0'}
    drop: {langd: x, personnr: x}
`)
	o := tp.Apply([]connectors.Value{int64(1), "2020-01-01", "10.0", nil, nil})
	if o.Kind != Migrated || o.Row[3] != int64(1) {
		t.Errorf("10.0 > 9.5: %+v, want migrated with 1", o)
	}
}

// A rule reading reference_date under a plan that gives none archives the
// record (expression_failed), rather than never holding.
func TestReferenceDateMissing(t *testing.T) {
	tp := besokProgram(t, `tables:
  - target: visit
    source: besok
    rules: [{when: "visit_date > reference_date", archive: after_reference_date}]
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
    drop: {vikt: x, langd: x, personnr: x}
`)
	o := tp.Apply([]connectors.Value{int64(1), "2030-01-01", nil, nil, nil})
	if o.Kind != Archived || o.Reason != "expression_failed" {
		t.Errorf("%+v, want archived expression_failed", o)
	}
}
