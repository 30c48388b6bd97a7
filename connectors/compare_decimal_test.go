package connectors_test

import (
	"math/big"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// CompareDecimal orders as big.Rat does every decimal both read, and
// refuses what is not a plain decimal, so a caller falls back to big.Rat
// for it.
func TestCompareDecimalAgreesWithBigRat(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1.5", "1.50", 0}, {"-0.0", "0", 0}, {"-0", "0.000", 0}, {"007", "7", 0}, {"-007.10", "-7.1", 0},
		{"999.9", "1000", -1}, {"10", "9.99", 1}, {"0.1", "0.09", 1}, {"0.1", "0.10001", -1},
		{"-1", "0", -1}, {"-0.5", "-0.6", 1}, {"-12.340", "-12.34", 0}, {"-2", "-10", 1},
		{"123456789012345678901234567890.5", "123456789012345678901234567890.49", 1},
	} {
		got, ok := connectors.CompareDecimal(connectors.Decimal(c.a), connectors.Decimal(c.b))
		if !ok || got != c.want {
			t.Errorf("CompareDecimal(%s, %s) = %d, %v; want %d", c.a, c.b, got, ok, c.want)
		}
		if back, _ := connectors.CompareDecimal(connectors.Decimal(c.b), connectors.Decimal(c.a)); back != -c.want {
			t.Errorf("CompareDecimal(%s, %s) = %d, want %d", c.b, c.a, back, -c.want)
		}
	}
	for _, bad := range []string{"", "-", ".5", "5.", "1e3", "+1", "1.2.3", "1,5", " 1", "--1", "0x10"} {
		if _, ok := connectors.CompareDecimal(connectors.Decimal(bad), "1"); ok {
			t.Errorf("CompareDecimal(%q, 1) took it for a decimal", bad)
		}
	}
}

func FuzzCompareDecimal(f *testing.F) {
	for _, s := range [][2]string{{"1.5", "1.50"}, {"-0.0", "0"}, {"007", "-7"}, {"0.1", "0.09"}, {"1e3", "1000"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got, ok := connectors.CompareDecimal(connectors.Decimal(a), connectors.Decimal(b))
		_, _, okA := connectors.DecimalDigits(connectors.Decimal(a))
		_, _, okB := connectors.DecimalDigits(connectors.Decimal(b))
		if ok != (okA && okB) {
			t.Fatalf("CompareDecimal(%q, %q) ok %v, DecimalDigits says %v and %v", a, b, ok, okA, okB)
		}
		if !ok {
			return
		}
		ra, okA := new(big.Rat).SetString(a)
		rb, okB := new(big.Rat).SetString(b)
		if !okA || !okB {
			t.Fatalf("big.Rat cannot read %q or %q, which CompareDecimal took", a, b)
		}
		if want := ra.Cmp(rb); got != want {
			t.Fatalf("CompareDecimal(%q, %q) = %d, big.Rat says %d", a, b, got, want)
		}
	})
}
