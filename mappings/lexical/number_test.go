package lexical

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		in     string
		want   connectors.Decimal
		reason string // "" for success
		off    int    // Error.Offset, checked on failure
	}{
		{in: "12.5", want: "12.5"},
		{in: "12,5", want: "12.5"},
		{in: "-0,75", want: "-0.75"},
		{in: "+3", want: "3"},
		{in: "3", want: "3"},
		{in: "0", want: "0"},
		{in: "-0", want: "0"},
		{in: "+0", want: "0"},
		{in: "-0,00", want: "0.00"},
		{in: "-.0", want: "0.0"},
		{in: "12,50", want: "12.50"},
		{in: "12.500", want: "12.500"},
		{in: "007", want: "7"},
		{in: "000", want: "0"},
		{in: "00,5", want: "0.5"},
		{in: "-007,10", want: "-7.10"},
		{in: ",5", want: "0.5"},
		{in: ".5", want: "0.5"},
		{in: "-,5", want: "-0.5"},
		{in: "5,", want: "5"},
		{in: "5.", want: "5"},
		{in: "  12,5  ", want: "12.5"},
		{in: "\t-1\n", want: "-1"},
		{in: "\u00a012,5\u00a0", want: "12.5"},
		{in: "\ufeff12,5", want: "12.5"},
		{in: "1 234,5", want: "1234.5"},
		{in: "1 234", want: "1234"},
		{in: "12 345 678,90", want: "12345678.90"},
		{in: "-1 234,5", want: "-1234.5"},
		{in: "1\u00a0234,5", want: "1234.5"},
		{in: "1\u202f234\u202f567", want: "1234567"},
		{in: "\u22125", want: "-5"},
		{in: "\u22120", want: "0"},
		{in: "123456789012345678901234567890.123456789012345678901234567890",
			want: "123456789012345678901234567890.123456789012345678901234567890"},

		{in: "", reason: reasonEmpty, off: -1},
		{in: "   ", reason: reasonEmpty, off: -1},
		{in: "-", reason: reasonNoDigits, off: -1},
		{in: "+", reason: reasonNoDigits, off: -1},
		{in: ",", reason: reasonNoDigits, off: -1},
		{in: "-.", reason: reasonNoDigits, off: -1},
		{in: "--5", reason: reasonSigns, off: 1},
		{in: "+-5", reason: reasonSigns, off: 1},
		{in: "-+5", reason: reasonSigns, off: 1},
		{in: "-\u22125", reason: reasonSigns, off: 1},
		{in: "5-", reason: reasonSignPlace, off: 1},
		{in: "5,0-", reason: reasonSignPlace, off: 3},
		{in: "1,234.5", reason: reasonBothMarks, off: 5},
		{in: "1.234,5", reason: reasonBothMarks, off: 5},
		{in: "1.234.567,5", reason: reasonBothMarks, off: 5},
		{in: "1.234.567", reason: reasonTwoMarks, off: 5},
		{in: "1,234,567", reason: reasonTwoMarks, off: 5},
		{in: "1 234.5", reason: reasonGroupingDot, off: 5},
		{in: "12 34,5", reason: reasonGrouping, off: 5},
		{in: "1234 567", reason: reasonGrouping, off: 4},
		{in: "1 2345", reason: reasonGrouping, off: 6},
		{in: "1  234", reason: reasonGrouping, off: 2},
		{in: "1 234\u00a0567", reason: reasonMixedGroups, off: 5},
		{in: "- 5", reason: reasonSpace, off: 1},
		{in: "1,5 0", reason: reasonSpace, off: 3},
		{in: "1\t234", reason: reasonSpace, off: 1},
		{in: "NaN", reason: reasonNaNInf, off: 0},
		{in: "nan", reason: reasonNaNInf, off: 0},
		{in: "Inf", reason: reasonNaNInf, off: 0},
		{in: "-Infinity", reason: reasonNaNInf, off: 1},
		{in: "1e5", reason: reasonExponent, off: 1},
		{in: "1.5E-7", reason: reasonExponent, off: 3},
		{in: "1,e5", reason: reasonExponent, off: 2},
		{in: "0x1F", reason: reasonChar, off: 1},
		{in: "12 kr", reason: reasonGrouping, off: 3},
		{in: "12,5 kr", reason: reasonSpace, off: 4},
		{in: "１２", reason: reasonChar, off: 0},
		{in: "  1e5", reason: reasonExponent, off: 3}, // offsets count from the untrimmed value
	}
	for _, tt := range tests {
		got, err := ParseDecimal(tt.in)
		if tt.reason == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseDecimal(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				continue
			}
			// The canonical form is a fixed point.
			if again, err := ParseDecimal(string(got)); err != nil || again != got {
				t.Errorf("ParseDecimal(%q) = %q, %v; not a fixed point", got, again, err)
			}
			continue
		}
		checkErr(t, strconv.Quote(tt.in), err, KindBadDecimal, tt.reason)
		if e, ok := err.(*Error); ok && e.Offset != tt.off {
			t.Errorf("ParseDecimal(%q): offset %d, want %d", tt.in, e.Offset, tt.off)
		}
		if got != "" {
			t.Errorf("ParseDecimal(%q) = %q with an error", tt.in, got)
		}
	}
}

// TestParseDecimalAgreesWithStrconv checks values on both sides of the
// canonical form against strconv's reading of the same number.
func TestParseDecimalAgreesWithStrconv(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.5, -0.25, 123.456, 1e6, -987654.321, 1234567.5} {
		plain := strconv.FormatFloat(f, 'f', -1, 64)
		comma := strings.Replace(plain, ".", ",", 1)
		for _, in := range []string{plain, comma} {
			got, err := ParseDecimal(in)
			if err != nil {
				t.Fatalf("ParseDecimal(%q): %v", in, err)
			}
			back, err := strconv.ParseFloat(string(got), 64)
			if err != nil || back != f {
				t.Errorf("ParseDecimal(%q) = %q, reads as %v", in, got, back)
			}
		}
	}
}

func TestParseDecimalCanonicalSharesMemory(t *testing.T) {
	in := "-12.50"
	allocs := testing.AllocsPerRun(100, func() {
		if d, err := ParseDecimal(in); err != nil || string(d) != in {
			t.Fatal(d, err)
		}
	})
	if allocs != 0 {
		t.Errorf("canonical input allocated %v times", allocs)
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		kind Kind
		off  int
	}{
		{in: "0", want: 0},
		{in: "42", want: 42},
		{in: "+42", want: 42},
		{in: "-42", want: -42},
		{in: "-0", want: 0},
		{in: "007", want: 7},
		{in: "  42 ", want: 42},
		{in: "\u00a042\ufeff", want: 42},
		{in: "\u221242", want: -42},
		{in: "9223372036854775807", want: math.MaxInt64},
		{in: "-9223372036854775808", want: math.MinInt64},
		{in: "00000000000000000000009223372036854775807", want: math.MaxInt64},
		{in: "9223372036854775808", kind: KindOutOfRange, off: -1},
		{in: "-9223372036854775809", kind: KindOutOfRange, off: -1},
		{in: "99999999999999999999999", kind: KindOutOfRange, off: -1},
		{in: "", kind: KindBadInteger, off: -1},
		{in: " ", kind: KindBadInteger, off: -1},
		{in: "-", kind: KindBadInteger, off: -1},
		{in: "--1", kind: KindBadInteger, off: 1},
		{in: "1-", kind: KindBadInteger, off: 1},
		{in: "1 000", kind: KindBadInteger, off: 1},
		{in: "12.0", kind: KindBadInteger, off: 2},
		{in: "1e3", kind: KindBadInteger, off: 1},
		{in: "0x10", kind: KindBadInteger, off: 1},
		{in: "1_000", kind: KindBadInteger, off: 1},
		{in: "99999999999999999999999x", kind: KindBadInteger, off: 23},
	}
	for _, tt := range tests {
		got, err := ParseInt(tt.in)
		if tt.kind == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseInt(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
			continue
		}
		checkErr(t, strconv.Quote(tt.in), err, tt.kind, "")
		if e, ok := err.(*Error); ok && e.Offset != tt.off {
			t.Errorf("ParseInt(%q): offset %d, want %d", tt.in, e.Offset, tt.off)
		}
	}
	// Every int64 near the edges round-trips through its decimal text.
	for _, n := range []int64{math.MinInt64, math.MinInt64 + 1, -1, 0, 1, math.MaxInt64 - 1, math.MaxInt64} {
		if got, err := ParseInt(strconv.FormatInt(n, 10)); err != nil || got != n {
			t.Errorf("ParseInt(%d) = %d, %v", n, got, err)
		}
	}
}
