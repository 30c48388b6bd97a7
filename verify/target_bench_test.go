//go:build unix

package verify_test

import (
	"context"
	"database/sql"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/verify"
)

// BenchmarkVerifyTargetSide measures what verify asks of a receiving
// table of conformance.ChecksumBenchRows rows (12 columns, no float), on
// each server dialect, against the bare in-database checksum query:
//
//   - bare_sql: the statements the pushdown runs (ChecksumSQL, for the
//     same request verify makes: its bucket count for this table), run on
//     a plain connection in one transaction, every result row read;
//   - verify_target: verify's whole target side for the table, as Verify
//     does it when the content matches: a snapshot, the catalogue,
//     count(*), the checksum pushed down and compared bucket by bucket
//     (CompareContent), and the value equation's non-NULL counts
//     (CountTargetNonNull);
//   - checksum and count_non_null: those two alone, to see where the
//     difference goes.
//
// It reports verify_target / bare_sql as ratio (issue 20's goal: ≤ 1.2),
// and logs (-v) each part's wall time and this process's CPU time.
// Opt-in, with the servers of the tests:
//
//	REGFLYTT_TEST_PG=… REGFLYTT_TEST_MYSQL=… \
//	    go test ./verify/ -run '^$' -bench '^BenchmarkVerifyTargetSide$' -benchtime 3x -v
func BenchmarkVerifyTargetSide(b *testing.B) {
	b.Run("postgres", func(b *testing.B) {
		pgtest.AdminURL(b)
		url := pgtest.NewDatabase(b)
		fill := func(ctx context.Context, stmts []string) error {
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			for _, s := range stmts {
				if _, err := conn.Exec(ctx, s); err != nil {
					return err
				}
			}
			return nil
		}
		benchTargetSide(b, url, "postgres", fill, func(ctx context.Context, stmts []string) (int, error) {
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				return 0, err
			}
			defer conn.Close(ctx)
			tx, err := conn.Begin(ctx)
			if err != nil {
				return 0, err
			}
			defer tx.Rollback(ctx)
			for _, s := range stmts[:len(stmts)-1] {
				if _, err := tx.Exec(ctx, s); err != nil {
					return 0, err
				}
			}
			rows, err := tx.Query(ctx, stmts[len(stmts)-1])
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var bucket, count int64
				var s1, s2 string
				if err := rows.Scan(&bucket, &count, &s1, &s2); err != nil {
					return 0, err
				}
				n++
			}
			return n, rows.Err()
		})
	})
	b.Run("mariadb", func(b *testing.B) {
		mytest.ServerURL(b)
		url := mytest.NewDatabase(b)
		db := mytest.Open(b, url)
		fill := func(ctx context.Context, stmts []string) error {
			for _, s := range stmts {
				if _, err := db.ExecContext(ctx, s); err != nil {
					return err
				}
			}
			return nil
		}
		benchTargetSide(b, url, "mysql", fill, func(ctx context.Context, stmts []string) (int, error) {
			tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
			if err != nil {
				return 0, err
			}
			defer tx.Rollback()
			for _, s := range stmts[:len(stmts)-1] {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return 0, err
				}
			}
			rows, err := tx.QueryContext(ctx, stmts[len(stmts)-1])
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				var bucket, count uint64
				var s1, s2 string
				if err := rows.Scan(&bucket, &count, &s1, &s2); err != nil {
					return 0, err
				}
				n++
			}
			return n, rows.Err()
		})
	})
}

// benchTargetSide fills the table, builds its expected content once by
// reading it in Go, and times the bare query and verify's target side.
func benchTargetSide(b *testing.B, url, dialect string, fill func(ctx context.Context, stmts []string) error, bare func(ctx context.Context, stmts []string) (int, error)) {
	ctx := context.Background()
	tbl := conformance.ChecksumBenchTable()
	tgt, err := all.OpenTarget(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		b.Fatal(err)
	}
	tgt.Close()
	start := time.Now()
	// Filled without the fixtures' timeout: on a loaded host a million
	// rows take longer than a fixture may.
	if err := fill(ctx, conformance.ChecksumBenchFill[dialect]); err != nil {
		b.Fatalf("fill: %v", err)
	}
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	// The expected content, as a re-application of the mappings would
	// give it: here the rows themselves, hashed in Go.
	snap, err := src.Snapshot(ctx)
	if err != nil {
		b.Fatal(err)
	}
	tt := catalogueTable(ctx, b, snap, tbl.Name)
	c, err := verify.NewContent(tbl, verify.BucketsFor(conformance.ChecksumBenchRows))
	if err != nil {
		b.Fatal(err)
	}
	rows, err := snap.Scan(ctx, tt, connectors.ScanOptions{})
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		if err := c.Add(rows.Row()); err != nil {
			b.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	rows.Close()
	stmts, err := snap.(connectors.ChecksumExplainer).ChecksumSQL(ctx, tt, c.Request())
	if err != nil {
		b.Fatal(err)
	}
	snap.Close()
	b.Logf("%s: %d rows filled and hashed in Go in %.1f s; %d buckets", dialect, c.Rows, time.Since(start).Seconds(), c.N)

	// The four are timed in turn within each op, so that on a shared host
	// they meet the same load: the ratio compares like with like. CPU is
	// this process's (regflytt's side: the client), wall time the whole.
	parts := []struct {
		name string
		op   func() error
	}{
		{"bare_sql", func() error {
			n, err := bare(ctx, stmts)
			if err == nil && n != int(c.N) {
				b.Fatalf("the bare query gave %d buckets, want %d", n, c.N)
			}
			return err
		}},
		{"verify_target", func() error {
			snap, err := src.Snapshot(ctx)
			if err != nil {
				return err
			}
			defer snap.Close()
			tt := catalogueTable(ctx, b, snap, tbl.Name)
			if _, err := snap.Count(ctx, tt.Name); err != nil {
				return err
			}
			cc, err := verify.CompareContent(ctx, snap, tt, c)
			if err != nil {
				return err
			}
			if !cc.OK || !cc.Pushdown {
				b.Fatalf("content ok %v, pushdown %v", cc.OK, cc.Pushdown)
			}
			counts, inDB, err := c.CountTargetNonNull(ctx, snap, tt, nil)
			if err == nil && (!inDB || counts[0] != c.Rows) {
				b.Fatalf("non-NULL counts %v, in the database %v", counts, inDB)
			}
			return err
		}},
		{"checksum", func() error {
			snap, err := src.Snapshot(ctx)
			if err != nil {
				return err
			}
			defer snap.Close()
			_, err = snap.(connectors.Checksummer).Checksum(ctx, tt, c.Request())
			return err
		}},
		{"count_non_null", func() error {
			snap, err := src.Snapshot(ctx)
			if err != nil {
				return err
			}
			defer snap.Close()
			_, _, err = c.CountTargetNonNull(ctx, snap, tt, nil)
			return err
		}},
	}
	wall, cpu := make([]float64, len(parts)), make([]float64, len(parts))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, p := range parts {
			t0, c0 := time.Now(), cpuSeconds()
			if err := p.op(); err != nil {
				b.Fatalf("%s: %v", p.name, err)
			}
			wall[j] += time.Since(t0).Seconds()
			cpu[j] += cpuSeconds() - c0
		}
	}
	b.StopTimer()
	for j, p := range parts {
		wall[j] /= float64(b.N)
		cpu[j] /= float64(b.N)
		b.ReportMetric(wall[j], p.name+"-s")
		b.Logf("%s %-15s %7.2f s wall %6.3f s regflytt CPU", dialect, p.name, wall[j], cpu[j])
	}
	b.ReportMetric(wall[1]/wall[0], "ratio")
	b.Logf("%s: verify's target side / the bare checksum query = %.2f", dialect, wall[1]/wall[0])
}

// cpuSeconds is the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func catalogueTable(ctx context.Context, b *testing.B, snap connectors.Snapshot, name string) *connectors.Table {
	b.Helper()
	cat, err := snap.Tables(ctx)
	if err != nil {
		b.Fatal(err)
	}
	t := connectors.FindTable(cat, name)
	if t == nil {
		b.Fatalf("no table %s in the target", name)
	}
	return t
}
