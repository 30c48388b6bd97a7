package plans_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// valueEquationMapping maps visits through every declared NULL rule: a
// code list's null and unmapped: null, null_when, open_ended, strip's
// NULL of blank text; a value archived alone; a default and a constant
// (values made without a source value).
const valueEquationMapping = `codelists:
  - name: kod
    unmapped: null
    codes: {"1": 10, "2": 20, "9": null}
tables:
  - target: visit
    source: besok
    granularity: value
    columns:
      id: {from: id}
      length_cm: {expr: decimal(langd)}
      smoker: {from: rok, null_when: ["-"]}
      status: {from: rok, default: okand}
      code: {from: kod, codelist: kod}
      ended_on: {expr: date(slut), open_ended: [9999-12-31]}
      name: {expr: strip(namn)}
      origin: {value: legacy}
`

const valueEquationSchema = `platform: t
tables:
  - name: visit
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: length_cm, type: "decimal(5,1)"}
      - {name: smoker, type: varchar(3)}
      - {name: status, type: varchar(5)}
      - {name: code, type: smallint}
      - {name: ended_on, type: date}
      - {name: name, type: varchar(10)}
      - {name: origin, type: varchar(10)}
`

// The value equations of the receiving columns, as the report shows them.
var wantValueEquations = []string{
	"visit.id source 4 = target 4 - made 0 + alone 0 + nulled map[] ok",
	"visit.length_cm source 3 = target 2 - made 0 + alone 1 + nulled map[] ok",
	"visit.smoker source 3 = target 2 - made 0 + alone 0 + nulled map[null_when smoker:1] ok",
	"visit.status source 3 = target 4 - made 1 + alone 0 + nulled map[] ok",
	"visit.code source 4 = target 2 - made 0 + alone 0 + nulled map[codelist kod:1 codelist kod (unmapped: null):1] ok",
	"visit.ended_on source 3 = target 2 - made 0 + alone 0 + nulled map[open_ended ended_on:1] ok",
	"visit.name source 3 = target 2 - made 0 + alone 0 + nulled map[function strip:1] ok",
	"visit.origin source 0 = target 4 - made 4 + alone 0 + nulled map[] ok",
}

func valueEquations(sum *verify.Summary) []string {
	var out []string
	for _, c := range sum.Columns {
		ok := "ok"
		if !c.OK {
			ok = "FAIL"
		}
		out = append(out, fmt.Sprintf("%s.%s source %d = target %d - made %d + alone %d + nulled %v %s", c.Table, c.Column,
			c.SourceValues, c.TargetNonNull, c.MadeWithoutSource, c.InArchiveAlone, c.NulledBy, ok))
	}
	return out
}

// runValueEquationSuite migrates visits into a fresh target of one
// dialect: every declared NULL is counted per rule and column and the
// verification PASSes; a value NULLed in the target after the run fails
// it, naming the table, the column and the counts.
func runValueEquationSuite(t *testing.T, target func(t *testing.T) (url string, exec func(stmts ...string))) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		intCol("id"), textCol("langd"), textCol("rok"), textCol("kod"), textCol("slut"), textCol("namn")}}}
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{"besok": {
		{int64(1), "172", "ja", "1", "2020-01-01", " Ada "},
		{int64(2), "ca 180", "nej", "9", "9999-12-31", "   "},
		{int64(3), nil, "-", "7", nil, nil},
		{int64(4), "165", nil, "2", "2021-05-05", "Bo"},
	}})
	write(t, filepath.Join(dir, "schema.yaml"), valueEquationSchema)
	write(t, filepath.Join(dir, "m.yaml"), valueEquationMapping)
	// One record of four migrates with a value archived alone: more than
	// the default share, which this test of the equations accepts.
	p := loadPlan(t, writePlan(t, dir, "verification: {acknowledge: {values_archived_share.besok: a test of the value equations}}\n"))
	url, exec := target(t)
	opts := plans.Options{SourceURL: srcURL, TargetURL: url, WorkDir: dir}
	if _, err := plans.Run(ctx, p, opts); err != nil {
		t.Fatal(err)
	}
	// The run's own end check counts the target's values from the rows it
	// reads for its keyed hash (a read-back or a scan, in Go): the same
	// counts as the database's own below.
	runSum := readVerifyReport(t, dir)
	sum, err := plans.Verify(ctx, p, opts)
	if err != nil {
		t.Fatalf("verify: %v %v", err, sum.Problems)
	}
	if got := valueEquations(sum); !slices.Equal(got, wantValueEquations) {
		t.Fatalf("value equations\n got %q\nwant %q", got, wantValueEquations)
	}
	if len(runSum.Columns) != len(sum.Columns) {
		t.Fatalf("the run's end check has %d column equations, verify %d", len(runSum.Columns), len(sum.Columns))
	}
	for i, c := range runSum.Columns {
		if c.TargetNonNull != sum.Columns[i].TargetNonNull {
			t.Errorf("%s.%s: the run's end check counts %d non-NULL in the target, the database %d", c.Table, c.Column, c.TargetNonNull, sum.Columns[i].TargetNonNull)
		}
		if c.CountedInDatabase {
			t.Errorf("%s.%s: the run's end check read the target's rows for its keyed hash and counted them again in the database", c.Table, c.Column)
		}
	}
	// The auditor's page shows the equation, the declared NULLs per rule.
	page, err := os.ReadFile(filepath.Join(dir, verify.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := "<td>codelist kod: 1, codelist kod (unmapped: null): 1</td>"; !strings.Contains(string(page), want) {
		t.Errorf("%s lacks %s", verify.HTMLFile, want)
	}
	for _, c := range sum.Columns {
		if !c.CountedInDatabase {
			t.Errorf("%s.%s: counted in Go, not in the database", c.Table, c.Column)
		}
	}

	// A value NULLed in the target after the run: the content check names
	// the key, the value equation the column and its counts.
	exec("UPDATE visit SET smoker = NULL WHERE id = 1")
	sum, err = plans.Verify(ctx, p, opts)
	if !errors.Is(err, plans.ErrNotAccounted) || sum.Pass {
		t.Fatalf("a value NULLed in the target passes: %v", err)
	}
	want := "receiving column visit.smoker: 3 source values, but 1 non-NULL in the target - 0 made without a source value + 0 archived alone + 1 made NULL by a declared rule = 2: 1 values became NULL by no declared rule"
	if !slices.Contains(sum.Problems, want) {
		t.Fatalf("problems lack\n%s\n%s", want, strings.Join(sum.Problems, "\n"))
	}
	for _, c := range sum.Columns {
		if c.OK != (c.Column != "smoker") {
			t.Errorf("%s.%s ok %v", c.Table, c.Column, c.OK)
		}
	}
}

func TestVerifyValueEquationSQLite(t *testing.T) {
	runValueEquationSuite(t, func(t *testing.T) (string, func(...string)) {
		path := filepath.Join(t.TempDir(), "t.db")
		return "sqlite://" + path, func(stmts ...string) { t.Helper(); sqliteExec(t, path, stmts...) }
	})
}

func TestVerifyValueEquationPostgreSQL(t *testing.T) {
	pgtest.AdminURL(t)
	runValueEquationSuite(t, func(t *testing.T) (string, func(...string)) {
		url := pgtest.NewDatabase(t)
		return url, func(stmts ...string) { t.Helper(); pgtest.Exec(t, url, stmts...) }
	})
}

func TestVerifyValueEquationMariaDB(t *testing.T) {
	mytest.ServerURL(t)
	runValueEquationSuite(t, func(t *testing.T) (string, func(...string)) {
		url := mytest.NewDatabase(t)
		return url, func(stmts ...string) { t.Helper(); mytest.Exec(t, url, stmts...) }
	})
}

// A trigger of the receiving platform that NULLs a value after the write,
// and a mapping that loses values: every record migrates, and the value
// equation fails, naming the column.
func TestVerifyValueEquationNullingTriggerAndLostValues(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	tables := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("rok"), textCol("vikt")}}}
	writeTables(t, srcURL, tables, map[string][][]connectors.Value{"besok": {
		{int64(1), "ja", "70"}, {int64(2), "nej", nil}, {int64(3), "ja", "80"},
	}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: smoker, type: varchar(3)}
      - {name: weight, type: varchar(3)}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns: {id: id, smoker: rok, weight: vikt}
`)
	p := loadPlan(t, writePlan(t, dir, ""))
	// The receiving table as regflytt creates it, made again with a
	// trigger that NULLs every "ja".
	scratch := filepath.Join(dir, "scratch.db")
	if _, err := plans.Run(ctx, p, plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + scratch, WorkDir: filepath.Join(dir, "w0")}); err != nil {
		t.Fatal(err)
	}
	ddl := sqliteQuery(t, scratch, "SELECT sql FROM sqlite_master WHERE name = 'visit'")
	tgt := filepath.Join(dir, "t.db")
	sqliteExec(t, tgt, ddl)
	// The trigger comes once the run has begun: one there before is
	// refused before writing.
	trigger := sqliteAfterChecks(tgt, `CREATE TRIGGER nulls AFTER INSERT ON visit WHEN NEW.smoker = 'ja' BEGIN UPDATE visit SET smoker = NULL WHERE id = NEW.id; END`)
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + tgt, WorkDir: filepath.Join(dir, "w1")}
	run := opts
	run.Progress = trigger
	rep, _ := plans.Run(ctx, p, run)
	if trigger.Err != nil {
		t.Fatal(trigger.Err)
	}
	if rep == nil || rep.Pass {
		t.Fatalf("a run into a table whose trigger NULLs values passes")
	}
	sum, err := plans.Verify(ctx, p, opts)
	if !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify: %v", err)
	}
	want := "receiving column visit.smoker: 3 source values, but 1 non-NULL in the target - 0 made without a source value + 0 archived alone + 0 made NULL by a declared rule = 1: 2 values became NULL by no declared rule"
	if !slices.Contains(sum.Problems, want) {
		t.Fatalf("problems lack\n%s\n%s", want, strings.Join(sum.Problems, "\n"))
	}

	// A mapping that loses values (a map without the key): the records
	// migrate, the values do not.
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns: {id: id, smoker: rok, weight: {expr: '{a: vikt}.b'}}
`)
	p = loadPlan(t, writePlan(t, dir, ""))
	opts = plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t2.db"), WorkDir: filepath.Join(dir, "w2")}
	plans.Run(ctx, p, opts) // fails on the lost values, having written the rows
	sum, err = plans.Verify(ctx, p, opts)
	if !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify: %v", err)
	}
	want = "receiving column visit.weight: 2 source values, but 0 non-NULL in the target - 0 made without a source value + 0 archived alone + 0 made NULL by a declared rule = 0: 2 values became NULL by no declared rule (the mappings lose 2)"
	if !slices.Contains(sum.Problems, want) {
		t.Fatalf("problems lack\n%s\n%s", want, strings.Join(sum.Problems, "\n"))
	}
}

func sqliteExec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func sqliteQuery(t *testing.T, path, q string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s string
	if err := db.QueryRow(q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

// readVerifyReport reads the verification report in a work directory.
func readVerifyReport(t *testing.T, dir string) *verify.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, verify.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var sum verify.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatalf("%s: %v", verify.JSONFile, err)
	}
	return &sum
}
