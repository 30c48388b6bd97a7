package mysql

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// SQL literals for canonical values. The connector renders its own
// literals into INSERT statements and keyset queries instead of leaving it
// to the driver's interpolateParams, because the driver
//
//   - quotes every string, and MariaDB compares a DECIMAL column with a
//     string as DOUBLE, which makes keys of more than 15 digits unequal
//     to themselves; a Decimal must be a bare numeric literal there;
//   - prints a float64 with %g, so -1.5 is a DECIMAL literal and 1e300 a
//     DOUBLE one; the exponent form below is always DOUBLE;
//   - cannot tell how long a statement will be before it builds it, and
//     falls back to a prepared statement (binary protocol) when it is
//     longer than max_allowed_packet; Write measures its own statements.
//
// Escaping assumes backslash escapes, which every session of this package
// has: the sql_mode it sets (see sessionSQLMode) never holds
// NO_BACKSLASH_ESCAPES, and the connection character set is utf8mb4, in
// which no multi-byte character contains a quote or backslash byte.

// appendLiteral appends v as a SQL literal for column c (c may be nil for
// a value whose literal does not depend on its column).
func appendLiteral(b []byte, v connectors.Value, c *connectors.Column) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "NULL"...), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("NaN and infinities have no MariaDB literal")
		}
		// The exponent makes it an approximate-number (DOUBLE) literal,
		// parsed to the nearest double exactly.
		return strconv.AppendFloat(b, x, 'e', -1, 64), nil
	case bool:
		if x {
			return append(b, '1'), nil
		}
		return append(b, '0'), nil
	case string:
		return appendQuoted(b, x), nil
	case []byte:
		b = append(b, "_binary"...)
		return appendQuoted(b, x), nil
	case connectors.Decimal:
		if _, _, ok := connectors.DecimalDigits(x); !ok {
			return nil, fmt.Errorf("not a plain decimal number")
		}
		// Bare digits: an exact DECIMAL literal (see above).
		return append(b, x...), nil
	case connectors.Date:
		if !x.Valid() {
			return nil, fmt.Errorf("not a calendar date")
		}
		b = append(b, '\'')
		return append(appendDate(b, x), '\''), nil
	case connectors.LocalDateTime:
		if !x.Valid() {
			return nil, fmt.Errorf("not a calendar date and time")
		}
		b = append(b, '\'')
		return append(appendDateTime(b, x), '\''), nil
	case time.Time:
		// Sessions run with time_zone '+00:00': the UTC wall clock is the
		// instant both for a TIMESTAMP column and for the datetime a
		// timestamptz column is.
		dt := connectors.LocalDateTimeOf(x.UTC())
		if !dt.Valid() {
			return nil, fmt.Errorf("instant outside years 1..9999")
		}
		b = append(b, '\'')
		return append(appendDateTime(b, dt), '\''), nil
	case connectors.Duration:
		return appendQuoted(b, x.String()), nil
	case connectors.UUID:
		if c != nil && isNativeUUID(c) {
			return appendQuoted(b, x.String()), nil
		}
		b = append(b, "X'"...)
		for _, by := range x {
			b = append(b, hexDigits[by>>4], hexDigits[by&0xf])
		}
		return append(b, '\''), nil
	case connectors.JSON:
		return appendQuoted(b, string(x)), nil
	case connectors.InvalidDate:
		// Only keys meet this: a zero date compares fine in a WHERE
		// clause. Write refuses it earlier, through Fit.
		return appendQuoted(b, x.Raw), nil
	}
	return nil, fmt.Errorf("value of type %T is not canonical", v)
}

const hexDigits = "0123456789abcdef"

// appendDate and appendDateTime print what Date.String and
// LocalDateTime.String print, without fmt: they run for every temporal
// value written, and fmt was a third of Write's own time.
func appendDate(b []byte, d connectors.Date) []byte {
	b = appendDigits(b, d.Year, 4)
	b = append(b, '-')
	b = appendDigits(b, int(d.Month), 2)
	b = append(b, '-')
	return appendDigits(b, d.Day, 2)
}

func appendDateTime(b []byte, t connectors.LocalDateTime) []byte {
	b = appendDate(b, t.Date)
	b = append(b, ' ')
	b = appendDigits(b, t.Hour, 2)
	b = append(b, ':')
	b = appendDigits(b, t.Minute, 2)
	b = append(b, ':')
	b = appendDigits(b, t.Second, 2)
	if t.Nanosecond != 0 {
		b = append(b, '.')
		b = appendDigits(b, t.Nanosecond, 9)
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
	}
	return b
}

// appendDigits appends n (0 <= n) zero-padded to width digits.
func appendDigits(b []byte, n, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for n > 0 || i > len(buf)-width {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, buf[i:]...)
}

// isNativeUUID says whether a column is MariaDB's own uuid type (read as
// text) rather than this connector's binary(16).
func isNativeUUID(c *connectors.Column) bool {
	return strings.EqualFold(baseType(c.SourceType), "uuid")
}

// appendQuoted appends s between single quotes with MariaDB's backslash
// escapes, the same set the Go driver and mysql_real_escape_string use.
func appendQuoted[S string | []byte](b []byte, s S) []byte {
	b = append(b, '\'')
	start := 0
	for i := 0; i < len(s); i++ {
		var esc byte
		switch s[i] {
		case 0:
			esc = '0'
		case '\n':
			esc = 'n'
		case '\r':
			esc = 'r'
		case '\\':
			esc = '\\'
		case '\'':
			esc = '\''
		case '"':
			esc = '"'
		case 0x1a:
			esc = 'Z'
		default:
			continue
		}
		b = append(b, s[start:i]...)
		b = append(b, '\\', esc)
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '\'')
}
