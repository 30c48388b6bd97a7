package pnr

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ref is the reference date most cases use: an ordinary mid-year day, so
// that birthdays on either side of it exercise the century rule.
var ref = time.Date(2025, time.June, 15, 12, 0, 0, 0, time.UTC)

// withCheck appends the Luhn check digit to nine digits. It is written
// independently of luhnOK (digit sums through strconv, weights from a
// table) so that a bug in one does not hide in the other.
func withCheck(nine string) string {
	if len(nine) != 9 {
		panic("withCheck wants nine digits")
	}
	weights := [9]int{2, 1, 2, 1, 2, 1, 2, 1, 2}
	sum := 0
	for i := range 9 {
		for _, c := range strconv.Itoa(int(nine[i]-'0') * weights[i]) {
			sum += int(c - '0')
		}
	}
	return nine + strconv.Itoa((10-sum%10)%10)
}

// split10 gives "YYMMDD" + sep + "NNNC" from ten digits.
func split10(ten, sep string) string { return ten[:6] + sep + ten[6:] }

// The published examples below are checked against withCheck here so that
// a typo in them cannot make a test pass or fail for the wrong reason.
func TestPublishedExamplesAreLuhnValid(t *testing.T) {
	for _, ten := range []string{
		"1212121212", // 19121212-1212: Skatteverket's well-known example
		"8112189876", // 811218-9876: the worked example in Skatteverket's SKV 704
		"7010632391", // 701063-2391: the usual co-ordination number example
	} {
		if got := withCheck(ten[:9]); got != ten {
			t.Errorf("withCheck(%s) = %s, want %s", ten[:9], got, ten)
		}
	}
}

func TestParseValid(t *testing.T) {
	leap2000 := withCheck("000229123")
	leap2004 := withCheck("040229123")
	coordLeap := withCheck("000289123") // 29 Feb + 60
	today := withCheck("250615123")     // the reference day itself
	tomorrow := withCheck("250616123")  // one day after the reference day
	old := withCheck("991231123")
	utcMinus2 := time.FixedZone("UTC-2", -2*3600)

	tests := []struct {
		name      string
		in        string
		ref       time.Time
		want      string
		coord     bool
		y         int
		m         time.Month
		d         int
		wantNotes Notes
	}{
		{"published 12 with dash", "19121212-1212", ref, "191212121212", false, 1912, 12, 12, 0},
		{"published 12 plain", "191212121212", ref, "191212121212", false, 1912, 12, 12, 0},
		// The same ten digits mean 2012 with '-' (age under 100) and 1912
		// with '+' (age 100 or more) on a 2025 reference date.
		{"10 dash picks the young century", "121212-1212", ref, "201212121212", false, 2012, 12, 12, NoteCentury},
		{"10 plain behaves like dash", "1212121212", ref, "201212121212", false, 2012, 12, 12, NoteCentury},
		{"10 plus goes back a century", "121212+1212", ref, "191212121212", false, 1912, 12, 12, NoteCentury},
		{"SKV 704 example", "811218-9876", ref, "198112189876", false, 1981, 12, 18, NoteCentury},
		{"co-ordination 10", "701063-2391", ref, "197010632391", true, 1970, 10, 3, NoteCentury},
		{"co-ordination 12 dash", "19701063-2391", ref, "197010632391", true, 1970, 10, 3, 0},
		{"co-ordination 12 plain", "197010632391", ref, "197010632391", true, 1970, 10, 3, 0},
		{"whitespace around", " \t19121212-1212\r\n", ref, "191212121212", false, 1912, 12, 12, NoteTrimmed},
		{"no-break spaces around", "\u00a0191212121212\u00a0", ref, "191212121212", false, 1912, 12, 12, NoteTrimmed},
		{"whitespace and century", " 121212+1212 ", ref, "191212121212", false, 1912, 12, 12, NoteTrimmed | NoteCentury},
		{"29 Feb 2000 (divisible by 400)", "20" + leap2000, ref, "20" + leap2000, false, 2000, 2, 29, 0},
		{"29 Feb 2000 short form", split10(leap2000, "-"), ref, "20" + leap2000, false, 2000, 2, 29, NoteCentury},
		{"29 Feb 2004", "20" + leap2004, ref, "20" + leap2004, false, 2004, 2, 29, 0},
		{"29 Feb co-ordination", "20" + coordLeap, ref, "20" + coordLeap, true, 2000, 2, 29, 0},
		{"born on the reference day", split10(today, "-"), ref, "20" + today, false, 2025, 6, 15, NoteCentury},
		{"100th birthday on the reference day", split10(today, "+"), ref, "19" + today, false, 1925, 6, 15, NoteCentury},
		{"day after reference is last century", split10(tomorrow, "-"), ref, "19" + tomorrow, false, 1925, 6, 16, NoteCentury},
		// '+' is written from the year of the hundredth birthday, so a
		// birthday later in ref's year is still 100 years back.
		{"day after reference with plus", split10(tomorrow, "+"), ref, "19" + tomorrow, false, 1925, 6, 16, NoteCentury},
		// 23:30 on the 15th at UTC-2 is already the 16th in UTC; the date
		// in ref's own location counts, so the 16th is still in the future.
		{"ref date in its own location", split10(tomorrow, "-"), time.Date(2025, 6, 15, 23, 30, 0, 0, utcMinus2), "19" + tomorrow, false, 1925, 6, 16, NoteCentury},
		{"nineteenth century 12", "18" + old, ref, "18" + old, false, 1899, 12, 31, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, notes, err := ParseNotes(tt.in, tt.ref)
			if err != nil {
				t.Fatalf("ParseNotes: %v", err)
			}
			if got := n.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if n.Coordination() != tt.coord {
				t.Errorf("Coordination() = %v, want %v", n.Coordination(), tt.coord)
			}
			if y, m, d := n.BirthDate(); y != tt.y || m != tt.m || d != tt.d {
				t.Errorf("BirthDate() = %d-%d-%d, want %d-%d-%d", y, m, d, tt.y, tt.m, tt.d)
			}
			if notes != tt.wantNotes {
				t.Errorf("notes = %q, want %q", notes, tt.wantNotes)
			}
			if n2, err := Parse(tt.in, tt.ref); err != nil || n2 != n {
				t.Errorf("Parse disagrees with ParseNotes: %v, %v", n2, err)
			}
		})
	}
}

func TestParseReject(t *testing.T) {
	good := "1212121212" // 19121212-1212, so only the broken part fails
	month13 := withCheck("121312123")
	month00 := withCheck("120012123")
	day00 := withCheck("121200123")
	day32 := withCheck("121232123")
	day60 := withCheck("121260123") // day+60 would be day 0
	day92 := withCheck("121292123") // day+60 would be day 32
	apr31 := withCheck("120431123")
	feb30 := withCheck("120230123")
	feb29 := withCheck("230229123")
	feb29co := withCheck("010289123") // co-ordination 29 Feb 2001
	feb29short := withCheck("000229123")
	future := withCheck("991231123")
	tomorrow := withCheck("250616123")

	tests := []struct {
		name string
		in   string
		ref  time.Time
		rule Rule
	}{
		{"empty", "", ref, RuleEmpty},
		{"only whitespace", " \t\n", ref, RuleEmpty},
		{"only no-break space", "\u00a0", ref, RuleEmpty},
		{"too short", "12345", ref, RuleLength},
		{"nine digits with dash", "121212-123", ref, RuleLength},
		{"eleven digits", "19121212121", ref, RuleLength},
		{"thirteen digits", "1912121212121", ref, RuleLength},
		{"too long", "19121212-12123", ref, RuleLength},
		{"free text", "see the paper journal", ref, RuleLength},
		{"letter", "12121a-1212", ref, RuleDigits},
		{"inner space", "121212 1212", ref, RuleDigits},
		{"underscore as separator", "19121212_1212", ref, RuleDigits},
		{"two separators", "121212--1212", ref, RuleSeparator},
		{"separator at end", good + "-", ref, RuleSeparator},
		{"separator at start", "-" + good, ref, RuleSeparator},
		{"separator misplaced", "12121-21212", ref, RuleSeparator},
		{"plus with four-digit year", "19121212+1212", ref, RuleSeparator},
		{"month 13", split10(month13, "-"), ref, RuleMonth},
		{"month 00", "20" + month00, ref, RuleMonth},
		{"day 00", split10(day00, "-"), ref, RuleDay},
		{"day 32", split10(day32, "-"), ref, RuleDay},
		{"day 60", split10(day60, "-"), ref, RuleDay},
		{"co-ordination day 92", split10(day92, "-"), ref, RuleDay},
		{"31 April", split10(apr31, "-"), ref, RuleDay},
		{"30 February", split10(feb30, "-"), ref, RuleDay},
		{"29 Feb 2023", "20" + feb29, ref, RuleDay},
		{"29 Feb 1900 (divisible by 100)", "19" + feb29short, ref, RuleDay},
		{"29 Feb co-ordination 2001", "20" + feb29co, ref, RuleDay},
		// On the last day of 1999, 000229 can only be 1900, which had no
		// 29 February: the century decides whether the day exists.
		{"29 Feb short form resolving to 1900", split10(feb29short, "-"), time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), RuleDay},
		{"check digit", "19121212-1213", ref, RuleChecksum},
		{"check digit SKV 704", "811218-9875", ref, RuleChecksum},
		{"future year", "20" + future, ref, RuleFuture},
		{"day after reference", "20" + tomorrow, ref, RuleFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := Parse(tt.in, tt.ref)
			if err == nil {
				t.Fatalf("Parse succeeded with %s, want rule %q", n, tt.rule)
			}
			if !n.IsZero() {
				t.Errorf("Number not zero on error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.Rule != tt.rule {
				t.Errorf("rule = %q, want %q (%v)", e.Rule, tt.rule, err)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Error("errors.Is(err, ErrInvalid) = false")
			}
			if !errors.Is(err, &Error{Rule: tt.rule}) {
				t.Error("errors.Is(err, &Error{Rule}) = false")
			}
			if errors.Is(err, ErrReference) {
				t.Error("a value error matches ErrReference")
			}
			msg := err.Error()
			if !strings.Contains(msg, string(tt.rule)) {
				t.Errorf("message %q does not name rule %q", msg, tt.rule)
			}
			if in := strings.TrimSpace(tt.in); len(in) >= 4 && strings.Contains(msg, in) {
				t.Errorf("message %q quotes the input", msg)
			}
			if run := digitRun(msg, 6); run != "" {
				t.Errorf("message %q holds a digit run %q", msg, run)
			}
		})
	}
}

// digitRun returns the first run of at least min ASCII digits in s.
func digitRun(s string, min int) string {
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= min {
			return s[start:i]
		}
		start = -1
	}
	return ""
}

func TestEveryRuleExplained(t *testing.T) {
	for _, r := range []Rule{RuleEmpty, RuleLength, RuleDigits, RuleSeparator, RuleMonth, RuleDay, RuleChecksum, RuleFuture, RuleYear} {
		if explain[r] == "" {
			t.Errorf("rule %q has no explanation", r)
		}
	}
	if errors.Is(&Error{Rule: RuleDay}, &Error{Rule: RuleMonth}) {
		t.Error("errors of different rules match")
	}
}

func TestParseReference(t *testing.T) {
	for _, r := range []time.Time{
		{}, // the forgotten plan date
		time.Date(999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		_, err := Parse("19121212-1212", r)
		if !errors.Is(err, ErrReference) {
			t.Errorf("ref %v: err = %v, want ErrReference", r, err)
		}
		var e *Error
		if errors.Is(err, ErrInvalid) || errors.As(err, &e) {
			t.Errorf("ref %v: a bad reference date must not look like a bad value", r)
		}
	}
	// The extremes that are allowed keep four-digit years.
	for _, c := range []struct {
		in   string
		ref  time.Time
		want string
	}{
		// '+' read in 1900 is a birth in 1800 at the latest: the
		// earliest birth year a number names (MinBirthYear; before it,
		// RuleYear, TestParseRefusesABirthBefore1800).
		{split10(withCheck("000101123"), "+"), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), "18" + withCheck("000101123")},
		{split10(withCheck("991231123"), "-"), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), "99" + withCheck("991231123")},
	} {
		n, err := Parse(c.in, c.ref)
		if err != nil || n.String() != c.want {
			t.Errorf("Parse(%s, %v) = %s, %v; want %s", c.in, c.ref.Format(time.DateOnly), n, err, c.want)
		}
	}
}

// Every shape of one person must give one Number; that is what makes a
// pseudonym stable across legacy systems that stored it differently.
func TestShapesSamePerson(t *testing.T) {
	co := withCheck("701063239")
	groups := [][]string{
		{"19121212-1212", "191212121212", "121212+1212", " 121212+1212\t"},
		{"20121212-1212", "201212121212", "121212-1212", "1212121212"},
		{"19" + split10(co, "-"), "19" + co, split10(co, "-"), co},
	}
	seen := map[Number]int{}
	for gi, g := range groups {
		var first Number
		for i, s := range g {
			n, err := Parse(s, ref)
			if err != nil {
				t.Fatalf("group %d: Parse(%q): %v", gi, s, err)
			}
			if i == 0 {
				first = n
				if other, dup := seen[n]; dup {
					t.Errorf("groups %d and %d normalise to the same number", other, gi)
				}
				seen[n] = gi
				continue
			}
			if n != first || n.String() != first.String() {
				t.Errorf("group %d: %q gives %s, want %s", gi, s, n, first)
			}
		}
	}
}

func TestZeroNumber(t *testing.T) {
	var n Number
	if !n.IsZero() || n.String() != "" || n.Coordination() {
		t.Errorf("zero Number: IsZero=%v String=%q Coordination=%v", n.IsZero(), n.String(), n.Coordination())
	}
	if y, m, d := n.BirthDate(); y != 0 || m != 0 || d != 0 {
		t.Errorf("zero Number BirthDate = %d-%d-%d", y, m, d)
	}
}

func TestNotesString(t *testing.T) {
	for _, c := range []struct {
		n    Notes
		want string
	}{
		{0, ""},
		{NoteTrimmed, "trimmed"},
		{NoteCentury, "century"},
		{NoteTrimmed | NoteCentury, "trimmed,century"},
	} {
		if got := c.n.String(); got != c.want {
			t.Errorf("Notes(%d).String() = %q, want %q", c.n, got, c.want)
		}
	}
	if (NoteTrimmed).Has(NoteTrimmed|NoteCentury) || !(NoteTrimmed | NoteCentury).Has(NoteCentury) {
		t.Error("Has is wrong")
	}
}

// luhnOK must agree with the independent helper for every single-digit
// change to a base number and every possible check digit: Luhn exists to
// catch exactly those typing errors.
func TestLuhnAgainstHelper(t *testing.T) {
	base := []byte("121212121")
	for pos := range 9 {
		for dgt := byte('0'); dgt <= '9'; dgt++ {
			nine := append([]byte(nil), base...)
			nine[pos] = dgt
			good := withCheck(string(nine))
			for c := byte('0'); c <= '9'; c++ {
				ten := []byte(good[:9] + string(c))
				if got, want := luhnOK(ten), c == good[9]; got != want {
					t.Fatalf("luhnOK(%s) = %v, want %v", ten, got, want)
				}
			}
		}
	}
}
