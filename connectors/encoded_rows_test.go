package connectors_test

import (
	"bytes"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Each typed appender appends what AppendValue appends for the same value.
func TestTypedAppendersAreAppendValue(t *testing.T) {
	negNaN := math.Float64frombits(0xfff8000000000001)
	cases := []struct {
		v   connectors.Value
		got []byte
	}{
		{nil, connectors.AppendNullValue(nil)},
		{int64(math.MinInt64), connectors.AppendIntValue(nil, math.MinInt64)},
		{int64(-1), connectors.AppendIntValue(nil, -1)},
		{math.Copysign(0, -1), connectors.AppendFloatValue(nil, math.Copysign(0, -1))},
		{negNaN, connectors.AppendFloatValue(nil, negNaN)},
		{math.Inf(-1), connectors.AppendFloatValue(nil, math.Inf(-1))},
		{5e-324, connectors.AppendFloatValue(nil, 5e-324)},
		{true, connectors.AppendBoolValue(nil, true)},
		{false, connectors.AppendBoolValue(nil, false)},
		{"", connectors.AppendTextValue(nil, []byte(""))},
		{"Åsa", connectors.AppendTextValue(nil, []byte("Åsa"))},
		{string(make([]byte, 300)), connectors.AppendTextValue(nil, make([]byte, 300))},
		{[]byte{}, connectors.AppendBytesValue(nil, []byte{})},
		{[]byte{0, 255}, connectors.AppendBytesValue(nil, []byte{0, 255})},
		{connectors.Decimal("-12.50"), connectors.AppendDecimalValue(nil, []byte("-12.50"))},
		{connectors.JSON(`{"a": 1}`), connectors.AppendJSONValue(nil, []byte(`{"a": 1}`))},
		{connectors.Date{Year: 1, Month: 1, Day: 1}, connectors.AppendDateValue(nil, connectors.Date{Year: 1, Month: 1, Day: 1})},
		{connectors.LocalDateTime{Date: connectors.Date{Year: 9999, Month: 12, Day: 31}, Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999000},
			connectors.AppendLocalDateTimeValue(nil, connectors.LocalDateTime{Date: connectors.Date{Year: 9999, Month: 12, Day: 31}, Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999000})},
		{time.UnixMicro(-62135596800000001).UTC(), connectors.AppendTimeValue(nil, time.UnixMicro(-62135596800000001))},
		{time.Date(2024, 3, 31, 2, 30, 0, 500, time.FixedZone("x", 7200)), connectors.AppendTimeValue(nil, time.Date(2024, 3, 31, 2, 30, 0, 500, time.FixedZone("x", 7200)))},
		{connectors.Duration(24 * time.Hour), connectors.AppendDurationValue(nil, connectors.Duration(24*time.Hour))},
		{connectors.UUID{1, 2, 3, 15: 9}, connectors.AppendUUIDValue(nil, connectors.UUID{1, 2, 3, 15: 9})},
	}
	for _, c := range cases {
		want, err := connectors.AppendValue(nil, c.v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(c.got, want) {
			t.Errorf("%T %v: % x, AppendValue gives % x", c.v, c.v, c.got, want)
		}
	}
}

// encodedMemRows are memRows that also give each value's encoding, as a
// connector's EncodedRows would; bad, when set, replaces the encoding of
// one column.
// scanOf reads snap's rows from the start, as values.
func scanOf(snap *memSnapshot) memRows { return memRows{m: snap, cols: recordTable.Columns, i: -1} }

type encodedMemRows struct {
	memRows
	fields [][]byte
	bad    map[int][]byte
	pre    [][][]byte // when set, each row's encodings, given as they are
}

func (r *encodedMemRows) Encoded() [][]byte {
	if r.pre != nil {
		return r.pre[r.i]
	}
	r.fields = r.fields[:0]
	for i, v := range r.Row() {
		b, err := connectors.AppendValue(nil, v)
		if err != nil {
			panic(err)
		}
		if x, ok := r.bad[i]; ok {
			b = x
		}
		r.fields = append(r.fields, b)
	}
	return r.fields
}

// spanMemRows are encodedMemRows whose encodings lie back to back
// (connectors.EncodedSpans), after bytes of an earlier row as in a
// connector's batch.
type spanMemRows struct {
	encodedMemRows
	buf  []byte
	ends []int
}

func (r *spanMemRows) EncodedEnds() ([]byte, int, []int) {
	r.buf = append(r.buf[:0], "an earlier row"...)
	start := len(r.buf)
	r.ends = r.ends[:0]
	for _, f := range r.encodedMemRows.Encoded() {
		r.buf = append(r.buf, f...)
		r.ends = append(r.ends, len(r.buf))
	}
	return r.buf, start, r.ends
}

// Rows that give their encodings are hashed from them to the same
// aggregates, float records and record hashes as from their values,
// whatever the floats hold (NaN of any bits, ±Inf, -0, subnormals, NULL,
// a value that is no float), and so are rows that give them back to back
// (EncodedSpans: runs of adjacent columns copied at once).
func TestEncodedRowsHashAsValues(t *testing.T) {
	floats := []connectors.Value{nil, math.NaN(), math.Float64frombits(0x7ff8000000000001), math.Inf(1), math.Inf(-1),
		math.Copysign(0, -1), 0.0, 5e-324, 1.0 / 3, -1e300, "not a float"}
	rows := records(300)
	for i, r := range rows {
		r[2] = floats[i%len(floats)]
		if i%5 == 0 {
			r[1] = nil
		}
	}
	snap := &memSnapshot{rows: rows}
	for _, req := range []connectors.ChecksumRequest{
		{Columns: hashedCols, Buckets: 1},
		{Columns: hashedCols, Buckets: 16, Floats: []string{"weight"}, FloatBits: 20},
		{Columns: []string{"note"}, Key: []string{"unit", "id"}, Buckets: 7, Floats: []string{"weight"}, FloatBits: 52},
		{Columns: hashedCols, Buckets: 64, Within: 8, In: []uint32{1, 6}},
	} {
		want, err := connectors.SumRows(recordTable, req, new(scanOf(snap)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := connectors.SumRows(recordTable, req, &encodedMemRows{memRows: scanOf(snap)})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Sums, want.Sums) || !slices.Equal(got.Floats, want.Floats) || want.Total().Count == 0 ||
			len(req.Floats) > 0 && len(want.Floats) == 0 {
			t.Errorf("%+v: encoded rows sum to %+v, values to %+v", req, got, want)
		}
		spans, err := connectors.SumRows(recordTable, req, &spanMemRows{encodedMemRows: encodedMemRows{memRows: scanOf(snap)}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(spans.Sums, want.Sums) || !slices.Equal(spans.Floats, want.Floats) || !maps.Equal(spans.NonNull, want.NonNull) {
			t.Errorf("%+v: rows encoded back to back sum to %+v, values to %+v", req, spans, want)
		}
		// Each column's non-NULL values, counted from every row of a
		// whole-table request, from values and encodings alike.
		counted := map[string]int64{}
		for _, r := range rows {
			for i, v := range r {
				if v != nil {
					counted[recordTable.Columns[i].Name]++
				}
			}
		}
		for _, b := range []connectors.Buckets{want, got} {
			switch {
			case req.Within != 0 && b.NonNull != nil:
				t.Errorf("%+v: a drill-down step counts non-NULL values %v", req, b.NonNull)
			case req.Within == 0 && !maps.Equal(b.NonNull, counted):
				t.Errorf("%+v: non-NULL values %v, want %v", req, b.NonNull, counted)
			}
		}
		if req.Within == 0 {
			// Two parts read apart count as the whole.
			half := &memSnapshot{rows: rows[:150]}
			rest := &memSnapshot{rows: rows[150:]}
			a, err := connectors.SumRows(recordTable, req, &encodedMemRows{memRows: scanOf(half)})
			if err != nil {
				t.Fatal(err)
			}
			b, err := connectors.SumRows(recordTable, req, new(scanOf(rest)))
			if err != nil {
				t.Fatal(err)
			}
			a.Merge(b)
			if !maps.Equal(a.NonNull, counted) || !slices.Equal(a.Sums, want.Sums) {
				t.Errorf("%+v: two parts merged count %v, want %v", req, a.NonNull, counted)
			}
		}
		if len(req.Floats) > 0 {
			continue
		}
		wantRecs, err := connectors.RecordRows(recordTable, req, new(scanOf(snap)))
		if err != nil {
			t.Fatal(err)
		}
		gotRecs, err := connectors.RecordRows(recordTable, req, &encodedMemRows{memRows: scanOf(snap)})
		if err != nil {
			t.Fatal(err)
		}
		spanRecs, err := connectors.RecordRows(recordTable, req, &spanMemRows{encodedMemRows: encodedMemRows{memRows: scanOf(snap)}})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(spanRecs, wantRecs, func(a, b connectors.RecordHash) bool { return a.Hash == b.Hash && slices.Equal(a.Key, b.Key) }) {
			t.Errorf("%+v: records from encodings back to back differ from those from values", req)
		}
		if len(gotRecs) != len(wantRecs) || len(wantRecs) == 0 {
			t.Fatalf("%+v: %d records from encodings, %d from values", req, len(gotRecs), len(wantRecs))
		}
		for i := range wantRecs {
			if gotRecs[i].Hash != wantRecs[i].Hash || !slices.Equal(gotRecs[i].Key, wantRecs[i].Key) {
				t.Errorf("%+v: record %d: %v from encodings, %v from values", req, i, gotRecs[i], wantRecs[i])
			}
		}
	}
	// An encoding that is none, in a float column, is an error naming
	// the floats, not a rounded value.
	req := connectors.ChecksumRequest{Columns: hashedCols, Buckets: 4, Floats: []string{"weight"}, FloatBits: 30}
	bad := &encodedMemRows{memRows: scanOf(snap), bad: map[int][]byte{2: {0xff}}}
	if _, err := connectors.SumRows(recordTable, req, bad); err == nil {
		t.Error("an undecodable float encoding is hashed")
	}
	badSpans := &spanMemRows{encodedMemRows: encodedMemRows{memRows: scanOf(snap), bad: map[int][]byte{2: {0xff}}}}
	if _, err := connectors.SumRows(recordTable, req, badSpans); err == nil {
		t.Error("an undecodable float encoding back to back is hashed")
	}
}

// SumRows gives the same buckets whether it keeps them all (a whole
// table's few thousand) or only the non-empty ones (a drill-down's
// millions), in increasing order, none empty.
func TestSumRowsBucketCounts(t *testing.T) {
	rows := records(2000)
	for _, n := range []uint32{1, 3, 1 << 16, 1<<16 + 1, 1 << 30} {
		want := recordBuckets(t, rows, n)
		got, err := connectors.SumRows(recordTable, connectors.ChecksumRequest{Columns: hashedCols, Buckets: n},
			&memRows{m: &memSnapshot{rows: rows}, cols: recordTable.Columns, i: -1})
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Sums) != len(want) {
			t.Fatalf("%d buckets: %d non-empty, want %d", n, len(got.Sums), len(want))
		}
		for i, s := range got.Sums {
			if i > 0 && got.Sums[i-1].Bucket >= s.Bucket {
				t.Errorf("%d buckets: out of order at %d", n, i)
			}
			if w := want[s.Bucket]; w == nil || *w != s.Aggregate {
				t.Errorf("%d buckets: bucket %d: %+v, want %+v", n, s.Bucket, s.Aggregate, w)
			}
		}
	}
	empty, err := connectors.SumRows(recordTable, connectors.ChecksumRequest{Columns: hashedCols, Buckets: 16},
		&memRows{m: &memSnapshot{}, cols: recordTable.Columns, i: -1})
	if err != nil || empty.Sums == nil || len(empty.Sums) != 0 {
		t.Errorf("no rows: %#v, %v", empty.Sums, err)
	}
}

// BenchmarkSumRows hashes 100k in-memory rows (4 columns, a float among
// them) into 16384 buckets, from their values and from their encodings,
// with SHA-256 and with a run's keyed hash (connectors.RowHasher), and
// with the keyed hash into a run's 1024: the hashing alone, without a
// database.
func BenchmarkSumRows(b *testing.B) {
	snap := &memSnapshot{rows: records(100000)}
	for _, bench := range []struct {
		name    string
		hasher  *connectors.RowHasher
		buckets uint32
	}{{"values", nil, 16384}, {"encodings", nil, 16384}, {"encodings-keyed", connectors.NewRunHasher(), 16384},
		// A run's own end check's buckets (verify.RunBuckets).
		{"encodings-keyed-1024", connectors.NewRunHasher(), 1024}} {
		name := strings.TrimSuffix(strings.TrimSuffix(bench.name, "-1024"), "-keyed")
		req := connectors.ChecksumRequest{Columns: hashedCols, Buckets: bench.buckets, Floats: []string{"weight"}, FloatBits: 30, Hasher: bench.hasher}
		b.Run(bench.name, func(b *testing.B) {
			var enc *encodedMemRows
			if name == "encodings" {
				// Encoded once, outside the timing: a connector's
				// encoders are its own cost.
				enc = &encodedMemRows{memRows: scanOf(snap)}
				all := make([][][]byte, len(snap.rows))
				for enc.Next() {
					all[enc.i] = slices.Clone(enc.Encoded())
				}
				enc.fields = nil
				enc.pre = all
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				var rows connectors.Rows = new(scanOf(snap))
				if enc != nil {
					enc.memRows.i = -1
					rows = enc
				}
				if _, err := connectors.SumRows(recordTable, req, rows); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
