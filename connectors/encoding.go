package connectors

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// EncodingVersion names the canonical binary encoding of rows below. It is
// part of anything that stores or hashes encoded rows, and changes if the
// encoding ever does.
const EncodingVersion = "regflytt-row-1"

// Type tags of the canonical encoding. NULL has a tag of its own, so no
// value encodes as NULL, and every value carries its kind, so the int 1
// and the text "1" never encode alike.
const (
	tagNull byte = iota
	tagInt
	tagUint
	tagFloat
	tagBool
	tagText
	tagBytes
	tagDecimal
	tagDate
	tagDateTime
	tagTimestamp
	tagDuration
	tagInvalidDate
	tagUUID
	tagJSON
)

// AppendRow appends the canonical encoding of a row: the number of values,
// then each value as a type tag followed by a fixed-size or
// length-prefixed body. Equal rows of canonical values encode to equal
// bytes; different rows never do.
func AppendRow(b []byte, row []Value) ([]byte, error) {
	b = binary.AppendUvarint(b, uint64(len(row)))
	for i, v := range row {
		var err error
		if b, err = AppendValue(b, v); err != nil {
			return nil, fmt.Errorf("value %d: %w", i, err)
		}
	}
	return b, nil
}

// AppendValue appends the canonical encoding of one value.
func AppendValue(b []byte, v Value) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return AppendNullValue(b), nil
	case int64:
		return AppendIntValue(b, x), nil
	case uint64:
		return binary.BigEndian.AppendUint64(append(b, tagUint), x), nil
	case float64:
		return AppendFloatValue(b, x), nil
	case bool:
		return AppendBoolValue(b, x), nil
	case string:
		return appendPrefixed(b, tagText, x), nil
	case []byte:
		return AppendBytesValue(b, x), nil
	case Decimal:
		return appendPrefixed(b, tagDecimal, x), nil
	case Date:
		if !encodableYear(x.Year) {
			return nil, fmt.Errorf("date %s: year outside the canonical encoding's %d to %d", x, math.MinInt16, math.MaxInt16)
		}
		return AppendDateValue(b, x), nil
	case LocalDateTime:
		if !encodableYear(x.Year) {
			return nil, fmt.Errorf("date-time of year %d: year outside the canonical encoding's %d to %d", x.Year, math.MinInt16, math.MaxInt16)
		}
		return AppendLocalDateTimeValue(b, x), nil
	case time.Time:
		return AppendTimeValue(b, x), nil
	case Duration:
		return AppendDurationValue(b, x), nil
	case InvalidDate:
		return appendPrefixed(b, tagInvalidDate, x.Raw), nil
	case UUID:
		return AppendUUIDValue(b, x), nil
	case JSON:
		return appendPrefixed(b, tagJSON, x), nil
	}
	return nil, fmt.Errorf("value of type %T is not canonical", v)
}

// encodableYear says whether a year fits the encoding's 16 bits. The
// connectors read dates of years 1 to 9999 only (others are InvalidDate),
// but a date a mapping computes is not bounded so: one of a year beyond
// would hash as the year 65,536 away, so it is refused rather than
// folded onto another date.
func encodableYear(y int) bool { return y >= math.MinInt16 && y <= math.MaxInt16 }

func appendDate(b []byte, d Date) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(int16(d.Year)))
	return append(b, byte(d.Month), byte(d.Day))
}

var errShort = errors.New("encoded row is truncated")

// DecodeRow reads a row written by AppendRow and returns it with the rest
// of b. Decoding never panics on damaged input; it fails.
func DecodeRow(b []byte) ([]Value, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, nil, errShort
	}
	b = b[k:]
	row := make([]Value, 0, n)
	for i := uint64(0); i < n; i++ {
		v, rest, err := decodeValue(b)
		if err != nil {
			return nil, nil, fmt.Errorf("value %d: %w", i, err)
		}
		row, b = append(row, v), rest
	}
	return row, b, nil
}

func decodeValue(b []byte) (Value, []byte, error) {
	if len(b) == 0 {
		return nil, nil, errShort
	}
	tag, b := b[0], b[1:]
	fixed := func(n int) ([]byte, []byte, error) {
		if len(b) < n {
			return nil, nil, errShort
		}
		return b[:n], b[n:], nil
	}
	lp := func() (string, []byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", nil, errShort
		}
		return string(b[k : k+int(n)]), b[k+int(n):], nil
	}
	switch tag {
	case tagNull:
		return nil, b, nil
	case tagInt, tagUint, tagFloat, tagDuration:
		body, rest, err := fixed(8)
		if err != nil {
			return nil, nil, err
		}
		u := binary.BigEndian.Uint64(body)
		switch tag {
		case tagInt:
			return int64(u), rest, nil
		case tagUint:
			return u, rest, nil
		case tagFloat:
			return math.Float64frombits(u), rest, nil
		}
		return Duration(int64(u)), rest, nil
	case tagBool:
		body, rest, err := fixed(1)
		if err != nil {
			return nil, nil, err
		}
		return body[0] == 1, rest, nil
	case tagText, tagBytes, tagDecimal, tagInvalidDate, tagJSON:
		s, rest, err := lp()
		if err != nil {
			return nil, nil, err
		}
		switch tag {
		case tagText:
			return s, rest, nil
		case tagBytes:
			return []byte(s), rest, nil
		case tagDecimal:
			return Decimal(s), rest, nil
		case tagInvalidDate:
			return InvalidDate{Raw: s}, rest, nil
		}
		return JSON(s), rest, nil
	case tagDate:
		body, rest, err := fixed(4)
		if err != nil {
			return nil, nil, err
		}
		return decodeDate(body), rest, nil
	case tagDateTime:
		body, rest, err := fixed(11)
		if err != nil {
			return nil, nil, err
		}
		return LocalDateTime{Date: decodeDate(body), Hour: int(body[4]), Minute: int(body[5]), Second: int(body[6]),
			Nanosecond: int(binary.BigEndian.Uint32(body[7:]))}, rest, nil
	case tagTimestamp:
		body, rest, err := fixed(12)
		if err != nil {
			return nil, nil, err
		}
		return time.Unix(int64(binary.BigEndian.Uint64(body)), int64(binary.BigEndian.Uint32(body[8:]))).UTC(), rest, nil
	case tagUUID:
		body, rest, err := fixed(16)
		if err != nil {
			return nil, nil, err
		}
		return UUID(body), rest, nil
	}
	return nil, nil, fmt.Errorf("unknown type tag %d", tag)
}

func decodeDate(b []byte) Date {
	return Date{Year: int(int16(binary.BigEndian.Uint16(b))), Month: time.Month(b[2]), Day: int(b[3])}
}

// Appending one value of a known Go type: exactly what AppendValue
// appends for it, without boxing it in a Value first (an allocation per
// value). They serve a connector that encodes straight from its wire
// format (EncodedRows); text-like values come as bytes, so that the
// wire's buffer need not become a string either.

// AppendNullValue appends the encoding of NULL.
func AppendNullValue(b []byte) []byte { return append(b, tagNull) }

// AppendIntValue appends the encoding of an int64 value.
func AppendIntValue(b []byte, x int64) []byte {
	return binary.BigEndian.AppendUint64(append(b, tagInt), uint64(x))
}

// AppendFloatValue appends the encoding of a float64 value.
func AppendFloatValue(b []byte, x float64) []byte {
	if math.IsNaN(x) {
		// One NaN: databases and parsers give NaNs of different bits
		// (PostgreSQL's float8 NaN is not strconv's), and a NaN read
		// back from the archive package is the same value as the
		// source's.
		x = math.NaN()
	}
	return binary.BigEndian.AppendUint64(append(b, tagFloat), math.Float64bits(x))
}

// AppendBoolValue appends the encoding of a bool value.
func AppendBoolValue(b []byte, x bool) []byte {
	if x {
		return append(b, tagBool, 1)
	}
	return append(b, tagBool, 0)
}

// AppendTextValue appends the encoding of the string value s.
func AppendTextValue(b, s []byte) []byte { return appendPrefixed(b, tagText, s) }

// AppendBytesValue appends the encoding of the []byte value s.
func AppendBytesValue(b, s []byte) []byte { return appendPrefixed(b, tagBytes, s) }

// AppendDecimalValue appends the encoding of the Decimal value s.
func AppendDecimalValue(b, s []byte) []byte { return appendPrefixed(b, tagDecimal, s) }

// AppendJSONValue appends the encoding of the JSON value s.
func AppendJSONValue(b, s []byte) []byte { return appendPrefixed(b, tagJSON, s) }

// appendPrefixed appends a tag, the length of s and s: the encoding of
// every text-like value.
func appendPrefixed[S ~string | ~[]byte](b []byte, tag byte, s S) []byte {
	b = binary.AppendUvarint(append(b, tag), uint64(len(s)))
	return append(b, s...)
}

// AppendDateValue appends the encoding of a Date value.
func AppendDateValue(b []byte, d Date) []byte { return appendDate(append(b, tagDate), d) }

// AppendLocalDateTimeValue appends the encoding of a LocalDateTime value.
func AppendLocalDateTimeValue(b []byte, t LocalDateTime) []byte {
	b = appendDate(append(b, tagDateTime), t.Date)
	b = append(b, byte(t.Hour), byte(t.Minute), byte(t.Second))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond))
}

// AppendTimeValue appends the encoding of a time.Time value: the instant,
// whatever its location.
func AppendTimeValue(b []byte, t time.Time) []byte {
	b = binary.BigEndian.AppendUint64(append(b, tagTimestamp), uint64(t.Unix()))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// AppendDurationValue appends the encoding of a Duration value.
func AppendDurationValue(b []byte, d Duration) []byte {
	return binary.BigEndian.AppendUint64(append(b, tagDuration), uint64(d))
}

// AppendUUIDValue appends the encoding of a UUID value.
func AppendUUIDValue(b []byte, u UUID) []byte { return append(append(b, tagUUID), u[:]...) }
