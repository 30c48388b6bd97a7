package plans_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/plans"
)

// A legacy database on MariaDB whose patient keys are text under the
// server's collations: a visit whose key to its patient is another
// spelling of the patient's key, as the column's collation compares (its
// patient to a JOIN). Visits of the opted-out patient must be excluded,
// or the run refuse: archived as orphans, the opted-out patient's visit
// stays in the archive and run and verify pass (the orphans
// acknowledged). The cases are the form store's (mariaFormCases), the
// form being the patient and the spelling the second visit's key.
//
// Each case is read as the tables are, through a select: of their
// columns and through one computing the keys (concat(k) keeps the
// column's collation, and MariaDB joins under it): a select:'s columns named no
// collation and were taken for untailored, so under a tailored one
// (danish 'aab' for 'åb', german2 'aeb' for 'äb') a visit joining its
// patient was archived as an orphan, run passing.
func TestRunParentKeyMariaDBSpelledAsTheCollationJoins(t *testing.T) {
	withParentOutcomesSpilled(t, func(t *testing.T) {
		for _, sel := range parentSelects {
			for _, c := range mariaParentCases {
				t.Run(fmt.Sprintf("%s, select %q", c.name, sel), func(t *testing.T) {
					ctx := context.Background()
					dir := t.TempDir()
					src := mariaLegacy(t, dir, c)
					readThroughSelect(t, dir, sel)
					write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
					plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {archived_share.besok: visits of deleted patients}}\n")
					opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
					rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
					if err != nil {
						checkParentRefusal(t, err)
						return
					}
					pkg, err := archive.OpenVerified(filepath.Join(dir, "archive"))
					if err != nil {
						t.Fatal(err)
					}
					for _, ts := range pkg.Tables() {
						if ts.Table == "besok" && ts.Records != 0 {
							t.Fatalf("pass %v with the opted-out patient's visit in the archive: %v (ledger %v)", rep.Pass, archiveRecords(t, filepath.Join(dir, "archive"), "besok"), ledgerOf(rep, false))
						}
					}
					if got, want := ledgerOf(rep, false)["besok"], summary(1, 0, 2, map[string]int64{}); got != want {
						t.Fatalf("visits ledger %s, want %s", got, want)
					}
					if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
						t.Fatalf("verify of the run: %v", err)
					}
				})
			}
		}
	})
}

// With the patient migrated, the visit spelled otherwise can neither
// migrate (its key matches no receiving row) nor be archived as an
// orphan (the source says its patient exists): the run refuses.
func TestRunParentKeyMariaDBSpelledAsTheCollationJoinsRefused(t *testing.T) {
	withParentOutcomesSpilled(t, func(t *testing.T) {
		for _, sel := range parentSelects {
			for _, c := range mariaParentCases {
				t.Run(fmt.Sprintf("%s, select %q", c.name, sel), func(t *testing.T) {
					dir := t.TempDir()
					src := mariaLegacy(t, dir, c)
					readThroughSelect(t, dir, sel)
					plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\nverification: {acknowledge: {archived_share.besok: visits of deleted patients}}\n")
					rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
					if err == nil {
						t.Fatalf("a visit whose key matches its patient only under %s was not refused: pass %v, ledger %v, archived %v", c.collation, rep.Pass, ledgerOf(rep, false), archiveRecords(t, filepath.Join(dir, "archive"), "besok"))
					}
					checkParentRefusal(t, err)
				})
			}
		}
	})
}

// parentSelects are the ways the legacy tables are read: as they are,
// through a select: of their columns, through one computing the keys.
var parentSelects = []string{"", "columns", "computed"}

// mariaParentCases are the form store's cases and collations tailored
// beyond case and accents, whose joins folding does not know: danish
// takes 'aa' for 'å', german2 'ae' for 'ä', lithuanian 'y' for 'i' and
// roman 'j' for 'i' (the last two among printable ASCII).
var mariaParentCases = append(append([]mariaFormCase(nil), mariaFormCases...),
	mariaFormCase{"danish aa", "utf8mb4_danish_ci", "'\u00e5b'", "'aab'", false},
	mariaFormCase{"german2 ae", "utf8mb4_german2_ci", "'\u00e4b'", "'aeb'", false},
	mariaFormCase{"lithuanian y", "utf8mb4_lithuanian_ci", "'yab'", "'iab'", false},
	mariaFormCase{"roman j", "utf8mb4_roman_ci", "'jab'", "'iab'", false},
)

// readThroughSelect rewrites the legacy mapping (mariaLegacyFiles) to
// read patient and besok through a select: of their columns ("columns")
// or one computing the keys ("computed"); "" leaves it as it is.
func readThroughSelect(t *testing.T, dir, sel string) {
	t.Helper()
	if sel == "" {
		return
	}
	patientKey, visitKey := "id", "patient_id"
	if sel == "computed" {
		// concat(k) keeps the value and the column's collation (so
		// would trim, but trim changes 'sab ', which the run's end check
		// then holds against the table's patient_id).
		patientKey, visitKey = "concat(id) AS id", "concat(patient_id) AS patient_id"
	}
	m := filepath.Join(dir, "m.yaml")
	b, err := os.ReadFile(m)
	if err != nil {
		t.Fatal(err)
	}
	write(t, m, strings.NewReplacer(
		"source: patient\n", "source: {table: patient, select: 'SELECT "+patientKey+", personnr FROM patient'}\n",
		"source: besok\n", "source: {table: besok, select: 'SELECT id, "+visitKey+", datum FROM besok'}\n",
	).Replace(string(b)))
}

// mariaLegacy writes patients 'Abc' (19460101-0301) and c.form
// (19121212-1212) on a new MariaDB database, with visit 1 to c.form, 2 to
// c.spelled and 3 to 'Abc', and the schema and mapping beside them.
func mariaLegacy(t *testing.T, dir string, c mariaFormCase) string {
	t.Helper()
	u := mytest.NewDatabase(t)
	col := "varchar(20) CHARACTER SET utf8mb4 COLLATE " + c.collation
	mytest.Exec(t, u,
		`CREATE TABLE patient (id `+col+` PRIMARY KEY NOT NULL, personnr varchar(20))`,
		`CREATE TABLE besok (id integer PRIMARY KEY NOT NULL, patient_id `+col+`, datum varchar(10))`,
		`INSERT INTO patient VALUES ('Abc', '19460101-0301'), (`+c.form+`, '19121212-1212')`,
		`INSERT INTO besok VALUES (1, `+c.form+`, '2024-01-01'), (2, `+c.spelled+`, '2024-01-02'), (3, 'Abc', '2024-01-03')`,
	)
	db := mytest.Open(t, u)
	defer db.Close()
	var joined int
	if err := db.QueryRow(`SELECT COUNT(*) FROM besok b JOIN patient p ON p.id = b.patient_id WHERE p.personnr = '19121212-1212'`).Scan(&joined); err != nil {
		t.Fatal(err)
	}
	if joined != 2 {
		t.Fatalf("MariaDB joins %d visits to the patient, want 2: not the case the test means", joined)
	}
	mariaLegacyFiles(t, dir)
	return u
}

// mariaLegacyFiles writes the receiving schema and the mapping of the
// legacy tables patient and besok.
func mariaLegacyFiles(t *testing.T, dir string) {
	t.Helper()
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
}

// checkParentRefusal checks that a refusal names the visits table, the
// patients table and the key column, and prints no key.
func checkParentRefusal(t *testing.T, err error) {
	t.Helper()
	msg, _, _ := strings.Cut(err.Error(), "\n")
	for _, want := range []string{"besok", "patient", "patient_id"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if strings.Contains(msg, "sab") || strings.Contains(msg, "yab") || strings.Contains(msg, "sae") {
		t.Errorf("error prints the key: %v", err)
	}
}

// Orphans whose parent folding can rule out are still archived: a key of
// printable ASCII under a blind collation, among parent keys of printable
// ASCII, one of Swedish letters under a Swedish collation, and any key
// under a byte-wise collation (SQLite's BINARY here).
func TestRunParentOrphansTheFoldIsSureOfAreArchived(t *testing.T) {
	t.Parallel()
	stmts := func(col, orphan string) []string {
		return []string{
			`CREATE TABLE patient (id ` + col + ` PRIMARY KEY NOT NULL, personnr varchar(20))`,
			`CREATE TABLE besok (id integer PRIMARY KEY NOT NULL, patient_id ` + col + `, datum varchar(10))`,
			`INSERT INTO patient VALUES ('Abc', '19460101-0301'), ('sab', '19121212-1212')`,
			`INSERT INTO besok VALUES (1, 'sab', '2024-01-01'), (2, ` + orphan + `, '2024-01-02'), (3, 'Abc', '2024-01-03')`,
		}
	}
	checkOrphansArchived(t, stmts, mariaLegacyFiles, "besok", "visits of deleted patients", "visits")
}
