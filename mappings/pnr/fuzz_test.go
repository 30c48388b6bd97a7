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

// FuzzParseKey holds ParseKey to Parse: whatever Parse accepts, ParseKey
// accepts with the same Key, and it tells a written century exactly when
// Parse did not infer one; whatever ParseKey refuses, Parse refuses under
// the same rule (or at a day its century lacks). ParseBornBy never gives a birth after its evidence.
func FuzzParseKey(f *testing.F) {
	refDay := uint32(ref.Sub(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
	for _, s := range []string{
		"161202-1814", "191612021814", "201612021814", "161202+1814", "000229-1235",
		"19000229-1235", "010229-1234", "701063-2391", " 1612021814 ", "161202-1815", "",
	} {
		f.Add(s, refDay, refDay/2)
	}
	f.Fuzz(func(t *testing.T, s string, day, byDay uint32) {
		r, by := fuzzRef(day), fuzzRef(byDay)
		k, written, kerr := ParseKey(s)
		n, notes, err := ParseNotes(s, r)
		if kerr != nil {
			if !k.IsZero() || err == nil {
				t.Fatalf("ParseKey refused (%v) what Parse accepts, or gave a Key with its error", kerr)
			}
			// The same rule, except that Parse may stop earlier at a day
			// its reference date's century lacks (29 February 1900).
			var ke, pe *Error
			if !errors.As(kerr, &ke) || !errors.As(err, &pe) || ke.Rule != pe.Rule && pe.Rule != RuleDay {
				t.Fatalf("ParseKey says %v, Parse says %v", kerr, err)
			}
			return
		}
		if err == nil && (n.Key() != k || written == notes.Has(NoteCentury)) {
			t.Fatalf("Parse and ParseKey disagree: key %q vs %q, written %v, notes %q", n.Key(), k, written, notes)
		}
		m, mnotes, err := ParseBornBy(s, r, by)
		if err != nil {
			return
		}
		if m.Key() != k {
			t.Fatalf("ParseBornBy changed the ten digits")
		}
		y, mo, d := m.BirthDate()
		byY, byM, byD := by.Date()
		if !written && after(y, int(mo), d, byY, int(byM), byD) {
			t.Fatalf("ParseBornBy gave a birth after its evidence")
		}
		if mnotes.Has(NoteCenturyResolved) && (written || m.Century() >= n.Century() && !n.IsZero()) {
			t.Fatalf("century resolved without moving it back")
		}
	})
}
