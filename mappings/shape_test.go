package mappings

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestShapeNeverShowsTheValue(t *testing.T) {
	cases := map[string]string{
		"191212121212":       "identity-number shape YYYYMMDDNNNN",
		"19121212-1212":      "identity-number shape YYYYMMDD-NNNN",
		"121212-1212":        "identity-number shape YYMMDD-NNNN",
		"121212+1212":        "identity-number shape YYMMDD+NNNN",
		"1212121212":         "identity-number shape YYMMDDNNNN",
		"2019-05-01":         "shape NNNN-NN-NN",
		"Kalle Anka":         "text, length 10",
		"AbcdefghijklmnopqR": "text, length 18",
		"ab12":               "shape AANN",
		"":                   "empty text",
	}
	for in, want := range cases {
		if got := Shape(in); got != want {
			t.Errorf("Shape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSafeCode(t *testing.T) {
	cases := map[string]string{
		"J":             `"J"`,
		"S82.1":         `"S82.1"`,
		"12345":         `"12345"`,
		"123456":        "shape NNNNNN",
		"191212121212":  "identity-number shape YYYYMMDDNNNN",
		"Andersson1":    "shape AAAAAAAAAN",
		"röker ej":      "text, length 8",
		"a\"b":          "shape A\"A",
		"19121212-1212": "identity-number shape YYYYMMDD-NNNN",
	}
	for in, want := range cases {
		if got := SafeCode(in); got != want {
			t.Errorf("SafeCode(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SafeName("rökning_status"); got != "rökning_status" {
		t.Errorf("SafeName of an identifier = %q", got)
	}
	if got := SafeName("191212121212"); got == "191212121212" {
		t.Error("SafeName showed an identity number")
	}
}

// FuzzSafe: what SafeCode and SafeName show of a value never holds a run
// of six digits from it (a date of birth, an identity number), and a shape
// drawn rune by rune holds no digit at all.
func FuzzSafe(f *testing.F) {
	for _, s := range []string{"J", "191212121212", "19121212-1212", "Kalle Anka", "rökning", "a1b2c3d4e5f6", "1212 12-1212"} {
		f.Add(s)
	}
	sixDigits := regexp.MustCompile(`[0-9]{6,}`)
	f.Fuzz(func(t *testing.T, s string) {
		for _, shown := range []string{SafeCode(s), SafeName(s)} {
			for _, run := range sixDigits.FindAllString(s, -1) {
				if strings.Contains(shown, run) {
					t.Fatalf("%q shown as %q", s, shown)
				}
			}
			if shown == s || shown == fmt.Sprintf("%q", s) {
				continue
			}
			if strings.HasPrefix(shown, "text, length ") || strings.HasPrefix(shown, "identity-number shape ") || shown == "empty text" {
				continue
			}
			if !strings.HasPrefix(shown, "shape ") || strings.ContainsAny(strings.TrimPrefix(shown, "shape "), "0123456789") {
				t.Fatalf("%q shown as %q", s, shown)
			}
		}
	})
}
