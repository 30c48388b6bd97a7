package main

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A record a run archived with a reserve number (no_national_id) holds
// the number in the package: an erasure list naming it finds the record,
// separators and letter case aside, a 6-digit entry an 8-digit record
// with the same last six date digits and serial too (reported as not
// resolved, erased on the safe side). Before, the entry stopped erase
// as no identity number. Another reserve number, one whose 8-digit date
// differs, and a personnummer stay.
func TestArchiveEraseReserveNumbers(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"), nullableText("ident_bin"))
	pkg := erasablePackage(t, tbl, eraseRef, "no_national_id", [][]connectors.Value{
		{"19900101-T123", nil},
		{"19900101 t123", nil},
		{nil, []byte("19850505-X001")},
		{"19771212-TF12", nil},
		{"19900101-T124", nil}, // another serial
		{"20900101-T123", nil}, // another 8-digit date
		{"19121212-1212", nil},
		{"19660606-Q777 (nr 2)", nil}, // beside a note, as a run excludes it
	})
	out := eraseListed(t, pkg, "Dnr 7", "19900101-t123", "19850505X001", "771212-TF12", "19660606-q777")
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "patient"); left != "5 6 7" {
		t.Fatalf("records left: %v, want 5 6 7", left)
	}
	if !strings.Contains(out, "century not resolved: 1 read in another century") {
		t.Errorf("the 6-digit entry's match is not reported as unresolved:\n%s", out)
	}
	for _, n := range []string{"T123", "X001", "TF12", "Q777"} {
		if strings.Contains(out, n) {
			t.Errorf("erase's output holds a reserve number (%s):\n%s", n, out)
		}
	}
}

// An entry that is neither an identity number nor a reserve number still
// stops erase, named by its line.
func TestArchiveEraseRefusesAMalformedEntry(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"))
	pkg := erasablePackage(t, tbl, eraseRef, "no_national_id", [][]connectors.Value{{"19900101-T123"}})
	list := personListFile(t, "19900101-T123", "19900101-T12")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 8")
	if code == exitOK || !strings.Contains(errs, ":2") || strings.Contains(out+errs, "T12") {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
}

// A form store's form a run archived with its person's reserve number
// in a value row: erase finds the form by it and takes its value rows,
// and keeps another reserve number's form.
func TestArchiveEraseFormStoreReserveNumber(t *testing.T) {
	pkg, _ := formStoreRun(t, "personnr", map[int][][2]string{
		1: {{"personnr", "19900101-T123"}},
		2: {{"personnr", "19900101-T124"}},
		3: {{"personnr", "19121212-1212"}},
	})
	list := personListFile(t, "19900101-t123")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 21")
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	if left := recordsLeft(t, pkg, "instans"); left != "2" {
		t.Errorf("forms left %q, want only 2 (another person's)\n%s", left, out)
	}
	if left := formValuesLeft(t, pkg); left != "2:besok 2:personnr" {
		t.Errorf("value rows left %q, want only form 2's\n%s", left, out)
	}
}
