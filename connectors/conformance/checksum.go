package conformance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// RunChecksum holds a dialect's Checksummer to connectors.HashTable, the
// Go reference, on every edge value the dialect keeps (floats aside: they
// are outside the hash): each value as a hashed column and as part of a
// record key, record by record, so that a value whose SQL encoding differs
// from AppendRow's by one byte is named. noPushdown lists the receiving
// types (as in Edge.Type) the dialect declares it cannot encode in SQL: a
// request with such a column must fail with ErrNoPushdown, and every other
// must be pushed down.
func RunChecksum(t *testing.T, tgt connectors.Target, caps Capabilities, noPushdown ...string) {
	ctx := context.Background()
	tbl := &connectors.Table{Name: "checksum_edges", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}}}}
	colOf := map[string]int{}
	edgeOf := map[int64]string{} // row id -> edge name
	var rows [][]connectors.Value
	edges := Edges()
	for _, e := range edges {
		typ, err := connectors.ParseType(e.Type)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		if w := e.Want(caps); w.Rule != "" || w.NoColumn || typ.Kind == connectors.KindFloat {
			continue
		}
		if _, ok := colOf[e.Type]; !ok {
			colOf[e.Type] = len(tbl.Columns)
			tbl.Columns = append(tbl.Columns, connectors.Column{Name: columnName(e.Type), Type: typ, SourceType: e.Type, Nullable: true})
		}
	}
	nulls := func(id int) []connectors.Value {
		row := make([]connectors.Value, len(tbl.Columns))
		row[0] = int64(id)
		return row
	}
	rows = append(rows, nulls(0))
	edgeOf[0] = "null"
	for i, e := range edges {
		j, ok := colOf[e.Type]
		if !ok || e.Want(caps).Rule != "" {
			continue
		}
		row := nulls(i + 1)
		row[j] = e.Value
		rows = append(rows, row)
		edgeOf[int64(i+1)] = e.Name
	}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	write(t, tgt, tbl, rows)
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	cs, ok := snap.(connectors.Checksummer)
	if !ok {
		t.Fatalf("%s's snapshot is not a connectors.Checksummer", tgt.Dialect().Name())
	}
	for typ, j := range colOf {
		col := tbl.Columns[j].Name
		t.Run(col, func(t *testing.T) {
			value := connectors.ChecksumRequest{Columns: []string{"id", col}, Buckets: 1}
			key := connectors.ChecksumRequest{Columns: []string{"id"}, Key: []string{col, "id"}, Buckets: 1}
			_, err := cs.RecordHashes(ctx, tbl, value)
			if slices.Contains(noPushdown, typ) {
				if !errors.Is(err, connectors.ErrNoPushdown) {
					t.Fatalf("declared without pushdown, but a checksum over %s gave %v, not ErrNoPushdown", typ, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("record hashes: %v", err)
			}
			compareRecords(t, snap, cs, tbl, value, edgeOf)
			compareRecords(t, snap, cs, tbl, key, edgeOf)
			compareBuckets(t, snap, cs, tbl, connectors.ChecksumRequest{Columns: []string{"id", col}, Key: []string{col, "id"}, Buckets: 13})
		})
	}
	var pushed []string
	for _, c := range tbl.Columns {
		if !slices.Contains(noPushdown, c.SourceType) {
			pushed = append(pushed, c.Name)
		}
	}
	t.Run("all_columns", func(t *testing.T) {
		compareBuckets(t, snap, cs, tbl, connectors.ChecksumRequest{Columns: pushed, Buckets: 1})
		compareBuckets(t, snap, cs, tbl, connectors.ChecksumRequest{Columns: pushed, Buckets: 16})
		// A drill-down step: two of four coarse buckets, split in four.
		compareBuckets(t, snap, cs, tbl, connectors.ChecksumRequest{Columns: pushed, Buckets: 16, Within: 4, In: []uint32{1, 3}})
		compareRecords(t, snap, cs, tbl, connectors.ChecksumRequest{Columns: pushed, Buckets: 16, Within: 4, In: []uint32{0, 2}}, edgeOf)
	})
	t.Run("floats", func(t *testing.T) { testChecksumFloats(t, tgt, caps) })
	t.Run("non_null_counts", func(t *testing.T) { testNonNullCounts(t, snap, tbl) })
	t.Run("key_counts", func(t *testing.T) { testKeyCounts(t, snap, tbl) })
	t.Run("lengths", func(t *testing.T) { testChecksumLengths(t, tgt) })
	t.Run("text_keys", func(t *testing.T) { testChecksumTextKeys(t, tgt, caps) })
	t.Run("drill_down", func(t *testing.T) { testChecksumDrillDown(t, tgt) })
}

// testChecksumDrillDown drills down, in the database, from one checksum
// of two tables to the records that differ between them (changed, missing
// and extra), as ChecksumRequest documents it, for k = 1, 10 and 100
// differences among 4000 records: the keys named must be exactly those,
// and the rows hashed after the first level must grow with k.
func testChecksumDrillDown(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	const n = 4000
	cols := []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "v", Type: connectors.Type{Kind: connectors.KindText, Length: 40}, Nullable: true},
	}
	base := make([][]connectors.Value, n)
	for i := range base {
		base[i] = []connectors.Value{int64(i), fmt.Sprintf("värde %d", i)}
	}
	a := &connectors.Table{Name: "drill_a", PrimaryKey: []string{"id"}, Columns: cols}
	if err := tgt.Create(ctx, []connectors.Table{*a}); err != nil {
		t.Fatalf("create: %v", err)
	}
	write(t, tgt, a, base)
	perRecord := map[int]float64{}
	for _, k := range []int{1, 10, 100} {
		b := &connectors.Table{Name: fmt.Sprintf("drill_b%d", k), PrimaryKey: []string{"id"}, Columns: cols}
		if err := tgt.Create(ctx, []connectors.Table{*b}); err != nil {
			t.Fatalf("create: %v", err)
		}
		var rows [][]connectors.Value
		want := map[int64]bool{}
		changed := map[int]int{} // row -> kind of change
		for i := 0; i < k; i++ {
			changed[(i*7919+11)%n] = i % 3
		}
		for i, r := range base {
			switch c, ok := changed[i]; {
			case !ok:
				rows = append(rows, r)
			case c == 0: // a changed value
				rows = append(rows, []connectors.Value{r[0], r[1].(string) + " "})
			case c == 1: // NULL in place of a value
				rows = append(rows, []connectors.Value{r[0], nil})
			}
			// c == 2: missing
			if _, ok := changed[i]; ok {
				want[int64(i)] = true
			}
		}
		write(t, tgt, b, rows)
		snap, err := tgt.Snapshot(ctx)
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		got, hashed := drillDown(t, snap.(connectors.Checksummer), a, b)
		snap.Close()
		if len(got) != len(want) {
			t.Errorf("k=%d: drill-down named %d keys, want %d", k, len(got), len(want))
		}
		for id := range got {
			if !want[id] {
				t.Errorf("k=%d: drill-down named key %d, which does not differ", k, id)
			}
		}
		perRecord[k] = float64(hashed) / float64(k)
		t.Logf("k=%d: %d rows hashed after the first level", k, hashed)
	}
	// Bounded per differing record (it falls as they share buckets); a
	// drill-down that rehashed the tables would cost 8000 per level.
	for k, w := range perRecord {
		if w > 2*n/64+2*32 {
			t.Errorf("k=%d: %.0f rows hashed per differing record", k, w)
		}
	}
}

// drillDown compares tables a and b bucket by bucket in the database and
// splits the differing buckets until they hold at most 8 records, then
// lists those records. It returns the keys (id) whose records differ and
// the rows hashed after the first level.
func drillDown(t *testing.T, cs connectors.Checksummer, a, b *connectors.Table) (map[int64]bool, uint64) {
	t.Helper()
	ctx := context.Background()
	req := connectors.ChecksumRequest{Columns: []string{"id", "v"}, Buckets: 64}
	var hashed uint64
	for level := 0; ; level++ {
		sa, err := cs.Checksum(ctx, a, req)
		if err != nil {
			t.Fatalf("checksum: %v", err)
		}
		sb, err := cs.Checksum(ctx, b, req)
		if err != nil {
			t.Fatalf("checksum: %v", err)
		}
		if level > 0 {
			hashed += sa.Total().Count + sb.Total().Count
		}
		diff, err := connectors.DiffBuckets(sa, sb)
		if err != nil {
			t.Fatal(err)
		}
		if len(diff) == 0 {
			return nil, hashed
		}
		var most uint64
		for _, s := range append(sa.Sums, sb.Sums...) {
			if slices.Contains(diff, s.Bucket) {
				most = max(most, s.Count)
			}
		}
		req = connectors.ChecksumRequest{Columns: req.Columns, Buckets: req.Buckets, Within: req.Buckets, In: diff}
		if most <= 8 {
			break
		}
		req.Buckets *= 32
	}
	ra, err := cs.RecordHashes(ctx, a, req)
	if err != nil {
		t.Fatalf("record hashes: %v", err)
	}
	rb, err := cs.RecordHashes(ctx, b, req)
	if err != nil {
		t.Fatalf("record hashes: %v", err)
	}
	hashed += uint64(len(ra) + len(rb))
	hashOf := map[int64]connectors.RowHash{}
	for _, r := range ra {
		hashOf[r.Key[0].(int64)] = r.Hash
	}
	differ := map[int64]bool{}
	for _, r := range rb {
		id := r.Key[0].(int64)
		if h, ok := hashOf[id]; !ok || h != r.Hash {
			differ[id] = true
		}
		delete(hashOf, id)
	}
	for id := range hashOf {
		differ[id] = true // only in a
	}
	return differ, hashed
}

// compareRecords requires the same records with the same keys and row
// hashes from the database and from Go, naming the edge of a differing one.
func compareRecords(t *testing.T, snap connectors.Snapshot, cs connectors.Checksummer, tbl *connectors.Table, req connectors.ChecksumRequest, edgeOf map[int64]string) {
	t.Helper()
	ctx := context.Background()
	want, err := connectors.HashRecords(ctx, snap, tbl, req)
	if err != nil {
		t.Fatalf("Go: %v", err)
	}
	got, err := cs.RecordHashes(ctx, tbl, req)
	if err != nil {
		t.Fatalf("database: %v", err)
	}
	idOf := func(r connectors.RecordHash) int64 {
		id, _ := r.Key[len(r.Key)-1].(int64)
		return id
	}
	byID := map[int64]connectors.RecordHash{}
	for _, r := range got {
		byID[idOf(r)] = r
	}
	if len(got) != len(want) {
		t.Errorf("key %v: %d records from the database, %d from Go", req.KeyColumns(tbl), len(got), len(want))
	}
	for _, w := range want {
		g, ok := byID[idOf(w)]
		name := edgeOf[idOf(w)]
		switch {
		case !ok:
			t.Errorf("%s: not listed by the database", name)
		case len(g.Key) != len(w.Key):
			t.Errorf("%s: key of %d values, want %d", name, len(g.Key), len(w.Key))
		case g.Hash != w.Hash:
			t.Errorf("%s: columns %v: the database's row hash differs from Go's", name, req.Columns)
		default:
			for i := range w.Key {
				if !Equal(g.Key[i], w.Key[i]) {
					t.Errorf("%s: key value %d decoded from the database's encoding as %s, Go's is %s", name, i, Describe(g.Key[i]), Describe(w.Key[i]))
				}
			}
		}
	}
}

// compareBuckets requires the same bucket aggregates from the database and
// from Go.
func compareBuckets(t *testing.T, snap connectors.Snapshot, cs connectors.Checksummer, tbl *connectors.Table, req connectors.ChecksumRequest) {
	t.Helper()
	ctx := context.Background()
	want, err := connectors.HashTable(ctx, snap, tbl, req)
	if err != nil {
		t.Fatalf("Go: %v", err)
	}
	got, err := cs.Checksum(ctx, tbl, req)
	if err != nil {
		t.Fatalf("database: %v", err)
	}
	diff, err := connectors.DiffBuckets(got, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff) > 0 || want.Total().Count == 0 {
		t.Errorf("%d buckets within %d %v: buckets %v differ (database %+v, Go %+v)", req.Buckets, req.Within, req.In, diff, got.Sums, want.Sums)
	}
}

// testChecksumLengths hashes text and bytes at every step of the
// encoding's uvarint length prefix (one to four bytes), which the edges do
// not all reach, in a table of their own so the long values are read
// only here.
func testChecksumLengths(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	tbl := &connectors.Table{Name: "checksum_lengths", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "t", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		{Name: "b", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	var rows [][]connectors.Value
	edgeOf := map[int64]string{}
	for i, n := range []int{127, 128, 16383, 16384, 1<<21 - 1, 1 << 21} {
		rows = append(rows, []connectors.Value{int64(i), strings.Repeat("x", n), make([]byte, n)})
		edgeOf[int64(i)] = fmt.Sprintf("%d bytes", n)
	}
	write(t, tgt, tbl, rows)
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	cs := snap.(connectors.Checksummer)
	compareRecords(t, snap, cs, tbl, connectors.ChecksumRequest{Columns: []string{"id", "t"}, Buckets: 1}, edgeOf)
	compareRecords(t, snap, cs, tbl, connectors.ChecksumRequest{Columns: []string{"id", "b"}, Buckets: 1}, edgeOf)
}

// testChecksumTextKeys buckets keys that collations merge or reorder: the
// database and Go must put each in the same bucket.
func testChecksumTextKeys(t *testing.T, tgt connectors.Target, caps Capabilities) {
	if caps.PaddedKeys {
		t.Skip("the dialect merges keys differing in trailing spaces")
	}
	ctx := context.Background()
	tbl := &connectors.Table{Name: "checksum_text_key", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
		{Name: "k", Type: connectors.Type{Kind: connectors.KindText, Length: 10}},
		{Name: "n", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	var rows [][]connectors.Value
	for i, k := range TextKeys() {
		rows = append(rows, []connectors.Value{k, int64(i)})
	}
	write(t, tgt, tbl, rows)
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	compareBuckets(t, snap, snap.(connectors.Checksummer), tbl, connectors.ChecksumRequest{Columns: []string{"k", "n"}, Buckets: 5})
}

// testChecksumFloats holds a request's float aggregates (Floats) to
// connectors.HashTable's on every float edge value the dialect keeps, in
// double and real columns, and on values at the rounding's edges: exactly
// half a step (rounds up), just below it, a carry into the exponent, the
// largest finite value (whose rounding carries into the infinities'
// exponent), each with both signs. A dialect whose Checksummer does not
// compute them must refuse with ErrNoPushdown, and connectors.Checksum
// then gives them from Go.
func testChecksumFloats(t *testing.T, tgt connectors.Target, caps Capabilities) {
	ctx := context.Background()
	tbl := &connectors.Table{Name: "checksum_floats", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "d", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, SourceType: "double", Nullable: true},
		{Name: "r", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 32}, SourceType: "real", Nullable: true},
	}}
	const bits = 30 // the default tolerance's (1e-9)
	step := uint64(1) << (52 - bits)
	var doubles []float64
	for _, u := range []uint64{
		0x3ff0000000000000 | step/2, 0x3ff0000000000000 | (step/2 - 1), 0x3ff0000000000000 | (step/2 + 1),
		0x3fffffffffffffff, 0x3ff0000000000000 | (step - 1), 0x0010000000000000 | step/2, 0x7fefffffffffffff,
	} {
		doubles = append(doubles, math.Float64frombits(u), -math.Float64frombits(u))
	}
	var reals []float64
	for _, e := range Edges() {
		if e.Want(caps).Rule != "" || e.Want(caps).NoColumn {
			continue
		}
		switch x, _ := e.Value.(float64); e.Type {
		case "double":
			doubles = append(doubles, x)
		case "real":
			reals = append(reals, x)
		}
	}
	rows := [][]connectors.Value{{int64(0), nil, nil}}
	for i := 0; i < max(len(doubles), len(reals)); i++ {
		row := []connectors.Value{int64(i + 1), nil, nil}
		if i < len(doubles) {
			row[1] = doubles[i]
		}
		if i < len(reals) {
			row[2] = reals[i]
		}
		rows = append(rows, row)
	}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	write(t, tgt, tbl, rows)
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	cat, err := snap.Tables(ctx)
	if err != nil {
		t.Fatalf("tables: %v", err)
	}
	st := connectors.FindTable(cat, tbl.Name)
	if st == nil {
		t.Fatalf("no table %s in the catalogue", tbl.Name)
	}
	cs, ok := snap.(connectors.Checksummer)
	if !ok {
		t.Fatalf("%s's snapshot is not a connectors.Checksummer", tgt.Dialect().Name())
	}
	for _, b := range []int{0, 1, bits, 52} {
		for _, n := range []uint32{1, 13} {
			req := connectors.ChecksumRequest{Columns: []string{"id"}, Buckets: n, Floats: []string{"d", "r"}, FloatBits: b}
			want, err := connectors.HashTable(ctx, snap, st, req)
			if err != nil {
				t.Fatalf("Go: %v", err)
			}
			if len(want.Floats) == 0 || want.Floats[0].Count == 0 {
				t.Fatalf("Go gave no float aggregates")
			}
			got, err := cs.Checksum(ctx, st, req)
			if errors.Is(err, connectors.ErrNoPushdown) {
				// Left to Go: the row hashes in the database, the floats
				// from a scan of the key and float columns.
				if got, _, err = connectors.Checksum(ctx, snap, st, req); err != nil {
					t.Fatalf("checksum: %v", err)
				}
			} else if err != nil {
				t.Fatalf("database: %v", err)
			}
			fw := connectors.Buckets{Version: want.Version, N: n, Sums: want.Floats}
			fg := connectors.Buckets{Version: want.Version, N: n, Sums: got.Floats}
			if diff, err := connectors.DiffBuckets(fg, fw); err != nil || len(diff) > 0 {
				t.Errorf("%d bits, %d buckets: float buckets %v differ (%v): database %+v, Go %+v", b, n, diff, err, got.Floats, want.Floats)
			}
			if diff, err := connectors.DiffBuckets(got, want); err != nil || len(diff) > 0 {
				t.Errorf("%d bits, %d buckets: row buckets %v differ (%v)", b, n, diff, err)
			}
		}
	}
}

// testNonNullCounts holds a NonNullCounter's COUNT(column) per column to
// the non-NULL values of the scanned rows: one edge value per row, so
// each column's count is its edge rows.
func testNonNullCounts(t *testing.T, snap connectors.Snapshot, tbl *connectors.Table) {
	nc, ok := snap.(connectors.NonNullCounter)
	if !ok {
		t.Skip("no connectors.NonNullCounter")
	}
	ctx := context.Background()
	want := make([]int64, len(tbl.Columns))
	rows, err := snap.Scan(ctx, tbl, connectors.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		for i, v := range rows.Row() {
			if v != nil {
				want[i]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(tbl.Columns))
	for i, c := range tbl.Columns {
		names[i] = c.Name
	}
	got, err := nc.CountNonNull(ctx, tbl.Name, names)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || want[0] < 2 {
		t.Errorf("non-NULL counts %v, the rows hold %v", got, want)
	}
}

// testKeyCounts holds a KeyCounter to the scanned rows: the primary key
// is unique and never NULL, and the primary key with a nullable column
// has as many rows with a NULL key as that column has NULLs, and no
// repeated key.
func testKeyCounts(t *testing.T, snap connectors.Snapshot, tbl *connectors.Table) {
	kc, ok := snap.(connectors.KeyCounter)
	if !ok {
		t.Skip("no connectors.KeyCounter")
	}
	if len(tbl.PrimaryKey) == 0 {
		t.Skip("the edge table has no primary key")
	}
	ctx := context.Background()
	nullable := -1
	for i, c := range tbl.Columns {
		if c.Nullable && !slices.Contains(tbl.PrimaryKey, c.Name) {
			nullable = i
			break
		}
	}
	if nullable < 0 {
		t.Skip("the edge table has no nullable column")
	}
	var rowsN, nulls int64
	rows, err := snap.Scan(ctx, tbl, connectors.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		rowsN++
		if rows.Row()[nullable] == nil {
			nulls++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got, err := kc.CountKey(ctx, tbl.Name, tbl.PrimaryKey)
	if err != nil {
		t.Fatal(err)
	}
	if want := (connectors.KeyCount{Rows: rowsN}); got != want {
		t.Errorf("primary key: %+v, want %+v", got, want)
	}
	key := append(slices.Clone(tbl.PrimaryKey), tbl.Columns[nullable].Name)
	got, err = kc.CountKey(ctx, tbl.Name, key)
	if err != nil {
		t.Fatal(err)
	}
	if want := (connectors.KeyCount{Rows: rowsN, Null: nulls}); got != want || nulls == 0 {
		t.Errorf("key %v: %+v, want %+v (with some NULLs)", key, got, want)
	}
}
