package connectors

import "testing"

// Only names that say so see case and accents, or trailing spaces: a
// name read wrongly as sensitive would let a merge split what the source
// joins, so every other name, and none, is blind.
func TestKeyBlindness(t *testing.T) {
	for _, c := range []struct {
		name                       string
		caseAccent, trailingSpaces bool
	}{
		{"", true, true},
		{"utf8mb4_general_ci", true, true},
		{"latin1_swedish_ci", true, true},
		{"utf8mb4_uca1400_ai_ci", true, true},
		{"utf8mb4_0900_as_ci", true, true},
		{"utf8mb4_bin", false, true},
		{"latin1_bin", false, true},
		{"utf8mb4_nopad_bin", false, false},
		{"utf8mb4_uca1400_nopad_as_cs", false, false},
		{"utf8mb4_0900_as_cs", false, true},
		{"BINARY", false, false},
		{"NOCASE", true, false},
		{"RTRIM", false, true},
		{"swedish", true, true},
		{"default (deterministic)", false, false},
		{"C (deterministic)", false, false},
		{"und-x-icu (deterministic, pad space)", false, true},
		{"ci (nondeterministic)", true, true},
		{"utf8mb4_nopad_bin (nondeterministic)", true, true},
		{"binary (nondeterministic)", true, true},
		{"x (deterministic, something else)", true, true},
		{"Finnish_Swedish_CI_AS", true, true},
		{"Finnish_Swedish_CS_AS", false, true},
		{"Latin1_General_100_BIN2", false, true},
		{"Latin1_General_100_BIN2_UTF8", false, true},
		{"Latin1_General_BIN", false, true},
		{"und-u-ks-level1", true, true},
	} {
		ca, ts := KeyBlindness(c.name)
		if ca != c.caseAccent || ts != c.trailingSpaces {
			t.Errorf("KeyBlindness(%q) = %v, %v, want %v, %v", c.name, ca, ts, c.caseAccent, c.trailingSpaces)
		}
	}
}
