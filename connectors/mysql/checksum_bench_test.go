package mysql_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// BenchmarkChecksum runs conformance.BenchmarkChecksum on this dialect.
// Opt-in: only with -bench.
func BenchmarkChecksum(b *testing.B) {
	url := mytest.NewDatabase(b)
	conformance.BenchmarkChecksum(b, openTarget(b, url), openSource(b, url), func(b *testing.B) {
		mytest.Exec(b, url, conformance.ChecksumBenchFill["mysql"]...)
	})
}
