package mysql_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

const (
	benchRows  = 100_000
	benchBatch = 5000
)

// benchTable is a registry-like table of 12 columns.
func benchTable(name string) connectors.Table {
	typ := func(s string) connectors.Type {
		t, err := connectors.ParseType(s)
		if err != nil {
			panic(err)
		}
		return t
	}
	return connectors.Table{Name: name, PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: typ("bigint")},
		{Name: "patient", Type: typ("integer")},
		{Name: "name", Type: typ("varchar(64)"), Nullable: true},
		{Name: "note", Type: typ("text"), Nullable: true},
		{Name: "amount", Type: typ("decimal(12,2)"), Nullable: true},
		{Name: "score", Type: typ("double"), Nullable: true},
		{Name: "born", Type: typ("date"), Nullable: true},
		{Name: "visit", Type: typ("datetime(6)"), Nullable: true},
		{Name: "recorded", Type: typ("timestamptz(6)"), Nullable: true},
		{Name: "active", Type: typ("boolean"), Nullable: true},
		{Name: "code", Type: typ("varchar(10)"), Nullable: true},
		{Name: "digest", Type: typ("bytes"), Nullable: true},
	}}
}

func benchData() [][]connectors.Value {
	rows := make([][]connectors.Value, benchRows)
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range rows {
		at := base.Add(time.Duration(i) * 37 * time.Second)
		rows[i] = []connectors.Value{
			int64(i + 1),
			int64(100000 + i%5000),
			fmt.Sprintf("Åsa Öberg %d", i),
			"Patienten besökte mottagningen; inga komplikationer noterades.",
			connectors.Decimal(fmt.Sprintf("%d.%02d", i%100000, i%100)),
			float64(i) / 7,
			connectors.Date{Year: 1940 + i%80, Month: time.Month(1 + i%12), Day: 1 + i%28},
			connectors.LocalDateTimeOf(at.Add(123456 * time.Microsecond)),
			at,
			i%3 == 0,
			fmt.Sprintf("K%05d", i%99999),
			[]byte{byte(i), byte(i >> 8), byte(i >> 16), 0, '\'', '\\', 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		}
	}
	return rows
}

func writeAll(b *testing.B, tgt *mysql.DB, tbl *connectors.Table, rows [][]connectors.Value) {
	ctx := context.Background()
	for start := 0; start < len(rows); start += benchBatch {
		tx, err := tgt.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Write(ctx, tbl, rows[start:min(start+benchBatch, len(rows))]); err != nil {
			tx.Rollback()
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWrite writes 100k rows of 12 columns in batches of 5000, one
// transaction each, as a run does: with LOAD DATA LOCAL INFILE (Write's
// path) and with the multi-row INSERTs of a server without local_infile.
//
//	go test ./connectors/mysql/ -run '^$' -bench 'BenchmarkWrite$' -benchtime 3x
func BenchmarkWrite(b *testing.B) {
	for _, path := range []string{"load", "insert"} {
		b.Run(path, func(b *testing.B) {
			dbURL := mytest.NewDatabase(b)
			tgt := openTarget(b, dbURL)
			if path == "insert" {
				mysql.DisableLoad(tgt)
			}
			rows := benchData()
			ctx := context.Background()
			b.ReportAllocs()
			var elapsed time.Duration
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				tbl := benchTable(fmt.Sprintf("w%d", i))
				if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := time.Now()
				writeAll(b, tgt, &tbl, rows)
				elapsed += time.Since(start)
			}
			b.ReportMetric(float64(benchRows*b.N)/elapsed.Seconds(), "rows/s")
		})
	}
}

// BenchmarkScan reads the same 100k rows back through a snapshot in
// batches of 5000, with the package's reader (wire) and the driver's.
//
//	go test ./connectors/mysql/ -run '^$' -bench 'BenchmarkScan$' -benchtime 5x
func BenchmarkScan(b *testing.B) {
	dbURL := mytest.NewDatabase(b)
	tgt := openTarget(b, dbURL)
	tbl := benchTable("s")
	ctx := context.Background()
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		b.Fatal(err)
	}
	writeAll(b, tgt, &tbl, benchData())
	for _, reader := range []string{"wire", "driver"} {
		b.Run(reader, func(b *testing.B) {
			b.Setenv("REGFLYTT_MYSQL_READER", reader)
			benchScan(b, openSource(b, dbURL))
		})
	}
}

func benchScan(b *testing.B, src *mysql.DB) {
	ctx := context.Background()
	b.ReportAllocs()
	start, cpu0 := time.Now(), cpuSeconds()
	for b.Loop() {
		snap, err := src.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		tables, err := snap.Tables(ctx)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := snap.Scan(ctx, &tables[0], connectors.ScanOptions{BatchSize: benchBatch})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows.Close()
		snap.Close()
		if n != benchRows {
			b.Fatalf("read %d rows", n)
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/time.Since(start).Seconds(), "rows/s")
	b.ReportMetric((cpuSeconds()-cpu0)/float64(benchRows*b.N)*1e6, "CPU-s/1Mrows")
}
