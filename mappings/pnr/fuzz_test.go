package pnr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fuzzRef maps the fuzzer's second input to a reference date between 1900
// and about 2229, so that century resolution is fuzzed too, not only the
// shapes.
func fuzzRef(day uint32) time.Time {
	return time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(day%(330*366)))
}

func FuzzParse(f *testing.F) {
	refDay := uint32(ref.Sub(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	for _, s := range []string{
		"19121212-1212", "121212+1212", "1212121212", "191212121212",
		"701063-2391", "811218-9876", " 19121212-1212\n", "\u00a0191212121212",
		"000229-1235", "19121212+1212", "121212--1212", "", "-", "+1212121212",
		"99991399-9999", "12121a-1212",
	} {
		f.Add(s, refDay)
	}
	f.Fuzz(func(t *testing.T, s string, day uint32) {
		r := fuzzRef(day)
		n, notes, err := ParseNotes(s, r)
		if err != nil {
			if !n.IsZero() {
				t.Fatalf("error %v with a non-zero Number", err)
			}
			var e *Error
			if !errors.As(err, &e) || explain[e.Rule] == "" {
				t.Fatalf("error %v is not an *Error with a known rule", err)
			}
			if run := digitRun(err.Error(), 6); run != "" {
				t.Fatalf("error %q holds digit run %q", err, run)
			}
			return
		}
		out := n.String()
		if len(out) != 12 || digitRun(out, 12) != out {
			t.Fatalf("String() = %q, want 12 digits", out)
		}
		if !luhnOK([]byte(withCheck(out[2:11]))) || withCheck(out[2:11]) != out[2:] {
			t.Fatalf("%s fails the independent Luhn check", out)
		}
		y, m, d := n.BirthDate()
		if bd := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); bd.Year() != y || bd.Month() != m || bd.Day() != d {
			t.Fatalf("BirthDate %d-%d-%d is not a calendar date", y, m, d)
		}
		ry, rm, rd := r.Date()
		if after(y, int(m), d, ry, int(rm), rd) {
			t.Fatalf("birth date after the reference date")
		}
		if notes.Has(NoteCentury) {
			aged100 := !after(y+100, int(m), d, ry, int(rm), rd)
			if aged100 != strings.ContainsRune(s, '+') || !after(y+200, int(m), d, ry, int(rm), rd) {
				t.Fatalf("century inferred against the rule: 100 or older exactly when '+', never 200")
			}
		}
		n2, notes2, err := ParseNotes(out, r)
		if err != nil || n2 != n || notes2 != 0 {
			t.Fatalf("Parse(String()) = %v, %q, %v; want %v, no notes", n2, notes2, err, n)
		}
	})
}
