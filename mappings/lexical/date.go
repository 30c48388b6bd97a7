package lexical

import (
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// defaultDateLayouts is what ParseDate tries when given no layouts: the
// ISO 8601 calendar date in its extended and basic forms, the only date
// forms that read the same in every locale.
var defaultDateLayouts = [...]string{"YYYY-MM-DD", "YYYYMMDD"}

// defaultDateTimeLayouts is what ParseDateTime tries when given no
// layouts: ISO 8601 local date and time with a space (as MariaDB, MySQL
// and PostgreSQL print DATETIME and timestamp) or a 'T', with an optional
// fraction of up to nine digits, seconds optional, and the basic form.
// A bare date is deliberately absent: taking "2024-05-01" as midnight is a
// decision the mapping should state with an explicit "YYYY-MM-DD" layout.
var defaultDateTimeLayouts = [...]string{
	"YYYY-MM-DD HH:mm:ss.fffffffff",
	"YYYY-MM-DDTHH:mm:ss.fffffffff",
	"YYYY-MM-DD HH:mm",
	"YYYY-MM-DDTHH:mm",
	"YYYYMMDDTHHmmss",
}

// The defaults are compiled once; they are constants of the package, so
// this is not shared mutable state, and it spares every row the work.
var (
	defaultDate     = mustCompile(defaultDateLayouts[:])
	defaultDateTime = mustCompile(defaultDateTimeLayouts[:])
)

func mustCompile(layouts []string) []compiled {
	cs := make([]compiled, len(layouts))
	for i, l := range layouts {
		var reason string
		if cs[i], _, reason = compile(l); reason != "" {
			panic("lexical: default layout " + l + ": " + reason)
		}
	}
	return cs
}

// DefaultDateLayouts gives the layouts ParseDate tries when given none:
// "YYYY-MM-DD" and "YYYYMMDD". It returns a new slice each time, so that
// no caller can change what another gets.
func DefaultDateLayouts() []string { return append([]string(nil), defaultDateLayouts[:]...) }

// DefaultDateTimeLayouts gives the layouts ParseDateTime tries when given
// none: "YYYY-MM-DD HH:mm:ss.fffffffff", "YYYY-MM-DDTHH:mm:ss.fffffffff",
// "YYYY-MM-DD HH:mm", "YYYY-MM-DDTHH:mm" and "YYYYMMDDTHHmmss". A bare date
// is not among them: reading "2024-05-01" as midnight is a decision a
// mapping should state with an explicit "YYYY-MM-DD".
func DefaultDateTimeLayouts() []string {
	return append([]string(nil), defaultDateTimeLayouts[:]...)
}

// field says which part of a date or time an item of a compiled layout
// holds.
type field uint8

const (
	fLit field = iota
	fYear
	fMonth
	fDay
	fHour
	fMinute
	fSecond
	fFrac // optional: separator then 1..max digits
)

// item is one step of a compiled layout: a literal byte, or a numeric field
// with its digit count (min..max; fixed fields have min == max).
type item struct {
	f        field
	min, max uint8
	lit      byte // the literal, or the fraction's separator
}

// maxItems bounds a compiled layout so that it lives on the stack: a
// layout is compiled on every call (no cache, no shared state), and this
// is what keeps that free of allocation.
const maxItems = 32

// maxLayoutLen bounds the layout text; the longest sensible layout
// ("YYYY-MM-DDTHH:mm:ss.fffffffff") has 29 bytes.
const maxLayoutLen = 64

type compiled struct {
	items   [maxItems]item
	n       int
	hasTime bool
}

// compile checks a layout and turns it into items. On failure it gives the
// byte offset in the layout and a reason; it never allocates.
func compile(layout string) (c compiled, off int, reason string) {
	if layout == "" {
		return c, -1, reasonLayoutEmpty
	}
	if len(layout) > maxLayoutLen {
		return c, maxLayoutLen, reasonLayoutLong
	}
	var seen [fFrac + 1]bool
	for i := 0; i < len(layout); {
		ch := layout[i]
		run := 1
		for i+run < len(layout) && layout[i+run] == ch {
			run++
		}
		var it item
		switch ch {
		case 'Y':
			switch run {
			case 4:
				it = item{f: fYear, min: 4, max: 4}
			case 2:
				return c, i, reasonLayoutYY
			default:
				return c, i, reasonLayoutYear
			}
		case 'M', 'D', 'H':
			if run > 2 {
				switch ch {
				case 'M':
					return c, i, reasonLayoutMonth
				case 'D':
					return c, i, reasonLayoutDay
				default:
					return c, i, reasonLayoutHour
				}
			}
			it = item{min: uint8(run), max: 2}
			switch ch {
			case 'M':
				it.f = fMonth
			case 'D':
				it.f = fDay
			default:
				it.f = fHour
			}
		case 'm':
			if run != 2 {
				return c, i, reasonLayoutMinute
			}
			it = item{f: fMinute, min: 2, max: 2}
		case 's':
			if run != 2 {
				return c, i, reasonLayoutSecond
			}
			it = item{f: fSecond, min: 2, max: 2}
		case 'f':
			// The separator was read as a literal item just before; it
			// becomes part of the fraction so that "no fraction" can skip
			// both together.
			if run > 9 || c.n < 2 || c.items[c.n-1].f != fLit ||
				(c.items[c.n-1].lit != '.' && c.items[c.n-1].lit != ',') ||
				c.items[c.n-2].f != fSecond {
				return c, i, reasonLayoutFrac
			}
			c.n--
			it = item{f: fFrac, min: 1, max: uint8(run), lit: c.items[c.n].lit}
		default:
			switch {
			case ch == 'T':
			case ch >= '0' && ch <= '9':
				return c, i, reasonLayoutDigit
			case ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z':
				return c, i, reasonLayoutLetter
			case ch < 0x20 || ch > 0x7e:
				return c, i, reasonLayoutNonASCII
			}
			// Literals are taken one byte at a time so that "--" is two.
			run = 1
			it = item{f: fLit, lit: ch}
		}
		if it.f != fLit {
			if seen[it.f] {
				return c, i, reasonLayoutTwice
			}
			seen[it.f] = true
			// Greedy matching of a variable-width field is only
			// unambiguous when a non-digit follows it.
			if c.n > 0 {
				prev := c.items[c.n-1]
				if prev.f != fLit && prev.min != prev.max {
					return c, i, reasonLayoutAdjacent
				}
			}
			if it.f >= fHour {
				c.hasTime = true
			}
		}
		if c.n == maxItems {
			return c, i, reasonLayoutLong
		}
		c.items[c.n] = it
		c.n++
		i += run
	}
	if !seen[fYear] || !seen[fMonth] || !seen[fDay] {
		return c, -1, reasonLayoutMissing
	}
	if seen[fMinute] && !seen[fHour] || seen[fSecond] && !seen[fMinute] {
		return c, -1, reasonLayoutOrder
	}
	return c, -1, ""
}

// fields are the numbers read from a value, indexed by field.
type fields [fFrac + 1]int

// match reads s by c. It reports only whether s has the layout's shape;
// whether the numbers make a date is judged afterwards.
func (c *compiled) match(s string) (v fields, ok bool) {
	pos := 0
	for k := 0; k < c.n; k++ {
		it := &c.items[k]
		if it.f == fLit {
			if pos >= len(s) || s[pos] != it.lit {
				return v, false
			}
			pos++
			continue
		}
		if it.f == fFrac {
			if pos+1 >= len(s) || s[pos] != it.lit || !isDigit(s[pos+1]) {
				continue // the fraction is optional
			}
			pos++
		}
		n, val := 0, 0
		for n < int(it.max) && pos < len(s) && isDigit(s[pos]) {
			val = val*10 + int(s[pos]-'0')
			pos++
			n++
		}
		if n < int(it.min) {
			return v, false
		}
		if it.f == fFrac {
			val *= pow10[9-n]
		}
		v[it.f] = val
	}
	return v, pos == len(s)
}

// pow10[k] is 10**k; a fraction of n digits is scaled by pow10[9-n].
var pow10 = [10]int{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// judge classifies matched numbers: "" when they are a real date and
// time, else the reason; zero reports MariaDB's zero date.
func (v *fields) judge() (zero bool, reason string) {
	if *v == (fields{}) {
		return true, reasonZeroDate
	}
	switch {
	case v[fYear] == 0:
		return false, reasonYearZero
	case v[fMonth] == 0:
		return false, reasonMonthZero
	case v[fMonth] > 12:
		return false, reasonMonthRange
	case v[fDay] == 0:
		return false, reasonDayZero
	case v[fDay] > daysIn(v[fMonth], v[fYear]):
		return false, reasonDayRange
	case v[fHour] > 23:
		return false, reasonHourRange
	case v[fMinute] > 59:
		return false, reasonMinuteRange
	case v[fSecond] > 59:
		// Leap seconds are refused: no target type holds :60.
		return false, reasonSecondRange
	}
	return false, ""
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

// parse is the shared body of ParseDate and ParseDateTime.
//
// Every layout is compiled, even after one has matched, so that a bad
// layout is reported whatever the value: otherwise the same mapping would
// fail on some rows and not on others. Compiling is a short loop over the
// layout text and allocates nothing.
//
// The layouts that give a real date must give the same one: a mapping
// lists DD/MM/YYYY and MM/DD/YYYY because its column holds both, and
// 02/03/2024 is then 2 March or 3 February, which only a person can
// decide (KindAmbiguousDate; the first layout used to win silently). If
// none gives a real date, the first layout whose shape matched decides the
// error (zero or invalid date), so that "2024-05-00" is reported as
// invalid rather than as matching nothing.
//
// pre, when not nil, holds layouts already compiled (the defaults).
// partial judges by judgePartial, which lets a zero day or month through.
func parse(s string, layouts []string, pre []compiled, dateOnly, partial bool) (fields, error) {
	var (
		got       fields
		found     bool
		bad       *Error // from the first layout whose shape matched
		ambiguous *Error // a second layout read another date
	)
	for i, l := range layouts {
		var c compiled
		if pre != nil {
			if found {
				break // the defaults are known to be valid
			}
			c = pre[i]
		} else {
			var off int
			var reason string
			c, off, reason = compile(l)
			if reason == "" && dateOnly && c.hasTime {
				reason = reasonLayoutTime
			}
			if reason != "" {
				return fields{}, &Error{Kind: KindBadLayout, Layout: l, Reason: reason, Offset: off}
			}
		}
		v, ok := c.match(s)
		if !ok {
			continue
		}
		zero, why := v.judge()
		if partial {
			zero, why = v.judgePartial()
		}
		if why == "" {
			if found && v != got && ambiguous == nil {
				ambiguous = &Error{Kind: KindAmbiguousDate, Layout: l, Reason: reasonAmbiguous, Offset: -1}
			}
			got, found = v, true
			continue
		}
		if found {
			continue
		}
		if bad == nil {
			kind := KindInvalidDate
			if zero {
				kind = KindZeroDate
			}
			bad = &Error{Kind: kind, Layout: l, Reason: why, Offset: -1}
		}
	}
	switch {
	case ambiguous != nil:
		return fields{}, ambiguous
	case found:
		return got, nil
	case bad != nil:
		return fields{}, bad
	}
	e := &Error{Kind: KindNoLayout, Reason: reasonNoLayout, Offset: -1}
	if len(layouts) == 1 {
		e.Layout = layouts[0]
	}
	return fields{}, e
}

// ParseDate reads s as a calendar date by the first of layouts that fits
// (see the package doc for the token language). A nil or empty layouts
// means DefaultDateLayouts(). s must match a layout exactly: no surrounding
// spaces (use TrimSpace first if the column pads).
//
// The error is an *Error of kind KindZeroDate, KindInvalidDate,
// KindNoLayout, or KindBadLayout (a layout is malformed or has time
// fields).
func ParseDate(s string, layouts []string) (connectors.Date, error) {
	var pre []compiled
	if len(layouts) == 0 {
		layouts, pre = defaultDateLayouts[:], defaultDate
	}
	v, err := parse(s, layouts, pre, true, false)
	if err != nil {
		return connectors.Date{}, err
	}
	return connectors.Date{Year: v[fYear], Month: time.Month(v[fMonth]), Day: v[fDay]}, nil
}

// ParseDateTime reads s as a local date and time by the first of layouts
// that fits. A nil or empty layouts means DefaultDateTimeLayouts(). Fields a
// layout lacks are zero, so a date-only layout gives midnight and a layout
// without ss gives :00 seconds. Errors are as for ParseDate.
func ParseDateTime(s string, layouts []string) (connectors.LocalDateTime, error) {
	var pre []compiled
	if len(layouts) == 0 {
		layouts, pre = defaultDateTimeLayouts[:], defaultDateTime
	}
	v, err := parse(s, layouts, pre, false, false)
	if err != nil {
		return connectors.LocalDateTime{}, err
	}
	return connectors.LocalDateTime{
		Date:       connectors.Date{Year: v[fYear], Month: time.Month(v[fMonth]), Day: v[fDay]},
		Hour:       v[fHour],
		Minute:     v[fMinute],
		Second:     v[fSecond],
		Nanosecond: v[fFrac],
	}, nil
}

// CheckLayout reports whether layout is valid in the token language, as
// an *Error of kind KindBadLayout, so that a static checker can refuse a
// mapping before any row is read. A nil result means ParseDateTime accepts
// the layout; ParseDate also needs it to have no time fields (see
// CheckDateLayout).
func CheckLayout(layout string) error {
	_, off, reason := compile(layout)
	if reason != "" {
		return &Error{Kind: KindBadLayout, Layout: layout, Reason: reason, Offset: off}
	}
	return nil
}

// CheckDateLayout is CheckLayout for ParseDate: it also refuses time
// fields, which ParseDate would otherwise have to drop silently.
func CheckDateLayout(layout string) error {
	c, off, reason := compile(layout)
	if reason == "" && c.hasTime {
		reason = reasonLayoutTime
	}
	if reason != "" {
		return &Error{Kind: KindBadLayout, Layout: layout, Reason: reason, Offset: off}
	}
	return nil
}

// AsInvalidDate turns the result of ParseDate or ParseDateTime on s into
// the canonical value a stored-but-impossible date becomes: if err is of
// kind KindZeroDate or KindInvalidDate, it gives connectors.InvalidDate
// holding s verbatim and true. Any other err (a value of no layout's shape
// is not a date at all) gives false. The raw text lives in the value, not
// in the error, so that it reaches only the archive.
func AsInvalidDate(s string, err error) (connectors.InvalidDate, bool) {
	switch KindOf(err) {
	case KindZeroDate, KindInvalidDate:
		return connectors.InvalidDate{Raw: s}, true
	}
	return connectors.InvalidDate{}, false
}
