package plans_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"

	_ "modernc.org/sqlite" // the driver the fixture is written with
)

// A form store whose entity ids are text under a case-blind collation
// (SQLite NOCASE here; MariaDB's utf8mb4_general_ci, which also ignores
// trailing spaces) holds value rows that name their entity 'ABC' where the
// entity's id is 'abc': the same form to the database, in an order Go
// agrees with. The merge of entities and values compared byte for byte,
// found no entity and archived the value as an orphan. With the form's
// patient opted out, the opted-out patient's value stayed in the archive
// and the run passed; with the form migrated, the receiving row lacked a
// value the source's form holds and the run passed too. As for a parent
// (parent_collation_test.go): a value of an excluded entity is excluded,
// and one the run cannot attach as the source does is refused.
func TestRunEAVValueEntityInCaseBlindCollation(t *testing.T) {
	t.Parallel()
	for name, change := range map[string][]string{
		"case": nil,
		// 'ABC' sorts below 'abb' in Go: met as an orphan while on a
		// form without values, before its own.
		"case, an empty form before": {`INSERT INTO instans VALUES ('abb', '19460101-0301')`},
		// 'abc ' sorts after 'abc': met while on 'def'.
		"trailing space": {`UPDATE varde SET instans_id = 'abc ' WHERE instans_id = 'ABC'`},
	} {
		t.Run(name, func(t *testing.T) { testEAVValueEntityInCaseBlindCollation(t, change) })
	}
}

func testEAVValueEntityInCaseBlindCollation(t *testing.T, change []string) {
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := caseBlindFormStore(t, dir)
	execSQLite(t, srcPath, change...)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")
	opts := plans.Options{SourceURL: srcURL(srcPath), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if err != nil || !rep.Pass {
		t.Fatalf("a value row of an opted-out form refused instead of excluded: %v", err)
	}
	// verify recomputes the outcomes as the run does, and agrees.
	if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
		t.Fatalf("verify of the run: %v", err)
	}
	pkg, err := archive.OpenVerified(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range pkg.Tables() {
		if ts.Table == "varde" && ts.Records != 0 {
			t.Fatalf("the opted-out patient's value in the archive: %v (ledger %v)", archiveRecords(t, filepath.Join(dir, "archive"), "varde"), ledgerOf(rep, false))
		}
	}
	if got, want := ledgerOf(rep, false)["varde"], summary(1, 0, 2, map[string]int64{}); got != want {
		t.Fatalf("values ledger %s, want %s", got, want)
	}
}

// With the form migrated, its value named in another case can neither
// migrate (the run does not attach it) nor be an orphan (the source says
// its form exists): the run refuses, naming the tables and the column,
// never the id.
func TestRunEAVValueEntityInCaseBlindCollationRefused(t *testing.T) {
	for _, name := range []string{"case", "trailing space"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			srcPath := caseBlindFormStore(t, dir)
			if name == "trailing space" {
				execSQLite(t, srcPath, `UPDATE varde SET instans_id = 'abc ' WHERE instans_id = 'ABC'`)
			}
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
			_, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL(srcPath), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
			if err == nil {
				t.Fatal("a value row whose entity id matches only under the source's collation was archived as an orphan, and the run passed")
			}
			for _, want := range []string{"varde", "instans", "instans_id", "folding"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not name %q: %v", want, err)
				}
			}
			if strings.Contains(err.Error(), "ABC") || strings.Contains(err.Error(), "abc") {
				t.Errorf("error prints the id: %v", err)
			}
		})
	}
}

// caseBlindFormStore writes a form store whose entity ids are text under
// NOCASE: form 'abc' (of the first patient of the opt-out list) has its
// weight under 'abc' and its height under 'ABC'; form 'def' has one value.
func caseBlindFormStore(t *testing.T, dir string) string {
	t.Helper()
	srcPath := filepath.Join(dir, "legacy.db")
	db, err := sql.Open("sqlite", "file:"+srcPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`CREATE TABLE instans (id TEXT COLLATE NOCASE PRIMARY KEY NOT NULL, personnr TEXT)`,
		`CREATE TABLE varde (instans_id TEXT COLLATE NOCASE NOT NULL, variabel TEXT NOT NULL, varde TEXT, PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES ('abc', '19121212-1212'), ('def', '19460101-0301')`,
		`INSERT INTO varde VALUES ('ABC', 'langd', '180'), ('abc', 'vikt', '72'), ('def', 'vikt', '80')`,
	} {
		if _, err := db.Exec(s); err != nil {
			db.Close()
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: text}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: height_cm, type: integer}
`)
	writeEAVMapping(t, dir, `    person: personnr
    unit: {none: a test form store without units}
    columns:
      registration_id: id
      weight_kg: {expr: decimal(vikt)}
      height_cm: {expr: integer(langd)}
`)
	return srcPath
}

// Orphans with text ids wait for the next form with values before they
// are counted, and a batch is not committed while they wait: a run of
// such a store stopped again and again ends like a clean one, every
// orphan archived once. Here every fifth form has no values, and the
// orphan before it ('e004x', between e004 and e005) waits across it.
func TestRunResumesAFormStoreWithWaitingOrphans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "legacy.db")
	stmts := []string{
		`CREATE TABLE instans (id TEXT PRIMARY KEY NOT NULL, datum TEXT)`,
		`CREATE TABLE varde (instans_id TEXT NOT NULL, variabel TEXT NOT NULL, varde TEXT, PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO varde VALUES ('a', 'vikt', '1')`,
	}
	for i := 0; i < 60; i++ {
		id := fmt.Sprintf("e%03d", i)
		stmts = append(stmts, fmt.Sprintf(`INSERT INTO instans VALUES ('%s', '2024-01-%02d')`, id, i%28+1))
		if i%5 != 0 {
			stmts = append(stmts, fmt.Sprintf(`INSERT INTO varde VALUES ('%s', 'vikt', '%d'), ('%s', 'langd', '%d')`, id, 60+i, id, 150+i))
		}
		if i%5 == 4 || i%7 == 0 {
			stmts = append(stmts, fmt.Sprintf(`INSERT INTO varde VALUES ('%sx', 'vikt', '%d')`, id, i))
		}
	}
	stmts = append(stmts, `INSERT INTO varde VALUES ('z', 'vikt', '2')`)
	execSQLite(t, srcPath, stmts...)
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: text}
      - {name: registered, type: date}
      - {name: weight_kg, type: "decimal(5,1)"}
      - {name: height_cm, type: integer}
`)
	writeEAVMapping(t, dir, `    no_person: a test form store without persons
    unit: {none: a test form store without units}
    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
      height_cm: {expr: integer(langd)}
`)
	p := loadPlan(t, writePlan(t, dir, ""))
	p.BatchSize = 2
	src := srcURL(srcPath)
	cleanTgt := "sqlite://" + filepath.Join(dir, "clean.db")
	rep, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: cleanTgt, WorkDir: filepath.Join(dir, "clean")})
	if err != nil {
		t.Fatal(err)
	}
	// 48 forms with two values each; 19 orphans e…x, and 'a' and 'z'.
	if got, want := ledgerOf(rep, false)["varde"], summary(96, 21, 0, map[string]int64{"orphan": 21}); got != want {
		t.Fatalf("values ledger %s, want %s", got, want)
	}
	tables := receivingTables(t, cleanTgt)
	want := targetDigest(t, cleanTgt, tables)
	for k, v := range archiveDigest(t, filepath.Join(dir, "clean", "archive")) {
		want[k] = v
	}
	tgt := "sqlite://" + filepath.Join(dir, "resumed.db")
	work := filepath.Join(dir, "resumed")
	stops, finished := 0, false
	for _, n := range []int{3, 5, 2, 7, 4, 6} {
		s := &stopAfter{n: n, stop: make(chan struct{})}
		_, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Stop: s.stop, Progress: s})
		if finished = err == nil; finished {
			break
		}
		if !errors.Is(err, plans.ErrInterrupted) {
			t.Fatalf("stop %d: %v", stops, err)
		}
		stops++
	}
	if stops < 4 {
		t.Fatalf("the run was stopped %d times, want at least 4", stops)
	}
	if !finished {
		if rep2, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt}); err != nil || !rep2.Pass {
			t.Fatalf("resumed run: %v", err)
		}
	}
	got := targetDigest(t, tgt, tables)
	for k, v := range archiveDigest(t, filepath.Join(work, "archive")) {
		got[k] = v
	}
	if got.String() != want.String() {
		t.Errorf("resumed run differs from a clean run:\n got %s\nwant %s", got, want)
	}
}

// A form store whose person is a variable (the identity number a value
// row of the form): value rows of a form that no longer exists are
// orphans, and were archived as such, the opted-out patient's identity
// number with them, and the run passed (the list entry matched the
// patient's other form). The orphan form's rows are excluded when one of
// them holds a listed number, as a form's are; another orphan form's
// rows stay archived.
func TestRunEAVOrphanOfAnOptedOutPerson(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	plan, opts := personVariableFormStore(t, dir, "INTEGER", "bigint",
		`INSERT INTO instans VALUES (1, '2024-01-01'), (2, '2024-01-02'), (4, '2024-01-04')`,
		`INSERT INTO varde VALUES (1, 'personnr', '19121212-1212'), (1, 'vikt', '70'),
			(2, 'personnr', '19460101-0301'), (2, 'vikt', '80'),
			(3, 'personnr', '19460101-0301'), (3, 'vikt', '90'),
			(4, 'vikt', '60'),
			(5, 'personnr', '191212121212'), (5, 'vikt', '75')`,
	)
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v", err)
	}
	recs := archiveRecords(t, filepath.Join(dir, "archive"), "varde")
	for k := range recs {
		if strings.HasPrefix(k, "5,") {
			t.Fatalf("PASS with the opted-out patient's orphan value rows in the archive: %v (ledger %v)", recs, ledgerOf(rep, false))
		}
	}
	// Forms 2 and 4 migrate (three values); form 1 and orphan 5 are
	// excluded (four); orphan 3's two rows are archived.
	if got, want := ledgerOf(rep, false)["varde"], summary(3, 2, 4, map[string]int64{"orphan": 2}); got != want {
		t.Fatalf("values ledger %s, want %s", got, want)
	}
	// Form 4 has no personnr: it migrates unchecked, which verification
	// counts and fails on until acknowledged.
	sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
	if err == nil || sum.Pass || !slices.ContainsFunc(sum.Findings, func(f verify.Finding) bool {
		return f.ID == "person_not_checked.instans" && f.Count == 1 && !f.Acknowledged
	}) {
		t.Fatalf("verify of the run: %v, findings %+v: want person_not_checked.instans for form 4", err, sum.Findings)
	}
	write(t, plan, strings.Replace(mustRead(t, plan), "archived_share.varde: a test of orphans", "archived_share.varde: a test of orphans, person_not_checked.instans: form 4 has no number", 1))
	if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
		t.Fatalf("verify of the run: %v %+v", err, sum)
	}
}

// personVariableFormStore writes a form store whose entity ids are of
// SQL type idType (received as receivingID) and whose identity number is
// a form variable, filled by stmts, with an opt-out list of 19121212-1212
// and a plan that runs it into a new SQLite target.
func personVariableFormStore(t *testing.T, dir, idType, receivingID string, stmts ...string) (plan string, opts plans.Options) {
	t.Helper()
	srcPath := filepath.Join(dir, "legacy.db")
	execSQLite(t, srcPath, append([]string{
		`CREATE TABLE instans (id ` + idType + ` PRIMARY KEY NOT NULL, datum TEXT)`,
		`CREATE TABLE varde (instans_id ` + idType + ` NOT NULL, variabel TEXT NOT NULL, varde TEXT, PRIMARY KEY (instans_id, variabel))`,
	}, stmts...)...)
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: registration
    primary_key: [registration_id]
    columns:
      - {name: registration_id, type: `+receivingID+`}
      - {name: registered, type: date}
      - {name: person, type: text}
      - {name: weight_kg, type: "decimal(5,1)"}
`)
	writeEAVMapping(t, dir, `    person: personnr
    unit: {none: a test form store without units}
    columns:
      registration_id: id
      registered: {expr: date(datum)}
      person: {expr: pnr(personnr)}
      weight_kg: {expr: decimal(vikt)}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan = writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {archived_share.varde: a test of orphans}}\n")
	return plan, plans.Options{SourceURL: srcURL(srcPath), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
}

// orphanFormStore is personVariableFormStore keyed by text, with forms
// 'A0' and 'b0' that have values of their own, and value rows stmts adds.
func orphanFormStore(t *testing.T, dir string, stmts ...string) (plan string, opts plans.Options) {
	t.Helper()
	return personVariableFormStore(t, dir, "TEXT", "text", append([]string{
		`INSERT INTO instans VALUES ('A0', '2024-01-01'), ('b0', '2024-01-02')`,
		`INSERT INTO varde VALUES ('A0', 'personnr', '19460101-0301'), ('A0', 'vikt', '80'), ('b0', 'personnr', '19460101-0301'), ('b0', 'vikt', '81')`,
	}, stmts...)...)
}

// Orphan value rows of ids that fold alike ('ABC' and 'abc ', no form of
// either) are one form to a case- and space-blind source: the listed
// number under one id excludes the other's rows too, as an excluded
// entity excludes the values that fold to it. The 'ABC' rows were
// archived, the opted-out patient's weight with them, and the run passed.
func TestRunEAVOrphansOfOneFoldedIDAreExcludedTogether(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	plan, opts := orphanFormStore(t, dir,
		`INSERT INTO varde VALUES ('ABC', 'vikt', '70'), ('abc ', 'personnr', '19121212-1212'), ('abc ', 'langd', '180')`)
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v", err)
	}
	pkg, err := archive.OpenVerified(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range pkg.Tables() {
		if ts.Table == "varde" && ts.Records != 0 {
			t.Fatalf("PASS with the opted-out patient's orphan value rows in the archive: %v (ledger %v)", archiveRecords(t, filepath.Join(dir, "archive"), "varde"), ledgerOf(rep, false))
		}
	}
	if got, want := ledgerOf(rep, false)["varde"], summary(4, 0, 3, map[string]int64{}); got != want {
		t.Fatalf("values ledger %s, want %s", got, want)
	}
	if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
		t.Fatalf("verify of the run: %v %+v", err, sum)
	}
}

// More orphan rows of one id than wait for a decision stop the run: they
// were decided in parts, and a listed number in a later part left the
// earlier parts of an opted-out patient's form in the archive.
func TestRunEAVStopsOnMoreOrphansOfOneIDThanItHolds(t *testing.T) {
	plans.SetMaxFoldOrphans(t, 3)
	dir := t.TempDir()
	plan, opts := orphanFormStore(t, dir,
		`INSERT INTO varde VALUES ('X', 'a', '1'), ('X', 'b', '2'), ('X', 'c', '3'), ('X', 'personnr', '19121212-1212')`)
	_, err := plans.Run(context.Background(), loadPlan(t, plan), opts)
	if err == nil || !strings.Contains(err.Error(), "holds no more") {
		t.Fatalf("got %v, want the run stopped for too many orphan rows of one id", err)
	}
	if strings.Contains(err.Error(), "'X'") {
		t.Errorf("error prints the id: %v", err)
	}
}
