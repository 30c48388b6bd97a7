package mysql_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

func twinFixture(t *testing.T) (string, connectors.Snapshot, *connectors.Table) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL, "CREATE TABLE besok (id int PRIMARY KEY, namn varchar(20)) ENGINE=InnoDB",
		"INSERT INTO besok VALUES (1, 'Åsa'), (2, 'Bo'), (3, NULL)")
	snap, tbl := onlyTable(t, dbURL)
	return dbURL, snap, tbl
}

// A twin is the first snapshot's rows: opened on a quiet server, its
// checksum is the first's even after a commit (other tests write to the
// same server, so the twin is tried until one opens).
func TestTwinSeesTheFirstSnapshotsRows(t *testing.T) {
	ctx := context.Background()
	dbURL, snap, tbl := twinFixture(t)
	var twin connectors.Snapshot
	var err error
	for range 50 {
		if twin, err = snap.(connectors.Twinner).Twin(ctx); err == nil {
			break
		}
		if !errors.Is(err, connectors.ErrNoTwin) {
			t.Fatal(err)
		}
		snap.Close()
		snap, tbl = onlyTable(t, dbURL)
	}
	if err != nil {
		t.Skipf("the server was never quiet enough for a twin: %v", err)
	}
	defer twin.Close()
	mytest.Exec(t, dbURL, "UPDATE besok SET namn = 'Eva' WHERE id = 2")
	req := connectors.ChecksumRequest{Columns: []string{"id", "namn"}, Key: []string{"id"}, Buckets: 4}
	a, err := snap.(connectors.Checksummer).Checksum(ctx, tbl, req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := twin.(connectors.Checksummer).Checksum(ctx, tbl, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff, err := connectors.DiffBuckets(a, b); err != nil || len(diff) != 0 || a.Total().Count != 3 {
		t.Fatalf("the twin's checksum differs from the first snapshot's: %v, %v", diff, err)
	}
}

// A commit between the first snapshot and the twin's start is shown by
// the read views, whichever table it wrote: no twin.
func TestNoTwinAfterACommit(t *testing.T) {
	ctx := context.Background()
	dbURL, snap, _ := twinFixture(t)
	mytest.Exec(t, dbURL, "UPDATE besok SET namn = 'Eva' WHERE id = 2")
	twin, err := snap.(connectors.Twinner).Twin(ctx)
	if err == nil {
		twin.Close()
		t.Fatal("a twin opened after a commit: it sees a row the first snapshot does not")
	}
	if !errors.Is(err, connectors.ErrNoTwin) {
		t.Fatalf("want ErrNoTwin, got %v", err)
	}
}

// A transaction open when the first snapshot began, and committed before
// the twin's, is invisible to the first and visible to the twin: no
// twin.
func TestNoTwinWithATransactionOpenAtTheStart(t *testing.T) {
	ctx := context.Background()
	dbURL, _, _ := twinFixture(t)
	db := mytest.Open(t, dbURL)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"START TRANSACTION", "UPDATE besok SET namn = 'Eva' WHERE id = 2"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	snap, _ := onlyTable(t, dbURL)
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	twin, err := snap.(connectors.Twinner).Twin(ctx)
	if err == nil {
		twin.Close()
		t.Fatal("a twin opened after a transaction open at the first snapshot's start committed")
	}
	if !errors.Is(err, connectors.ErrNoTwin) {
		t.Fatalf("want ErrNoTwin, got %v", err)
	}
}

// A user without PROCESS cannot read InnoDB's status: no twin, and no
// other error.
func TestNoTwinWithoutProcessPrivilege(t *testing.T) {
	ctx := context.Background()
	dbURL, _, _ := twinFixture(t)
	snap, _ := onlyTable(t, mytest.NewReadOnlyUser(t, dbURL))
	twin, err := snap.(connectors.Twinner).Twin(ctx)
	if err == nil {
		twin.Close()
		t.Fatal("a twin without the privilege to show it")
	}
	if !errors.Is(err, connectors.ErrNoTwin) {
		t.Fatalf("want ErrNoTwin, got %v", err)
	}
}
