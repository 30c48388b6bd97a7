package postgres_test

import (
	"context"
	"testing"
	"time"

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

// A batch's asynchronous commit on a connection the server ended before
// it (pg_terminate_backend, a restart, a failover) fails and ends its
// transaction, giving the connection back to the pool. It kept it: the
// pool's Close waits for every connection given out, and a run that
// retried the batch on a new connection and finished then waited in
// Close forever, nothing on screen (TestRunSurvivesKilledConnections,
// once in twelve loaded runs, its goroutines all idle but the one in
// pgxpool.(*Pool).Close). Close is waited for with a deadline, so the
// defect fails the test instead of hanging it.
func TestCommitAsyncOnAnEndedSessionGivesItsConnectionBack(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	// Not openTarget: its cleanup would wait in Close as the run did.
	tgt, err := postgres.OpenTarget(ctx, location(t, url))
	if err != nil {
		t.Fatal(err)
	}
	tbl := connectors.Table{Name: "batch", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1)}}); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	pid, err := postgres.TxQueryString(ctx, tx, "SELECT pg_backend_pid()::text")
	if err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	// The second argument waits (up to 10 s) until the session is gone.
	pgtest.Exec(t, pgtest.AdminURL(t), "SELECT pg_terminate_backend("+pid+", 10000)")
	if err := connectors.CommitBatch(tx, true); err == nil {
		t.Fatal("the commit on a terminated session succeeded")
	}
	closed := make(chan struct{})
	go func() {
		tgt.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close still waits after 20 s: the failed commit's transaction kept its connection from the pool")
	}
}
