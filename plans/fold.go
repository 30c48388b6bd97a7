package plans

import (
	"slices"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// A source whose keys are text under a case- or accent-blind collation
// (SQLite NOCASE, MariaDB's utf8mb4_general_ci, SQL Server's *_CI_AI)
// joins a child to its parent where the bytes differ: 'ABC' is the
// patient 'abc', 'abc ' too. regflytt compares keys byte for byte, so it
// keeps each parent key folded as well, to tell a real orphan from a
// child the source would have matched.

// Folding covers what a collation joins only for some collations
// (foldCovers): MariaDB's utf8mb4_general_ci also takes 'ß' for 's', its
// swedish_ci 'ü' for 'y', unicode_ci ignores NUL, uca1400 takes 'æ' for
// 'ae'. Under such a collation a key unmatched even folded is taken for
// an orphan only when folding is sure of the keys it could match
// (foldSure); otherwise the run stops, naming the tables, the column and
// the collation: archived as an orphan, an opted-out patient's record
// stayed in the archive, or a migrated parent's child was left out of
// the receiving tables, and run and verify passed.

// joinsMore names the first of the key columns whose collation joins
// texts folding does not ("unknown" for one the catalogue does not
// name), or "" when folding covers them all.
func joinsMore(cols ...*connectors.Column) string {
	for _, c := range cols {
		if !foldCovers(c.Collation) {
			if c.Collation == "" {
				return "unknown"
			}
			return c.Collation
		}
	}
	return ""
}

// foldCovers says whether folding (mappings.FoldText) joins every two
// texts a key column's collation joins: a byte-wise one, one blind to
// trailing spaces only, and SQLite's NOCASE, which folds ASCII letters
// only. Every other blind collation, and one not known, may join more
// (see above; SQL Server's and ICU's have rules of their own).
func foldCovers(collation string) bool {
	caseAccent, _ := connectors.KeyBlindness(collation)
	return !caseAccent || strings.EqualFold(collation, "nocase")
}

// foldSure says whether a key is one every blind collation joins as
// folding does: no text, or text of printable ASCII only, whose only
// spellings to such a collation are its cases and trailing spaces.
func foldSure(key ...connectors.Value) bool {
	for _, v := range key {
		s, ok := v.(string)
		if !ok {
			continue
		}
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				return false
			}
		}
	}
	return true
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
		out[i] = mappings.FoldText(s)
	}
	return out, out != nil
}
