package verify

import "github.com/regflytt/regflytt/connectors"

// SameFloatForTest exposes sameFloat to the package's external tests.
func SameFloatForTest(c *Content, a, b connectors.Value) bool { return c.sameFloat(a, b) }

// RehashedRowsForTest exposes the rows a drill-down hashed or read whole.
func RehashedRowsForTest(cc *ContentCheck) int64 { return cc.rehashed }

// SetMaxDrillBucketsForTest sets the buckets a drill-down reads whole,
// until the function it gives is called.
func SetMaxDrillBucketsForTest(n int) func() {
	old := maxDrillBuckets
	maxDrillBuckets = n
	return func() { maxDrillBuckets = old }
}

// ValuesKeyForTest gives the key a difference of a table without a
// primary key leaves out of reports (its values), so that tests can tell
// which record it names.
func ValuesKeyForTest(d Difference) []string { return d.valuesKey }
