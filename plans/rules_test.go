package plans_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A run counts the mapping's own reasons in the ledger: rules that archive
// and exclude, codes archived on purpose, open-ended dates made NULL by
// declaration; and the run PASSes with them.
func TestRunCountsNamedReasons(t *testing.T) {
	dir := t.TempDir()
	srcURL, plan := namedReasonsRegistry(t, dir)
	work := t.TempDir()
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work})
	if err != nil {
		t.Fatal(err)
	}
	tl := rep.Tables[0]
	got := fmt.Sprint(tl.Migrated, tl.ArchivedBy, tl.ExcludedBy, tl.ValuesNulledBy)
	want := "2 map[after_reference_date:1 before_birth:1 obsolete_code:1] map[test_patient:1] map[open_ended ended_on:1]"
	if got != want {
		t.Errorf("ledger: %s\nwant:   %s", got, want)
	}
}

// map check reports the codes a list archives on purpose as expected:
// info C007 with the count, not the C006 warning of a code to fix.
func TestMapCheckReportsCodesArchivedOnPurpose(t *testing.T) {
	dir := t.TempDir()
	srcURL, plan := namedReasonsRegistry(t, dir)
	ds, err := plans.CheckMappings(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: srcURL})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Severity.String()+" "+d.Code+": "+d.Message)
	}
	want := "info C007: code list smoking archives \"9\" on purpose (obsolete_code): besok holds it once (for column smoking), that record will be archived as obsolete_code"
	if strings.Join(got, "\n") != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// namedReasonsRegistry writes a visit table and a mapping with rules,
// a code archived on purpose and an open-ended date.
func namedReasonsRegistry(t *testing.T, dir string) (srcURL, plan string) {
	t.Helper()
	srcURL = "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("fodd"), textCol("datum"), textCol("slut"), textCol("rok"), textCol("test")}},
	}, map[string][][]connectors.Value{"besok": {
		{int64(1), "1980-01-01", "2020-05-01", "2020-06-01", "1", "N"},
		{int64(2), "1980-01-01", "1979-12-31", nil, "1", "N"}, // before_birth
		{int64(3), "1980-01-01", "2027-01-01", nil, "1", "N"}, // after_reference_date
		{int64(4), "1980-01-01", "2020-05-01", nil, "1", "J"}, // test_patient
		{int64(5), "1980-01-01", "2020-05-01", "9999-12-31", "1", "N"},
		{int64(6), "1980-01-01", "2020-05-01", "0000-00-00", "9", "N"}, // obsolete_code
	}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: birth_date, type: date}
      - {name: visit_date, type: date}
      - {name: ended_on, type: date}
      - {name: smoking, type: varchar(10)}
`)
	write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - {name: smoking, codes: {"1": current}, archive: {"9": obsolete_code}}
tables:
  - target: visit
    source: besok
    rules:
      - {when: 'src.test == "J"', exclude: test_patient}
      - {when: "visit_date < birth_date", archive: before_birth}
      - {when: "visit_date > reference_date", archive: after_reference_date}
    columns:
      visit_id: id
      birth_date: {expr: date(fodd)}
      visit_date: {expr: date(datum)}
      ended_on: {expr: date(slut), open_ended: [9999-12-31, zero]}
      smoking: {from: rok, codelist: smoking}
    drop: {test: read by the rule that excludes test patients}
`)
	return srcURL, writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
}

// map check says that a code differing from a listed one only in case or
// trailing spaces is archived whatever the list's unmapped: policy, not
// that it "becomes null, as the list's unmapped policy says".
func TestMapCheckNamesCodesInAnotherSpelling(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("rok")}},
	}, map[string][][]connectors.Value{"besok": {{int64(1), "J"}, {int64(2), "j"}, {int64(3), "X"}}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoking, type: varchar(10)}
`)
	write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - {name: smoking, unmapped: null, codes: {J: current, N: never}}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      smoking: {from: rok, codelist: smoking}
`)
	ds, err := plans.CheckMappings(context.Background(), loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: srcURL})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Code+": "+d.Message)
	}
	sort.Strings(got)
	want := []string{
		`C006: code list smoking does not map "X", which besok holds once (for column smoking): those values become null, as the list's unmapped policy says`,
		`C006: code list smoking does not map "j", which besok holds once (for column smoking): it differs from a code the list maps only in case, trailing spaces or how a number is written (01 for 1), so that record will be archived (code_unmapped) whatever unmapped: says; map this spelling too, or normalise the value (upper(), strip(), integer())`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
