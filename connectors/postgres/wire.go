package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// PostgreSQL's binary wire formats for the types whose exactness matters,
// read and written here rather than through pgx's Go types: pgtype.Numeric
// goes through big.Int and would cost allocations per value, and pgx's
// time types would bring a zone into wall-clock values. Errors never carry
// the value.

// pgEpochDays is 2000-01-01, PostgreSQL's epoch, in days since 1970-01-01.
const pgEpochDays = 10957

const (
	usPerSecond = int64(1e6)
	usPerDay    = 86400 * usPerSecond
)

// Numeric sign words (src/backend/utils/adt/numeric.c).
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// daysFromCivil counts days from 1970-01-01 to a proleptic Gregorian date
// (astronomical years: 0 is 1 BC), after Howard Hinnant's algorithm: pure
// arithmetic, no time.Time and no allocation.
func daysFromCivil(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := int64((153*mp+2)/5 + d - 1)
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civilFromDays is the inverse of daysFromCivil. Days within
// civilFastDays of 1970-01-01 (years -32,800..36,700, every date a
// column holds) take civilFromDaysFast; the rest civilFromDaysEra.
func civilFromDays(z int64) (y int64, m, d int) {
	if z >= -civilFastDays && z <= civilFastDays {
		return civilFromDaysFast(z)
	}
	return civilFromDaysEra(z)
}

// civilFastDays bounds the day counts civilFromDaysFast takes: its
// shifted count, 4n+3, stays within 32 bits, and TestCivilFromDaysFast
// holds it to civilFromDaysEra on every day of the range.
const civilFastDays = 82 * 146097

// civilFromDaysFast is civilFromDays after Neri and Schneider's
// Euclidean affine functions ("Euclidean affine functions and their
// application to calendar algorithms", 2022): the days are shifted by 82
// eras of 400 years so that all arithmetic is unsigned 32-bit, each
// division by a constant a multiplication, where civilFromDaysEra's
// signed 64-bit divisions took the end check's read-back a tenth of its
// decoding of a date or timestamp.
func civilFromDaysFast(z int64) (y int64, m, d int) {
	const shiftDays, shiftYears = 719468 + civilFastDays, 400 * 82
	n := uint32(z + shiftDays) // days since 0000-03-01 less 82 eras
	n1 := 4*n + 3
	century := n1 / 146097
	dayOfCentury := n1 % 146097 / 4
	n2 := 4*dayOfCentury + 3
	p2 := uint64(2939745) * uint64(n2)
	yearOfCentury := uint32(p2 >> 32)
	dayOfYear := uint32(p2) / 2939745 / 4 // from March 1
	n3 := 2141*dayOfYear + 197913
	month, day := n3>>16, n3&0xffff/2141+1
	year := int64(100*century+yearOfCentury) - shiftYears
	if dayOfYear >= 306 { // January or February: the next year's
		year, month = year+1, month-12
	}
	return year, int(month), int(day)
}

// civilFromDaysEra is civilFromDays for any day count, after Howard
// Hinnant's algorithm.
func civilFromDaysEra(z int64) (y int64, m, d int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	m = int(mp + 3)
	if m > 12 {
		m -= 12
	}
	y = yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// pgDateText formats an astronomical date as PostgreSQL's ISO output does,
// with at least four year digits and year 0 as 1 (BC). The " BC" suffix is
// the caller's: it goes after the time of a timestamp.
func pgDateText(b []byte, y int64, m, d int) []byte {
	if y <= 0 {
		y = 1 - y
	}
	b = appendPadded(b, y, 4)
	b = append(b, '-')
	b = appendPadded(b, int64(m), 2)
	b = append(b, '-')
	return appendPadded(b, int64(d), 2)
}

// appendPadded appends n (not negative) in at least width digits,
// without allocating (its digits are written on the stack first).
func appendPadded(b []byte, n int64, width int) []byte {
	var digits [20]byte
	s := strconv.AppendInt(digits[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// decodeDate reads a binary date: days since 2000-01-01, with the int32
// extremes meaning ±infinity. Infinity and years outside 1..9999 become
// InvalidDate holding PostgreSQL's own text, so the mapping can archive
// them and a keyset scan can resume after them (encodeDate reads it back).
func decodeDate(src []byte) (connectors.Value, error) {
	if len(src) != 4 {
		return nil, fmt.Errorf("binary date of %d bytes", len(src))
	}
	days := int32(binary.BigEndian.Uint32(src))
	switch days {
	case math.MaxInt32:
		return connectors.InvalidDate{Raw: "infinity"}, nil
	case math.MinInt32:
		return connectors.InvalidDate{Raw: "-infinity"}, nil
	}
	y, m, d := civilFromDays(int64(days) + pgEpochDays)
	if y < 1 || y > 9999 {
		b := pgDateText(nil, y, m, d)
		if y <= 0 {
			b = append(b, " BC"...)
		}
		return connectors.InvalidDate{Raw: string(b)}, nil
	}
	return connectors.Date{Year: int(y), Month: time.Month(m), Day: d}, nil
}

// decodeTimestamp reads a binary timestamp: microseconds since 2000-01-01
// 00:00:00, the int64 extremes meaning ±infinity. Without a zone it is a
// wall clock (LocalDateTime); with one (tz) an instant in UTC. Infinity and
// years outside 1..9999 become InvalidDate with PostgreSQL's text, the
// instant's text carrying the session zone's "+00".
func decodeTimestamp(src []byte, tz bool) (connectors.Value, error) {
	if len(src) != 8 {
		return nil, fmt.Errorf("binary timestamp of %d bytes", len(src))
	}
	us := int64(binary.BigEndian.Uint64(src))
	switch us {
	case math.MaxInt64:
		return connectors.InvalidDate{Raw: "infinity"}, nil
	case math.MinInt64:
		return connectors.InvalidDate{Raw: "-infinity"}, nil
	}
	y, m, d, rem := civilOfMicros(us)
	if y < 1 || y > 9999 {
		b := pgDateText(nil, y, m, d)
		b = append(b, ' ')
		b = append(b, connectors.Duration(rem*1000).String()...)
		if tz {
			b = append(b, "+00"...)
		}
		if y <= 0 {
			b = append(b, " BC"...)
		}
		return connectors.InvalidDate{Raw: string(b)}, nil
	}
	if tz {
		return time.UnixMicro(us + pgEpochDays*usPerDay).UTC(), nil
	}
	return localDateTime(y, m, d, rem), nil
}

// civilOfMicros splits a binary timestamp (microseconds since
// 2000-01-01) into its astronomical date and the microseconds into that
// day.
func civilOfMicros(us int64) (y int64, m, d int, rem int64) {
	days := us / usPerDay
	rem = us % usPerDay
	if rem < 0 {
		days--
		rem += usPerDay
	}
	y, m, d = civilFromDays(days + pgEpochDays)
	return y, m, d, rem
}

// localDateTime is the wall clock of a date in years 1..9999 and the
// microseconds into its day.
func localDateTime(y int64, m, d int, rem int64) connectors.LocalDateTime {
	sec := rem / usPerSecond
	return connectors.LocalDateTime{
		Date: connectors.Date{Year: int(y), Month: time.Month(m), Day: d},
		Hour: int(sec / 3600), Minute: int(sec / 60 % 60), Second: int(sec % 60),
		Nanosecond: int(rem%usPerSecond) * 1000,
	}
}

// decodeTime reads a binary time of day: microseconds since midnight.
func decodeTime(src []byte) (connectors.Value, error) {
	if len(src) != 8 {
		return nil, fmt.Errorf("binary time of %d bytes", len(src))
	}
	return connectors.Duration(int64(binary.BigEndian.Uint64(src)) * 1000), nil
}

// decodeNumeric reads a binary numeric into exact decimal text with the
// stored scale, as PostgreSQL's own output prints it. NaN and ±Infinity
// have no Decimal form; they come up as float64 NaN and ±Inf (see TypeMap).
func decodeNumeric(src []byte) (connectors.Value, error) {
	// Built on the stack when it fits (the Decimal conversion copies),
	// so that a value costs one allocation, not two: Scan decodes a
	// numeric per row.
	var stack [64]byte
	text, special, err := appendNumericText(stack[:0], src)
	if err != nil {
		return nil, err
	}
	if text == nil {
		return special, nil
	}
	return connectors.Decimal(text), nil
}

// appendNumericText appends a binary numeric's plain decimal text (scale
// kept, as decodeNumeric's Decimal) to b, or gives nil text and the float
// of NaN or ±Infinity, which have no Decimal form. The checksum read-back
// encodes the same text without a value (appendNumericEncoded).
func appendNumericText(b, src []byte) (text []byte, special float64, err error) {
	if len(src) < 8 {
		return nil, 0, fmt.Errorf("binary numeric of %d bytes", len(src))
	}
	ndigits := int(int16(binary.BigEndian.Uint16(src[0:])))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := int(int16(binary.BigEndian.Uint16(src[6:])))
	switch sign {
	case numericNaN:
		return nil, math.NaN(), nil
	case numericPInf:
		return nil, math.Inf(1), nil
	case numericNInf:
		return nil, math.Inf(-1), nil
	case numericPos, numericNeg:
	default:
		return nil, 0, fmt.Errorf("binary numeric with sign word %#x", sign)
	}
	if ndigits < 0 || dscale < 0 || len(src) != 8+2*ndigits {
		return nil, 0, fmt.Errorf("binary numeric of %d bytes for %d digits", len(src), ndigits)
	}
	for i := 0; i < ndigits; i++ {
		if binary.BigEndian.Uint16(src[8+2*i:]) > 9999 {
			return nil, 0, errors.New("binary numeric digit above 9999")
		}
	}
	digit := func(i int) int64 {
		if i < 0 || i >= ndigits {
			return 0
		}
		return int64(binary.BigEndian.Uint16(src[8+2*i:]))
	}
	if sign == numericNeg {
		b = append(b, '-')
	}
	if weight < 0 {
		b = append(b, '0')
	}
	for g := 0; g <= weight; g++ {
		if g == 0 {
			b = strconv.AppendInt(b, digit(g), 10)
		} else {
			b = appendFourDigits(b, digit(g), 4)
		}
	}
	if dscale > 0 {
		b = append(b, '.')
		for g, left := weight+1, dscale; left > 0; g++ {
			b = appendFourDigits(b, digit(g), min(4, left))
			left -= 4
		}
	}
	return b, 0, nil
}

// appendFourDigits appends the first n of the four digits of a numeric's
// base-10000 digit v, zeros included.
func appendFourDigits(b []byte, v int64, n int) []byte {
	var four [4]byte
	for k := 3; k >= 0; k-- {
		four[k] = byte('0' + v%10)
		v /= 10
	}
	return append(b, four[:n]...)
}

// appendNumeric encodes decimal text as a binary numeric, keeping its
// scale (dscale), so "12.50" is stored as 12.50 in an unconstrained
// numeric. PostgreSQL keeps no negative zero: "-0.0" is stored as 0.0.
func appendNumeric(buf []byte, d connectors.Decimal) ([]byte, error) {
	s := string(d)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	ip, fp, hasPoint := strings.Cut(s, ".")
	if ip == "" || (hasPoint && fp == "") || !allDigits(ip) || !allDigits(fp) {
		return nil, errors.New("not a plain decimal number")
	}
	if len(fp) > 0x3fff {
		return nil, errors.New("more decimals than PostgreSQL's numeric keeps")
	}
	ip = strings.TrimLeft(ip, "0")
	nInt := (len(ip) + 3) / 4
	nFrac := (len(fp) + 3) / 4
	var stack [32]int16
	digits := stack[:0]
	if nInt+nFrac > len(stack) {
		digits = make([]int16, 0, nInt+nFrac)
	}
	// Integer groups are aligned on the decimal point, so the first may be
	// short; fraction groups are padded with zeros on the right.
	first := len(ip) - (nInt-1)*4
	for g := 0; g < nInt; g++ {
		lo, hi := 0, first
		if g > 0 {
			lo, hi = first+(g-1)*4, first+g*4
		}
		digits = append(digits, group(ip[lo:hi], false))
	}
	for g := 0; g < nFrac; g++ {
		digits = append(digits, group(fp[g*4:min(g*4+4, len(fp))], true))
	}
	weight := nInt - 1
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
		weight--
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	sign := uint16(numericPos)
	if len(digits) == 0 {
		weight = 0
	} else if neg {
		sign = numericNeg
	}
	if len(digits) > math.MaxInt16 || weight > math.MaxInt16 || weight < math.MinInt16 {
		return nil, errors.New("number outside PostgreSQL's numeric range")
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(digits)))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(fp)))
	for _, g := range digits {
		buf = binary.BigEndian.AppendUint16(buf, uint16(g))
	}
	return buf, nil
}

// group reads up to four decimal digits; a fraction group is padded on the
// right ("5" is 5000), an integer group is not.
func group(s string, padRight bool) int16 {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	if padRight {
		for i := len(s); i < 4; i++ {
			n *= 10
		}
	}
	return int16(n)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// dateDays gives a date's days since 2000-01-01.
func dateDays(d connectors.Date) int64 {
	return daysFromCivil(int64(d.Year), int(d.Month), d.Day) - pgEpochDays
}

// localMicros gives a wall clock's microseconds since 2000-01-01 00:00:00;
// a fraction finer than a microsecond is refused, never rounded.
func localMicros(t connectors.LocalDateTime) (int64, error) {
	if t.Nanosecond%1000 != 0 {
		return 0, errors.New("finer than a microsecond")
	}
	return dateDays(t.Date)*usPerDay + int64(t.Hour)*3600*usPerSecond + int64(t.Minute)*60*usPerSecond +
		int64(t.Second)*usPerSecond + int64(t.Nanosecond/1000), nil
}

// parseInvalidDate reads back the text decodeDate and decodeTimestamp put
// in an InvalidDate ("infinity", "0044-03-15 BC", "10000-01-01 00:00:00"),
// as a day count or a microsecond count (micros true) since 2000-01-01.
// It lets a keyset scan resume after such a key.
func parseInvalidDate(raw string, micros bool) (int64, error) {
	switch raw {
	case "infinity":
		if micros {
			return math.MaxInt64, nil
		}
		return math.MaxInt32, nil
	case "-infinity":
		if micros {
			return math.MinInt64, nil
		}
		return math.MinInt32, nil
	}
	bad := errors.New("not a date PostgreSQL printed")
	s, bc := strings.CutSuffix(raw, " BC")
	s = strings.TrimSuffix(s, "+00")
	date, clock, hasClock := strings.Cut(s, " ")
	parts := strings.Split(date, "-")
	if len(parts) != 3 || hasClock != micros || len(parts[0]) < 4 {
		return 0, bad
	}
	y, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.Atoi(parts[1])
	d, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || m < 1 || m > 12 || d < 1 || d > 31 || y > 1e7 {
		return 0, bad
	}
	if bc {
		y = 1 - y
	}
	days := daysFromCivil(y, m, d) - pgEpochDays
	if !micros {
		return days, nil
	}
	dur, err := connectors.ParseDurationText(clock)
	if err != nil {
		return 0, bad
	}
	return days*usPerDay + int64(time.Duration(dur.(connectors.Duration))/time.Microsecond), nil
}
