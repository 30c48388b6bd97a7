package conformance

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// ChecksumBenchRows is the number of rows a dialect's fill statement puts
// into ChecksumBenchTable for BenchmarkChecksum.
const ChecksumBenchRows = 1_000_000

// ChecksumBenchFill gives, per dialect, the statements that put
// ChecksumBenchRows rows into ChecksumBenchTable, generated inside the
// server so that setup takes seconds, and refresh its statistics.
var ChecksumBenchFill = map[string][]string{
	"postgres": {"INSERT INTO checksum_bench\n" + `SELECT i, 100000 + i % 5000, 'Åsa Öberg ' || i,
  CASE WHEN i % 3 = 0 THEN 'Patienten besökte mottagningen; inga komplikationer noterades.' END,
  (i % 100000) + (i % 100) / 100.0, CASE WHEN i % 5 <> 0 THEN (i % 1000) + (i % 10000) / 10000.0 END,
  date '1940-01-01' + i % 29000,
  timestamp '2020-01-01 00:00:00.123456' + i * interval '37 seconds',
  timestamptz '2020-01-01 00:00:00+00' + i * interval '37 seconds',
  i % 3 = 0, 'K' || lpad((i % 99999)::text, 5, '0'), decode(md5(i::text), 'hex')
FROM generate_series(1, 1000000) i`, "VACUUM ANALYZE checksum_bench"},
	// MariaDB's SEQUENCE engine gives seq_1_to_1000000.
	"mysql": {"INSERT INTO checksum_bench\n" + `SELECT seq, 100000 + seq % 5000, CONCAT('Åsa Öberg ', seq),
  IF(seq % 3 = 0, 'Patienten besökte mottagningen; inga komplikationer noterades.', NULL),
  (seq % 100000) + (seq % 100) / 100, IF(seq % 5 <> 0, (seq % 1000) + (seq % 10000) / 10000, NULL),
  DATE '1940-01-01' + INTERVAL (seq % 29000) DAY,
  TIMESTAMP '2020-01-01 00:00:00.123456' + INTERVAL (seq * 37) SECOND,
  TIMESTAMP '2020-01-01 00:00:00' + INTERVAL (seq * 37) SECOND,
  seq % 3 = 0, CONCAT('K', LPAD(seq % 99999, 5, '0')), UNHEX(MD5(seq))
FROM seq_1_to_1000000`, "ANALYZE TABLE checksum_bench"},
}

// ChecksumBenchTable is a registry-shaped table of 12 columns, every one
// of a type that pushes down (floats are outside the hash), the same on
// every dialect so that their figures compare.
func ChecksumBenchTable() *connectors.Table {
	typ := func(s string) connectors.Type {
		t, err := connectors.ParseType(s)
		if err != nil {
			panic(err)
		}
		return t
	}
	cols := []connectors.Column{
		{Name: "id", Type: typ("bigint")},
		{Name: "patient", Type: typ("integer")},
		{Name: "name", Type: typ("varchar(64)")},
		{Name: "note", Type: typ("text"), Nullable: true},
		{Name: "amount", Type: typ("decimal(12,2)")},
		{Name: "score", Type: typ("decimal(18,4)"), Nullable: true},
		{Name: "born", Type: typ("date")},
		{Name: "visit", Type: typ("datetime(6)")},
		{Name: "recorded", Type: typ("timestamptz(6)")},
		{Name: "active", Type: typ("boolean")},
		{Name: "code", Type: typ("varchar(10)")},
		{Name: "digest", Type: typ("bytes")},
	}
	return &connectors.Table{Name: "checksum_bench", PrimaryKey: []string{"id"}, Columns: cols}
}

// BenchmarkChecksum creates ChecksumBenchTable in tgt, has fill put
// ChecksumBenchRows rows into it (generated inside the server, so that
// setup takes seconds), and compares, reading through src, the pushdown
// checksum (all columns, one bucket and 1024 buckets) with a bare
// SELECT count(*) and with hashing in Go from scanned rows. One op is the
// whole table; rows/s is the figure to read.
func BenchmarkChecksum(b *testing.B, tgt connectors.Target, src connectors.Source, fill func(b *testing.B)) {
	ctx := context.Background()
	tbl := ChecksumBenchTable()
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		b.Fatal(err)
	}
	fill(b)
	var cols []string
	for _, c := range tbl.Columns {
		cols = append(cols, c.Name)
	}
	one := connectors.ChecksumRequest{Columns: cols, Buckets: 1}
	many := connectors.ChecksumRequest{Columns: cols, Buckets: 1024}
	var pushed, inGo connectors.Aggregate
	run := func(name string, op func(snap connectors.Snapshot) error) {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				snap, err := src.Snapshot(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if err := op(snap); err != nil {
					b.Fatal(err)
				}
				snap.Close()
			}
			b.ReportMetric(float64(ChecksumBenchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	run("count", func(snap connectors.Snapshot) error {
		n, err := snap.Count(ctx, tbl.Name)
		if err == nil && n != ChecksumBenchRows {
			b.Fatalf("count %d", n)
		}
		return err
	})
	run("pushdown", func(snap connectors.Snapshot) error {
		sums, err := snap.(connectors.Checksummer).Checksum(ctx, tbl, one)
		pushed = sums.Total()
		return err
	})
	run("pushdown_1024_buckets", func(snap connectors.Snapshot) error {
		_, err := snap.(connectors.Checksummer).Checksum(ctx, tbl, many)
		return err
	})
	run("go", func(snap connectors.Snapshot) error {
		sums, err := connectors.HashTable(ctx, snap, tbl, one)
		inGo = sums.Total()
		return err
	})
	if pushed != inGo || pushed.Count != ChecksumBenchRows {
		b.Fatalf("pushdown %+v, Go %+v", pushed, inGo)
	}
}
