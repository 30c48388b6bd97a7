package plans_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"

	_ "modernc.org/sqlite"
)

// BenchmarkMigrate runs an identity migration of one 12-column table of
// REGFLYTT_BENCH_ROWS rows (default 100,000) once per iteration, for
// profiling the hot path in process (the side-by-side figures against the
// COPY limit and pgloader come from .ci/bench):
//
//	go test ./plans/ -run '^$' -bench BenchmarkMigrate -benchtime 1x -cpuprofile cpu.out
//	go tool pprof -top plans.test cpu.out
//
// The SQLite → SQLite case always runs; MariaDB → PostgreSQL (identity,
// and the synthetic EAV platform with its real mapping at about that many
// value rows) when REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG name servers. Each reports
// rows/s and CPU-s per 1M rows (the process's user+system time) for the
// whole run, and the same for the move alone (move-rows/s,
// move-CPU-s/1Mrows: from the first table's start to the last table's end
// as the run's progress reports them, before the verification).
func BenchmarkMigrate(b *testing.B) {
	rows := 100_000
	if s := os.Getenv("REGFLYTT_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("REGFLYTT_BENCH_ROWS=%q: want a positive number", s)
		}
		rows = n
	}
	b.Run("sqlite-sqlite", func(b *testing.B) {
		dir := b.TempDir()
		src := filepath.Join(dir, "legacy.db")
		db, err := sql.Open("sqlite", src)
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range []string{fmt.Sprintf(benchSourceDDL, "blob"), fmt.Sprintf(sqliteBenchInsert, rows)} {
			if _, err := db.Exec(s); err != nil {
				b.Fatal(err)
			}
		}
		db.Close()
		benchMigrate(b, rows, "sqlite://"+src, func(i int) string {
			return "sqlite://" + filepath.Join(dir, fmt.Sprintf("recv%d.db", i))
		})
	})
	b.Run("eav-mariadb-postgres", func(b *testing.B) {
		if os.Getenv(mytest.EnvVar) == "" || os.Getenv("REGFLYTT_TEST_PG") == "" {
			b.Skip("set REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG")
		}
		patients := rows / 7 // about seven value rows a patient
		src := mytest.NewDatabase(b)
		w, err := all.OpenTarget(context.Background(), src)
		if err != nil {
			b.Fatal(err)
		}
		lw, ok := w.(synth.Writer)
		if !ok {
			b.Fatal("the MariaDB connector cannot build a legacy platform")
		}
		_, err = synth.Generate(context.Background(), lw, synth.Config{Platform: synth.EAV, Patients: patients, Seed: 7, BatchSize: 10_000})
		w.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.Setenv("REGFLYTT_PSEUDONYM_KEY", "a benchmark key, never a real one")
		p, ds := plans.Check("../testdata/plans/eav.yaml")
		if err := ds.Err(); err != nil {
			b.Fatal(err)
		}
		runBench(b, rows, p, src, func(int) string { return pgtest.NewDatabase(b) })
	})
	b.Run("mariadb-postgres", func(b *testing.B) {
		if os.Getenv(mytest.EnvVar) == "" || os.Getenv("REGFLYTT_TEST_PG") == "" {
			b.Skip("set REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG")
		}
		src := mytest.NewDatabase(b)
		mytest.Exec(b, src, fmt.Sprintf(benchSourceDDL, "varbinary(16)"), fmt.Sprintf(mariadbBenchInsert, rows))
		benchMigrate(b, rows, src, func(int) string { return pgtest.NewDatabase(b) })
	})
}

func benchMigrate(b *testing.B, rows int, src string, target func(i int) string) {
	dir := b.TempDir()
	write(b, filepath.Join(dir, "schema.yaml"), benchSchema)
	write(b, filepath.Join(dir, "identity.yaml"), benchMapping)
	plan := write(b, filepath.Join(dir, "plan.yaml"), benchPlan)
	p, ds := plans.Check(plan)
	if err := ds.Err(); err != nil {
		b.Fatal(err)
	}
	runBench(b, rows, p, src, target)
}

func runBench(b *testing.B, rows int, p *plans.Plan, src string, target func(i int) string) {
	dir := b.TempDir()
	b.ResetTimer()
	var cpu, moveCPU, moveWall float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		tgt := target(i)
		work := filepath.Join(dir, fmt.Sprint("work", i))
		before := cpuSeconds()
		clock := &moveClock{}
		b.StartTimer()
		rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: clock})
		b.StopTimer()
		cpu += cpuSeconds() - before
		moveCPU += clock.cpu
		moveWall += clock.wall.Seconds()
		if err != nil {
			b.Fatal(err)
		}
		if !rep.Pass {
			b.Fatalf("verification failed")
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu/float64(b.N)/float64(rows)*1e6, "CPU-s/1Mrows")
	if moveWall > 0 {
		b.ReportMetric(float64(rows)*float64(b.N)/moveWall, "move-rows/s")
		b.ReportMetric(moveCPU/float64(b.N)/float64(rows)*1e6, "move-CPU-s/1Mrows")
	}
}

// moveClock is a run's progress that times the move: from the first
// table's start to the last table's end (the verification after it
// reports no progress).
type moveClock struct {
	started bool
	cpu0    float64
	t0      time.Time
	cpu     float64
	wall    time.Duration
}

func (c *moveClock) Table(string, int64) {
	if !c.started {
		c.started, c.cpu0, c.t0 = true, cpuSeconds(), time.Now()
	}
}

func (c *moveClock) Add(int) {}

func (c *moveClock) TableDone() {
	c.cpu, c.wall = cpuSeconds()-c.cpu0, time.Since(c.t0)
}

// The source table: the 12 columns of the measurement, in types
// both SQLite and MariaDB read with their canonical meaning (the binary
// column's type is the dialect's).
const benchSourceDDL = `CREATE TABLE besok (
  id bigint NOT NULL PRIMARY KEY,
  patient int NOT NULL,
  namn varchar(64),
  anteckning text,
  belopp decimal(12,2),
  poang double,
  fodd date,
  besokt datetime(6),
  registrerad datetime(6),
  aktiv smallint,
  kod varchar(10),
  kontroll %s
)`

const mariadbBenchInsert = `INSERT INTO besok
SELECT seq, 100000 + seq %% 5000, CONCAT('Åsa Öberg ', seq),
       'Patienten besökte mottagningen; inga komplikationer noterades.',
       (seq %% 100000) + (seq %% 100) / 100, seq / 7,
       DATE '1940-01-01' + INTERVAL (seq %% 29000) DAY,
       TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq * 37 SECOND + INTERVAL 123456 MICROSECOND,
       TIMESTAMP '2020-01-01 00:00:00' + INTERVAL seq * 41 SECOND,
       seq %% 3 = 0, CONCAT('K', LPAD(seq %% 99999, 5, '0')), UNHEX(MD5(seq))
FROM seq_1_to_%d`

// SQLite's values are the same kinds; its dates are ISO text, the
// decimal a two-decimal REAL as SQLite's NUMERIC affinity stores it.
const sqliteBenchInsert = `WITH RECURSIVE s(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s LIMIT %d)
INSERT INTO besok
SELECT seq, 100000 + seq %% 5000, 'Åsa Öberg ' || seq,
       'Patienten besökte mottagningen; inga komplikationer noterades.',
       (seq %% 100000) + (seq %% 100) / 100.0, seq / 7.0,
       date('1940-01-01', '+' || (seq %% 29000) || ' days'),
       strftime('%%Y-%%m-%%d %%H:%%M:%%f', '2020-01-01', '+' || (seq * 37) || ' seconds') || '456',
       strftime('%%Y-%%m-%%d %%H:%%M:%%S', '2020-01-01', '+' || (seq * 41) || ' seconds'),
       seq %% 3 = 0, 'K' || substr('00000' || (seq %% 99999), -5), randomblob(16)
FROM s`

var benchColumns = strings.Fields("id patient namn anteckning belopp poang fodd besokt registrerad aktiv kod kontroll")

const benchSchema = `platform: bench
tables:
  - name: besok
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: patient, type: integer, not_null: true}
      - {name: namn, type: varchar(64)}
      - {name: anteckning, type: text}
      - {name: belopp, type: "decimal(12,2)"}
      - {name: poang, type: double}
      - {name: fodd, type: date}
      - {name: besokt, type: datetime(6)}
      - {name: registrerad, type: datetime(6)}
      - {name: aktiv, type: smallint}
      - {name: kod, type: varchar(10)}
      - {name: kontroll, type: bytes}
`

var benchMapping = func() string {
	var s strings.Builder
	s.WriteString("version: 1\ntables:\n  - target: besok\n    source: besok\n    columns:\n")
	for _, c := range benchColumns {
		fmt.Fprintf(&s, "      %s: %s\n", c, c)
	}
	return s.String()
}()

const benchPlan = `plan: 1
description: benchmark, identity mapping of one 12-column table
register: {id: bench, name: Benchmark}
system: {current: legacy-bench, chosen: receiving-bench}
cpua: {current: Region Exempel, future: Region Mottagare}
rco: {current: RCO Exempel, future: RCO Mottagare}
source: {url: env:REGFLYTT_SOURCE}
target: {url: env:REGFLYTT_TARGET, schema: schema.yaml}
mappings: [identity.yaml]
archive: {dir: archive}
run: {batch_size: 5000}
`
