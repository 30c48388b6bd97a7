package mappings

import (
	"math"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// Casts that once changed a value instead of refusing it. Each is a value
// a legacy column can hold; each must fail the value (it is archived with
// its reason), never become another value.
func TestConvertRefusesWhatItWouldChange(t *testing.T) {
	boolean := connectors.Type{Kind: connectors.KindBool}
	double := connectors.Type{Kind: connectors.KindFloat, Bits: 64}
	cases := []struct {
		in connectors.Value
		to connectors.Type
	}{
		// Trailing zeros were trimmed off the whole number: 10 and 100
		// read as 1, so a count of 10 became true.
		{connectors.Decimal("10"), boolean},
		{connectors.Decimal("100"), boolean},
		{connectors.Decimal("-10"), boolean},
		// strconv reads Go's hexadecimal floats: the text "0x1p-2" (a
		// code, a serial) became 0.25.
		{"0x1p-2", double},
		{"0X1P4", double},
	}
	for _, c := range cases {
		if got, err := convert(c.in, c.to); err == nil {
			t.Errorf("convert(%#v, %v) = %#v, want an error", c.in, c.to, got)
		}
	}
	// What stays: the booleans a decimal can be, and scientific notation.
	for in, want := range map[connectors.Decimal]bool{"0": false, "1": true, "1.00": true, "0.0": false, "-0": false} {
		if got, err := convert(in, boolean); err != nil || got != want {
			t.Errorf("convert(%q, boolean) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := convert("1e3", double); err != nil || got != float64(1000) {
		t.Errorf(`convert("1e3", double) = %v, %v; want 1000`, got, err)
	}
}

// A decimal column's scale writes trailing zeros (72.50 in a decimal(5,2))
// that a double does not: the cast refused every such value as "not exact
// as a double" and archived it. Digits a double would lose still fail.
func TestConvertDecimalScaleToDouble(t *testing.T) {
	double := connectors.Type{Kind: connectors.KindFloat, Bits: 64}
	for in, want := range map[connectors.Value]float64{
		connectors.Decimal("72.50"): 72.5, connectors.Decimal("0.10"): 0.1, connectors.Decimal("100.00"): 100,
		"72.50": 72.5, connectors.Decimal("-3.000"): -3,
	} {
		if got, err := convert(in, double); err != nil || got != want {
			t.Errorf("convert(%#v, double) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []connectors.Value{connectors.Decimal("123456789012345678.00"), connectors.Decimal("0.1000000000000000001")} {
		if got, err := convert(in, double); err == nil {
			t.Errorf("convert(%#v, double) = %v, want an error", in, got)
		}
	}
}

// A PostgreSQL numeric or double holding Infinity reads as a float64
// infinity; cast to text (the usual home of an unbounded numeric) it
// became Go's "+Inf", a text the source never held, under PASS. It is
// written as PostgreSQL writes it, and string() agrees.
func TestFloatInfinityAsTextIsPostgreSQLs(t *testing.T) {
	text := connectors.Type{Kind: connectors.KindText}
	for in, want := range map[float64]string{math.Inf(1): "Infinity", math.Inf(-1): "-Infinity", math.NaN(): "NaN", 1e300: "1e+300", math.Copysign(0, -1): "-0"} {
		if got, err := convert(in, text); err != nil || got != want {
			t.Errorf("convert(%v, text) = %#v, %v; want %q", in, got, err, want)
		}
		if got, err := checkedString(in); err != nil || got != want {
			t.Errorf("string(%v) = %#v, %v; want %q", in, got, err, want)
		}
	}
}
