package mappings

import (
	"fmt"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A register of patients, their visits and a form per visit, as a
// connector would describe it.
func familyCatalogue() []connectors.Table {
	return []connectors.Table{
		{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "integer", false), col("personnr", "varchar(13)", true)}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "integer", false), col("patient_id", "integer", true), col("patient_ref", "varchar(10)", true), col("datum", "varchar(10)", true)},
			ForeignKeys: []connectors.ForeignKey{{Name: "fk_patient", Columns: []string{"patient_id"}, RefTable: "patient", RefColumns: []string{"id"}}}},
		{Name: "formular", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "integer", false), col("besok_id", "integer", true)}},
	}
}

const familySchema = `platform: test
tables:
  - name: patient
    columns: [{name: patient_id, type: bigint}]
  - name: visit
    columns:
      - {name: visit_id, type: bigint}
      - {name: patient_id, type: bigint}
      - {name: visit_date, type: date}
      - {name: note, type: json}
  - name: form
    columns: [{name: form_id, type: bigint}, {name: visit_id, type: bigint}]
`

// familyMapping writes the three table mappings with the given extra
// lines for patient, visit and form.
func familyMapping(patient, visit, form string) string {
	return `tables:
  - target: form
    source: formular
    columns: {form_id: id, visit_id: besok_id}` + form + `
  - target: visit
    source: besok
    columns: {visit_id: id, patient_id: patient_id, visit_date: {expr: date(datum)}}
    drop: {patient_ref: old}` + visit + `
  - target: patient
    source: patient
    columns: {patient_id: id}
    drop: {personnr: not migrated}` + patient + `
`
}

func compileFamily(t *testing.T, mapping string) (*Program, Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", familySchema))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if f == nil {
		return nil, ds
	}
	prog, more := Compile([]*File{f}, familyCatalogue(), schema, nil)
	return prog, append(ds, more...)
}

func TestParentLinksOrderTables(t *testing.T) {
	prog, ds := compileFamily(t, familyMapping("",
		"\n    parent: {table: patient, key: [patient_id]}\n    duplicates: {same: [patient_id, visit_date], keep: latest, by: visit_id}",
		"\n    parent: {table: besok, key: besok_id}"))
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, tp := range prog.InParentOrder() {
		order = append(order, tp.Source.Name)
	}
	// The file names form first: it must wait for its visit, which
	// waits for its patient.
	if got, want := strings.Join(order, " "), "patient besok formular"; got != want {
		t.Errorf("order %q, want %q", got, want)
	}
	visit := prog.ForSource("besok")
	if p := visit.Parent; p == nil || p.Table != prog.ForSource("patient") || fmt.Sprint(p.KeyIndex) != "[1]" {
		t.Errorf("visit's parent link %+v", p)
	}
	if d := visit.Duplicates; d == nil || fmt.Sprint(d.SameIndex) != "[1 2]" || d.ByIndex != 0 || !d.Latest {
		t.Errorf("visit's duplicates rule %+v", d)
	}
}

func TestParentAndDuplicatesDiagnostics(t *testing.T) {
	cases := []struct {
		name                 string
		patient, visit, form string
		want                 []string // "line:col code" of each error
	}{
		{"cycle", "\n    parent: {table: besok, key: [id]}", "\n    parent: {table: patient, key: [patient_id]}", "",
			[]string{"9:13 M041", "14:13 M041"}},
		{"a table its own parent", "", "", "\n    parent: {table: formular, key: [id]}",
			[]string{"5:13 M041"}},
		{"parent not mapped", "", "\n    parent: {table: patients, key: [patient_id]}", "",
			[]string{"9:21 M040"}},
		{"too many key columns", "", "\n    parent: {table: patient, key: [patient_id, datum]}", "",
			[]string{"9:13 M044"}},
		{"no such key column", "", "\n    parent: {table: patient, key: [patient]}", "",
			[]string{"9:36 M044"}},
		{"key of another type", "", "\n    parent: {table: patient, key: [patient_ref]}", "",
			[]string{"9:36 M044"}},
		{"no key", "", "\n    parent: {table: patient}", "",
			[]string{"9:13 Y003"}},
		{"typo in parent", "", "\n    parent: {table: patient, keys: [patient_id]}", "",
			[]string{"9:13 Y003", "9:30 Y002"}},
		{"duplicates on an unknown column", "", "\n    duplicates: {same: [patient, visit_date], keep: earliest}", "",
			[]string{"9:25 M042"}},
		{"duplicates keep", "", "\n    duplicates: {same: [patient_id], keep: first}", "",
			[]string{"9:44 Y001"}},
		{"duplicates without keep", "", "\n    duplicates: {same: [patient_id]}", "",
			[]string{"9:17 Y003"}},
		{"duplicates by an unorderable column", "", "\n    duplicates: {same: [patient_id], keep: latest, by: note}", "",
			[]string{"9:56 M042"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ds := compileFamily(t, familyMapping(tc.patient, tc.visit, tc.form))
			var got []string
			for _, d := range ds {
				if d.Severity == Error {
					got = append(got, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Column, d.Code))
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v\n%v", got, tc.want, ds)
			}
			for _, d := range ds {
				if _, ok := Codes[d.Code]; !ok {
					t.Errorf("code %s is not in Codes", d.Code)
				}
			}
		})
	}
}

// A foreign key the source declares, to a mapped table, without a
// parent: in the mapping is a warning that names the fix.
func TestUndeclaredParentWarns(t *testing.T) {
	_, ds := compileFamily(t, familyMapping("", "", ""))
	var got []string
	for _, d := range ds {
		if d.Code == "M043" {
			got = append(got, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Column, d.Message))
		}
	}
	want := "6:13 source table besok refers to patient (foreign key patient_id) but its mapping declares no parent: a record whose patient record is archived or excluded would still migrate (declare parent: {table: patient, key: [patient_id]})"
	if strings.Join(got, "|") != want {
		t.Errorf("got %q", got)
	}
	_, ds = compileFamily(t, familyMapping("", "\n    parent: {table: patient, key: [patient_id]}", ""))
	for _, d := range ds {
		if d.Code == "M043" {
			t.Errorf("warned with the parent declared: %v", d)
		}
	}
}

// map doc says what the links do, in words.
func TestDocumentParentAndDuplicates(t *testing.T) {
	dir := t.TempDir()
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", familySchema))
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", familyMapping("",
		"\n    parent: {table: patient, key: [patient_id]}\n    duplicates: {same: [patient_id, visit_date], keep: earliest, by: visit_id}", "")))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	var b strings.Builder
	for _, blk := range Document(DocMeta{Title: "t"}, []*File{f}, schema) {
		b.WriteString(strings.Join(blk.paras, "\n"))
	}
	for _, want := range []string{
		"Each record belongs to a record of source table patient (its patient_id holds that record's key)",
		"archived (parent_archived)",
		"Records that agree on patient_id, visit_date are one registration: the earliest by visit_id (then the source key) is migrated",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("document lacks %q", want)
		}
	}
}

// plan check compiles without a database, against the source the
// mappings name: parent links are ordered and their cycles found there
// too, and the key checks that need the source's key are left to map
// check and run (M044 is a source diagnostic).
func TestParentLinksWithoutDatabase(t *testing.T) {
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", familySchema))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	compileNamed := func(mapping string) (*Program, []string) {
		f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		catalog, selects := NamedSource([]*File{f})
		prog, cds := Compile([]*File{f}, catalog, schema, &Env{Selects: selects})
		var got []string
		for _, d := range cds {
			if d.Severity == Error && !SourceDiagnostic(d) {
				got = append(got, fmt.Sprintf("%d:%d %s", d.Pos.Line, d.Pos.Column, d.Code))
			}
		}
		return prog, got
	}
	prog, errs := compileNamed(familyMapping("", "\n    parent: {table: patient, key: [patient_id]}", "\n    parent: {table: besok, key: besok_id}"))
	if len(errs) > 0 {
		t.Fatalf("errors without a database: %v", errs)
	}
	var order []string
	for _, tp := range prog.InParentOrder() {
		order = append(order, tp.Source.Name)
	}
	if got := strings.Join(order, " "); got != "patient besok formular" {
		t.Errorf("order %q", got)
	}
	// Which columns make patient's key only the database knows.
	if _, errs := compileNamed(familyMapping("", "\n    parent: {table: patient, key: [patient_id, datum]}", "")); len(errs) > 0 {
		t.Errorf("a two-column parent key without a database: %v", errs)
	}
	_, errs = compileNamed(familyMapping("\n    parent: {table: besok, key: [id]}", "\n    parent: {table: patient, key: [patient_id]}", ""))
	if got := strings.Join(errs, ","); got != "9:13 M041,14:13 M041" {
		t.Errorf("a cycle without a database: %s", got)
	}
}
