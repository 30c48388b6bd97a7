package lexical

import (
	"errors"
	"strconv"
)

// Kind names what went wrong, in words that are stable enough for a
// mapping to use as an archive reason and for tests to match on.
type Kind string

// The kinds of error the parsers return.
const (
	// KindZeroDate is MariaDB's zero date: every field that the layout
	// holds is zero (0000-00-00, 0000-00-00 00:00:00). It is its own kind
	// because registries used it on purpose, for "not known", and a
	// mapping often treats it as NULL rather than as damage.
	KindZeroDate Kind = "zero_date"
	// KindInvalidDate is text that has the layout's shape but names no
	// day on the calendar or no time on a clock (2024-05-00, 2023-02-30,
	// 24:00:00, year 0000 with a real month).
	KindInvalidDate Kind = "invalid_date"
	// KindNoLayout is text that has the shape of none of the layouts.
	KindNoLayout Kind = "no_layout"
	// KindBadLayout is a layout the token language does not allow. It
	// is the caller's mistake, not the data's, and CheckLayout reports
	// it before any row is read.
	KindBadLayout Kind = "bad_layout"
	// KindBadDecimal is text that is not a decimal number.
	KindBadDecimal Kind = "bad_decimal"
	// KindBadInteger is text that is not an integer.
	KindBadInteger Kind = "bad_integer"
	// KindOutOfRange is a well-formed number that does not fit.
	KindOutOfRange Kind = "out_of_range"
	// KindAmbiguousDate is text two of the layouts read as two different
	// dates (02/03/2024 by DD/MM/YYYY and MM/DD/YYYY): which one was
	// meant, the layouts do not say.
	KindAmbiguousDate Kind = "ambiguous_date"
	// KindMixedEncoding is text or bytes that are garbled (or UTF-8) in
	// part only: a garbled "Ã¥" beside a correct "ö", UTF-8 beside
	// Latin-1 bytes, or a character cut in half by a length limit. Which
	// text was meant, the value does not say.
	KindMixedEncoding Kind = "mixed_encoding"
)

// Error is the one error type of this package. It deliberately has no
// field for the input: values are personal data (birth dates, lab values),
// and an error text travels into logs and reports. The caller, which knows
// the table, column and record key, adds that context instead.
type Error struct {
	Kind Kind
	// Layout is the layout concerned, when one is: the bad layout, or the
	// layout whose shape a zero or invalid date had. Layouts are written
	// by the mapping's author, so they are safe to print.
	Layout string
	// Reason is a fixed phrase from this package (never built from the
	// input) that says more than Kind.
	Reason string
	// Offset is the byte offset in the input (for numbers) or in the
	// layout (for bad layouts) where the problem was found, or -1. It is
	// the length of the text when the text ended too early. An offset
	// tells a reader where to look without showing the value.
	Offset int
}

func (e *Error) Error() string {
	// Built by hand rather than with fmt: cheap, and it makes obvious
	// that nothing but the fields above can reach the text.
	b := make([]byte, 0, 64+len(e.Reason)+len(e.Layout))
	b = append(b, "lexical: "...)
	b = append(b, e.Kind...)
	if e.Reason != "" {
		b = append(b, ": "...)
		b = append(b, e.Reason...)
	}
	if e.Offset >= 0 {
		b = append(b, " at byte "...)
		b = strconv.AppendInt(b, int64(e.Offset), 10)
		if e.Kind == KindBadLayout {
			b = append(b, " of the layout"...)
		}
	}
	if e.Layout != "" {
		b = append(b, " (layout "...)
		b = strconv.AppendQuote(b, e.Layout)
		b = append(b, ')')
	}
	return string(b)
}

// Is lets errors.Is match on the kind alone:
//
//	errors.Is(err, &lexical.Error{Kind: lexical.KindZeroDate})
//
// Offset in the target is ignored unless Layout or Reason is set; then the
// target must match field for field.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t.Layout == "" && t.Reason == "" {
		return e.Kind == t.Kind
	}
	return *e == *t
}

// KindOf gives the Kind of err if it is, or wraps, an *Error, and "" if not.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Reasons. Each is a constant so that a test can prove no input text ever
// reaches an error message.
const (
	reasonEmpty          = "empty"
	reasonNoDigits       = "no digits"
	reasonSigns          = "more than one sign"
	reasonSignPlace      = "sign not at the start"
	reasonBothMarks      = "both '.' and ',' present; the decimal mark is ambiguous"
	reasonTwoMarks       = "more than one decimal mark"
	reasonExponent       = "exponent form not accepted"
	reasonNaNInf         = "NaN and infinities are not numbers"
	reasonGrouping       = "malformed digit grouping"
	reasonGroupingDot    = "space digit grouping with a '.' decimal mark"
	reasonMixedGroups    = "mixed digit grouping separators"
	reasonSpace          = "unexpected space"
	reasonChar           = "unexpected character"
	reasonTooBig         = "does not fit in 64 bits"
	reasonZeroDate       = "every field is zero"
	reasonYearZero       = "year 0000"
	reasonMonthZero      = "month is zero"
	reasonMonthRange     = "month above 12"
	reasonDayZero        = "day is zero"
	reasonDayRange       = "day does not exist in that month"
	reasonDayNoMonth     = "a day without a month"
	reasonHourRange      = "hour above 23"
	reasonMinuteRange    = "minute above 59"
	reasonSecondRange    = "second above 59"
	reasonNoLayout       = "the value has the shape of no layout"
	reasonAmbiguous      = "two layouts read it as two different dates; which was meant, only a person can say"
	reasonLayoutEmpty    = "empty layout"
	reasonLayoutLong     = "layout too long"
	reasonLayoutYY       = "two-digit year YY is ambiguous and not supported; use YYYY"
	reasonLayoutYear     = "year must be YYYY"
	reasonLayoutMonth    = "month must be MM or M"
	reasonLayoutDay      = "day must be DD or D"
	reasonLayoutHour     = "hour must be HH or H"
	reasonLayoutMinute   = "minute must be mm"
	reasonLayoutSecond   = "second must be ss"
	reasonLayoutFrac     = "fraction must be '.' or ',' then 1 to 9 f, right after ss"
	reasonLayoutTwice    = "field appears twice"
	reasonLayoutLetter   = "unknown letter; fields are YYYY MM M DD D HH H mm ss f, and T is the only literal letter"
	reasonLayoutDigit    = "digits cannot be literals"
	reasonLayoutNonASCII = "literals must be printable ASCII"
	reasonLayoutAdjacent = "a variable-width field (M, D, H, fraction) must be followed by a literal or the end"
	reasonLayoutMissing  = "layout needs YYYY, a month and a day"
	reasonLayoutOrder    = "mm needs HH or H, and ss needs mm"
	reasonLayoutTime     = "time fields in a date layout; read it with datetime()"
	reasonMixedText      = "part of the text is UTF-8 read as Latin-1 and part is not (correct text beside it, or a character cut short); which text was meant, only a person can say"
	reasonMixedBytes     = "part of the bytes are UTF-8 and part are not (Latin-1 beside them, or a character cut short); which text was meant, only a person can say"
	reasonBothWays       = "a capital letter and a no-break space inside a word in capitals read as written (UMEÅ SJUKHUS) and as a garbled letter (Š in DUŠAN) alike; which text was meant, only a person can say"
)

// reasons lists every reason, for tests.
var reasons = []string{
	reasonEmpty, reasonNoDigits, reasonSigns, reasonSignPlace, reasonBothMarks,
	reasonTwoMarks, reasonExponent, reasonNaNInf, reasonGrouping, reasonGroupingDot,
	reasonMixedGroups, reasonSpace, reasonChar, reasonTooBig, reasonZeroDate,
	reasonYearZero, reasonMonthZero, reasonMonthRange, reasonDayZero, reasonDayRange, reasonDayNoMonth,
	reasonHourRange, reasonMinuteRange, reasonSecondRange, reasonNoLayout,
	reasonLayoutEmpty, reasonLayoutLong, reasonLayoutYY, reasonLayoutYear,
	reasonLayoutMonth, reasonLayoutDay, reasonLayoutHour, reasonLayoutMinute,
	reasonLayoutSecond, reasonLayoutFrac, reasonLayoutTwice, reasonLayoutLetter,
	reasonLayoutDigit, reasonLayoutNonASCII, reasonLayoutAdjacent, reasonLayoutMissing,
	reasonLayoutOrder, reasonLayoutTime, reasonMixedText, reasonMixedBytes, reasonBothWays,
}
