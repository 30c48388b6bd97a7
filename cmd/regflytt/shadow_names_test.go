package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// sqlitePlan writes a SQLite legacy database from stmts and a plan over it
// with the given receiving schema and mapping, and gives the plan's path
// and the source's URL.
func sqlitePlan(t *testing.T, stmts []string, schema, mapping, extra string) (plan, src string) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	files := map[string]string{
		"schema.yaml": schema,
		"m.yaml":      mapping,
		"plan.yaml": `plan: 1
register: {id: p, name: Names}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [m.yaml]
archive: {dir: archive, unencrypted_reason: test}
optout: {none: "none"}
` + extra,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "plan.yaml"), "sqlite://" + path
}

// A definition's body reads only its parameters and reference_date, the
// plan's run.reference_date. A source column named reference_date in the
// calling table took its place: late(date(datum)) compared each visit with
// the row's own column, migrated the wrong answer and PASSed.
func TestDefinitionBodyReadsThePlansReferenceDate(t *testing.T) {
	plan, src := sqlitePlan(t, []string{
		`CREATE TABLE besok (id INTEGER PRIMARY KEY, datum TEXT, reference_date TEXT)`,
		`INSERT INTO besok VALUES (1, '2020-01-01', '1900-01-01'), (2, '2030-01-01', '2100-01-01')`,
	}, `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: timing, type: varchar(10)}
      - {name: own_date, type: varchar(10)}
`, `define:
  - {name: late, params: [d], expr: 'd > reference_date ? "late" : "ok"'}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      timing: {expr: 'late(date(datum))'}
      own_date: reference_date
`, "run: {reference_date: 2026-01-01}\n")
	if code, out, errs := cli(t, "map", "check", plan, "--source", src); code != 0 {
		t.Fatalf("map check: exit %d\n%s%s", code, out, errs)
	}
	tgtPath := filepath.Join(t.TempDir(), "t.db")
	if code, out, errs := cli(t, "run", plan, "--source", src, "--target", "sqlite://"+tgtPath, "--work", t.TempDir(), "--quiet"); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	if got := targetRows(t, tgtPath, "SELECT visit_id, timing, own_date FROM visit ORDER BY visit_id"); got != "1 ok 1900-01-01; 2 late 2100-01-01" {
		t.Errorf("visit: %s, want 1 ok 1900-01-01; 2 late 2100-01-01 (the plan's reference date is 2026-01-01)", got)
	}
}

// A bare reference_date in a column's expression is the plan's
// run.reference_date, in plan check (which has no source) as in map
// check and the run: the run read a source column so named in its place,
// so the same mapping meant the plan's date to plan check and the row's
// column to the run. The column is read as col("reference_date"), and
// map check warns (M091) where an expression reads the bare name while
// the table has such a column.
func TestBareReferenceDateIsThePlansWhereAColumnIsSoNamed(t *testing.T) {
	plan, src := sqlitePlan(t, []string{
		`CREATE TABLE besok (id INTEGER PRIMARY KEY, reference_date TEXT)`,
		`INSERT INTO besok VALUES (1, '1900-01-01'), (2, '2100-01-01')`,
	}, `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: plan_day, type: varchar(10)}
      - {name: own_day, type: varchar(10)}
`, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      plan_day: {expr: 'string(reference_date)'}
      own_day: {expr: 'col("reference_date")'}
`, "run: {reference_date: 2026-01-01}\n")
	code, out, errs := cli(t, "map", "check", plan, "--source", src)
	if code != 0 {
		t.Fatalf("map check: exit %d\n%s%s", code, out, errs)
	}
	if all := out + errs; !strings.Contains(all, "M091") || !strings.Contains(all, "m.yaml:6") || !strings.Contains(all, `col("reference_date")`) {
		t.Errorf("map check does not warn (M091 at m.yaml:6, naming col(\"reference_date\")) of the bare reference_date beside a column so named:\n%s%s", out, errs)
	}
	// plan check, with no source, reads the mapping as map check does.
	code, out, errs = cli(t, "plan", "check", plan)
	if all := out + errs; code != 0 || !strings.Contains(all, "M091") || !strings.Contains(all, "m.yaml:6") {
		t.Errorf("plan check: exit %d, want 0 and M091 at m.yaml:6 as map check gives:\n%s%s", code, out, errs)
	}
	tgtPath := filepath.Join(t.TempDir(), "t.db")
	if code, out, errs := cli(t, "run", plan, "--source", src, "--target", "sqlite://"+tgtPath, "--work", t.TempDir(), "--quiet"); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	if got := targetRows(t, tgtPath, "SELECT visit_id, plan_day, own_day FROM visit ORDER BY visit_id"); got != "1 2026-01-01 1900-01-01; 2 2026-01-01 2100-01-01" {
		t.Errorf("visit: %s, want 1 2026-01-01 1900-01-01; 2 2026-01-01 2100-01-01 (the plan's reference date is 2026-01-01)", got)
	}
}

// targetRows gives a query's rows as "a b; c d".
func targetRows(t *testing.T, path, query string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, v := range vals {
			if !v.Valid {
				fields = append(fields, "NULL")
			} else {
				fields = append(fields, v.String)
			}
		}
		out = append(out, strings.Join(fields, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "; ")
}

// PostgreSQL keeps table and column names apart by case (and trailing
// spaces); MariaDB, SQL Server and SQLite do not, so the receiving schema
// refuses such pairs (S002). init proposed both of each pair, and its
// files, which pass plan check by promise, failed it: the second of each
// pair is left out with the reason, as a column the target cannot hold
// is, and map check names it until the mapping decides.
func TestInitLeavesOutNamesOneToSomePlatform(t *testing.T) {
	if os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("needs %s", pgtest.EnvVar)
	}
	src := pgtest.NewDatabase(t)
	pgtest.Exec(t, src,
		`CREATE TABLE "Besok" (id bigint PRIMARY KEY, datum date)`,
		`CREATE TABLE besok (id bigint PRIMARY KEY, datum date)`,
		`CREATE TABLE "patient " (id bigint PRIMARY KEY)`,
		`CREATE TABLE patient (id bigint PRIMARY KEY, "Kod" text, kod text, "rok " text)`,
	)
	dir := filepath.Join(t.TempDir(), "reg")
	if code, out, errs := cli(t, "init", dir, "--source", src, "--to", "postgres", "-q"); code != exitOK {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := cli(t, "plan", "check", filepath.Join(dir, "plan.yaml"))
	if code != exitOK {
		schema, _ := os.ReadFile(filepath.Join(dir, "schema.yaml"))
		t.Fatalf("plan check of init's files: exit %d\n%s%s\n%s", code, out, errs, schema)
	}
	mapping, _ := os.ReadFile(filepath.Join(dir, "mapping.yaml"))
	for _, want := range []string{`besok: no receiving table (table "besok" is table "Besok"`, `patient : no receiving table (the name ends in a space`, `kod is not mapped: column "kod" is column "Kod"`, `rok  is not mapped: the name ends in a space`} {
		if !strings.Contains(string(mapping), want) {
			t.Errorf("mapping.yaml does not say %q:\n%s", want, mapping)
		}
	}
}

// A MariaDB TIME is a duration (-838:59:59..838:59:59). scan proposes
// text for a column holding values outside a day, saying why; init, from
// the catalogue alone, proposed time, which PostgreSQL's time cannot hold,
// so the run archived every such value. init now asks the source how many
// there are, and proposes what scan does, with the note.
func TestInitProposesWhatHoldsATimeBeyondADay(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("needs %s and %s", mytest.EnvVar, pgtest.EnvVar)
	}
	src := mytest.NewDatabase(t)
	mytest.Exec(t, src,
		"CREATE TABLE pass (id int NOT NULL PRIMARY KEY, langd time, negativ time(6), dag time)",
		"INSERT INTO pass VALUES (1, '838:59:59', '-00:00:00.000001', '08:30:00'), (2, '12:00:00', '01:00:00', '23:59:59'), (3, NULL, NULL, NULL)",
	)
	dir := filepath.Join(t.TempDir(), "reg")
	if code, out, errs := cli(t, "init", dir, "--source", src, "--to", "postgres", "-q"); code != exitOK {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	schema, _ := os.ReadFile(filepath.Join(dir, "schema.yaml"))
	for _, want := range []string{`{name: langd, type: text`, `{name: negativ, type: text`, `{name: dag, type: time`, "# langd: 1 value(s) outside 00:00:00..24:00:00", "# negativ: 1 value(s) outside"} {
		if !strings.Contains(string(schema), want) {
			t.Errorf("schema.yaml lacks %q:\n%s", want, schema)
		}
	}
	tgt := pgtest.NewDatabase(t)
	t.Setenv("REGFLYTT_SOURCE", src)
	t.Setenv("REGFLYTT_TARGET", tgt)
	work := t.TempDir()
	if code, out, errs := cli(t, "run", filepath.Join(dir, "plan.yaml"), "--work", work, "-q"); code != exitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	res, _ := os.ReadFile(filepath.Join(work, "report.json"))
	if !strings.Contains(string(res), `"migrated": 3`) || strings.Contains(string(res), `"archived_by"`) {
		t.Errorf("not every row migrated:\n%s", res)
	}
}

// A select: whose key repeats (a join to a one-to-many table) or is NULL
// was refused only while a run or dry-run read it, after the tables
// before it; map check said "mappings ok". It counts the select's keys in
// one grouped query, as it counts a key: of a table (M090), and names the
// mapping's line.
func TestMapCheckNamesASelectsRepeatedKeys(t *testing.T) {
	plan, src := sqlitePlan(t, []string{
		`CREATE TABLE besok (id INTEGER PRIMARY KEY, datum TEXT)`,
		`CREATE TABLE kontakt (id INTEGER PRIMARY KEY, besok_id INTEGER, enhet TEXT)`,
		`INSERT INTO besok VALUES (1, '2024-01-01'), (2, '2024-01-02'), (3, '2024-01-03')`,
		`INSERT INTO kontakt VALUES (1, 1, 'A'), (2, 1, 'B'), (3, 2, 'C')`,
	}, `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: visit_date, type: date}
      - {name: unit, type: text}
  - name: contact
    primary_key: [contact_id]
    columns:
      - {name: contact_id, type: bigint}
`, `tables:
  - target: visit
    source:
      table: besok
      select: SELECT b.id, b.datum, k.enhet FROM besok b LEFT JOIN kontakt k ON k.besok_id = b.id
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
      unit: enhet
  - target: contact
    source: kontakt
    columns:
      contact_id: id
    drop: {besok_id: in visit, enhet: in visit}
`, "")
	code, out, errs := cli(t, "map", "check", plan, "--source", src)
	if code != exitUsage || !strings.Contains(errs, "m.yaml:5:15: error M090") || !strings.Contains(errs, "select: of besok") || !strings.Contains(errs, "1 row repeats a key value") {
		t.Errorf("map check: exit %d, want %d and M090 at m.yaml:5:15 naming the select of besok\n%s%s", code, exitUsage, out, errs)
	}
}
