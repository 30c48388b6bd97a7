package mysql

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/regflytt/regflytt/connectors"
)

// temporalSrc is a random binary date/time of one of the lengths the
// server sends, with values in and beyond their ranges (zero and
// impossible dates, a day's last microsecond, a micro past a second).
func temporalSrc(r *rand.Rand, typ byte) []byte {
	pick := func(vs ...int) int { return vs[r.IntN(len(vs))] }
	if typ == typeTime {
		n := pick(0, 8, 12)
		if n == 0 {
			return nil
		}
		b := make([]byte, n)
		b[0] = byte(pick(0, 1, 2))
		binary.LittleEndian.PutUint32(b[1:], uint32(pick(0, 1, 34, 106751, 106752, r.IntN(40))))
		b[5], b[6], b[7] = byte(pick(0, 23, r.IntN(24), 99, 100)), byte(pick(0, 59, 60, r.IntN(60))), byte(pick(0, 59, 60, r.IntN(60)))
		if n == 12 {
			binary.LittleEndian.PutUint32(b[8:], uint32(pick(0, 1, 999999, 1000000, 120000, r.IntN(1000000))))
		}
		return b
	}
	n := pick(0, 4, 7, 11)
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	binary.LittleEndian.PutUint16(b, uint16(pick(0, 1, 1970, 2000, 2024, 1900, 9999, 10000, r.IntN(3000))))
	b[2], b[3] = byte(pick(0, 1, 2, 12, 13, 1+r.IntN(12))), byte(pick(0, 1, 28, 29, 30, 31, 32, 1+r.IntN(31)))
	if n >= 7 {
		b[4], b[5], b[6] = byte(pick(0, 23, 24, r.IntN(24))), byte(pick(0, 59, 60, r.IntN(60))), byte(pick(0, 59, 60, r.IntN(60)))
	}
	if n == 11 {
		binary.LittleEndian.PutUint32(b[7:], uint32(pick(0, 1, 999999, 1000000, 500000, r.IntN(1000000))))
	}
	return b
}

// printed is the value the driver's path gives: the driver's text, read
// by the column's decoder.
func printed(kind connectors.Kind, typ, decimals byte, src []byte) (connectors.Value, error) {
	var b []byte
	var err error
	if typ == typeTime {
		b, err = appendBinaryTime(nil, src, decimals)
	} else {
		b, err = appendBinaryDateTime(nil, src, typ == typeDate || typ == typeNewDate, decimals)
	}
	if err != nil {
		return nil, err
	}
	return decoderFor(&connectors.Column{Type: connectors.Type{Kind: kind}})(b)
}

// directTemporal builds exactly the value the print and parse give, for
// every kind, wire type, precision and shape of value; where it declines,
// the caller prints.
func TestDirectTemporalMatchesPrintAndParse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []connectors.Kind{connectors.KindDate, connectors.KindDateTime, connectors.KindTimestamp, connectors.KindTime}
	types := []byte{typeDate, typeNewDate, typeDateTime, typeTimestamp, typeTime}
	decimals := []byte{0, 1, 2, 3, 4, 5, 6, 0x1f, 7}
	direct := 0
	for range 200000 {
		kind, typ, dec := kinds[r.IntN(len(kinds))], types[r.IntN(len(types))], decimals[r.IntN(len(decimals))]
		src := temporalSrc(r, typ)
		v, ok := directTemporal(kind, typ, dec, src, &boxes{})
		if !ok {
			continue
		}
		direct++
		want, err := printed(kind, typ, dec, src)
		if err != nil {
			t.Fatalf("kind %v type %d decimals %d src %x: built %#v, the print and parse fail: %v", kind, typ, dec, src, v, err)
		}
		if !reflect.DeepEqual(v, want) {
			t.Fatalf("kind %v type %d decimals %d src %x: built %#v, the print and parse give %#v", kind, typ, dec, src, v, want)
		}
	}
	if direct < 10000 {
		t.Fatalf("only %d of 200000 values built directly", direct)
	}
}

// The printing matches the driver's text for the shapes the server sends.
func TestAppendBinaryTemporal(t *testing.T) {
	us := func(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
	date := []byte{0xe8, 0x07, 2, 29}
	for _, tc := range []struct {
		src      []byte
		time     bool
		dateOnly bool
		decimals byte
		want     string
	}{
		{nil, false, true, 0, "0000-00-00"},
		{nil, false, false, 0, "0000-00-00 00:00:00"},
		{nil, false, false, 3, "0000-00-00 00:00:00.000"},
		{date, false, true, 0, "2024-02-29"},
		{date, false, false, 6, "2024-02-29 00:00:00.000000"},
		{append(date, 23, 59, 58), false, false, 2, "2024-02-29 23:59:58.00"},
		{append(append(date, 1, 2, 3), us(123456)...), false, false, 4, "2024-02-29 01:02:03.1234"},
		{append(append(date, 1, 2, 3), us(123456)...), false, false, 0x1f, "2024-02-29 01:02:03"},
		{nil, true, false, 0, "00:00:00"},
		{nil, true, false, 6, "00:00:00.000000"},
		{[]byte{1, 34, 0, 0, 0, 22, 59, 59}, true, false, 0, "-838:59:59"},
		{append([]byte{1, 0, 0, 0, 0, 0, 0, 0}, us(1)...), true, false, 6, "-00:00:00.000001"},
		{[]byte{0, 4, 0, 0, 0, 4, 0, 0}, true, false, 1, "100:00:00.0"},
	} {
		var got []byte
		var err error
		if tc.time {
			got, err = appendBinaryTime(nil, tc.src, tc.decimals)
		} else {
			got, err = appendBinaryDateTime(nil, tc.src, tc.dateOnly, tc.decimals)
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%x (decimals %d): %q, %v; want %q", tc.src, tc.decimals, got, err, tc.want)
		}
	}
}

// A session over TLS or compression, or with a flag binrows.go does not
// know, is read by the driver.
func TestDecideSession(t *testing.T) {
	const driverCaps = capLongPassword | capLongFlag | capProtocol41 | capSecureConn | capTransactions |
		capPluginAuthLenenc | capLocalFiles | capPluginAuth | capMultiResults | capConnectAttrs | capDeprecateEOF | capConnectWithDB
	const server = 0xffffffff
	resp := func(caps, ext uint32) []byte {
		b := make([]byte, 32, 64)
		binary.LittleEndian.PutUint32(b, caps)
		binary.LittleEndian.PutUint32(b[28:], ext)
		return append(b, "root\x00"...)
	}
	for _, tc := range []struct {
		what      string
		caps, ext uint32
		server    uint32
		fast      bool
	}{
		{"MySQL", driverCaps, 0, server, true},
		{"MariaDB with metadata caching", driverCaps &^ capLongPassword, extCacheMetadata, server, true},
		{"MariaDB without DEPRECATE_EOF", driverCaps &^ (capLongPassword | capDeprecateEOF), 0, server, true},
		{"TLS", driverCaps | capSSL, 0, server, false},
		{"compression", driverCaps | capCompress, 0, server, false},
		{"session tracking", driverCaps | 1<<23, 0, server, false},
		{"MariaDB extended metadata", driverCaps &^ capLongPassword, extCacheMetadata | 1<<3, server, false},
		{"old protocol", driverCaps &^ capProtocol41, 0, server, false},
		{"a flag the server did not offer", driverCaps, 0, driverCaps &^ capDeprecateEOF, false},
	} {
		if _, fast := decideSession(tc.server, resp(tc.caps, tc.ext)); fast != tc.fast {
			t.Errorf("%s: fast %v, want %v", tc.what, fast, tc.fast)
		}
	}
	if _, fast := decideSession(server, []byte{1, 2, 3}); fast {
		t.Error("a short handshake response is read by binrows.go")
	}
}

// The wire sniffs the handshake as the driver sends it, an SSL request
// before TLS included.
func TestWireSniffsHandshake(t *testing.T) {
	t.Setenv(readerEnv, "")
	greeting := func(caps uint32) []byte {
		g := []byte{10}
		g = append(g, "11.4.2-MariaDB\x00"...)
		g = append(g, 1, 0, 0, 0)
		g = append(g, "12345678"...)
		g = append(g, 0)
		g = binary.LittleEndian.AppendUint16(g, uint16(caps))
		g = append(g, 45, 2, 0)
		g = binary.LittleEndian.AppendUint16(g, uint16(caps>>16))
		g = append(g, 21, 0, 0, 0, 0, 0, 0, 0x1c, 0, 0, 0)
		g = append(g, "123456789012\x00mysql_native_password\x00"...)
		return append([]byte{byte(len(g)), 0, 0, 0}, g...)
	}
	client := func(caps uint32) []byte {
		b := make([]byte, 32)
		binary.LittleEndian.PutUint32(b, caps)
		binary.LittleEndian.PutUint32(b[28:], extCacheMetadata)
		return append([]byte{32, 0, 0, 1}, b...)
	}
	const caps = capProtocol41 | capSecureConn | capPluginAuth | capDeprecateEOF | capTransactions
	for _, tc := range []struct {
		what string
		sent uint32
		fast bool
	}{
		{"plain", caps, true},
		{"SSL request", caps | capSSL, false},
	} {
		w := newWire(&scriptConn{in: bytes.NewReader(greeting(0xffffffff &^ capLongPassword))}, 0, 0)
		buf := make([]byte, 7) // read in small pieces, as the driver may
		for {
			n, err := w.Read(buf)
			if n == 0 || err != nil {
				break
			}
		}
		pkt := client(caps | tc.sent)
		w.Write(pkt[:5])
		w.Write(pkt[5:])
		if w.fast != tc.fast || w.sniffing {
			t.Errorf("%s: fast %v sniffing %v, want fast %v", tc.what, w.fast, w.sniffing, tc.fast)
		}
	}
}

// scriptConn is a connection whose server says what in holds.
type scriptConn struct {
	in  io.Reader
	out bytes.Buffer
}

func (c *scriptConn) Read(p []byte) (int, error)       { return c.in.Read(p) }
func (c *scriptConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return nil }
func (c *scriptConn) RemoteAddr() net.Addr             { return nil }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

// fuzzTable has a column of each kind the decoders tell apart.
func fuzzQuerier(t testing.TB) *querier {
	typ := func(s string) connectors.Type {
		ty, err := connectors.ParseType(s)
		if err != nil {
			t.Fatal(err)
		}
		return ty
	}
	tbl := &connectors.Table{Name: "f", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: typ("bigint")},
		{Name: "name", Type: typ("text")},
		{Name: "amount", Type: typ("decimal(12,2)")},
		{Name: "score", Type: typ("double")},
		{Name: "born", Type: typ("date")},
		{Name: "visit", Type: typ("datetime(6)")},
		{Name: "at", Type: typ("timestamptz(6)")},
		{Name: "took", Type: typ("time")},
		{Name: "ok", Type: typ("boolean")},
		{Name: "raw", Type: typ("bytes")},
	}}
	q, err := newQuerier(nil, new(readerCounts), tbl, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// The scripted response reads as its one row in every session shape
// (MariaDB's metadata caching with and without the execute's metadata,
// MySQL's, with and without DEPRECATE_EOF), and the commands sent are a
// prepare, an execute and a close, each with sequence number 0.
func TestWireReadsScriptedResponse(t *testing.T) {
	for _, tc := range []struct {
		sess    session
		follows bool
	}{
		{session{caps: capProtocol41 | capDeprecateEOF, extCaps: extCacheMetadata}, false},
		{session{caps: capProtocol41 | capDeprecateEOF, extCaps: extCacheMetadata}, true},
		{session{caps: capProtocol41, extCaps: extCacheMetadata}, false},
		{session{caps: capProtocol41, extCaps: extCacheMetadata}, true},
		{session{caps: capProtocol41 | capDeprecateEOF}, true},
		{session{caps: capProtocol41}, true},
	} {
		what := fmt.Sprintf("session %+v, metadata follows %v", tc.sess, tc.follows)
		q := fuzzQuerier(t)
		conn := &scriptConn{in: bytes.NewReader(scriptedResponse(tc.sess, tc.follows))}
		w := newWire(conn, 0, 0)
		w.sess = tc.sess
		var rows [][]connectors.Value
		err := q.queryWire(context.Background(), w, "SELECT 1", q.columns(), func(r []connectors.Value) { rows = append(rows, r) })
		if err != nil || len(rows) != 1 {
			t.Fatalf("%s: %d rows, %v", what, len(rows), err)
		}
		want := []connectors.Value{int64(42), "abc", connectors.Decimal("1.50"), 1.0, connectors.Date{Year: 2024, Month: 2, Day: 29},
			connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 2, Day: 29}, Hour: 1, Minute: 2, Second: 3, Nanosecond: 1000},
			time.Date(2024, 2, 29, 1, 2, 3, 0, time.UTC), connectors.Duration(-(26*time.Hour + 3*time.Minute + 4*time.Second)), true, []byte{0xff, 0xfe}}
		if !reflect.DeepEqual(rows[0], want) {
			t.Errorf("%s: read %#v\nwant %#v", what, rows[0], want)
		}
		sent := conn.out.Bytes()
		for _, cmd := range []byte{comStmtPrepare, comStmtExecute, comStmtClose} {
			if len(sent) < 5 || sent[3] != 0 || sent[4] != cmd {
				t.Fatalf("%s: sent %x, want command 0x%02x with sequence 0", what, sent, cmd)
			}
			n := int(sent[0]) | int(sent[1])<<8 | int(sent[2])<<16
			sent = sent[4+n:]
		}
		if len(sent) != 0 {
			t.Errorf("%s: %d bytes more sent", what, len(sent))
		}
	}
}

func pkt(seq byte, p []byte) []byte {
	return append([]byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}, p...)
}

// scriptedResponse is a server's answer to a prepare and an execute of a
// query of fuzzQuerier's ten columns, returning one row, in a session
// sess; follows says whether a session with metadata caching gets the
// column definitions again with the execute.
func scriptedResponse(sess session, follows bool) []byte {
	col := func(typ byte, flags uint16, decimals byte) []byte {
		p := []byte{3, 'd', 'e', 'f', 0, 0, 0, 1, 'c', 0, 0x0c, 45, 0, 0, 0, 0, 0, typ}
		p = binary.LittleEndian.AppendUint16(p, flags)
		return append(p, decimals, 0, 0)
	}
	types := []byte{typeLongLong, typeBlob, typeNewDecimal, typeDouble, typeDate, typeDateTime, typeTimestamp, typeTime, typeTiny, typeBlob}
	var s []byte
	var seq byte
	add := func(p []byte) {
		seq++
		s = append(s, pkt(seq, p)...)
	}
	defs := func(prepare bool) {
		for i, ty := range types {
			if prepare && follows && i == 0 {
				// The execute's definitions are the ones that count: the
				// prepare's are not the result's here.
				ty = typeLong
			}
			add(col(ty, 0, 6))
		}
		if !sess.deprecateEOF() {
			add([]byte{0xfe, 0, 0, 2, 0})
		}
	}
	add([]byte{0, 1, 0, 0, 0, byte(len(types)), 0, 0, 0, 0, 0, 0})
	defs(true)
	seq = 0 // the execute
	count := []byte{byte(len(types))}
	if sess.cacheMetadata() {
		f := byte(0)
		if follows {
			f = 1
		}
		count = append(count, f)
	}
	add(count)
	if !sess.cacheMetadata() || follows {
		defs(false)
	} else if !sess.deprecateEOF() {
		add([]byte{0xfe, 0, 0, 2, 0})
	}
	row := []byte{0, 0, 0}
	row = binary.LittleEndian.AppendUint64(row, 42)
	row = append(row, 3, 'a', 'b', 'c', 4, '1', '.', '5', '0')
	row = binary.LittleEndian.AppendUint64(row, 0x3ff0000000000000)
	row = append(row, 4, 0xe8, 7, 2, 29, 11, 0xe8, 7, 2, 29, 1, 2, 3, 1, 0, 0, 0, 7, 0xe8, 7, 2, 29, 1, 2, 3, 8, 1, 1, 0, 0, 0, 2, 3, 4, 1, 2, 0xff, 0xfe)
	add(row)
	if sess.deprecateEOF() {
		add([]byte{0xfe, 0, 0, 2, 0, 0, 0})
	} else {
		add([]byte{0xfe, 0, 0, 2, 0})
	}
	return s
}

// The reader of a batch's response takes any bytes from the server
// without panicking: what it does not understand is an error.
func FuzzBinaryRow(f *testing.F) {
	// The first byte chooses the session: DEPRECATE_EOF (bit 0), metadata
	// caching (bit 1).
	f.Add(append([]byte{3}, scriptedResponse(session{caps: capProtocol41 | capDeprecateEOF, extCaps: extCacheMetadata}, false)...))
	f.Add(append([]byte{0}, scriptedResponse(session{caps: capProtocol41}, true)...))
	f.Add(append([]byte{1}, pkt(1, []byte{0xff, 0x15, 0x04, '#', '2', '8', '0', '0', '0', 'n', 'o'})...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		sess := session{caps: capProtocol41}
		if data[0]&1 != 0 {
			sess.caps |= capDeprecateEOF
		}
		if data[0]&2 != 0 {
			sess.extCaps = extCacheMetadata
		}
		q := fuzzQuerier(t)
		w := newWire(&scriptConn{in: bytes.NewReader(data[1:])}, 0, 0)
		w.sess = sess
		err := q.queryWire(context.Background(), w, "SELECT 1", q.columns(), func(r []connectors.Value) {
			if len(r) != len(q.decoders) {
				t.Fatalf("a row of %d values", len(r))
			}
		})
		_ = fmt.Sprint(err)
	})
}

func (q *querier) columns() []connectors.Column {
	cols := make([]connectors.Column, len(q.decoders))
	kinds := []connectors.Kind{connectors.KindInt, connectors.KindText, connectors.KindDecimal, connectors.KindFloat, connectors.KindDate,
		connectors.KindDateTime, connectors.KindTimestamp, connectors.KindTime, connectors.KindBool, connectors.KindBytes}
	for i := range cols {
		cols[i] = connectors.Column{Name: fmt.Sprint("c", i), Type: connectors.Type{Kind: kinds[i]}}
	}
	return cols
}

// A batch whose context ends while the server stalls mid-result returns
// at once with the context's error, and reports its connection bad (its
// stream is mid-result), so database/sql closes it.
func TestWireReaderCancelledMidResult(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	script := scriptedResponse(session{caps: capProtocol41 | capDeprecateEOF, extCaps: extCacheMetadata}, false)
	go io.Copy(io.Discard, server) // the commands
	go func() {
		// Everything up to the middle of the row, then nothing more.
		server.Write(script[:len(script)-30])
	}()
	q := fuzzQuerier(t)
	w := newWire(client, 0, 0)
	w.sess = session{caps: capProtocol41 | capDeprecateEOF, extCaps: extCacheMetadata}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		done <- q.queryWire(ctx, w, "SELECT 1", q.columns(), func([]connectors.Value) {})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !errors.Is(err, driver.ErrBadConn) {
			t.Fatalf("cancelled batch: %v; want the context's error on a bad connection", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the batch still waits 10 s after its context ended")
	}
}

// A text equal to its column's previous one is given as the value decoded
// before, not boxed anew: a run of equal texts (a code column's) costs no
// allocation a row, and each read is still that text.
func TestRepeatedWireTextAllocatesNothing(t *testing.T) {
	q := &querier{decoders: []decoder{decodeText}, text: []bool{true}, bytes: []bool{false}, decimal: []bool{false}, prev: make([]connectors.Value, 1)}
	c := &wireColumn{typ: typeVarString}
	b := []byte{3, 'K', '0', '1'}
	first, n, err := q.decodeWireValue(0, c, connectors.KindText, b)
	if err != nil || n != 4 || first != "K01" {
		t.Fatalf("first read %#v, %d bytes, %v", first, n, err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		v, _, err := q.decodeWireValue(0, c, connectors.KindText, b)
		if err != nil || v != "K01" {
			t.Fatalf("read %#v, %v", v, err)
		}
	})
	if allocs != 0 {
		t.Errorf("a repeated text allocates %v times a read", allocs)
	}
}

// A binary row's texts and byte strings share one array of the row's
// own: each value reads as its bytes, a byte string's capacity ends with
// it (an append copies, never writing into the next value), an empty
// BLOB is not NULL, and the next row's values are in another array.
func TestWireRowTextsShareTheRowsArray(t *testing.T) {
	wc := []wireColumn{{typ: typeVarString}, {typ: typeBlob}, {typ: typeVarString}, {typ: typeBlob}}
	cols := []connectors.Column{{Name: "a", Type: connectors.Type{Kind: connectors.KindText}}, {Name: "b", Type: connectors.Type{Kind: connectors.KindBytes}},
		{Name: "c", Type: connectors.Type{Kind: connectors.KindText}}, {Name: "d", Type: connectors.Type{Kind: connectors.KindBytes}}}
	q := &querier{decoders: []decoder{decodeText, decodeBytes, decodeText, decodeBytes}, text: []bool{true, false, true, false},
		bytes: []bool{false, true, false, true}, decimal: make([]bool, 4), prev: make([]connectors.Value, 4), table: "t"}
	packet := func(vals ...string) []byte {
		p := []byte{pktOK, 0} // no NULLs among four columns
		for _, v := range vals {
			p = append(p, byte(len(v)))
			p = append(p, v...)
		}
		return p
	}
	row := make([]connectors.Value, 4)
	if err := q.decodeWireRow(packet("åsa", "\x00\x01", "", ""), wc, cols, row); err != nil {
		t.Fatal(err)
	}
	if row[0] != "åsa" || !bytes.Equal(row[1].([]byte), []byte{0, 1}) || row[2] != "" || row[3] == nil || row[3].([]byte) == nil || len(row[3].([]byte)) != 0 {
		t.Fatalf("row read %#v", row)
	}
	b := row[1].([]byte)
	if cap(b) != len(b) {
		t.Errorf("a byte string's capacity %d outruns its length %d", cap(b), len(b))
	}
	_ = append(b, 'x')
	if row[0] != "åsa" || row[2] != "" {
		t.Errorf("an append to a byte string changed the row: %#v", row)
	}
	next := make([]connectors.Value, 4)
	if err := q.decodeWireRow(packet("bo", "\x02", "åsa", "z"), wc, cols, next); err != nil {
		t.Fatal(err)
	}
	if next[0] != "bo" || !bytes.Equal(next[1].([]byte), []byte{2}) || next[2] != "åsa" || !bytes.Equal(next[3].([]byte), []byte("z")) {
		t.Fatalf("next row read %#v", next)
	}
	if row[0] != "åsa" || !bytes.Equal(row[1].([]byte), []byte{0, 1}) {
		t.Errorf("the next row changed the first: %#v", row)
	}
	if &next[1].([]byte)[0] == &b[0] {
		t.Error("two rows share an array")
	}
}

// A binary row's decimals are cut from the row's array too, read as
// decodeDecimal reads them: leading zeros dropped, a malformed one
// refused, and a text after it unchanged.
func TestWireRowDecimalsFromTheRowsArray(t *testing.T) {
	wc := []wireColumn{{typ: typeNewDecimal}, {typ: typeVarString}}
	cols := []connectors.Column{{Name: "d", Type: connectors.Type{Kind: connectors.KindDecimal}}, {Name: "s", Type: connectors.Type{Kind: connectors.KindText}}}
	q := &querier{decoders: []decoder{decodeDecimal, decodeText}, text: []bool{false, true}, bytes: make([]bool, 2), decimal: []bool{true, false},
		prev: make([]connectors.Value, 2), table: "t"}
	for in, want := range map[string]connectors.Value{"007.50": connectors.Decimal("7.50"), "-12.5": connectors.Decimal("-12.5"), "000": connectors.Decimal("0"), "1e5": nil} {
		p := append([]byte{pktOK, 0, byte(len(in))}, in...)
		p = append(p, 2, 'o', 'k')
		row := make([]connectors.Value, 2)
		err := q.decodeWireRow(p, wc, cols, row)
		if want == nil {
			if err == nil {
				t.Errorf("%q read %#v, want an error", in, row[0])
			}
			continue
		}
		if err != nil || row[0] != want || row[1] != "ok" {
			t.Errorf("%q read %#v, %v; want %#v and ok", in, row, err, want)
		}
	}
}

// A text a binary row repeats from the row before is given as a value
// of its own, not the previous row's, which is cut from that row's
// array: kept, it would pin the whole earlier row (its BLOB too), where
// a value kept pins its own row's bytes at most. Further repeats give
// that value again, allocating nothing.
func TestRepeatedWireTextPinsNoEarlierRow(t *testing.T) {
	wc := []wireColumn{{typ: typeVarString}, {typ: typeBlob}}
	cols := []connectors.Column{{Name: "a", Type: connectors.Type{Kind: connectors.KindText}}, {Name: "b", Type: connectors.Type{Kind: connectors.KindBytes}}}
	q := &querier{decoders: []decoder{decodeText, decodeBytes}, text: []bool{true, false}, bytes: []bool{false, true},
		decimal: make([]bool, 2), prev: make([]connectors.Value, 2), prevCut: make([]bool, 2), table: "t"}
	packet := func(a, b string) []byte {
		p := []byte{pktOK, 0, byte(len(a))}
		p = append(p, a...)
		p = append(p, byte(len(b)))
		return append(p, b...)
	}
	first := make([]connectors.Value, 2)
	if err := q.decodeWireRow(packet("K01", strings.Repeat("x", 200)), wc, cols, first); err != nil {
		t.Fatal(err)
	}
	lo := uintptr(unsafe.Pointer(unsafe.StringData(first[0].(string))))
	blob := first[1].([]byte)
	hi := uintptr(unsafe.Pointer(&blob[len(blob)-1]))
	for n := range 3 {
		row := make([]connectors.Value, 2)
		if err := q.decodeWireRow(packet("K01", "y"), wc, cols, row); err != nil {
			t.Fatal(err)
		}
		if row[0] != "K01" {
			t.Fatalf("repeat %d read %#v", n, row[0])
		}
		if at := uintptr(unsafe.Pointer(unsafe.StringData(row[0].(string)))); at >= lo && at <= hi {
			t.Fatalf("repeat %d of the text is cut from the first row's array: kept, it pins that row and its BLOB", n)
		}
	}
}
