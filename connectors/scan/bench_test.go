package scan_test

import (
	"context"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/scan"
	"github.com/regflytt/regflytt/plans/synth"
)

// BenchmarkScanEAV scans a synthetic form store and reports rows per
// second and the peak heap; -benchmem gives the allocations. Opt-in:
//
//	go test ./connectors/scan/ -run '^$' -bench . -benchmem
//
// It generates 5,000 patients into SQLite, or scans the database named by
// REGFLYTT_SCAN_BENCH_URL (write one with `regflytt synth --platform eav
// --patients 1000000 --target mysql://…`).
func BenchmarkScanEAV(b *testing.B) {
	ctx := context.Background()
	url := os.Getenv("REGFLYTT_SCAN_BENCH_URL")
	if url == "" {
		url = generate(b, synth.EAV, 5000).url
	}
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	var rows int64
	peak := peakHeap(func() {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			rep, err := scan.Scan(ctx, src, scan.Options{ReferenceDate: refDate})
			if err != nil {
				b.Fatal(err)
			}
			rows = 0
			for _, t := range rep.Tables {
				rows += t.Rows
			}
		}
		b.StopTimer()
	})
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// peakHeap runs f and samples the heap in use every 10 ms.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	wg.Wait()
	return peak.Load()
}
