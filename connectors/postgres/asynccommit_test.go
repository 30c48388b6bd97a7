package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/faultnet"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// batchTable is a receiving table of one bigint key, for the tests of a
// batch's transaction.
var batchTable = connectors.Table{Name: "batch", PrimaryKey: []string{"id"},
	Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}

// beginBatch creates batchTable in tgt and writes ids into it with
// writeBatch.
func beginBatch(t *testing.T, tgt connectors.Target, ids ...int64) connectors.Tx {
	t.Helper()
	if err := tgt.Create(context.Background(), []connectors.Table{batchTable}); err != nil {
		t.Fatal(err)
	}
	return writeBatch(t, tgt, ids...)
}

// writeBatch writes ids into batchTable in a transaction, which it gives
// open (rolled back where the write fails).
func writeBatch(t *testing.T, tgt connectors.Target, ids ...int64) connectors.Tx {
	t.Helper()
	ctx := context.Background()
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]connectors.Value, len(ids))
	for i, id := range ids {
		rows[i] = []connectors.Value{id}
	}
	tbl := batchTable
	if _, err := tx.Write(ctx, &tbl, rows); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	return tx
}

// A batch committed without waiting for the disk is committed like any
// other, and the setting ends with its transaction: the connection's next
// transaction, a stage's checkpoint perhaps, commits durably again.
func TestCommitAsyncCommitsAndEndsWithItsTransaction(t *testing.T) {
	url := pgtest.NewDatabase(t)
	// One connection, so that the next transaction runs on the session
	// the asynchronous commit used.
	tgt := openTarget(t, url+"&pool_max_conns=1")
	ctx := context.Background()
	tx := beginBatch(t, tgt, 1, 2)
	if err := connectors.CommitBatch(tx, true); err != nil {
		t.Fatal(err)
	}
	if got := len(conformance.ReadAll(t, openSource(t, url), batchTable.Name, connectors.ScanOptions{})); got != 2 {
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
	tx := beginBatch(t, tgt, 1)
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
	if finished, _ := faultnet.Within(20*time.Second, tgt.Close); !finished {
		t.Fatal("Close still waits after 20 s: the failed commit's transaction kept its connection from the pool")
	}
}
