package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A number kept in a double column (a journal number, a postcode, a
// count from a spreadsheet import) and cast to text, or passed through
// string(), became "1.234567e+06": Go's shortest form switches to an
// exponent from a million up, where the source and every database print
// 1234567. The receiving text column held a value no one would search
// for, and verification, which re-applies the mapping, agreed. A double
// is now written in plain digits between 1e-4 and 1e21, as databases
// print it.
func TestFloatToTextIsPlain(t *testing.T) {
	text := connectors.Type{Kind: connectors.KindText}
	for in, want := range map[float64]string{
		1234567: "1234567", 191212121212: "191212121212", 72.5: "72.5", 0.1: "0.1", -1e20: "-100000000000000000000",
		0: "0", 0.0001: "0.0001", 1e-5: "1e-05", 1e21: "1e+21",
	} {
		if got, err := convert(in, text); err != nil || got != want {
			t.Errorf("convert(%v, text) = %#v, %v; want %q", in, got, err, want)
		}
		if got, err := evalExpr(t, `string(f)`, []string{"f"}, in); err != nil || got != want {
			t.Errorf("string(%v) = %#v, %v; want %q", in, got, err, want)
		}
	}
	for src, want := range map[string]string{`string(i)`: "12", `string(d)`: "1.50", `string(s)`: "x", `f | string()`: "1234567"} {
		if got, err := evalExpr(t, src, []string{"f", "i", "d", "s"}, 1234567.0, int64(12), connectors.Decimal("1.50"), "x"); err != nil || got != want {
			t.Errorf("%s = %#v, %v; want %q", src, got, err, want)
		}
	}
}

// string() of NULL gave the text "<nil>", so string(kod) over an empty
// code wrote "<nil>" into the receiving column as a value, and the run,
// seeing a non-NULL value, counted nothing lost. NULL stays NULL.
func TestStringOfNullIsNull(t *testing.T) {
	if got, err := evalExpr(t, `string(n)`, []string{"n"}, nil); err != nil || got != nil {
		t.Errorf("string(NULL) = %#v, %v; want NULL", got, err)
	}
	if got, err := evalExpr(t, `string(n) + "x"`, []string{"n"}, nil); err == nil {
		t.Errorf(`string(NULL) + "x" = %#v, want an error (+ on NULL)`, got)
	}
	if got, err := evalExpr(t, `string(n) ?? "okänd"`, []string{"n"}, nil); err != nil || got != "okänd" {
		t.Errorf(`string(NULL) ?? "okänd" = %#v, %v; want "okänd"`, got, err)
	}
}
