package connectors

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Text codecs for the canonical set. MariaDB's text protocol and SQLite's
// storage both hand values over as text; parsing that text ourselves, per
// column kind, is what keeps zero dates, exact decimals and zone-less
// datetimes intact (the MySQL driver's parseTime would turn 0000-00-00
// into year 1 and read DATETIME in a zone).

// ParseText decodes the text form of a value of kind k. A date or datetime
// that is well formed but not in any calendar (zero date, zero day, 30
// February) becomes InvalidDate with the text kept verbatim. Anything else
// that does not parse is an error naming the kind, never the text.
func ParseText(k Kind, s string) (Value, error) {
	switch k {
	case KindInt:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		u, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an integer")
		}
		return u, nil
	case KindFloat:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("not a floating-point number")
		}
		return f, nil
	case KindDecimal:
		d := Decimal(s)
		if _, _, ok := DecimalDigits(d); !ok {
			return nil, fmt.Errorf("not a plain decimal number")
		}
		return d, nil
	case KindBool:
		switch s {
		case "1", "t", "true", "TRUE":
			return true, nil
		case "0", "f", "false", "FALSE":
			return false, nil
		}
		return nil, fmt.Errorf("not a boolean")
	case KindText:
		return s, nil
	case KindBytes:
		return []byte(s), nil
	case KindDate:
		return ParseDateText(s)
	case KindDateTime:
		return ParseDateTimeText(s)
	case KindTimestamp:
		v, err := ParseDateTimeText(strings.TrimSuffix(strings.TrimSuffix(s, "Z"), "+00:00"))
		if err != nil {
			return nil, err
		}
		if dt, ok := v.(LocalDateTime); ok {
			return dt.Time(), nil
		}
		return v, nil
	case KindTime:
		return ParseDurationText(s)
	case KindUUID:
		return ParseUUID(s)
	case KindJSON:
		return JSON(s), nil
	}
	return nil, fmt.Errorf("kind %v has no text form", k)
}

// ParseDateText reads YYYY-MM-DD. Zero and impossible dates become
// InvalidDate.
func ParseDateText(s string) (Value, error) {
	date, valid, err := parseDate(s)
	switch {
	case err != nil:
		return nil, err
	case !valid:
		return InvalidDate{Raw: s}, nil
	}
	return date, nil
}

// parseDate reads YYYY-MM-DD without boxing the date: valid is false for
// a zero or impossible one.
func parseDate(s string) (date Date, valid bool, err error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, false, fmt.Errorf("not a date (want YYYY-MM-DD)")
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, false, fmt.Errorf("not a date (want YYYY-MM-DD)")
	}
	date = Date{y, time.Month(m), d}
	return date, date.Valid(), nil
}

// ParseDateTimeText reads "YYYY-MM-DD HH:MM:SS[.fraction]" (or with a T).
// Zero and impossible dates become InvalidDate.
func ParseDateTimeText(s string) (Value, error) {
	if len(s) == 10 {
		d, valid, err := parseDate(s)
		switch {
		case err != nil:
			return nil, err
		case !valid:
			return InvalidDate{Raw: s}, nil
		}
		return LocalDateTime{Date: d}, nil
	}
	if len(s) < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return nil, fmt.Errorf("not a datetime (want YYYY-MM-DD HH:MM:SS)")
	}
	d, valid, err := parseDate(s[:10])
	if err != nil {
		return nil, err
	}
	h, ok1 := digits(s[11:13])
	mi, ok2 := digits(s[14:16])
	se, ok3 := digits(s[17:19])
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("not a datetime (want YYYY-MM-DD HH:MM:SS)")
	}
	ns, ok := fractionNanos(s[19:])
	if !ok {
		return nil, fmt.Errorf("not a datetime (bad fractional seconds)")
	}
	if !valid {
		return InvalidDate{Raw: s}, nil
	}
	t := LocalDateTime{d, h, mi, se, ns}
	if !t.Valid() {
		return InvalidDate{Raw: s}, nil
	}
	return t, nil
}

// ParseDurationText reads [-]H+:MM:SS[.fraction], as MySQL prints TIME and
// PostgreSQL prints time.
func ParseDurationText(s string) (Value, error) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	hh, rest, ok1 := strings.Cut(body, ":")
	mm, rest, ok2 := strings.Cut(rest, ":")
	if !ok1 || !ok2 || len(mm) != 2 || len(rest) < 2 {
		return nil, fmt.Errorf("not a time (want HH:MM:SS)")
	}
	h, okh := digits(hh)
	m, okm := digits(mm)
	sec, oks := digits(rest[:2])
	ns, okf := fractionNanos(rest[2:])
	if !okh || !okm || !oks || !okf || m > 59 || sec > 59 || h > 2562047 {
		return nil, fmt.Errorf("not a time (want HH:MM:SS)")
	}
	d := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second + time.Duration(ns)
	if neg {
		d = -d
	}
	return Duration(d), nil
}

// ParseUUID reads the 36-character hyphenated form, either case.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, fmt.Errorf("not a UUID")
	}
	j := 0
	for i := 0; i < 36; i += 2 {
		if s[i] == '-' {
			i--
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 || j >= 16 {
			return UUID{}, fmt.Errorf("not a UUID")
		}
		u[j] = hi<<4 | lo
		j++
	}
	if j != 16 {
		return UUID{}, fmt.Errorf("not a UUID")
	}
	return u, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// digits parses a run of ASCII digits without allocating.
func digits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// fractionNanos reads "" or ".d…" (1 to 9 digits) as nanoseconds.
func fractionNanos(s string) (int, bool) {
	if s == "" {
		return 0, true
	}
	if s[0] != '.' || len(s) < 2 || len(s) > 10 {
		return 0, false
	}
	n, ok := digits(s[1:])
	if !ok {
		return 0, false
	}
	for i := len(s) - 1; i < 9; i++ {
		n *= 10
	}
	return n, true
}

// appendDateText appends what d.String gives, without fmt: a target read
// back as written (an SQLite receiving database, connectors.AsWrittenReader)
// prints every date and timestamp it holds to compare it with the stored
// text, and fmt made that a quarter of a run's CPU.
func appendDateText(b []byte, d Date) []byte {
	if d.Year < 0 || d.Year > 9999 || d.Month < 0 || d.Month > 99 || d.Day < 0 || d.Day > 99 {
		return append(b, d.String()...)
	}
	b = appendDigits(b, d.Year, 4)
	b = appendDigits(append(b, '-'), int(d.Month), 2)
	return appendDigits(append(b, '-'), d.Day, 2)
}

// appendLocalDateTimeText appends what t.String gives, without fmt.
func appendLocalDateTimeText(b []byte, t LocalDateTime) []byte {
	if t.Hour < 0 || t.Hour > 99 || t.Minute < 0 || t.Minute > 99 || t.Second < 0 || t.Second > 99 || t.Nanosecond < 0 || t.Nanosecond > 999999999 {
		return append(b, t.String()...)
	}
	b = appendDateText(b, t.Date)
	b = appendDigits(append(b, ' '), t.Hour, 2)
	b = appendDigits(append(b, ':'), t.Minute, 2)
	b = appendDigits(append(b, ':'), t.Second, 2)
	if t.Nanosecond == 0 {
		return b
	}
	b = appendDigits(append(b, '.'), t.Nanosecond, 9)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}

// appendDigits appends n (0 <= n < 10^width) in exactly width digits.
func appendDigits(b []byte, n, width int) []byte {
	for i := width - 1; i >= 0; i-- {
		b = append(b, 0)
	}
	for i := len(b) - 1; i >= len(b)-width; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return b
}

// AppendText appends the text form of a canonical value that ParseText of
// the value's kind reads back, for dialects that bind values as text. NULL
// is the caller's business. Timestamps are written in UTC with a Z-less
// "YYYY-MM-DD HH:MM:SS.ffffff" form that every dialect accepts.
func AppendText(b []byte, v Value) ([]byte, error) {
	switch x := v.(type) {
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		return strconv.AppendFloat(b, x, 'g', -1, 64), nil
	case bool:
		if x {
			return append(b, '1'), nil
		}
		return append(b, '0'), nil
	case string:
		return append(b, x...), nil
	case []byte:
		return append(b, x...), nil
	case Decimal:
		return append(b, x...), nil
	case Date:
		return appendDateText(b, x), nil
	case LocalDateTime:
		return appendLocalDateTimeText(b, x), nil
	case time.Time:
		return appendLocalDateTimeText(b, LocalDateTimeOf(x.UTC())), nil
	case Duration:
		return append(b, x.String()...), nil
	case UUID:
		return append(b, x.String()...), nil
	case JSON:
		return append(b, x...), nil
	case InvalidDate:
		return nil, fmt.Errorf("a zero or invalid date has no storable form")
	}
	return nil, fmt.Errorf("value of type %T is not canonical", v)
}
