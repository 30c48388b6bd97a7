package plans_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A form store on PostgreSQL whose entity ids are text under a
// nondeterministic ICU collation: as for MariaDB (mariaFormCases), the
// opted-out patient's form has one value row under its id and one under
// another spelling the collation joins with it. Case at strength 2 is
// what folding covers; a numeric collation (kn) takes 'sa01' for 'sa1',
// one that ignores punctuation (ka-shifted) 's-ab' for 'sab', and a
// Swedish one at strength 1 'üab' for 'yab', none of which folding
// joins: FoldLimit took every nondeterministic collation for untailored,
// the ASCII ids for sure, and the value row was archived as an orphan,
// the opted-out patient's value kept in the archive, run and verify
// passing.
type pgFormCase struct {
	name, locale  string
	form, spelled string
	spelledFirst  bool
}

var pgFormCases = []pgFormCase{
	{"case", "und-u-ks-level2", "SAB", "sab", false},
	{"numeric", "und-u-kn-true-ks-level2", "sa01", "sa1", false},
	{"punctuation ignored", "und-u-ka-shifted-ks-level2", "sab", "s-ab", true},
	{"swedish y", "sv-u-ks-level1", "yab", "\u00fcab", false},
	{"fullwidth", "und-u-ks-level2", "sab", "\uff53ab", false},
}

// pgFormStore writes the form store of c on a new PostgreSQL database,
// its ids under collation fc (c.locale, nondeterministic).
func pgFormStore(t *testing.T, dir string, c pgFormCase) string {
	t.Helper()
	u := pgtest.NewDatabase(t)
	first, second := "langd", "vikt"
	if c.spelledFirst {
		first, second = second, first
	}
	pgtest.Exec(t, u,
		`CREATE COLLATION fc (provider = icu, locale = '`+c.locale+`', deterministic = false)`,
		`CREATE TABLE instans (id varchar(20) COLLATE fc PRIMARY KEY NOT NULL, personnr varchar(20))`,
		`CREATE TABLE varde (instans_id varchar(20) COLLATE fc NOT NULL, variabel varchar(20) NOT NULL, varde varchar(40), PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES ('Abc', '19460101-0301'), ('`+c.form+`', '19121212-1212')`,
		`INSERT INTO varde VALUES ('Abc', 'vikt', '80'), ('`+c.form+`', '`+first+`', '180'), ('`+c.spelled+`', '`+second+`', '72')`,
	)
	if n := countQuery(t, u, `SELECT COUNT(*) FROM varde v JOIN instans i ON i.id = v.instans_id WHERE i.personnr = '19121212-1212'`); n != 2 {
		t.Fatalf("PostgreSQL joins %d value rows to the form, want 2: not the case the test means", n)
	}
	mariaFormStoreFiles(t, dir)
	return u
}

func TestRunEAVPostgresValueEntitySpelledAsTheCollationJoins(t *testing.T) {
	for _, c := range pgFormCases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			src := pgFormStore(t, dir, c)
			write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {archived_share.varde: leftover values of deleted forms}}\n")
			opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
			rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
			if err != nil {
				checkPGRefusal(t, err)
				return
			}
			pkg, err := archive.OpenVerified(filepath.Join(dir, "archive"))
			if err != nil {
				t.Fatal(err)
			}
			for _, ts := range pkg.Tables() {
				if ts.Table == "varde" && ts.Records != 0 {
					t.Fatalf("pass %v with the opted-out patient's value in the archive: %v (ledger %v)", rep.Pass, archiveRecords(t, filepath.Join(dir, "archive"), "varde"), ledgerOf(rep, false))
				}
			}
			if got, want := ledgerOf(rep, false)["varde"], summary(1, 0, 2, map[string]int64{}); got != want {
				t.Fatalf("values ledger %s, want %s", got, want)
			}
			if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
				t.Fatalf("verify of the run: %v", err)
			}
		})
	}
}

// With the form migrated, the value spelled otherwise is refused: the
// source says its form exists.
func TestRunEAVPostgresValueEntitySpelledAsTheCollationJoinsRefused(t *testing.T) {
	for _, c := range pgFormCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := pgFormStore(t, dir, c)
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\nverification: {acknowledge: {archived_share.varde: leftover values of deleted forms}}\n")
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
			if err == nil {
				t.Fatalf("a value row whose entity id matches its form only under %s was not refused: pass %v, ledger %v, archived %v", c.locale, rep.Pass, ledgerOf(rep, false), archiveRecords(t, filepath.Join(dir, "archive"), "varde"))
			}
			checkPGRefusal(t, err)
		})
	}
}

// checkPGRefusal checks a refusal names the tables and, where it is the
// fold's, the collation fc; and prints no id.
func checkPGRefusal(t *testing.T, err error) {
	t.Helper()
	checkRefusal(t, err)
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if strings.Contains(msg, "may take") && !strings.Contains(msg, "fc (nondeterministic") {
		t.Errorf("error does not name the collation: %v", err)
	}
}

// A form store whose ids are under a deterministic ICU collation
// (sv-SE-x-icu): PostgreSQL orders 'a' before 'B' and 'é' before 'f',
// Go's bytes the other way round. The merge of forms and values in one pass
// needs Go's order; regflytt reads in the key's collation, so the run
// stops, naming the table, the column and its collation.
func TestRunEAVPostgresOrderOtherThanBytesStops(t *testing.T) {
	for _, c := range []struct{ name, entities, values string }{
		{"case", `('a', '19460101-0301'), ('B', '19460101-0301')`, `('a', 'vikt', '1'), ('B', 'vikt', '2')`},
		{"accent", `('é', '19460101-0301'), ('f', '19460101-0301')`, `('é', 'vikt', '1'), ('f', 'vikt', '2')`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			u := pgtest.NewDatabase(t)
			col := `varchar(20) COLLATE "sv-SE-x-icu"`
			pgtest.Exec(t, u,
				`CREATE TABLE instans (id `+col+` PRIMARY KEY NOT NULL, personnr varchar(20))`,
				`CREATE TABLE varde (instans_id `+col+` NOT NULL, variabel varchar(20) NOT NULL, varde varchar(40), PRIMARY KEY (instans_id, variabel))`,
				`INSERT INTO instans VALUES `+c.entities,
				`INSERT INTO varde VALUES `+c.values,
			)
			mariaFormStoreFiles(t, dir)
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\nverification: {acknowledge: {archived_share.varde: leftover values of deleted forms}}\n")
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: u, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
			if err == nil {
				t.Fatalf("a form store ordered otherwise than bytes ran: pass %v, ledger %v", rep.Pass, ledgerOf(rep, false))
			}
			for _, want := range []string{"not in entity order", "column instans_id", "sv-SE-x-icu"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q: %v", want, err)
				}
			}
		})
	}
}

// The same spellings as a visit's key to its patient (a parent link), on
// PostgreSQL: the opted-out patient's visit spelled otherwise must be
// excluded, or the run refuse; with the patient migrated, refused.
//
// Read through select: sources too, the columns taken as they are from
// the tables: their collation was not named, and every text key of a
// select: was taken for untailored.
func TestRunParentKeyPostgresSpelledAsTheCollationJoins(t *testing.T) {
	// sel: the tables read as they are, through a select: of their
	// columns, or through one computing the keys (trim keeps the
	// column's collation, and PostgreSQL joins under it).
	for _, sel := range []string{"", "columns", "computed"} {
		for _, optedOut := range []bool{true, false} {
			for _, c := range pgFormCases {
				t.Run(fmt.Sprintf("%s, opted out %v, select %q", c.name, optedOut, sel), func(t *testing.T) { testParentKeyPostgres(t, c, optedOut, sel) })
			}
		}
	}
}

func testParentKeyPostgres(t *testing.T, c pgFormCase, optedOut bool, sel string) {
	ctx := context.Background()
	dir := t.TempDir()
	u := pgtest.NewDatabase(t)
	pgtest.Exec(t, u,
		`CREATE COLLATION fc (provider = icu, locale = '`+c.locale+`', deterministic = false)`,
		`CREATE TABLE patient (id varchar(20) COLLATE fc PRIMARY KEY NOT NULL, personnr varchar(20))`,
		`CREATE TABLE besok (id integer PRIMARY KEY NOT NULL, patient_id varchar(20) COLLATE fc, datum varchar(10))`,
		`INSERT INTO patient VALUES ('Abc', '19460101-0301'), ('`+c.form+`', '19121212-1212')`,
		`INSERT INTO besok VALUES (1, '`+c.form+`', '2024-01-01'), (2, '`+c.spelled+`', '2024-01-02'), (3, 'Abc', '2024-01-03')`,
	)
	if n := countQuery(t, u, `SELECT COUNT(*) FROM besok b JOIN patient p ON p.id = b.patient_id WHERE p.personnr = '19121212-1212'`); n != 2 {
		t.Fatalf("PostgreSQL joins %d visits to the patient, want 2", n)
	}
	mariaLegacyFiles(t, dir)
	if sel != "" {
		patientKey, visitKey := "id", "patient_id"
		if sel == "computed" {
			patientKey, visitKey = "trim(id) AS id", "trim(patient_id) AS patient_id"
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
	extra := "run: {reference_date: 2026-01-01}\nverification: {acknowledge: {archived_share.besok: visits of deleted patients}}\n"
	if optedOut {
		write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
		extra += "optout: {file: optout.txt}\n"
	}
	plan := writePlan(t, dir, extra)
	opts := plans.Options{SourceURL: u, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if err != nil {
		checkParentRefusal(t, err)
		return
	}
	if !optedOut {
		t.Fatalf("a visit whose key matches its patient only under %s was not refused: pass %v, ledger %v, archived %v", c.locale, rep.Pass, ledgerOf(rep, false), archiveRecords(t, filepath.Join(dir, "archive"), "besok"))
	}
	if got, want := ledgerOf(rep, false)["besok"], summary(1, 0, 2, map[string]int64{}); got != want {
		t.Fatalf("visits ledger %s, want %s (archived %v)", got, want, archiveRecords(t, filepath.Join(dir, "archive"), "besok"))
	}
	if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
		t.Fatalf("verify of the run: %v", err)
	}
}
