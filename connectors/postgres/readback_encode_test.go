package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// readBackEdges are, per type the read-back decodes, values at its edges
// as PostgreSQL reads them from text.
var readBackEdges = []struct {
	typ  string
	vals []string
}{
	{"smallint", []string{"-32768", "32767", "0", "-1"}},
	{"integer", []string{"-2147483648", "2147483647", "0"}},
	{"bigint", []string{"-9223372036854775808", "9223372036854775807", "0", "255", "256"}},
	{"real", []string{"NaN", "Infinity", "-Infinity", "-0", "1e-45", "1.17549435e-38", "3.4028235e38", "0.1"}},
	{"double precision", []string{"NaN", "Infinity", "-Infinity", "-0", "5e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "0.1", "-1e300"}},
	{"numeric", []string{"NaN", "Infinity", "-Infinity", "0", "0.000", "-0.000", "-0.5", "12.50", "0.0001", "0.00001",
		"1e-20", "10000", "9999", "99990000", "1.0000", "-1234567.89", "123456789012345678901234567890.123456789",
		"1e100", "1e-130", "0.1e-1000", "-99999999999999999999.99"}},
	{"numeric(12,2)", []string{"0", "12.3", "-999.99", "9999999999.99"}},
	{"numeric(18,4)", []string{"0", "1.5", "-12345678901234.5678"}},
	{"text", []string{"", "Åsa Öberg", "a\x01b", "ÿ", strings.Repeat("x", 300)}},
	{"varchar(20)", []string{"", "K1", "räksmörgås"}},
	{"char(5)", []string{"", "ab", "abcde", "åä"}},
	{"name", []string{"", "nm1"}},
	{"boolean", []string{"true", "false"}},
	{"bytea", []string{"", `\x00ff`, `\x` + strings.Repeat("ab", 200)}},
	{"date", []string{"infinity", "-infinity", "4713-01-01 BC", "0044-03-15 BC", "0001-12-31 BC", "0001-01-01", "1969-12-31",
		"1970-01-01", "1999-12-31", "2000-01-01", "2000-02-29", "2024-02-29", "9999-12-31", "10000-01-01", "12345-06-07", "5874897-12-31"}},
	{"timestamp", []string{"infinity", "-infinity", "4713-01-01 00:00:00 BC", "0001-01-01 00:00:00 BC", "0001-12-31 23:59:59.999999 BC",
		"0001-01-01 00:00:00", "1969-12-31 23:59:59.999999", "1970-01-01 00:00:00", "1999-12-31 23:59:59.999999",
		"2000-01-01 00:00:00", "2000-01-01 00:00:00.000001", "2024-03-31 02:30:00", "9999-12-31 23:59:59.999999",
		"10000-01-01 00:00:00", "294276-12-31 23:59:59.999999"}},
	{"timestamp(3)", []string{"1999-12-31 23:59:59.999", "2000-01-01 00:00:00.0005"}},
	{"timestamptz", []string{"infinity", "-infinity", "4713-01-01 00:00:00+00 BC", "0001-01-01 00:00:00+00 BC",
		"0001-01-01 00:00:00+00", "0001-01-01 00:59:59+01", "1969-12-31 23:59:59.999999+00", "1970-01-01 00:00:00+00",
		"2000-01-01 00:00:00.5+02", "2024-03-31 02:30:00+02", "9999-12-31 23:59:59.999999+00", "9999-12-31 23:59:59-01",
		"10000-01-01 00:00:00+00", "294276-12-31 23:59:59.999999+00"}},
	{"time", []string{"00:00:00", "00:00:00.000001", "12:34:56.5", "23:59:59.999999", "24:00:00"}},
	{"uuid", []string{"00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "0123abcd-4567-89ef-0123-456789abcdef"}},
	{"json", []string{`{"b": 1,  "a": "ö"}`, `""`, `[]`, `null`, `  1 `}},
	{"jsonb", []string{`{"b": 1,  "a": [1, 2.50, null]}`, `""`, `{}`, `null`, `"ß"`}},
}

// encodedOrErr is a field's encoding by appendEncoded, or its error; and
// AppendValue of the value decode gives, or decode's error.
func encodedOrErr(c copyDecoder, src []byte) (got, want string) {
	var scratch []byte
	// Something before, as in a batch: an encoder appends, never writes
	// from the start.
	b, err := c.appendEncoded([]byte{0xee}, src, &scratch)
	if err != nil {
		got = "error: " + err.Error()
	} else {
		got = fmt.Sprintf("% x", b[1:])
	}
	v, err := c.decode(src)
	if err == nil {
		var w []byte
		if w, err = connectors.AppendValue(nil, v); err == nil {
			return got, fmt.Sprintf("% x", w)
		}
	}
	return got, "error: " + err.Error()
}

// Every field the read-back encodes gives exactly AppendValue's bytes for
// the value Scan's decoder gives: per type, on edge values from the
// server's own binary output, NULL included.
func TestReadBackEncodersAreAppendValue(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, e := range readBackEdges {
		var rows []string
		for _, v := range e.vals {
			rows = append(rows, "('"+strings.ReplaceAll(v, "'", "''")+"')")
		}
		rows = append(rows, "(NULL)")
		sql := "SELECT v::" + e.typ + ", v FROM (VALUES " + strings.Join(rows, ", ") + ") AS x(v)"
		res := conn.PgConn().ExecParams(ctx, sql, nil, nil, nil, []int16{pgtype.BinaryFormatCode, pgtype.TextFormatCode}).Read()
		if res.Err != nil {
			t.Fatalf("%s: %v", e.typ, res.Err)
		}
		c, ok := copyDecoderFor(res.FieldDescriptions[0].DataTypeOID, nil)
		if !ok {
			t.Fatalf("%s: no read-back decoder", e.typ)
		}
		if len(res.Rows) != len(e.vals)+1 {
			t.Fatalf("%s: %d rows for %d values", e.typ, len(res.Rows), len(e.vals)+1)
		}
		for _, r := range res.Rows {
			got, want := encodedOrErr(c, r[0])
			if got != want {
				t.Errorf("%s %q: encoded as %s; AppendValue of its decoded value is %s", e.typ, r[1], got, want)
			}
		}
	}
}

// Damaged and random fields, and numerics of every shape, give the same
// bytes or the same error by both paths, whatever the decoder.
func TestReadBackEncodersOnAnyBytes(t *testing.T) {
	decs := []struct {
		name string
		c    copyDecoder
	}{
		{"text", copyDecoder{dec: decText}}, {"json", copyDecoder{dec: decJSON}}, {"jsonb", copyDecoder{dec: decJSON, jsonb: true}},
		{"smallint", copyDecoder{dec: decInt2}}, {"integer", copyDecoder{dec: decInt4}}, {"bigint", copyDecoder{dec: decInt8}},
		{"real", copyDecoder{dec: decFloat4}}, {"double", copyDecoder{dec: decFloat8}}, {"numeric", copyDecoder{dec: decNumeric}},
		{"boolean", copyDecoder{dec: decBool}}, {"bytea", copyDecoder{dec: decBytea}}, {"date", copyDecoder{dec: decDate}},
		{"timestamp", copyDecoder{dec: decTimestamp}}, {"timestamptz", copyDecoder{dec: decTimestamptz}},
		{"time", copyDecoder{dec: decTime}}, {"uuid", copyDecoder{dec: decUUID}}, {"none", copyDecoder{dec: 200}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var inputs [][]byte
	inputs = append(inputs, nil, []byte{}, []byte{1}, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		[]byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, []byte{0x80, 0, 0, 0, 0, 0, 0, 0}, []byte{0x7f, 0xff, 0xff, 0xff}, []byte{0x80, 0, 0, 0})
	for n := 0; n < 2000; n++ {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		inputs = append(inputs, b)
	}
	// Numerics of random shape: digit counts, weights, scales and signs,
	// with a digit above 9999 now and then.
	for n := 0; n < 5000; n++ {
		nd := rng.IntN(7)
		sign := []uint16{numericPos, numericNeg}[rng.IntN(2)]
		if rng.IntN(8) == 0 {
			sign = []uint16{numericNaN, numericPInf, numericNInf, 0x1234}[rng.IntN(4)]
		}
		if rng.IntN(50) == 0 {
			nd = -nd // a count the bytes do not hold
		}
		b := binary.BigEndian.AppendUint16(nil, uint16(int16(nd)))
		b = binary.BigEndian.AppendUint16(b, uint16(int16(rng.IntN(13)-6)))
		b = binary.BigEndian.AppendUint16(b, sign)
		b = binary.BigEndian.AppendUint16(b, uint16(int16(rng.IntN(30)-2)))
		for i := 0; i < max(nd, 0); i++ {
			d := rng.IntN(10000)
			if rng.IntN(50) == 0 {
				d = 10000 + rng.IntN(50000)
			}
			b = binary.BigEndian.AppendUint16(b, uint16(d))
		}
		inputs = append(inputs, b)
	}
	for _, d := range decs {
		bad := 0
		for _, in := range inputs {
			got, want := encodedOrErr(d.c, in)
			if got != want {
				if bad++; bad <= 5 {
					t.Errorf("%s of % x: encoded as %s; AppendValue of its decoded value is %s", d.name, in, got, want)
				}
			}
		}
	}
}

// copyStream is a binary COPY stream of rows of raw fields (nil a NULL).
func copyStream(rows [][][]byte) []byte {
	b := append([]byte(nil), copySignature...)
	for _, r := range rows {
		b = binary.BigEndian.AppendUint16(b, uint16(len(r)))
		for _, f := range r {
			if f == nil {
				b = binary.BigEndian.AppendUint32(b, 0xffffffff)
				continue
			}
			b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
			b = append(b, f...)
		}
	}
	return binary.BigEndian.AppendUint16(b, 0xffff)
}

// parseStream runs a stream through a copyParser in pieces of size step
// and gives its rows as the hashing sees them, and the parser's error.
func parseStream(decs []copyDecoder, names []string, stream []byte, step int) (encoded [][][]byte, values [][]connectors.Value, err error) {
	p, full := newCopyParser(decs, names)
	done := make(chan error, 1)
	go func() {
		for i := 0; i < len(stream); i += step {
			p.Write(stream[i:min(i+step, len(stream))])
		}
		if p.cur != nil && p.cur.n > 0 && p.err == nil {
			full <- p.cur
		}
		done <- p.err
		close(full)
	}()
	cols := make([]connectors.Column, len(names))
	for i, n := range names {
		cols[i].Name = n
	}
	rows := newBatchRows(cols, full, p.free, done)
	for rows.Next() {
		var fields [][]byte
		for _, f := range rows.Encoded() {
			fields = append(fields, bytes.Clone(f))
		}
		encoded = append(encoded, fields)
		values = append(values, rows.Row())
	}
	return encoded, values, rows.Err()
}

// The parser's rows give, in batches and across writes of any size, each
// field's encoding and (Row) the value decode gives; a field that cannot
// be decoded fails naming its column.
func TestReadBackParserRows(t *testing.T) {
	decs := []copyDecoder{{dec: decInt4}, {dec: decNumeric}, {dec: decText}, {dec: decDate}}
	names := []string{"id", "amount", "note", "born"}
	var raw [][][]byte
	for i := 0; i < 1300; i++ {
		num, _ := appendNumeric(nil, connectors.Decimal(fmt.Sprintf("%d.%02d", i*37, i%100)))
		note := []byte(fmt.Sprintf("n%d", i))
		if i%3 == 0 {
			note = nil
		}
		raw = append(raw, [][]byte{binary.BigEndian.AppendUint32(nil, uint32(i)), num, note,
			binary.BigEndian.AppendUint32(nil, uint32(int32(i*1000-500000)))})
	}
	raw = append(raw, [][]byte{{0, 0, 0, 9}, {0, 0, 0, 0, 0xc0, 0, 0, 0}, {}, {0x7f, 0xff, 0xff, 0xff}})
	stream := copyStream(raw)
	for _, step := range []int{1, 7, 4096, len(stream)} {
		enc, vals, err := parseStream(decs, names, stream, step)
		if err != nil || len(enc) != len(raw) {
			t.Fatalf("writes of %d: %d rows, %v", step, len(enc), err)
		}
		for i, r := range raw {
			for j, f := range r {
				want, err := decs[j].decode(f)
				if err != nil {
					t.Fatal(err)
				}
				wantEnc, _ := connectors.AppendValue(nil, want)
				if !bytes.Equal(enc[i][j], wantEnc) || fmt.Sprintf("%#v", vals[i][j]) != fmt.Sprintf("%#v", want) {
					t.Fatalf("writes of %d: row %d, %s: % x and %#v, want % x and %#v", step, i, names[j], enc[i][j], vals[i][j], wantEnc, want)
				}
			}
		}
	}
	bad := copyStream([][][]byte{raw[0], {{0, 0, 0, 1}, {0, 1, 0}, nil, nil}})
	if _, _, err := parseStream(decs, names, bad, 3); err == nil || !strings.Contains(err.Error(), "column amount: binary numeric of 3 bytes") {
		t.Fatalf("a damaged numeric: %v", err)
	}
	// A field length below -1 (NULL) names its column too.
	neg := copyStream([][][]byte{raw[0]})
	neg = neg[:len(neg)-2]
	neg = binary.BigEndian.AppendUint16(neg, 4)
	neg = append(binary.BigEndian.AppendUint32(neg, 4), 0, 0, 0, 1)
	neg = binary.BigEndian.AppendUint32(neg, 0xfffffffe)
	neg = binary.BigEndian.AppendUint16(neg, 0xffff)
	if _, _, err := parseStream(decs, names, neg, 3); err == nil || !strings.Contains(err.Error(), "column amount: a field of negative length") {
		t.Fatalf("a field of negative length: %v", err)
	}
}
