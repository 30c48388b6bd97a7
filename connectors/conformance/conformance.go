// Package conformance is the one test suite every connector runs, so that
// "exactly the same value" means the same thing on every dialect (after
// restic's backend test suite and golang-migrate's driver tests). A
// connector's own test calls Run with a function that makes a fresh, empty
// database for one test and the Capabilities the dialect declares:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, newTarget, conformance.Capabilities{NegativeZero: true, …})
//	}
//
// Edges lists every edge value with what each dialect must do with it:
// keep it exactly or refuse it with a named rule. The package also checks
// that every row of a dialect's TypeMap names a test that exists
// (CheckTypeMapCases), and renders the documented type map
// (connectors/TYPEMAP.md) from the dialects and these cases
// (RenderTypeMap; `go test ./connectors/... -run TypeMapDoc -update`
// rewrites the page). CompareExisting and CheckExisting check how a
// dialect reads a receiving table someone else made: its catalogue, and
// what the catalogue cannot show (ExistingTableChecker).
//
// Its neighbours: connectors above (the interfaces under test), and the
// dialect packages, whose tests import it; it imports none of them.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// NewTarget makes a fresh, empty target database for one test and
// registers its removal with t.Cleanup.
type NewTarget func(t *testing.T) connectors.Target

// Run runs every conformance test against targets made by newTarget, for
// a dialect that declares caps (see Capabilities).
func Run(t *testing.T, newTarget NewTarget, caps Capabilities) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, newTarget(t)) })
	t.Run("Catalogue", func(t *testing.T) { testCatalogue(t, newTarget(t)) })
	t.Run("KeysetCompositeKey", func(t *testing.T) { testKeyset(t, newTarget(t)) })
	t.Run("StreamedScanBesideKeyset", func(t *testing.T) { testStreamedScan(t, newTarget(t)) })
	t.Run("OwnedRowsAreNotReused", func(t *testing.T) { testOwnedRows(t, newTarget(t)) })
	t.Run("RollbackKeepsNothing", func(t *testing.T) { testRollback(t, newTarget(t)) })
	t.Run("SnapshotIsConsistent", func(t *testing.T) { testSnapshotConsistent(t, newTarget(t)) })
	t.Run("RejectsWhatDoesNotFit", func(t *testing.T) { testRejects(t, newTarget(t)) })
	t.Run("Edges", func(t *testing.T) { testEdges(t, newTarget(t), caps) })
	t.Run("TextKeys", func(t *testing.T) { testTextKeys(t, newTarget(t), caps) })
}

// Column is a column of the round-trip table with the values it must carry
// exactly. Issue-driven cases append here.
type Column struct {
	Name   string
	Type   string
	Values []connectors.Value
}

// Columns is the round-trip table: every canonical kind with ordinary and
// edge values. Row i takes Values[i] of each column (NULL past the end).
func Columns() []Column {
	date := func(y int, m time.Month, d int) connectors.Date { return connectors.Date{Year: y, Month: m, Day: d} }
	return []Column{
		{"i8", "tinyint", []connectors.Value{int64(0), int64(-128), int64(127)}},
		{"i16", "smallint", []connectors.Value{int64(1), int64(math.MinInt16), int64(math.MaxInt16)}},
		{"i32", "integer", []connectors.Value{int64(-1), int64(math.MinInt32), int64(math.MaxInt32)}},
		{"i64", "bigint", []connectors.Value{int64(42), int64(math.MinInt64), int64(math.MaxInt64)}},
		{"f64", "double", []connectors.Value{1.5, math.MaxFloat64, 0.1}},
		{"dec", "decimal(38,10)", []connectors.Value{connectors.Decimal("12.5000000000"), connectors.Decimal("-9999999999999999999999999999.9999999999"), connectors.Decimal("0.0000000001")}},
		{"flag", "boolean", []connectors.Value{true, false}},
		{"txt", "text", []connectors.Value{"Åsa Öberg", "", "smörgås 😀 \t\n"}},
		{"vc", "varchar(10)", []connectors.Value{"abc", "ÅÄÖåäöéü😀x"}},
		{"bin", "bytes", []connectors.Value{[]byte{0, 1, 2, 255}, []byte{}}},
		{"d", "date", []connectors.Value{date(2024, 2, 29), date(1, 1, 1), date(9999, 12, 31)}},
		{"dt", "datetime(6)", []connectors.Value{
			connectors.LocalDateTime{Date: date(2024, 3, 31), Hour: 2, Minute: 30}, // a DST gap in Stockholm
			connectors.LocalDateTime{Date: date(2023, 10, 29), Hour: 2, Minute: 30, Second: 1, Nanosecond: 123456000},
			connectors.LocalDateTime{Date: date(9999, 12, 31), Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999000},
		}},
		{"ts", "timestamptz(6)", []connectors.Value{
			time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
			time.Date(1970, 1, 1, 0, 0, 0, 1000, time.UTC),
		}},
		{"tm", "time(6)", []connectors.Value{connectors.Duration(0), connectors.Duration(13*time.Hour + 14*time.Minute + 15*time.Second + 500*time.Microsecond)}},
		{"u", "uuid", []connectors.Value{connectors.UUID{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}}},
		{"j", "json", []connectors.Value{connectors.JSON(`{"a":[1,2,"ö"]}`)}},
	}
}

func roundTripTable(t *testing.T) (*connectors.Table, [][]connectors.Value) {
	t.Helper()
	cols := Columns()
	tbl := &connectors.Table{Name: "every_kind", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	nrows := 1 // a row of NULLs
	for _, c := range cols {
		typ, err := connectors.ParseType(c.Type)
		if err != nil {
			t.Fatalf("column %s: %v", c.Name, err)
		}
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: c.Name, Type: typ, Nullable: true})
		nrows = max(nrows, len(c.Values)+1)
	}
	rows := make([][]connectors.Value, nrows)
	for i := range rows {
		rows[i] = []connectors.Value{int64(i + 1)}
		for _, c := range cols {
			var v connectors.Value
			if i < len(c.Values) {
				v = c.Values[i]
			}
			rows[i] = append(rows[i], v)
		}
	}
	return tbl, rows
}

func write(t *testing.T, tgt connectors.Target, tbl *connectors.Table, rows [][]connectors.Value) {
	t.Helper()
	ctx := context.Background()
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	n, err := tx.Write(ctx, tbl, rows)
	if err != nil {
		tx.Rollback()
		t.Fatalf("write %s: %v", tbl.Name, err)
	}
	if n != int64(len(rows)) {
		t.Fatalf("write %s: wrote %d rows, want %d", tbl.Name, n, len(rows))
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// ReadAll scans a table in key order within a fresh snapshot, copying rows.
func ReadAll(t *testing.T, src connectors.Source, table string, opts connectors.ScanOptions) [][]connectors.Value {
	t.Helper()
	ctx := context.Background()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	tbl := findTable(t, snap, table)
	rows, err := snap.Scan(ctx, tbl, opts)
	if err != nil {
		t.Fatalf("scan %s: %v", table, err)
	}
	defer rows.Close()
	var out [][]connectors.Value
	for rows.Next() {
		out = append(out, append([]connectors.Value(nil), rows.Row()...))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("scan %s: %v", table, err)
	}
	return out
}

func findTable(t *testing.T, snap connectors.Snapshot, name string) *connectors.Table {
	t.Helper()
	tables, err := snap.Tables(context.Background())
	if err != nil {
		t.Fatalf("tables: %v", err)
	}
	for i := range tables {
		if tables[i].Name == name {
			return &tables[i]
		}
	}
	t.Fatalf("table %s not in catalogue", name)
	return nil
}

func testRoundTrip(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	tbl, rows := roundTripTable(t)
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	write(t, tgt, tbl, rows)
	got := ReadAll(t, tgt, tbl.Name, connectors.ScanOptions{})
	if len(got) != len(rows) {
		t.Fatalf("read %d rows, wrote %d", len(got), len(rows))
	}
	for i := range rows {
		for j := range rows[i] {
			if !Equal(got[i][j], rows[i][j]) {
				t.Errorf("row %d column %s (%v): read %s, wrote %s", i+1, tbl.Columns[j].Name, tbl.Columns[j].Type, Describe(got[i][j]), Describe(rows[i][j]))
			}
		}
	}
}

// Equal compares canonical values exactly: same Go type, same value, and
// for floats the same bits (so -0.0 differs from 0.0).
func Equal(a, b connectors.Value) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && math.Float64bits(fa) == math.Float64bits(fb)
	}
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb) && ta.Location() == tb.Location()
	}
	return reflect.DeepEqual(a, b)
}

// Describe prints a value with its Go type, for test failures; a long
// value is cut in the middle.
func Describe(v connectors.Value) string {
	s := fmt.Sprintf("%T(%#v)", v, v)
	if len(s) > 300 {
		s = s[:150] + fmt.Sprintf("…(%d bytes)…", len(s)-300) + s[len(s)-150:]
	}
	return s
}

func testCatalogue(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	parent := connectors.Table{Name: "care_unit", PrimaryKey: []string{"unit_id"}, Columns: []connectors.Column{
		{Name: "unit_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "name", Type: connectors.Type{Kind: connectors.KindText, Length: 100}, Nullable: true},
	}}
	tbl, _ := roundTripTable(t)
	if err := tgt.Create(ctx, []connectors.Table{parent, *tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	// Create again: existing tables are left alone, not an error.
	if err := tgt.Create(ctx, []connectors.Table{parent}); err != nil {
		t.Fatalf("create existing: %v", err)
	}
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	got := findTable(t, snap, tbl.Name)
	if !reflect.DeepEqual(got.PrimaryKey, tbl.PrimaryKey) {
		t.Errorf("primary key %v, want %v", got.PrimaryKey, tbl.PrimaryKey)
	}
	if len(got.Columns) != len(tbl.Columns) {
		t.Fatalf("%d columns, want %d", len(got.Columns), len(tbl.Columns))
	}
	for i, want := range tbl.Columns {
		g := got.Columns[i]
		if g.Name != want.Name || g.Type.Kind != want.Type.Kind || g.Nullable != want.Nullable {
			t.Errorf("column %d: got %s %v nullable=%v (source type %q), want %s %v nullable=%v",
				i, g.Name, g.Type, g.Nullable, g.SourceType, want.Name, want.Type, want.Nullable)
		}
		if g.SourceType == "" {
			t.Errorf("column %s: no source type text", g.Name)
		}
	}
	names := map[string]bool{}
	tables, _ := snap.Tables(ctx)
	for _, tb := range tables {
		names[tb.Name] = true
	}
	if !names["care_unit"] {
		t.Errorf("catalogue lacks care_unit: %v", names)
	}
}

func testKeyset(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	tbl := &connectors.Table{Name: "form_value", PrimaryKey: []string{"form_id", "var"}, Columns: []connectors.Column{
		{Name: "form_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "var", Type: connectors.Type{Kind: connectors.KindText, Length: 20}},
		{Name: "val", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	var rows [][]connectors.Value
	// Written out of key order, so the scan's order is the query's doing.
	for f := int64(7); f >= 1; f-- {
		for _, v := range []string{"b", "a", "c"} {
			rows = append(rows, []connectors.Value{f, v, fmt.Sprintf("%d%s", f, v)})
		}
	}
	write(t, tgt, tbl, rows)
	for _, size := range []int{1, 2, 3, 4, 21, 22, 1000} {
		got := ReadAll(t, tgt, tbl.Name, connectors.ScanOptions{BatchSize: size})
		if len(got) != len(rows) {
			t.Fatalf("batch size %d: read %d rows, want %d", size, len(got), len(rows))
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if a[0].(int64) > b[0].(int64) || (a[0] == b[0] && a[1].(string) >= b[1].(string)) {
				t.Fatalf("batch size %d: row %d %v not after %v", size, i, b[:2], a[:2])
			}
		}
	}
	// Resume after (3, "b"): the rest is (3,"c") then forms 4..7.
	got := ReadAll(t, tgt, tbl.Name, connectors.ScanOptions{BatchSize: 2, After: []connectors.Value{int64(3), "b"}})
	if len(got) != 1+4*3 || got[0][0] != int64(3) || got[0][1] != "c" {
		t.Fatalf("resume after (3,b): got %d rows starting %v", len(got), got[0][:2])
	}
}

// testOwnedRows holds a dialect's scans to what they claim: rows that say
// they are their own (connectors.OwnedRows), kept without copying across
// batches, keep the values they were read with, []byte values included.
func testOwnedRows(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	tbl := &connectors.Table{Name: "owned_rows", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "k", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "b", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true},
		{Name: "s", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	var rows [][]connectors.Value
	for i := int64(1); i <= 11; i++ {
		rows = append(rows, []connectors.Value{i, 20 - i, []byte{byte(i), byte(i * 7), 0}, fmt.Sprint("row ", i)})
	}
	write(t, tgt, tbl, rows)
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	read := findTable(t, snap, tbl.Name)
	for _, opts := range []connectors.ScanOptions{{BatchSize: 3}, {BatchSize: 3, Key: []string{"k", "id"}}} {
		scan, err := snap.Scan(ctx, read, opts)
		if err != nil {
			t.Fatalf("scan by %v: %v", opts.Key, err)
		}
		if !connectors.RowsOwned(scan) {
			scan.Close()
			continue
		}
		var kept, copies [][]connectors.Value
		for scan.Next() {
			row := scan.Row()
			kept = append(kept, row)
			cp := append([]connectors.Value(nil), row...)
			for i, v := range cp {
				if b, ok := v.([]byte); ok {
					cp[i] = append([]byte(nil), b...)
				}
			}
			copies = append(copies, cp)
		}
		if err := scan.Err(); err != nil {
			t.Fatalf("scan by %v: %v", opts.Key, err)
		}
		scan.Close()
		if len(kept) != len(rows) {
			t.Fatalf("scan by %v: %d rows, want %d", opts.Key, len(kept), len(rows))
		}
		for i := range kept {
			for j := range kept[i] {
				if !Equal(kept[i][j], copies[i][j]) {
					t.Errorf("scan by %v: row %d column %s changed after it was read: owned rows were reused", opts.Key, i, read.Columns[j].Name)
				}
			}
		}
	}
}

// testStreamedScan reads a values table by (entity, id), a key that is
// not its primary key (connectors.StreamedScan), while a keyset scan of
// another table of the same snapshot goes on beside it, as a form store's
// merge reads them: every row once, in key order, resumable after a key.
func testStreamedScan(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	intT := connectors.Type{Kind: connectors.KindInt, Bits: 64}
	ents := &connectors.Table{Name: "entity", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: intT}}}
	vals := &connectors.Table{Name: "entity_value", PrimaryKey: []string{"value_id"}, Columns: []connectors.Column{
		{Name: "value_id", Type: intT},
		{Name: "entity_id", Type: intT},
		{Name: "val", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{*ents, *vals}); err != nil {
		t.Fatalf("create: %v", err)
	}
	var erows, vrows [][]connectors.Value
	for e := int64(1); e <= 9; e++ {
		erows = append(erows, []connectors.Value{e})
	}
	// Value ids run against entity order, so the scan's order is the
	// key's, not the table's.
	for id := int64(1); id <= 30; id++ {
		vrows = append(vrows, []connectors.Value{id, 10 - (id+2)/3, fmt.Sprint(id)})
	}
	write(t, tgt, ents, erows)
	write(t, tgt, vals, vrows)

	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	vt := findTable(t, snap, vals.Name)
	et := findTable(t, snap, ents.Name)
	key := []string{"entity_id", "value_id"}
	for _, after := range [][]connectors.Value{nil, {int64(5), int64(14)}} {
		er, err := snap.Scan(ctx, et, connectors.ScanOptions{BatchSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		vr, err := snap.Scan(ctx, vt, connectors.ScanOptions{Key: key, BatchSize: 2, After: after})
		if err != nil {
			t.Fatal(err)
		}
		var got [][]connectors.Value
		entities := 0
		for {
			more := false
			if er.Next() {
				entities++
				more = true
			}
			if vr.Next() {
				got = append(got, append([]connectors.Value(nil), vr.Row()...))
				more = true
			}
			if !more {
				break
			}
		}
		if err := er.Err(); err != nil {
			t.Fatalf("keyset scan beside a streamed one: %v", err)
		}
		if err := vr.Err(); err != nil {
			t.Fatalf("streamed scan: %v", err)
		}
		er.Close()
		vr.Close()
		want := 30
		if after != nil {
			// Entity 5 holds values 13, 14, 15; after (5, 14) come 15
			// and entities 6..9 (12 values).
			want = 13
		}
		if entities != 9 || len(got) != want {
			t.Fatalf("after %v: read %d entities and %d values, want 9 and %d", after, entities, len(got), want)
		}
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			if a[1].(int64) > b[1].(int64) || (a[1] == b[1] && a[0].(int64) >= b[0].(int64)) {
				t.Fatalf("after %v: row %d (entity %v, id %v) not after (entity %v, id %v)", after, i, b[1], b[0], a[1], a[0])
			}
		}
	}
}

func testRollback(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	tbl, rows := roundTripTable(t)
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatalf("begin: %v", err)
	}
	if _, err := tx.Write(ctx, tbl, rows); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if n := count(t, tgt, tbl.Name); n != 0 {
		t.Fatalf("%d rows after rollback", n)
	}
}

func count(t *testing.T, src connectors.Source, table string) int64 {
	t.Helper()
	ctx := context.Background()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	n, err := snap.Count(ctx, table)
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func testSnapshotConsistent(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	tbl, rows := roundTripTable(t)
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	write(t, tgt, tbl, rows[:1])
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	defer snap.Close()
	before, err := snap.Count(ctx, tbl.Name)
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	write(t, tgt, tbl, rows[1:])
	after, err := snap.Count(ctx, tbl.Name)
	if err != nil {
		t.Fatalf("count: %v", err)
	}
	if before != 1 || after != before {
		t.Fatalf("snapshot saw %d rows, then %d after another transaction committed; want 1 both times", before, after)
	}
}

func testRejects(t *testing.T, tgt connectors.Target) {
	ctx := context.Background()
	tbl := &connectors.Table{Name: "strict", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "small", Type: connectors.Type{Kind: connectors.KindInt, Bits: 16}, Nullable: true},
		{Name: "d", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true},
		{Name: "s", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatalf("create: %v", err)
	}
	cases := []struct {
		name string
		row  []connectors.Value
		rule connectors.Rule
	}{
		{"int out of range", []connectors.Value{int64(1), int64(40000), nil, nil}, connectors.RuleIntRange},
		{"zero date", []connectors.Value{int64(1), nil, connectors.InvalidDate{Raw: "0000-00-00"}, nil}, connectors.RuleInvalidDate},
		{"NUL in text", []connectors.Value{int64(1), nil, nil, "a\x00b"}, connectors.RuleNULByte},
		{"NULL key", []connectors.Value{nil, nil, nil, nil}, connectors.RuleNotNull},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx, err := tgt.Begin(ctx)
			if err != nil {
				t.Fatalf("begin: %v", err)
			}
			good := []connectors.Value{int64(2), int64(1), nil, "ok"}
			_, err = tx.Write(ctx, tbl, [][]connectors.Value{good, c.row})
			tx.Rollback()
			var fe *connectors.FitError
			if !errors.As(err, &fe) || fe.Rule != c.rule {
				t.Fatalf("write: got %v, want a FitError with rule %s", err, c.rule)
			}
			if n := count(t, tgt, tbl.Name); n != 0 {
				t.Fatalf("%d rows kept of a rejected batch", n)
			}
		})
	}
}
