package pnr

import (
	"errors"
	"testing"
	"time"
)

// A twelve-digit number writes its century, and any century before the
// reference date read as valid: 1205-12-12 passed, and so did a birth
// moved back century after century by a mistyped visit date. No one
// given a Swedish identity number was born before 1800 (the numbers date
// from 1947; co-ordination numbers, day+60, from 2000), so a birth year
// before it is a mistyped century: rule "year", never a valid Number.
func TestParseRefusesABirthBefore1800(t *testing.T) {
	year := Rule("year")
	born1800 := "18" + withCheck("000101123")
	for _, tc := range []struct {
		name    string
		in      string
		ref, by time.Time
		want    Rule // "" for valid
	}{
		{"born 1205", "12" + withCheck("051212121"), ref, time.Time{}, year},
		{"born 1799-12-31", "17" + withCheck("991231123"), ref, time.Time{}, year},
		{"co-ordination, born 1799", "17" + withCheck("991291123"), ref, time.Time{}, year},
		{"born 1800-01-01", born1800, ref, time.Time{}, ""},
		{"co-ordination, born 1800", "18" + withCheck("000161123"), ref, time.Time{}, ""},
		{"born 1900, ten digits with +", split10(withCheck("000101123"), "+"), ref, time.Time{}, ""},
		// A visit dated 1150 moves the ten digits' birth back to 1105.
		{"a century moved back before 1800", split10(withCheck("051212121"), "-"), ref, time.Date(1150, 1, 1, 0, 0, 0, 0, time.UTC), year},
		{"a century moved back to 1905", split10(withCheck("051212121"), "-"), ref, time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		// Read on a date in 1890, a + is a birth in 1799 or before.
		{"+ read in 1890", split10(withCheck("990101123"), "+"), time.Date(1890, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}, year},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, _, err := ParseBornBy(tc.in, tc.ref, tc.by)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want a valid number", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Rule != tc.want || !n.IsZero() {
				t.Fatalf("got %v (number %q), want rule %q", err, n, tc.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
			// The ten digits still key a list entry: a listed patient's
			// number with a mistyped century is found by them.
			if k, _, err := ParseKey(tc.in); err != nil || k.IsZero() {
				t.Errorf("ParseKey: %v", err)
			}
		})
	}
	if explain[year] == "" {
		t.Error("rule year has no explanation")
	}
}
