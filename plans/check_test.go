package plans_test

import (
	"context"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// checkAgreesFixture is a legacy registry whose code lists have versions
// that come from every place the run takes them: a table's version
// column, a form store's value row, a form store's registration (entity
// column); with a select: source and an opted-out patient. Version 1 of
// smoking maps J, version 2 does not.
func checkAgreesFixture(t *testing.T) (plan, srcURL string) {
	t.Helper()
	dir := t.TempDir()
	srcURL = "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("rok"), intCol("ver")}},
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr"), textCol("rok")}},
		{Name: "enkat", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("patient_id"), textCol("rok")}},
		{Name: "instans", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("formver")}},
		{Name: "varde", PrimaryKey: []string{"varde_id"}, Columns: []connectors.Column{intCol("varde_id"), intCol("instans_id"), textCol("variabel"), textCol("varde"), intCol("vver")}},
	}, map[string][][]connectors.Value{
		// J only under version 1; K under version 2 is the one real miss.
		"besok": {{int64(1), "J", int64(1)}, {int64(2), "J", int64(1)}, {int64(3), "N", int64(2)}, {int64(4), "K", int64(2)}},
		// Patient 2 opted out: its code Z is nobody's business.
		"patient": {{int64(1), "19460101-0301", "J"}, {int64(2), "19121212-1212", "Z"}},
		// A select: source joins the patient's identity for the opt-out.
		"enkat": {{int64(1), int64(1), "J"}, {int64(2), int64(2), "Z"}, {int64(3), int64(1), "K"}},
		// Registrations of form version 1 and 2; value rows of variable
		// rok with their own version (vver) and of rok2 that follows the
		// registration's version (formver).
		"instans": {{int64(1), int64(1)}, {int64(2), int64(1)}, {int64(3), int64(2)}},
		"varde": {
			{int64(1), int64(1), "rok", "J", int64(1)},
			{int64(2), int64(1), "rok2", "J", int64(2)},
			{int64(3), int64(2), "rok", "J", int64(1)},
			{int64(4), int64(2), "rok2", "J", int64(2)},
			{int64(5), int64(3), "rok", "N", int64(2)},
			{int64(6), int64(3), "rok2", "K", int64(2)},
		},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoking, type: varchar(10)}
  - name: person
    primary_key: [person_id]
    columns:
      - {name: person_id, type: bigint}
      - {name: smoking, type: varchar(10)}
  - name: survey
    primary_key: [survey_id]
    columns:
      - {name: survey_id, type: bigint}
      - {name: smoking, type: varchar(10)}
  - name: form
    primary_key: [form_id]
    columns:
      - {name: form_id, type: bigint}
      - {name: smoking, type: varchar(10)}
      - {name: smoking2, type: varchar(10)}
  - name: unused
    primary_key: [unused_id]
    columns:
      - {name: unused_id, type: bigint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `codelists:
  - name: smoking
    versions:
      "1": {J: current, N: never}
      "2": {N: never}
  - name: plain
    codes: {J: current, N: never}
tables:
  - target: visit
    source: besok
    no_person: a fixture of code lists, its visits name no patient
    columns:
      visit_id: id
      smoking: {from: rok, codelist: {name: smoking, version: ver}}
  - target: person
    source: patient
    person: personnr
    columns:
      person_id: id
      smoking: {from: rok, codelist: plain}
  - target: survey
    source:
      table: enkat
      select: SELECT e.id, e.rok, p.personnr FROM enkat e LEFT JOIN patient p ON p.id = e.patient_id
    person: personnr
    columns:
      survey_id: id
      smoking: {expr: rok, codelist: plain}
    drop: {patient_id: the join's key to the patient}
  - target: form
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde, version: vver}
    no_person: a fixture of code lists, its forms name no patient
    columns:
      form_id: id
      smoking: {from: rok, codelist: {name: smoking, version: vver}}
      smoking2: {from: rok2, codelist: {name: smoking, version: formver}}
    drop: {varde_id: the value row's own number}
`)
	write(t, filepath.Join(dir, "optout.txt"), "121212+1212\n")
	plan = writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\n")
	return plan, srcURL
}

// map check finds a code's version where the run does, leaves out what
// the run excludes, and so reports exactly the codes the run archives as
// code_unmapped: as warnings with counts, since the run still PASSes.
func TestMapCheckAgreesWithTheRun(t *testing.T) {
	plan, src := checkAgreesFixture(t)
	p := loadPlan(t, plan)
	ds, err := plans.CheckMappings(context.Background(), p, plans.Options{SourceURL: src})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		if d.Code != "C006" {
			continue
		}
		if d.Severity != mappings.Warning {
			t.Errorf("a code the list archives is an error, but the run PASSes with it: %v", d)
		}
		got = append(got, d.Message)
	}
	sort.Strings(got)
	// The compile's warnings are diagnostics too, not log lines that -q
	// hides.
	if !strings.Contains(ds.Error(), "warning M012: receiving table unused gets no rows from any mapping") {
		t.Errorf("map check lacks the compile's warning M012:\n%v", ds)
	}
	want := []string{
		`code list plain does not map "K", which enkat holds once (for column smoking): that record will be archived (code_unmapped); add the code, or say unmapped: null or default`,
		`code list smoking version "2" does not map "K", which besok holds once (for column smoking): that record will be archived (code_unmapped); add the code, or say unmapped: null or default`,
		`code list smoking version "2" does not map "K", which varde holds once (for column smoking2): that record will be archived (code_unmapped); add the code, or say unmapped: null or default`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("C006:\n%s\nwant:\n%s\nall:\n%v", strings.Join(got, "\n"), strings.Join(want, "\n"), ds)
	}

	// The run archives exactly those records.
	rep, err := plans.DryRun(context.Background(), p, plans.Options{SourceURL: src})
	if err != nil {
		t.Fatal(err)
	}
	archived := map[string]int64{}
	for _, tl := range rep.Tables {
		if n := tl.ArchivedBy["code_unmapped"]; n > 0 {
			archived[tl.Source] = n
		}
	}
	// Registration 3 holds K under its version 2: one record, with its two
	// value rows archived with it. (Its rok2 value rows say version 2 in
	// vver too, but rok2 follows the registration's version: J in
	// registrations 1 and 2 is mapped.)
	wantArchived := map[string]int64{"besok": 1, "enkat": 1, "instans": 1, "varde": 2}
	for table, n := range wantArchived {
		if archived[table] != n {
			t.Errorf("dry run archives %d records of %s as code_unmapped, want %d (all: %v)", archived[table], table, n, archived)
		}
	}
}
