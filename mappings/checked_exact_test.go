package mappings

import (
	"errors"
	"testing"
)

// Expressions that changed a value silently: int() dropped a fraction
// (int(70.5) is 70), and integers beyond 2^53 lost their last digits in
// floating-point arithmetic (9007199254740993 / 1, * 1.0 or float() gave
// 9007199254740992, which a decimal column then took as exact); float()
// read "1_0" as 10. Each fails the value with expression_range (or as an
// expression error) now.
func TestExprRefusesWhatItWouldChange(t *testing.T) {
	const big = int64(9007199254740993) // 2^53 + 1: no float64 holds it
	for _, c := range []struct {
		src string
		x   any
	}{
		{"int(x)", 70.5},
		{"int(x)", -1.9},
		{"x / 1", big},
		{"x * 1.0", big},
		{"x + 0.5", big},
		{"1.0 * x", -big},
		{"float(x)", big},
		{`float(x)`, "1_0"},
		{`float(x)`, "0x10"},
	} {
		got, err := evalExpr(t, c.src, []string{"x"}, c.x)
		if err == nil {
			t.Errorf("%s with x = %#v gave %#v, want an error", c.src, c.x, got)
			continue
		}
		var re *reasonError
		if _, isText := c.x.(string); !isText && (!errors.As(err, &re) || re.Reason != ReasonExpressionRange) {
			t.Errorf("%s with x = %#v: %v, want %s", c.src, c.x, err, ReasonExpressionRange)
		}
	}
	// What stays as it was.
	for _, c := range []struct {
		src  string
		x    any
		want any
	}{
		{"int(x)", 70.0, int64(70)},
		{"int(x)", "12", nil}, // expr-lang's own error, kept
		{"x / 4", 10, 2.5},
		{"x * 1.0", int64(1) << 53, float64(1 << 53)},
		{"float(x)", "1.5", 1.5},
		{"float(x)", 3, 3.0},
		{"floor(x)", 70.5, 70.0},
	} {
		got, err := evalExpr(t, c.src, []string{"x"}, c.x)
		if c.want == nil {
			if err == nil {
				t.Errorf("%s with x = %#v gave %#v, want an error", c.src, c.x, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s with x = %#v = %#v, %v; want %#v", c.src, c.x, got, err, c.want)
		}
	}
}
