package plans

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// Which record of a registration is kept: by the by value, earliest or
// latest; an empty by value never wins; a tie goes to the source key.
func TestBetterDuplicate(t *testing.T) {
	d := func(y, m, day int) connectors.Value { return connectors.Date{Year: y, Month: time.Month(m), Day: day} }
	rec := func(by connectors.Value, key int64) *dupCandidate {
		return &dupCandidate{by: []connectors.Value{by}, key: []connectors.Value{key}}
	}
	noBy := func(key int64) *dupCandidate { return &dupCandidate{key: []connectors.Value{key}} }
	cases := []struct {
		name   string
		latest bool
		a, b   *dupCandidate
		want   bool
	}{
		{"earlier wins under earliest", false, rec(d(2024, 1, 1), 9), rec(d(2024, 1, 2), 1), true},
		{"later loses under earliest", false, rec(d(2024, 1, 2), 1), rec(d(2024, 1, 1), 9), false},
		{"later wins under latest", true, rec(d(2024, 1, 2), 1), rec(d(2024, 1, 1), 9), true},
		{"empty never wins under earliest", false, rec(nil, 1), rec(d(2024, 1, 1), 9), false},
		{"empty never wins under latest", true, rec(nil, 1), rec(d(2024, 1, 1), 9), false},
		{"a value wins over empty under latest", true, rec(d(2000, 1, 1), 9), rec(nil, 1), true},
		{"tie: lower key under earliest", false, rec(d(2024, 1, 1), 1), rec(d(2024, 1, 1), 2), true},
		{"tie: higher key under latest", true, rec(d(2024, 1, 1), 1), rec(d(2024, 1, 1), 2), false},
		{"both empty: lower key", false, rec(nil, 1), rec(nil, 2), true},
		{"no by: lower key under earliest", false, noBy(3), noBy(4), true},
		{"no by: higher key under latest", true, noBy(3), noBy(4), false},
	}
	for _, c := range cases {
		got, err := better(&mappings.DuplicatesProgram{Latest: c.latest}, c.a, c.b)
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := better(&mappings.DuplicatesProgram{}, rec("x", 1), rec(int64(2), 2)); err == nil {
		t.Error("values of different kinds compared without an error")
	}
}

// The decisions of the first read are trusted in the second only if the
// snapshot gives the same records in the same order: a source that does
// not stops the run instead of archiving the wrong records.
func TestDuplicatesSecondReadMustMatch(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	besok := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "patient_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, Nullable: true},
	}}
	db, err := all.OpenTarget(ctx, srcURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx, []connectors.Table{besok}); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 1 and 2 are one registration, 3 and 4 another.
	if _, err := tx.Write(ctx, &besok, [][]connectors.Value{{int64(1), int64(7)}, {int64(2), int64(7)}, {int64(3), int64(8)}, {int64(4), int64(8)}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	files := map[string]string{
		"schema.yaml": "platform: t\ntables:\n  - name: visit\n    columns: [{name: visit_id, type: bigint}, {name: patient_id, type: bigint}]\n",
		"m.yaml":      "tables:\n  - target: visit\n    source: besok\n    duplicates: {same: [patient_id], keep: earliest}\n    columns: {visit_id: id, patient_id: patient_id}\n",
		"plan.yaml":   "plan: 1\nregister: {id: test, name: Test}\nsystem: {current: a, chosen: b}\ncpua: {current: A, future: B}\nrco: {current: A, future: B}\ntarget: {schema: schema.yaml}\nmappings: [m.yaml]\narchive: {dir: archive}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p, ds := Load(filepath.Join(dir, "plan.yaml"))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	for _, reverse := range []bool{false, true} {
		r, err := newRunner(p, Options{SourceURL: srcURL}, false)
		if err != nil {
			t.Fatal(err)
		}
		s, err := r.open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s.snap = &secondReadReversed{Snapshot: s.snap, reverse: reverse}
		arc := &countingArchive{values: map[unmappedKey]map[shownValue]int64{}}
		ledger := verify.NewLedger()
		err = r.move(ctx, s, &countingSink{written: map[string]int64{}}, arc, ledger)
		s.Close(ctx)
		switch {
		case !reverse && err != nil:
			t.Fatal(err)
		case !reverse:
			if tl := ledger.Table("besok", "visit"); tl.ArchivedBy[mappings.ReasonDuplicateRegistration] != 2 {
				t.Errorf("same order: %+v", tl)
			}
		case err == nil || !strings.Contains(err.Error(), "did not give the records of the first in the same order"):
			t.Errorf("a second read in another order: %v", err)
		}
	}
}

// secondReadReversed gives the rows of every second scan of a table in
// reverse order.
type secondReadReversed struct {
	connectors.Snapshot
	reverse bool
	scans   int
}

func (s *secondReadReversed) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	rows, err := s.Snapshot.Scan(ctx, t, opts)
	s.scans++
	if err != nil || !s.reverse || s.scans != 2 {
		return rows, err
	}
	defer rows.Close()
	out := &sliceRows{cols: rows.Columns(), i: -1}
	for rows.Next() {
		out.rows = append([][]connectors.Value{copyRow(rows.Row())}, out.rows...)
	}
	return out, rows.Err()
}

type sliceRows struct {
	cols []connectors.Column
	rows [][]connectors.Value
	i    int
}

func (r *sliceRows) Columns() []connectors.Column { return r.cols }
func (r *sliceRows) Next() bool                   { r.i++; return r.i < len(r.rows) }
func (r *sliceRows) Row() []connectors.Value      { return r.rows[r.i] }
func (r *sliceRows) Err() error                   { return nil }
func (r *sliceRows) Close() error                 { return nil }

// The candidates of a duplicates rule go in in read order (seq is the
// table's key) and come out in registration order from a covering index,
// each page a search of it: no page sorts the table again. (Keyed by
// registration, every insert went to a random page of the table.)
func TestDuplicateCandidatesQueryPlan(t *testing.T) {
	ctx := context.Background()
	l, err := newLinks(ctx, "", &mappings.Program{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cands, err := l.create(ctx, "dup_candidates", candidateColumns)
	if err != nil {
		t.Fatal(err)
	}
	in := newInserter(l.db, cands, []string{"g", "seq", "by", "k"}, "test")
	for seq := int64(1); seq <= 1000; seq++ {
		if err := in.add(ctx, []byte{byte(seq * 37 % 251)}, seq, []byte{}, []byte{byte(seq)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := in.flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.db.ExecContext(ctx, candidateIndex(cands)); err != nil {
		t.Fatal(err)
	}
	rows, err := l.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+candidatePage(cands), []byte{7}, 3, dupPage)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "SEARCH "+cands+" USING COVERING INDEX "+cands+"_g") || strings.Contains(got, "TEMP B-TREE") {
		t.Fatalf("query plan of a page of candidates: %s", got)
	}
	var pk string
	if err := l.db.QueryRowContext(ctx, "SELECT name FROM pragma_table_info(?) WHERE pk = 1", cands).Scan(&pk); err != nil || pk != "seq" {
		t.Fatalf("the candidates are keyed by %q (%v), want seq", pk, err)
	}
}
