package postgres_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// checksumBenchFill generates the rows inside the server, so that setting
// up a million rows takes seconds.
const checksumBenchFill = `INSERT INTO checksum_bench
SELECT i, 100000 + i % 5000, 'Åsa Öberg ' || i,
  CASE WHEN i % 3 = 0 THEN 'Patienten besökte mottagningen; inga komplikationer noterades.' END,
  (i % 100000) + (i % 100) / 100.0, CASE WHEN i % 5 <> 0 THEN (i % 1000) + (i % 10000) / 10000.0 END,
  date '1940-01-01' + i % 29000,
  timestamp '2020-01-01 00:00:00.123456' + i * interval '37 seconds',
  timestamptz '2020-01-01 00:00:00+00' + i * interval '37 seconds',
  i % 3 = 0, 'K' || lpad((i % 99999)::text, 5, '0'), decode(md5(i::text), 'hex')
FROM generate_series(1, 1000000) i`

// BenchmarkChecksum runs conformance.BenchmarkChecksum on this dialect.
// Opt-in: only with -bench.
func BenchmarkChecksum(b *testing.B) {
	url := pgtest.NewDatabase(b)
	conformance.BenchmarkChecksum(b, openTarget(b, url), openSource(b, url), func(b *testing.B) {
		pgtest.Exec(b, url, checksumBenchFill, "VACUUM ANALYZE checksum_bench")
	})
}
