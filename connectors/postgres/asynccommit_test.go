package postgres_test

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// A batch committed without waiting for the disk is committed like any
// other, and the setting ends with its transaction: the connection's next
// transaction, a stage's checkpoint perhaps, commits durably again.
func TestCommitAsyncCommitsAndEndsWithItsTransaction(t *testing.T) {
	url := pgtest.NewDatabase(t)
	// One connection, so that the next transaction runs on the session
	// the asynchronous commit used.
	tgt := openTarget(t, url+"&pool_max_conns=1")
	ctx := context.Background()
	tbl := connectors.Table{Name: "batch", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1)}, {int64(2)}}); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := connectors.CommitBatch(tx, true); err != nil {
		t.Fatal(err)
	}
	if got := len(conformance.ReadAll(t, openSource(t, url), tbl.Name, connectors.ScanOptions{})); got != 2 {
		t.Fatalf("%d rows after the asynchronous commit, want 2", got)
	}
	next, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Rollback()
	got, err := postgres.TxQueryString(ctx, next, "SHOW synchronous_commit")
	if err != nil {
		t.Fatal(err)
	}
	if got != "on" {
		t.Errorf("the next transaction has synchronous_commit %q, want on: the asynchronous commit's setting outlived it", got)
	}
}
