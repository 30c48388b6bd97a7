package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// visitsSplit is a visit table whose patient's number is split over two
// columns: the birth date, as a date, and the last four, as text (what
// a mapping's person: joins). kod is a code that failed, the reason the
// records were archived.
func visitsSplit() *connectors.Table {
	return &connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "fodd", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true},
		{Name: "sista4", Type: connectors.Type{Kind: connectors.KindText, Length: 4}, Nullable: true},
		{Name: "kod", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
}

// splitPackage holds two visits archived for an unknown code: the
// listed patient's, 19121212-1212 split as 1912-12-12 and 1212, and
// another person's, 19460101-0301.
func splitPackage(t *testing.T) string {
	t.Helper()
	return erasablePackage(t, visitsSplit(), eraseRef, "code_unknown", [][]connectors.Value{
		{connectors.Date{Year: 1912, Month: 12, Day: 12}, "1212", "X9"},
		{connectors.Date{Year: 1946, Month: 1, Day: 1}, "0301", "X9"},
	})
}

// A package records no mapping's person: columns, so an identity number
// split over two of them (a birth date and the last four) is no value
// erase could match: asked to erase that patient, erase left the record
// in the package, said the person was found in no archived record, and
// exited 0: an erasure believed done. It must refuse instead, change
// nothing, and name the package, the table, the two columns and what to
// pass to search them.
func TestArchiveEraseRefusesANumberSplitOverColumnsItCannotPlace(t *testing.T) {
	pkg := splitPackage(t)
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 8")
	if code == exitOK {
		t.Fatalf("erase exited 0 with the listed patient's split number left in the package:\n%s\n%s", out, errs)
	}
	for _, want := range []string{pkg, "besok", "fodd", "sista4", "--plan", "--person-columns"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the refusal does not name %q:\n%s", want, errs)
		}
	}
	if shown := strings.ReplaceAll(errs, pkg, "PKG"); strings.Contains(shown, "1912") || strings.Contains(shown, "1212") {
		t.Errorf("the refusal shows the person's number:\n%s", errs)
	}
	if left := recordsLeft(t, pkg, "besok"); left != "1 2" {
		t.Fatalf("a refused erasure changed the package: records left %q, want 1 2", left)
	}
	if _, err := os.Stat(strings.TrimRight(pkg, "/") + ".erase-new"); err == nil {
		t.Fatalf("a refused erasure left a new version beside the package")
	}
}

// Told which columns hold the split number (--person-columns), erase
// asks them joined, as the run does, and removes exactly the listed
// patient's record; another person's visit, whose columns are joined
// too, stays.
func TestArchiveErasePersonColumnsFindASplitNumber(t *testing.T) {
	pkg := splitPackage(t)
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 9", "--person-columns", "besok=fodd,sista4")
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "besok"); left != "2" {
		t.Fatalf("records left %q, want only 2 (another person)", left)
	}
}

// The plan's person: declaration names the columns (--plan): erase reads
// them from the mapping that reads the table and removes the listed
// patient's record, whose last four an integer column kept without its
// leading zero.
func TestArchiveErasePlanPersonFindsASplitNumber(t *testing.T) {
	tbl := visitsSplit()
	tbl.Columns[2].Type = connectors.Type{Kind: connectors.KindInt, Bits: 32}
	pkg := erasablePackage(t, tbl, eraseRef, "code_unknown", [][]connectors.Value{
		{connectors.Date{Year: 1946, Month: 1, Day: 1}, int64(301), "X9"},
		{connectors.Date{Year: 1912, Month: 12, Day: 12}, int64(1212), "X9"},
	})
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("schema.yaml", `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: code, type: text}
`)
	write("besok.yaml", `tables:
  - target: visit
    source: besok
    person: {expr: 'string(fodd) + "-" + string(sista4)'}
    columns:
      visit_id: id
      code: kod
`)
	// The demo's plan, reading this mapping and schema.
	demo, err := os.ReadFile("../../plans/demo/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Replace(string(demo), "  - mapping.yaml\n", "  - besok.yaml\n", 1)
	if plan == string(demo) {
		t.Fatal("the demo plan names no mapping.yaml")
	}
	write("plan.yaml", plan)
	portfolio, err := os.ReadFile("../../plans/demo/portfolio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write("portfolio.yaml", string(portfolio))
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 10", "--plan", filepath.Join(dir, "plan.yaml"))
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "besok"); left != "1" {
		t.Fatalf("records left %q, want only 1 (another person)", left)
	}
}

// A birth date kept in a legacy datetime column reads back at midnight
// (1912-12-12 00:00:00): its time's zeros joined with the last four made
// no number, and the listed patient's record stayed. It is read as its
// date, as a date column's is.
func TestArchiveErasePersonColumnsReadADatetimeBirthDate(t *testing.T) {
	tbl := visitsSplit()
	tbl.Columns[1].Type = connectors.Type{Kind: connectors.KindDateTime}
	pkg := erasablePackage(t, tbl, eraseRef, "code_unknown", [][]connectors.Value{
		{connectors.LocalDateTime{Date: connectors.Date{Year: 1912, Month: 12, Day: 12}}, "1212", "X9"},
		{connectors.LocalDateTime{Date: connectors.Date{Year: 1946, Month: 1, Day: 1}}, "0301", "X9"},
	})
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 11", "--person-columns", "besok=fodd,sista4")
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "besok"); left != "2" {
		t.Fatalf("records left %q, want only 2 (another person)", left)
	}
}

// A misspelt table or column in --person-columns would leave the split
// number unsearched: erase refuses it, naming the name, and changes
// nothing.
func TestArchiveErasePersonColumnsMustExist(t *testing.T) {
	for _, c := range []struct{ flag, name string }{{"besok=fod,sista4", "fod"}, {"besk=fodd,sista4", "besk"}} {
		flag, name := c.flag, c.name
		pkg := splitPackage(t)
		list := personListFile(t, "19121212-1212")
		code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 13", "--person-columns", flag)
		if code == exitOK || !strings.Contains(errs, name) {
			t.Errorf("%s: exit %d, want a refusal naming %s\n%s\n%s", flag, code, name, out, errs)
		}
		if left := recordsLeft(t, pkg, "besok"); left != "1 2" {
			t.Errorf("%s: records left %q, want 1 2", flag, left)
		}
	}
}

// The shapes a split number's parts come in, each erased where the
// person: columns name them, another person's parts kept: a six-digit
// birth date in text, a co-ordination number's birth date (day + 60,
// text: no date column holds it), and the last four in an integer
// column; and the list writing a number as ten digits with '+' (100 or
// older) or as twelve.
func TestArchiveEraseSplitNumberShapes(t *testing.T) {
	tbl := &connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		nullableText("fodd"),
		{Name: "sista4", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true},
	}}
	rows := [][]connectors.Value{
		{"121212", int64(1212)},   // 19121212-1212, listed as 121212+1212
		{"19121272", int64(1235)}, // a co-ordination number
		{"051212", int64(1237)},   // 20051212-1237, listed with twelve digits
		{"19460161", int64(1231)}, // another person's co-ordination number
		{"460101", int64(301)},    // another person's
	}
	listed := []string{"121212+1212", "191212721235", "20051212-1237"}
	// Not told the columns, erase finds each listed person's parts and
	// refuses.
	pkg := erasablePackage(t, tbl, eraseRef, "code_unknown", rows)
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", personListFile(t, listed...), "--reference", "Dnr 14")
	if code == exitOK || !strings.Contains(errs, "3 records hold in columns fodd and sista4") {
		t.Fatalf("erase not told the person: columns: exit %d, want a refusal naming the 3 records\n%s\n%s", code, out, errs)
	}
	pkg = erasablePackage(t, tbl, eraseRef, "code_unknown", rows)
	out = eraseListedWith(t, pkg, []string{"--person-columns", "besok=fodd,sista4"}, "121212+1212", "191212721235", "20051212-1237")
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "besok"); left != "4 5" {
		t.Fatalf("records left %q, want 4 5 (other persons)", left)
	}
}

// eraseListedWith is eraseListed with more flags.
func eraseListedWith(t *testing.T, pkg string, flags []string, numbers ...string) string {
	t.Helper()
	list := personListFile(t, numbers...)
	code, out, errs := cli(t, append([]string{"archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 14"}, flags...)...)
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	return out
}

// A value archived alone (value granularity) belongs to a record that
// migrated: the package holds its key and the value, not the record's
// person, so erase cannot tell whose it is. It said "values archived
// alone: none" as if it had looked at every value and found none of the
// person's. It says how many it left, in which table, and why.
func TestArchiveEraseSaysWhichValuesArchivedAloneItCannotPlace(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"), nullableText("vikt"))
	pkg := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(pkg, archive.Meta{Register: "t", Owner: "B", ReferenceDate: eraseRef.Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Add(tbl, archive.Record{Reason: "person_length", Values: []connectors.Value{int64(1), "19121212-1212", nil}}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddValue(tbl, archive.Value{Key: []connectors.Value{int64(2)}, Column: "weight", SourceColumn: "vikt", Reason: "out_of_range", Value: "700"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(eraseRef); err != nil {
		t.Fatal(err)
	}
	out := eraseListed(t, pkg, "Dnr 16", "19121212-1212")
	if !strings.Contains(out, "values archived alone left, whose record migrated: patient 1") {
		t.Errorf("erase does not say which values archived alone it could not place:\n%s", out)
	}
}

// A visit archived for its own reason whose patient migrated is linked
// (the mapping's parent:) to a record the package does not hold: erase
// cannot tell whose it is, and said nothing of it while removing the
// visit whose archived patient it erased. It says how many such records
// it left, in which table.
func TestArchiveEraseSaysWhichChildrenOfMigratedParentsItLeft(t *testing.T) {
	patient := erasablePatients(nullableText("ident"))
	visit := &connectors.Table{Name: "visit", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "patient_id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true},
	}, ForeignKeys: []connectors.ForeignKey{{Name: archive.ParentKey, Columns: []string{"patient_id"}, RefTable: "patient", RefColumns: []string{"id"}}}}
	pkg := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(pkg, archive.Meta{Register: "t", Owner: "B", ReferenceDate: eraseRef.Format("2006-01-02")})
	if err != nil {
		t.Fatal(err)
	}
	for _, add := range []struct {
		tbl    *connectors.Table
		reason string
		values []connectors.Value
	}{
		{patient, "person_length", []connectors.Value{int64(1), "19121212-1212"}},
		{visit, "parent_archived", []connectors.Value{int64(10), int64(1)}},
		{visit, "invalid_date", []connectors.Value{int64(11), int64(5)}}, // patient 5 migrated
	} {
		if err := w.Add(add.tbl, archive.Record{Reason: add.reason, Values: add.values}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(eraseRef); err != nil {
		t.Fatal(err)
	}
	out := eraseListed(t, pkg, "Dnr 17", "19121212-1212")
	if !strings.Contains(out, "records referring to those: visit 1") || !strings.Contains(out, "records left whose parent record migrated: visit 1") {
		t.Errorf("erase does not say which records it left whose parent migrated:\n%s", out)
	}
	if left := recordsLeft(t, pkg, "visit"); left != "11" {
		t.Errorf("visits left %q, want 11", left)
	}
}

// A person: can read a number split over three columns (the year of
// birth, the month and day, the last four: 'ar + md + "-" + sista4'):
// erase, told the three columns, asked two of them joined at most, and
// no two of these make a number (a century and a birth date with the
// last four would: their ten digits), so it left the listed patient's
// record and exited 0 saying the person was found in no archived
// record. Every order of three is asked, a part of an integer column
// that lost its leading zeros padded; another person's record stays.
func TestArchiveEraseNumberSplitOverThreeColumns(t *testing.T) {
	tbl := &connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		nullableText("ar"), nullableText("md"),
		{Name: "sista4", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true},
	}}
	rows := [][]connectors.Value{
		{"1912", "1212", int64(1212)},
		{"1946", "0101", int64(301)},
		{"2005", "1212", int64(1237)},
	}
	pkg := erasablePackage(t, tbl, eraseRef, "code_unknown", rows)
	out := eraseListedWith(t, pkg, []string{"--person-columns", "besok=ar,md,sista4"}, "19121212-1212", "20051212-1237")
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "besok"); left != "2" {
		t.Fatalf("records left %q, want only 2 (another person)\n%s", left, out)
	}
}
