package plans_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"

	_ "modernc.org/sqlite" // the driver the fixture is written with
)

// A legacy database whose keys are text under a case-blind collation
// (SQLite NOCASE here; MariaDB's utf8mb4_general_ci, which also ignores
// trailing spaces and most accents) lets a visit point at its patient as
// 'ABC' where the patient's key is 'abc': the same row to the database.
// regflytt compares keys byte for byte, found no parent and archived the
// visit as an orphan, with its values. When the patient opted out, that
// kept an opted-out patient's visit in the archive, and the run passed
// (the list entry had matched the patient). A child of an excluded parent
// must be excluded, or the run refuse keys it cannot match as the source
// does.
func TestRunParentKeyInCaseBlindCollation(t *testing.T) {
	withParentOutcomesSpilled(t, testParentKeyInCaseBlindCollation)
}

// withParentOutcomesSpilled runs test with the parents' outcomes in
// memory, then spilled to SQLite from the first record, as a large
// parent table's are.
func withParentOutcomesSpilled(t *testing.T, test func(*testing.T)) {
	t.Helper()
	t.Run("outcomes in memory", test)
	t.Run("outcomes spilled", func(t *testing.T) {
		plans.SetParentMemory(t, 0)
		test(t)
	})
}

func testParentKeyInCaseBlindCollation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcPath := caseBlindLegacy(t, dir)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: "sqlite://" + srcPath, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err != nil {
		return // refused: no wrong result
	}
	if rep.Pass {
		pkg, err := archive.OpenVerified(filepath.Join(dir, "archive"))
		if err != nil {
			t.Fatal(err)
		}
		for _, ts := range pkg.Tables() {
			if ts.Table == "besok" && ts.Records != 0 {
				t.Fatalf("PASS with the opted-out patient's visit in the archive: %v (ledger %v)", archiveRecords(t, filepath.Join(dir, "archive"), "besok"), ledgerOf(rep, false))
			}
		}
	}
}

// With the parent migrated, a child that matches it only after folding
// can neither be migrated (its key matches no receiving row byte for
// byte) nor archived as an orphan (the source says it has a parent): the
// run refuses, naming the tables and the key column, not the key.
func TestRunParentKeyInCaseBlindCollationRefused(t *testing.T) {
	withParentOutcomesSpilled(t, testParentKeyInCaseBlindCollationRefused)
}

func testParentKeyInCaseBlindCollationRefused(t *testing.T) {
	dir := t.TempDir()
	srcPath := caseBlindLegacy(t, dir)
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
	_, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: "sqlite://" + srcPath, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err == nil {
		t.Fatal("a visit whose patient key matches only under the source's case-blind collation was not refused")
	}
	for _, want := range []string{"besok", "patient", "patient_id", "folding"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "ABC") || strings.Contains(err.Error(), "abc") {
		t.Errorf("error prints the key: %v", err)
	}
}

// caseBlindLegacy writes a legacy database whose patient keys are text
// under NOCASE, with visit 1 pointing at 'ABC' for the patient 'abc' (the
// first of the opt-out list), and the schema and mapping beside it.
func caseBlindLegacy(t *testing.T, dir string) string {
	t.Helper()
	ctx := context.Background()
	srcPath := filepath.Join(dir, "legacy.db")
	db, err := sql.Open("sqlite", "file:"+srcPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`CREATE TABLE patient (id TEXT COLLATE NOCASE PRIMARY KEY NOT NULL, personnr TEXT)`,
		`CREATE TABLE besok (id INTEGER PRIMARY KEY NOT NULL, patient_id TEXT COLLATE NOCASE REFERENCES patient(id), datum TEXT)`,
		`INSERT INTO patient VALUES ('abc', '19121212-1212'), ('def', '19460101-0301')`,
		`INSERT INTO besok VALUES (1, 'ABC', '2024-01-01'), (2, 'def', '2024-01-02')`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: patient
    primary_key: [patient_id]
    columns: [{name: patient_id, type: text}]
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}, {name: patient_id, type: text}, {name: visit_date, type: date}]
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: patient
    source: patient
    person: personnr
    columns: {patient_id: id}
  - target: visit
    source: besok
    parent: {table: patient, key: [patient_id]}
    columns: {visit_id: id, patient_id: patient_id, visit_date: {expr: date(datum)}}
`)
	return srcPath
}
