package conformance

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// ChecksumBenchRows is the number of rows a dialect's fill statement puts
// into ChecksumBenchTable for BenchmarkChecksum.
const ChecksumBenchRows = 1_000_000

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
