package synth_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/plans/synth"
)

// BenchmarkGenerate writes each platform at REGFLYTT_BENCH_PATIENTS
// patients (default 1,000,000) into an SQLite file and into a writer that
// discards what it gets, so that the generator's own cost shows apart
// from the database's. It reports rows written per second and the peak
// of the heap's live objects and of all memory the runtime holds, sampled
// every 50 ms. See doc.go for the command and the figures.
func BenchmarkGenerate(b *testing.B) {
	patients := 1_000_000
	if s := os.Getenv("REGFLYTT_BENCH_PATIENTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("REGFLYTT_BENCH_PATIENTS=%q: %v", s, err)
		}
		patients = n
	}
	for _, p := range synth.Platforms() {
		for _, target := range []string{"sqlite", "discard"} {
			b.Run(string(p)+"/"+target, func(b *testing.B) {
				var rows int64
				var elapsed time.Duration
				peak := sampleMemory()
				for i := 0; i < b.N; i++ {
					w, done := benchWriter(b, target)
					start := time.Now()
					st, err := synth.Generate(context.Background(), w, synth.Config{Platform: p, Patients: patients, Seed: uint64(i + 1), BatchSize: 10_000})
					if err != nil {
						b.Fatal(err)
					}
					elapsed += time.Since(start)
					rows += st.TotalRows()
					done()
				}
				heap, total := peak()
				b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
				b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
				b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(total)/(1<<20), "peak-total-MiB")
			})
		}
	}
}

func benchWriter(b *testing.B, target string) (synth.Writer, func()) {
	if target == "discard" {
		return discard{}, func() {}
	}
	path := filepath.Join(b.TempDir(), "legacy.db")
	loc, err := connectors.ParseLocation("sqlite://" + path)
	if err != nil {
		b.Fatal(err)
	}
	db, err := sqlite.OpenTarget(context.Background(), loc)
	if err != nil {
		b.Fatal(err)
	}
	return db, func() {
		db.Close()
		os.Remove(path)
	}
}

// sampleMemory samples the runtime's memory every 50 ms until the
// returned function is called, which gives the peaks: live heap objects,
// and everything the runtime has mapped (heap, stacks, metadata).
func sampleMemory() func() (heap, total uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	var mu sync.Mutex
	var maxHeap, maxTotal uint64
	read := func() {
		metrics.Read(samples)
		mu.Lock()
		maxHeap = max(maxHeap, samples[0].Value.Uint64())
		maxTotal = max(maxTotal, samples[1].Value.Uint64())
		mu.Unlock()
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done
		read()
		mu.Lock()
		defer mu.Unlock()
		return maxHeap, maxTotal
	}
}

// discard is a Writer that keeps nothing: SQLite's declarations, no
// database.
type discard struct{}

func (discard) Dialect() connectors.Dialect                            { return sqlite.Dialect{} }
func (discard) CreateLegacy(context.Context, []connectors.Table) error { return nil }
func (discard) BeginLegacy(context.Context) (connectors.Tx, error)     { return discardTx{}, nil }

type discardTx struct{}

func (discardTx) Write(_ context.Context, _ *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return int64(len(rows)), nil
}
func (discardTx) Commit() error   { return nil }
func (discardTx) Rollback() error { return nil }
