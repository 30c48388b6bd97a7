package mappings

import "testing"

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
	if got := SafeName("rokning_status"); got != "rokning_status" {
		t.Errorf("SafeName of an identifier = %q", got)
	}
	if got := SafeName("191212121212"); got == "191212121212" {
		t.Error("SafeName showed an identity number")
	}
}
