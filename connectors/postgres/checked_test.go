package postgres_test

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// WriteChecked does not check values again (a run has checked each one
// already), while Write does: an unsigned 64-bit value, which the dialect's
// ValueChecker refuses for every bigint, is refused by Write and written
// by WriteChecked. Both refuse a row of the wrong width.
func TestWriteCheckedSkipsOnlyValueChecks(t *testing.T) {
	ctx := context.Background()
	db := openTarget(t, pgtest.NewDatabase(t))
	tbl := &connectors.Table{Name: "t", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
	}}
	if err := db.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Write(ctx, tbl, [][]connectors.Value{{uint64(5)}}); err == nil {
		t.Fatal("Write took a value its checks refuse")
	}
	if tx, err = db.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if n, err := connectors.WriteChecked(ctx, tx, tbl, [][]connectors.Value{{uint64(5)}}); err != nil || n != 1 {
		t.Fatalf("WriteChecked = %d, %v; want 1 row written unchecked", n, err)
	}
	if _, err := connectors.WriteChecked(ctx, tx, tbl, [][]connectors.Value{{int64(6), int64(7)}}); err == nil {
		t.Fatal("WriteChecked took a row of two values for one column")
	}
}
