package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

const (
	benchRows  = 100_000
	benchBatch = 5_000
)

// benchTable is a registry-shaped table of 12 columns: integers, text,
// decimals, dates and wall-clock timestamps.
func benchTable() *connectors.Table {
	i64 := connectors.Type{Kind: connectors.KindInt, Bits: 64}
	txt := connectors.Type{Kind: connectors.KindText}
	return &connectors.Table{Name: "bench_visit", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: i64},
		{Name: "patient_id", Type: i64},
		{Name: "unit_id", Type: i64},
		{Name: "name", Type: txt},
		{Name: "city", Type: connectors.Type{Kind: connectors.KindText, Length: 50}},
		{Name: "note", Type: txt, Nullable: true},
		{Name: "weight", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 12, Scale: 2}},
		{Name: "score", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 18, Scale: 4}, Nullable: true},
		{Name: "born", Type: connectors.Type{Kind: connectors.KindDate}},
		{Name: "visit", Type: connectors.Type{Kind: connectors.KindDate}},
		{Name: "created", Type: connectors.Type{Kind: connectors.KindDateTime, Precision: 6}},
		{Name: "updated", Type: connectors.Type{Kind: connectors.KindDateTime, Precision: 6}, Nullable: true},
	}}
}

func benchData() [][]connectors.Value {
	rows := make([][]connectors.Value, benchRows)
	base := time.Date(2010, 1, 1, 8, 0, 0, 0, time.UTC)
	cities := []string{"Göteborg", "Umeå", "Malmö", "Stockholm", "Östersund"}
	for i := range rows {
		ts := base.Add(time.Duration(i) * 17 * time.Minute)
		var note connectors.Value
		if i%3 == 0 {
			note = fmt.Sprintf("uppföljning %d efter operation, inga komplikationer", i)
		}
		rows[i] = []connectors.Value{
			int64(i + 1), int64(1_000_000 + i/7), int64(i % 40),
			fmt.Sprintf("Patient Namn %06d", i), cities[i%len(cities)], note,
			connectors.Decimal(fmt.Sprintf("%d.%02d", 40+i%80, i%100)),
			connectors.Decimal(fmt.Sprintf("%d.%04d", i%1000, i%10000)),
			connectors.Date{Year: 1930 + i%80, Month: time.Month(1 + i%12), Day: 1 + i%28},
			connectors.DateOf(ts),
			connectors.LocalDateTimeOf(ts.Add(time.Duration(i%1000) * time.Microsecond)),
			connectors.LocalDateTimeOf(ts.Add(time.Hour)),
		}
	}
	return rows
}

func writeAll(b *testing.B, tgt connectors.Target, tbl *connectors.Table, rows [][]connectors.Value) {
	ctx := context.Background()
	for start := 0; start < len(rows); start += benchBatch {
		tx, err := tgt.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Write(ctx, tbl, rows[start:min(start+benchBatch, len(rows))]); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteCopy writes 100k rows through Tx.Write in batches of 5000,
// one transaction per batch as a run commits them with its checkpoints.
// One op is all 100k rows.
func BenchmarkWriteCopy(b *testing.B) {
	url := pgtest.NewDatabase(b)
	tgt := openTarget(b, url)
	tbl := benchTable()
	if err := tgt.Create(context.Background(), []connectors.Table{*tbl}); err != nil {
		b.Fatal(err)
	}
	rows := benchData()
	b.ReportAllocs()
	b.ResetTimer()
	var cpu float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		pgtest.Exec(b, url, "TRUNCATE bench_visit")
		cpu0 := cpuSeconds()
		b.StartTimer()
		writeAll(b, tgt, tbl, rows)
		cpu += cpuSeconds() - cpu0
	}
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(cpu/float64(benchRows*b.N)*1e6, "CPU-s/1Mrows")
}

// BenchmarkScan reads the 100k rows back through a snapshot's keyset scan
// with the default batch size. One op is all 100k rows.
func BenchmarkScan(b *testing.B) {
	url := pgtest.NewDatabase(b)
	tgt := openTarget(b, url)
	tbl := benchTable()
	ctx := context.Background()
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		b.Fatal(err)
	}
	writeAll(b, tgt, tbl, benchData())
	pgtest.Exec(b, url, "VACUUM ANALYZE bench_visit")
	src := openSource(b, url)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		snap, err := src.Snapshot(ctx)
		if err != nil {
			b.Fatal(err)
		}
		rows, err := snap.Scan(ctx, tbl, connectors.ScanOptions{})
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
	b.ReportMetric(float64(benchRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
