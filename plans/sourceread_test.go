package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A connector that decodes a value wrongly gives the run and verify the
// same wrong value: the end check compares the target with what the run
// wrote, verify re-reads the source through the same connector, and both
// PASS with a value the source does not hold. verify holds the rows as
// read to the source database's own checksum, which does not go through
// the connector's decoding.
func TestVerifyHoldsRowsAsReadToTheSourceDatabase(t *testing.T) {
	t.Parallel()
	for name, newSource := range serverDatabases(t) {
		t.Run(name, func(t *testing.T) { testVerifyHoldsRowsAsRead(t, newSource(t)) })
	}
}

func testVerifyHoldsRowsAsRead(t *testing.T, src string) {
	ctx := context.Background()
	dir := t.TempDir()
	p := sourceReadFixture(t, src, dir)
	tgt := "sqlite://" + filepath.Join(dir, "t.db")

	// A sound connector: every table read is checked in the database.
	if _, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "sound")}); err != nil {
		t.Fatal(err)
	}
	sum, err := plans.Verify(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "sound")})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.SourceReads) != 1 || sum.SourceReads[0].Check == nil || !sum.SourceReads[0].OK || sum.SourceReads[0].RowsRead != 40 || sum.SourceReads[0].Check.ActualRows != 40 {
		t.Fatalf("source reads of a sound connector: %+v", sum.SourceReads)
	}

	// A connector that reads record 7's name wrongly, in the run and in
	// verify alike.
	miswrap := func(s connectors.Source) connectors.Source { return &misreadingSource{Source: s} }
	tgt2 := "sqlite://" + filepath.Join(dir, "t2.db")
	rep, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt2, WorkDir: filepath.Join(dir, "misread"), WrapSource: miswrap})
	if err != nil || !rep.Pass {
		t.Fatalf("the run cannot see its connector's misreading and should pass: %v", err)
	}
	sum, err = plans.Verify(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt2, WorkDir: filepath.Join(dir, "misread"), WrapSource: miswrap})
	if err == nil || sum == nil || sum.Pass {
		t.Fatalf("verify passed a migration of a value the source does not hold (err %v)", err)
	}
	failures := strings.Join(sum.Failures(), "\n")
	for _, want := range []string{"source table besok: the rows regflytt's connector read differ from what the source database holds", "record (7): column namn read differently"} {
		if !strings.Contains(failures, want) {
			t.Errorf("failures lack %q:\n%s", want, failures)
		}
	}
	if strings.Contains(failures, "Fel namn") || strings.Contains(failures, "Åsa") {
		t.Errorf("failures name a value:\n%s", failures)
	}
}

// misreadingSource decodes besok's record 7 wrongly; the database's own
// checksum is the real connector's.
type misreadingSource struct{ connectors.Source }

func (s *misreadingSource) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	snap, err := s.Source.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &misreadingSnapshot{Snapshot: snap, cs: snap.(connectors.Checksummer)}, nil
}

type misreadingSnapshot struct {
	connectors.Snapshot
	cs connectors.Checksummer
}

func (s *misreadingSnapshot) Checksum(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, error) {
	return s.cs.Checksum(ctx, t, req)
}

func (s *misreadingSnapshot) RecordHashes(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) ([]connectors.RecordHash, error) {
	return s.cs.RecordHashes(ctx, t, req)
}

func (s *misreadingSnapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	rows, err := s.Snapshot.Scan(ctx, t, opts)
	if err != nil || t.Name != "besok" {
		return rows, err
	}
	return &misreadingRows{Rows: rows, id: t.ColumnIndex("id"), namn: t.ColumnIndex("namn")}, nil
}

type misreadingRows struct {
	connectors.Rows
	id, namn int
	row      []connectors.Value
}

func (r *misreadingRows) Row() []connectors.Value {
	row := r.Rows.Row()
	if r.id < 0 || r.namn < 0 || row[r.id] != int64(7) {
		return row
	}
	r.row = append(r.row[:0], row...)
	r.row[r.namn] = "Fel namn"
	return r.row
}

// sourceReadFixture writes 40 visits (besok: id, namn with Swedish
// letters) into src and, into dir, a plan migrating them to visit, and
// loads it: what the source-read tests read through a sound connector
// and a broken one.
func sourceReadFixture(t *testing.T, src, dir string) *plans.Plan {
	t.Helper()
	var rows [][]connectors.Value
	for i := 1; i <= 40; i++ {
		rows = append(rows, []connectors.Value{int64(i), "Åsa Öberg"})
	}
	writeTables(t, src, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("namn")}}},
		map[string][][]connectors.Value{"besok": rows})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint, not_null: true}, {name: name, type: text}]
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns: {visit_id: id, name: namn}
`)
	p := loadPlan(t, writePlan(t, dir, ""))
	return p
}
