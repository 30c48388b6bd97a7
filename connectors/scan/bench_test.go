package scan_test

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/scan"
	"github.com/regflytt/regflytt/plans/synth"
)

// BenchmarkScanEAV scans a synthetic form store on SQLite and reports
// rows per second; -benchmem gives the allocations. Opt-in:
//
//	go test ./connectors/scan/ -run '^$' -bench . -benchmem
func BenchmarkScanEAV(b *testing.B) {
	db := generate(b, synth.EAV, 5000)
	ctx := context.Background()
	src, err := all.OpenSource(ctx, db.url)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	rows := db.stats.TotalRows()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := scan.Scan(ctx, src, scan.Options{ReferenceDate: refDate}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
