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
func KeyBlindness(collation string) (caseAccent, trailingSpaces bool) {
	c := strings.ToLower(collation)
	sensitive := c == "binary" || strings.HasSuffix(c, "_bin") || strings.HasSuffix(c, "_bin2") ||
		strings.HasSuffix(c, "_bin2_utf8") || strings.Contains(c, "_as_cs") || strings.Contains(c, "_cs_as")
	return !sensitive, !sensitive || !strings.Contains(c, "nopad")
}
