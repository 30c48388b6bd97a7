package connectors

import "strings"

// KeyBlindness says how a text column under a collation, as the catalogue
// names it (Column.Collation), compares keys: blind to case and accents
// ('ABC' is 'abc', 'é' is 'e'), and blind to trailing spaces ('a ' is
// 'a', PAD SPACE). An empty or unknown name is blind to both: the safe
// guess for a caller that must not split what the source joins (a key
// folded needlessly is set aside, never merged).
//
// Names are read by the conventions the dialects share: MariaDB and
// MySQL binary collations end in _bin (utf8mb4_bin, utf8mb4_nopad_bin,
// utf8mb4_0900_bin) and case- and accent-sensitive ones hold _as_cs
// (utf8mb4_0900_as_cs, uca1400_as_cs); SQL Server's end in _BIN or _BIN2
// (_UTF8 after it) or hold _CS_AS. Only a name with nopad compares
// trailing spaces: MariaDB pads unless told not to, and SQL Server's
// equality ignores trailing spaces under every collation (MySQL's 0900
// collations do not pad, and are taken to, which only sets more aside).
//
// SQLite's three are read by name: BINARY compares bytes (memcmp, no
// padding; MySQL's binary collation is that of byte strings, never
// text), NOCASE folds ASCII case (taken as blind to case and accents,
// which only sets more aside) and RTRIM ignores trailing spaces.
//
// A PostgreSQL collation's name says nothing of how it compares (a user
// names it), so the catalogue writes after it, in parentheses, what
// does (the last parenthesis is the note, a name may hold one too):
// "(deterministic)" compares bytes, "(deterministic, pad space)"
// bytes but for trailing spaces (character(n)), and every other note,
// "(nondeterministic)" among them, is blind, whatever the name before
// it: an ICU collation at strength level 1 or 2 joins case (and
// accents), and one at level 3 still equates canonically equivalent
// spellings ('é' as one code point or as 'e' and an accent), which only
// the fold of case and accents joins.
func KeyBlindness(collation string) (caseAccent, trailingSpaces bool) {
	c := strings.ToLower(collation)
	if i := strings.LastIndex(c, " ("); i >= 0 {
		switch c[i+2:] {
		case "deterministic)":
			return false, false
		case "deterministic, pad space)":
			return false, true
		}
		return true, true
	}
	switch c {
	case "binary":
		return false, false
	case "nocase":
		return true, false
	case "rtrim":
		return false, true
	}
	sensitive := strings.HasSuffix(c, "_bin") || strings.HasSuffix(c, "_bin2") ||
		strings.HasSuffix(c, "_bin2_utf8") || strings.Contains(c, "_as_cs") || strings.Contains(c, "_cs_as")
	return !sensitive, !sensitive || !strings.Contains(c, "nopad")
}
