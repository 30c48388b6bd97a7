package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// The read-back's encoders: each binary COPY field goes straight to the
// canonical encoding (connectors.AppendValue's bytes) of the value decode
// gives for it, without the value in between. Boxing every value in an
// interface, a string per numeric and an InvalidDate check per date cost
// the read-back about 300 bytes and 16 allocations per row of the bench
// table, and most of its CPU in Go; the hash needs the bytes only.
//
// A field these do not encode directly (an edge value such as an infinite
// date, a malformed field, a decoder without an encoder here) takes the
// value path, decode then AppendValue: the same bytes, the same errors.
// TestReadBackEncodersAreAppendValue holds each type to that on edge
// values from the server and on damaged fields.

// appendEncoded appends the canonical encoding of the value c.decode
// gives for src, or fails as it does. scratch is working memory the
// caller keeps between calls (a numeric's text).
func (c copyDecoder) appendEncoded(b, src []byte, scratch *[]byte) ([]byte, error) {
	if src == nil {
		return connectors.AppendNullValue(b), nil
	}
	if c.jsonb {
		if len(src) == 0 || src[0] != 1 {
			return nil, errors.New("binary jsonb of an unknown version")
		}
		src = src[1:]
	}
	switch c.dec {
	case decText:
		return connectors.AppendTextValue(b, src), nil
	case decJSON:
		return connectors.AppendJSONValue(b, src), nil
	case decBytea:
		return connectors.AppendBytesValue(b, src), nil
	case decInt2:
		if len(src) == 2 {
			return connectors.AppendIntValue(b, int64(int16(binary.BigEndian.Uint16(src)))), nil
		}
	case decInt4:
		if len(src) == 4 {
			return connectors.AppendIntValue(b, int64(int32(binary.BigEndian.Uint32(src)))), nil
		}
	case decInt8:
		if len(src) == 8 {
			return connectors.AppendIntValue(b, int64(binary.BigEndian.Uint64(src))), nil
		}
	case decFloat4:
		if len(src) == 4 {
			return connectors.AppendFloatValue(b, float64(math.Float32frombits(binary.BigEndian.Uint32(src)))), nil
		}
	case decFloat8:
		if len(src) == 8 {
			return connectors.AppendFloatValue(b, math.Float64frombits(binary.BigEndian.Uint64(src))), nil
		}
	case decBool:
		if len(src) == 1 {
			return connectors.AppendBoolValue(b, src[0] != 0), nil
		}
	case decUUID:
		if len(src) == 16 {
			return connectors.AppendUUIDValue(b, connectors.UUID(src)), nil
		}
	case decTime:
		if len(src) == 8 {
			return connectors.AppendDurationValue(b, connectors.Duration(int64(binary.BigEndian.Uint64(src))*1000)), nil
		}
	case decDate:
		if len(src) == 4 {
			if d, ok := plainDate(int32(binary.BigEndian.Uint32(src))); ok {
				return connectors.AppendDateValue(b, d), nil
			}
		}
	case decTimestamp, decTimestamptz:
		if len(src) == 8 {
			if out, ok := appendPlainTimestamp(b, int64(binary.BigEndian.Uint64(src)), c.dec == decTimestamptz); ok {
				return out, nil
			}
		}
	case decNumeric:
		if out, ok := appendNumericEncoded(b, src, scratch); ok {
			return out, nil
		}
	}
	v, err := decode(c.dec, src)
	if err != nil {
		return nil, err
	}
	return connectors.AppendValue(b, v)
}

// plainDate is decodeDate's Date for a day count (since 2000-01-01) in
// years 1..9999; ok false for infinity and other years, which are
// InvalidDates.
func plainDate(days int32) (connectors.Date, bool) {
	if days == math.MaxInt32 || days == math.MinInt32 {
		return connectors.Date{}, false
	}
	y, m, d := civilFromDays(int64(days) + pgEpochDays)
	if y < 1 || y > 9999 {
		return connectors.Date{}, false
	}
	return connectors.Date{Year: int(y), Month: time.Month(m), Day: d}, true
}

// appendPlainTimestamp appends the encoding of decodeTimestamp's value for
// us (microseconds since 2000-01-01) when it is a LocalDateTime or an
// instant; ok false for infinity and years outside 1..9999, which are
// InvalidDates.
func appendPlainTimestamp(b []byte, us int64, tz bool) ([]byte, bool) {
	if us == math.MaxInt64 || us == math.MinInt64 {
		return nil, false
	}
	days := us / usPerDay
	rem := us % usPerDay
	if rem < 0 {
		days--
		rem += usPerDay
	}
	y, m, d := civilFromDays(days + pgEpochDays)
	if y < 1 || y > 9999 {
		return nil, false
	}
	if tz {
		return connectors.AppendTimeValue(b, time.UnixMicro(us+pgEpochDays*usPerDay)), true
	}
	sec := rem / usPerSecond
	return connectors.AppendLocalDateTimeValue(b, connectors.LocalDateTime{
		Date: connectors.Date{Year: int(y), Month: time.Month(m), Day: d},
		Hour: int(sec / 3600), Minute: int(sec / 60 % 60), Second: int(sec % 60),
		Nanosecond: int(rem%usPerSecond) * 1000,
	}), true
}

// appendNumericEncoded appends the encoding of decodeNumeric's value for
// a well-formed binary numeric: NaN and ±Infinity as floats, a number as
// its Decimal text, which it writes to scratch first (the encoding
// prefixes its length). ok false for a malformed one, whose error
// decodeNumeric gives.
func appendNumericEncoded(b, src []byte, scratch *[]byte) ([]byte, bool) {
	if len(src) < 8 {
		return nil, false
	}
	ndigits := int(int16(binary.BigEndian.Uint16(src[0:])))
	weight := int(int16(binary.BigEndian.Uint16(src[2:])))
	sign := binary.BigEndian.Uint16(src[4:])
	dscale := int(int16(binary.BigEndian.Uint16(src[6:])))
	switch sign {
	case numericNaN:
		return connectors.AppendFloatValue(b, math.NaN()), true
	case numericPInf:
		return connectors.AppendFloatValue(b, math.Inf(1)), true
	case numericNInf:
		return connectors.AppendFloatValue(b, math.Inf(-1)), true
	case numericPos, numericNeg:
	default:
		return nil, false
	}
	if ndigits < 0 || dscale < 0 || len(src) != 8+2*ndigits {
		return nil, false
	}
	for i := 0; i < ndigits; i++ {
		if binary.BigEndian.Uint16(src[8+2*i:]) > 9999 {
			return nil, false
		}
	}
	digit := func(i int) int64 {
		if i < 0 || i >= ndigits {
			return 0
		}
		return int64(binary.BigEndian.Uint16(src[8+2*i:]))
	}
	// The text decodeNumeric builds, group by group.
	t := (*scratch)[:0]
	if sign == numericNeg {
		t = append(t, '-')
	}
	if weight < 0 {
		t = append(t, '0')
	}
	for g := 0; g <= weight; g++ {
		if g == 0 {
			t = strconv.AppendInt(t, digit(g), 10)
		} else {
			t = appendFourDigits(t, digit(g), 4)
		}
	}
	if dscale > 0 {
		t = append(t, '.')
		for g, left := weight+1, dscale; left > 0; g++ {
			t = appendFourDigits(t, digit(g), min(4, left))
			left -= 4
		}
	}
	*scratch = t
	return connectors.AppendDecimalValue(b, t), true
}

// appendFourDigits appends the first n of the four digits of a numeric's
// base-10000 digit v, zeros included (appendPadded allocates).
func appendFourDigits(b []byte, v int64, n int) []byte {
	var four [4]byte
	for k := 3; k >= 0; k-- {
		four[k] = byte('0' + v%10)
		v /= 10
	}
	return append(b, four[:n]...)
}

// errField names the column of a field the read-back cannot decode; the
// type's trouble, never the value.
func errField(column string, err error) error {
	return fmt.Errorf("column %s: %w", column, err)
}
