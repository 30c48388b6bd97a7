package conformance

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// StartEntityScan scans the one table of src by (instans_id, varde_id),
// the order of a values table read entity by entity, which no index
// serves, in batches of 100, and reads the first row: the scan is then
// under way on the server for a dialect's test to inspect. The snapshot
// and the rows are closed by t.Cleanup, before a source whose own cleanup
// was registered earlier.
func StartEntityScan(t *testing.T, src connectors.Source) (connectors.Snapshot, connectors.Rows) {
	t.Helper()
	ctx := context.Background()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := snap.Scan(ctx, &tables[0], connectors.ScanOptions{Key: []string{"instans_id", "varde_id"}, BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rows.Close() })
	if !rows.Next() {
		t.Fatalf("no rows: %v", rows.Err())
	}
	return snap, rows
}
