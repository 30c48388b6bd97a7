package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// archivedValues reads the values a run archived alone from a table, as
// source column=value.
func archivedValues(t *testing.T, dir, table string) []string {
	t.Helper()
	pkg, err := archive.OpenVerified(filepath.Join(dir, "archive"))
	if err != nil {
		t.Fatal(err)
	}
	vals, err := pkg.Values(table)
	if err != nil {
		return nil // nothing of the table archived
	}
	var out []string
	for _, v := range vals {
		text, ok := connectors.FormatValue(v.Value.Value)
		if !ok {
			text = "NULL"
		}
		out = append(out, v.Column+"<-"+v.SourceColumn+"="+text+" "+v.Reason)
	}
	return out
}

func tableCheck(rep *verify.Report, source string) verify.TableCheck {
	for _, tc := range rep.Tables {
		if tc.Source == source {
			return tc
		}
	}
	return verify.TableCheck{}
}

// Under merge: with granularity: value, a bad value (a level of 12 on a
// 1–5 scale, a length written "ca 120") is archived alone with its source
// value and counted, as it is without the merge; the record merges with
// the column empty.
func TestRunMergeArchivesBadValues(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	cols := []connectors.Column{intCol("id"), textCol("personnr"), textCol("datum"), textCol("langd"), intCol("niva")}
	tables := []connectors.Table{
		{Name: "delreg_a", PrimaryKey: []string{"id"}, Columns: cols},
		{Name: "delreg_b", PrimaryKey: []string{"id"}, Columns: cols},
	}
	rows := map[string][][]connectors.Value{
		"delreg_a": {
			{int64(1), "19121212-1212", "2024-01-01", "ca 120", int64(12)}, // two bad values
			{int64(2), "19121212-1212", "2024-02-01", "150", int64(3)},
		},
		"delreg_b": {
			{int64(1), "121212+1212", "2024-01-01", "121", nil}, // fills the length a could not give
		},
	}
	writeTables(t, srcURL, tables, rows)
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    columns:
      - {name: patient, type: varchar(12), not_null: true}
      - {name: visit_date, type: date}
      - {name: length_cm, type: "decimal(5,1)"}
      - {name: level, type: smallint}
`)
	member := `
        granularity: value
        columns:
          patient: {expr: pnr(personnr)}
          visit_date: {expr: date(datum)}
          length_cm: {expr: decimal(langd)}
          level: {from: niva, rules: {range: [1, 5]}}
        drop: {id: registration number of the sub-register}`
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    merge: [patient, visit_date]
    sources:
      - source: delreg_a
        precedence: 1`+member+`
      - source: delreg_b
        precedence: 2`+member+`
`)
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
	rep := runOnSQLite(t, loadPlan(t, plan), srcURL, dir, nil)
	a := tableCheck(rep, "delreg_a")
	if a.Migrated != 2 || a.ValuesArchived != 2 || a.ValuesArchivedBy["bad_decimal"] != 1 || a.ValuesArchivedBy["rule_range"] != 1 {
		t.Errorf("delreg_a: migrated %d, values archived %d %v; want 2 migrated, one bad_decimal and one rule_range value archived",
			a.Migrated, a.ValuesArchived, a.ValuesArchivedBy)
	}
	got := strings.Join(archivedValues(t, dir, "delreg_a"), "|")
	want := "length_cm<-langd=ca 120 bad_decimal|level<-niva=12 rule_range"
	if got != want {
		t.Errorf("archived values %q, want %q (the source values kept)", got, want)
	}
}

// A non-NULL source value that ends as NULL by no declared rule is a value
// lost: it is counted per target column and fails the run. Declared, the
// same NULL passes and is counted by its rule (null_when, a code list's
// null); dry-run shows both.
func TestRunValueLostFailsTheRun(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, columns string
		pass          bool
		lost, nulled  map[string]int64
	}{
		{"an expression turns a value into NULL", `
      weight: {expr: 'vikt == "-" ? nil : vikt'}
      smoking: {from: rok, codelist: smoking}`,
			false, map[string]int64{"weight": 1}, map[string]int64{"codelist smoking": 1}},
		{"null_when lists the source value", `
      weight: {expr: 'vikt == "-" ? nil : vikt', null_when: ["-"]}
      smoking: {from: rok, codelist: smoking}`,
			true, nil, map[string]int64{"null_when weight": 1, "codelist smoking": 1}},
		{"null_when as an expression", `
      weight: {from: vikt, null_when: 'vikt in ["-", "?"]'}
      smoking: {from: rok, codelist: smoking}`,
			true, nil, map[string]int64{"null_when weight": 1, "codelist smoking": 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
			tables := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("vikt"), textCol("rok")}}}
			writeTables(t, srcURL, tables, map[string][][]connectors.Value{"besok": {
				{int64(1), "70", "J"}, {int64(2), "-", "9"}, {int64(3), nil, nil},
			}})
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: weight, type: text}
      - {name: smoking, type: text}
`)
			write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - name: smoking
    codes: {J: current, N: never, "9": null}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id`+c.columns+"\n")
			p := loadPlan(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\n"))
			dry, err := plans.DryRun(ctx, p, plans.Options{SourceURL: srcURL})
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			if err := dry.WriteText(&text, 5); err != nil {
				t.Fatal(err)
			}
			if lost := dry.ValuesLost() > 0; lost == c.pass || strings.Contains(text.String(), "the run would FAIL") == c.pass {
				t.Errorf("dry run: %d values lost, want pass=%v:\n%s", dry.ValuesLost(), c.pass, text.String())
			}
			if !strings.Contains(text.String(), "value made NULL by codelist smoking: 1") {
				t.Errorf("dry run does not count the code list's NULLs:\n%s", text.String())
			}
			rep, err := plans.Run(ctx, p, plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
			if err != nil && (c.pass || !errors.Is(err, plans.ErrNotAccounted)) {
				t.Fatal(err)
			}
			if rep == nil || rep.Pass != c.pass {
				t.Fatalf("pass %v, want %v: %v", rep.Pass, c.pass, rep.Problems)
			}
			tc := tableCheck(rep, "besok")
			if !sameCounts(tc.ValuesLostBy, c.lost) || !sameCounts(tc.ValuesNulledBy, c.nulled) {
				t.Errorf("lost %v nulled %v, want lost %v nulled %v", tc.ValuesLostBy, tc.ValuesNulledBy, c.lost, c.nulled)
			}
			if !c.pass && !strings.Contains(strings.Join(rep.Problems, "\n"), "1 values lost (weight: 1)") {
				t.Errorf("problems do not name the column: %v", rep.Problems)
			}
		})
	}
}

func sameCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
