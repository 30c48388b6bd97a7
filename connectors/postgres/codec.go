package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/regflytt/regflytt/connectors"
)

// Encoding: canonical values are handed to pgx as they are. Each
// connection's type map gets a wrapper codec for the types pgx does not
// know in canonical form (Decimal, Date, LocalDateTime, Duration, UUID,
// JSON, InvalidDate as a resume key), so COPY and keyset parameters encode
// them with one plan per column type, chosen once and cached by pgx, and no
// conversion per row.

// wrappedOIDs are the types whose codecs learn the canonical values.
var wrappedOIDs = []uint32{
	pgtype.NumericOID, pgtype.DateOID, pgtype.TimestampOID, pgtype.TimestamptzOID,
	pgtype.TimeOID, pgtype.UUIDOID, pgtype.JSONOID, pgtype.JSONBOID,
}

// registerCodecs teaches a connection's type map the canonical values.
func registerCodecs(m *pgtype.Map) error {
	for _, oid := range wrappedOIDs {
		t, ok := m.TypeForOID(oid)
		if !ok {
			return fmt.Errorf("pgx knows no type for OID %d", oid)
		}
		m.RegisterType(&pgtype.Type{Name: t.Name, OID: oid, Codec: canonicalCodec{Codec: t.Codec, oid: oid}})
	}
	return nil
}

// canonicalCodec is pgx's codec for a type plus encode plans for canonical
// values; everything else goes to the wrapped codec.
type canonicalCodec struct {
	pgtype.Codec
	oid uint32
}

func (c canonicalCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if p := canonicalPlan(c.oid, format, value); p != nil {
		return p
	}
	return c.Codec.PlanEncode(m, oid, format, value)
}

// encodeFunc is an EncodePlan made of a function.
type encodeFunc func(value any, buf []byte) ([]byte, error)

func (f encodeFunc) Encode(value any, buf []byte) ([]byte, error) { return f(value, buf) }

// canonicalPlan gives the plan for a canonical value in a column of type
// oid, or nil to let pgx decide.
func canonicalPlan(oid uint32, format int16, value any) pgtype.EncodePlan {
	if format == pgtype.TextFormatCode {
		switch value.(type) {
		case connectors.Decimal, connectors.Date, connectors.LocalDateTime, connectors.Duration, connectors.UUID, connectors.JSON:
			return encodeFunc(func(v any, buf []byte) ([]byte, error) { return connectors.AppendText(buf, v) })
		case connectors.InvalidDate:
			// PostgreSQL reads back what it printed: "infinity", "… BC".
			return encodeFunc(func(v any, buf []byte) ([]byte, error) { return append(buf, v.(connectors.InvalidDate).Raw...), nil })
		}
		return nil
	}
	switch oid {
	case pgtype.NumericOID:
		if _, ok := value.(connectors.Decimal); ok {
			return encodeFunc(func(v any, buf []byte) ([]byte, error) { return appendNumeric(buf, v.(connectors.Decimal)) })
		}
	case pgtype.DateOID:
		switch value.(type) {
		case connectors.Date:
			return encodeFunc(func(v any, buf []byte) ([]byte, error) {
				days := dateDays(v.(connectors.Date))
				if days <= math.MinInt32 || days >= math.MaxInt32 {
					return nil, errors.New("date outside PostgreSQL's range")
				}
				return binary.BigEndian.AppendUint32(buf, uint32(int32(days))), nil
			})
		case connectors.InvalidDate:
			return encodeFunc(func(v any, buf []byte) ([]byte, error) {
				days, err := parseInvalidDate(v.(connectors.InvalidDate).Raw, false)
				if err != nil || days < math.MinInt32 || days > math.MaxInt32 {
					return nil, errors.New("an invalid date that PostgreSQL did not print cannot be stored")
				}
				return binary.BigEndian.AppendUint32(buf, uint32(int32(days))), nil
			})
		}
	case pgtype.TimestampOID, pgtype.TimestamptzOID:
		switch value.(type) {
		case connectors.LocalDateTime:
			if oid != pgtype.TimestampOID {
				// A wall clock is not an instant: refuse rather than pick a zone.
				return encodeFunc(func(any, []byte) ([]byte, error) {
					return nil, errors.New("a zone-less datetime cannot be stored as timestamptz")
				})
			}
			return encodeFunc(func(v any, buf []byte) ([]byte, error) {
				us, err := localMicros(v.(connectors.LocalDateTime))
				if err != nil {
					return nil, err
				}
				return binary.BigEndian.AppendUint64(buf, uint64(us)), nil
			})
		case connectors.InvalidDate:
			return encodeFunc(func(v any, buf []byte) ([]byte, error) {
				us, err := parseInvalidDate(v.(connectors.InvalidDate).Raw, true)
				if err != nil {
					return nil, errors.New("an invalid date that PostgreSQL did not print cannot be stored")
				}
				return binary.BigEndian.AppendUint64(buf, uint64(us)), nil
			})
		}
	case pgtype.TimeOID:
		if _, ok := value.(connectors.Duration); ok {
			return encodeFunc(func(v any, buf []byte) ([]byte, error) {
				d := time.Duration(v.(connectors.Duration))
				if d < 0 || d > 24*time.Hour || d%time.Microsecond != 0 {
					return nil, errors.New("time of day outside 00:00:00..24:00:00 or finer than a microsecond")
				}
				return binary.BigEndian.AppendUint64(buf, uint64(d/time.Microsecond)), nil
			})
		}
	case pgtype.UUIDOID:
		if _, ok := value.(connectors.UUID); ok {
			return encodeFunc(func(v any, buf []byte) ([]byte, error) {
				u := v.(connectors.UUID)
				return append(buf, u[:]...), nil
			})
		}
	case pgtype.JSONOID, pgtype.JSONBOID:
		if _, ok := value.(connectors.JSON); ok {
			jsonb := oid == pgtype.JSONBOID
			return encodeFunc(func(v any, buf []byte) ([]byte, error) {
				if jsonb {
					buf = append(buf, 1) // jsonb's binary format version
				}
				return append(buf, v.(connectors.JSON)...), nil
			})
		}
	}
	return nil
}

// Decoding: a decoder per result column is chosen once per scan from the
// column's type OID (domains resolved to their base type); each row is
// then a switch on that small code over the raw bytes.

type decoder uint8

const (
	decText decoder = iota // any text-format column: the server's text
	decJSON
	decInt2
	decInt4
	decInt8
	decFloat4
	decFloat8
	decNumeric
	decBool
	decBytea
	decDate
	decTimestamp
	decTimestamptz
	decTime
	decUUID
)

// binaryDecoders are the types read in binary format; every other type is
// read as the server's text (see resultFormats).
var binaryDecoders = map[uint32]decoder{
	pgtype.Int2OID:        decInt2,
	pgtype.Int4OID:        decInt4,
	pgtype.Int8OID:        decInt8,
	pgtype.Float4OID:      decFloat4,
	pgtype.Float8OID:      decFloat8,
	pgtype.NumericOID:     decNumeric,
	pgtype.BoolOID:        decBool,
	pgtype.ByteaOID:       decBytea,
	pgtype.DateOID:        decDate,
	pgtype.TimestampOID:   decTimestamp,
	pgtype.TimestamptzOID: decTimestamptz,
	pgtype.TimeOID:        decTime,
	pgtype.UUIDOID:        decUUID,
}

// decoderFor chooses the decoder and result format for a column of type
// oid, after resolving domains to their base type.
func decoderFor(oid uint32, domains map[uint32]domain) (decoder, int16) {
	oid = baseOID(oid, domains)
	if d, ok := binaryDecoders[oid]; ok {
		return d, pgtype.BinaryFormatCode
	}
	if oid == pgtype.JSONOID || oid == pgtype.JSONBOID {
		// The text format of jsonb is its binary format minus a version
		// byte, and json's is its binary format: text is as cheap.
		return decJSON, pgtype.TextFormatCode
	}
	return decText, pgtype.TextFormatCode
}

// decode turns one raw column value into a canonical value.
func decode(d decoder, src []byte) (connectors.Value, error) {
	if src == nil {
		return nil, nil
	}
	switch d {
	case decText:
		return string(src), nil
	case decJSON:
		return connectors.JSON(src), nil
	case decInt2:
		if len(src) != 2 {
			return nil, fmt.Errorf("binary smallint of %d bytes", len(src))
		}
		return int64(int16(binary.BigEndian.Uint16(src))), nil
	case decInt4:
		if len(src) != 4 {
			return nil, fmt.Errorf("binary integer of %d bytes", len(src))
		}
		return int64(int32(binary.BigEndian.Uint32(src))), nil
	case decInt8:
		if len(src) != 8 {
			return nil, fmt.Errorf("binary bigint of %d bytes", len(src))
		}
		return int64(binary.BigEndian.Uint64(src)), nil
	case decFloat4:
		if len(src) != 4 {
			return nil, fmt.Errorf("binary real of %d bytes", len(src))
		}
		// float32 to float64 is exact, NaN and -0 included.
		return float64(math.Float32frombits(binary.BigEndian.Uint32(src))), nil
	case decFloat8:
		if len(src) != 8 {
			return nil, fmt.Errorf("binary double of %d bytes", len(src))
		}
		return math.Float64frombits(binary.BigEndian.Uint64(src)), nil
	case decNumeric:
		return decodeNumeric(src)
	case decBool:
		if len(src) != 1 {
			return nil, fmt.Errorf("binary boolean of %d bytes", len(src))
		}
		return src[0] != 0, nil
	case decBytea:
		// A copy (the driver reuses its buffer), and never nil: an empty
		// bytea is not NULL.
		b := make([]byte, len(src))
		copy(b, src)
		return b, nil
	case decDate:
		return decodeDate(src)
	case decTimestamp:
		return decodeTimestamp(src, false)
	case decTimestamptz:
		return decodeTimestamp(src, true)
	case decTime:
		return decodeTime(src)
	case decUUID:
		if len(src) != 16 {
			return nil, fmt.Errorf("binary uuid of %d bytes", len(src))
		}
		return connectors.UUID(src), nil
	}
	return nil, fmt.Errorf("no decoder %d", d)
}

// domain is a domain type's base.
type domain struct {
	base       uint32
	baseFormat string // format_type of the base with the domain's typmod
}

// baseOID follows domains down to a base type, bounded against a cycle a
// corrupt catalogue could hold.
func baseOID(oid uint32, domains map[uint32]domain) uint32 {
	for i := 0; i < 16; i++ {
		d, ok := domains[oid]
		if !ok {
			return oid
		}
		oid = d.base
	}
	return oid
}
