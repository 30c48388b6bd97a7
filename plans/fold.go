package plans

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/regflytt/regflytt/connectors"
)

// A source whose keys are text under a case- or accent-blind collation
// (SQLite NOCASE, MariaDB's utf8mb4_general_ci, SQL Server's *_CI_AI)
// joins a child to its parent where the bytes differ: 'ABC' is the
// patient 'abc', 'abc ' too. regflytt compares keys byte for byte, so it
// keeps each parent key folded as well, to tell a real orphan from a
// child the source would have matched.

// foldText is a key text as a blind collation compares it: trailing
// spaces dropped, accents stripped, lower case.
func foldText(s string) string {
	s = strings.TrimRight(s, " ")
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	if out, _, err := transform.String(t, s); err == nil {
		s = out
	}
	return strings.ToLower(s)
}

// foldKey folds the text values of a key; false when it has none, so
// folding cannot change it.
func foldKey(key []connectors.Value) ([]connectors.Value, bool) {
	var out []connectors.Value
	for i, v := range key {
		s, ok := v.(string)
		if !ok {
			continue
		}
		if out == nil {
			out = slices.Clone(key)
		}
		out[i] = foldText(s)
	}
	return out, out != nil
}
