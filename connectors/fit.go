package connectors

import (
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"
	"unicode/utf8"
)

// Rule names why a value does not fit a column. Rules are stable codes:
// archives and reports carry them as reasons.
type Rule string

// The rules of Type.Fit, and of the dialects' ValueCheckers (the last
// two), in one list so that a reason code means the same whatever refused
// the value. Rules lists them with what each means.
const (
	RuleNotNull      Rule = "not_null"
	RuleWrongKind    Rule = "wrong_kind"
	RuleIntRange     Rule = "int_range"
	RulePrecision    Rule = "decimal_precision"
	RuleNotFinite    Rule = "not_finite"
	RuleTextLength   Rule = "text_length"
	RuleNULByte      Rule = "nul_byte"
	RuleInvalidUTF8  Rule = "invalid_utf8"
	RuleInvalidDate  Rule = "invalid_date"
	RuleTimeRange    Rule = "time_range"
	RuleBytesLength  Rule = "bytes_length"
	RuleBadDecimal   Rule = "bad_decimal"
	RuleTimestampUTC Rule = "timestamp_not_utc"
	RuleInvalidJSON  Rule = "invalid_json"
	// RuleNegativeZero: the dialect stores -0.0 as 0 (MariaDB and SQLite
	// do; SQL Server refuses it until a server shows the sign kept), so
	// the sign would change silently.
	RuleNegativeZero Rule = "negative_zero"
	// RuleSubnormal: the dialect does not keep subnormal floats (SQL
	// Server documents no range below the smallest normal number).
	RuleSubnormal Rule = "subnormal_float"
)

// RuleInfo says what one rule means, for the documented type map and for
// people reading an archive's reasons.
type RuleInfo struct {
	Rule  Rule
	Means string
}

// Rules lists every rule of this package, in the order of the constants.
func Rules() []RuleInfo {
	return []RuleInfo{
		{RuleNotNull, "NULL in a NOT NULL column"},
		{RuleWrongKind, "a value of another canonical kind than the column's (a string in an integer column)"},
		{RuleIntRange, "an integer outside the column's width and signedness (and any value above 9223372036854775807 where no unsigned 64-bit type exists)"},
		{RulePrecision, "more decimal or fractional-second digits than the column keeps, or a double in a real column that float32 cannot hold exactly"},
		{RuleNotFinite, "NaN, +Infinity or -Infinity: SQLite turns NaN into NULL and MariaDB and SQL Server refuse them, so no target receives them"},
		{RuleTextLength, "more characters than varchar(n) holds"},
		{RuleNULByte, "text or JSON holding a NUL byte, which PostgreSQL cannot store"},
		{RuleInvalidUTF8, "text that is not valid UTF-8"},
		{RuleInvalidDate, "a zero or impossible date (0000-00-00, 2024-05-00, infinity, BC) or a year outside 1..9999"},
		{RuleTimeRange, "a time of day outside 00:00:00..24:00:00 (a MySQL TIME duration beyond a day, or negative), or 24:00:00 where the dialect's time ends before it (SQL Server)"},
		{RuleBytesLength, "more bytes than varbinary(n) holds"},
		{RuleBadDecimal, "decimal text that is not digits with one optional point"},
		{RuleTimestampUTC, "an instant not in UTC, which is how instants travel"},
		{RuleInvalidJSON, "text that is not JSON (on SQL Server also a top-level scalar, which ISJSON refuses)"},
		{RuleNegativeZero, "-0.0, which the dialect stores as 0 (or is not yet shown to keep)"},
		{RuleSubnormal, "a subnormal float (below 2.2250738585072014e-308, or 1.1754944e-38 in a real column)"},
	}
}

// FitError says that a value does not fit a column type. It never carries
// the value, which may be personal data; callers add table, key and column.
type FitError struct {
	Rule   Rule
	Detail string
}

func (e *FitError) Error() string {
	if e.Detail == "" {
		return string(e.Rule)
	}
	return string(e.Rule) + ": " + e.Detail
}

func fitErr(r Rule, format string, args ...any) *FitError {
	return &FitError{Rule: r, Detail: fmt.Sprintf(format, args...)}
}

// Fit reports whether a canonical value can be stored in a column of type t
// exactly, on every dialect regflytt writes to. NULL fits (nullability is
// the column's business, see Column.Fit). Fit changes nothing: a value that
// does not fit is an error, never rounded, truncated or shifted.
func (t Type) Fit(v Value) error { return t.fit(v) }

// fit is Fit on the type in place: Column.Fit, once per value of a run,
// would otherwise copy the six-word Type for each.
func (t *Type) fit(v Value) error {
	if v == nil {
		return nil
	}
	switch t.Kind {
	case KindInt:
		return t.fitInt(v)
	case KindFloat:
		f, ok := v.(float64)
		if !ok {
			return wrongKind(*t, v)
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
			return wrongKind(*t, v)
		}
		return t.fitDecimal(d)
	case KindBool:
		if _, ok := v.(bool); !ok {
			return wrongKind(*t, v)
		}
	case KindText:
		s, ok := v.(string)
		if !ok {
			return wrongKind(*t, v)
		}
		// One pass for the three checks, in the order of their reasons:
		// text that is not UTF-8 is that, whatever else it holds.
		valid, nul, n := scanText(s)
		switch {
		case !valid:
			return fitErr(RuleInvalidUTF8, "text is not valid UTF-8")
		case nul:
			return fitErr(RuleNULByte, "text holds a NUL byte, which PostgreSQL cannot store")
		case t.Length > 0 && n > t.Length:
			return fitErr(RuleTextLength, "%d characters, column holds %d", n, t.Length)
		}
	case KindBytes:
		if t.Length == 0 {
			// Only the kind to check: the value's type word, not the
			// slice header behind it.
			if _, ok := v.([]byte); !ok {
				return wrongKind(*t, v)
			}
			break
		}
		b, ok := v.([]byte)
		if !ok {
			return wrongKind(*t, v)
		}
		if len(b) > t.Length {
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
			return wrongKind(*t, v)
		}
	case KindDateTime:
		switch d := v.(type) {
		case LocalDateTime:
			if !d.Valid() {
				return fitErr(RuleInvalidDate, "not a calendar date and time")
			}
			if lost := d.Nanosecond % int(t.fracUnit()); lost != 0 {
				return fitErr(RulePrecision, "needs more than %d fractional digits", t.fracDigits())
			}
		case InvalidDate:
			return invalidDate(d)
		default:
			return wrongKind(*t, v)
		}
	case KindTimestamp:
		if _, ok := v.(InvalidDate); ok {
			// A zero TIMESTAMP, or PostgreSQL's infinity or BC: the same
			// reason as in a date column, not a kind mismatch.
			return fitErr(RuleInvalidDate, "zero or invalid timestamp")
		}
		ts, ok := v.(time.Time)
		if !ok {
			return wrongKind(*t, v)
		}
		if ts.Location() != time.UTC {
			return fitErr(RuleTimestampUTC, "instants travel in UTC")
		}
		if y := ts.Year(); y < 1 || y > 9999 {
			return fitErr(RuleInvalidDate, "year outside 1..9999")
		}
		if ts.Nanosecond()%int(t.fracUnit()) != 0 {
			return fitErr(RulePrecision, "needs more than %d fractional digits", t.fracDigits())
		}
	case KindTime:
		d, ok := v.(Duration)
		if !ok {
			return wrongKind(*t, v)
		}
		// A receiving schema's time is a time of day; a MySQL TIME beyond
		// 24 hours is a duration no time-of-day column can hold.
		if d < 0 || time.Duration(d) > 24*time.Hour {
			return fitErr(RuleTimeRange, "outside 00:00:00..24:00:00")
		}
		if int64(d)%t.fracUnit() != 0 {
			return fitErr(RulePrecision, "needs more than %d fractional digits", t.fracDigits())
		}
	case KindUUID:
		if _, ok := v.(UUID); !ok {
			return wrongKind(*t, v)
		}
	case KindJSON:
		j, ok := v.(JSON)
		if !ok {
			return wrongKind(*t, v)
		}
		valid, nul, _ := scanText(string(j))
		switch {
		case !valid:
			return fitErr(RuleInvalidUTF8, "JSON text is not valid UTF-8")
		case nul:
			return fitErr(RuleNULByte, "JSON text holds a NUL byte")
		case !json.Valid([]byte(j)):
			return fitErr(RuleInvalidJSON, "not valid JSON")
		}
	default:
		return fitErr(RuleWrongKind, "column type %v is not storable", *t)
	}
	return nil
}

// Fit is Type.Fit plus nullability.
func (c *Column) Fit(v Value) error {
	if v == nil && !c.Nullable {
		return &FitError{Rule: RuleNotNull, Detail: "column is NOT NULL"}
	}
	return c.Type.fit(v)
}

// fracDigits is the fractional-second precision a temporal type keeps;
// zero in the schema means whole seconds.
func (t *Type) fracDigits() int {
	if t.Precision < 0 || t.Precision > 9 {
		return 9
	}
	return t.Precision
}

// fracUnits are the nanoseconds of the last digit a type of 0..9
// fractional-second digits keeps.
var fracUnits = [10]int64{1e9, 1e8, 1e7, 1e6, 1e5, 1e4, 1e3, 1e2, 1e1, 1}

// fracUnit is the nanoseconds of the last fractional-second digit the
// type keeps: a value of nanoseconds not a multiple of it needs more.
func (t *Type) fracUnit() int64 { return fracUnits[t.fracDigits()] }

// scanText reads s once and says what utf8.ValidString, a search for a
// NUL byte and utf8.RuneCountInString would: whether s is UTF-8, whether
// it holds a NUL, and its characters (counted up to the first byte that
// is not UTF-8, where it stops). Text is mostly ASCII, which it reads
// eight bytes at a time, and the rest mostly two-byte characters (å, ä,
// ö), which it reads without a call.
func scanText(s string) (valid, nul bool, runes int) {
	const hi, lo = 0x8080808080808080, 0x0101010101010101
	i := 0
	for i < len(s) {
		if i+8 <= len(s) {
			_ = s[i+7]
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			// The high bit of x marks each byte above 0x7F, that of x-lo
			// each zero byte (0 borrows to 0xFF) and, through the borrow,
			// maybe bytes after it, never one before: the lowest mark is
			// the first byte that is not ASCII other than NUL.
			mark := (x | (x - lo)) & hi
			if mark == 0 {
				i += 8
				runes += 8
				continue
			}
			k := bits.TrailingZeros64(mark) / 8
			i += k
			runes += k
		}
		c := s[i]
		switch {
		case c == 0:
			nul = true
			i++
		case c < utf8.RuneSelf:
			i++
		case c >= 0xC2 && c <= 0xDF && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			// A two-byte character: every lead C2..DF with one
			// continuation byte is one (C0 and C1 would be overlong).
			i += 2
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return false, nul, runes
			}
			i += size
		}
		runes++
	}
	return true, nul, runes
}

// invalidDate refuses a stored date no calendar holds, and says when it
// is a partial date (1980-00-00, 2019-05-00: the year or month known),
// which the mapping function partial_date keeps at its precision.
func invalidDate(d InvalidDate) error {
	if partialDateText(d.Raw) {
		return fitErr(RuleInvalidDate, "a partial date (year or month known, the rest zero); partial_date() and partial_date_precision() keep it")
	}
	return fitErr(RuleInvalidDate, "zero or invalid date")
}

// partialDateText reports whether s is YYYY-MM-00 or YYYY-00-00 with a
// real year and month, alone or at a zero time of day.
func partialDateText(s string) bool {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	if !ok1 || !ok2 || y == 0 || m > 12 || s[8:10] != "00" {
		return false
	}
	switch rest := s[10:]; {
	case rest == "", rest == " 00:00:00", rest == "T00:00:00":
		return true
	case strings.HasPrefix(rest, " 00:00:00.") && strings.Trim(rest[10:], "0") == "":
		return true
	}
	return false
}

func wrongKind(t Type, v Value) error {
	return fitErr(RuleWrongKind, "a %s value in a %v column%s", KindOf(v), t, wrongKindHint(t.Kind, KindOf(v)))
}

// wrongKindHint says why a value of another kind is refused where the
// usual cause is a source that stores by affinity (SQLite) or as text,
// and what a mapping can do about it.
func wrongKindHint(col, val Kind) string {
	switch {
	case col == KindDecimal && val == KindFloat:
		return ": a binary float is no exact decimal (the source stored a REAL whose shortest form does not fit its declared scale, or an expression computed a float); cast: decimal takes its shortest form"
	case val == KindText && (col == KindDecimal || col == KindInt || col == KindFloat):
		return ": the source stored text that is not a plain number; read it with decimal() or integer()"
	case val == KindText && (col == KindDate || col == KindDateTime):
		return ": the source stored text that is not an ISO date; read it with date() or datetime() and its layout"
	case (val == KindInt || val == KindFloat) && (col == KindDate || col == KindDateTime):
		return ": a number in a date column (Unix time, a Julian day or YYYYMMDD?) is not read as any date; say which in the mapping, e.g. date(x, \"YYYYMMDD\")"
	}
	return ""
}

func (t *Type) fitInt(v Value) error {
	bits := t.Bits
	if bits == 0 {
		bits = 64
	}
	switch n := v.(type) {
	case int64:
		if t.Unsigned {
			if n < 0 || (bits < 64 && uint64(n) > 1<<bits-1) {
				return fitErr(RuleIntRange, "outside %v", *t)
			}
			return nil
		}
		if bits < 64 && (n < -1<<(bits-1) || n > 1<<(bits-1)-1) {
			return fitErr(RuleIntRange, "outside %v", *t)
		}
	case uint64:
		// Only values above MaxInt64 are uint64; just an unsigned bigint
		// holds them.
		if !t.Unsigned || bits < 64 {
			return fitErr(RuleIntRange, "outside %v", *t)
		}
	default:
		return wrongKind(*t, v)
	}
	return nil
}

func (t *Type) fitDecimal(d Decimal) error {
	intDigits, fracDigits, ok := DecimalDigits(d)
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

// DecimalDigits counts the significant integer digits and the fractional
// digits of a plain decimal ("-0012.50" has 2 and 2), and says whether d is
// well formed at all.
func DecimalDigits(d Decimal) (intDigits, fracDigits int, ok bool) {
	_, ip, fp, ok := splitDecimal(d)
	return len(ip), len(fp), ok
}

// CompareDecimal orders two plain decimals by value ("1.50" equals "1.5",
// "-0.0" equals "0", "007" equals "7") without allocating, where big.Rat
// parses both; ok is false when either is not well formed (DecimalDigits).
func CompareDecimal(a, b Decimal) (int, bool) {
	na, ia, fa, ok1 := splitDecimal(a)
	nb, ib, fb, ok2 := splitDecimal(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	// A zero has no sign.
	na = na && !zeroDigits(ia, fa)
	nb = nb && !zeroDigits(ib, fb)
	if na != nb {
		if na {
			return -1, true
		}
		return 1, true
	}
	c := compareMagnitude(ia, fa, ib, fb)
	if na {
		c = -c
	}
	return c, true
}

// splitDecimal splits a plain decimal into its sign, its integer digits
// without leading zeros and its fraction digits; ok is false unless d is
// an optional '-', digits, and an optional '.' followed by digits.
func splitDecimal(d Decimal) (neg bool, ip, fp string, ok bool) {
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

func zeroDigits(ip, fp string) bool { return ip == "" && strings.Trim(fp, "0") == "" }

// compareMagnitude orders two unsigned decimals split by splitDecimal:
// the longer integer part is larger, then digit by digit, a missing
// fraction digit read as 0.
func compareMagnitude(ia, fa, ib, fb string) int {
	if len(ia) != len(ib) {
		if len(ia) < len(ib) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(ia, ib); c != 0 {
		return c
	}
	for i := 0; i < len(fa) || i < len(fb); i++ {
		da, db := byte('0'), byte('0')
		if i < len(fa) {
			da = fa[i]
		}
		if i < len(fb) {
			db = fb[i]
		}
		if da != db {
			if da < db {
				return -1
			}
			return 1
		}
	}
	return 0
}

// KindOf names the canonical kind of a value, KindInvalid for anything
// outside the canonical set.
func KindOf(v Value) Kind {
	switch v.(type) {
	case int64, uint64:
		return KindInt
	case float64:
		return KindFloat
	case Decimal:
		return KindDecimal
	case bool:
		return KindBool
	case string:
		return KindText
	case []byte:
		return KindBytes
	case Date:
		return KindDate
	case LocalDateTime:
		return KindDateTime
	case InvalidDate:
		return KindDate
	case time.Time:
		return KindTimestamp
	case Duration:
		return KindTime
	case UUID:
		return KindUUID
	case JSON:
		return KindJSON
	}
	return KindInvalid
}
