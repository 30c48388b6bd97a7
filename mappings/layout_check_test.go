package mappings

import (
	"strings"
	"testing"
)

// A layout written in the mapping that no value can ever match (a
// two-digit year, a time field in a date layout, an unknown token) is
// the mapping's mistake, not the data's: found only per value, it
// archived every value of the column as expression_failed, and under
// granularity: value the run passed with the column empty in the
// target. plan check and map check refuse it at its position instead.
func TestCompileRefusesABadLayoutLiteral(t *testing.T) {
	cases := []struct{ name, expr, want string }{
		{"two-digit year in date", `date(datum, "YYMMDD")`, "two-digit year"},
		{"second layout bad", `date(datum, "YYYY-MM-DD", "DD.MM.YY")`, "two-digit year"},
		{"time field in a date layout", `date(datum, "YYYY-MM-DD HH:mm")`, "time fields"},
		{"partial_date", `partial_date(datum, "YY-MM-DD")`, "two-digit year"},
		{"datetime", `datetime(datum, "YY-MM-DD HH:mm")`, "two-digit year"},
		{"inside another call", `string(date(datum, "YYMMDD"))`, "two-digit year"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := compile(t, `tables:
  - target: visit
    source: besok
    granularity: value
    columns:
      visit_id: id
      visit_date: {expr: '`+tc.expr+`'}
    drop: {vikt: not in this test, langd: not in this test, personnr: not in this test}
`)
			if ds.Err() == nil {
				t.Fatalf("%s compiles; want an error naming the layout", tc.expr)
			}
			got := ds.Error()
			if !strings.Contains(got, "M013") || !strings.Contains(got, tc.want) || !strings.Contains(got, "layout") {
				t.Fatalf("diagnostics %q: want M013 naming the layout and %q", got, tc.want)
			}
		})
	}
	// Valid layouts, and layouts the mapping passes through a definition
	// or a column (not literals), still compile.
	for _, expr := range []string{`date(datum, "YYYY-MM-DD", "DD.MM.YYYY")`, `date(datum)`, `partial_date(datum, "YYYY-MM-DD")`} {
		_, ds := compile(t, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {expr: '`+expr+`'}
    drop: {vikt: not in this test, langd: not in this test, personnr: not in this test}
`)
		for _, d := range ds {
			if d.Code == "M013" {
				t.Errorf("%s: %v", expr, d)
			}
		}
	}
}
