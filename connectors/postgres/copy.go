package postgres

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/regflytt/regflytt/connectors"
)

// A batch is written as PostgreSQL's binary COPY format, encoded here
// into one buffer reused from batch to batch, and sent through pgconn's
// CopyFrom. pgx's CopyFrom would find an encode plan through its type map
// for every value (an interface call and a map lookup or two per value,
// and allocations): here the encoder of each column is chosen once per
// batch from the column's type OID, and a value is a type switch and an
// append.
//
// An encoder takes only the canonical values whose binary form it knows
// exactly and reports ok false for anything else (a type it does not
// expect, an integer out of the column's width, a fraction finer than a
// microsecond, a float that a real column would round): the batch then
// goes through pgx's CopyFrom as before, which encodes it or refuses it
// with its own error. So this path never writes a value differently from
// pgx; it only writes the common ones faster.

// fieldEncoder appends one non-NULL value's binary form to buf.
type fieldEncoder func(buf []byte, v connectors.Value) ([]byte, bool)

// copyEncoders are the types this path encodes, by base type OID.
var copyEncoders = map[uint32]fieldEncoder{
	pgtype.Int2OID:        encodeInt(16),
	pgtype.Int4OID:        encodeInt(32),
	pgtype.Int8OID:        encodeInt(64),
	pgtype.Float4OID:      encodeFloat4,
	pgtype.Float8OID:      encodeFloat8,
	pgtype.NumericOID:     encodeNumeric,
	pgtype.BoolOID:        encodeBool,
	pgtype.TextOID:        encodeText,
	pgtype.VarcharOID:     encodeText,
	pgtype.BPCharOID:      encodeText,
	pgtype.ByteaOID:       encodeBytea,
	pgtype.DateOID:        encodeDate,
	pgtype.TimestampOID:   encodeTimestamp,
	pgtype.TimestamptzOID: encodeTimestamptz,
	pgtype.TimeOID:        encodeTime,
	pgtype.UUIDOID:        encodeUUID,
	pgtype.JSONOID:        encodeJSON(false),
	pgtype.JSONBOID:       encodeJSON(true),
}

// copyEncodersFor gives the encoders of columns of the given type OIDs,
// or nil when one of them has none.
func copyEncodersFor(oids []uint32, encs []fieldEncoder) []fieldEncoder {
	encs = encs[:0]
	for _, oid := range oids {
		e, ok := copyEncoders[oid]
		if !ok {
			return nil
		}
		encs = append(encs, e)
	}
	return encs
}

// copySignature starts every binary COPY stream: the signature, no flags,
// no header extension.
var copySignature = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// appendCopyRow appends one tuple (rows as wide as encs) to a binary COPY
// stream begun with copySignature. ok is false when an encoder declines a
// value; buf then holds a partial tuple, to be cut off by the caller.
func appendCopyRow(buf []byte, encs []fieldEncoder, row []connectors.Value) ([]byte, bool) {
	if len(row) != len(encs) {
		return buf, false
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(row)))
	for j, v := range row {
		if v == nil {
			buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // -1: NULL
			continue
		}
		at := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		var ok bool
		if buf, ok = encs[j](buf, v); !ok {
			return buf, false
		}
		n := len(buf) - at - 4
		if n > math.MaxInt32 {
			return buf, false
		}
		binary.BigEndian.PutUint32(buf[at:], uint32(n))
	}
	return buf, true
}

// appendCopyTrailer ends a binary COPY stream.
func appendCopyTrailer(buf []byte) []byte {
	return binary.BigEndian.AppendUint16(buf, math.MaxUint16) // -1
}

func encodeInt(bits int) fieldEncoder {
	lo, hi := int64(-1)<<(bits-1), int64(uint64(1)<<(bits-1)-1)
	return func(buf []byte, v connectors.Value) ([]byte, bool) {
		n, ok := v.(int64)
		if !ok || n < lo || n > hi {
			return buf, false
		}
		switch bits {
		case 16:
			return binary.BigEndian.AppendUint16(buf, uint16(n)), true
		case 32:
			return binary.BigEndian.AppendUint32(buf, uint32(n)), true
		}
		return binary.BigEndian.AppendUint64(buf, uint64(n)), true
	}
}

func encodeFloat8(buf []byte, v connectors.Value) ([]byte, bool) {
	f, ok := v.(float64)
	if !ok {
		return buf, false
	}
	return binary.BigEndian.AppendUint64(buf, math.Float64bits(f)), true
}

// encodeFloat4 takes only a float64 a real column holds exactly: a
// FLOAT/real value is its float32 widened (NaN, which Fit keeps out of
// every target anyway, is declined rather than reasoned about).
func encodeFloat4(buf []byte, v connectors.Value) ([]byte, bool) {
	f, ok := v.(float64)
	if !ok || float64(float32(f)) != f {
		return buf, false
	}
	return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(f))), true
}

func encodeNumeric(buf []byte, v connectors.Value) ([]byte, bool) {
	d, ok := v.(connectors.Decimal)
	if !ok {
		return buf, false
	}
	out, err := appendNumeric(buf, d)
	if err != nil {
		return buf, false
	}
	return out, true
}

func encodeBool(buf []byte, v connectors.Value) ([]byte, bool) {
	b, ok := v.(bool)
	if !ok {
		return buf, false
	}
	if b {
		return append(buf, 1), true
	}
	return append(buf, 0), true
}

// encodeText sends text as it is: the binary form of text, varchar and
// char is the characters in the client encoding (UTF-8), checked by the
// server as in any other format.
func encodeText(buf []byte, v connectors.Value) ([]byte, bool) {
	s, ok := v.(string)
	if !ok {
		return buf, false
	}
	return append(buf, s...), true
}

// encodeBytea: a nil []byte is an empty value, never NULL.
func encodeBytea(buf []byte, v connectors.Value) ([]byte, bool) {
	b, ok := v.([]byte)
	if !ok {
		return buf, false
	}
	return append(buf, b...), true
}

func encodeDate(buf []byte, v connectors.Value) ([]byte, bool) {
	d, ok := v.(connectors.Date)
	if !ok {
		return buf, false
	}
	days := dateDays(d)
	if days <= math.MinInt32 || days >= math.MaxInt32 {
		return buf, false // the infinities' codes
	}
	return binary.BigEndian.AppendUint32(buf, uint32(int32(days))), true
}

func encodeTimestamp(buf []byte, v connectors.Value) ([]byte, bool) {
	t, ok := v.(connectors.LocalDateTime)
	if !ok {
		return buf, false
	}
	us, err := localMicros(t)
	if err != nil || us == math.MinInt64 || us == math.MaxInt64 {
		return buf, false
	}
	return binary.BigEndian.AppendUint64(buf, uint64(us)), true
}

// encodeTimestamptz takes an instant; a wall clock (LocalDateTime) has
// no zone to store it in and is declined, as pgx's path refuses it.
func encodeTimestamptz(buf []byte, v connectors.Value) ([]byte, bool) {
	t, ok := v.(time.Time)
	if !ok || t.Nanosecond()%1000 != 0 {
		return buf, false
	}
	t = t.UTC()
	us := localMicrosOf(t)
	if us == math.MinInt64 || us == math.MaxInt64 {
		return buf, false
	}
	return binary.BigEndian.AppendUint64(buf, uint64(us)), true
}

// localMicrosOf is an instant's microseconds since 2000-01-01 00:00:00
// UTC, through the calendar arithmetic of dates (no overflow for years
// 1..9999, unlike time.Time's UnixMicro for far years).
func localMicrosOf(t time.Time) int64 {
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	return (daysFromCivil(int64(y), int(m), d)-pgEpochDays)*usPerDay + int64(hh)*3600*usPerSecond +
		int64(mm)*60*usPerSecond + int64(ss)*usPerSecond + int64(t.Nanosecond()/1000)
}

func encodeTime(buf []byte, v connectors.Value) ([]byte, bool) {
	x, ok := v.(connectors.Duration)
	d := time.Duration(x)
	if !ok || d < 0 || d > 24*time.Hour || d%time.Microsecond != 0 {
		return buf, false
	}
	return binary.BigEndian.AppendUint64(buf, uint64(d/time.Microsecond)), true
}

func encodeUUID(buf []byte, v connectors.Value) ([]byte, bool) {
	u, ok := v.(connectors.UUID)
	if !ok {
		return buf, false
	}
	return append(buf, u[:]...), true
}

func encodeJSON(jsonb bool) fieldEncoder {
	return func(buf []byte, v connectors.Value) ([]byte, bool) {
		j, ok := v.(connectors.JSON)
		if !ok {
			return buf, false
		}
		if jsonb {
			buf = append(buf, 1) // jsonb's binary format version
		}
		return append(buf, j...), true
	}
}
