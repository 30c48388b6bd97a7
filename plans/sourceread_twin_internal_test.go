package plans

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
)

// countingSnapshot computes a SQLite table's checksums from its rows as
// stored (SQLite has no pushdown), counts them and, with misread
// set, reads record 7's name wrongly as a faulty connector would; with
// twin set, it is a Twinner giving that snapshot.
type countingSnapshot struct {
	connectors.Snapshot
	checksums int
	misread   bool
	twin      connectors.Snapshot
	// wrongSum makes its checksums count one row more than the table
	// holds, as a twin of another moment would.
	wrongSum bool
}

func (s *countingSnapshot) Checksum(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, error) {
	s.checksums++
	b, err := connectors.HashTable(ctx, s.Snapshot, t, req)
	if err == nil && s.wrongSum && len(b.Sums) > 0 {
		b.Sums = append([]connectors.BucketSum(nil), b.Sums...)
		b.Sums[0].Count++
	}
	return b, err
}

func (s *countingSnapshot) RecordHashes(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) ([]connectors.RecordHash, error) {
	return connectors.HashRecords(ctx, s.Snapshot, t, req)
}

func (s *countingSnapshot) Twin(context.Context) (connectors.Snapshot, error) {
	if s.twin == nil {
		return nil, connectors.ErrNoTwin
	}
	return s.twin, nil
}

func (s *countingSnapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	rows, err := s.Snapshot.Scan(ctx, t, opts)
	if err != nil || !s.misread {
		return rows, err
	}
	return &misreadRows{Rows: rows, id: t.ColumnIndex("id"), namn: t.ColumnIndex("namn")}, nil
}

type misreadRows struct {
	connectors.Rows
	id, namn int
	row      []connectors.Value
}

func (r *misreadRows) Row() []connectors.Value {
	row := r.Rows.Row()
	if row[r.id] != int64(7) {
		return row
	}
	r.row = append(r.row[:0], row...)
	r.row[r.namn] = "Fel namn"
	return r.row
}

// twinSetup gives a SQLite table of 40 records read through a tap whose
// snapshot has a twin; both count their checksums.
func twinSetup(t *testing.T, misread, wrongTwin bool) (*readTap, *countingSnapshot, *countingSnapshot, *connectors.Table) {
	ctx := context.Background()
	url := "sqlite://" + filepath.Join(t.TempDir(), "s.db")
	tbl := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, RowEstimate: 40, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "namn", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true}}}
	tgt, err := all.OpenTarget(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	var rows [][]connectors.Value
	for i := 1; i <= 40; i++ {
		rows = append(rows, []connectors.Value{int64(i), "Åsa Öberg"})
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
	open := func() *countingSnapshot {
		snap, err := src.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { snap.Close() })
		return &countingSnapshot{Snapshot: snap}
	}
	first, twin := open(), open()
	first.misread, twin.wrongSum = misread, wrongTwin
	first.twin = twin
	tap := newReadTap(first)
	var why string
	if tap.twin, why = startTwinSums(ctx, first); tap.twin == nil {
		t.Fatalf("no twin: %s", why)
	}
	t.Cleanup(tap.twin.stop)
	tables, err := first.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("%v %v", tables, err)
	}
	r, err := tap.Scan(ctx, &tables[0], connectors.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	return tap, first, twin, &tables[0]
}

// The database's own checksum of a table read whole is the twin's, asked
// as the read began: none is computed in the tap's snapshot after it.
// Fails when the tap asks the twin another request than verify's
// comparison asks (the checksum is then computed twice).
func TestSourceReadsTakeTheTwinsChecksum(t *testing.T) {
	tap, first, twin, _ := twinSetup(t, false, false)
	checks, _, err := checkSourceReads(context.Background(), tap, []string{"besok"})
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || !checks[0].OK || checks[0].Check == nil || checks[0].Check.ActualRows != 40 {
		t.Fatalf("checks: %+v", checks)
	}
	if twin.checksums != 1 || first.checksums != 0 {
		t.Errorf("checksums: %d in the twin, %d in the tap's snapshot; want 1 and 0", twin.checksums, first.checksums)
	}
}

// A twin whose checksum differs (another moment's rows) fails nothing by
// itself: the table is compared again in the tap's own snapshot.
func TestSourceReadsConfirmATwinsDifferenceInTheirOwnSnapshot(t *testing.T) {
	tap, first, _, _ := twinSetup(t, false, true)
	checks, _, err := checkSourceReads(context.Background(), tap, []string{"besok"})
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || !checks[0].OK {
		t.Fatalf("a twin's difference failed the check: %+v", checks[0].Check)
	}
	if first.checksums != 1 {
		t.Errorf("%d checksums in the tap's snapshot, want 1", first.checksums)
	}
}

// A connector that misreads a value still fails the check with a twin,
// naming the record.
func TestSourceReadsWithATwinFailAMisread(t *testing.T) {
	tap, _, _, _ := twinSetup(t, true, false)
	checks, _, err := checkSourceReads(context.Background(), tap, []string{"besok"})
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 1 || checks[0].OK {
		t.Fatalf("a misread table passed: %+v", checks)
	}
	if p := checks[0].Problem(); !strings.Contains(p, "record (7): column namn read differently") {
		t.Errorf("problem: %s", p)
	}
}
