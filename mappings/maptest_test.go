package mappings

import (
	"fmt"
	"strings"
	"testing"
)

// A test whose expectation the mapping does not meet is reported at the
// line of the expectation, and coverage names what no row exercised.
func TestMapTestReportsFailuresAtTheirLine(t *testing.T) {
	rep := runExample(t, exampleSchema, `version: 1
tables:
  - target: visit
    source: besok
    rules:
      - {when: "visit_date < birth_date", archive: before_birth}
    columns:
      visit_id: id
      birth_date: fodd
      visit_date: datum
      unit: {from: enhet, rules: {range: [1, 9]}}
tests:
  - name: wrong expectations
    source: besok
    rows:
      - given: {id: 1, fodd: 1980-01-01, datum: 2020-01-01}
        migrated: {visit_id: 2}
      - given: {id: 2, fodd: 1980-01-01, datum: 1970-01-01}
        archived: too_early
      - given: {id: 3, fodd: 1980-01-01, datum: 2020-01-01}
        excluded: opt_out
`)
	var got []string
	for _, f := range rep.Failures {
		got = append(got, fmt.Sprintf("%d: %s", f.Pos.Line, f.Message))
	}
	want := []string{
		`17: column visit_id: want "2", got "1"`,
		`19: want archived too_early, got archived before_birth`,
		`20: want excluded opt_out, got migrated`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if rep.Rows != 3 || rep.Passed != 0 {
		t.Errorf("rows %d passed %d, want 3 and 0", rep.Rows, rep.Passed)
	}
	var unc []string
	for _, u := range rep.Uncovered {
		unc = append(unc, fmt.Sprintf("%d: %s", u.Pos.Line, u.What))
	}
	wantUnc := "3: mapping besok -> visit: no test"
	if strings.Join(unc, "\n") != wantUnc {
		t.Errorf("uncovered:\n%s\nwant:\n%s", strings.Join(unc, "\n"), wantUnc)
	}
}

// Coverage lists the receiving columns no passing row names and the rules
// no passing row breaks.
func TestMapTestCoverage(t *testing.T) {
	rep := runExample(t, exampleSchema, `version: 1
tables:
  - target: visit
    source: besok
    rules:
      - {when: "visit_date < birth_date", archive: before_birth}
    columns:
      visit_id: id
      birth_date: fodd
      visit_date: datum
      unit: {from: enhet, rules: {range: [1, 9]}, null_when: ["0"]}
tests:
  - name: one row
    source: besok
    rows:
      - given: {id: 1, fodd: 1980-01-01, datum: 2020-01-01}
        migrated: {visit_id: 1, visit_date: 2020-01-01}
`)
	if len(rep.Failures) > 0 {
		t.Fatalf("failures: %v", rep.Failures)
	}
	var unc []string
	for _, u := range rep.Uncovered {
		unc = append(unc, fmt.Sprintf("%d: %s", u.Pos.Line, u.What))
	}
	want := []string{
		"6: rule before_birth of besok: no row gives it",
		"9: receiving column visit.birth_date: no migrated row names it",
		"11: receiving column visit.unit: no migrated row names it",
		"11: rule range of visit.unit: no row breaks it",
		"11: null_when of visit.unit: no row makes it NULL",
	}
	if strings.Join(unc, "\n") != strings.Join(want, "\n") {
		t.Errorf("uncovered:\n%s\nwant:\n%s", strings.Join(unc, "\n"), strings.Join(want, "\n"))
	}
}

// A malformed test is a problem of the file (exit 2), at its line.
func TestMapTestInvalidCases(t *testing.T) {
	dir := t.TempDir()
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", exampleSchema))
	cases := []struct{ tests, want string }{
		{`  - name: x
    source: besok
    rows:
      - given: {id: 1}
        migrated: {visit_id: 1}
        archived: x
`, "8:9 Y003"},
		{`  - name: x
    source: nowhere
    rows:
      - given: {id: 1}
        migrated: {}
`, "6:13 T001"},
		{`  - name: x
    source: besok
    rows:
      - given: {id: 1, nosuch: 2}
        migrated: {}
`, "8:24 T001"},
		{`  - name: x
    source: besok
`, "5:5 Y003"},
	}
	for _, c := range cases {
		path := writeFile(t, dir, "m.yaml", `version: 1
tables:
  - {target: visit, source: besok, columns: {visit_id: id, visit_date: datum}}
tests:
`+c.tests)
		f, ds := ParseFile(path)
		if ds.Err() == nil {
			_, ds = RunTests([]*File{f}, schema, testRef)
		}
		var got []string
		for _, d := range ds {
			got = append(got, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Column, d.Code))
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s: got %v (%v), want %s", c.tests, got, ds, c.want)
		}
	}
}

// map test applies a case's rows as a run reads them: a row whose
// receiving key an earlier row (in processing order) took is archived as
// duplicate_key, whatever the rows' order in the file; a row without a
// value in an order_by column fails at its line, as a run stops there.
func TestMapTestProcessingOrder(t *testing.T) {
	const schemaText = `platform: t
tables:
  - name: first_report
    primary_key: [patient]
    columns:
      - {name: patient, type: varchar(8)}
      - {name: report_id, type: bigint}
`
	mapping := func(orderBy string) string {
		return `tables:
  - target: first_report
    source: anmalan
` + orderBy + `    columns: {patient: pat, report_id: id}
    drop: {datum: orders only}
tests:
  - name: order
    source: anmalan
    rows:
      - given: {id: 3, pat: A, datum: 2020-01-01}
        migrated: {report_id: 3}
      - given: {id: 1, pat: A, datum: 2021-01-01}
        archived: duplicate_key
      - given: {id: 2, pat: B, datum: ~}
        migrated: {report_id: 2}
`
	}
	rep := runExample(t, schemaText, mapping("    order_by: [datum]\n"))
	var got []string
	for _, f := range rep.Failures {
		got = append(got, fmt.Sprintf("%d:%d row %d: %s", f.Pos.Line, f.Pos.Column, f.Row, f.Message))
	}
	want := "15:9 row 3: order_by column datum is NULL: the row has no place in the processing order, and a run stops at such a record"
	if strings.Join(got, "; ") != want || rep.Passed != 2 {
		t.Errorf("with order_by: %d passed, failures %q, want 2 and %q", rep.Passed, got, want)
	}
	// In key order, id 1 comes first and keeps A.
	rep = runExample(t, schemaText, mapping("    key: [id]\n"))
	got = nil
	for _, f := range rep.Failures {
		got = append(got, fmt.Sprintf("row %d: %s", f.Row, f.Message))
	}
	if strings.Join(got, "; ") != "row 1: want migrated, got archived duplicate_key (column patient); row 2: want archived duplicate_key, got migrated" {
		t.Errorf("in key order: failures %q", got)
	}
}

// A form store's mapping is held to coverage like any other: its columns
// and rules are listed when no passing row exercises them (they were
// skipped once, so a form store's rule could go untested unnoticed).
func TestMapTestCoverageOfAFormStore(t *testing.T) {
	rep := runExample(t, exampleSchema, `version: 1
tables:
  - target: visit
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    rules:
      - {when: "[src.datum, src.enhet] | all(# == nil)", archive: empty_form}
    columns:
      visit_id: id
      visit_date: {expr: "date(datum)"}
      unit: {expr: "integer(enhet)", rules: {range: [1, 9]}}
tests:
  - name: one form
    source: instans
    rows:
      - entity: {id: 1}
        given: {datum: "2020-01-01"}
        migrated: {visit_id: 1, visit_date: 2020-01-01}
`)
	if len(rep.Failures) > 0 {
		t.Fatalf("failures: %v", rep.Failures)
	}
	var unc []string
	for _, u := range rep.Uncovered {
		unc = append(unc, fmt.Sprintf("%d: %s", u.Pos.Line, u.What))
	}
	want := []string{
		"7: rule empty_form of instans: no row gives it",
		"11: receiving column visit.unit: no migrated row names it",
		"11: rule range of visit.unit: no row breaks it",
	}
	if strings.Join(unc, "\n") != strings.Join(want, "\n") {
		t.Errorf("uncovered:\n%s\nwant:\n%s", strings.Join(unc, "\n"), strings.Join(want, "\n"))
	}
}

// An expected decimal is the value the column stores: 72 and 72.0 are one
// value in a decimal(5,1) column (both are stored as 72.0), and a test
// expecting 72 of a mapping that gives 72.0 passes; 72.1 still fails.
func TestMapTestComparesDecimalsAsTheColumnStoresThem(t *testing.T) {
	schema := `platform: t
tables:
  - name: weight
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: kg, type: "decimal(5,1)"}
`
	rep := runExample(t, schema, `version: 1
tables:
  - target: weight
    source: vikt
    columns:
      id: id
      kg: vikt
tests:
  - name: decimals
    source: vikt
    rows:
      - given: {id: 1, vikt: 72.0}
        migrated: {kg: 72}
      - given: {id: 2, vikt: !decimal 72}
        migrated: {kg: "72.0"}
      - given: {id: 3, vikt: 72.0}
        migrated: {kg: 72.1}
`)
	var got []string
	for _, f := range rep.Failures {
		got = append(got, fmt.Sprintf("%d: %s", f.Pos.Line, f.Message))
	}
	want := `17: column kg: want "72.1", got "72.0"`
	if strings.Join(got, "\n") != want {
		t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}
