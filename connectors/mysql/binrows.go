package mysql

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
)

// A keyset batch is read here, on the driver's connection but without the
// driver: the statement is prepared, executed and closed with packets of
// this file, and the binary rows are decoded straight into values, with
// no driver.Value boxed on the way and no date printed only to be parsed
// again. The values are the ones the driver's path gives (decode.go):
// decodeWireValue follows what the driver makes of each wire type and
// what decodeValue then does with it. The connection is idle between
// commands, so a batch that reads its whole response leaves it as the
// driver expects; one that cannot (a lost connection, a packet this file
// does not understand, a cancelled context) reports the connection bad and
// database/sql closes it.

// Commands and packet headers.
const (
	comStmtPrepare = 0x16
	comStmtExecute = 0x17
	comStmtClose   = 0x19

	pktOK  = 0x00
	pktEOF = 0xfe
	pktERR = 0xff

	serverMoreResultsExist = 0x0008
)

// Column types of the protocol.
const (
	typeDecimal    = 0
	typeTiny       = 1
	typeShort      = 2
	typeLong       = 3
	typeFloat      = 4
	typeDouble     = 5
	typeNull       = 6
	typeTimestamp  = 7
	typeLongLong   = 8
	typeInt24      = 9
	typeDate       = 10
	typeTime       = 11
	typeDateTime   = 12
	typeYear       = 13
	typeNewDate    = 14
	typeVarChar    = 15
	typeBit        = 16
	typeVector     = 242 // MySQL 9
	typeJSON       = 245
	typeNewDecimal = 246
	typeEnum       = 247
	typeSet        = 248
	typeTinyBlob   = 249
	typeMediumBlob = 250
	typeLongBlob   = 251
	typeBlob       = 252
	typeVarString  = 253
	typeString     = 254
	typeGeometry   = 255

	flagUnsigned = 0x20
)

// wireColumn is what a column definition says about its values.
type wireColumn struct {
	typ      byte
	flags    uint16
	decimals byte
}

// badConnError is a fault after which the connection's stream is not
// where the driver expects it: database/sql closes the connection (it is
// driver.ErrBadConn), and the run's retry sees a lost connection.
type badConnError struct{ err error }

func (e *badConnError) Error() string        { return e.err.Error() }
func (e *badConnError) Unwrap() error        { return e.err }
func (e *badConnError) Is(target error) bool { return target == driver.ErrBadConn }

func broken(err error) error { return &badConnError{err} }

// lost is a read or write of the socket that failed.
func lost(err error) error { return broken(fmt.Errorf("lost connection to the MySQL server: %w", err)) }

func protocolError(format string, args ...any) error {
	return broken(fmt.Errorf("MySQL protocol: "+format, args...))
}

// serverError reads an ERR packet as the driver does, so that the
// classification of errors (deadlocks, killed sessions, read-only
// transactions) is the same. One out of sequence (a killed session's)
// also ends the connection.
func serverError(p []byte, seqOK bool) error {
	if len(p) < 3 {
		return protocolError("short error packet")
	}
	me := &mysql.MySQLError{Number: binary.LittleEndian.Uint16(p[1:3])}
	pos := 3
	if len(p) >= 9 && p[3] == '#' {
		copy(me.SQLState[:], p[4:9])
		pos = 9
	}
	me.Message = string(p[pos:])
	if !seqOK {
		return broken(me)
	}
	return me
}

// lenenc reads a length-encoded integer at b[0]; null is its NULL form
// (0xfb), n the bytes it took; ok is false when b is too short.
func lenenc(b []byte) (v uint64, null bool, n int, ok bool) {
	if len(b) == 0 {
		return 0, false, 0, false
	}
	switch c := b[0]; {
	case c < 0xfb:
		return uint64(c), false, 1, true
	case c == 0xfb:
		return 0, true, 1, true
	case c == 0xfc:
		if len(b) < 3 {
			return 0, false, 0, false
		}
		return uint64(binary.LittleEndian.Uint16(b[1:])), false, 3, true
	case c == 0xfd:
		if len(b) < 4 {
			return 0, false, 0, false
		}
		return uint64(b[1]) | uint64(b[2])<<8 | uint64(b[3])<<16, false, 4, true
	case c == 0xfe:
		if len(b) < 9 {
			return 0, false, 0, false
		}
		return binary.LittleEndian.Uint64(b[1:]), false, 9, true
	}
	return 0, false, 0, false
}

// parseColumnDef reads a column definition (protocol 4.1): six
// length-encoded strings, then the fixed fields.
func parseColumnDef(p []byte) (wireColumn, error) {
	pos := 0
	for range 6 { // catalog, schema, table, org_table, name, org_name
		v, null, n, ok := lenenc(p[pos:])
		if !ok || null || uint64(len(p)-pos-n) < v {
			return wireColumn{}, fmt.Errorf("column definition")
		}
		pos += n + int(v)
	}
	// length of the fixed fields (0x0c), charset 2, length 4, type 1,
	// flags 2, decimals 1
	if len(p)-pos < 11 || p[pos] < 0x0a {
		return wireColumn{}, fmt.Errorf("column definition")
	}
	pos++
	return wireColumn{typ: p[pos+6], flags: binary.LittleEndian.Uint16(p[pos+7:]), decimals: p[pos+9]}, nil
}

// wireStep reads packets of a command's response, as the wire's session
// frames them.
type wireStep struct{ w *wire }

// columns reads n column definitions and, without DEPRECATE_EOF, the EOF
// after them.
func (s wireStep) columns(n int, into []wireColumn) ([]wireColumn, error) {
	into = into[:0]
	for i := range n {
		p, _, err := s.w.readPacket()
		if err != nil {
			return nil, lost(err)
		}
		c, err := parseColumnDef(p)
		if err != nil {
			return nil, protocolError("column %d: %v", i+1, err)
		}
		into = append(into, c)
	}
	if n > 0 {
		if err := s.eof(); err != nil {
			return nil, err
		}
	}
	return into, nil
}

// eof reads the EOF packet that ends a list of definitions when the
// session did not negotiate DEPRECATE_EOF.
func (s wireStep) eof() error {
	if s.w.sess.deprecateEOF() {
		return nil
	}
	p, _, err := s.w.readPacket()
	if err != nil {
		return lost(err)
	}
	if len(p) == 0 || p[0] != pktEOF || len(p) >= 9 {
		return protocolError("want an EOF packet after the definitions")
	}
	return nil
}

// endStatus reads the status flags of the packet that ends a result (an
// EOF, or an OK with an 0xfe header under DEPRECATE_EOF).
func (s wireStep) endStatus(p []byte) (uint16, bool) { return s.endField(p, 3, 0) }

// endWarnings reads the warning count of the packet that ends a result
// (see endStatus): the statement's, which @@warning_count gives after it.
func (s wireStep) endWarnings(p []byte) (uint16, bool) { return s.endField(p, 1, 2) }

// endField reads a two-byte field of the packet that ends a result: at
// eofAt in an EOF (header, warnings, status), or okAt bytes past the two
// length-encoded integers of an OK under DEPRECATE_EOF (status, warnings).
func (s wireStep) endField(p []byte, eofAt, okAt int) (uint16, bool) {
	if !s.w.sess.deprecateEOF() {
		if len(p) < 5 {
			return 0, false
		}
		return binary.LittleEndian.Uint16(p[eofAt:]), true
	}
	_, _, n, ok := lenenc(p[1:])
	if !ok {
		return 0, false
	}
	_, _, m, ok := lenenc(p[1+n:])
	if !ok || len(p) < 1+n+m+okAt+2 {
		return 0, false
	}
	return binary.LittleEndian.Uint16(p[1+n+m+okAt:]), true
}

// queryWire runs one batch on w (see the top of this file). It sets
// q.quiet when the server said the batch's prepare and execute left no
// warning (the counts of their answers): the select: source's check of
// the warnings (noReadWarnings) then needs no round trip of its own.
func (q *querier) queryWire(ctx context.Context, w *wire, query string, cols []connectors.Column, emit func([]connectors.Value)) (err error) {
	q.quiet = false
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, w.interrupt)
	defer func() {
		if !stop() {
			// The context ended while the batch ran: the socket's
			// deadline is in the past, whatever the batch got to.
			// Whatever err says (a read interrupted), the cause is the
			// context's.
			err = broken(fmt.Errorf("read %s: %w", q.table, context.Cause(ctx)))
		}
	}()
	s := wireStep{w}

	q.cmd = append(append(q.cmd[:0], comStmtPrepare), query...)
	if err := w.writeCommand(q.cmd); err != nil {
		return lost(err)
	}
	p, seqOK, err := w.readPacket()
	if err != nil {
		return lost(err)
	}
	switch {
	case len(p) > 0 && p[0] == pktERR:
		return withoutValues(serverError(p, seqOK))
	case len(p) < 12 || p[0] != pktOK || !seqOK:
		return protocolError("unexpected response to a prepare")
	}
	id := binary.LittleEndian.Uint32(p[1:])
	ncol := int(binary.LittleEndian.Uint16(p[5:]))
	nparam := int(binary.LittleEndian.Uint16(p[7:]))
	// COM_STMT_PREPARE_OK: status, id, columns, params, a filler byte,
	// then the prepare's warning count.
	prepWarnings := binary.LittleEndian.Uint16(p[10:])
	if _, err := s.columns(nparam, nil); err != nil {
		return err
	}
	if q.prepCols, err = s.columns(ncol, q.prepCols); err != nil {
		return err
	}
	if nparam != 0 {
		return q.closeStmt(w, id, fmt.Errorf("the query has %d parameters; its values are bound as literals", nparam))
	}

	exec := [...]byte{comStmtExecute, 0, 0, 0, 0, 0, 1, 0, 0, 0} // no cursor, one iteration
	binary.LittleEndian.PutUint32(exec[1:], id)
	if err := w.writeCommand(exec[:]); err != nil {
		return lost(err)
	}
	if p, seqOK, err = w.readPacket(); err != nil {
		return lost(err)
	}
	if len(p) == 0 {
		return protocolError("empty packet")
	}
	switch p[0] {
	case pktERR:
		return q.statementFailed(w, id, p, seqOK)
	case pktOK:
		// A SELECT always has a result set.
		return protocolError("an execute answered OK without a result set")
	}
	if !seqOK {
		return protocolError("packet out of sequence")
	}
	n, null, used, ok := lenenc(p)
	if !ok || null || n > math.MaxUint16 {
		return protocolError("bad column count")
	}
	follows := true
	if s.w.sess.cacheMetadata() {
		if len(p) <= used {
			return protocolError("column count without metadata flag")
		}
		follows = p[used] == 1
	}
	var wc []wireColumn
	if follows {
		if q.execCols, err = s.columns(int(n), q.execCols); err != nil {
			return err
		}
		wc = q.execCols
	} else {
		if err := s.eof(); err != nil {
			return err
		}
		wc = q.prepCols
	}
	if len(wc) != int(n) {
		return protocolError("%d columns announced, %d defined", n, len(wc))
	}
	// failed is the batch's error once known; the rest of the result is
	// then read without decoding, so the connection stays usable and the
	// error is not taken for a lost connection.
	var failed error
	if len(wc) != len(q.decoders) {
		failed = fmt.Errorf("the query gave %d columns, %d asked", len(wc), len(q.decoders))
	}

	nc := len(q.decoders)
	var slab []connectors.Value
	for {
		p, seqOK, err := w.readPacket()
		if err != nil {
			return lost(err)
		}
		if len(p) == 0 {
			return protocolError("empty packet")
		}
		switch {
		case !seqOK && p[0] != pktERR:
			return protocolError("packet out of sequence")
		case p[0] == pktOK:
			if failed != nil {
				continue
			}
			if len(slab) < nc {
				slab = make([]connectors.Value, nc*rowSlab)
			}
			row := slab[:nc:nc]
			slab = slab[nc:]
			if err := q.decodeWireRow(p, wc, cols, row); err != nil {
				var bad *badConnError
				if errors.As(err, &bad) {
					return err
				}
				failed = err
				continue
			}
			emit(row)
		case p[0] == pktEOF:
			st, ok := s.endStatus(p)
			if !ok || st&serverMoreResultsExist != 0 {
				return protocolError("unexpected end of a result")
			}
			if n, ok := s.endWarnings(p); ok && n == 0 && prepWarnings == 0 {
				q.quiet = true
			}
			return q.closeStmt(w, id, failed)
		case p[0] == pktERR:
			return q.statementFailed(w, id, p, seqOK)
		default:
			return protocolError("unexpected packet 0x%02x in a result", p[0])
		}
	}
}

// statementFailed is the server's ERR packet p in answer to an execute
// of statement id: the statement is closed, unless the packet came out of
// sequence (a killed session's), which ends the connection.
func (q *querier) statementFailed(w *wire, id uint32, p []byte, seqOK bool) error {
	err := withoutValues(serverError(p, seqOK))
	if !seqOK {
		return err
	}
	return q.closeStmt(w, id, err)
}

// closeStmt frees the statement on the server (the command has no
// response) and returns err.
func (q *querier) closeStmt(w *wire, id uint32, err error) error {
	c := [...]byte{comStmtClose, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(c[1:], id)
	if werr := w.writeCommand(c[:]); werr != nil {
		if err != nil {
			return lost(fmt.Errorf("%w; then closing the statement: %w", err, werr))
		}
		return lost(werr)
	}
	return err
}

// decodeWireRow decodes a binary row packet into row.
func (q *querier) decodeWireRow(p []byte, wc []wireColumn, cols []connectors.Column, row []connectors.Value) error {
	nulls := 1 + (len(wc)+7+2)>>3
	if len(p) < nulls {
		return protocolError("short row")
	}
	mask, pos := p[1:nulls], nulls
	// Each row's texts and bytes get one array of their own (q.arena).
	q.arena = nil
	q.bx.newRow()
	for i := range wc {
		if mask[(i+2)>>3]&(1<<((i+2)&7)) != 0 {
			continue
		}
		v, n, err := q.decodeWireValue(i, &wc[i], cols[i].Type.Kind, p[pos:])
		if err != nil {
			var bad *badConnError
			if errors.As(err, &bad) {
				return fmt.Errorf("table %s, column %s: %w", q.table, cols[i].Name, err)
			}
			return fmt.Errorf("column %s (%s): %w", cols[i].Name, cols[i].SourceType, err)
		}
		row[i] = v
		pos += n
	}
	if pos != len(p) {
		return protocolError("table %s: %d bytes after a row's last value", q.table, len(p)-pos)
	}
	return nil
}

func short() error { return protocolError("row ends inside a value") }

// rowText is decodeText's or decodeBytes's value of raw, column i's
// bytes, with left the bytes of the row from this value on: its
// bytes are copied into the row's array (q.arena), made at the row's
// first such value as large as the rest of the row, so that the row's
// texts and byte strings take one allocation where each took one. The
// array is the row's alone and never written where a value was cut
// (each value is appended, and capacity is never outgrown: a value is
// part of the row), so a value kept pins no other row's memory, and no
// value changes; a byte string is cut to its length as capacity, so
// that an append to it copies.
func (q *querier) rowText(i int, raw []byte, left int) connectors.Value {
	start := q.toArena(raw, left)
	if q.bytes[i] {
		// A copy, never nil: an empty BLOB is not NULL.
		return q.arena[start:len(q.arena):len(q.arena)]
	}
	v := q.bx.str(stringType, q.arenaText(start))
	q.prev[i] = v
	if q.prevCut != nil {
		q.prevCut[i] = true
	}
	return v
}

// arenaString is raw copied into the row's array (see rowText).
func (q *querier) arenaString(raw []byte, left int) string {
	return q.arenaText(q.toArena(raw, left))
}

// toArena appends raw to the row's array, making it when it is the row's
// first, and gives where raw starts in it.
func (q *querier) toArena(raw []byte, left int) int {
	if q.arena == nil {
		q.arena = make([]byte, 0, left)
	}
	start := len(q.arena)
	q.arena = append(q.arena, raw...)
	return start
}

// arenaText is the string of the row's array from start to its end.
func (q *querier) arenaText(start int) string {
	if start == len(q.arena) {
		return ""
	}
	return unsafe.String(&q.arena[start], len(q.arena)-start)
}

// decodeWireValue decodes column i's value at b, returning it and the
// bytes it took. Integers, floating-point numbers and dates become what the
// driver's path makes of them: the driver's int64/float64 as they are for
// their own kind, otherwise printed and given to the column's decoder;
// dates printed as the driver prints them (see appendBinaryDateTime).
func (q *querier) decodeWireValue(i int, c *wireColumn, kind connectors.Kind, b []byte) (connectors.Value, int, error) {
	unsigned := c.flags&flagUnsigned != 0
	var iv int64
	var n int
	switch c.typ {
	case typeTiny:
		if len(b) < 1 {
			return nil, 0, short()
		}
		if iv, n = int64(int8(b[0])), 1; unsigned {
			iv = int64(b[0])
		}
	case typeShort, typeYear:
		if len(b) < 2 {
			return nil, 0, short()
		}
		u := binary.LittleEndian.Uint16(b)
		if iv, n = int64(int16(u)), 2; unsigned {
			iv = int64(u)
		}
	case typeLong, typeInt24:
		if len(b) < 4 {
			return nil, 0, short()
		}
		u := binary.LittleEndian.Uint32(b)
		if iv, n = int64(int32(u)), 4; unsigned {
			iv = int64(u)
		}
	case typeLongLong:
		if len(b) < 8 {
			return nil, 0, short()
		}
		u := binary.LittleEndian.Uint64(b)
		if unsigned && u > math.MaxInt64 {
			// The driver gives the text, which the decoder reads.
			q.scratch = strconv.AppendUint(q.scratch[:0], u, 10)
			v, err := q.decoders[i](q.scratch)
			return v, 8, err
		}
		iv, n = int64(u), 8
	case typeFloat:
		if len(b) < 4 {
			return nil, 0, short()
		}
		f := math.Float32frombits(binary.LittleEndian.Uint32(b))
		if kind == connectors.KindFloat {
			return q.bx.float64(float64(f)), 4, nil
		}
		q.scratch = strconv.AppendFloat(q.scratch[:0], float64(f), 'g', -1, 32)
		v, err := q.decoders[i](q.scratch)
		return v, 4, err
	case typeDouble:
		if len(b) < 8 {
			return nil, 0, short()
		}
		f := math.Float64frombits(binary.LittleEndian.Uint64(b))
		if kind == connectors.KindFloat {
			return q.bx.float64(f), 8, nil
		}
		q.scratch = strconv.AppendFloat(q.scratch[:0], f, 'g', -1, 64)
		v, err := q.decoders[i](q.scratch)
		return v, 8, err
	case typeDate, typeNewDate, typeTime, typeTimestamp, typeDateTime:
		l, null, m, ok := lenenc(b)
		if !ok || null || uint64(len(b)-m) < l {
			return nil, 0, short()
		}
		src := b[m : m+int(l)]
		if v, ok := directTemporal(kind, c.typ, c.decimals, src, &q.bx); ok {
			return v, m + int(l), nil
		}
		var err error
		if c.typ == typeTime {
			q.scratch, err = appendBinaryTime(q.scratch[:0], src, c.decimals)
		} else {
			q.scratch, err = appendBinaryDateTime(q.scratch[:0], src, c.typ == typeDate || c.typ == typeNewDate, c.decimals)
		}
		if err != nil {
			return nil, 0, broken(err)
		}
		v, err := q.decoders[i](q.scratch)
		return v, m + int(l), err
	case typeNull:
		return nil, 0, nil
	case typeDecimal, typeNewDecimal, typeVarChar, typeBit, typeEnum, typeSet,
		typeTinyBlob, typeMediumBlob, typeLongBlob, typeBlob, typeVarString,
		typeString, typeGeometry, typeJSON, typeVector:
		l, null, m, ok := lenenc(b)
		if !ok || uint64(len(b)-m) < l {
			return nil, 0, short()
		}
		if null {
			return nil, m, nil
		}
		raw := b[m : m+int(l)]
		// A text equal to the column's previous one is that value again
		// (see QueryBatch), the value itself: returning its string would
		// box it anew.
		if q.text[i] {
			if s, ok := q.prev[i].(string); ok && s == string(raw) {
				if q.prevCut != nil && q.prevCut[i] {
					// Cut from an earlier row's array (rowText): kept,
					// it would pin that row. Copied once, the copy is
					// given for this repeat and the next.
					q.prev[i], q.prevCut[i] = strings.Clone(s), false
				}
				return q.prev[i], m + int(l), nil
			}
		}
		if q.text[i] || q.bytes[i] {
			return q.rowText(i, raw, len(b)), m + int(l), nil
		}
		if q.decimal[i] {
			d, err := plainDecimal(q.arenaString(raw, len(b)))
			if err != nil {
				return nil, m + int(l), err
			}
			return q.bx.str(decimalType, string(d)), m + int(l), nil
		}
		v, err := q.decoders[i](raw)
		return v, m + int(l), err
	default:
		return nil, 0, protocolError("unknown column type %d", c.typ)
	}
	if kind == connectors.KindInt {
		return q.bx.int64(iv), n, nil
	}
	q.scratch = strconv.AppendInt(q.scratch[:0], iv, 10)
	v, err := q.decoders[i](q.scratch)
	return v, n, err
}

// zeroDateTimeText is what a zero date or time is printed from: the
// server sends it as no bytes at all.
const zeroDateTimeText = "0000-00-00 00:00:00.000000"

const (
	tens = "0000000000111111111122222222223333333333444444444455555555556666666666777777777788888888889999999999"
	ones = "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
)

func appendTwo(dst []byte, v byte) ([]byte, bool) {
	if v > 99 {
		return dst, false
	}
	return append(dst, tens[v], ones[v]), true
}

// fractionDigits is how many fractional digits the driver prints for a
// column's decimals: none for 0 and for 0x1f (a value of no declared
// precision).
func fractionDigits(decimals byte) (int, bool) {
	switch {
	case decimals == 0 || decimals == 0x1f:
		return 0, true
	case decimals <= 6:
		return int(decimals), true
	}
	return 0, false
}

// appendFraction prints the first digits of the microseconds in src (four
// bytes, or none for zero).
func appendFraction(dst, src []byte, digits int) ([]byte, bool) {
	if digits == 0 {
		return dst, true
	}
	if len(src) == 0 {
		return append(dst, ".000000"[:digits+1]...), true
	}
	us := binary.LittleEndian.Uint32(src)
	if us > 999999 {
		return dst, false
	}
	var f [7]byte
	f[0] = '.'
	for k := 6; k >= 1; k-- {
		f[k] = byte('0' + us%10)
		us /= 10
	}
	return append(dst, f[:digits+1]...), true
}

// appendBinaryDateTime prints a binary DATE, DATETIME or TIMESTAMP as the
// driver does: as long as the column's type and precision say, a zero
// value (no bytes) as zeros, a missing time as midnight.
func appendBinaryDateTime(dst, src []byte, dateOnly bool, decimals byte) ([]byte, error) {
	digits, ok := fractionDigits(decimals)
	if !ok {
		return dst, fmt.Errorf("MySQL protocol: illegal decimals value %d", decimals)
	}
	length := 10
	if !dateOnly {
		length = 19
		if digits > 0 {
			length += 1 + digits
		}
	}
	if len(src) == 0 {
		return append(dst, zeroDateTimeText[:length]...), nil
	}
	if len(src) != 4 && len(src) != 7 && len(src) != 11 {
		return dst, fmt.Errorf("MySQL protocol: illegal date packet length %d", len(src))
	}
	year := binary.LittleEndian.Uint16(src)
	if year > 9999 {
		return dst, fmt.Errorf("MySQL protocol: year %d", year)
	}
	dst, ok1 := appendTwo(dst, byte(year/100))
	dst, ok2 := appendTwo(dst, byte(year%100))
	dst = append(dst, '-')
	dst, ok3 := appendTwo(dst, src[2])
	dst = append(dst, '-')
	dst, ok4 := appendTwo(dst, src[3])
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return dst, fmt.Errorf("MySQL protocol: bad date")
	}
	if dateOnly {
		return dst, nil
	}
	if len(src) == 4 {
		return append(dst, zeroDateTimeText[10:length]...), nil
	}
	dst = append(dst, ' ')
	dst, ok1 = appendTwo(dst, src[4])
	dst = append(dst, ':')
	dst, ok2 = appendTwo(dst, src[5])
	dst = append(dst, ':')
	dst, ok3 = appendTwo(dst, src[6])
	dst, ok4 = appendFraction(dst, src[7:], digits)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return dst, fmt.Errorf("MySQL protocol: bad time of day")
	}
	return dst, nil
}

// appendBinaryTime prints a binary TIME as the driver does: [-]HH:MM:SS
// with as many hours as it takes, and the column's fractional digits.
func appendBinaryTime(dst, src []byte, decimals byte) ([]byte, error) {
	digits, ok := fractionDigits(decimals)
	if !ok {
		return dst, fmt.Errorf("MySQL protocol: illegal decimals value %d", decimals)
	}
	if len(src) == 0 {
		n := 8
		if digits > 0 {
			n += 1 + digits
		}
		return append(dst, zeroDateTimeText[11:11+n]...), nil
	}
	if len(src) != 8 && len(src) != 12 {
		return dst, fmt.Errorf("MySQL protocol: illegal time packet length %d", len(src))
	}
	if src[0] == 1 {
		dst = append(dst, '-')
	}
	hours := int64(binary.LittleEndian.Uint32(src[1:]))*24 + int64(src[5])
	if hours >= 100 {
		dst = strconv.AppendInt(dst, hours, 10)
	} else {
		dst = append(dst, tens[hours], ones[hours])
	}
	dst = append(dst, ':')
	dst, ok1 := appendTwo(dst, src[6])
	dst = append(dst, ':')
	dst, ok2 := appendTwo(dst, src[7])
	dst, ok3 := appendFraction(dst, src[8:], digits)
	if !ok1 || !ok2 || !ok3 {
		return dst, fmt.Errorf("MySQL protocol: bad time")
	}
	return dst, nil
}

// pow10 are the powers of ten up to a microsecond's digits.
var pow10 = [...]uint32{1, 10, 100, 1000, 10000, 100000, 1000000}

// directTemporal builds the value of a binary date, datetime, timestamp
// or time for the column kind that reads it, without printing it: the
// value decodeDate, decodeDateTime, decodeTimestamp or decodeTime gives
// for the text appendBinaryDateTime or appendBinaryTime prints (fraction
// digits beyond the column's precision dropped, as the print drops them).
// ok is false where it does not know that value (another pairing of kind
// and wire type, a zero or impossible date, a malformed value): the
// caller then prints and parses.
func directTemporal(kind connectors.Kind, typ, decimals byte, src []byte, bx *boxes) (v connectors.Value, ok bool) {
	digits, ok := fractionDigits(decimals)
	if !ok {
		return nil, false
	}
	var ns int
	if len(src) == 11 || (typ == typeTime && len(src) == 12) {
		us := binary.LittleEndian.Uint32(src[len(src)-4:])
		if us > 999999 {
			return nil, false
		}
		cut := pow10[6-digits]
		ns = int(us/cut*cut) * 1000
		if digits == 0 {
			ns = 0
		}
	}
	switch typ {
	case typeTime:
		if kind != connectors.KindTime || (len(src) != 8 && len(src) != 12) || src[0] > 1 || src[6] > 59 || src[7] > 59 {
			return nil, false
		}
		hours := int64(binary.LittleEndian.Uint32(src[1:]))*24 + int64(src[5])
		if hours > 2562047 || src[5] > 99 {
			return nil, false
		}
		d := time.Duration(hours)*time.Hour + time.Duration(src[6])*time.Minute + time.Duration(src[7])*time.Second + time.Duration(ns)
		if src[0] == 1 {
			d = -d
		}
		return connectors.Duration(d), true
	case typeDate, typeNewDate, typeDateTime, typeTimestamp:
	default:
		return nil, false
	}
	if len(src) != 4 && len(src) != 7 && len(src) != 11 {
		return nil, false // zero (no bytes) or malformed: printed
	}
	date := connectors.Date{Year: int(binary.LittleEndian.Uint16(src)), Month: time.Month(src[2]), Day: int(src[3])}
	if !date.Valid() {
		return nil, false // an InvalidDate keeps the printed text
	}
	dateOnly := typ == typeDate || typ == typeNewDate
	switch {
	case kind == connectors.KindDate && dateOnly:
		return bx.date(date), true
	case kind != connectors.KindDateTime && kind != connectors.KindTimestamp:
		return nil, false
	}
	dt := connectors.LocalDateTime{Date: date}
	if !dateOnly && len(src) >= 7 {
		dt.Hour, dt.Minute, dt.Second, dt.Nanosecond = int(src[4]), int(src[5]), int(src[6]), ns
		if !dt.Valid() {
			return nil, false
		}
	}
	if kind == connectors.KindTimestamp {
		return dt.Time(), true
	}
	return bx.localDateTime(dt), true
}
