package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// A run archives a record whose identity number has a bad shape
// (person_digits, person_length): exactly the records an archive holds
// in odd shapes. Erasure matched only well-shaped text and integers, so
// it left "19121212 1212", an en-dashed number, a NUMERIC(12,0) column's
// decimal and an integer that lost its leading zero in the package and
// reported success. Each is erased now; another person's number in a bad
// shape stays.
func TestArchiveEraseBadShapesAndNumericColumns(t *testing.T) {
	tbl := erasablePatients(
		nullableText("ident"),
		connectors.Column{Name: "ident_num", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 12}, Nullable: true},
	)
	pkg := erasablePackage(t, tbl, eraseRef, "person_digits", [][]connectors.Value{
		{"19121212 1212", nil},
		{"121212–1212", nil},
		{nil, connectors.Decimal("191212121212")},
		{"512121211", nil}, // 051212-1211 from an integer column
		{"19460101 0301", nil},
	})
	eraseListed(t, pkg, "Dnr 4", "19121212-1212", "20051212-1211")
	wantOnlyLeft(t, pkg, "5")
}

// An identity number kept in a number column reaches the archive as the
// source held it: a NUMERIC(14,2) as 195001011237.00, a double as the
// float 194612319873 or 9901015553 (its century dropped), a number that
// lost its leading zero as 303030308, a text column's copy of a decimal
// as "192711112223.00". The run's opt-out matching reads each (a double
// or decimal by its whole digits); erasure matched none of them, reported
// each person as found in no archived record and left the records in the
// package. Each is erased now, as the run would have excluded it, and
// another person's number in those shapes stays.
func TestArchiveEraseNumbersInNumberShapes(t *testing.T) {
	tbl := erasablePatients(
		nullableText("ident_text"),
		connectors.Column{Name: "ident_dec", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 14, Scale: 2}, Nullable: true},
		connectors.Column{Name: "ident_double", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
	)
	pkg := erasablePackage(t, tbl, eraseRef, "person_length", [][]connectors.Value{
		{nil, connectors.Decimal("195001011237.00"), nil},                   // 19500101-1237
		{nil, nil, float64(194612319873)},                                   // 19461231-9873
		{nil, nil, float64(9901015553)},                                     // 19990101-5553
		{nil, connectors.Decimal("303030308.00"), nil},                      // 20030303-0308
		{"192711112223.00", nil, nil},                                       // 19271111-2223
		{nil, connectors.Decimal("191212121212.00"), float64(191212121212)}, // on no list
	})
	out := eraseListed(t, pkg, "Dnr 5", "19500101-1237", "19461231-9873", "19990101-5553", "20030303-0308", "19271111-2223")
	wantAllFound(t, out)
	wantOnlyLeft(t, pkg, "6")
}

// A record whose number's century cannot be resolved against the list's
// is erased on its ten digits, the safe side: 1612021814 reads as 2016
// against the reference date while the list names 19161202-1814, and
// 202712121215 writes a century that puts the birth after the reference
// date. The first erased silently, the second erased and reported its
// person as found in no archived record. Both persons count as found,
// and the output says their matches rest on the ten digits.
func TestArchiveEraseSaysWhenTheCenturyIsUnresolved(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"))
	pkg := erasablePackage(t, tbl, eraseRef, "person_future", [][]connectors.Value{{"1612021814"}, {"202712121215"}, {"19121212-1212"}})
	out := eraseListed(t, pkg, "Dnr 6", "19161202-1814", "19271212-1215")
	if !strings.Contains(out, "0 found in no archived record") || !strings.Contains(out, "century not resolved: 1 read in another century than the list's entry, 1 naming a century after the reference date") {
		t.Errorf("the unresolved matches are not reported:\n%s", out)
	}
	wantOnlyLeft(t, pkg, "3")
}

// eraseRef is the reference date of the packages erased here.
var eraseRef = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// nullableText is a nullable text column.
func nullableText(name string) connectors.Column {
	return connectors.Column{Name: name, Type: connectors.Type{Kind: connectors.KindText}, Nullable: true}
}

// erasablePatients is a patient table of an int id and cols.
func erasablePatients(cols ...connectors.Column) *connectors.Table {
	return &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: append([]connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
	}, cols...)}
}

// eraseListed runs archive erase on pkg for the persons numbers name,
// under reference, fails t unless it exits OK and gives its output.
func eraseListed(t *testing.T, pkg, reference string, numbers ...string) string {
	t.Helper()
	list := personListFile(t, numbers...)
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", reference)
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	return out
}

// wantAllFound fails t unless erase's output says every listed person was
// found in an archived record.
func wantAllFound(t *testing.T, out string) {
	t.Helper()
	if !strings.Contains(out, "0 found in no archived record") {
		t.Errorf("persons reported as found in no record:\n%s", out)
	}
}

// wantOnlyLeft fails t unless the one patient record left in pkg is id
// (another person's).
func wantOnlyLeft(t *testing.T, pkg, id string) {
	t.Helper()
	if left := recordsLeft(t, pkg, "patient"); left != id {
		t.Fatalf("records left: %v, want only %s (another person)", left, id)
	}
}

// erasablePackage writes a package holding table tbl, one record (with
// reason) for each row of values after the id, numbered from 1.
func erasablePackage(t *testing.T, tbl *connectors.Table, ref time.Time, reason string, rows [][]connectors.Value) string {
	t.Helper()
	pkg := filepath.Join(t.TempDir(), "pkg")
	w, err := archive.Create(pkg, archive.Meta{Register: "t", Owner: "B", ReferenceDate: ref.Format(time.DateOnly)})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range rows {
		if err := w.Add(tbl, archive.Record{Reason: reason, Values: append([]connectors.Value{int64(i + 1)}, v...)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(ref); err != nil {
		t.Fatal(err)
	}
	return pkg
}

// personListFile writes an erasure's person list of numbers.
func personListFile(t *testing.T, numbers ...string) string {
	t.Helper()
	list := filepath.Join(t.TempDir(), "list.txt")
	if err := os.WriteFile(list, []byte(strings.Join(numbers, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return list
}

// recordsLeft gives the ids (first values) of table's records in pkg,
// space separated.
func recordsLeft(t *testing.T, pkg, table string) string {
	t.Helper()
	p, err := archive.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := p.Records(table)
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	var left []string
	for recs.Next() {
		left = append(left, fmt.Sprint(recs.Record().Values[0]))
	}
	if err := recs.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(left, " ")
}

// A run archived a record whose number stood among other digits
// ("19121212-1212 (nr 2)", two numbers in one field) as person_length,
// and a CHAR column's blank-padded copy of an integer that lost its
// leading zero likewise: the packages written before the run excluded
// them hold such records, and erasure left them there and reported the
// persons as found in no archived record. Each is erased now, as the run
// excludes it, and another person's number in those shapes stays.
func TestArchiveEraseNumbersAmongOtherDigits(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"))
	pkg := erasablePackage(t, tbl, eraseRef, "person_length", [][]connectors.Value{
		{"19121212-1212 (nr 2)"},
		{"194601010301, 121212-1212"},
		{"512121211 "}, // 051212-1211 from a char(10) column
		{"19460101-0301 (nr 2)"},
	})
	out := eraseListed(t, pkg, "Dnr 6", "19121212-1212", "20051212-1211")
	wantAllFound(t, out)
	wantOnlyLeft(t, pkg, "4")
}

// A listed ten-digit number beside a note of two digits ("120510-1007 nr
// 04") has twelve digits that make one number (of 1205): erasure asked
// only that one, and left the listed patient's record the run now
// excludes.
func TestArchiveEraseNumberBesideANoteOfTwoDigits(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"))
	pkg := erasablePackage(t, tbl, eraseRef, "person_length", [][]connectors.Value{
		{"120510-1007 nr 04"},
		{"19460101-0301 nr 04"},
	})
	out := eraseListed(t, pkg, "Dnr 7", "19120510-1007")
	wantAllFound(t, out)
	wantOnlyLeft(t, pkg, "2")
}
