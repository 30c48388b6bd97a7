package main

import (
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// identityKeyed is a registry that keys its patients and its user
// accounts by identity number, in every shape one is written; the digits
// each test looks for are pnrDigits.
var identityKeyed = []string{
	`CREATE TABLE vardenhet (id INTEGER PRIMARY KEY, namn TEXT, region TEXT)`,
	`INSERT INTO vardenhet VALUES (1, 'Umeå', 'Norr'), (2, 'Lund', 'Syd')`,
	`CREATE TABLE patient (pnr TEXT PRIMARY KEY, enhet INTEGER, fodd TEXT, rok TEXT, vikt TEXT, namn TEXT)`,
	`INSERT INTO patient VALUES
	 ('19121212-1212', 1, '1912-12-12', 'J', '70.5', 'a'),
	 ('191212121213', 1, '1912-13-45', 'J', '70.5', 'b'),
	 ('121212-1214', 1, '1912-12-12', 'Q', '70.5', 'c'),
	 ('1212121215', 1, '1912-12-12', 'J', '7O.5', 'd'),
	 ('19460101+0301', 1, '1946-01-01', 'J', '70.55', 'e'),
	 ('19460161-0302', 1, '1946-01-01', 'J', '70.5', 'a name far too long for its column'),
	 ('19460101-0303', NULL, '1946-01-01', 'J', '70.5', 'g')`,
	`CREATE TABLE besok (id INTEGER PRIMARY KEY, pnr TEXT, datum TEXT)`,
	`INSERT INTO besok VALUES (1, '19121212-1212', '2021-01-01'), (2, '19990101-9999', '2021-01-02'), (3, '191212121213', '2021-01-03'), (4, '19121212-1212', '2021-02-30')`,
	`CREATE TABLE anvandare (id TEXT PRIMARY KEY, hsa TEXT)`,
	`INSERT INTO anvandare VALUES ('19700101-1111', 'SE1'), ('19700101-2222', 'SE2'), ('197001013333', 'SE3')`,
	`CREATE TABLE behorighet (id INTEGER PRIMARY KEY, anvandare_id TEXT, roll TEXT, enhet INTEGER, region TEXT)`,
	`INSERT INTO behorighet VALUES (1, '19700101-1111', 'LAS', 1, 'Norr'), (2, '19700101-2222', 'LAK', 1, 'Norr'), (3, '19700101-2222', 'LAK', 9, NULL), (4, '197001013333', 'LAS', 2, 'Syd')`,
}

// pnrDigits finds the last four digits of the fixture's identity numbers
// after their birth date, in any shape: what no output may show.
var pnrDigits = regexp.MustCompile(`(1212|0101|0161|0505)[-+]?(1212|1213|1214|1215|0301|0302|0303|9999|1111|2222|3333|5555)`)

// identityKeyedPlan writes the fixture's source and a plan over it whose
// mappings archive records for every reason a value can have (a date that
// is none, a code not listed, a decimal that is none or too precise, text
// too long, a NULL where the target wants one, a missing parent) and whose
// access section maps a read role to a writing one, so that verify names
// accounts.
func identityKeyedPlan(t *testing.T) (plan, src string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range identityKeyed {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	files := map[string]string{
		"schema.yaml": `platform: t
tables:
  - name: care_unit
    primary_key: [care_unit_id]
    columns:
      - {name: care_unit_id, type: integer}
      - {name: name, type: varchar(100)}
      - {name: region, type: varchar(40)}
  - name: patient
    primary_key: [pnr]
    columns:
      - {name: pnr, type: varchar(13)}
      - {name: care_unit_id, type: integer, not_null: true}
      - {name: born, type: date}
      - {name: smoking, type: varchar(10)}
      - {name: weight, type: "decimal(4,1)"}
      - {name: name, type: varchar(10)}
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: pnr, type: varchar(13), not_null: true}
      - {name: visit_date, type: date}
  - name: app_user
    primary_key: [user_id]
    columns:
      - {name: user_id, type: varchar(13)}
      - {name: hsa_id, type: varchar(30)}
  - name: app_grant
    primary_key: [grant_id]
    columns:
      - {name: grant_id, type: bigint}
      - {name: user_id, type: varchar(13), not_null: true}
      - {name: role, type: varchar(20), not_null: true}
      - {name: care_unit_id, type: integer}
      - {name: region, type: varchar(40)}
`,
		"m.yaml": `version: 1
codelists:
  - name: smoking
    codes: {J: current, N: never}
  - name: roles
    codes: {LAK: reporter, LAS: reporter}
access:
  units: {table: vardenhet, key: id, region: region}
  legacy:
    roles:
      LAK: {access: write}
      LAS: {access: read}
    grants:
      - {table: behorighet, account: anvandare_id, role: roll, unit: enhet, region: region}
    accounts: {table: anvandare, key: id, login: hsa}
  receiving:
    roles:
      reporter: {access: write}
      reader: {access: read}
    grants:
      - {table: app_grant, account: user_id, role: role, unit: care_unit_id, region: region}
    accounts: {table: app_user, key: user_id, login: hsa_id}
tables:
  - target: care_unit
    source: vardenhet
    unit: id
    columns: {care_unit_id: id, name: namn, region: region}
  - target: patient
    source: patient
    unit: enhet
    person: pnr
    columns:
      pnr: pnr
      care_unit_id: enhet
      born: {expr: date(fodd)}
      smoking: {from: rok, codelist: smoking}
      weight: {expr: decimal(vikt)}
      name: namn
  - target: visit
    source: besok
    parent: {table: patient, key: [pnr]}
    unit: {none: "test"}
    person: pnr
    columns:
      visit_id: id
      pnr: pnr
      visit_date: {expr: date(datum)}
  - target: app_user
    source: anvandare
    unit: {none: "platform"}
    columns: {user_id: id, hsa_id: hsa}
  - target: app_grant
    source: behorighet
    parent: {table: anvandare, key: [anvandare_id]}
    unit: {none: "grants"}
    columns: {grant_id: id, user_id: anvandare_id, role: {from: roll, codelist: roles}, care_unit_id: enhet, region: region}
`,
		"plan.yaml": `plan: 1
register: {id: p, name: Pnr}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [m.yaml]
archive: {dir: archive, unencrypted_reason: test}
optout: {none: "none"}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "plan.yaml"), "sqlite://" + path
}

// noIdentityNumber fails when text shows one of the fixture's identity
// numbers.
func noIdentityNumber(t *testing.T, where, text string) {
	t.Helper()
	if m := pnrDigits.FindAllStringIndex(text, 3); m != nil {
		for _, at := range m {
			from, to := max(at[0]-60, 0), min(at[1]+20, len(text))
			t.Errorf("%s shows an identity number: …%s…", where, text[from:to])
		}
	}
}

// The files of a work directory other than the archive's table data,
// which holds the records themselves.
func workFilesShown(t *testing.T, work string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(work, p)
		if strings.Contains(rel, filepath.Join("data", "content")) && strings.HasSuffix(rel, ".xml") {
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A registry whose keys and account ids are identity numbers: map check,
// map dry-run, run and verify (the access proof FAILs, naming accounts)
// show none of them, on the terminal or in a report or the archive
// package's own files; they name the accounts with the last four digits
// masked.
func TestIdentityNumberKeysAndAccountsNeverShown(t *testing.T) {
	plan, src := identityKeyedPlan(t)
	work := t.TempDir()
	tgt := "sqlite://" + filepath.Join(t.TempDir(), "t.db")
	runs := [][]string{
		{"map", "check", plan, "--source", src, "-v"},
		{"map", "dry-run", plan, "--source", src, "-v"},
		{"map", "dry-run", plan, "--source", src, "--json"},
		{"run", plan, "--source", src, "--target", tgt, "--work", work, "-v"},
		{"verify", plan, "--source", src, "--target", tgt, "--work", work, "-v"},
	}
	all := ""
	for _, args := range runs {
		code, out, errs := cli(t, args...)
		if code != exitOK && code != exitNotAccounted {
			t.Fatalf("%v: exit %d\n%s%s", args[:2], code, out, errs)
		}
		noIdentityNumber(t, strings.Join(args[:2], " "), out+errs)
		all += out + errs
	}
	for name, text := range workFilesShown(t, work) {
		noIdentityNumber(t, name, text)
	}
	if !strings.Contains(all, "account 19700101-****: access widened") {
		t.Errorf("verify no longer names the widened account by its masked id:\n%s", all)
	}
}

// verify names the records a target lost, gained or changed by their key,
// and a key that is an identity number with its last four digits masked:
// verify's output and reports show which table and birth date, not who.
func TestVerifyExceptionsMaskIdentityNumberKeys(t *testing.T) {
	plan, src := identityKeyedPlan(t)
	work := t.TempDir()
	tgtPath := filepath.Join(t.TempDir(), "t.db")
	tgt := "sqlite://" + tgtPath
	if code, out, errs := cli(t, "run", plan, "--source", src, "--target", tgt, "--work", work, "--quiet"); code != exitNotAccounted {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	db, err := sql.Open("sqlite", "file:"+tgtPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`DELETE FROM patient WHERE pnr = '19121212-1212'`,
		`INSERT INTO patient (pnr, care_unit_id) VALUES ('19550505-5555', 1)`,
		`UPDATE app_user SET hsa_id = 'SE9' WHERE user_id = '19700101-2222'`,
		`UPDATE visit SET visit_date = '2020-01-01' WHERE visit_id = 1`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	// A record the run archived is changed in the source after: the
	// package holds it as it was.
	sdb, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(src, "sqlite://"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`UPDATE patient SET vikt = '7O.6' WHERE pnr = '1212121215'`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	code, out, errs := cli(t, "verify", plan, "--source", src, "--target", tgt, "--work", work, "-v")
	if code != exitNotAccounted {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errs)
	}
	noIdentityNumber(t, "verify", out+errs)
	for name, text := range workFilesShown(t, work) {
		noIdentityNumber(t, name, text)
	}
	for _, want := range []string{"patient key (19121212-****): expected from the source, missing", "patient key (19550505-****): in the target", "app_user key (19700101-****)", `archived patient record ["121212****"]`} {
		if !strings.Contains(out+errs, want) {
			t.Errorf("verify does not say %q:\n%s%s", want, out, errs)
		}
	}
}
