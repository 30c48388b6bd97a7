package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A main register's record of an opted-out patient is excluded, and with
// it every record of its registration: the sub-register's record of the
// same visit holds no identity number. Where the main register's merge
// key fails for the excluded record (a range rule the visit number breaks
// there and the sub-register's mapping does not have), the registration
// could not be told and the exclusion was dropped without a word: the
// sub-register's record migrated as a registration of its own, the
// opted-out patient's height on the receiving platform and the run
// passing. The run (and the dry run, which moves the same way) now stops
// there, naming the table, the record and the column, before anything of
// the registration is written.
func TestRunMergeExcludedRecordWhoseKeyFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE delreg_a (besok_id INTEGER PRIMARY KEY, personnr TEXT, vikt TEXT)`,
		`CREATE TABLE delreg_b (besok_id INTEGER PRIMARY KEY, personnr TEXT, langd INTEGER)`,
		`INSERT INTO delreg_a VALUES (7, '19121212-1212', '70'), (2, '19460101-0301', '71')`,
		`INSERT INTO delreg_b VALUES (7, NULL, 180), (2, NULL, 181)`)
	writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "patient varchar(12)", "weight_kg decimal(5,1)", "height_cm smallint")
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [visit_id]
    sources:
      - source: delreg_a
        precedence: 1
        person: personnr
        columns: {visit_id: {from: besok_id, rules: {range: [1, 5]}}, patient: {expr: pnr(personnr)}, weight_kg: {expr: decimal(vikt)}}
      - source: delreg_b
        precedence: 2
        no_person: the sub-register names the visit, its person is in the main register
        columns: {visit_id: besok_id, height_cm: langd}
        drop: {personnr: never filled in}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")
	opts := plans.Options{SourceURL: srcURL(path), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error", what)
			return
		}
		for _, want := range []string{"delreg_a", "besok_id", "visit_id", "rule_range"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: the error does not name %s: %v", what, want, err)
			}
		}
		if strings.Contains(err.Error(), "19121212") {
			t.Errorf("%s: the error shows an identity number: %v", what, err)
		}
	}
	p := loadPlan(t, plan)
	_, err := plans.DryRun(context.Background(), p, plans.Options{SourceURL: opts.SourceURL})
	check("dry run", err)
	rep, err := plans.Run(context.Background(), p, opts)
	if err == nil {
		var rows []string
		for _, r := range readRows(t, opts.TargetURL, "visit") {
			rows = append(rows, fmtRow([]any{r["visit_id"], r["height_cm"]}))
		}
		t.Errorf("run: pass %v, receiving rows %v: the opted-out patient's sub-register record (visit 7) migrated", rep.Pass, rows)
	}
	check("run", err)
}
