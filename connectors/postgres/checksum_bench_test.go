package postgres_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// BenchmarkChecksum runs conformance.BenchmarkChecksum on this dialect.
// Opt-in: only with -bench.
func BenchmarkChecksum(b *testing.B) {
	url := pgtest.NewDatabase(b)
	conformance.BenchmarkChecksum(b, openTarget(b, url), openSource(b, url), func(b *testing.B) {
		pgtest.Exec(b, url, conformance.ChecksumBenchFill["postgres"]...)
	})
}
