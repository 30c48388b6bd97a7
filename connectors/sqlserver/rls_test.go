package sqlserver

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// The row-level security queries, pinned: a change to what they ask must
// be a change to this test too.
const (
	wantRLSVisibleSQL = `SELECT CASE WHEN ISNULL(HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'VIEW DEFINITION'), 0) = 1
  OR ISNULL(HAS_PERMS_BY_NAME(DB_NAME(), 'DATABASE', 'ALTER ANY SECURITY POLICY'), 0) = 1 THEN 1 ELSE 0 END`
	wantRLSFiltersSQL = `SELECT t.name, SCHEMA_NAME(p.schema_id) + N'.' + p.name
FROM sys.security_predicates AS pr
JOIN sys.security_policies AS p ON p.object_id = pr.object_id
JOIN sys.tables AS t ON t.object_id = pr.target_object_id
WHERE p.is_enabled = 1 AND pr.predicate_type = 0 AND t.schema_id = SCHEMA_ID(@p1)
ORDER BY t.name, 2`
)

func rlsServer(visible int64, filters ...[2]string) *fakeServer {
	var rows [][]driver.Value
	for _, f := range filters {
		rows = append(rows, []driver.Value{f[0], f[1]})
	}
	return &fakeServer{
		answers: map[string]fakeResult{
			wantRLSVisibleSQL: {columns: []string{"v"}, rows: [][]driver.Value{{visible}}},
			wantRLSFiltersSQL: {columns: []string{"name", "policy"}, rows: rows},
		},
		prefix: map[string]fakeResult{
			"SELECT COUNT_BIG(*) FROM ": {columns: []string{"n"}, rows: [][]driver.Value{{int64(7)}}},
		},
	}
}

// TestRowFilterRefusesFilteredTable: a table an enabled security policy's
// filter predicate may filter is refused by every read that would see
// fewer rows (count, scan, non-NULL counts, checksums), naming the table
// and the policy; a table no filter predicate names reads as before, and
// the catalogue of policies is read once per snapshot, for the schema
// the connector reads.
func TestRowFilterRefusesFilteredTable(t *testing.T) {
	f := rlsServer(1, [2]string{"visit", "sec.visit_by_county"}, [2]string{"visit", "sec.visit_hidden"})
	s := f.snapshot(t, "reg")
	ctx := context.Background()

	n, err := s.Count(ctx, "patient")
	if err != nil || n != 7 {
		t.Fatalf("Count(patient) = %d, %v; want 7 (no filter predicate names it)", n, err)
	}
	_, err = s.Count(ctx, "visit")
	if !errors.Is(err, ErrRowFilter) {
		t.Fatalf("Count(visit) = %v, want ErrRowFilter: a filtered count passes for a complete one", err)
	}
	for _, want := range []string{"read visit", "sec.visit_by_county, sec.visit_hidden", "STATE = OFF"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}

	visit := &connectors.Table{Name: "visit", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{{Name: "id", SourceType: "int", Type: TypeOf("int")}}}
	if _, err := s.Scan(ctx, visit, connectors.ScanOptions{BatchSize: 10}); !errors.Is(err, ErrRowFilter) {
		t.Errorf("Scan(visit) = %v, want ErrRowFilter", err)
	}
	if _, err := s.CountNonNull(ctx, "visit", []string{"id"}); !errors.Is(err, ErrRowFilter) {
		t.Errorf("CountNonNull(visit) = %v, want ErrRowFilter", err)
	}
	if _, err := s.Checksum(ctx, visit, connectors.ChecksumRequest{Buckets: 4}); !errors.Is(err, ErrRowFilter) {
		t.Errorf("Checksum(visit) = %v, want ErrRowFilter", err)
	}
	if _, err := s.RecordHashes(ctx, visit, connectors.ChecksumRequest{Buckets: 4}); !errors.Is(err, ErrRowFilter) {
		t.Errorf("RecordHashes(visit) = %v, want ErrRowFilter", err)
	}

	if got := f.count(wantRLSFiltersSQL); got != 1 {
		t.Errorf("filter predicates read %d times in one snapshot, want 1", got)
	}
	for _, q := range f.sent {
		if q.text == wantRLSFiltersSQL && (len(q.args) != 1 || q.args[0] != "reg") {
			t.Errorf("filter predicates asked for %v, want the schema read, [reg]", q.args)
		}
	}
}

// TestRowFilterInvisible: a login that cannot see the database's
// security policies (db_datareader alone) cannot tell a filtered table
// from a plain one, so every read is refused with the grant that shows
// them, even when the policies it can see filter nothing.
func TestRowFilterInvisible(t *testing.T) {
	s := rlsServer(0).snapshot(t, "dbo")
	_, err := s.Count(context.Background(), "patient")
	if !errors.Is(err, ErrRowFilter) {
		t.Fatalf("Count(patient) by a login that sees no policy = %v, want ErrRowFilter", err)
	}
	if !strings.Contains(err.Error(), "VIEW DEFINITION on the database") {
		t.Errorf("%q does not name the grant", err)
	}
}

// TestRowFilterQueryError: a failed read of the policies is an error of
// the read, not a pass.
func TestRowFilterQueryError(t *testing.T) {
	f := rlsServer(1)
	delete(f.answers, wantRLSFiltersSQL)
	s := f.snapshot(t, "dbo")
	if _, err := s.Count(context.Background(), "patient"); err == nil || !strings.Contains(err.Error(), "security policies") {
		t.Fatalf("Count with the policies unreadable = %v, want an error saying so", err)
	}
}

// TestRowFilterTargetUnchecked: a target's snapshot asks nothing of
// security policies (a row hidden from its reads makes verification
// fail, not pass), so a target login needs no VIEW DEFINITION.
func TestRowFilterTargetUnchecked(t *testing.T) {
	f := rlsServer(0, [2]string{"visit", "sec.p"})
	s := f.snapshot(t, "dbo")
	s.d.readOnly = false
	if n, err := s.Count(context.Background(), "visit"); err != nil || n != 7 {
		t.Fatalf("target Count(visit) = %d, %v; want 7", n, err)
	}
	if f.count(wantRLSVisibleSQL)+f.count(wantRLSFiltersSQL) != 0 {
		t.Errorf("a target snapshot asked about security policies: %+v", f.sent)
	}
}
