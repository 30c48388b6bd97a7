package pnr

import "errors"

// Rule names the check an input failed. The values are stable codes: the
// mapping layer uses them as archive reasons and ledger keys, so renaming
// one changes reports.
type Rule string

// The rules, in the order Parse checks them; an input is reported under
// the first rule it breaks.
const (
	RuleEmpty     Rule = "empty"     // nothing but whitespace
	RuleLength    Rule = "length"    // too long or too short, or not 10 or 12 digits
	RuleDigits    Rule = "digits"    // a character that is neither a digit nor '-' or '+'
	RuleSeparator Rule = "separator" // '-'/'+' repeated, misplaced, or '+' with a four-digit year
	RuleMonth     Rule = "month"     // month not 01-12
	RuleDay       Rule = "day"       // no such day in that month and year (day-60 for co-ordination numbers)
	RuleChecksum  Rule = "checksum"  // Luhn check digit does not match
	RuleFuture    Rule = "future"    // birth date after the reference date
	RuleYear      Rule = "year"      // birth year before MinBirthYear: a mistyped century
)

// explain says what a rule demands, in words that cannot carry the input.
var explain = map[Rule]string{
	RuleEmpty:     "the value is empty or only whitespace",
	RuleLength:    "want 10 or 12 digits, optionally with '-' or '+' before the last four",
	RuleDigits:    "a character is neither a digit nor a separator",
	RuleSeparator: "'-' or '+' may appear once, before the last four digits, and '+' only in the 10-digit form",
	RuleMonth:     "the month is not 01-12",
	RuleDay:       "the day does not exist in that month and year (co-ordination numbers: day minus 60)",
	RuleChecksum:  "the check digit does not match the Luhn sum of the first nine digits",
	RuleFuture:    "the birth date is after the reference date",
	RuleYear:      "the birth year is before 1800, which no one given a Swedish identity number was born in (a mistyped century)",
}

// ErrInvalid is what every *Error wraps, so that errors.Is(err, ErrInvalid)
// tells a bad value (archive the record with its Rule as the reason) from
// a bad call (see ErrReference: stop the run).
var ErrInvalid = errors.New("pnr: invalid identity number")

// ErrReference is returned when the reference date is outside the years
// 1000-9999. It is a mistake of the caller, not of the value — typically a
// zero time.Time where a plan date was meant — so it is not an *Error and
// does not wrap ErrInvalid.
var ErrReference = errors.New("pnr: reference date outside years 1000-9999; pass the plan's or the row's date, not a zero time.Time")

// Error reports which rule an input broke. It deliberately holds no part of
// the input: identity numbers are personal data and errors end up in logs.
type Error struct {
	Rule Rule
}

func (e *Error) Error() string {
	return "pnr: invalid identity number: " + string(e.Rule) + ": " + explain[e.Rule]
}

// Unwrap gives ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// Is reports whether target is an *Error with the same Rule, so that
// errors.Is(err, &pnr.Error{Rule: pnr.RuleChecksum}) works through wrapping.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Rule == e.Rule
}
