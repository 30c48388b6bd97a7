package pnr

import (
	"strings"
	"time"
	"unicode"
)

// Number is a valid personal identity number or co-ordination number in
// normalised form. The zero Number is not a number (see IsZero).
//
// Two Numbers are == exactly when they are the same number, whatever shape
// the inputs had, so Number can be a map key for de-duplication.
type Number struct {
	// ASCII digits YYYYMMDDNNNC with the day as written (day+60 for a
	// co-ordination number): the digits Skatteverket itself stores, so that
	// String and the pseudonym's input are those digits without conversion.
	d [12]byte
}

// Notes tells what Parse had to do beyond reading the digits. None of it
// makes the number invalid; the mapping layer counts notes as data quality.
type Notes uint8

const (
	// NoteTrimmed: surrounding whitespace (any Unicode space, including
	// the no-break space that Latin-1 exports carry) was removed.
	NoteTrimmed Notes = 1 << iota
	// NoteCentury: the input had a two-digit year and the century was
	// inferred from the reference date. See the package doc for when that
	// inference is wrong.
	NoteCentury
	// NoteCenturyResolved: the century inferred from the reference date
	// put the birth after the date the person was known to be born by
	// (see ParseBornBy), and was moved back. The number was doubtful; the
	// mapping layer counts these as pnr_century_resolved.
	NoteCenturyResolved
)

// Has reports whether every note in x is set.
func (n Notes) Has(x Notes) bool { return n&x == x }

// String lists the notes, comma-separated ("trimmed,century"); "" for none.
func (n Notes) String() string {
	var parts []string
	if n.Has(NoteTrimmed) {
		parts = append(parts, "trimmed")
	}
	if n.Has(NoteCentury) {
		parts = append(parts, "century")
	}
	if n.Has(NoteCenturyResolved) {
		parts = append(parts, "century_resolved")
	}
	return strings.Join(parts, ",")
}

// Parse reads one identity number. See ParseNotes for the accepted shapes
// and the rules; Parse only drops the notes.
func Parse(s string, ref time.Time) (Number, error) {
	n, _, err := ParseNotes(s, ref)
	return n, err
}

// ParseNotes reads one personal identity number or co-ordination number in
// any of these shapes, with surrounding whitespace tolerated (NoteTrimmed):
//
//	YYMMDD-NNNN  YYMMDDNNNN  YYMMDD+NNNN  YYYYMMDDNNNN  YYYYMMDD-NNNN
//
// A co-ordination number has 60 added to the day and is accepted in every
// shape.
//
// In the 10-digit shapes the century is the one that puts the birth date on
// or before ref with the age under 100 (Skatteverket's rule for '-' and for
// no separator); '+' marks a person who turns 100 in ref's year or earlier
// (Skatteverket changes the sign in the year of the hundredth birthday, not
// on it), so the birth is the latest year at most ref's year minus 100 with
// those two digits. Only ref's calendar date, in ref's own location, is
// used. ref must lie in years 1000-9999, else ErrReference;
// that is checked before the input, because it is the caller's mistake.
//
// A birth year before MinBirthYear is refused (RuleYear).
//
// Any other input gives a zero Number and an *Error naming the first rule
// broken, in the order of the Rule constants. The check digit is verified
// over the ten digits YYMMDDNNNC as written, day+60 included.
func ParseNotes(s string, ref time.Time) (Number, Notes, error) {
	return parse(s, ref, time.Time{})
}

// ParseBornBy is ParseNotes with one more piece of evidence: bornBy, a
// date the person was born on or before — the date of the record the
// number is written in (a registration, a visit). A person cannot be born
// after their own registration, so when a 10-digit number read against ref
// gives a birth after bornBy, the century is moved back until it does not,
// and NoteCenturyResolved says so. This is how one person written
// 161202-1814 in a 2010 visit and 191612021814 elsewhere gets one Number,
// where ref (2026) alone would read the ten digits as 2016.
//
// A zero bornBy means no evidence: ParseBornBy is then ParseNotes. A
// non-zero bornBy must lie in years 1000-9999, else ErrReference. A
// 12-digit number is never changed: its century is written.
func ParseBornBy(s string, ref, bornBy time.Time) (Number, Notes, error) {
	return parse(s, ref, bornBy)
}

func parse(s string, ref, bornBy time.Time) (Number, Notes, error) {
	ry, rm, rd := ref.Date()
	if ry < 1000 || ry > 9999 {
		return Number{}, 0, ErrReference
	}
	if !bornBy.IsZero() {
		if by := bornBy.Year(); by < 1000 || by > 9999 {
			return Number{}, 0, ErrReference
		}
	}
	n, nd, plus, notes, err := scan(s)
	if err != nil {
		return Number{}, notes, err
	}
	month := num2(n.d[4], n.d[5])
	day := num2(n.d[6], n.d[7])
	if day > 60 {
		day -= 60
	}

	var year int
	if nd == 10 {
		notes |= NoteCentury
		// Candidate in ref's century; if that lies after ref the person
		// must be from the century before. Comparing before the day is
		// validated is sound: the comparison only orders (y, m, d) tuples.
		yy := num2(n.d[2], n.d[3])
		if plus {
			// Skatteverket writes '+' from the year a person turns 100
			// (18 § FOL), not from the birthday: the birth lies in a
			// year at most ry-100, the latest such year with these two
			// digits. Counting from the birthday read a '+' written in
			// January, for a hundredth birthday later that year, as a
			// birth 200 years back: another number than the same person
			// written with twelve digits, and another pseudonym.
			year = (ry-100)/100*100 + yy
			if year > ry-100 {
				year -= 100
			}
		} else {
			year = ry/100*100 + yy
			if after(year, month, day, ry, int(rm), rd) {
				year -= 100
			}
		}
		if !bornBy.IsZero() {
			by, bm, bd := bornBy.Date()
			for after(year, month, day, by, int(bm), bd) {
				year -= 100
				notes |= NoteCenturyResolved
			}
		}
		// ry, by >= 1000 keep year >= 800, so it always has four digits.
		n.d[0] = byte('0' + year/1000)
		n.d[1] = byte('0' + year/100%10)
	} else {
		year = num2(n.d[0], n.d[1])*100 + num2(n.d[2], n.d[3])
	}

	if day < 1 || day > daysIn(month, year) {
		return Number{}, notes, fail(RuleDay)
	}
	if !luhnOK(n.d[2:]) {
		return Number{}, notes, fail(RuleChecksum)
	}
	// Unreachable for 10-digit shapes by construction, but a 12-digit
	// value can name any year.
	if after(year, month, day, ry, int(rm), rd) {
		return Number{}, notes, fail(RuleFuture)
	}
	if year < MinBirthYear {
		return Number{}, notes, fail(RuleYear)
	}
	return n, notes, nil
}

// MinBirthYear is the earliest birth year a valid number names. Personal
// identity numbers were given from 1947, to everyone then living (the
// oldest born in the 1830s), and co-ordination numbers from 2000; the
// oldest Swede on record lived to 112. A twelve-digit number written
// with an earlier year (1205), a ten-digit one moved back century after
// century by a mistyped record date (ParseBornBy), or a '+' read against
// a reference date before 1900 names nobody: a mistyped century. Its ten
// digits are kept by ParseKey, so an opt-out or erasure list still finds
// it by them.
const MinBirthYear = 1800

// scan reads the shape: digits into n (a 10-digit shape leaves n.d[0:2]
// for the century), how many digits there were, whether the separator was
// '+', and the month checked. It is shared by Parse and ParseKey so that
// both accept exactly the same shapes.
func scan(s string) (n Number, nd int, plus bool, notes Notes, err error) {
	// Only pay for Unicode trimming when an end is not a digit: clean
	// values, the common case, skip it.
	if s != "" && (!isDigit(s[0]) || !isDigit(s[len(s)-1])) {
		t := strings.TrimFunc(s, unicode.IsSpace)
		if len(t) != len(s) {
			notes |= NoteTrimmed
		}
		s = t
	}
	if s == "" {
		return n, 0, false, notes, fail(RuleEmpty)
	}
	// The widest valid shape is 13 bytes; this also bounds the scan below
	// whatever a free-text column holds.
	if len(s) < 10 || len(s) > 13 {
		return n, 0, false, notes, fail(RuleLength)
	}

	sep, nsep, other := -1, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case isDigit(c):
		case c == '-' || c == '+':
			sep = i
			nsep++
		default:
			other = true
		}
	}
	if other {
		return n, 0, false, notes, fail(RuleDigits)
	}
	if nsep > 1 {
		return n, 0, false, notes, fail(RuleSeparator)
	}
	nd = len(s) - nsep
	if nd != 10 && nd != 12 {
		return n, 0, false, notes, fail(RuleLength)
	}
	plus = sep >= 0 && s[sep] == '+'
	if sep >= 0 && (sep != len(s)-5 || plus && nd == 12) {
		return n, 0, false, notes, fail(RuleSeparator)
	}

	j := 12 - nd // a two-digit year leaves room for the century
	for i := 0; i < len(s); i++ {
		if i != sep {
			n.d[j] = s[i]
			j++
		}
	}
	if month := num2(n.d[4], n.d[5]); month < 1 || month > 12 {
		return Number{}, 0, false, notes, fail(RuleMonth)
	}
	return n, nd, plus, notes, nil
}

// String gives the normalised form, 12 digits YYYYMMDDNNNC without a
// separator, with the day as written (day+60 for co-ordination numbers);
// "" for the zero Number. It is personal data: write it to a target, do
// not log it.
func (n Number) String() string {
	if n.IsZero() {
		return ""
	}
	return string(n.d[:])
}

// IsZero reports whether n is the zero Number, which Parse returns with
// every error.
func (n Number) IsZero() bool { return n.d[0] == 0 }

// Coordination reports whether n is a co-ordination number (day + 60).
func (n Number) Coordination() bool {
	return !n.IsZero() && num2(n.d[6], n.d[7]) > 60
}

// BirthDate gives the date of birth, with the real day for a co-ordination
// number; zeros for the zero Number.
func (n Number) BirthDate() (year int, month time.Month, day int) {
	if n.IsZero() {
		return 0, 0, 0
	}
	day = num2(n.d[6], n.d[7])
	if day > 60 {
		day -= 60
	}
	return num2(n.d[0], n.d[1])*100 + num2(n.d[2], n.d[3]), time.Month(num2(n.d[4], n.d[5])), day
}

func fail(r Rule) error { return &Error{Rule: r} }

func isDigit(c byte) bool { return c-'0' <= 9 }

func num2(a, b byte) int { return int(a-'0')*10 + int(b-'0') }

// after reports whether date (y, m, d) comes after (ry, rm, rd).
func after(y, m, d, ry, rm, rd int) bool {
	if y != ry {
		return y > ry
	}
	if m != rm {
		return m > rm
	}
	return d > rd
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// luhnOK checks ten ASCII digits with the Luhn algorithm: from the left,
// digits at even positions are doubled (digit sum taken), and the total,
// check digit included, must be a multiple of ten.
func luhnOK(d []byte) bool {
	sum := 0
	for i, c := range d[:10] {
		v := int(c - '0')
		if i%2 == 0 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}
