package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// archive log --person-list answers a patient known only by a reserve
// number (19900101-T123) as it answers one with an identity number:
// the extracts filtered on their number, whole or among other text,
// separators and letter case aside, a 6-digit entry an 8-digit filter
// with the same last six date digits and serial too, and not another
// serial's, another 8-digit date's or a personnummer's. Before, the list
// entry stopped archive log as no identity number, and an extract on a
// reserve number was logged with no digest, so no list could find it.
// Neither the access log nor the output holds the number.
func TestArchiveLogListsAReserveNumbersAccesses(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"))
	pkg := erasablePackage(t, tbl, eraseRef, "no_national_id", [][]connectors.Value{
		{"19900101-T123"}, {"19900101-T124"}, {"19121212-1212"}, {"ring om 19900101-t123"}, {"20900101-T123"},
	})
	outs := t.TempDir()
	for i, c := range []struct{ where, purpose string }{
		{"ident=19900101-T123", "case one"},
		{"ident=19900101-T124", "case two"},
		{"ident=19121212-1212", "case three"},
		{"ident=ring om 19900101-t123", "case four"},
		{"ident=20900101-T123", "case five"},
		{"", "audit all"},
	} {
		args := []string{"archive", "extract", pkg, "--table", "patient", "--to", filepath.Join(outs, fmt.Sprint(i)+".csv"), "--purpose", c.purpose}
		if c.where != "" {
			args = append(args, "--where", c.where)
		}
		if code, out, errs := cli(t, args...); code != exitOK {
			t.Fatalf("extract %s: exit %d\n%s\n%s", c.purpose, code, out, errs)
		}
	}
	for _, c := range []struct {
		entry string
		want  []string
	}{
		{"19900101-t123", []string{"case one", "case four"}},
		{"19900101T123", []string{"case one", "case four"}},
		{"900101-T123", []string{"case one", "case four", "case five"}},
		{"20900101-T123", []string{"case five"}},
		{"19900101-T125", nil},
	} {
		t.Run(c.entry, func(t *testing.T) {
			list := personListFile(t, c.entry)
			code, out, errs := cli(t, "archive", "log", pkg, "--person-list", list)
			if code != exitOK {
				t.Fatalf("archive log: exit %d\n%s\n%s", code, out, errs)
			}
			person, others, _ := strings.Cut(out, "extracts not filtered on an identity number")
			for _, p := range []string{"case one", "case two", "case three", "case four", "case five"} {
				if want := slices.Contains(c.want, p); strings.Contains(person, p) != want {
					t.Errorf("%s listed as the person's: %v, want %v\n%s", p, !want, want, out)
				}
			}
			if !strings.Contains(person, fmt.Sprintf(": %d extracts filtered on their number", len(c.want))) {
				t.Errorf("want %d extracts filtered on their number:\n%s", len(c.want), out)
			}
			// The text naming one is listed there too, as one naming an
			// identity number is (Event.FilteredOnIdentityNumber).
			if !strings.Contains(others, "audit all") || strings.Contains(others, "case one") || strings.Contains(others, "case five") {
				t.Errorf("the extracts not filtered on a number are not the whole table's and the text's:\n%s", out)
			}
			if strings.Contains(strings.ToUpper(strings.ReplaceAll(out+errs, list, "LIST")), "T123") {
				t.Errorf("the output holds the reserve number:\n%s%s", out, errs)
			}
		})
	}
	access, _ := os.ReadFile(archive.AccessLogPath(pkg))
	if s := strings.ToUpper(string(access)); strings.Contains(s, "T123") || strings.Contains(s, "T124") || strings.Contains(s, "900101") {
		t.Errorf("the access log holds a reserve number:\n%s", access)
	}
}
