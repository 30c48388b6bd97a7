package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings/pnr"
	"github.com/regflytt/regflytt/plans"
)

// Values a mapping turned into other values with exit 0, which verify,
// applying the same mapping, could not see; each through run and verify,
// from SQLite into SQLite and from MariaDB into PostgreSQL:
//
//   - a code list's unmapped: default gave the default to every code of
//     a record whose version the list does not have (visit 2) or that
//     names none (visit 4), where the same code means different things
//     in different versions: now archived as code_unmapped;
//   - string() of a bytes column wrote "[85 109 101 195 165]" for Umeå
//     (visit 1), and of Latin-1 bytes their numbers (visit 3): now the
//     text, or the value failed;
//   - pseudonym() of 260601+NNNN on 2026-01-10, a patient who turns 100
//     in June, was the pseudonym of a birth in 1826 (visit 1): now the
//     one of 19260601NNNN, which visit 5 writes;
//   - unmapped: null made the text code "01" of the listed "1" NULL
//     (visit 6): now archived as code_unmapped;
//   - date() with DD/MM/YYYY and MM/DD/YYYY read 02/03/2024 as 2 March
//     (visit 7): now archived as date_ambiguous.
func TestRunMappingRedTeamValues(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		dir := t.TempDir()
		redTeamValues(t, "sqlite://"+filepath.Join(dir, "legacy.db"), "sqlite://"+filepath.Join(dir, "receiving.db"))
	})
	t.Run("MariaDB to PostgreSQL", func(t *testing.T) {
		if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
			t.Skip("needs REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG")
		}
		redTeamValues(t, mytest.NewDatabase(t), pgtest.NewDatabase(t))
	})
}

func redTeamValues(t *testing.T, srcURL, tgtURL string) {
	const key = "a test key, never a real one, 32b"
	t.Setenv("REGFLYTT_TEST_REDTEAM_KEY", key)
	ten := "2606011233" // YYMMDDNNNC, Luhn-valid
	besok := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		intCol("id"), intCol("ver"), textCol("rok"),
		{Name: "namn", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true},
		textCol("personnr"), textCol("kod"), textCol("datum"),
	}}
	writeTables(t, srcURL, []connectors.Table{besok}, map[string][][]connectors.Value{"besok": {
		{int64(1), int64(1), "1", []byte("Umeå"), ten[:6] + "+" + ten[6:], "1", "13/02/2024"},
		{int64(2), int64(3), "1", []byte("Luleå"), "19" + ten, "1", "13/02/2024"},
		{int64(3), int64(2), "1", []byte{'U', 'm', 'e', 0xe5}, "19" + ten, "1", "13/02/2024"},
		{int64(4), nil, "2", []byte("Kiruna"), "19" + ten, "1", "13/02/2024"},
		{int64(5), int64(2), "5", []byte("Piteå"), "19" + ten, "2", "02/13/2024"},
		{int64(6), int64(2), "2", []byte("Boden"), "19" + ten, "01", "13/02/2024"},
		{int64(7), int64(2), "2", []byte("Arjeplog"), "19" + ten, "1", "02/03/2024"},
	}})
	dir := t.TempDir()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoking, type: varchar(10)}
      - {name: town, type: text}
      - {name: patient, type: varchar(40)}
      - {name: answer, type: varchar(10)}
      - {name: visit_date, type: date}
`)
	write(t, filepath.Join(dir, "m.yaml"), `version: 1
codelists:
  - name: smoking
    unmapped: default
    default: "9"
    versions:
      "1": {"1": current, "2": never}
      "2": {"1": never, "2": current}
  - {name: yn, unmapped: "null", codes: {"1": "yes", "2": "no"}}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      smoking: {from: rok, codelist: {name: smoking, version: ver}}
      town: {expr: string(namn)}
      patient: {expr: pseudonym(personnr)}
      answer: {from: kod, codelist: yn}
      visit_date: {expr: 'date(datum, "DD/MM/YYYY", "MM/DD/YYYY")'}
`)
	plan := writePlan(t, dir, `run: {reference_date: 2026-01-10}
pseudonymisation: {key_env: REGFLYTT_TEST_REDTEAM_KEY}
verification:
  acknowledge:
    archived_share.besok: a test of archived values
    codes_never_seen.smoking: a test of seven records
`)
	ctx := context.Background()
	// map check says beforehand what the run does with the versions the
	// list lacks.
	ds, err := plans.CheckMappings(ctx, loadPlan(t, plan), plans.Options{SourceURL: srcURL})
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, d := range ds {
		if d.Code == "C006" && strings.Contains(d.Message, "whatever unmapped: says, since a code means different things in different versions") {
			versions = append(versions, d.Message)
		}
	}
	if len(versions) != 2 || !strings.Contains(strings.Join(versions, "\n"), `version "3" does not map "1", which besok holds once (for column smoking): the list has no such version, so that record will be archived`) {
		t.Errorf("map check's warnings of missing versions %q, all %v", versions, ds)
	}
	opts := plans.Options{SourceURL: srcURL, TargetURL: tgtURL, WorkDir: t.TempDir()}
	rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
	if err != nil {
		var problems []string
		if rep != nil {
			problems = rep.Problems
		}
		t.Fatalf("run: %v %v", err, problems)
	}
	if !rep.Pass {
		t.Fatalf("run: FAIL: %v", rep.Problems)
	}
	checkLedger(t, rep, false, map[string]string{"besok": summary(2, 5, 0, map[string]int64{"code_unmapped": 3, "expression_failed": 1, "date_ambiguous": 1})})

	ps, err := pnr.NewPseudonymiser([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	n, err := pnr.Parse("19"+ten, time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1|current|Umeå|" + ps.Pseudonym(n) + "|yes|2024-02-13", "5|9|Piteå|" + ps.Pseudonym(n) + "|no|2024-02-13"}
	var got []string
	inTarget(t, tgtURL, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for i := range tables {
			if tables[i].Name != "visit" {
				continue
			}
			rows, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{Key: []string{"visit_id"}})
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var cells []string
				for _, v := range rows.Row() {
					s, _ := connectors.FormatValue(v)
					cells = append(cells, s)
				}
				got = append(got, strings.Join(cells, "|"))
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			rows.Close()
		}
	})
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("receiving visits\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	sum, err := plans.Verify(ctx, loadPlan(t, plan), opts)
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("verify: %v %+v", err, sum)
	}
}
