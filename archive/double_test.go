package archive

import (
	"math"
	"testing"
)

// A raw double is written as SIARD's xs:double spells it (INF, -INF,
// NaN); a package written before holds Go's +Inf and -Inf, which still
// read as the value they were, while any other spelling ("inf",
// "Infinity", "+INF") is no form regflytt wrote and is refused.
func TestRawDoubleSpellings(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want float64
	}{{"INF", math.Inf(1)}, {"-INF", math.Inf(-1)}, {"+Inf", math.Inf(1)}, {"-Inf", math.Inf(-1)}, {"-0", math.Copysign(0, -1)}, {"5e-324", 5e-324}} {
		v, err := decodeRaw("float", []byte(c.raw))
		if err != nil || math.Float64bits(v.(float64)) != math.Float64bits(c.want) {
			t.Errorf("raw %q: %v, %v, want %v", c.raw, v, err, c.want)
		}
	}
	if v, err := decodeRaw("float", []byte("NaN")); err != nil || !math.IsNaN(v.(float64)) {
		t.Errorf("raw NaN: %v, %v", v, err)
	}
	for _, bad := range []string{"inf", "Infinity", "+INF", "nan", "1E5", "0x1p-2"} {
		if v, err := decodeRaw("float", []byte(bad)); err == nil {
			t.Errorf("raw %q read as %v, want it refused", bad, v)
		}
	}
	if got, _ := rawBytes(math.Inf(-1)); string(got) != "-INF" {
		t.Errorf("raw -Inf written as %q, want -INF", got)
	}
}
