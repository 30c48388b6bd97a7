package plans

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/verify"
)

// A select: swapping two columns of every record of a table whose row
// count the catalogue does not estimate (SQLite: -1) was compared over
// BucketsFor(-1) = 16 buckets, every one differing, and the drill-down
// then kept every record of both sides in memory and named each one: a
// 10M-row table held 20M rows, and the report listed 10M differences. The
// drill-down holds the records of maxHeldBuckets buckets of as many as the
// rows read call for (BucketsFor), about 64 records each.
func TestHoldSelectByKeyBoundedWithoutRowEstimate(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "s.db")
	const n = 20000
	tbl := connectors.Table{Name: "reg", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "a", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, Nullable: true},
		{Name: "b", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, Nullable: true}}}
	rows := make([][]connectors.Value, 0, n)
	for i := range n {
		rows = append(rows, []connectors.Value{int64(i), int64(i), int64(-i)})
	}
	snap, tables := sqliteSnapshotOf(ctx, t, url, tbl, rows)
	if tables[0].RowEstimate >= 0 {
		t.Fatalf("the catalogue estimates %d rows: the test wants none", tables[0].RowEstimate)
	}
	query := "SELECT id, b AS a, a AS b FROM reg"
	checks, err := holdSelects(ctx, snap, map[string]selectOf{query: {table: &tables[0], key: []string{"id"}}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || checks[0].ByKey == nil {
		t.Fatalf("checks %+v", checks)
	}
	kc := checks[0].ByKey
	if kc.OK || len(kc.Differences) == 0 {
		t.Fatalf("a swap of every record passed: %+v", kc)
	}
	// maxHeldBuckets buckets of about 64 records each, twice over for
	// a bucket count rounded up to a power of two.
	if limit := maxHeldBuckets * 64 * 2; len(kc.Differences) > limit {
		t.Fatalf("%d records named of %d rows over %d buckets (%d differing): a drill-down holds at most about %d", len(kc.Differences), n, kc.Buckets, kc.DifferingBuckets, limit)
	}
	if kc.Buckets != verify.BucketsFor(n) {
		t.Fatalf("compared over %d buckets, want BucketsFor(%d) = %d", kc.Buckets, n, verify.BucketsFor(n))
	}
	for _, d := range kc.Differences[:3] {
		if d.Kind != "changed" || len(d.Columns) != 2 {
			t.Fatalf("difference %+v, want a and b changed", d)
		}
	}
}

// A select: keyed by an identity number named its differing records by
// the number in clear, in verify's report and the run's problems, where
// every other check masks it (connectors.MaskIdentityNumbers).
func TestHoldSelectByKeyMasksIdentityNumbers(t *testing.T) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "s.db")
	tbl := connectors.Table{Name: "patient", PrimaryKey: []string{"pnr"}, Columns: []connectors.Column{
		{Name: "pnr", Type: connectors.Type{Kind: connectors.KindText}},
		{Name: "a", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		{Name: "b", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true}}}
	snap, tables := sqliteSnapshotOf(ctx, t, url, tbl, [][]connectors.Value{{"19121212-1212", "x", "y"}, {"191212121212", "x", "y"}})
	query := "SELECT pnr, b AS a, a AS b FROM patient"
	checks, err := holdSelects(ctx, snap, map[string]selectOf{query: {table: &tables[0], key: []string{"pnr"}}}, "test")
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || checks[0].ByKey == nil || checks[0].OK || len(checks[0].ByKey.Differences) != 2 {
		t.Fatalf("checks %+v", checks)
	}
	for _, d := range checks[0].ByKey.Differences {
		if k := strings.Join(d.Key, ","); k == "19121212-1212" || k == "191212121212" || !strings.Contains(k, "****") {
			t.Errorf("a difference names the record by its identity number in clear: %q", k)
		}
	}
}

// sqliteSnapshotOf writes rows into tbl of the SQLite database at url and
// returns a snapshot of it, closed at the end of the test, and its one
// table as the catalogue reads it.
func sqliteSnapshotOf(ctx context.Context, t *testing.T, url string, tbl connectors.Table, rows [][]connectors.Value) (connectors.Snapshot, []connectors.Table) {
	t.Helper()
	tgt, err := all.OpenTarget(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &tbl, rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tgt.Close()
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("%v %v", tables, err)
	}
	return snap, tables
}
