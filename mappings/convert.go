package mappings

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// castError says a cast could not convert a value without loss. Its text
// never holds the value.
type castError struct {
	to     connectors.Kind
	reason string
}

func (e *castError) Error() string { return "cannot cast to " + e.to.String() + ": " + e.reason }

func castErr(to connectors.Kind, format string, args ...any) error {
	return &castError{to: to, reason: fmt.Sprintf(format, args...)}
}

// castable reports whether a cast from a column of kind from to kind to
// can succeed for some values, for the static check (M007).
func castable(from, to connectors.Kind) bool {
	if from == to {
		return true
	}
	ok := map[connectors.Kind][]connectors.Kind{
		connectors.KindInt:       {connectors.KindInt, connectors.KindDecimal, connectors.KindFloat, connectors.KindText, connectors.KindBool},
		connectors.KindDecimal:   {connectors.KindInt, connectors.KindFloat, connectors.KindText, connectors.KindBool},
		connectors.KindFloat:     {connectors.KindInt, connectors.KindDecimal, connectors.KindText},
		connectors.KindBool:      {connectors.KindInt, connectors.KindText},
		connectors.KindDate:      {connectors.KindDateTime, connectors.KindText},
		connectors.KindDateTime:  {connectors.KindDate, connectors.KindText},
		connectors.KindTimestamp: {connectors.KindText},
		connectors.KindTime:      {connectors.KindText},
		connectors.KindUUID:      {connectors.KindText, connectors.KindBytes},
		connectors.KindJSON:      {connectors.KindText},
		connectors.KindBytes:     {connectors.KindText, connectors.KindUUID},
	}[from]
	if from == connectors.KindText {
		return true // text is what legacy platforms store everything as
	}
	for _, k := range ok {
		if k == to {
			return true
		}
	}
	return false
}

// convert casts a canonical value to type t without loss, or fails. NULL
// stays NULL. A value already of t's kind is returned as it is (Fit checks
// its range later).
func convert(v connectors.Value, t connectors.Type) (connectors.Value, error) {
	if v == nil {
		return nil, nil
	}
	if _, bad := v.(connectors.InvalidDate); bad {
		return nil, &connectors.FitError{Rule: connectors.RuleInvalidDate, Detail: "zero or invalid date"}
	}
	if connectors.KindOf(v) == t.Kind {
		return v, nil
	}
	to := t.Kind
	switch to {
	case connectors.KindInt:
		switch x := v.(type) {
		case connectors.Decimal:
			ip, fp, _ := strings.Cut(string(x), ".")
			if strings.Trim(fp, "0") != "" {
				return nil, castErr(to, "has decimals")
			}
			return connectors.ParseText(connectors.KindInt, ip)
		case float64:
			if x != math.Trunc(x) || math.Abs(x) > 1<<53 {
				return nil, castErr(to, "not a whole number within ±2^53")
			}
			return int64(x), nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case string:
			n, err := connectors.ParseText(connectors.KindInt, x)
			if err != nil {
				return nil, castErr(to, "not an integer")
			}
			return n, nil
		}
	case connectors.KindFloat:
		switch x := v.(type) {
		case int64:
			if x > 1<<53 || x < -(1<<53) {
				return nil, castErr(to, "integer beyond ±2^53 is not exact as a double")
			}
			return float64(x), nil
		case connectors.Decimal, string:
			s := fmt.Sprint(x)
			if !decimalFloatText(s) {
				// strconv also reads Go's hexadecimal floats ("0x1p-2"
				// is 0.25) and underscores: text that is no number here.
				return nil, castErr(to, "not a decimal number")
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, castErr(to, "not a finite number")
			}
			// By numberKey: the scale's trailing zeros (72.50 of a
			// decimal(5,2)) are no digits a double loses.
			if k, ok := numberKey(s); ok && k != strconv.FormatFloat(f, 'f', -1, 64) {
				return nil, castErr(to, "not exact as a double")
			}
			return f, nil
		}
	case connectors.KindDecimal:
		switch x := v.(type) {
		case int64:
			return connectors.Decimal(strconv.FormatInt(x, 10)), nil
		case uint64:
			return connectors.Decimal(strconv.FormatUint(x, 10)), nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, castErr(to, "not a finite number")
			}
			return connectors.Decimal(strconv.FormatFloat(x, 'f', -1, 64)), nil
		case bool:
			if x {
				return connectors.Decimal("1"), nil
			}
			return connectors.Decimal("0"), nil
		case string:
			d, ok := normDecimal(connectors.Decimal(x))
			if !ok {
				return nil, castErr(to, "not a plain decimal number (digits, one '.')")
			}
			return d, nil
		}
	case connectors.KindBool:
		switch x := v.(type) {
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
			return nil, castErr(to, "only 0 and 1 are booleans")
		case connectors.Decimal:
			// Only the fraction's zeros may go: trimming the whole
			// number's read 10 as 1.
			d, _ := normDecimal(x)
			ip, fp, _ := strings.Cut(string(d), ".")
			if strings.Trim(fp, "0") == "" {
				switch ip {
				case "0":
					return false, nil
				case "1":
					return true, nil
				}
			}
			return nil, castErr(to, "only 0 and 1 are booleans")
		case string:
			switch x {
			case "0", "false":
				return false, nil
			case "1", "true":
				return true, nil
			}
			return nil, castErr(to, "only 0, 1, true and false are booleans")
		}
	case connectors.KindText:
		switch x := v.(type) {
		case []byte:
			if !utf8.Valid(x) {
				return nil, castErr(to, "bytes are not valid UTF-8")
			}
			return string(x), nil
		case float64:
			return plainFloat(x), nil
		case time.Time, connectors.LocalDateTime, connectors.Date, connectors.Duration,
			int64, uint64, bool, connectors.Decimal, connectors.UUID, connectors.JSON:
			s, _ := connectors.FormatValue(x)
			return s, nil
		}
	case connectors.KindBytes:
		switch x := v.(type) {
		case string:
			return []byte(x), nil
		case connectors.UUID:
			return x[:], nil
		}
	case connectors.KindDate:
		switch x := v.(type) {
		case connectors.LocalDateTime:
			if x.Hour != 0 || x.Minute != 0 || x.Second != 0 || x.Nanosecond != 0 {
				return nil, castErr(to, "has a time of day")
			}
			return x.Date, nil
		case string:
			return parsed(to)(connectors.ParseDateText(x))
		}
	case connectors.KindDateTime:
		switch x := v.(type) {
		case connectors.Date:
			return connectors.LocalDateTime{Date: x}, nil
		case string:
			return parsed(to)(connectors.ParseDateTimeText(strings.Replace(x, "T", " ", 1)))
		}
	case connectors.KindTimestamp:
		if s, ok := v.(string); ok {
			ts, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, castErr(to, "not an RFC 3339 instant with a zone offset")
			}
			return ts.UTC(), nil
		}
	case connectors.KindTime:
		if s, ok := v.(string); ok {
			return parsed(to)(connectors.ParseDurationText(s))
		}
	case connectors.KindUUID:
		switch x := v.(type) {
		case string:
			u, err := connectors.ParseUUID(x)
			if err != nil {
				return nil, castErr(to, "not a UUID")
			}
			return u, nil
		case []byte:
			if len(x) != 16 {
				return nil, castErr(to, "not 16 bytes")
			}
			return connectors.UUID(x), nil
		}
	case connectors.KindJSON:
		if s, ok := v.(string); ok {
			if !json.Valid([]byte(s)) {
				return nil, castErr(to, "not valid JSON")
			}
			return connectors.JSON(s), nil
		}
	}
	return nil, castErr(to, "no cast from %s", connectors.KindOf(v))
}

// decimalFloatText reports whether s is a number in decimal notation:
// an optional sign, digits with at most one point, and an optional
// exponent ("-1.5", "2.", ".5", "1e3").
func decimalFloatText(s string) bool {
	s = strings.TrimLeft(s, "+-")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	ip, fp, _ := strings.Cut(mant, ".")
	if ip+fp == "" || !allDigits(ip) || !allDigits(fp) {
		return false
	}
	if hasExp {
		exp = strings.TrimLeft(exp, "+-")
		return exp != "" && allDigits(exp)
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parsed turns a text parser's result into a cast result: a parse error or
// an InvalidDate is a failure with its own reason.
func parsed(to connectors.Kind) func(connectors.Value, error) (connectors.Value, error) {
	return func(v connectors.Value, err error) (connectors.Value, error) {
		if err != nil {
			return nil, castErr(to, "%v", err)
		}
		if _, bad := v.(connectors.InvalidDate); bad {
			return nil, &connectors.FitError{Rule: connectors.RuleInvalidDate, Detail: "zero or invalid date"}
		}
		return v, nil
	}
}

// normDecimal gives a plain decimal in canonical form: no '+', no leading
// zeros, no "-0". It keeps the scale it was given; padScale sets the scale.
func normDecimal(d connectors.Decimal) (connectors.Decimal, bool) {
	s := string(d)
	if _, _, ok := connectors.DecimalDigits(d); !ok {
		return "", false
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	ip, fp, hasPoint := strings.Cut(s, ".")
	ip = strings.TrimLeft(ip, "0")
	if ip == "" {
		ip = "0"
	}
	out := ip
	if hasPoint {
		out += "." + fp
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return connectors.Decimal(out), true
}

// isPadded reports whether d is already what padScale makes of it:
// canonical (no leading zeros, no negative zero) with exactly scale
// fractional digits. Most source decimals are, and padScale would build
// the same text anew for each.
func isPadded(d connectors.Decimal, scale int) bool {
	s := string(d)
	neg := s != "" && s[0] == '-'
	if neg {
		s = s[1:]
	}
	ip, fp, hasPoint := strings.Cut(s, ".")
	if ip == "" || hasPoint != (scale > 0) || len(fp) != scale || (len(ip) > 1 && ip[0] == '0') {
		return false
	}
	nonzero := false
	for _, part := range [2]string{ip, fp} {
		for i := 0; i < len(part); i++ {
			switch c := part[i]; {
			case c < '0' || c > '9':
				return false
			case c != '0':
				nonzero = true
			}
		}
	}
	return nonzero || !neg
}

// paddedIntDigits is isPadded in the same pass as Fit's count of the
// integer digits: the significant ones, none for a lone 0.
func paddedIntDigits(d connectors.Decimal, scale int) (int, bool) {
	s := string(d)
	neg := s != "" && s[0] == '-'
	if neg {
		s = s[1:]
	}
	point := len(s) - scale - 1
	if scale == 0 {
		point = len(s)
	}
	if point < 1 || point < len(s) && s[point] != '.' || point > 1 && s[0] == '0' {
		return 0, false
	}
	nonzero := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case i == point:
		case c < '0' || c > '9':
			return 0, false
		case c != '0':
			nonzero = true
		}
	}
	if neg && !nonzero {
		return 0, false
	}
	if point == 1 && s[0] == '0' {
		return 0, true
	}
	return point, true
}

// padScale writes a decimal with exactly scale fractional digits, adding
// zeros; it never rounds (Fit has rejected more digits than scale). Every
// dialect then stores and returns the same text, which verification
// compares byte for byte.
func padScale(d connectors.Decimal, scale int) connectors.Decimal {
	n, ok := normDecimal(d)
	if !ok {
		return d
	}
	s := string(n)
	_, fp, hasPoint := strings.Cut(s, ".")
	if len(fp) >= scale {
		return n
	}
	if !hasPoint && scale > 0 {
		s += "."
	}
	return connectors.Decimal(s + strings.Repeat("0", scale-len(fp)))
}

// plainFloat writes a double as text the way databases print it: the
// shortest digits that read back as it, in plain notation between 1e-4
// and 1e21 (1234567, not Go's 1.234567e+06), with an exponent beyond.
//
// An infinity is written as PostgreSQL writes it ("Infinity",
// "-Infinity"), which holds them in numeric, real and double columns:
// Go's "+Inf" is no database's spelling, a text the source never showed.
func plainFloat(f float64) string {
	if math.IsInf(f, 0) {
		if f > 0 {
			return "Infinity"
		}
		return "-Infinity"
	}
	if a := math.Abs(f); a == 0 || a >= 1e-4 && a < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}
