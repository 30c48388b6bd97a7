package mappings

import (
	"reflect"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// TestApplyPlainAgreesWithApply holds the plain program's short way
// (applyPlain, which Apply and ApplyKept take first) to the general one
// (apply) on rows that fit and on each way a value can fail its column:
// the same outcome, field by field, and a kept row whose value changes
// (a decimal padded to its scale) is copied, never written into.
func TestApplyPlainAgreesWithApply(t *testing.T) {
	tp, rows := identity12(t, 64)
	if !tp.plainRows || !tp.sameOrder {
		t.Fatalf("identity mapping not plain: plainRows %v, sameOrder %v", tp.plainRows, tp.sameOrder)
	}
	variant := func(i int, v connectors.Value) []connectors.Value {
		r := append([]connectors.Value(nil), rows[1]...)
		r[i] = v
		return r
	}
	cases := map[string][]connectors.Value{
		"fits":             rows[0],
		"nulls":            {int64(7), int64(3), nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
		"not null":         variant(1, nil),
		"int range":        variant(1, int64(1)<<40),
		"text length":      variant(2, "ååååååååååååååååååååååååååååååååååååååååååååååååååååååååååååååååå"),
		"invalid utf8":     variant(3, "a\xffb"),
		"nul byte":         variant(10, "K\x00"),
		"decimal padded":   variant(4, connectors.Decimal("12.5")),
		"decimal too wide": variant(4, connectors.Decimal("12345678901.00")),
		"wrong kind":       variant(6, "2020-01-01"),
		"bytes length":     variant(11, make([]byte, 17)),
		"fraction":         variant(7, connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 1, Day: 1}, Nanosecond: 1}),
		"invalid date":     variant(6, connectors.Date{Year: 2021, Month: 2, Day: 29}),
	}
	for name, row := range cases {
		t.Run(name, func(t *testing.T) {
			want := tp.apply(row)
			if got := tp.Apply(row); !reflect.DeepEqual(got, want) {
				t.Errorf("Apply\n got %+v\nwant %+v", got, want)
			}
			before := append([]connectors.Value(nil), row...)
			got := tp.ApplyKept(row)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ApplyKept\n got %+v\nwant %+v", got, want)
			}
			if !reflect.DeepEqual(row, before) {
				t.Errorf("ApplyKept changed the source row: %v, was %v", row, before)
			}
		})
	}
	// A row that fits as it is is the kept row itself; one padded is not.
	if got := tp.ApplyKept(rows[0]); &got.Row[0] != &rows[0][0] {
		t.Error("ApplyKept copied a row that fits as it is")
	}
	if got := tp.ApplyKept(cases["decimal padded"]); got.Row[4] != connectors.Decimal("12.50") || &got.Row[0] == &cases["decimal padded"][0] {
		t.Errorf("ApplyKept of a padded decimal: %v", got.Row)
	}
}
