package mappings

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// A patient whose hundredth birthday falls later in the reference year is
// written 260601+NNNN from January on; the pseudonym must be the one of
// the same patient written 19260601-NNNN elsewhere, not of a birth in
// 1826 (testEnv's reference date is 2026-01-01).
func TestPseudonymOfAPlusNumberInTheHundredthYear(t *testing.T) {
	cols := []string{"a", "b"}
	for _, f := range []string{"pseudonym(a) == pseudonym(b)", "pnr(a) == pnr(b)"} {
		v, err := evalExpr(t, f, cols, "260601+1233", "19260601-1233")
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if v != true {
			t.Errorf("%s is %v: one patient got two identities", f, v)
		}
	}
}

// string() of bytes wrote Go's list of byte values ("[85 109 101 195
// 165]") into a text column, exit 0, and verify, applying the same
// mapping, agreed. It reads them as cast: text does: valid UTF-8 is that
// text, other bytes fail the value (their encoding is the mapping's to
// say, with latin1()); an instant is written as cast: text writes it, not
// in Go's own layout.
func TestStringOfBytesAndInstants(t *testing.T) {
	cols := []string{"a"}
	for _, c := range []struct {
		in   any
		want string
	}{
		{[]byte("Umeå"), "Umeå"},
		{[]byte{}, ""},
		{time.Date(2024, 3, 31, 1, 30, 0, 0, time.UTC), "2024-03-31T01:30:00Z"},
	} {
		v, err := evalExpr(t, "string(a)", cols, c.in)
		if err != nil || v != c.want {
			t.Errorf("string(%#v) = %#v, %v; want %q", c.in, v, err, c.want)
		}
		// The same text as cast: text gives.
		cast, err := convert(c.in, connectors.Type{Kind: connectors.KindText})
		if err != nil || cast != c.want {
			t.Errorf("cast: text of %#v = %#v, %v; want %q", c.in, cast, err, c.want)
		}
	}
	v, err := evalExpr(t, "string(a)", cols, []byte{'U', 'm', 'e', 0xe5})
	if err == nil {
		t.Fatalf("string() of Latin-1 bytes = %#v, want the value failed", v)
	}
	if !strings.Contains(err.Error(), "latin1") {
		t.Errorf("the failure does not say how to read them: %v", err)
	}
	if v, err := evalExpr(t, "latin1(a)", cols, []byte{'U', 'm', 'e', 0xe5}); err != nil || v != "Umeå" {
		t.Errorf("latin1() of Latin-1 bytes = %#v, %v", v, err)
	}
}

// A code list's unmapped: null or default says what a code the list does
// not know becomes; it says nothing of a version the list does not have.
// A record whose version column names no version of the list (a form
// version added after the mapping was written, or none at all) had every
// code made NULL or the default, exit 0, though the same code means
// "current" in one version and "never" in another: which one it is, the
// mapping does not know. It is archived (code_unmapped), naming the list
// and the version, whatever the policy.
func TestCodeListVersionNotInTheList(t *testing.T) {
	src := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("ver", "integer", true), col("id", "integer", false), col("rok", "varchar(4)", true),
	}}
	for _, policy := range []string{"null", "default\n    default: \"9\""} {
		tp := programFor(t, src, `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoking, type: varchar(10)}
`, `codelists:
  - name: smoking
    unmapped: `+policy+`
    versions:
      "1": {"1": current, "2": never}
      "2": {"1": never, "2": current}
    archive: {"8": obsolete_code}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      smoking: {from: rok, codelist: {name: smoking, version: ver}}
`)
		for _, c := range []struct {
			ver      connectors.Value
			code     string
			reason   string
			migrated connectors.Value
		}{
			{int64(3), "1", "code_unmapped", nil},
			{nil, "1", "code_unmapped", nil},
			{int64(3), "8", "obsolete_code", nil},
			// A version the list has keeps its policy.
			{int64(1), "1", "", "current"},
			{int64(2), "1", "", "never"},
		} {
			o := tp.Apply([]connectors.Value{c.ver, int64(1), c.code})
			if c.reason == "" {
				if o.Kind != Migrated || o.Row[1] != c.migrated {
					t.Errorf("%s: version %v code %s: %v %s row %v, want migrated as %v", policy[:4], c.ver, c.code, o.Kind, o.Reason, o.Row, c.migrated)
				}
				continue
			}
			if o.Kind != Archived || o.Reason != c.reason {
				t.Errorf("%s: version %v code %s: %v %s (%s) row %v, want archived as %s", policy[:4], c.ver, c.code, o.Kind, o.Reason, o.Detail, o.Row, c.reason)
			}
		}
		// map check counts it as such a miss.
		var misses []CodeMiss
		tp.CodeMisses([]connectors.Value{int64(3), int64(1), "1"}, func(m CodeMiss) { misses = append(misses, m) })
		if len(misses) != 1 || !misses[0].NoVersion {
			t.Errorf("%s: map check's misses %+v, want one naming the missing version", policy[:4], misses)
		}
	}
}

// A text column's code that is a listed number written another way ("01",
// "1.0" for the listed "1": one sub-register kept the code in an integer,
// another zero-padded in text) was taken for an unknown code under
// unmapped: null or default, and the record migrated with NULL or the
// default, exit 0. A number column's code is found by value; a text one
// that would be is archived (code_unmapped) whatever the policy, as a
// code in another case is, with map check saying so.
func TestCodeListRefusesTextCodesListedAsNumbers(t *testing.T) {
	checkCodeSpellings(t, "4", `{"0": "unknown", "1": "yes", "2": "no"}`, "how a number is written", []spellingCase{
		{"null", "1", "yes"},
		{"null", "01", "archived"},
		{"null", "1.0", "archived"},
		{"default", "02", "archived"},
		{"default", "-0", "archived"}, // the listed 0
		{"null", "3", nil},
		{"default", "3", "okänd"},
		{"default", "x", "okänd"},
		{"archive", "01", "archived"},
	})
}

// date() with DD/MM/YYYY and MM/DD/YYYY, for a column that holds both,
// migrated 02/03/2024 as 2 March, the first layout's reading, exit 0:
// the record is archived as date_ambiguous, a date only one layout reads
// (13/02/2024) migrates.
func TestDateReadAsTwoDatesIsArchived(t *testing.T) {
	for _, f := range []string{`date(a, "DD/MM/YYYY", "MM/DD/YYYY")`, `partial_date(a, "DD/MM/YYYY", "MM/DD/YYYY")`} {
		v, err := evalExpr(t, f, []string{"a"}, "02/03/2024")
		var re *reasonError
		if !errors.As(err, &re) || re.Reason != "date_ambiguous" {
			t.Errorf("%s of 02/03/2024 = %v, %v; want archived as date_ambiguous", f, v, err)
		}
		if v, err := evalExpr(t, f, []string{"a"}, "13/02/2024"); err != nil || v != (connectors.Date{Year: 2024, Month: 2, Day: 13}) {
			t.Errorf("%s of 13/02/2024 = %v, %v", f, v, err)
		}
	}
	if !isBuiltinReason("date_ambiguous") {
		t.Errorf("date_ambiguous is not a built-in reason: a mapping could name its own reason so")
	}
}
