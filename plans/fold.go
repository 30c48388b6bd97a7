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
