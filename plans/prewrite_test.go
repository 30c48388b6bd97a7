package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

const visitSchema = `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: weight_kg, type: "decimal(5,1)"}
`

const visitMapping = `tables:
  - target: visit
    source: besok
    columns:
      visit_id: nr
      weight_kg: {expr: decimal(vikt)}
    drop: {id: the visit is known by its number}
`

// visitFixture is a legacy table besok (id, nr, vikt) with the given rows,
// more tables when given, and a plan mapping it into visit.
func visitFixture(t *testing.T, rows [][]connectors.Value, mapping string, more ...connectors.Table) (dir, plan, srcURL string) {
	t.Helper()
	dir = t.TempDir()
	srcURL = "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := append([]connectors.Table{{Name: "besok", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{intCol("id"), intCol("nr"), textCol("vikt")}}}, more...)
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{"besok": rows})
	write(t, filepath.Join(dir, "schema.yaml"), visitSchema)
	write(t, filepath.Join(dir, "m.yaml"), mapping)
	return dir, writePlan(t, dir, ""), srcURL
}

func targetTables(t *testing.T, url string) []string {
	t.Helper()
	ctx := context.Background()
	db, err := all.OpenTarget(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tb := range tables {
		names = append(names, tb.Name)
	}
	return names
}

// A run that is refused is refused before it writes: the target gets no
// table (not even an empty one) and the archive directory no package.
func TestRunRefusesBeforeWriting(t *testing.T) {
	rows := [][]connectors.Value{{int64(1), int64(10), "60,5"}, {int64(2), int64(11), "70"}}
	cases := []struct {
		name    string
		mapping string
		more    []connectors.Table
		prepare func(t *testing.T, dir, tgtURL string) (workDir string)
		want    string
		is      error
	}{
		{name: "archive directory not empty", mapping: visitMapping,
			prepare: func(t *testing.T, dir, _ string) string {
				if err := os.MkdirAll(filepath.Join(dir, "archive"), 0o750); err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(dir, "archive", "old.txt"), "an earlier package")
				return dir
			}, want: "archive directory " + "%DIR%/archive is not empty"},
		{name: "archive directory is a file", mapping: visitMapping,
			prepare: func(t *testing.T, dir, _ string) string {
				write(t, filepath.Join(dir, "archive"), "not a directory")
				return dir
			}, want: "archive is not a directory"},
		{name: "work directory is a file", mapping: visitMapping,
			prepare: func(t *testing.T, dir, _ string) string {
				return write(t, filepath.Join(dir, "work"), "not a directory")
			}, want: "work directory %DIR%/work: %DIR%/work is not a directory"},
		{name: "source column neither mapped nor dropped", mapping: strings.Replace(visitMapping, "    drop: {id: the visit is known by its number}\n", "", 1),
			want: "error M010: source column besok.id is neither mapped nor dropped", is: mappings.ErrDiagnostics},
		{name: "unmapped source table without a key", mapping: visitMapping,
			more: []connectors.Table{{Name: "logg", Columns: []connectors.Column{textCol("rad")}}},
			want: "source tables logg have no primary key and no mapping that names a key"},
		{name: "existing receiving table with another scale", mapping: visitMapping,
			prepare: func(t *testing.T, dir, tgtURL string) string {
				createVisit(t, tgtURL, "decimal(5,0)")
				return dir
			}, want: "table visit, column weight_kg: type differs: the existing table has DECIMAL_TEXT(5,0), the schema declares decimal(5,1)", is: plans.ErrTargetDiffers},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, plan, src := visitFixture(t, rows, c.mapping, c.more...)
			tgt := "sqlite://" + filepath.Join(dir, "t.db")
			work := dir
			if c.prepare != nil {
				work = c.prepare(t, dir, tgt)
			}
			before := targetTables(t, tgt)
			_, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work})
			want := strings.ReplaceAll(c.want, "%DIR%", dir)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %v\nwant an error with %q", err, want)
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error is not %v", c.is)
			}
			var pe *plans.StoppedError
			if errors.As(err, &pe) {
				t.Errorf("a refusal before writing says the run stopped after writing: %v", err)
			}
			if after := targetTables(t, tgt); strings.Join(after, ",") != strings.Join(before, ",") {
				t.Errorf("target tables %v after the refused run, %v before", after, before)
			}
			if _, err := os.Stat(filepath.Join(dir, "archive", "data")); err == nil {
				t.Error("the refused run created an archive package")
			}
		})
	}
}

// A dry run finds a source table it could not read in order before it
// reads anything, as a run does.
func TestDryRunFindsKeylessTable(t *testing.T) {
	_, plan, src := visitFixture(t, [][]connectors.Value{{int64(1), int64(10), "60,5"}}, visitMapping,
		connectors.Table{Name: "logg", Columns: []connectors.Column{textCol("rad")}})
	_, err := plans.DryRun(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src})
	if err == nil || !strings.Contains(err.Error(), "source tables logg have no primary key") {
		t.Fatalf("got %v, want the keyless table named", err)
	}
}

// createVisit creates the receiving table visit as someone else would
// have, with weight_kg of the given type.
func createVisit(t *testing.T, url, weightType string) {
	t.Helper()
	typ, err := connectors.ParseType(weightType)
	if err != nil {
		t.Fatal(err)
	}
	writeTables(t, url, []connectors.Table{{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{
		{Name: "visit_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "weight_kg", Type: typ, Nullable: true},
	}}}, nil)
}

// An existing receiving table that is exactly the declared one, and
// empty, is used as it is.
func TestRunUsesMatchingExistingTable(t *testing.T) {
	dir, plan, src := visitFixture(t, [][]connectors.Value{{int64(1), int64(10), "60,5"}}, visitMapping)
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	createVisit(t, tgt, "decimal(5,1)")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
}

type archivedRecord struct {
	Key    []*string `json:"key"`
	Reason string    `json:"reason"`
	Column string    `json:"column"`
	Detail string    `json:"detail"`
}

func readArchived(t *testing.T, workDir, table string) []archivedRecord {
	t.Helper()
	pkg, err := archive.OpenVerified(filepath.Join(workDir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := pkg.Records(table)
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	var out []archivedRecord
	for recs.Next() {
		r := recs.Record()
		rec := archivedRecord{Reason: r.Outcome.Reason, Column: r.Outcome.Column, Detail: r.Outcome.Detail}
		if err := json.Unmarshal([]byte(r.KeyText), &rec.Key); err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func keyOf(rec archivedRecord) string {
	var parts []string
	for _, k := range rec.Key {
		if k == nil {
			parts = append(parts, "NULL")
		} else {
			parts = append(parts, *k)
		}
	}
	return strings.Join(parts, ",")
}

// Two source records that map to one receiving primary key: the first
// migrates, the later ones are archived as duplicate_key with both source
// keys, the run PASSes, and a dry run counts them beforehand. (Before,
// the second record failed its batch at the server and stopped the run
// with the target half written.)
func TestDuplicateReceivingKeysAreArchived(t *testing.T) {
	rows := [][]connectors.Value{
		{int64(1), int64(10), "60,5"},
		{int64(2), int64(11), "70"},
		{int64(3), int64(10), "61"}, // nr 10 again
		{int64(4), int64(12), "72"},
		{int64(5), int64(10), "62"}, // and again
	}
	dir, plan, src := visitFixture(t, rows, visitMapping)
	p := loadPlan(t, plan)

	dry, err := plans.DryRun(context.Background(), p, plans.Options{SourceURL: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(dry.Tables) != 1 || dry.Tables[0].ArchivedBy[plans.ReasonDuplicateKey] != 2 || dry.Written["visit"] != 3 {
		t.Fatalf("dry run: %+v, would write %v; want 2 duplicate_key and 3 rows", dry.Tables[0], dry.Written)
	}

	p.BatchSize = 2 // the duplicates fall into later batches than their first
	rep := runOnSQLite(t, p, src, dir, nil)
	if got := ledgerOf(rep, false)["besok"]; got != summary(3, 2, 0, map[string]int64{plans.ReasonDuplicateKey: 2}) {
		t.Fatalf("ledger %s", got)
	}
	recs := readArchived(t, dir, "besok")
	if len(recs) != 2 {
		t.Fatalf("archived %d records, want 2", len(recs))
	}
	for i, wantKey := range []string{"3", "5"} {
		r := recs[i]
		if keyOf(r) != wantKey || r.Reason != plans.ReasonDuplicateKey || r.Column != "visit_id" ||
			!strings.Contains(r.Detail, "receiving table visit") || !strings.Contains(r.Detail, "besok with key (1)") {
			t.Errorf("archived %+v (key %s), want key %s, duplicate_key of visit_id, the first record's key (1) in the detail", r, keyOf(r), wantKey)
		}
	}
}

// A form-store entity whose receiving key an earlier entity has is
// archived, and so is every value row that would have migrated with it:
// none is counted migrated into a row that was not written.
func TestDuplicateEntityArchivesItsValues(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("nr")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}, map[string][][]connectors.Value{
		"instans": {{int64(1), int64(7)}, {int64(2), int64(7)}},
		"varde":   {{int64(1), int64(1), "vikt", "70"}, {int64(2), int64(2), "vikt", "71"}, {int64(3), int64(2), "langd", "180"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: bigint}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: height_cm, type: smallint}
`)
	writeEAVMapping(t, dir, `    columns:
      registration_id: nr
      weight_kg: {expr: decimal(vikt)}
      height_cm: {expr: integer(langd)}
    drop: {id: the registration is known by its number, varde_id: the value row's own number}
`)
	rep := runOnSQLite(t, loadPlan(t, writePlan(t, dir, "")), srcURL, dir, nil)
	checkLedger(t, rep, false, map[string]string{
		"instans": summary(1, 1, 0, map[string]int64{plans.ReasonDuplicateKey: 1}),
		"varde":   summary(1, 2, 0, map[string]int64{plans.ReasonDuplicateKey: 2}),
	})
}

// stopAt cancels the run when a table starts: a failure after writing
// started.
type stopAt struct {
	plans.NoProgress
	table  string
	cancel context.CancelFunc
}

func (s stopAt) Table(name string, _ int64) {
	if name == s.table {
		s.cancel()
	}
}

// A run that stops after it started writing says how far it got and
// how to resume, writes report.json, and still unwraps to its cause.
func TestRunStoppedAfterWritingSaysHowToResume(t *testing.T) {
	dir, plan, src := visitFixture(t, [][]connectors.Value{{int64(1), int64(10), "60,5"}, {int64(2), int64(11), "70"}},
		visitMapping, connectors.Table{Name: "zlogg", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir,
		Progress: stopAt{table: "zlogg", cancel: cancel}})
	var se *plans.StoppedError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a StoppedError", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("%v does not unwrap to its cause", err)
	}
	// Cancelling stops at once: the batch handed to the writer may or
	// may not have committed.
	for _, want := range []string{"batches committed (each with its rows, archive part and checkpoint)", "again to resume where it stopped, or with --restart to start over"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	b, rerr := os.ReadFile(filepath.Join(dir, "report.json"))
	if rerr != nil {
		t.Fatalf("no report.json after the stop: %v", rerr)
	}
	for _, want := range []string{`"status": "interrupted"`, `"batches_committed": `, `"resume": "regflytt run `} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report.json lacks %s:\n%s", want, b)
		}
	}
	// The stop names the version of the plan that stopped, as a
	// finished run's report does.
	p := loadPlan(t, plan)
	in, ds := p.LoadInputs()
	if ds.Err() != nil {
		t.Fatal(ds.Err())
	}
	hash, herr := p.Hash(in)
	if herr != nil {
		t.Fatal(herr)
	}
	if want := `"plan_hash": "` + hash + `"`; !strings.Contains(string(b), want) {
		t.Errorf("report.json lacks %s:\n%s", want, b)
	}
}

// The trial's case on PostgreSQL: a receiving table created beforehand
// with numeric(5,0) where the schema says decimal(5,1) would have stored
// 60.5 as 61 under PASS. The run refuses, naming the table and column,
// and writes nothing.
func TestRunRefusesNumeric50OnPostgreSQL(t *testing.T) {
	tgt := pgtest.NewDatabase(t)
	pgtest.Exec(t, tgt, `CREATE TABLE visit (visit_id bigint PRIMARY KEY, weight_kg numeric(5,0))`)
	dir, plan, src := visitFixture(t, [][]connectors.Value{{int64(1), int64(10), "60,5"}}, visitMapping)
	_, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
	want := "table visit, column weight_kg: type differs: the existing table has numeric(5,0), the schema declares decimal(5,1) (created as numeric(5,1))"
	if !errors.Is(err, plans.ErrTargetDiffers) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "archive")); err == nil {
		t.Error("the refused run created the archive directory")
	}
}

// A form-store entity whose row the receiving dialect refuses (SQLite
// stores -0.0 as 0) is archived, and its value rows with it: before, they
// were counted migrated into a row that was never written, under PASS.
func TestEntityTheTargetRefusesArchivesItsValues(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde")}},
	}, map[string][][]connectors.Value{
		"instans": {{int64(1)}},
		"varde":   {{int64(1), int64(1), "vikt", "70"}, {int64(2), int64(1), "vikt_delta", "x"}},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: bigint}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: weight_change, type: double}
`)
	writeEAVMapping(t, dir, `    columns:
      registration_id: id
      weight_kg: {expr: decimal(vikt)}
      weight_change: {expr: "vikt_delta == nil ? nil : -0.0"}
    drop: {varde_id: the value row's own number}
`)
	rep := runOnSQLite(t, loadPlan(t, writePlan(t, dir, "")), srcURL, dir, nil)
	checkLedger(t, rep, false, map[string]string{
		"instans": summary(0, 1, 0, map[string]int64{"negative_zero": 1}),
		"varde":   summary(0, 2, 0, map[string]int64{"negative_zero": 2}),
	})
}

// A receiving key computed from the source's own key by an expression
// that merges keys (id % 10) still archives the later record as
// duplicate_key: skipping the key set is only for a key copied as it is.
func TestTransformedSourceKeyDuplicatesAreArchived(t *testing.T) {
	rows := [][]connectors.Value{
		{int64(3), int64(10), "60"},
		{int64(4), int64(11), "70"},
		{int64(13), int64(12), "61"}, // 13 % 10 == 3
	}
	dir, plan, src := visitFixture(t, rows, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: {expr: id % 10}
      weight_kg: {expr: decimal(vikt)}
    drop: {nr: unused here}
`)
	p := loadPlan(t, plan)
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	if got := ledgerOf(rep, false)["besok"]; got != summary(2, 1, 0, map[string]int64{plans.ReasonDuplicateKey: 1}) {
		t.Fatalf("ledger %s", got)
	}
	recs := readArchived(t, dir, "besok")
	if len(recs) != 1 || keyOf(recs[0]) != "13" || recs[0].Reason != plans.ReasonDuplicateKey || !strings.Contains(recs[0].Detail, "besok with key (3)") {
		t.Fatalf("archived %+v, want record 13 as duplicate_key of record 3", recs)
	}
}

// On MariaDB a receiving table created beforehand with double(20,10)
// where the schema says double rounded every weight to ten decimals
// without a warning, and the run passed: the catalogue reads the column
// as a double, and the change is below the default float tolerance. The
// run refuses, naming the table and column, and writes nothing.
func TestRunRefusesRoundingDoubleOnMariaDB(t *testing.T) {
	tgt := mytest.NewDatabase(t)
	mytest.Exec(t, tgt, "CREATE TABLE visit (visit_id bigint NOT NULL PRIMARY KEY, weight_kg double(20,10))")
	rep, err := runVisitWeights(t, tgt)
	want := "table visit, column weight_kg: type differs: the existing table has double(20,10), the schema declares double"
	if !errors.Is(err, plans.ErrTargetDiffers) || !strings.Contains(err.Error(), want) {
		var stored float64
		if qerr := mytest.Open(t, tgt).QueryRow("SELECT weight_kg FROM visit WHERE visit_id = 10").Scan(&stored); qerr == nil {
			t.Logf("the target holds %v for 61.23456789012345", stored)
		}
		t.Fatalf("got %v (pass %v)\nwant %q", err, rep != nil && rep.Pass, want)
	}
	if n := countRows(t, tgt, "visit"); n != 0 {
		t.Errorf("the refused run wrote %d rows", n)
	}
}

// On MariaDB a JSON column is longtext under CHECK (json_valid(col)); one
// made by hand in latin1 read as the declared json, and the load, which
// sends UTF-8 bytes unconverted, stored {"namn":"Åsa"} as the latin1 text
// {"namn":"Ã…sa"} without a warning; only the end check, after every row
// was written, failed the run. The run refuses such a table before
// writing, naming the column and its character set.
func TestRunRefusesLatin1JSONOnMariaDB(t *testing.T) {
	tgt := mytest.NewDatabase(t)
	mytest.Exec(t, tgt, "CREATE TABLE note (note_id bigint NOT NULL PRIMARY KEY, body longtext CHARACTER SET latin1 CHECK (json_valid(body)))")
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{{Name: "anteckning", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("text")}}},
		map[string][][]connectors.Value{"anteckning": {{int64(1), `{"namn":"Åsa"}`}, {int64(2), `{"namn":"Bo"}`}}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: note
    primary_key: [note_id]
    columns:
      - {name: note_id, type: bigint}
      - {name: body, type: json}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: note
    source: anteckning
    columns:
      note_id: id
      body: {from: text, cast: json}
`)
	rep, err := plans.Run(context.Background(), loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
	want := "table note, column body: type differs: the existing table has longtext (latin1), the schema declares json"
	if !errors.Is(err, plans.ErrTargetDiffers) || !strings.Contains(err.Error(), want) {
		var stored string
		if qerr := mytest.Open(t, tgt).QueryRow("SELECT CONVERT(body USING utf8mb4) FROM note WHERE note_id = 1").Scan(&stored); qerr == nil {
			t.Logf("the target holds %s", stored)
		}
		var problems []string
		if rep != nil {
			problems = rep.Problems
		}
		t.Fatalf("got %v (pass %v, problems %q)\nwant %q", err, rep != nil && rep.Pass, problems, want)
	}
	if n := countRows(t, tgt, "note"); n != 0 {
		t.Errorf("the refused run wrote %d rows", n)
	}
}

// A receiving table made by hand on MyISAM keeps a batch's rows when the
// batch's transaction rolls back (a failed commit, a killed run), so the
// resumed run would write them again: the run refuses it before writing,
// naming its engine.
func TestRunRefusesANonTransactionalTableOnMariaDB(t *testing.T) {
	tgt := mytest.NewDatabase(t)
	mytest.Exec(t, tgt, "CREATE TABLE visit (visit_id bigint NOT NULL PRIMARY KEY, weight_kg double) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin")
	_, err := runVisitWeights(t, tgt)
	want := "table visit: storage engine differs: the existing table has MyISAM, regflytt creates InnoDB"
	if !errors.Is(err, plans.ErrTargetDiffers) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant %q", err, want)
	}
	if n := countRows(t, tgt, "visit"); n != 0 {
		t.Errorf("the refused run wrote %d rows", n)
	}
}

// runVisitWeights runs a plan that moves two visits' weights (one with
// more decimals than ten) from an SQLite legacy table into the receiving
// table visit (visit_id bigint, weight_kg double) of target tgt.
func runVisitWeights(t *testing.T, tgt string) (*verify.Report, error) {
	t.Helper()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		intCol("id"), intCol("nr"), {Name: "vikt", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
	}}}, map[string][][]connectors.Value{"besok": {{int64(1), int64(10), 61.23456789012345}, {int64(2), int64(11), 70.5}}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: weight_kg, type: double}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns:
      visit_id: nr
      weight_kg: vikt
    drop: {id: the visit is known by its number}
`)
	return plans.Run(context.Background(), loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
}

// A receiving table made by hand with the server's default collation
// (utf8mb4_general_ci: case- and accent-insensitive) takes the source's
// distinct codes 'ABC' and 'abc' for one key: the run used to pass every
// check before writing and stop at its first write, on a duplicate key.
// It is refused before writing, naming table, column and collation.
func TestRunRefusesACaseInsensitiveKeyOnMariaDB(t *testing.T) {
	err := unitRefusedBeforeWriting(t,
		mariadbWith("CREATE TABLE unit (code varchar(20) NOT NULL PRIMARY KEY, label varchar(40) COLLATE utf8mb4_nopad_bin) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"),
		"table unit, column code: collation differs: the existing table has utf8mb4_general_ci, regflytt creates utf8mb4_nopad_bin")
	if strings.Contains(err.Error(), "column label") {
		t.Errorf("the column made with the created collation is reported too: %v", err)
	}
}

// The same on SQLite: a key column made COLLATE NOCASE (or RTRIM) by hand
// takes 'ABC' and 'abc' for one key, and the run used to stop at its
// first write on a UNIQUE constraint failure. The collation is in the
// table's SQL only, as for a key of a PRIMARY KEY table constraint.
func TestRunRefusesACaseInsensitiveKeyOnSQLite(t *testing.T) {
	for _, c := range []struct{ ddl, want string }{
		{`CREATE TABLE unit (code VARCHAR(20) NOT NULL PRIMARY KEY COLLATE NOCASE, label VARCHAR(40) COLLATE BINARY)`,
			"table unit, column code: collation differs: the existing table has NOCASE, regflytt creates BINARY"},
		{`CREATE TABLE unit (code VARCHAR(20) NOT NULL, label VARCHAR(40), PRIMARY KEY (code COLLATE rtrim))`,
			"table unit, column code: collation differs: the existing table has rtrim, regflytt creates BINARY"},
	} {
		err := unitRefusedBeforeWriting(t, sqliteWith(c.ddl), c.want)
		if strings.Contains(err.Error(), "column label") {
			t.Errorf("the column of the created collation is reported too: %v", err)
		}
	}
}

// The same on PostgreSQL: a key column of a nondeterministic collation
// (an ICU one at strength 2 is case-insensitive) takes 'ABC' and 'abc'
// for one key, and the run used to stop at its first write on a
// duplicate key. A deterministic collation other than the database's
// default compares bytes for equality and is left alone.
func TestRunRefusesACaseInsensitiveKeyOnPostgreSQL(t *testing.T) {
	t.Parallel()
	err := unitRefusedBeforeWriting(t, postgresWith(
		"CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
		`CREATE TABLE unit (code varchar(20) COLLATE nocase NOT NULL PRIMARY KEY, label varchar(40) COLLATE "C")`),
		"table unit, column code: collation differs: the existing table has nocase (nondeterministic)")
	if strings.Contains(err.Error(), "column label") {
		t.Errorf("the column of a deterministic collation is reported too: %v", err)
	}
}

// unitFixture is a legacy table enhet whose text key holds 'ABC' and
// 'abc' after 50 other codes, and a plan mapping it into unit (code
// varchar(20) key, label).
func unitFixture(t *testing.T) (dir, plan, srcURL string) {
	t.Helper()
	dir = t.TempDir()
	srcURL = "sqlite://" + filepath.Join(dir, "legacy.db")
	code := textCol("kod")
	code.Nullable = false
	var rows [][]connectors.Value
	for i := range 50 {
		rows = append(rows, []connectors.Value{fmt.Sprintf("K%03d", i), "x"})
	}
	rows = append(rows, []connectors.Value{"ABC", "upper"}, []connectors.Value{"abc", "lower"})
	writeTables(t, srcURL, []connectors.Table{{Name: "enhet", PrimaryKey: []string{"kod"}, Columns: []connectors.Column{
		code, textCol("namn"),
	}}}, map[string][][]connectors.Value{"enhet": rows})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: unit
    primary_key: [code]
    columns:
      - {name: code, type: varchar(20)}
      - {name: label, type: varchar(40)}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: unit
    source: enhet
    columns:
      code: kod
      label: namn
`)
	return dir, writePlan(t, dir, ""), srcURL
}

// A SQLite receiving table made by hand with an ON CONFLICT clause
// resolves a conflict its own way: a key conflict under PRIMARY KEY ON
// CONFLICT REPLACE deletes the row already written, UNIQUE ON CONFLICT
// IGNORE drops the new one, NOT NULL ON CONFLICT REPLACE writes the
// default for a NULL, all without an error. The run used to write into
// such a table: under UNIQUE ON CONFLICT IGNORE the second visit of one
// weight was dropped and only the final accounting failed the run, the
// others ran on a table that would replace rows the moment a key met one
// (the duplicate number here is archived before writing). It refuses
// such a table before writing, naming the clause.
func TestRunRefusesSQLiteConflictClauses(t *testing.T) {
	// Visits 1 and 2 weigh the same; visits 2 and 3 have one number.
	rows := [][]connectors.Value{{int64(1), int64(10), "60,5"}, {int64(2), int64(11), "60,5"}, {int64(3), int64(11), "70"}}
	cases := []struct{ name, ddl, want string }{
		{"primary key replace", `CREATE TABLE visit (visit_id INTEGER NOT NULL PRIMARY KEY ON CONFLICT REPLACE, weight_kg DECIMAL_TEXT(5,1))`,
			"table visit, column visit_id: PRIMARY KEY ON CONFLICT REPLACE"},
		{"unique ignore", `CREATE TABLE visit (visit_id INTEGER NOT NULL PRIMARY KEY, weight_kg DECIMAL_TEXT(5,1) UNIQUE ON CONFLICT IGNORE)`,
			"table visit, column weight_kg: UNIQUE ON CONFLICT IGNORE"},
		{"table constraint", "CREATE TABLE \"visit\" (\"visit_id\" INTEGER NOT NULL, weight_kg DECIMAL_TEXT(5,1), -- one per number\n CONSTRAINT pk PRIMARY KEY (\"visit_id\") on conflict replace)",
			"table visit: CONSTRAINT pk PRIMARY KEY (\"visit_id\") on conflict replace"},
		{"not null replace", `CREATE TABLE visit (visit_id INTEGER NOT NULL ON CONFLICT REPLACE DEFAULT 0 PRIMARY KEY, weight_kg DECIMAL_TEXT(5,1))`,
			"table visit, column visit_id: NOT NULL ON CONFLICT REPLACE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, plan, src := visitFixture(t, rows, visitMapping)
			path := filepath.Join(dir, "t.db")
			execSQLite(t, path, c.ddl)
			tgt := "sqlite://" + path
			_, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if !errors.Is(err, plans.ErrTargetDiffers) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v\nwant %q", err, c.want)
			}
			if n := countRows(t, tgt, "visit"); n != 0 {
				t.Errorf("the refused run wrote %d rows", n)
			}
		})
	}
}

// existingTarget makes a target database that holds a receiving table
// made beforehand, in dir or on a server, and gives its URL.
type existingTarget func(t *testing.T, dir string) string

func sqliteWith(stmts ...string) existingTarget {
	return func(t *testing.T, dir string) string {
		path := filepath.Join(dir, "t.db")
		execSQLite(t, path, stmts...)
		return "sqlite://" + path
	}
}

func postgresWith(stmts ...string) existingTarget {
	return func(t *testing.T, dir string) string {
		u := pgtest.NewDatabase(t)
		pgtest.Exec(t, u, stmts...)
		return u
	}
}

func mariadbWith(stmts ...string) existingTarget {
	return func(t *testing.T, dir string) string {
		u := mytest.NewDatabase(t)
		mytest.Exec(t, u, stmts...)
		return u
	}
}

// unitRefusedBeforeWriting runs unitFixture's plan into the target made
// and requires it refused before writing (ErrTargetDiffers, naming want,
// no unit row written); it gives the refusal.
func unitRefusedBeforeWriting(t *testing.T, target existingTarget, want string) error {
	t.Helper()
	dir, plan, src := unitFixture(t)
	tgt := target(t, dir)
	_, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
	if !errors.Is(err, plans.ErrTargetDiffers) || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v\nwant %q", err, want)
	}
	if n := countRows(t, tgt, "unit"); n != 0 {
		t.Errorf("the refused run wrote %d rows", n)
	}
	return err
}

// A unique index the receiving schema does not declare (over plain
// columns, an expression, part of the rows, or comparing by another
// collation) refuses rows the declared key lets through: the run used to
// pass every check and stop at its first such row with the target half
// written. A trigger can change or drop the rows written without an
// error. Each is refused before writing on every dialect, naming the
// index with its columns or expression, or the trigger.
func TestRunRefusesUndeclaredUniqueIndexesAndTriggers(t *testing.T) {
	t.Parallel()
	const unit = "CREATE TABLE unit (code varchar(20) NOT NULL PRIMARY KEY, label varchar(40))"
	const myUnit = unit + " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"
	for _, c := range []struct {
		name   string
		target existingTarget
		want   string
	}{
		{"SQLitePlain", sqliteWith(unit, "CREATE UNIQUE INDEX unit_label ON unit (label)"),
			"table unit: unique index unit_label (label): the schema does not declare it so"},
		{"SQLiteNocase", sqliteWith(unit, "CREATE UNIQUE INDEX unit_label ON unit (label COLLATE NOCASE)"),
			"table unit: unique index unit_label, made CREATE UNIQUE INDEX unit_label ON unit (label COLLATE NOCASE)"},
		{"SQLiteTrigger", sqliteWith(unit, "CREATE TRIGGER unit_drop BEFORE INSERT ON unit WHEN NEW.label = 'lower' BEGIN SELECT RAISE(IGNORE); END"),
			"table unit: trigger unit_drop: regflytt creates none"},
		{"PostgreSQLConstraint", postgresWith(unit, "ALTER TABLE unit ADD CONSTRAINT unit_label UNIQUE (label)"),
			"table unit: unique index unit_label (label): the schema does not declare it so"},
		{"PostgreSQLExpression", postgresWith(unit, "CREATE UNIQUE INDEX unit_lower ON unit (lower(code))"),
			"table unit: unique index unit_lower, made CREATE UNIQUE INDEX unit_lower ON public.unit USING btree (lower((code)::text))"},
		{"PostgreSQLTrigger", postgresWith(unit,
			"CREATE FUNCTION drop_row() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$",
			"CREATE TRIGGER unit_drop BEFORE INSERT ON unit FOR EACH ROW EXECUTE FUNCTION drop_row()"),
			"table unit: trigger unit_drop: regflytt creates none"},
		{"MariaDBPlain", mariadbWith(myUnit, "CREATE UNIQUE INDEX unit_label ON unit (label)"),
			"table unit: unique index unit_label (label): the schema does not declare it so"},
		{"MariaDBPrefix", mariadbWith(myUnit, "CREATE UNIQUE INDEX unit_code ON unit (code(2))"),
			"table unit: unique index unit_code (code(2)): the schema does not declare it so"},
		{"MariaDBTrigger", mariadbWith(myUnit, "CREATE TRIGGER unit_upper BEFORE INSERT ON unit FOR EACH ROW SET NEW.label = UPPER(NEW.label)"),
			"table unit: trigger unit_upper: regflytt creates none"},
	} {
		t.Run(c.name, func(t *testing.T) { unitRefusedBeforeWriting(t, c.target, c.want) })
	}
}

// A foreign key or CHECK constraint the receiving schema does not declare
// refuses rows the run writes (a parent the run never writes, a range the
// mapping does not know): the run used to pass every check and stop at
// its first such row with the target half written; an ON DELETE action
// changes rows out of its sight. Each is refused before writing on every
// dialect, named with its definition, a foreign key found both in the
// catalogue and by the dialect's checker once.
func TestRunRefusesUndeclaredForeignKeysAndChecks(t *testing.T) {
	t.Parallel()
	const parent = "CREATE TABLE parent (code varchar(20) NOT NULL PRIMARY KEY)"
	const fk = "CREATE TABLE unit (code varchar(20) NOT NULL PRIMARY KEY, label varchar(40), CONSTRAINT unit_parent FOREIGN KEY (code) REFERENCES parent (code)%s)"
	const check = "CREATE TABLE unit (code varchar(20) NOT NULL PRIMARY KEY, label varchar(40), CONSTRAINT unit_short CHECK (label <> 'lower'))"
	const my = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"
	for _, c := range []struct {
		name   string
		target existingTarget
		want   string
	}{
		{"SQLiteForeignKey", sqliteWith(parent, fmt.Sprintf(fk, "")),
			"table unit: foreign key fk_unit_0 (code) REFERENCES parent (code): regflytt makes only the declared foreign keys"},
		{"SQLiteCascade", sqliteWith(parent, fmt.Sprintf(fk, " ON DELETE CASCADE")),
			"table unit: foreign key fk_unit_0, made CONSTRAINT unit_parent FOREIGN KEY (code) REFERENCES parent (code) ON DELETE CASCADE: regflytt makes only"},
		{"SQLiteCheck", sqliteWith(check),
			"table unit: check constraint CONSTRAINT unit_short CHECK (label <> 'lower'): regflytt creates no such check"},
		{"PostgreSQLForeignKey", postgresWith(parent, fmt.Sprintf(fk, "")),
			"table unit: foreign key unit_parent (code) REFERENCES parent (code): regflytt makes only the declared foreign keys"},
		{"PostgreSQLDeferred", postgresWith(parent, fmt.Sprintf(fk, " DEFERRABLE INITIALLY DEFERRED")),
			"table unit: foreign key unit_parent, made FOREIGN KEY (code) REFERENCES parent(code) DEFERRABLE INITIALLY DEFERRED: regflytt makes only"},
		{"PostgreSQLCheck", postgresWith(check),
			"table unit: check constraint unit_short, made CHECK (((label)::text <> 'lower'::text)): regflytt creates no such check"},
		{"MariaDBForeignKey", mariadbWith(parent+my, fmt.Sprintf(fk, "")+my),
			"table unit: foreign key unit_parent (code) REFERENCES parent (code): regflytt makes only the declared foreign keys"},
		{"MariaDBCascade", mariadbWith(parent+my, fmt.Sprintf(fk, " ON DELETE CASCADE")+my),
			"table unit: foreign key unit_parent, made FOREIGN KEY (code) REFERENCES parent (code) ON DELETE CASCADE ON UPDATE RESTRICT: regflytt makes only"},
		{"MariaDBCheck", mariadbWith(check + my),
			"table unit: check constraint unit_short, made CHECK (`label` <> 'lower'): regflytt creates no such check"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := unitRefusedBeforeWriting(t, c.target, c.want)
			if n := strings.Count(err.Error(), "foreign key "); n > 1 {
				t.Errorf("one foreign key is named %d times:\n%v", n, err)
			}
		})
	}
}
