package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/big"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/regflytt/regflytt/connectors"
)

// The native row sum (connectors.NativeSummer, NativeSumReader): the
// server hashes each row in SQL from its columns' send functions,
//
//	hash_record_extended(ROW(int8send(hash_record_extended(ROW(int4send(a), textsend(b), …), seed))), seed)
//
// and sums the hashes; regflytt hashes, as it writes, the bytes this
// package's COPY encoder sent for each value (copy.go) with the Go twin
// of the server's hash (nativehash.go). The inner record hash folds the
// columns' hashes linearly (result*31 + element), so two rows trading a
// value would keep the table's sum: the outer hash of its eight bytes
// makes each row's hash a non-linear function of all its values.
//
// Only types whose receive-then-send round trip gives back the bytes
// sent are taken (TestNativeRowSumOfEveryEdgeValue holds each to the
// server on the conformance edge values): integers, floats, numeric (at
// the column's scale: numeric_recv stores the digits with the column's
// dscale, see numericAtScale), boolean, text and varchar (the server and
// client encodings both UTF8, else textsend converts), bytea, date,
// timestamp, timestamptz and time. char(n) pads, json and jsonb
// rewrite, uuid and the rest are left to the read-back.

// nativeCol is one column of a table's native row sum.
type nativeCol struct {
	name, send string
	oid        uint32
	enc        fieldEncoder
	// scale is a numeric column's scale, -1 for every other type.
	scale int
}

// nativeColumns plans t's native row sum from its declared types: the
// column types this package creates for them (Dialect.ColumnType).
func nativeColumns(t *connectors.Table) ([]nativeCol, error) {
	out := make([]nativeCol, 0, len(t.Columns))
	for _, c := range t.Columns {
		nc := nativeCol{name: c.Name, scale: -1}
		typ, err := Dialect{}.ColumnType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("%w: column %s: %v", connectors.ErrNoNativeSum, c.Name, err)
		}
		switch {
		case typ == "smallint":
			nc.send, nc.oid = "int2send", pgtype.Int2OID
		case typ == "integer":
			nc.send, nc.oid = "int4send", pgtype.Int4OID
		case typ == "bigint":
			nc.send, nc.oid = "int8send", pgtype.Int8OID
		case typ == "real":
			nc.send, nc.oid = "float4send", pgtype.Float4OID
		case typ == "double precision":
			nc.send, nc.oid = "float8send", pgtype.Float8OID
		case strings.HasPrefix(typ, "numeric("):
			nc.send, nc.oid, nc.scale = "numeric_send", pgtype.NumericOID, c.Type.Scale
		case typ == "boolean":
			nc.send, nc.oid = "boolsend", pgtype.BoolOID
		case typ == "text":
			nc.send, nc.oid = "textsend", pgtype.TextOID
		case strings.HasPrefix(typ, "varchar("):
			nc.send, nc.oid = "varcharsend", pgtype.VarcharOID
		case typ == "bytea":
			nc.send, nc.oid = "byteasend", pgtype.ByteaOID
		case typ == "date":
			nc.send, nc.oid = "date_send", pgtype.DateOID
		case strings.HasPrefix(typ, "timestamp("):
			nc.send, nc.oid = "timestamp_send", pgtype.TimestampOID
		case strings.HasPrefix(typ, "timestamptz("):
			nc.send, nc.oid = "timestamptz_send", pgtype.TimestamptzOID
		case strings.HasPrefix(typ, "time("):
			nc.send, nc.oid = "time_send", pgtype.TimeOID
		default:
			return nil, fmt.Errorf("%w: column %s is %s, whose stored form is not proven to be what was sent", connectors.ErrNoNativeSum, c.Name, typ)
		}
		nc.enc = copyEncoders[nc.oid]
		if nc.scale >= 0 {
			scale := nc.scale
			nc.enc = func(buf []byte, v connectors.Value) ([]byte, bool) {
				d, ok := v.(connectors.Decimal)
				if !ok {
					return buf, false
				}
				return encodeNumeric(buf, numericAtScale(d, scale))
			}
		}
		out = append(out, nc)
	}
	return out, nil
}

// numericAtScale gives a decimal as a numeric column of scale stores it:
// numeric_recv rounds to the column's scale and keeps that many decimals,
// so 1.5 is stored, and sent back, as 1.50. Only zeros are added or
// dropped here: a decimal with more non-zero decimals than the column
// keeps is left as it is, and its rounding then differs from what the
// server stored, as it should.
func numericAtScale(d connectors.Decimal, scale int) connectors.Decimal {
	s := string(d)
	ip, fp := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		ip, fp = s[:i], s[i+1:]
	}
	switch {
	case len(fp) == scale:
		return d
	case len(fp) < scale:
		return connectors.Decimal(ip + "." + fp + strings.Repeat("0", scale-len(fp)))
	case strings.Trim(fp[scale:], "0") != "":
		return d
	case scale == 0:
		return connectors.Decimal(ip)
	}
	return connectors.Decimal(ip + "." + fp[:scale])
}

// nativeHasher is the Go side of one table's native row sum. Not safe
// for concurrent use (its buffer).
type nativeHasher struct {
	cols []nativeCol
	seed uint64
	buf  []byte
}

// HashRow hashes the bytes the COPY encoder sends for each value.
func (h *nativeHasher) HashRow(row []connectors.Value) (uint64, bool) {
	if len(row) != len(h.cols) {
		return 0, false
	}
	var r uint64
	for i, v := range row {
		var e uint64
		if v != nil {
			var ok bool
			if h.buf, ok = h.cols[i].enc(h.buf[:0], v); !ok {
				return 0, false
			}
			e = hashBytesExtended(h.buf, h.seed)
		}
		r = recordHash(r, e)
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], r)
	return recordHash(0, hashBytesExtended(b[:], h.seed)), true
}

// nativeProbe is hashed by the server and in Go before a native row sum
// is offered: a server that hashes otherwise (a big-endian host) is
// found before the move, not as a difference after it.
var nativeProbe = []byte("regflytt native row sum probe: åäö\x00\xff")

// nativeServer says why the server behind q cannot give a native row
// sum, "" when it can.
func nativeServer(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (string, error) {
	var ver int
	var senc, cenc string
	err := q.QueryRow(ctx, "SELECT current_setting('server_version_num')::int, current_setting('server_encoding'), current_setting('client_encoding')").Scan(&ver, &senc, &cenc)
	if err != nil {
		return "", err
	}
	switch {
	case ver < 140000:
		return fmt.Sprintf("server version %d has no hash_record_extended (PostgreSQL 14)", ver), nil
	case senc != "UTF8" || cenc != "UTF8":
		return fmt.Sprintf("server encoding %s, client encoding %s: textsend converts unless both are UTF8", senc, cenc), nil
	}
	var got int64
	if err := q.QueryRow(ctx, "SELECT hash_record_extended(ROW($1::bytea), $2)", nativeProbe, int64(-3)).Scan(&got); err != nil {
		return "", err
	}
	if uint64(got) != hashBytesExtended(nativeProbe, uint64(1<<64-3)) {
		return "the server's hash_bytes_extended differs from regflytt's (a big-endian host?)", nil
	}
	return "", nil
}

// NativeRowSum gives t's native row hasher (connectors.NativeSummer).
func (d *DB) NativeRowSum(ctx context.Context, t *connectors.Table, seed uint64) (connectors.NativeRowHasher, error) {
	cols, err := nativeColumns(t)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	why, err := nativeServer(ctx, d.pool)
	if err != nil {
		return nil, d.errorf(err, "native row sum of %s", t.Name)
	}
	if why != "" {
		return nil, fmt.Errorf("%w: %s", connectors.ErrNoNativeSum, why)
	}
	return &nativeHasher{cols: cols, seed: seed}, nil
}

var _ connectors.NativeSummer = (*DB)(nil)

// nativeSumQuery is the server's side of t's native row sum over cols:
// the row count, the hashes' sum and each column's non-NULL count.
func nativeSumQuery(qtable string, cols []nativeCol) (string, error) {
	h, err := nativeHashExpr(cols)
	if err != nil {
		return "", err
	}
	var counts []string
	for _, c := range cols {
		qc, err := Dialect{}.QuoteIdent(c.name)
		if err != nil {
			return "", err
		}
		counts = append(counts, "count("+qc+")")
	}
	return "SELECT count(*), coalesce(sum(" + h + "), 0)::text, " + strings.Join(counts, ", ") + " FROM " + qtable, nil
}

// nativeHashExpr is one row's native hash in SQL, seeded with $1.
func nativeHashExpr(cols []nativeCol) (string, error) {
	var sends []string
	for _, c := range cols {
		qc, err := Dialect{}.QuoteIdent(c.name)
		if err != nil {
			return "", err
		}
		sends = append(sends, c.send+"("+qc+")")
	}
	return "hash_record_extended(ROW(int8send(hash_record_extended(ROW(" + strings.Join(sends, ", ") + "), $1))), $1)", nil
}

// NativeSums computes t's native row sum in the server, in the
// snapshot's transaction (connectors.NativeSumReader). A column whose
// type in the catalogue is not the one t declares has no native sum:
// its send function would be another's.
func (s *snapshot) NativeSums(ctx context.Context, t *connectors.Table, seed uint64) (connectors.NativeTotals, error) {
	cols, err := nativeColumns(t)
	if err != nil {
		return connectors.NativeTotals{}, fmt.Errorf("table %s: %w", t.Name, err)
	}
	why, err := nativeServer(ctx, s.tx)
	if err != nil {
		return connectors.NativeTotals{}, s.db.errorf(err, "native row sum of %s", t.Name)
	}
	if why != "" {
		return connectors.NativeTotals{}, fmt.Errorf("%w: %s", connectors.ErrNoNativeSum, why)
	}
	live := map[string]uint32{}
	rows, err := s.tx.Query(ctx, `SELECT a.attname, a.atttypid::int8 FROM pg_attribute a
		WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, quoteQualified(s.db.schema, t.Name))
	if err != nil {
		return connectors.NativeTotals{}, s.db.errorf(err, "native row sum of %s", t.Name)
	}
	for rows.Next() {
		var name string
		var oid int64
		if err := rows.Scan(&name, &oid); err != nil {
			rows.Close()
			return connectors.NativeTotals{}, s.db.errorf(err, "native row sum of %s", t.Name)
		}
		live[name] = uint32(oid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return connectors.NativeTotals{}, s.db.errorf(err, "native row sum of %s", t.Name)
	}
	for _, c := range cols {
		if live[c.name] != c.oid {
			return connectors.NativeTotals{}, fmt.Errorf("%w: table %s column %s is not of the type the schema declares", connectors.ErrNoNativeSum, t.Name, c.name)
		}
	}
	qt, err := s.db.qualified(t.Name)
	if err != nil {
		return connectors.NativeTotals{}, fmt.Errorf("native row sum of %s: %w", t.Name, err)
	}
	q, err := nativeSumQuery(qt, cols)
	if err != nil {
		return connectors.NativeTotals{}, fmt.Errorf("native row sum of %s: %w", t.Name, err)
	}
	// As for a checksum: JIT would compile the expression in every
	// parallel worker for longer than the scan takes.
	if _, err := s.tx.Exec(ctx, "SET LOCAL jit = off"); err != nil {
		return connectors.NativeTotals{}, s.db.errorf(err, "native row sum of %s", t.Name)
	}
	var n int64
	var sum string
	nonNull := make([]int64, len(cols))
	dest := []any{&n, &sum}
	for i := range nonNull {
		dest = append(dest, &nonNull[i])
	}
	if err := s.tx.QueryRow(ctx, q, int64(seed)).Scan(dest...); err != nil {
		return connectors.NativeTotals{}, s.db.errorf(err, "native row sum of %s", t.Name)
	}
	total, err := sumMod64(sum)
	if err != nil {
		return connectors.NativeTotals{}, fmt.Errorf("native row sum of %s: %w", t.Name, err)
	}
	out := connectors.NativeTotals{Rows: n, Sum: total, NonNull: map[string]int64{}}
	for i, c := range cols {
		out.NonNull[c.name] = nonNull[i]
	}
	return out, nil
}

var _ connectors.NativeSumReader = (*snapshot)(nil)

// sumMod64 reduces the server's exact sum of int8 hashes (numeric text,
// negative when the signed hashes sum below zero) modulo 2^64: the sum
// of the same hashes as uint64 in Go.
func sumMod64(s string) (uint64, error) {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return 0, fmt.Errorf("sum %q is not an integer", s)
	}
	m := new(big.Int).Lsh(big.NewInt(1), 64)
	return n.Mod(n, m).Uint64(), nil // Mod is Euclidean: in [0, 2^64)
}

// quoteQualified is schema.table quoted for to_regclass.
func quoteQualified(schema, table string) string {
	return `"` + strings.ReplaceAll(schema, `"`, `""`) + `"."` + strings.ReplaceAll(table, `"`, `""`) + `"`
}
