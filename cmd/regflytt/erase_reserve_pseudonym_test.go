package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
)

// A plan that pseudonymises its person (pseudonym(personnr)) and names
// no rule for reserve numbers: pseudonym() reads no reserve number, so
// the record of a patient known only by one (19900101-T123) is archived
// with the number in clear, never migrated under a pseudonym. archive
// erase given the reserve number (and the key, as an erasure of a
// pseudonymising plan is given it) finds that record and its child
// record, and keeps the other patient's; nothing is reported as found
// in no archived record.
func TestArchiveEraseReserveNumberOfAPseudonymisingPlan(t *testing.T) {
	const key = "erase reserve pseudonym test: not a real key"
	t.Setenv("TEST_RESERVE_KEY", key)
	dir := t.TempDir()
	src := filepath.Join(dir, "legacy.db")
	db, err := sql.Open("sqlite", "file:"+src)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`CREATE TABLE besok (id integer PRIMARY KEY NOT NULL, personnr text, datum text)`,
		`INSERT INTO besok VALUES (1, '19900101-T123', '2020-01-02'), (2, '19121212-1212', '2020-01-03'), (3, '19121212-1212', '2020-01-04')`,
		`CREATE TABLE prov (id integer PRIMARY KEY NOT NULL, besok_id integer NOT NULL, varde text)`,
		`INSERT INTO prov VALUES (10, 1, 'a'), (20, 2, 'b')`,
	} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	files := map[string]string{
		"schema.yaml": "platform: t\ntables:\n" +
			"  - name: visit\n    primary_key: [visit_id]\n    columns:\n      - {name: visit_id, type: bigint}\n      - {name: patient, type: varchar(32)}\n      - {name: visit_date, type: date}\n" +
			"  - name: sample\n    primary_key: [sample_id]\n    columns:\n      - {name: sample_id, type: bigint}\n      - {name: visit_id, type: bigint}\n      - {name: value, type: varchar(8)}\n",
		"m.yaml": "tables:\n" +
			"  - target: visit\n    source: besok\n    person: personnr\n    unit: {none: a test table without units}\n" +
			"    columns:\n      visit_id: id\n      patient: {expr: pseudonym(personnr)}\n      visit_date: {expr: date(datum)}\n" +
			"  - target: sample\n    source: prov\n    parent: {table: besok, key: [besok_id]}\n    unit: {none: a test table without units}\n" +
			"    columns:\n      sample_id: id\n      visit_id: besok_id\n      value: varde\n",
		"plan.yaml": "plan: 1\nregister: {id: test, name: Test register}\nsystem: {current: a, chosen: b}\ncpua: {current: A, future: B}\nrco: {current: A, future: B}\n" +
			"target: {schema: schema.yaml}\nmappings: [m.yaml]\narchive: {dir: archive, unencrypted_reason: synthetic test data}\n" +
			"pseudonymisation: {key_env: TEST_RESERVE_KEY}\n" +
			"run: {reference_date: 2026-01-01}\noptout: {none: no one opted out}\nverification: {archived_share_max: 0.9}\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	plan := filepath.Join(dir, "plan.yaml")
	code, out, errs := cli(t, "run", plan, "--source", "sqlite://"+src, "--target", "sqlite://"+filepath.Join(dir, "receiving.db"),
		"--work", filepath.Join(dir, "work"), "--quiet")
	if code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	pkg := filepath.Join(dir, "work", "archive")
	if left := recordsLeft(t, pkg, "besok") + "/" + recordsLeft(t, pkg, "prov"); left != "1/10" {
		t.Fatalf("the run archived visits/samples %q, want only the reserve number's, 1/10", left)
	}
	list := personListFile(t, "19900101-T123")
	code, out, errs = cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 31", "--pseudonym-key-env", "TEST_RESERVE_KEY")
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	p, err := archive.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range p.Tables() {
		if n := recordsLeft(t, pkg, tb.Table); n != "" {
			t.Errorf("%s records left %q, want none (the reserve number's visit and its sample)\n%s", tb.Table, n, out)
		}
	}
	if strings.Contains(out+errs, "T123") {
		t.Errorf("erase's output holds the reserve number:\n%s%s", out, errs)
	}
}
