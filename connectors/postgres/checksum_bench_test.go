package postgres_test

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

const checksumBenchRows = 1_000_000

// checksumBenchTable is a registry-shaped table of 12 columns, every one
// of a type that pushes down (floats are outside the hash), the same as
// MariaDB's benchmark uses.
func checksumBenchTable() *connectors.Table {
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

// BenchmarkChecksum compares, over a 1M-row, 12-column table, the
// pushdown checksum (all columns, one bucket and 1024 buckets) with a bare
// SELECT count(*) and with hashing in Go from scanned rows. One op is the
// whole table; rows/s is the figure to read. Opt-in: only with -bench.
func BenchmarkChecksum(b *testing.B) {
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	tbl := checksumBenchTable()
	if err := openTarget(b, url).Create(ctx, []connectors.Table{*tbl}); err != nil {
		b.Fatal(err)
	}
	pgtest.Exec(b, url, checksumBenchFill, "VACUUM ANALYZE checksum_bench")
	src := openSource(b, url)
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
			b.ReportMetric(float64(checksumBenchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
	run("count", func(snap connectors.Snapshot) error {
		n, err := snap.Count(ctx, tbl.Name)
		if err == nil && n != checksumBenchRows {
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
	if pushed != inGo || pushed.Count != checksumBenchRows {
		b.Fatalf("pushdown %+v, Go %+v", pushed, inGo)
	}
}
