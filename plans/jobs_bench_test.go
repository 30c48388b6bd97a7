package plans_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// jobsBenchTables is how many independent tables BenchmarkJobs moves.
const jobsBenchTables = 3

// BenchmarkJobs migrates three independent 12-column tables (identity
// mappings, REGFLYTT_BENCH_ROWS rows in all, default 300,000) from
// MariaDB to PostgreSQL with run --jobs 1, 2 and 3, and reports the wall
// time of the whole run (checks, move, archive, verification), rows/s
// and CPU-s per 1M rows:
//
//	go test ./plans/ -run '^$' -bench BenchmarkJobs -benchtime 1x
func BenchmarkJobs(b *testing.B) {
	if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
		b.Skip("set REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG")
	}
	rows := 300_000
	if s := os.Getenv("REGFLYTT_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < jobsBenchTables {
			b.Fatalf("REGFLYTT_BENCH_ROWS=%q: want a number of at least %d", s, jobsBenchTables)
		}
		rows = n
	}
	per := rows / jobsBenchTables
	src := mytest.NewDatabase(b)
	dir := b.TempDir()
	var schema, mapping strings.Builder
	schema.WriteString("platform: bench\ntables:\n")
	mapping.WriteString("version: 1\ntables:\n")
	for i := 1; i <= jobsBenchTables; i++ {
		name := fmt.Sprint("besok", i)
		rename := func(s string) string { return strings.Replace(s, "besok", name, 1) }
		mytest.Exec(b, src, rename(fmt.Sprintf(benchSourceDDL, "varbinary(16)")), rename(fmt.Sprintf(mariadbBenchInsert, per)))
		schema.WriteString(strings.TrimPrefix(rename(benchSchema), "platform: bench\ntables:\n"))
		mapping.WriteString(strings.TrimPrefix(strings.ReplaceAll(benchMapping, "besok\n", name+"\n"), "version: 1\ntables:\n"))
	}
	write(b, filepath.Join(dir, "schema.yaml"), schema.String())
	write(b, filepath.Join(dir, "identity.yaml"), mapping.String())
	p, ds := plans.Check(write(b, filepath.Join(dir, "plan.yaml"), benchPlan))
	if err := ds.Err(); err != nil {
		b.Fatal(err)
	}
	for _, jobs := range []int{1, 2, 3} {
		b.Run(fmt.Sprint("jobs-", jobs), func(b *testing.B) {
			var cpu, wall float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				tgt := pgtest.NewDatabase(b)
				work := b.TempDir()
				before, start := cpuSeconds(), time.Now()
				b.StartTimer()
				rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Jobs: jobs})
				b.StopTimer()
				wall += time.Since(start).Seconds()
				cpu += cpuSeconds() - before
				if err != nil {
					b.Fatal(err)
				}
				if !rep.Pass {
					b.Fatal("verification failed")
				}
				b.StartTimer()
			}
			b.ReportMetric(wall/float64(b.N), "wall-s")
			b.ReportMetric(float64(per*jobsBenchTables)*float64(b.N)/wall, "rows/s")
			b.ReportMetric(cpu/float64(b.N)/float64(per*jobsBenchTables)*1e6, "CPU-s/1Mrows")
		})
	}
}
