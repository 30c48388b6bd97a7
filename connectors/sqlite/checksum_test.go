package sqlite_test

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

// SQLite has no pushdown: connectors.Checksum hashes its rows in Go, and
// the result is HashTable's.
func TestChecksumInGo(t *testing.T) {
	ctx := context.Background()
	tgt := newTarget(t)
	tbl := &connectors.Table{Name: "visit", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "unit", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, tbl, [][]connectors.Value{{int64(1), "a"}, {int64(2), nil}, {int64(3), ""}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if _, ok := snap.(connectors.Checksummer); ok {
		t.Fatal("the SQLite snapshot claims pushdown; its doc says it has none")
	}
	req := connectors.ChecksumRequest{Columns: []string{"id", "unit"}, Buckets: 4}
	got, pushed, err := connectors.Checksum(ctx, snap, tbl, req)
	if err != nil || pushed {
		t.Fatalf("Checksum: pushed %v, %v", pushed, err)
	}
	var want connectors.Aggregate
	for _, r := range conformance.ReadAll(t, tgt, "visit", connectors.ScanOptions{}) {
		h, err := connectors.HashRow(r)
		if err != nil {
			t.Fatal(err)
		}
		want.Add(h)
	}
	if got.Total() != want || want.Count != 3 {
		t.Errorf("total %+v, want %+v", got.Total(), want)
	}
}
