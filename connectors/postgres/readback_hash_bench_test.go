//go:build unix

package postgres

import (
	"crypto/md5"
	"fmt"
	"math/big"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/regflytt/regflytt/connectors"
)

// BenchmarkReadBackParseHash is the client's part of a run's own end check
// without a server: rows shaped as .ci/bench's identity table (12 columns,
// the types its schema gives in PostgreSQL), in binary COPY form, written
// to a copyParser one tuple at a time (one CopyData message each, as
// pgconn does) and hashed by SumRows as the end check asks (a keyed
// hasher, 1024 buckets, the double column a float record). Its figure is
// cpu-ns/row, this process's CPU time per row (decoding and hashing
// overlap on two goroutines, so wall time says less); with -cpu 1 and the
// least of several counts it holds still on a busy host:
//
//	go test ./connectors/postgres -run '^$' -bench ReadBackParseHash -cpu 1 -count 6
func BenchmarkReadBackParseHash(b *testing.B) {
	const rows = 100000
	m := pgtype.NewMap()
	enc := func(oid uint32, v any) []byte {
		out, err := m.Encode(oid, pgtype.BinaryFormatCode, v, nil)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	day := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2020, 1, 1, 0, 0, 0, 123456000, time.UTC)
	var tuples [][][]byte
	for i := int64(1); i <= rows; i++ {
		sum := md5.Sum(fmt.Appendf(nil, "%d", i))
		tuples = append(tuples, [][]byte{
			enc(pgtype.Int8OID, i),
			enc(pgtype.Int4OID, int32(100000+i%5000)),
			[]byte(fmt.Sprintf("Åsa Öberg %d", i)),
			[]byte("Patienten besökte mottagningen; inga komplikationer noterades."),
			enc(pgtype.NumericOID, pgtype.Numeric{Int: big.NewInt((i%100000)*100 + i%100), Exp: -2, Valid: true}),
			enc(pgtype.Float8OID, float64(i)/7),
			enc(pgtype.DateOID, pgtype.Date{Time: day.AddDate(0, 0, int(i%29000)), Valid: true}),
			enc(pgtype.TimestampOID, pgtype.Timestamp{Time: at.Add(time.Duration(i*37) * time.Second), Valid: true}),
			enc(pgtype.TimestampOID, pgtype.Timestamp{Time: at.Add(time.Duration(i*41) * time.Second), Valid: true}),
			enc(pgtype.Int2OID, int16(i%3/2)),
			[]byte(fmt.Sprintf("K%05d", i%99999)),
			sum[:],
		})
	}
	stream := copyStream(tuples)
	oids := []uint32{pgtype.Int8OID, pgtype.Int4OID, pgtype.VarcharOID, pgtype.TextOID, pgtype.NumericOID, pgtype.Float8OID,
		pgtype.DateOID, pgtype.TimestampOID, pgtype.TimestampOID, pgtype.Int2OID, pgtype.VarcharOID, pgtype.ByteaOID}
	names := []string{"id", "patient", "namn", "anteckning", "belopp", "poang", "fodd", "besokt", "registrerad", "aktiv", "kod", "kontroll"}
	decs := make([]copyDecoder, len(oids))
	cols := make([]connectors.Column, len(oids))
	for i, o := range oids {
		d, ok := copyDecoderFor(o, nil)
		if !ok {
			b.Fatalf("no decoder for %d", o)
		}
		decs[i], cols[i].Name = d, names[i]
	}
	var err error
	if cols[5].Type, err = connectors.ParseType("double"); err != nil {
		b.Fatal(err)
	}
	tbl := &connectors.Table{Name: "besok", Columns: cols, PrimaryKey: []string{"id"}}
	hashed, floats, err := connectors.SplitHashColumns(tbl, names)
	if err != nil {
		b.Fatal(err)
	}
	req := connectors.ChecksumRequest{Columns: hashed, Key: []string{"id"}, Buckets: 1024, ReadBack: true,
		Hasher: connectors.NewRunHasher(), Floats: floats, FloatBits: 30}
	// Where each tuple begins, and the trailer.
	cuts := []int{len(copySignature)}
	for _, t := range tuples {
		n := 2
		for _, f := range t {
			n += 4 + len(f)
		}
		cuts = append(cuts, cuts[len(cuts)-1]+n)
	}
	b.ReportAllocs()
	c0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, full := newCopyParser(decs, names)
		done := make(chan error, 1)
		go func() {
			p.Write(stream[:cuts[0]])
			for k := 0; k < rows; k++ {
				p.Write(stream[cuts[k]:cuts[k+1]])
			}
			p.Write(stream[cuts[rows]:])
			if p.cur != nil && p.cur.n > 0 && p.err == nil {
				full <- p.cur
			}
			done <- p.err
			close(full)
		}()
		got, err := connectors.SumRows(tbl, req, newBatchRows(cols, full, p.free, done))
		if err != nil {
			b.Fatal(err)
		}
		if n := got.Total().Count; n != rows {
			b.Fatalf("%d rows hashed of %d", n, rows)
		}
	}
	b.StopTimer()
	b.ReportMetric((processCPU()-c0)*1e9/float64(b.N)/rows, "cpu-ns/row")
}

// processCPU is this process's CPU seconds so far, user and system.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
