package plans

import (
	"slices"

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
// (mappings.FoldLimit): MariaDB's utf8mb4_general_ci also takes 'ß' for
// 's', its swedish_ci 'ü' for 'y', unicode_ci ignores NUL, uca1400 takes
// 'æ' for 'ae'. Under such a collation a key unmatched even folded is
// taken for an orphan only when folding is sure of the keys it could
// match; otherwise the run stops, naming the tables, the column and the
// collation: archived as an orphan, an opted-out patient's record stayed
// in the archive, or a migrated parent's child was left out of the
// receiving tables, and run and verify passed.

// foldLimitOf is the limit of a key compared under the collations of
// columns.
func foldLimitOf(cols ...*connectors.Column) mappings.FoldLimit {
	colls := make([]string, len(cols))
	for i, c := range cols {
		colls[i] = c.Collation
	}
	return mappings.FoldLimitOf(colls...)
}

// sureOf says whether the limit is sure of every value of key.
func sureOf(l mappings.FoldLimit, key []connectors.Value) bool {
	for _, v := range key {
		if !l.Sure(v) {
			return false
		}
	}
	return true
}

// asciiOnly is the narrowest limit: printable ASCII only, less the
// characters latin1_swedish_ci takes for letters.
var asciiOnly = mappings.FoldLimit{Collation: "unknown", Latin1Swedish: true}

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
