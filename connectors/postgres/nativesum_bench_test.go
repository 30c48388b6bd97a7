//go:build unix

package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/verify"
)

// BenchmarkEndCheckSides compares a run's own end check's two paths on
// conformance.ChecksumBenchTable (1M rows, 12 columns): the target's
// side by the read-back (a keyed checksum over RunBuckets, four COPY TO
// in parallel, decoded and hashed here) and by the native row sum (the
// server hashes its rows), and the expected side each needs, as the
// run's tap adds the rows (verify.Content.Add, keyed or native). Per op:
// wall s, this process's CPU s and the CPU s of the database's server
// processes (every backend of the benchmark's database and their
// parallel workers, sampled from /proc). Opt-in:
//
//	REGFLYTT_TEST_PG=… go test ./connectors/postgres/ -run '^$' -bench '^BenchmarkEndCheckSides$' -benchtime 3x
func BenchmarkEndCheckSides(b *testing.B) {
	ctx := context.Background()
	u := pgtest.NewDatabase(b)
	pu, err := url.Parse(u)
	if err != nil {
		b.Fatal(err)
	}
	dbname := strings.TrimPrefix(pu.Path, "/")
	tbl := conformance.ChecksumBenchTable()
	tgt := openTarget(b, u)
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		b.Fatal(err)
	}
	pgtest.Exec(b, u, conformance.ChecksumBenchFill["postgres"]...)
	src := openSource(b, u)
	var cols []string
	for _, c := range tbl.Columns {
		cols = append(cols, c.Name)
	}
	const seed = 0x5eed
	// measure runs f b.N times; the server's CPU is sampled (which costs
	// this process some) only where f asks the server.
	measure := func(b *testing.B, asksServer bool, f func() error) {
		var client, server float64
		start := time.Now()
		for i := 0; i < b.N; i++ {
			stop := func() float64 { return 0 }
			if asksServer {
				stop = databaseCPU(dbname)
			}
			c0 := cpuSeconds()
			err := f()
			client += cpuSeconds() - c0
			server += stop()
			if err != nil {
				b.Fatal(err)
			}
		}
		n := float64(b.N)
		b.ReportMetric(time.Since(start).Seconds()/n, "s/op")
		b.ReportMetric(client/n, "client-cpu-s/op")
		b.ReportMetric(server/n, "server-cpu-s/op")
	}
	b.Run("target/readback", func(b *testing.B) {
		measure(b, true, func() error {
			snap, err := src.Snapshot(ctx)
			if err != nil {
				return err
			}
			defer snap.Close()
			req := connectors.ChecksumRequest{Columns: cols, Key: []string{"id"}, Buckets: verify.RunBuckets, ReadBack: true, Hasher: connectors.NewRunHasher()}
			got, err := snap.(connectors.Checksummer).Checksum(ctx, tbl, req)
			if err == nil && (!got.ReadBack || got.Total().Count != 1000000) {
				err = fmt.Errorf("read back %v rows, read-back %v", got.Total().Count, got.ReadBack)
			}
			return err
		})
	})
	b.Run("target/native", func(b *testing.B) {
		measure(b, true, func() error {
			snap, err := src.Snapshot(ctx)
			if err != nil {
				return err
			}
			defer snap.Close()
			got, err := snap.(connectors.NativeSumReader).NativeSums(ctx, tbl, seed)
			if err == nil && got.Rows != 1000000 {
				err = fmt.Errorf("summed %d rows", got.Rows)
			}
			return err
		})
	})
	// The expected side: 100,000 rows like the table's, added ten times.
	rows := make([][]connectors.Value, 100000)
	for i := range rows {
		id := int64(i + 1)
		var note connectors.Value
		if id%3 == 0 {
			note = "Patienten besökte mottagningen; inga komplikationer noterades."
		}
		rows[i] = []connectors.Value{id, 100000 + id%5000, "Åsa Öberg " + strconv.FormatInt(id, 10), note,
			connectors.Decimal(fmt.Sprintf("%d.%02d", id%100000, id%100)), connectors.Decimal(fmt.Sprintf("%d.%04d", id%1000, id%10000)),
			connectors.Date{Year: 1940 + int(id%80), Month: time.Month(1 + id%12), Day: 1 + int(id%28)},
			connectors.LocalDateTime{Date: connectors.Date{Year: 2020, Month: 1, Day: 1 + int(id%28)}, Hour: int(id % 24), Nanosecond: 123456000},
			time.Date(2020, 1, 1, 0, 0, int(id%60), 0, time.UTC), id%3 == 0, "K" + strconv.FormatInt(id%99999, 10), []byte(strconv.FormatInt(id*7919, 16))}
	}
	for _, how := range []string{"keyed", "native"} {
		b.Run("expected/"+how, func(b *testing.B) {
			measure(b, false, func() error {
				c, err := verify.NewContent(tbl, verify.RunBuckets)
				if err != nil {
					return err
				}
				c.Hasher = connectors.NewRunHasher()
				if how == "native" {
					if c.Native, err = tgt.NativeRowSum(ctx, tbl, seed); err != nil {
						return err
					}
				}
				for k := 0; k < 10; k++ {
					for _, r := range rows {
						if err := c.Add(r); err != nil {
							return err
						}
					}
				}
				if why := c.NativeLost(); how == "native" && why != "" {
					return fmt.Errorf("native sum lost: %s", why)
				}
				return nil
			})
		})
	}
}

// databaseCPU samples, every 20 ms until stop is called, the CPU time
// of the server processes of one database: its backends (their titles
// name it) and the parallel workers they start (theirs name the leader's
// pid). A process's last 20 ms before it ends may be missed.
func databaseCPU(dbname string) (stop func() float64) {
	first := map[int]int64{}
	last := map[int]int64{}
	leaders := map[int]bool{}
	sample := func(initial bool) {
		ents, err := os.ReadDir("/proc")
		if err != nil {
			return
		}
		for _, e := range ents {
			p, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
			if err != nil || !bytes.HasPrefix(cmd, []byte("postgres")) {
				continue
			}
			mine := bytes.Contains(cmd, []byte(" "+dbname+" "))
			if mine {
				leaders[p] = true
			} else if i := bytes.Index(cmd, []byte("parallel worker for PID ")); i >= 0 {
				lp, _ := strconv.Atoi(strings.TrimRight(string(cmd[i+len("parallel worker for PID "):]), "\x00 "))
				mine = leaders[lp]
			}
			if !mine {
				continue
			}
			t := procTicks(p)
			if t == 0 {
				continue
			}
			if _, seen := first[p]; !seen {
				if initial {
					first[p] = t
				} else {
					first[p] = 0
				}
			}
			last[p] = t
		}
	}
	sample(true)
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				sample(false)
			}
		}
	}()
	return func() float64 {
		close(done)
		<-finished
		sample(false)
		var ticks int64
		for p, t := range last {
			ticks += t - first[p]
		}
		return float64(ticks) / 100 // USER_HZ
	}
}
