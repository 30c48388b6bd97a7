package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/plans"
)

// A form store on MariaDB whose entity ids are text under the server's
// collations: a value row whose entity id is another spelling of its
// form's id, as the column's collation compares (the same row to a JOIN),
// in an order MariaDB and Go agree on. Each case has form 'Abc' of one
// patient and a form of the opted-out patient whose values are spelled
// two ways; every value row of the opted-out form must be excluded, or
// the run refuse: archived as an orphan, the opted-out patient's value
// stays in the archive and the run and verify pass (the orphans being
// acknowledged, as a store with leftover values of deleted forms needs).
//
// Case and trailing spaces, and accents of Latin letters, are what
// regflytt's fold covers; utf8mb4_general_ci also takes 'ß' for 's',
// utf8mb4_swedish_ci 'ü' for 'y', utf8mb4_unicode_ci ignores NUL, and
// uca1400 takes 'æ' for 'ae': no fold regflytt has sees those, so such an
// id, unmatched byte for byte, is not decided as an orphan.
type mariaFormCase struct {
	name, collation string
	// form is the opted-out patient's form's id; spelled, the other
	// spelling of its value rows (SQL expressions).
	form, spelled string
	// spelledFirst gives the row spelled otherwise the variable that
	// sorts first, so that it comes first in both orders when its
	// spelling is the smaller in Go's.
	spelledFirst bool
}

var mariaFormCases = []mariaFormCase{
	// 'SAB' sorts before 'sab' in Go, and MariaDB orders the two by
	// variable: the form must be 'SAB', or the order check stops the run.
	{"case", "utf8mb4_general_ci", "'SAB'", "'sab'", false},
	{"trailing space", "utf8mb4_general_ci", "'sab'", "'sab '", false},
	{"accent", "utf8mb4_general_ci", "'sab'", "'s\u00e1b'", false},
	{"sharp s", "utf8mb4_general_ci", "'sab'", "'\u00dfab'", false},
	{"swedish y", "utf8mb4_swedish_ci", "'yab'", "'\u00fcab'", false},
	{"NUL", "utf8mb4_unicode_ci", "'sab'", "CONCAT('sab', CHAR(0))", false},
	{"ae", "utf8mb4_uca1400_ai_ci", "'sae'", "'s\u00e6'", false},
	// The form's id is the one folding is not sure of: the value row,
	// of printable ASCII, is met as an orphan before it.
	{"sharp s in the form", "utf8mb4_general_ci", "'\u00dfab'", "'sab'", true},
}

// mariaFormStore writes the form store of c on a new MariaDB database:
// forms 'Abc' (19460101-0301) and c.form (19121212-1212), the latter with
// its height under c.form and its weight under c.spelled (the other way
// round with c.spelledFirst).
func mariaFormStore(t *testing.T, dir string, c mariaFormCase) string {
	t.Helper()
	u := mytest.NewDatabase(t)
	col := "varchar(20) CHARACTER SET utf8mb4 COLLATE " + c.collation
	first, second := "langd", "vikt"
	if c.spelledFirst {
		first, second = second, first
	}
	mytest.Exec(t, u,
		`CREATE TABLE instans (id `+col+` PRIMARY KEY NOT NULL, personnr varchar(20))`,
		`CREATE TABLE varde (instans_id `+col+` NOT NULL, variabel varchar(20) NOT NULL, varde varchar(40), PRIMARY KEY (instans_id, variabel))`,
		`INSERT INTO instans VALUES ('Abc', '19460101-0301'), (`+c.form+`, '19121212-1212')`,
		`INSERT INTO varde VALUES ('Abc', 'vikt', '80'), (`+c.form+`, '`+first+`', '180'), (`+c.spelled+`, '`+second+`', '72')`,
	)
	// The store is what the case says: MariaDB joins the spellings.
	db := mytest.Open(t, u)
	defer db.Close()
	var joined int
	if err := db.QueryRow(`SELECT COUNT(*) FROM varde v JOIN instans i ON i.id = v.instans_id WHERE i.personnr = '19121212-1212'`).Scan(&joined); err != nil {
		t.Fatal(err)
	}
	if joined != 2 {
		t.Fatalf("MariaDB joins %d value rows to the form, want 2: not the case the test means", joined)
	}
	mariaFormStoreFiles(t, dir)
	return u
}

// mariaFormStoreFiles writes the receiving schema and the mapping of the
// form store instans/varde with its person in instans.personnr.
func mariaFormStoreFiles(t *testing.T, dir string) {
	t.Helper()
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
}

func TestRunEAVMariaDBValueEntitySpelledAsTheCollationJoins(t *testing.T) {
	t.Parallel()
	for _, c := range mariaFormCases {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			src := mariaFormStore(t, dir, c)
			write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {archived_share.varde: leftover values of deleted forms}}\n")
			opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
			rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
			if err != nil {
				checkRefusal(t, err)
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

// With the form migrated, its value spelled otherwise can neither
// migrate (regflytt does not attach it) nor be archived as an orphan (the
// source says its form exists): the run refuses.
func TestRunEAVMariaDBValueEntitySpelledAsTheCollationJoinsRefused(t *testing.T) {
	t.Parallel()
	for _, c := range mariaFormCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := mariaFormStore(t, dir, c)
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\nverification: {acknowledge: {archived_share.varde: leftover values of deleted forms}}\n")
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
			if err == nil {
				t.Fatalf("a value row whose entity id matches its form only under %s was not refused: pass %v, ledger %v, archived %v", c.collation, rep.Pass, ledgerOf(rep, false), archiveRecords(t, filepath.Join(dir, "archive"), "varde"))
			}
			checkRefusal(t, err)
		})
	}
}

// checkRefusal checks that a refusal names the values table and its
// entity column, and prints no id.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	for _, want := range []string{"varde", "instans"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	// The first line: the rest names the work directory, after the test.
	msg, _, _ := strings.Cut(err.Error(), "\n")
	if strings.Contains(msg, "sab") || strings.Contains(msg, "yab") || strings.Contains(msg, "sae") {
		t.Errorf("error prints the id: %v", err)
	}
}

// Orphans the fold is sure of are still archived: an id of printable
// ASCII under a blind collation (the only spellings such a collation
// joins are its cases and trailing spaces), one of Swedish letters under
// a Swedish collation, and any id under a byte-wise one (SQLite's BINARY
// here), whatever its characters.
func TestRunEAVOrphansTheFoldIsSureOfAreArchived(t *testing.T) {
	t.Parallel()
	stmts := func(col, orphan string) []string {
		return []string{
			`CREATE TABLE instans (id ` + col + ` PRIMARY KEY NOT NULL, personnr varchar(20))`,
			`CREATE TABLE varde (instans_id ` + col + ` NOT NULL, variabel varchar(20) NOT NULL, varde varchar(40), PRIMARY KEY (instans_id, variabel))`,
			`INSERT INTO instans VALUES ('Abc', '19460101-0301'), ('sab', '19121212-1212')`,
			`INSERT INTO varde VALUES ('Abc', 'vikt', '80'), ('sab', 'langd', '180'), (` + orphan + `, 'vikt', '72')`,
		}
	}
	checkOrphansArchived(t, stmts, mariaFormStoreFiles, "varde", "leftover values of deleted forms", "values")
}

// A form store on MariaDB whose text ids its collation orders otherwise
// than Go compares bytes ('B' before 'a' in bytes, after it case-blind;
// 'sab' before 'sab' and a NUL in bytes, after it padded with spaces)
// stops the run, naming the table: the merge of forms and values in one
// pass needs one order, and is not run on another.
func TestRunEAVMariaDBOrderOtherThanBytesStops(t *testing.T) {
	for _, c := range []struct{ name, entities, values string }{
		{"case", `('a', '19460101-0301'), ('B', '19460101-0301')`, `('a', 'vikt', '1'), ('B', 'vikt', '2')`},
		{"NUL", `('sab', '19460101-0301')`, `('sab', 'langd', '1'), (CONCAT('sab', CHAR(0)), 'vikt', '2')`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			u := mytest.NewDatabase(t)
			col := "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
			mytest.Exec(t, u,
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
			if !strings.Contains(err.Error(), "not in entity order") {
				t.Errorf("error does not say the order: %v", err)
			}
		})
	}
}
