package postgres_test

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// A twin sees the first snapshot's rows, not a commit made after it
// began.
func TestTwinSeesTheFirstSnapshotsRows(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	pgtest.Exec(t, dbURL, "CREATE TABLE besok (id int PRIMARY KEY, namn text)", "INSERT INTO besok VALUES (1, 'Åsa'), (2, 'Bo'), (3, NULL)")
	src := openSource(t, dbURL)
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("%v %v", tables, err)
	}
	pgtest.Exec(t, dbURL, "UPDATE besok SET namn = 'Eva' WHERE id = 2", "INSERT INTO besok VALUES (4, 'Ny')")
	twin, err := snap.(connectors.Twinner).Twin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer twin.Close()
	req := connectors.ChecksumRequest{Columns: []string{"id", "namn"}, Key: []string{"id"}, Buckets: 4}
	a, err := snap.(connectors.Checksummer).Checksum(ctx, &tables[0], req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := twin.(connectors.Checksummer).Checksum(ctx, &tables[0], req)
	if err != nil {
		t.Fatal(err)
	}
	if diff, err := connectors.DiffBuckets(a, b); err != nil || len(diff) != 0 || b.Total().Count != 3 {
		t.Fatalf("the twin's checksum differs from the first snapshot's (%d rows): %v, %v", b.Total().Count, diff, err)
	}
}
