package verify

import (
	"fmt"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// benchTable is the 12-column table of plans' BenchmarkMigrate as the
// receiving schema holds it: a float among its columns.
var benchTable = &connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
	{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
	{Name: "patient", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
	{Name: "namn", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	{Name: "anteckning", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	{Name: "belopp", Type: connectors.Type{Kind: connectors.KindDecimal}, Nullable: true},
	{Name: "poang", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
	{Name: "fodd", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true},
	{Name: "besokt", Type: connectors.Type{Kind: connectors.KindDateTime}, Nullable: true},
	{Name: "registrerad", Type: connectors.Type{Kind: connectors.KindDateTime}, Nullable: true},
	{Name: "aktiv", Type: connectors.Type{Kind: connectors.KindInt, Bits: 16}, Nullable: true},
	{Name: "kod", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	{Name: "kontroll", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true},
}}

// benchRows gives n rows of benchTable, keys id0 to id0+n-1.
func benchRows(id0, n int) [][]connectors.Value {
	out := make([][]connectors.Value, n)
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 123456000, time.UTC)
	for i := range out {
		seq := id0 + i
		ts := t0.Add(time.Duration(seq) * 37 * time.Second)
		dt := connectors.LocalDateTime{Date: connectors.Date{Year: ts.Year(), Month: ts.Month(), Day: ts.Day()}, Hour: ts.Hour(), Minute: ts.Minute(), Second: ts.Second(), Nanosecond: ts.Nanosecond()}
		out[i] = []connectors.Value{int64(seq), int64(100000 + seq%5000), fmt.Sprintf("Åsa Öberg %d", seq),
			"Patienten besökte mottagningen; inga komplikationer noterades.", connectors.Decimal(fmt.Sprintf("%d.%02d", seq%100000, seq%100)),
			float64(seq) / 7, connectors.Date{Year: 1940 + seq%80, Month: time.Month(1 + seq%12), Day: 1 + seq%28}, dt, dt,
			int64(seq % 2), fmt.Sprintf("K%d", seq%1000), []byte{byte(seq), byte(seq >> 8), byte(seq >> 16)}}
	}
	return out
}

// BenchmarkContentAdd adds rows of the 12-column table to a run's
// expected content (keyed hash) over a run's bucket counts: the write
// side of a run's own end check, per row. The buckets are hit at random,
// so their aggregates cost a cache miss a row once they outgrow the
// caches (issue 15):
//
//	go test ./verify/ -run '^$' -bench BenchmarkContentAdd -benchmem -count 5
func BenchmarkContentAdd(b *testing.B) {
	const ring = 1 << 16
	rows := benchRows(0, ring)
	for _, n := range []uint32{16384, 4096, 1024} {
		b.Run(fmt.Sprintf("buckets=%d", n), func(b *testing.B) {
			c, err := NewContent(benchTable, n)
			if err != nil {
				b.Fatal(err)
			}
			c.Hasher = connectors.NewRunHasher()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.Add(rows[i%ring]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
