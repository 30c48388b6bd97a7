package mappings

import (
	"fmt"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A number with a fraction compared with a decimal column is compiled as
// the decimal it reads as (the program holds Decimal("999.9"), not the
// float 999.8999999999999773), so no comparison formats it again; with a
// float column, an expression, or in a list it stays the float. The
// answers are those of comparing the float: a decimal column's 999.9
// equals 999.9, a float column's value (SQLite's REAL in a NUMERIC
// column) compares by value either way.
func TestFloatLiteralAgainstDecimalColumnIsCompiledAsDecimal(t *testing.T) {
	env := testEnv(t)
	cols := []string{"d", "f"}
	decimals := map[string]bool{"d": true}
	for _, c := range []struct {
		src       string
		constants []string // the program's numeric constants, %T(%v)
		row       []any
		want      connectors.Value
	}{
		{"d == 999.9", []string{"connectors.Decimal(999.9)"}, []any{connectors.Decimal("999.9"), 0.0}, true},
		{"999.9 != d", []string{"connectors.Decimal(999.9)"}, []any{connectors.Decimal("999.90"), 0.0}, false},
		{"d < -0.5", []string{"connectors.Decimal(-0.5)"}, []any{connectors.Decimal("-0.6"), 0.0}, true},
		{"d >= 0.1", []string{"connectors.Decimal(0.1)"}, []any{0.1, 0.0}, true},
		{"d > 0.1", []string{"connectors.Decimal(0.1)"}, []any{0.1, 0.0}, false},
		{"let x = d; x == 1.5", []string{"float64(1.5)"}, []any{connectors.Decimal("1.5"), 0.0}, true},
		{"f == 999.9", []string{"float64(999.9)"}, []any{connectors.Decimal("0"), 999.9}, true},
		{"coalesce(d, d) == 2.5", []string{"float64(2.5)"}, []any{connectors.Decimal("2.5"), 0.0}, true},
		{"d in [2.5]", []string{"float64(2.5)"}, []any{connectors.Decimal("2.5"), 0.0}, true},
	} {
		ce, err := compileExprMode(Str{Value: c.src}, cols, env, exprMode{decimals: decimals})
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		var constants []string
		for _, k := range ce.prog.Constants {
			if list, ok := k.([]any); ok && len(list) == 1 {
				k = list[0] // a literal list is one constant
			}
			switch k.(type) {
			case float64, connectors.Decimal:
				constants = append(constants, fmt.Sprintf("%T(%v)", k, k))
			}
		}
		if fmt.Sprint(constants) != fmt.Sprint(c.constants) {
			t.Errorf("%s: constants %v, want %v", c.src, constants, c.constants)
		}
		var st applyState
		st.env.R = c.row
		got, err := ce.run(&st.vm, &st.env)
		if err != nil || got != c.want {
			t.Errorf("%s on %v: %v, %v; want %v", c.src, c.row, got, err, c.want)
		}
	}
}
