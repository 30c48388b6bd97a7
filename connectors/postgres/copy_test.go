package postgres

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

// columnOID is the type OID of the column ColumnType gives for typ.
func columnOID(t *testing.T, typ string) uint32 {
	t.Helper()
	base, _, _ := strings.Cut(typ, "(")
	oid, ok := map[string]uint32{
		"smallint": pgtype.Int2OID, "integer": pgtype.Int4OID, "bigint": pgtype.Int8OID,
		"real": pgtype.Float4OID, "double precision": pgtype.Float8OID, "numeric": pgtype.NumericOID,
		"boolean": pgtype.BoolOID, "text": pgtype.TextOID, "varchar": pgtype.VarcharOID,
		"bytea": pgtype.ByteaOID, "date": pgtype.DateOID, "timestamp": pgtype.TimestampOID,
		"timestamptz": pgtype.TimestamptzOID, "time": pgtype.TimeOID, "uuid": pgtype.UUIDOID,
		"json": pgtype.JSONOID,
	}[base]
	if !ok {
		t.Fatalf("column type %s: no OID in this test's table", typ)
	}
	return oid
}

// pgxMap is pgx's type map as a connection of this package has it: the
// reference the binary COPY encoders must agree with byte for byte.
func pgxMap(t *testing.T) *pgtype.Map {
	t.Helper()
	m := pgtype.NewMap()
	if err := registerCodecs(m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCopyEncodersEdges encodes every edge value PostgreSQL keeps, in the
// column type the dialect gives it, and compares the bytes with pgx's
// encoding of the same value (the path these encoders replace, held to
// the server by the conformance suite). An encoder that declines a kept
// value fails too: it would send the batch back to the slow path.
func TestCopyEncodersEdges(t *testing.T) {
	m := pgxMap(t)
	kept := 0
	for _, e := range conformance.Edges() {
		o, err := conformance.Observe(Dialect{}, e)
		if err != nil || o.NoColumn || o.Rule != "" || e.Value == nil {
			continue
		}
		typ, err := connectors.ParseType(e.Type)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		ddl, err := Dialect{}.ColumnType(typ)
		if err != nil {
			t.Fatalf("%s: %v", e.Name, err)
		}
		kept++
		t.Run(e.Name, func(t *testing.T) {
			oid := columnOID(t, ddl)
			want, err := m.Encode(oid, pgtype.BinaryFormatCode, e.Value, nil)
			if err != nil {
				t.Fatalf("pgx cannot encode it as %s: %v", ddl, err)
			}
			enc := copyEncoders[oid]
			if enc == nil {
				t.Fatalf("no binary COPY encoder for %s", ddl)
			}
			got, ok := enc(nil, e.Value)
			if !ok {
				t.Fatalf("the %s encoder declines %s", ddl, conformance.Describe(e.Value))
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s as %s: encoded %x, pgx %x", conformance.Describe(e.Value), ddl, got, want)
			}
		})
	}
	if kept < 50 {
		t.Fatalf("only %d kept edge values: the edge table or Observe changed", kept)
	}
}

// TestCopyEncodersDecline: values whose binary form the column's type has
// no exact place for are left to pgx (which refuses or converts them as
// before), never squeezed.
func TestCopyEncodersDecline(t *testing.T) {
	cases := []struct {
		name string
		oid  uint32
		v    connectors.Value
	}{
		{"int2 above its range", pgtype.Int2OID, int64(math.MaxInt16 + 1)},
		{"int2 below its range", pgtype.Int2OID, int64(math.MinInt16 - 1)},
		{"int4 above its range", pgtype.Int4OID, int64(math.MaxInt32 + 1)},
		{"int4 below its range", pgtype.Int4OID, int64(math.MinInt32 - 1)},
		{"uint64 in bigint", pgtype.Int8OID, uint64(math.MaxUint64)},
		{"text in an integer", pgtype.Int8OID, "12"},
		{"float that a real rounds", pgtype.Float4OID, 0.1},
		{"NaN in a real", pgtype.Float4OID, math.NaN()},
		{"float in numeric", pgtype.NumericOID, 1.5},
		{"malformed decimal", pgtype.NumericOID, connectors.Decimal("1e5")},
		{"int in boolean", pgtype.BoolOID, int64(1)},
		{"bytes in text", pgtype.TextOID, []byte("x")},
		{"text in bytea", pgtype.ByteaOID, "x"},
		{"wall clock in timestamptz", pgtype.TimestamptzOID, connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 1, Day: 1}}},
		{"nanoseconds in timestamptz", pgtype.TimestamptzOID, time.Date(2024, 1, 1, 0, 0, 0, 1, time.UTC)},
		{"nanoseconds in timestamp", pgtype.TimestampOID, connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 1, Day: 1}, Nanosecond: 1500}},
		{"instant in timestamp", pgtype.TimestampOID, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"invalid date", pgtype.DateOID, connectors.InvalidDate{Raw: "0000-00-00"}},
		{"time after 24:00", pgtype.TimeOID, connectors.Duration(24*time.Hour + time.Microsecond)},
		{"negative time", pgtype.TimeOID, connectors.Duration(-time.Second)},
		{"nanoseconds in time", pgtype.TimeOID, connectors.Duration(time.Nanosecond)},
		{"text in uuid", pgtype.UUIDOID, "00000000-0000-0000-0000-000000000000"},
		{"text in json", pgtype.JSONOID, "{}"},
	}
	for _, c := range cases {
		if _, ok := copyEncoders[c.oid](nil, c.v); ok {
			t.Errorf("%s: encoded, want declined", c.name)
		}
	}
}

// TestCopyRow: the tuple framing: field count, -1 for NULL, lengths, and
// a nil []byte as an empty value (a canonical []byte is never NULL).
func TestCopyRow(t *testing.T) {
	encs := []fieldEncoder{copyEncoders[pgtype.Int4OID], copyEncoders[pgtype.ByteaOID], copyEncoders[pgtype.ByteaOID], copyEncoders[pgtype.TextOID]}
	got, ok := appendCopyRow(nil, encs, []connectors.Value{int64(-2), []byte(nil), nil, "å"})
	if !ok {
		t.Fatal("declined")
	}
	var want []byte
	want = binary.BigEndian.AppendUint16(want, 4)
	want = append(want, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe) // int4 -2
	want = append(want, 0, 0, 0, 0)                         // empty bytea
	want = append(want, 0xff, 0xff, 0xff, 0xff)             // NULL
	want = append(want, 0, 0, 0, 2, 0xc3, 0xa5)             // "å" in UTF-8
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	if _, ok := appendCopyRow(nil, encs, []connectors.Value{int64(1)}); ok {
		t.Fatal("a row narrower than the table was encoded")
	}
	if got := appendCopyTrailer(nil); !bytes.Equal(got, []byte{0xff, 0xff}) {
		t.Fatalf("trailer %x", got)
	}
	if !bytes.HasPrefix(copySignature, []byte("PGCOPY\n\xff\r\n\x00")) || len(copySignature) != 19 {
		t.Fatalf("signature %q", copySignature)
	}
}
