package pnr

import (
	"errors"
	"testing"
	"time"
)

func TestParseKey(t *testing.T) {
	leap00 := withCheck("000229123")
	leap01 := withCheck("010229123")
	future := withCheck("991202123")
	tests := []struct {
		name    string
		in      string
		key     string
		written bool
		rule    Rule
	}{
		{"10 digits with dash", "161202-1814", "1612021814", false, ""},
		{"10 digits plain", "1612021814", "1612021814", false, ""},
		{"10 digits with plus", "161202+1814", "1612021814", false, ""},
		{"12 digits", "191612021814", "1612021814", true, ""},
		{"12 digits with dash", "20161202-1814", "1612021814", true, ""},
		{"co-ordination number keeps day+60", "701063-2391", "7010632391", false, ""},
		{"whitespace", " 191612021814\u00a0", "1612021814", true, ""},
		// 29 February of year 00 exists in 2000, so ten digits are a key;
		// 1900 had none, so the twelve-digit 1900 form is not.
		{"29 Feb 00 without century", split10(leap00, "-"), leap00, false, ""},
		{"29 Feb 1900", "19" + leap00, "", false, RuleDay},
		{"29 Feb 2000", "20" + leap00, leap00, true, ""},
		{"29 Feb 01 in no century", split10(leap01, "-"), "", false, RuleDay},
		{"wrong check digit", "161202-1815", "", false, RuleChecksum},
		{"month 13", "161302-1814", "", false, RuleMonth},
		{"plus with a four-digit year", "19161202+1814", "", false, RuleSeparator},
		{"eleven digits", "16120218145", "", false, RuleLength},
		{"empty", " ", "", false, RuleEmpty},
		// No reference date: a birth in the future is not ParseKey's to judge.
		{"future 12 digits", "29" + future, future, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, written, err := ParseKey(tc.in)
			if tc.rule != "" {
				if !errors.Is(err, &Error{Rule: tc.rule}) || !k.IsZero() {
					t.Fatalf("ParseKey = %q, %v, %v; want rule %s and the zero Key", k, written, err, tc.rule)
				}
				return
			}
			if err != nil || k.String() != tc.key || written != tc.written {
				t.Fatalf("ParseKey = %q, %v, %v; want %q, %v", k, written, err, tc.key, tc.written)
			}
		})
	}
}

// Every shape of one person gives one Key, and Number.Key agrees with
// ParseKey: the opt-out match cannot depend on which side was parsed how.
func TestKeySharedByShapes(t *testing.T) {
	ref26 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var keys []Key
	for _, s := range []string{"161202-1814", "1612021814", "161202+1814", "191612021814", "19161202-1814", "201612021814"} {
		k, _, err := ParseKey(s)
		if err != nil {
			t.Fatal(err)
		}
		n, err := Parse(s, ref26)
		if err != nil {
			t.Fatal(err)
		}
		if n.Key() != k {
			t.Fatalf("%s: Number.Key %q, ParseKey %q", s, n.Key(), k)
		}
		keys = append(keys, k)
	}
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("keys differ: %q", keys)
		}
	}
	if (Number{}).Key() != (Key{}) || (Number{}).Century() != 0 {
		t.Fatal("the zero Number must give the zero Key and century 0")
	}
}

func TestParseBornBy(t *testing.T) {
	ref26 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	leap00 := withCheck("000229123")
	tests := []struct {
		name   string
		in     string
		bornBy time.Time
		want   string
		notes  Notes
		rule   Rule
	}{
		{"no evidence reads against ref", "161202-1814", time.Time{}, "201612021814", NoteCentury, ""},
		{"born after the visit: the century before", "161202-1814", day(2010, 5, 1), "191612021814", NoteCentury | NoteCenturyResolved, ""},
		{"the visit is the birthday itself", "161202-1814", day(2016, 12, 2), "201612021814", NoteCentury, ""},
		{"the day before the birthday", "161202-1814", day(2016, 12, 1), "191612021814", NoteCentury | NoteCenturyResolved, ""},
		{"visit after the birth: nothing to resolve", "161202-1814", day(2020, 1, 1), "201612021814", NoteCentury, ""},
		{"plus, and still after the visit", "161202+1814", day(1910, 1, 1), "181612021814", NoteCentury | NoteCenturyResolved, ""},
		{"twelve digits are never moved", "201612021814", day(2010, 5, 1), "201612021814", 0, ""},
		{"29 Feb 2000 moved to 1900 is no date", split10(leap00, "-"), day(1999, 1, 1), "", NoteCentury | NoteCenturyResolved, RuleDay},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, notes, err := ParseBornBy(tc.in, ref26, tc.bornBy)
			if tc.rule != "" {
				if !errors.Is(err, &Error{Rule: tc.rule}) || !n.IsZero() {
					t.Fatalf("got %q, %v; want rule %s", n, err, tc.rule)
				}
				return
			}
			if err != nil || n.String() != tc.want || notes != tc.notes {
				t.Fatalf("got %q %q %v; want %q %q", n, notes, err, tc.want, tc.notes)
			}
		})
	}
	if _, _, err := ParseBornBy("161202-1814", ref26, day(999, 1, 1)); !errors.Is(err, ErrReference) {
		t.Fatalf("a born-by date before year 1000: got %v, want ErrReference", err)
	}
}
