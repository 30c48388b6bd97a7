package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
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
	y, m, d, rem := civilOfMicros(us)
	if y < 1 || y > 9999 {
		return nil, false
	}
	if tz {
		return connectors.AppendTimeValue(b, time.UnixMicro(us+pgEpochDays*usPerDay)), true
	}
	return connectors.AppendLocalDateTimeValue(b, localDateTime(y, m, d, rem)), true
}

// appendNumericEncoded appends the encoding of decodeNumeric's value for
// a well-formed binary numeric: NaN and ±Infinity as floats, a number as
// its Decimal text, which it writes to scratch first (the encoding
// prefixes its length). ok false for a malformed one, whose error
// decodeNumeric gives.
func appendNumericEncoded(b, src []byte, scratch *[]byte) ([]byte, bool) {
	text, special, err := appendNumericText((*scratch)[:0], src)
	if err != nil {
		return nil, false
	}
	if text == nil {
		return connectors.AppendFloatValue(b, special), true
	}
	*scratch = text
	return connectors.AppendDecimalValue(b, text), true
}

// errField names the column of a field the read-back cannot decode; the
// type's trouble, never the value.
func errField(column string, err error) error {
	return fmt.Errorf("column %s: %w", column, err)
}
