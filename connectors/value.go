package connectors

import (
	"fmt"
	"strconv"
	"time"
)

// Value is one canonical value. Every connector reads into and writes from
// exactly this closed set, so that mappings, verification and the archive
// never see a driver's own types:
//
//	nil            SQL NULL
//	int64          any integer that fits
//	uint64         an unsigned integer above math.MaxInt64 (only then)
//	float64        FLOAT, DOUBLE, REAL (a FLOAT column's float32 widened exactly)
//	bool           a real boolean column
//	string         text, decoded to UTF-8 by the connector
//	[]byte         binary
//	Decimal        exact decimal text, never float64
//	Date           a calendar date without a zone
//	LocalDateTime  a date and time without a zone (DATETIME, timestamp without time zone)
//	time.Time      an instant, always in UTC (TIMESTAMP, timestamptz, datetimeoffset)
//	Duration       a time of day or a MySQL TIME (up to ±838:59:59)
//	InvalidDate    a stored date no calendar holds (MariaDB 0000-00-00, 2024-05-00)
//	UUID           16 bytes in RFC 4122 order
//	JSON           JSON text
//
// The integer rule (int64 unless it does not fit) makes equal numbers equal
// values whatever the column's signedness, which verification relies on.
//
// What the set keeps, because a migration that must prove exactness cannot
// normalise anything on the way:
//
//   - Unsigned integers are int64 up to math.MaxInt64 and uint64 above; a
//     BIT(n) is such an unsigned integer (there is no bit-string kind), a
//     YEAR a plain integer. A target without an unsigned 64-bit type
//     refuses uint64 (RuleIntRange), never wraps it.
//   - float64 is compared bit for bit: -0.0 keeps its sign (a dialect that
//     would store it as 0 refuses it with RuleNegativeZero), subnormals
//     are kept (SQL Server refuses them, RuleSubnormal), and NaN and ±Inf
//     are values a source can hold that Fit keeps out of every target
//     (RuleNotFinite). A FLOAT/real value is its float32 widened exactly.
//   - A LocalDateTime is a wall clock and stays one: 2024-03-31 02:30
//     (skipped in Stockholm) and 2023-10-29 02:30 (there twice) are
//     ordinary values, never resolved in a zone.
//   - A Duration holds a time of day and a MySQL TIME alike; only a
//     receiving time column limits it to 00:00:00..24:00:00.
//   - An InvalidDate is never written: it is the evidence a mapping
//     archives (RuleInvalidDate) or turns into something else.
type Value = any

// Decimal is an exact decimal number in plain text: an optional '-', digits,
// and an optional '.' followed by digits ("-12.340"). It keeps the scale the
// source stored. Values written to a target are canonical (no leading
// zeros, no negative zero, padded to the column's scale), because that is
// what every target stores and returns; mappings make them so.
type Decimal string

// Date is a calendar date without a time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String gives the ISO 8601 form, YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Valid reports whether the date exists in the proleptic Gregorian calendar
// within years 1..9999.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Month, d.Year)
}

// Time gives the date at midnight UTC, for arithmetic only.
func (d Date) Time() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// DateOf gives the calendar date of t as read on its own clock.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// It is arithmetic, not time.Date: it runs for every date value checked.
func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// LocalDateTime is a date and time of day without a time zone: the wall
// clock the source stored. It is never converted to or from an instant,
// because a legacy DATETIME read in a server's zone shifts by an hour or two.
type LocalDateTime struct {
	Date
	Hour, Minute, Second int
	Nanosecond           int
}

// String gives YYYY-MM-DD HH:MM:SS with a fraction only when non-zero.
func (t LocalDateTime) String() string {
	s := fmt.Sprintf("%s %02d:%02d:%02d", t.Date, t.Hour, t.Minute, t.Second)
	if t.Nanosecond != 0 {
		s += fraction(t.Nanosecond)
	}
	return s
}

// Valid reports whether the date is valid and the clock is within a day.
func (t LocalDateTime) Valid() bool {
	return t.Date.Valid() && t.Hour >= 0 && t.Hour < 24 && t.Minute >= 0 && t.Minute < 60 &&
		t.Second >= 0 && t.Second < 60 && t.Nanosecond >= 0 && t.Nanosecond < 1e9
}

// Time gives the wall clock as if it were UTC, for arithmetic and for
// drivers that insist on time.Time; the zone carries no meaning.
func (t LocalDateTime) Time() time.Time {
	return time.Date(t.Year, t.Month, t.Day, t.Hour, t.Minute, t.Second, t.Nanosecond, time.UTC)
}

// LocalDateTimeOf gives the wall clock of t on its own clock.
func LocalDateTimeOf(t time.Time) LocalDateTime {
	return LocalDateTime{DateOf(t), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()}
}

// Duration is a signed span: a time of day (00:00:00 to 24:00:00) or a
// MySQL TIME value (-838:59:59 to 838:59:59), with microseconds or finer.
type Duration time.Duration

// String gives [-]HH:MM:SS[.ffffff], hours unbounded, as MySQL prints TIME.
func (d Duration) String() string {
	v := time.Duration(d)
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	h := v / time.Hour
	m := (v % time.Hour) / time.Minute
	s := (v % time.Minute) / time.Second
	ns := int(v % time.Second)
	out := fmt.Sprintf("%s%02d:%02d:%02d", sign, h, m, s)
	if ns != 0 {
		out += fraction(ns)
	}
	return out
}

// fraction formats nanoseconds as ".ffffff" or ".fffffffff", trimmed of
// trailing zeros but never below microsecond digits' meaning.
func fraction(ns int) string {
	s := fmt.Sprintf(".%09d", ns)
	for len(s) > 2 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return s
}

// InvalidDate is a date or datetime value the source stored but no calendar
// holds: MariaDB's 0000-00-00, zero days such as 2024-05-00, or 2023-02-30
// under ALLOW_INVALID_DATES. Raw is the text exactly as the server printed
// it. A mapping decides what such a value becomes; a target never receives
// one silently.
type InvalidDate struct {
	Raw string
}

func (d InvalidDate) String() string { return d.Raw }

// UUID is 16 bytes in RFC 4122 (network) order. SQL Server's
// uniqueidentifier stores the first three groups little-endian; its
// connector swaps them so that the same UUID is the same value everywhere.
type UUID [16]byte

func (u UUID) String() string {
	const hexdigits = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i, c := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexdigits[c>>4], hexdigits[c&0xf])
	}
	return string(b)
}

// JSON is JSON text, kept byte for byte as the source gave it.
type JSON string

// FormatValue renders a canonical value as text for archives, reports of
// counts, and CSV-like outputs. NULL renders as the empty string with ok
// false, so callers can tell NULL from "".
func FormatValue(v Value) (s string, ok bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case string:
		return x, true
	case []byte:
		return fmt.Sprintf("\\x%x", x), true
	case Decimal:
		return string(x), true
	case time.Time:
		return x.UTC().Format("2006-01-02T15:04:05.999999999Z"), true
	case fmt.Stringer:
		return x.String(), true
	default:
		return fmt.Sprintf("%v", x), true
	}
}
