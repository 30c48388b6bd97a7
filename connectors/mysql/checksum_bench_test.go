package mysql_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// checksumBenchFill generates the rows inside the server from the
// SEQUENCE engine's seq_1_to_1000000, so that setup takes seconds.
const checksumBenchFill = `INSERT INTO checksum_bench
SELECT seq, 100000 + seq % 5000, CONCAT('Åsa Öberg ', seq),
  IF(seq % 3 = 0, 'Patienten besökte mottagningen; inga komplikationer noterades.', NULL),
  (seq % 100000) + (seq % 100) / 100, IF(seq % 5 <> 0, (seq % 1000) + (seq % 10000) / 10000, NULL),
  DATE '1940-01-01' + INTERVAL (seq % 29000) DAY,
  TIMESTAMP '2020-01-01 00:00:00.123456' + INTERVAL (seq * 37) SECOND,
  TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (seq * 37) SECOND,
  seq % 3 = 0, CONCAT('K', LPAD(seq % 99999, 5, '0')), UNHEX(MD5(seq))
FROM seq_1_to_1000000`

// BenchmarkChecksum runs conformance.BenchmarkChecksum on this dialect.
// Opt-in: only with -bench.
func BenchmarkChecksum(b *testing.B) {
	url := mytest.NewDatabase(b)
	conformance.BenchmarkChecksum(b, openTarget(b, url), openSource(b, url), func(b *testing.B) {
		mytest.Exec(b, url, checksumBenchFill, "ANALYZE TABLE checksum_bench")
	})
}
