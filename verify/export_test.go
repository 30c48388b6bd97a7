package verify

import "github.com/regflytt/regflytt/connectors"

// SameFloatForTest exposes sameFloat to the package's external tests.
func SameFloatForTest(c *Content, a, b connectors.Value) bool { return c.sameFloat(a, b) }

// RehashedRowsForTest exposes the rows a drill-down hashed or read whole.
func RehashedRowsForTest(cc *ContentCheck) int64 { return cc.rehashed }
