package mappings

import (
	"strings"
	"testing"
)

// What a mapping does to the records beyond its columns' steps is in the
// document the registry holder approves: a select: source's query (a
// CASE changes values, and verification re-reads through the same query,
// so it passes), no_person: (the
// table's records are matched against neither exclusion list) and a
// column's choice: (a differing later value is left out, counted but
// written nowhere). Each was in the plan's hash and missing from the page.
func TestDocumentShowsSelectNoPersonAndChoice(t *testing.T) {
	dir := t.TempDir()
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: visit
    source:
      table: besok
      select: "SELECT id, CASE WHEN vikt = '0' THEN NULL ELSE vikt END AS vikt FROM besok WHERE datum >= '2005-01-01'"
    no_person: test bookings of the clinic, no patient's visits
    columns:
      visit_id: id
      weight_kg: {expr: 'decimal(vikt ?? langd)', choice: the weighed value is the later measurement}
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", schemaYAML))
	var md, page strings.Builder
	blocks := Document(DocMeta{Title: "T"}, []*File{f}, schema)
	if err := WriteMarkdown(&md, blocks); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&page, blocks); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Source: table besok, read through this query, whose values the run takes for the table's (a record it leaves out fails verification's count): SELECT id, CASE WHEN vikt = '0' THEN NULL ELSE vikt END AS vikt FROM besok WHERE datum >= '2005-01-01'",
		"Records are NOT matched against the opt-out and erasure lists: test bookings of the clinic, no patient's visits.",
		"the first value that is not empty wins, a differing later one is left out: the weighed value is the later measurement",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the Markdown document lacks %q:\n%s", want, md.String())
		}
	}
	if !strings.Contains(page.String(), "WHERE datum &gt;= &#39;2005-01-01&#39;") {
		t.Errorf("the HTML document lacks the select's WHERE:\n%s", page.String())
	}
}

// A dropped column's values of a migrated record go nowhere: not to the
// receiving platform, and not to the archive package, which keeps only
// archived records. The document's "Not migrated" heading alone let a
// registry holder read it as "archived instead".
func TestDocumentSaysDroppedColumnsAreKeptNowhere(t *testing.T) {
	dir := t.TempDir()
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
    drop:
      anteckning: free text the receiving platform has no column for
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", schemaYAML))
	var md strings.Builder
	if err := WriteMarkdown(&md, Document(DocMeta{Title: "T"}, []*File{f}, schema)); err != nil {
		t.Fatal(err)
	}
	want := "### Not migrated\n\nThe values of these source columns are carried nowhere: a migrated record's values in them are neither on the receiving platform nor in the archive package (a record archived for another reason keeps them there)."
	if !strings.Contains(md.String(), want) {
		t.Errorf("the document lacks %q:\n%s", want, md.String())
	}
}

// A mapping's access: section makes the run archive legacy grants (an
// appointment ended before the reference date, a scope naming a care
// unit that no longer exists) and lets an account reach less than before:
// verification fails only on more. The document showed none of it, so a
// registry holder approved a plan that left care staff without access to
// records they had, without a word on the page.
func TestDocumentShowsWhatAccessDoes(t *testing.T) {
	dir := t.TempDir()
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", `access:
  units: {table: vardenhet, key: id, region: region}
  legacy:
    roles:
      LAK: {access: write}
    grants:
      - {table: behorighet, account: anvandare_id, role: roll, unit: vardenhet_id}
      - {table: forordnande, account: anvandare_id, unit: vardenhet_id, valid_to: giltig_till, basis: appointment, access: write}
  receiving:
    roles:
      reporter: {access: write}
    grants:
      - {table: app_grant, account: user_id, role: role, unit: care_unit_id}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
`))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", schemaYAML))
	var md strings.Builder
	if err := WriteMarkdown(&md, Document(DocMeta{Title: "T"}, []*File{f}, schema)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"## Access: who may see what",
		"| forordnande | an appointment whose last day (giltig_till) is before the plan's reference date (the day of the run when the plan gives none) is archived (appointment_expired), not carried |",
		"| behorighet | a grant whose care unit (vardenhet_id) is not in table vardenhet is archived (unit_not_found), not carried |",
		"| forordnande | a grant whose care unit (vardenhet_id) is not in table vardenhet is archived (unit_not_found), not carried |",
		"Verification fails when an account reaches a care unit afterwards that it did not reach before, or writes where it only read. An account that reaches fewer units afterwards passes: narrowed access is not an alarm.",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the document lacks %q:\n%s", want, md.String())
		}
	}
}

// A table's unit: decides which care provider may read its records on the
// receiving platform; none: gives them to no provider, and translate:
// archives a record whose legacy unit the list does not name
// (unit_not_translated). None was in the document.
func TestDocumentShowsTheReportingUnit(t *testing.T) {
	dir := t.TempDir()
	doc := func(unit string) string {
		t.Helper()
		f, ds := ParseFile(writeFile(t, dir, "m.yaml", `codelists:
  - name: enheter
    codes: {"1": "11"}
tables:
  - target: visit
    source: besok
    unit: `+unit+`
    columns:
      visit_id: id
      care_unit_id: {from: vardenhet_id, codelist: enheter}
`))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		var md strings.Builder
		if err := WriteMarkdown(&md, Document(DocMeta{Title: "T"}, []*File{f}, &Schema{})); err != nil {
			t.Fatal(err)
		}
		return md.String()
	}
	for unit, want := range map[string]string{
		"vardenhet_id": "Reporting care unit: column vardenhet_id; on the receiving platform a care provider reads only the records of its own units.",
		"{column: vardenhet_id, translate: enheter}": "Reporting care unit: column vardenhet_id, translated by code list enheter; a record whose unit the list does not name is archived (unit_not_translated).",
		`{none: "code lists, no reported data"}`:     "Reporting care unit: none (code lists, no reported data): the records belong to no care provider.",
	} {
		if s := doc(unit); !strings.Contains(s, want) {
			t.Errorf("unit: %s: the document lacks %q:\n%s", unit, want, s)
		}
	}
}

// The document's account of outcomes named opt-out and erasure as the
// only ways a record is excluded (written nowhere), while a table rule's
// exclude: and an excluded parent exclude records too.
func TestDocumentOutcomesNameEveryExclusion(t *testing.T) {
	var md strings.Builder
	if err := WriteMarkdown(&md, Document(DocMeta{Title: "T"}, nil, &Schema{})); err != nil {
		t.Fatal(err)
	}
	want := "excluded (the patient opted out or demanded erasure, a table rule's exclude: holds, or the record it belongs to is excluded; the record is counted and written nowhere)"
	if !strings.Contains(md.String(), want) {
		t.Errorf("the document lacks %q:\n%s", want, md.String())
	}
}
