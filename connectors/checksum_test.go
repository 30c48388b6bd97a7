package connectors_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// memSnapshot is a Snapshot over rows held in memory, in the order given
// (the tests give them in key order). It counts the rows it hands out.
type memSnapshot struct {
	rows    [][]connectors.Value
	scanned int
}

func (m *memSnapshot) Tables(context.Context) ([]connectors.Table, error) { return nil, nil }
func (m *memSnapshot) Count(context.Context, string) (int64, error)       { return int64(len(m.rows)), nil }
func (m *memSnapshot) Close() error                                       { return nil }
func (m *memSnapshot) Scan(_ context.Context, t *connectors.Table, _ connectors.ScanOptions) (connectors.Rows, error) {
	return &memRows{m: m, cols: t.Columns, i: -1}, nil
}

type memRows struct {
	m    *memSnapshot
	cols []connectors.Column
	i    int
}

func (r *memRows) Columns() []connectors.Column { return r.cols }
func (r *memRows) Next() bool {
	r.i++
	if r.i < len(r.m.rows) {
		r.m.scanned++
		return true
	}
	return false
}
func (r *memRows) Row() []connectors.Value { return r.m.rows[r.i] }
func (r *memRows) Err() error              { return nil }
func (r *memRows) Close() error            { return nil }

var recordTable = &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
	{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
	{Name: "unit", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	{Name: "weight", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
	{Name: "note", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
}}

func records(n int) [][]connectors.Value {
	rows := make([][]connectors.Value, n)
	for i := range rows {
		rows[i] = []connectors.Value{int64(i), fmt.Sprintf("unit-%d", i%7), float64(i) / 3, fmt.Sprintf("n%d", i)}
	}
	return rows
}

var hashedCols = []string{"id", "unit", "note"}

// The row hash is SHA-256 of AppendRow, byte for byte: what every dialect's
// SQL must reproduce. A change of the encoding changes this and must
// change EncodingVersion with it.
func TestHashRowIsSHA256OfTheEncoding(t *testing.T) {
	row := []connectors.Value{int64(1), "a", nil, []byte{}}
	enc, err := connectors.AppendRow(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	// 4 values; int 1; text "a"; NULL; empty bytes.
	want := "04" + "01" + "0000000000000001" + "05" + "01" + "61" + "00" + "06" + "00"
	if got := hex.EncodeToString(enc); got != want {
		t.Fatalf("encoding %s, want %s (the dialects' SQL builds exactly this)", got, want)
	}
	h, err := connectors.HashRow(row)
	if err != nil {
		t.Fatal(err)
	}
	if h != sha256.Sum256(enc) {
		t.Errorf("HashRow is not SHA-256 of the encoding")
	}
	kh, err := connectors.KeyHash(row)
	if err != nil {
		t.Fatal(err)
	}
	if kh != binary.BigEndian.Uint32(h[:4]) {
		t.Errorf("KeyHash %d is not the first four bytes of the same SHA-256", kh)
	}
}

func aggregateOf(t *testing.T, rows ...[]connectors.Value) connectors.Aggregate {
	t.Helper()
	var a connectors.Aggregate
	for _, r := range rows {
		h, err := connectors.HashRow(r)
		if err != nil {
			t.Fatal(err)
		}
		a.Add(h)
	}
	return a
}

// The aggregate tells apart what other diff tools confused: duplicates
// (XOR cancels them), adjacent-field shifts, NULL against ” and 'NULL',
// trailing spaces and case; and it ignores order.
func TestAggregateTellsApart(t *testing.T) {
	r := func(v ...connectors.Value) []connectors.Value { return v }
	a, b, c := r(int64(1), "x"), r(int64(2), "y"), r(int64(3), "z")
	if aggregateOf(t, a, b, c) != aggregateOf(t, c, a, b) {
		t.Error("the aggregate depends on row order")
	}
	pairs := []struct {
		name string
		x, y [][]connectors.Value
	}{
		{"a duplicated pair against nothing", [][]connectors.Value{a, b, b}, [][]connectors.Value{a}},
		{"a duplicate against a missing row", [][]connectors.Value{a, b, b}, [][]connectors.Value{a, b, c}},
		{"adjacent-field shift", [][]connectors.Value{r("x0", "y")}, [][]connectors.Value{r("x", "0y")}},
		{"NULL against empty text", [][]connectors.Value{r(nil)}, [][]connectors.Value{r("")}},
		{"NULL against the text NULL", [][]connectors.Value{r(nil)}, [][]connectors.Value{r("NULL")}},
		{"trailing space", [][]connectors.Value{r("a")}, [][]connectors.Value{r("a ")}},
		{"case", [][]connectors.Value{r("Anna")}, [][]connectors.Value{r("anna")}},
		{"int against text", [][]connectors.Value{r(int64(1))}, [][]connectors.Value{r("1")}},
		{"swapped values", [][]connectors.Value{r(int64(1), "x"), r(int64(2), "y")}, [][]connectors.Value{r(int64(1), "y"), r(int64(2), "x")}},
	}
	for _, p := range pairs {
		if aggregateOf(t, p.x...) == aggregateOf(t, p.y...) {
			t.Errorf("%s: equal aggregates", p.name)
		}
	}
}

// The sums wrap modulo 2^64, and a database's exact decimal sum reduces to
// the same residue whether it summed the slices signed or unsigned.
func TestSumsWrapModulo64(t *testing.T) {
	var h connectors.RowHash
	for i := range h[:16] {
		h[i] = 0xff
	}
	var a connectors.Aggregate
	a.Add(h)
	a.Add(h)
	if a.Sum1 != math.MaxUint64-1 || a.Sum2 != math.MaxUint64-1 {
		t.Errorf("2·(2^64−1) mod 2^64: got %d, %d", a.Sum1, a.Sum2)
	}
	for _, c := range []struct {
		in   string
		want uint64
	}{
		{"36893488147419103230", math.MaxUint64 - 1}, // unsigned: 2·(2^64−1)
		{"-2", math.MaxUint64 - 1},                   // signed: 2·(−1)
		{"0", 0},
		{"18446744073709551616", 0},
	} {
		got, err := connectors.SumMod64(c.in)
		if err != nil || got != c.want {
			t.Errorf("SumMod64(%s) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	if _, err := connectors.SumMod64("1.5"); err == nil {
		t.Error("SumMod64 took a fraction")
	}
}

func TestChecksumRequestResolve(t *testing.T) {
	bad := []struct {
		req  connectors.ChecksumRequest
		want string
	}{
		{connectors.ChecksumRequest{Columns: hashedCols}, "zero buckets"},
		{connectors.ChecksumRequest{Columns: []string{"id", "weight"}, Buckets: 1}, "column weight is a float"},
		{connectors.ChecksumRequest{Columns: []string{"nope"}, Buckets: 1}, "column nope does not exist"},
		{connectors.ChecksumRequest{Columns: hashedCols, Key: []string{"nope"}, Buckets: 1}, "key column nope"},
		{connectors.ChecksumRequest{Columns: hashedCols, Buckets: 10, Within: 3}, "do not split"},
		{connectors.ChecksumRequest{Columns: hashedCols, Buckets: 10, Within: 5, In: []uint32{5}}, "bucket 5 is not one of 5"},
		{connectors.ChecksumRequest{Columns: hashedCols, Buckets: 10, In: []uint32{1}}, "without Within"},
	}
	for _, c := range bad {
		if _, _, err := c.req.Resolve(recordTable); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error with %q", c.req, err, c.want)
		}
	}
	noKey := &connectors.Table{Name: "heap", Columns: recordTable.Columns}
	if _, _, err := (connectors.ChecksumRequest{Columns: hashedCols, Buckets: 1}).Resolve(noKey); err == nil {
		t.Error("a table without a primary key and no Key given was accepted")
	}
	cols, key, err := connectors.ChecksumRequest{Columns: []string{"note", "id"}, Key: []string{"unit", "id"}, Buckets: 4}.Resolve(recordTable)
	if err != nil || !slices.Equal(cols, []int{3, 0}) || !slices.Equal(key, []int{1, 0}) {
		t.Errorf("Resolve: %v %v %v", cols, key, err)
	}
}

// The float mask: floats go out of the hash and are named for the
// tolerance comparison.
func TestSplitHashColumns(t *testing.T) {
	hashed, floats, err := connectors.SplitHashColumns(recordTable, []string{"id", "unit", "weight", "note"})
	if err != nil || !slices.Equal(hashed, hashedCols) || !slices.Equal(floats, []string{"weight"}) {
		t.Errorf("got %v %v %v", hashed, floats, err)
	}
	if _, _, err := connectors.SplitHashColumns(recordTable, []string{"x"}); err == nil {
		t.Error("an unknown column was accepted")
	}
}

// HashTable's buckets are those of BucketOf, and their aggregates those of
// the rows' hashes; the total does not depend on the bucket count.
// recordBuckets is the bucket aggregates of records' hashed columns
// (hashedCols), computed record by record with BucketOf and HashRow.
func recordBuckets(t *testing.T, rows [][]connectors.Value, n uint32) map[uint32]*connectors.Aggregate {
	t.Helper()
	want := map[uint32]*connectors.Aggregate{}
	for _, r := range rows {
		b, err := connectors.BucketOf(r[:1], n)
		if err != nil {
			t.Fatal(err)
		}
		if want[b] == nil {
			want[b] = &connectors.Aggregate{}
		}
		h, _ := connectors.HashRow([]connectors.Value{r[0], r[1], r[3]})
		want[b].Add(h)
	}
	return want
}

func TestHashTableBuckets(t *testing.T) {
	ctx := context.Background()
	rows := records(500)
	snap := &memSnapshot{rows: rows}
	want := recordBuckets(t, rows, 16)
	got, err := connectors.HashTable(ctx, snap, recordTable, connectors.ChecksumRequest{Columns: hashedCols, Buckets: 16})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != connectors.ChecksumVersion || got.N != 16 || len(got.Sums) != len(want) {
		t.Fatalf("got version %q, %d buckets, %d sums; want %d sums", got.Version, got.N, len(got.Sums), len(want))
	}
	for i, s := range got.Sums {
		if i > 0 && got.Sums[i-1].Bucket >= s.Bucket {
			t.Errorf("buckets out of order at %d", i)
		}
		if w := want[s.Bucket]; w == nil || *w != s.Aggregate {
			t.Errorf("bucket %d: %+v, want %+v", s.Bucket, s.Aggregate, w)
		}
	}
	one, err := connectors.HashTable(ctx, snap, recordTable, connectors.ChecksumRequest{Columns: hashedCols, Buckets: 1})
	if err != nil {
		t.Fatal(err)
	}
	if one.Total() != got.Total() || one.Total().Count != 500 {
		t.Errorf("totals differ: %+v over 1 bucket, %+v over 16", one.Total(), got.Total())
	}
}

func TestDiffBuckets(t *testing.T) {
	v := connectors.ChecksumVersion
	agg := func(n uint64) connectors.Aggregate { return connectors.Aggregate{Count: n, Sum1: n, Sum2: n} }
	a := connectors.Buckets{Version: v, N: 8, Sums: []connectors.BucketSum{{1, agg(1)}, {3, agg(3)}, {5, agg(5)}}}
	b := connectors.Buckets{Version: v, N: 8, Sums: []connectors.BucketSum{{0, agg(9)}, {3, agg(3)}, {5, agg(6)}, {7, agg(7)}}}
	got, err := connectors.DiffBuckets(a, b)
	if err != nil || !slices.Equal(got, []uint32{0, 1, 5, 7}) {
		t.Errorf("got %v, %v", got, err)
	}
	if _, err := connectors.DiffBuckets(a, connectors.Buckets{Version: v, N: 4}); err == nil {
		t.Error("different bucket counts compared")
	}
	if _, err := connectors.DiffBuckets(a, connectors.Buckets{Version: "other", N: 8}); err == nil {
		t.Error("different versions compared")
	}
}

// drillDown is the verifier's loop as ChecksumRequest documents it: one
// request per level for all differing buckets, then the records of the
// small ones. It returns the differing keys and the number of rows hashed
// (selected by a request) on the two sides together.
func drillDown(t *testing.T, src, tgt connectors.Snapshot, tbl *connectors.Table, leaf uint64) (keys []int64, hashed uint64) {
	t.Helper()
	ctx := context.Background()
	const top, fanout = 256, 64
	req := connectors.ChecksumRequest{Columns: hashedCols, Buckets: top}
	for {
		a, err := connectors.HashTable(ctx, src, tbl, req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := connectors.HashTable(ctx, tgt, tbl, req)
		if err != nil {
			t.Fatal(err)
		}
		hashed += a.Total().Count + b.Total().Count
		diff, err := connectors.DiffBuckets(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(diff) == 0 {
			return nil, hashed
		}
		// The largest differing bucket decides whether to split again.
		var most uint64
		for _, s := range append(a.Sums, b.Sums...) {
			if slices.Contains(diff, s.Bucket) {
				most = max(most, s.Count)
			}
		}
		req = connectors.ChecksumRequest{Columns: hashedCols, Buckets: req.Buckets, Within: req.Buckets, In: diff}
		if most <= leaf || req.Buckets > math.MaxUint32/fanout {
			break
		}
		req.Buckets *= fanout
	}
	ra, err := connectors.HashRecords(ctx, src, tbl, req)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := connectors.HashRecords(ctx, tgt, tbl, req)
	if err != nil {
		t.Fatal(err)
	}
	hashed += uint64(len(ra) + len(rb))
	seen := map[int64]connectors.RowHash{}
	for _, r := range ra {
		seen[r.Key[0].(int64)] = r.Hash
	}
	for _, r := range rb {
		k := r.Key[0].(int64)
		if h, ok := seen[k]; ok && h == r.Hash {
			delete(seen, k)
		} else {
			seen[k] = r.Hash // differing or only in the target
		}
	}
	for k := range seen {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, hashed
}

// Drill-down names exactly the records that differ, and the rows it hashes
// grow with their number k, not with the table.
func TestDrillDownWorkGrowsWithDifferences(t *testing.T) {
	const n = 30_000
	rows := records(n)
	src := &memSnapshot{rows: rows}
	perRecord := map[int]float64{}
	for _, k := range []int{1, 100, 10_000} {
		tgt := &memSnapshot{rows: slices.Clone(rows)}
		var want []int64
		for i := 0; i < k; i++ {
			id := (i*7919 + 13) % n // spread over the table
			r := slices.Clone(rows[id])
			switch i % 3 {
			case 0:
				r[3] = "changed"
			case 1:
				r[1] = nil
			default:
				r[3] = r[3].(string) + " "
			}
			tgt.rows[id] = r
			want = append(want, int64(id))
		}
		slices.Sort(want)
		got, hashed := drillDown(t, src, tgt, recordTable, 8)
		if !slices.Equal(got, want) {
			t.Fatalf("k=%d: drill-down named %d keys, want %d", k, len(got), len(want))
		}
		// The first level hashes both tables once; what comes after is
		// the drill-down's own work.
		perRecord[k] = float64(hashed-2*n) / float64(k)
		t.Logf("k=%d: %d rows hashed after the first level (%.0f per differing record)", k, hashed-2*n, perRecord[k])
	}
	// Work per differing record stays bounded (it shrinks as differing
	// records share buckets), never the table's size.
	for k, w := range perRecord {
		if w > 2*n/256+200 {
			t.Errorf("k=%d: %.0f rows hashed per differing record", k, w)
		}
	}
	if perRecord[1] > 2*n/256+200 {
		t.Errorf("one differing record cost %.0f row hashes", perRecord[1])
	}
}

// Checksum uses a Checksummer when the snapshot is one and falls back to
// Go on ErrNoPushdown; any other error is the caller's.
func TestChecksumFallsBackOnNoPushdown(t *testing.T) {
	ctx := context.Background()
	rows := records(50)
	req := connectors.ChecksumRequest{Columns: hashedCols, Buckets: 4}
	want, err := connectors.HashTable(ctx, &memSnapshot{rows: rows}, recordTable, req)
	if err != nil {
		t.Fatal(err)
	}
	pushed := &pushSnapshot{memSnapshot: memSnapshot{rows: rows}, result: connectors.Buckets{Version: "pushed", N: 4}}
	got, ok, err := connectors.Checksum(ctx, pushed, recordTable, req)
	if err != nil || !ok || got.Version != "pushed" || pushed.scanned != 0 {
		t.Errorf("pushdown: %+v %v %v, %d rows scanned", got, ok, err, pushed.scanned)
	}
	pushed.err = fmt.Errorf("column x: %w", connectors.ErrNoPushdown)
	got, ok, err = connectors.Checksum(ctx, pushed, recordTable, req)
	if err != nil || ok || got.Total() != want.Total() {
		t.Errorf("fallback: %+v %v %v", got, ok, err)
	}
	recs, ok, err := connectors.Records(ctx, pushed, recordTable, req)
	if err != nil || ok || len(recs) != 50 || recs[7].Key[0] != int64(7) {
		t.Errorf("records fallback: %d records, %v %v", len(recs), ok, err)
	}
	pushed.err = errors.New("connection lost")
	if _, _, err = connectors.Checksum(ctx, pushed, recordTable, req); err == nil {
		t.Error("a pushdown failure was hidden by the fallback")
	}
	if _, _, err = connectors.Records(ctx, pushed, recordTable, req); err == nil {
		t.Error("a pushdown failure of Records was hidden by the fallback")
	}
}

type pushSnapshot struct {
	memSnapshot
	result connectors.Buckets
	err    error
}

func (p *pushSnapshot) Checksum(context.Context, *connectors.Table, connectors.ChecksumRequest) (connectors.Buckets, error) {
	return p.result, p.err
}

func (p *pushSnapshot) RecordHashes(context.Context, *connectors.Table, connectors.ChecksumRequest) ([]connectors.RecordHash, error) {
	return nil, p.err
}
