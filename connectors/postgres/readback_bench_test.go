//go:build unix

package postgres_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// BenchmarkChecksumPaths times a whole-table checksum of
// conformance.ChecksumBenchTable (1M rows, 12 columns) by the pushdown and
// by the read-back, in one bucket and in verify's bucket count for the
// table (16384), and a drill-down step (4 of 16384 buckets split in 16).
// Each op reports wall seconds, this process's CPU seconds (the client)
// and the snapshot's server backend's with its parallel workers, as s/op,
// client-cpu-s/op and server-cpu-s/op. Opt-in:
//
//	REGFLYTT_TEST_PG=… go test ./connectors/postgres/ -run '^$' -bench '^BenchmarkChecksumPaths$' -benchtime 3x
func BenchmarkChecksumPaths(b *testing.B) {
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	tbl := conformance.ChecksumBenchTable()
	tgt := openTarget(b, url)
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		b.Fatal(err)
	}
	pgtest.Exec(b, url, conformance.ChecksumBenchFill["postgres"]...)
	src := openSource(b, url)
	var cols []string
	for _, c := range tbl.Columns {
		cols = append(cols, c.Name)
	}
	reqs := []struct {
		name string
		req  connectors.ChecksumRequest
	}{
		{"1_bucket", connectors.ChecksumRequest{Columns: cols, Buckets: 1}},
		{"16384_buckets", connectors.ChecksumRequest{Columns: cols, Buckets: 16384}},
		{"drill_down", connectors.ChecksumRequest{Columns: cols, Buckets: 16384 * 16, Within: 16384, In: []uint32{1, 77, 1000, 9999}}},
	}
	for _, r := range reqs {
		var sums [2]connectors.Buckets
		for k, path := range []string{"pushdown", "readback"} {
			b.Run(r.name+"/"+path, func(b *testing.B) {
				defer postgres.ChecksumPath(path)()
				var client, server float64
				start := time.Now()
				for i := 0; i < b.N; i++ {
					snap, err := src.Snapshot(ctx)
					if err != nil {
						b.Fatal(err)
					}
					pid, err := postgres.SnapshotQueryString(ctx, snap, "SELECT pg_backend_pid()::text")
					if err != nil {
						b.Fatal(err)
					}
					backend, _ := strconv.Atoi(pid)
					// The pushdown's parallel workers are sampled while
					// they live (which costs this process a little CPU);
					// the read-back runs in the backend alone.
					t0 := procTicks(backend)
					stop := func() float64 { return float64(procTicks(backend)-t0) / 100 }
					if path == "pushdown" {
						stop = backendCPU(backend)
					}
					c0 := cpuSeconds()
					got, err := snap.(connectors.Checksummer).Checksum(ctx, tbl, r.req)
					server += stop()
					client += cpuSeconds() - c0
					if err != nil {
						b.Fatal(err)
					}
					sums[k] = got
					snap.Close()
				}
				n := float64(b.N)
				b.ReportMetric(time.Since(start).Seconds()/n, "s/op")
				b.ReportMetric(client/n, "client-cpu-s/op")
				b.ReportMetric(server/n, "server-cpu-s/op")
			})
		}
		// The two paths agree on the bench table too (when both ran).
		if sums[0].Version == "" || sums[1].Version == "" {
			continue
		}
		if d, err := connectors.DiffBuckets(sums[0], sums[1]); err != nil || len(d) > 0 || sums[0].Total().Count == 0 {
			b.Fatalf("%s: pushdown and read-back differ in buckets %v (%v)", r.name, d, err)
		}
	}
}
