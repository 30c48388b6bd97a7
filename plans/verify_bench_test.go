package plans

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans/synth"
)

// BenchmarkVerify migrates the demo registry from MariaDB to PostgreSQL
// and times, in the same run, the migration, a bare count(*) of the
// receiving tables, and verify with and without the checksums pushed
// down. Opt-in (it writes about 3.5 rows per patient):
//
//	REGFLYTT_TEST_PG=… REGFLYTT_TEST_MYSQL=… REGFLYTT_BENCH_VERIFY_PATIENTS=300000 \
//	    go test ./plans/ -run '^$' -bench '^BenchmarkVerify$' -benchtime 1x
func BenchmarkVerify(b *testing.B) {
	patients, _ := strconv.Atoi(os.Getenv("REGFLYTT_BENCH_VERIFY_PATIENTS"))
	if patients <= 0 {
		b.Skip("REGFLYTT_BENCH_VERIFY_PATIENTS is not set: skipping the verify benchmark")
	}
	ctx := context.Background()
	src, tgt := mytest.NewDatabase(b), pgtest.NewDatabase(b)
	db, err := all.OpenTarget(ctx, src)
	if err != nil {
		b.Fatal(err)
	}
	st, err := synth.Demo(ctx, db, synth.DemoConfig{Patients: patients, Seed: 3})
	db.Close()
	if err != nil {
		b.Fatal(err)
	}
	var rows int64
	for _, n := range st.Rows {
		rows += n
	}
	p, ds := Load("../testdata/plans/demo.yaml")
	if err := ds.Err(); err != nil {
		b.Fatal(err)
	}
	opts := Options{SourceURL: src, TargetURL: tgt, WorkDir: b.TempDir()}
	timed := func(name string, fn func() error) {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		s := time.Since(start).Seconds()
		b.ReportMetric(s, name+"-s")
		b.Logf("%-22s %8.2f s  %10.0f source rows/s", name, s, float64(rows)/s)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		timed("migration", func() error { _, err := Run(ctx, p, opts); return err })
		timed("count(*)", func() error {
			t, err := all.OpenSource(ctx, tgt)
			if err != nil {
				return err
			}
			defer t.Close()
			snap, err := t.Snapshot(ctx)
			if err != nil {
				return err
			}
			defer snap.Close()
			for _, name := range []string{"care_unit", "patient", "visit"} {
				if _, err := snap.Count(ctx, name); err != nil {
					return err
				}
			}
			return nil
		})
		timed("verify-pushdown", func() error { _, err := Verify(ctx, p, opts); return err })
		verifyInGo = true
		timed("verify-go", func() error { _, err := Verify(ctx, p, opts); return err })
		verifyInGo = false
	}
	b.Logf("%d source rows (%d patients)", rows, patients)
}
