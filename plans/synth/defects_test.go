package synth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/mappings/pnr"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"
	"github.com/regflytt/regflytt/verify"
)

// The defect tests run each platform through the real migration path and
// hold every affected row to its line of the defect catalogue: the
// platform is generated with every defect, migrated with its plan
// (testdata/plans/<platform>.yaml) by plans.Run, and then
//
//   - the generator's Stats agree with the rows it reported one by one;
//   - every catalogue line of the platform has rows, and every row a line;
//   - each affected row is where its line says: in the archive with the
//     reason, excluded (in neither target nor archive), or migrated, with
//     the value or pseudonym it should have and any value archived alone;
//   - per table and reason, the run archived and excluded exactly the
//     affected rows: no clean row was archived or excluded.

// testKey is the pseudonymisation key of the tests' runs.
const testKey = "synth defect tests: not a real key"

// defectPatients is large enough that every line has rows at the test
// rates, small enough for seconds.
const defectPatients = 800

func TestDefectsWide(t *testing.T)    { defectsOn(t, synth.Wide) }
func TestDefectsEAV(t *testing.T)     { defectsOn(t, synth.EAV) }
func TestDefectsMainSub(t *testing.T) { defectsOn(t, synth.MainSub) }

// defectsOn runs a platform's defect test from SQLite to SQLite, and from
// MariaDB to PostgreSQL and back when both test servers are given.
func defectsOn(t *testing.T, p synth.Platform) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		runDefects(t, p, "sqlite://"+filepath.Join(dir, "legacy.db"), "sqlite://"+filepath.Join(dir, "receiving.db"), dir)
	})
	t.Run("mariadb-postgres", func(t *testing.T) {
		if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
			t.Skipf("%s and %s are not both set", mytest.EnvVar, pgtest.EnvVar)
		}
		runDefects(t, p, mytest.NewDatabase(t), pgtest.NewDatabase(t), t.TempDir())
	})
	// PostgreSQL's rendition keeps zero dates as text: the same mapping
	// must give the same outcomes.
	t.Run("postgres-mariadb", func(t *testing.T) {
		if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
			t.Skipf("%s and %s are not both set", mytest.EnvVar, pgtest.EnvVar)
		}
		runDefects(t, p, pgtest.NewDatabase(t), mytest.NewDatabase(t), t.TempDir())
	})
}

func runDefects(t *testing.T, p synth.Platform, srcURL, tgtURL, work string) {
	ctx := context.Background()
	var injected []synth.Injection
	st := generate(t, srcURL, synth.Config{Platform: p, Patients: defectPatients, Seed: 11, Rates: testRates(p),
		Observe: func(in synth.Injection) { injected = append(injected, in) }})

	// The Stats count what was reported row by row.
	counted := map[synth.DefectID]map[string]int64{}
	for _, in := range injected {
		if counted[in.Defect] == nil {
			counted[in.Defect] = map[string]int64{}
		}
		counted[in.Defect][in.Table]++
	}
	if fmt.Sprint(counted) != fmt.Sprint(st.Defects) {
		t.Fatalf("Stats.Defects %v, but the rows reported one by one count %v", st.Defects, counted)
	}
	// The access tables' defects have their own catalogue section and
	// test (plans' TestAccessDefects); checkLedger counts their outcomes.
	forms := injected[:0:0]
	for _, in := range injected {
		if !isAccess(in.Defect) {
			forms = append(forms, in)
		}
	}
	injected = forms
	if len(synth.AccessTablesOf(p)) > 0 {
		for _, id := range synth.AccessDefectIDs() {
			if st.DefectRows(id) == 0 {
				t.Errorf("%s: no rows at the test rates: the ledger check would prove nothing", id)
			}
		}
	}

	cat := loadCatalogue(t).entries(p)
	hits := map[[2]string]int{}
	for _, in := range injected {
		hits[[2]string{string(in.Defect), in.Table}]++
	}
	for k := range cat {
		if hits[k] == 0 {
			t.Errorf("catalogue line %s in %s.%s has no rows at the test rates: the test would prove nothing", k[0], p, k[1])
		}
	}
	for k, n := range hits {
		if _, ok := cat[k]; !ok {
			t.Errorf("%d rows of %s.%s got %s, which has no catalogue line", n, p, k[1], k[0])
		}
	}

	t.Setenv("REGFLYTT_PSEUDONYM_KEY", testKey)
	plan, ds := plans.Load(filepath.Join("../../testdata/plans", string(p)+".yaml"))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	rep, err := plans.Run(ctx, plan, plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: work})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !rep.Pass {
		t.Fatalf("report FAIL: %v", rep.Problems)
	}
	checkUnitEquations(t, p, rep)

	tgt := newTargetIndex(t, ctx, plan, srcURL, tgtURL)
	exp := expectations(tgt, injected, cat)
	checkLedger(t, rep, plan, st, injected, cat, exp)
	arc := readArchive(t, filepath.Join(work, plan.ArchiveDir.Value))
	checkArchiveExact(t, ctx, srcURL, filepath.Join(work, plan.ArchiveDir.Value))
	ps, err := pnr.NewPseudonymiser([]byte(testKey))
	if err != nil {
		t.Fatal(err)
	}
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		if failures <= 20 {
			t.Errorf(format, args...)
		}
	}
	checked := map[string]map[int64]bool{}
	for _, in := range injected {
		w := cat[[2]string{string(in.Defect), in.Table}]
		e := exp[in.Table][in.Key]
		if e == nil {
			// The opt-out list's own rows: no mapping reads them.
			e = &expect{outcome: w.Outcome, reason: w.Reason, line: &w}
		}
		if checked[in.Table] == nil {
			checked[in.Table] = map[int64]bool{}
		}
		checked[in.Table][in.Key] = true
		if e.wrong != "" {
			fail("%s row %s.%d: %s", in.Defect, in.Table, in.Key, e.wrong)
			continue
		}
		if err := checkRow(in, w, e, arc, tgt, ps, plan.ReferenceDate); err != nil {
			fail("%s row %s.%d (%s %s): %v", in.Defect, in.Table, in.Key, e.outcome, e.reason, err)
		}
	}
	// Rows of no defect of their own that their parent took out of the
	// target.
	for table, rows := range exp {
		for _, id := range sortedIDs(rows) {
			e := rows[id]
			if checked[table][id] || e.outcome == "migrated" {
				continue
			}
			in := synth.Injection{Table: table, Key: id}
			if err := checkRow(in, catWhere{Outcome: e.outcome, Reason: e.reason}, e, arc, tgt, ps, plan.ReferenceDate); err != nil {
				fail("row %s.%d of no defect of its own (%s %s by its parent): %v", table, id, e.outcome, e.reason, err)
			}
		}
	}
	if failures > 20 {
		t.Errorf("… and %d more rows not where the catalogue says", failures-20)
	}
}

// generate writes a platform into a database through its connector, as
// regflytt synth does.
func generate(t *testing.T, url string, cfg synth.Config) *synth.Stats {
	t.Helper()
	ctx := context.Background()
	tgt, err := all.OpenTarget(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	w, ok := tgt.(synth.Writer)
	if !ok {
		t.Fatalf("%T cannot build a legacy platform", tgt)
	}
	st, err := synth.Generate(ctx, w, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// checkLedger compares the run's archived and excluded counts, per table
// and reason, with the expected outcomes of every row (each affected
// row's catalogue line, followed through the declared parent links):
// equal, so no clean row was archived or excluded, and no affected row
// escaped. Values archived alone and warnings are counted for the rows
// whose line says so and whose outcome is their own; a row archived for
// its parent keeps its century warnings too. Tables no mapping
// reads are archived whole; the opt-out list is excluded whole.
func checkLedger(t *testing.T, rep *verify.Report, plan *plans.Plan, st *synth.Stats, injected []synth.Injection, cat map[[2]string]catWhere, exp map[string]map[int64]*expect) {
	t.Helper()
	type counts map[string]map[string]int64 // table -> reason -> rows
	add := func(c counts, table, reason string, n int64) {
		if c[table] == nil {
			c[table] = map[string]int64{}
		}
		c[table][reason] += n
	}
	wantArch, wantExcl := counts(tally(exp, "archived")), counts(tally(exp, "excluded"))
	wantVals, wantWarn := counts{}, counts{}
	for _, in := range injected {
		w := cat[[2]string{string(in.Defect), in.Table}]
		e := exp[in.Table][in.Key]
		if e == nil {
			continue
		}
		if e.derived {
			// A record archived for its parent keeps the warnings its own
			// person raised (the century read), not person_not_checked,
			// which its checked parent answers.
			if w.Warning != "" && w.Warning != mappings.WarnPersonNotChecked {
				add(wantWarn, in.Table, w.Warning, 1)
			}
			continue
		}
		if w.ValueReason != "" && e.outcome == "migrated" {
			add(wantVals, in.Table, w.ValueReason, 1)
		}
		if w.Warning != "" {
			add(wantWarn, in.Table, w.Warning, 1)
			if w.Warning == mappings.WarnPersonNotChecked && e.outcome == "archived" {
				// The ledger splits off the archived ones of them.
				add(wantWarn, in.Table, mappings.WarnPersonNotCheckedArchived, 1)
			}
		}
	}
	mapped := map[string]bool{}
	for _, tc := range rep.Tables {
		if tc.Target != "" {
			mapped[tc.Source] = true
		}
	}
	// The access defects the generator counted, where the mapping's
	// access rules put them (testdata/defects.yaml, access_defects).
	for _, a := range []struct {
		id            synth.DefectID
		table, reason string
	}{
		{synth.DuplicateAccount, "anvandare", "duplicate_registration"},
		{synth.DuplicateAccount, "behorighet", "parent_archived"},
		{synth.ScopeUnitRemoved, "behorighet", "unit_not_found"},
		{synth.AppointmentExpired, "forordnande", "appointment_expired"},
	} {
		if n := st.DefectRows(a.id); n > 0 {
			add(wantArch, a.table, a.reason, n)
		}
	}
	gotArch, gotExcl, gotVals, gotWarn := counts{}, counts{}, counts{}, counts{}
	for _, tc := range rep.Tables {
		switch {
		case tc.Source == plan.OptOutTable.Value:
			add(wantExcl, tc.Source, plans.ReasonOptOutList, st.Rows[tc.Source])
		case !mapped[tc.Source]:
			add(wantArch, tc.Source, plans.ReasonTableNotMapped, st.Rows[tc.Source])
		}
		for r, n := range tc.ArchivedBy {
			add(gotArch, tc.Source, r, n)
		}
		for r, n := range tc.ExcludedBy {
			add(gotExcl, tc.Source, r, n)
		}
		for r, n := range tc.ValuesArchivedBy {
			add(gotVals, tc.Source, r, n)
		}
		for r, n := range tc.Warnings {
			add(gotWarn, tc.Source, r, n)
		}
		if tc.SourceRows != st.Rows[tc.Source] {
			t.Errorf("table %s: the run read %d rows, the generator wrote %d", tc.Source, tc.SourceRows, st.Rows[tc.Source])
		}
	}
	for _, c := range []struct {
		what      string
		got, want counts
	}{{"archived", gotArch, wantArch}, {"excluded", gotExcl, wantExcl}, {"values archived alone", gotVals, wantVals}, {"warnings", gotWarn, wantWarn}} {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s by table and reason:\n got %v\nwant %v (from the catalogue's lines for the affected rows and their children)", c.what, c.got, c.want)
		}
	}
}

// archived is what the archive holds of one source row.
type archived struct {
	reason, column, detail string
	// values maps target columns to the reasons of values archived alone.
	values map[string]string
	// source holds the record's values by source column, as the archive
	// keeps them.
	source map[string]connectors.Value
}

// readArchive reads an archive package's records and values archived
// alone, per table and source key (the row's own id: every synthetic table
// has a one-column integer key, which the record's values hold), through
// archive.Reader, which also checks the package.
func readArchive(t *testing.T, dir string) map[string]map[string]*archived {
	t.Helper()
	out := map[string]map[string]*archived{}
	pkg, err := archive.OpenVerified(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The official schemas too, where xmllint is installed (CI installs it).
	probs, err := archive.ValidateXSD(context.Background(), dir)
	switch {
	case errors.Is(err, archive.ErrNoXmllint) && os.Getenv("CI") != "true":
		t.Log(err)
	case err != nil:
		t.Fatal(err)
	case len(probs) > 0:
		t.Fatalf("archive fails its XML schemas: %v", probs)
	}
	for _, tbl := range pkg.Tables() {
		idCol := -1
		for i, c := range tbl.Columns {
			if len(tbl.PrimaryKey) == 1 && c.Name == tbl.PrimaryKey[0] {
				idCol = i
			}
		}
		rows := map[string]*archived{}
		out[tbl.Table] = rows
		recs, err := pkg.Records(tbl.Table)
		if err != nil {
			t.Fatal(err)
		}
		for recs.Next() {
			rec := recs.Record()
			if idCol < 0 || rec.Values[idCol] == nil {
				t.Fatalf("archive %s: a record without its id", tbl.Table)
			}
			id, _ := connectors.FormatValue(rec.Values[idCol])
			a := &archived{reason: rec.Outcome.Reason, column: rec.Outcome.Column, detail: rec.Outcome.Detail, source: map[string]connectors.Value{}}
			for i, c := range tbl.Columns {
				if i < len(rec.Values) {
					a.source[c.Name] = rec.Values[i]
				}
			}
			rows[id] = a
		}
		if err := errors.Join(recs.Err(), recs.Close()); err != nil {
			t.Fatal(err)
		}
		vals, err := pkg.Values(tbl.Table)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			// Values archived alone carry the record's key; the synthetic
			// tables' keys end in the id.
			var key []*string
			if err := json.Unmarshal([]byte(v.KeyText), &key); err != nil || len(key) == 0 || key[len(key)-1] == nil {
				t.Fatalf("archive %s: a value without its key", tbl.Table)
			}
			id := *key[len(key)-1]
			a := rows[id]
			if a == nil {
				a = &archived{}
				rows[id] = a
			}
			if a.values == nil {
				a.values = map[string]string{}
			}
			a.values[v.Column] = v.Reason
		}
	}
	return out
}

// checkRow holds one affected row to its catalogue line, w, or where its
// parent decided its outcome, to that: e.
func checkRow(in synth.Injection, w catWhere, e *expect, arc map[string]map[string]*archived, tgt *targetIndex, ps *pnr.Pseudonymiser, ref time.Time) error {
	key := strconv.FormatInt(in.Key, 10)
	a := arc[in.Table][key]
	if e.derived {
		// Only the outcome is the parent's: the row's own column and
		// values do not matter.
		w = catWhere{Outcome: e.outcome, Reason: e.reason}
	}
	switch e.outcome {
	case "archived":
		if a == nil || a.reason == "" {
			return fmt.Errorf("not in the archive, want archived with %s", e.reason)
		}
		if a.reason != e.reason {
			return fmt.Errorf("archived with %s, want %s", a.reason, e.reason)
		}
		if w.TargetColumn != "" && a.column != w.TargetColumn {
			return fmt.Errorf("archived for column %s, want %s", a.column, w.TargetColumn)
		}
		if w.Check == "kept" {
			// The detail names the record kept by its key: "id=12" or
			// "key (12)".
			kept := regexp.MustCompile(fmt.Sprintf(`[(=]%d([),\s]|$)`, in.Want))
			if !kept.MatchString(a.detail) {
				return fmt.Errorf("the archive record's detail does not name the record kept, %v", in.Want)
			}
		}
		if w.Check == "source_text" {
			want, _ := connectors.FormatValue(in.Want)
			if got, ok := connectors.FormatValue(a.source[w.Column]); !ok || got != want {
				return fmt.Errorf("the archive's %s is not %q as the source stored it", w.Column, want)
			}
		}
		return nil
	case "excluded":
		if a != nil {
			return fmt.Errorf("in the archive (%s): an excluded row's data is kept nowhere", a.reason)
		}
		if row, _, err := tgt.row(in.Table, in.Key); err == nil && row != nil {
			return fmt.Errorf("in the receiving table: an excluded row's data is kept nowhere")
		}
		return nil
	}
	if a != nil && a.reason != "" {
		return fmt.Errorf("archived with %s, want migrated", a.reason)
	}
	if w.ValueReason != "" {
		if a == nil || a.values[w.TargetColumn] != w.ValueReason {
			return fmt.Errorf("no value of %s archived alone with %s", w.TargetColumn, w.ValueReason)
		}
	}
	row, cols, err := tgt.row(in.Table, in.Key)
	if err != nil {
		return err
	}
	if row == nil {
		return fmt.Errorf("not in the receiving table")
	}
	if w.TargetColumn == "" || (w.Check == "" && w.ValueReason == "") {
		return nil
	}
	i, ok := cols[w.TargetColumn]
	if !ok {
		return fmt.Errorf("receiving table has no column %s", w.TargetColumn)
	}
	got, _ := connectors.FormatValue(row[i])
	var want string
	switch {
	case w.ValueReason != "":
		if row[i] != nil {
			return fmt.Errorf("%s holds a value whose archiving left it NULL", w.TargetColumn)
		}
		return nil
	case w.Check == "pseudonym":
		n, err := pnr.Parse(fmt.Sprint(in.Want), ref)
		if err != nil {
			return fmt.Errorf("the generator's number in normal form does not parse: %v", err)
		}
		want = ps.Pseudonym(n)
	case w.Check == "value":
		want, _ = connectors.FormatValue(in.Want)
	case w.Check == "partial_date":
		// 2019-00-00 is 2019-01-01 known to the year, 2019-05-00
		// 2019-05-01 known to the month.
		raw := fmt.Sprint(in.Want)
		precision := "month"
		want = raw[:8] + "01"
		if raw[5:7] == "00" {
			precision, want = "year", raw[:5]+"01-01"
		}
		pi, ok := cols[w.TargetColumn+"_precision"]
		if !ok {
			return fmt.Errorf("receiving table has no column %s_precision", w.TargetColumn)
		}
		if p, _ := connectors.FormatValue(row[pi]); p != precision {
			return fmt.Errorf("%s_precision is %q, want %q", w.TargetColumn, p, precision)
		}
	}
	if got != want {
		return fmt.Errorf("%s is %q, want %q", w.TargetColumn, got, want)
	}
	return nil
}

// targetIndex finds the receiving row a source row became. Where the
// mapping copies the source's key into the receiving key, that key finds
// it; otherwise (merged sources, keyed by patient and date) the row's
// mapping is applied again to compute the receiving key.
type targetIndex struct {
	t     *testing.T
	ctx   context.Context
	prog  *mappings.Program
	src   connectors.Snapshot
	tgt   connectors.Snapshot
	srcTs map[string]*connectors.Table
	tgtTs map[string]*connectors.Table
	// loaded tables: source rows by id, receiving rows by encoded key.
	srcRows map[string]map[int64][]connectors.Value
	tgtRows map[string]map[string][]connectors.Value
}

func newTargetIndex(t *testing.T, ctx context.Context, plan *plans.Plan, srcURL, tgtURL string) *targetIndex {
	t.Helper()
	x := &targetIndex{t: t, ctx: ctx, srcRows: map[string]map[int64][]connectors.Value{}, tgtRows: map[string]map[string][]connectors.Value{}}
	x.src, x.srcTs = openSnapshot(t, ctx, srcURL)
	x.tgt, x.tgtTs = openSnapshot(t, ctx, tgtURL)
	in, ds := plan.LoadInputs()
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	ps, err := pnr.NewPseudonymiser([]byte(testKey))
	if err != nil {
		t.Fatal(err)
	}
	var catalog []connectors.Table
	for _, tb := range x.srcTs {
		catalog = append(catalog, *tb)
	}
	prog, ds := mappings.Compile(in.Mappings, catalog, in.Schema, &mappings.Env{RefDate: plan.ReferenceDate, Pseudonymiser: ps})
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	x.prog = prog
	return x
}

func openSnapshot(t *testing.T, ctx context.Context, url string) (connectors.Snapshot, map[string]*connectors.Table) {
	t.Helper()
	src, err := all.OpenSource(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*connectors.Table{}
	for i := range tables {
		m[tables[i].Name] = &tables[i]
	}
	return snap, m
}

// scan reads a whole (small) table.
func (x *targetIndex) scan(snap connectors.Snapshot, tb *connectors.Table, key []string, fn func(row []connectors.Value)) {
	rs, err := snap.Scan(x.ctx, tb, connectors.ScanOptions{Key: key})
	if err != nil {
		x.t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		fn(append([]connectors.Value(nil), rs.Row()...))
	}
	if err := rs.Err(); err != nil {
		x.t.Fatal(err)
	}
}

// row gives the receiving row a source row (table, id) became, nil when
// there is none, with the receiving table's column positions.
func (x *targetIndex) row(table string, id int64) ([]connectors.Value, map[string]int, error) {
	tp := x.prog.ForSource(table)
	if tp == nil {
		return nil, nil, fmt.Errorf("no mapping reads %s", table)
	}
	tt := x.tgtTs[tp.Target.Name]
	if tt == nil {
		return nil, nil, fmt.Errorf("no receiving table %s", tp.Target.Name)
	}
	cols := map[string]int{}
	for i, c := range tt.Columns {
		cols[c.Name] = i
	}
	key := tt.PrimaryKey
	if x.tgtRows[tt.Name] == nil {
		rows := map[string][]connectors.Value{}
		x.scan(x.tgt, tt, key, func(r []connectors.Value) { rows[encode(r, key, cols)] = r })
		x.tgtRows[tt.Name] = rows
	}
	if x.srcRows[table] == nil {
		st := x.srcTs[table]
		rows := map[int64][]connectors.Value{}
		idCol := st.ColumnIndex(st.PrimaryKey[0])
		x.scan(x.src, st, nil, func(r []connectors.Value) { rows[r[idCol].(int64)] = r })
		x.srcRows[table] = rows
	}
	src := x.srcRows[table][id]
	if src == nil {
		return nil, nil, fmt.Errorf("no source row %s.%d", table, id)
	}
	// The receiving key: copied from the source, or made by the mapping.
	trow := make([]connectors.Value, len(tt.Columns))
	direct := true
	for _, k := range key {
		cm := columnMapping(tp.Mapping, k)
		if cm == nil || !cm.From.IsSet() || tp.Source.ColumnIndex(cm.From.Value) < 0 {
			direct = false
			break
		}
		trow[cols[k]] = src[tp.Source.ColumnIndex(cm.From.Value)]
	}
	if !direct {
		if tp.EAV != nil {
			return nil, nil, fmt.Errorf("a form store's key is not its id")
		}
		o := tp.Apply(src)
		if o.Kind != mappings.Migrated {
			return nil, cols, nil
		}
		trow = o.Row
	}
	return x.tgtRows[tt.Name][encode(trow, key, cols)], cols, nil
}

func columnMapping(tm *mappings.TableMapping, target string) *mappings.ColumnMapping {
	for _, cm := range tm.Columns {
		if cm.Target.Value == target {
			return cm
		}
	}
	return nil
}

// encode joins a row's key values' text forms.
func encode(row []connectors.Value, key []string, cols map[string]int) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i], _ = connectors.FormatValue(row[cols[k]])
	}
	return strings.Join(parts, "\x00")
}

// checkArchiveExact holds every archived record to its source row, and
// every value archived alone to its source cell: the same canonical bytes
// and kind (connectors.AppendValue), read back through archive.Reader.
// Garbled Latin-1, invalid bytes, zero dates and the rest arrive as the
// source connector read them, not as text made of them.
func checkArchiveExact(t *testing.T, ctx context.Context, srcURL, arcDir string) {
	t.Helper()
	pkg, err := archive.Open(arcDir)
	if err != nil {
		t.Fatal(err)
	}
	src, err := all.OpenSource(ctx, srcURL)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, at := range pkg.Tables() {
		var tbl *connectors.Table
		for i := range tables {
			if tables[i].Name == at.Table {
				tbl = &tables[i]
			}
		}
		if tbl == nil || len(tbl.PrimaryKey) != 1 {
			t.Fatalf("archive table %s: no source table with a one-column key", at.Table)
		}
		idCol := tbl.ColumnIndex(tbl.PrimaryKey[0])
		rows, err := snap.Scan(ctx, tbl, connectors.ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		source := map[string][]connectors.Value{}
		for rows.Next() {
			row := rows.Row()
			id, _ := connectors.FormatValue(row[idCol])
			cp := make([]connectors.Value, len(row))
			for i, v := range row {
				if b, ok := v.([]byte); ok {
					v = append([]byte(nil), b...)
				}
				cp[i] = v
			}
			source[id] = cp
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			t.Fatal(err)
		}
		recs, err := pkg.Records(at.Table)
		if err != nil {
			t.Fatal(err)
		}
		for recs.Next() {
			rec := recs.Record()
			id, _ := connectors.FormatValue(rec.Values[idCol])
			want, err1 := connectors.AppendRow(nil, source[id])
			got, err2 := connectors.AppendRow(nil, rec.Values)
			if source[id] == nil || err1 != nil || err2 != nil || !bytes.Equal(got, want) {
				t.Errorf("archive %s row %d (id %s): the archived values differ from the source row", at.Table, rec.Row, id)
			}
			checked++
		}
		if err := errors.Join(recs.Err(), recs.Close()); err != nil {
			t.Fatal(err)
		}
		vals, err := pkg.Values(at.Table)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			col := tbl.ColumnIndex(v.SourceColumn)
			var key []*string
			if col < 0 || v.Value.Value == nil || json.Unmarshal([]byte(v.KeyText), &key) != nil || len(key) == 0 || key[len(key)-1] == nil {
				continue // a value made by an expression, or from another table of an EAV pivot
			}
			row := source[*key[len(key)-1]]
			if row == nil {
				continue
			}
			want, _ := connectors.AppendValue(nil, row[col])
			got, _ := connectors.AppendValue(nil, v.Value.Value)
			if !bytes.Equal(got, want) {
				t.Errorf("archive %s: the value of %s archived alone for key %s differs from the source", at.Table, v.SourceColumn, v.KeyText)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no archived record or value was compared with its source")
	}
}

// isAccess reports whether a defect is one of the access tables'.
func isAccess(id synth.DefectID) bool {
	for _, a := range synth.AccessDefectIDs() {
		if a == id {
			return true
		}
	}
	return false
}
