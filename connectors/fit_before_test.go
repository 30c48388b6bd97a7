package connectors

import (
	"encoding/json"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// The Fit of before the one-pass text scan and the type read in place
// (issue 15), kept word for word as the reference the faster Fit is held
// to: TestFitAsBefore gives both the same values and wants the same
// answer, rule and detail.

func fitBefore(t Type, v Value) error {
	if v == nil {
		return nil
	}
	switch t.Kind {
	case KindInt:
		return fitIntBefore(t, v)
	case KindFloat:
		f, ok := v.(float64)
		if !ok {
			return wrongKind(t, v)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			// SQLite turns NaN into NULL and MariaDB refuses both: keep
			// them out of every target rather than per dialect.
			return fitErr(RuleNotFinite, "NaN and infinities are not stored")
		}
		if t.Bits == 32 && float64(float32(f)) != f {
			return fitErr(RulePrecision, "value needs double precision")
		}
	case KindDecimal:
		d, ok := v.(Decimal)
		if f, isFloat := v.(float64); isFloat && (math.IsNaN(f) || math.IsInf(f, 0)) {
			// PostgreSQL's numeric NaN and ±Infinity have no Decimal form
			// and arrive as float64: name them, not the kind.
			return fitErr(RuleNotFinite, "NaN and infinities are not stored")
		}
		if !ok {
			return wrongKind(t, v)
		}
		return fitDecimalBefore(t, d)
	case KindBool:
		if _, ok := v.(bool); !ok {
			return wrongKind(t, v)
		}
	case KindText:
		s, ok := v.(string)
		if !ok {
			return wrongKind(t, v)
		}
		if !utf8.ValidString(s) {
			return fitErr(RuleInvalidUTF8, "text is not valid UTF-8")
		}
		if strings.IndexByte(s, 0) >= 0 {
			return fitErr(RuleNULByte, "text holds a NUL byte, which PostgreSQL cannot store")
		}
		if t.Length > 0 {
			if n := utf8.RuneCountInString(s); n > t.Length {
				return fitErr(RuleTextLength, "%d characters, column holds %d", n, t.Length)
			}
		}
	case KindBytes:
		b, ok := v.([]byte)
		if !ok {
			return wrongKind(t, v)
		}
		if t.Length > 0 && len(b) > t.Length {
			return fitErr(RuleBytesLength, "%d bytes, column holds %d", len(b), t.Length)
		}
	case KindDate:
		switch d := v.(type) {
		case Date:
			if !d.Valid() {
				return fitErr(RuleInvalidDate, "not a calendar date")
			}
		case InvalidDate:
			return invalidDate(d)
		default:
			return wrongKind(t, v)
		}
	case KindDateTime:
		switch d := v.(type) {
		case LocalDateTime:
			if !d.Valid() {
				return fitErr(RuleInvalidDate, "not a calendar date and time")
			}
			if lost := d.Nanosecond % int(math.Pow10(9-fracDigitsBefore(t))); lost != 0 {
				return fitErr(RulePrecision, "needs more than %d fractional digits", fracDigitsBefore(t))
			}
		case InvalidDate:
			return invalidDate(d)
		default:
			return wrongKind(t, v)
		}
	case KindTimestamp:
		if _, ok := v.(InvalidDate); ok {
			// A zero TIMESTAMP, or PostgreSQL's infinity or BC: the same
			// reason as in a date column, not a kind mismatch.
			return fitErr(RuleInvalidDate, "zero or invalid timestamp")
		}
		ts, ok := v.(time.Time)
		if !ok {
			return wrongKind(t, v)
		}
		if ts.Location() != time.UTC {
			return fitErr(RuleTimestampUTC, "instants travel in UTC")
		}
		if y := ts.Year(); y < 1 || y > 9999 {
			return fitErr(RuleInvalidDate, "year outside 1..9999")
		}
		if ts.Nanosecond()%int(math.Pow10(9-fracDigitsBefore(t))) != 0 {
			return fitErr(RulePrecision, "needs more than %d fractional digits", fracDigitsBefore(t))
		}
	case KindTime:
		d, ok := v.(Duration)
		if !ok {
			return wrongKind(t, v)
		}
		// A receiving schema's time is a time of day; a MySQL TIME beyond
		// 24 hours is a duration no time-of-day column can hold.
		if d < 0 || time.Duration(d) > 24*time.Hour {
			return fitErr(RuleTimeRange, "outside 00:00:00..24:00:00")
		}
		if int64(d)%int64(math.Pow10(9-fracDigitsBefore(t))) != 0 {
			return fitErr(RulePrecision, "needs more than %d fractional digits", fracDigitsBefore(t))
		}
	case KindUUID:
		if _, ok := v.(UUID); !ok {
			return wrongKind(t, v)
		}
	case KindJSON:
		j, ok := v.(JSON)
		if !ok {
			return wrongKind(t, v)
		}
		switch {
		case !utf8.ValidString(string(j)):
			return fitErr(RuleInvalidUTF8, "JSON text is not valid UTF-8")
		case strings.IndexByte(string(j), 0) >= 0:
			return fitErr(RuleNULByte, "JSON text holds a NUL byte")
		case !json.Valid([]byte(j)):
			return fitErr(RuleInvalidJSON, "not valid JSON")
		}
	default:
		return fitErr(RuleWrongKind, "column type %v is not storable", t)
	}
	return nil
}

func fitIntBefore(t Type, v Value) error {
	bits := t.Bits
	if bits == 0 {
		bits = 64
	}
	switch n := v.(type) {
	case int64:
		if t.Unsigned {
			if n < 0 || (bits < 64 && uint64(n) > 1<<bits-1) {
				return fitErr(RuleIntRange, "outside %v", t)
			}
			return nil
		}
		if bits < 64 && (n < -1<<(bits-1) || n > 1<<(bits-1)-1) {
			return fitErr(RuleIntRange, "outside %v", t)
		}
	case uint64:
		// Only values above MaxInt64 are uint64; just an unsigned bigint
		// holds them.
		if !t.Unsigned || bits < 64 {
			return fitErr(RuleIntRange, "outside %v", t)
		}
	default:
		return wrongKind(t, v)
	}
	return nil
}

func fitDecimalBefore(t Type, d Decimal) error {
	intDigits, fracDigits, ok := decimalDigitsBefore(d)
	if !ok {
		return fitErr(RuleBadDecimal, "not a plain decimal number")
	}
	if fracDigits > t.Scale {
		return fitErr(RulePrecision, "%d decimals, column keeps %d", fracDigits, t.Scale)
	}
	if intDigits > t.Precision-t.Scale {
		return fitErr(RulePrecision, "%d integer digits, column holds %d", intDigits, t.Precision-t.Scale)
	}
	return nil
}

func decimalDigitsBefore(d Decimal) (intDigits, fracDigits int, ok bool) {
	_, ip, fp, ok := splitDecimalBefore(d)
	return len(ip), len(fp), ok
}

func splitDecimalBefore(d Decimal) (neg bool, ip, fp string, ok bool) {
	s := string(d)
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	ip, fp, hasPoint := strings.Cut(s, ".")
	if ip == "" || (hasPoint && fp == "") {
		return false, "", "", false
	}
	for _, part := range []string{ip, fp} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false, "", "", false
			}
		}
	}
	return neg, strings.TrimLeft(ip, "0"), fp, true
}

func fracDigitsBefore(t Type) int {
	if t.Precision < 0 || t.Precision > 9 {
		return 9
	}
	return t.Precision
}
