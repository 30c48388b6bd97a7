package mappings

import (
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
