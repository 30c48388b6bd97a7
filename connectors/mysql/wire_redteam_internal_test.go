package mysql

import (
	"bytes"
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// splitPackets cuts a stream of packets (none split) into its packets,
// headers included.
func splitPackets(s []byte) [][]byte {
	var out [][]byte
	for len(s) >= 4 {
		n := 4 + (int(s[0]) | int(s[1])<<8 | int(s[2])<<16)
		out = append(out, s[:n])
		s = s[n:]
	}
	return out
}

// A batch whose context ends while rows keep arriving, on a connection
// with a readTimeout, stops: the reader's next read does not set a fresh
// deadline over the one that interrupted it. Before, the interrupt was
// lost whenever it came between two reads (while a row was decoded or
// emitted), and the batch read on to the end of its result: a whole
// table, for a streamed read.
func TestRedWireInterruptSurvivesReadTimeout(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	sess := session{caps: capProtocol41 | capDeprecateEOF, extCaps: extCacheMetadata}
	pkts := splitPackets(scriptedResponse(sess, false))
	head, row := pkts[:len(pkts)-2], pkts[len(pkts)-2]
	go io.Copy(io.Discard, server) // the commands
	go func() {
		for _, p := range head {
			if _, err := server.Write(p); err != nil {
				return
			}
		}
		// Rows without end, each in its place in the sequence.
		seq := row[3]
		for {
			p := append([]byte(nil), row...)
			p[3] = seq
			seq++
			if _, err := server.Write(p); err != nil {
				return
			}
		}
	}()
	q := fuzzQuerier(t)
	w := newWire(client, time.Hour, time.Hour)
	w.sess = sess
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var rows atomic.Int64
	done := make(chan error, 1)
	go func() {
		done <- q.queryWire(ctx, w, "SELECT 1", q.columns(), func([]connectors.Value) {
			if rows.Add(1) == 100 {
				cancel()
				// The interrupt lands while this row is handled, between
				// two reads of the socket.
				time.Sleep(100 * time.Millisecond)
			}
		})
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !errors.Is(err, driver.ErrBadConn) {
			t.Fatalf("cancelled batch: %v; want the context's error on a bad connection", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("the batch still reads 10 s after its context ended (%d rows)", rows.Load())
	}
}

// The sniffer reads the greetings servers send as they are, read in any
// pieces: MySQL's (CLIENT_MYSQL set, no MariaDB flags after it), a long
// version string, and decides for the driver's reader on what it cannot
// read (an error instead of a greeting, a greeting cut short, an SSL
// request).
func TestRedWireSnifferGreetings(t *testing.T) {
	t.Setenv(readerEnv, "")
	greeting := func(version string, caps uint32, full bool) []byte {
		g := []byte{10}
		g = append(g, version...)
		g = append(g, 0, 7, 0, 0, 0)
		g = append(g, "abcdefgh"...)
		g = append(g, 0)
		g = append(g, byte(caps), byte(caps>>8))
		if full {
			g = append(g, 45, 2, 0, byte(caps>>16), byte(caps>>24), 21, 0, 0, 0, 0, 0, 0)
			g = append(g, 0x1c, 0, 0, 0) // MariaDB's flags, or MySQL's filler
			g = append(g, "ijklmnopqrst\x00caching_sha2_password\x00"...)
		}
		return pkt(0, g)
	}
	response := func(caps, ext uint32) []byte {
		b := make([]byte, 32)
		binary.LittleEndian.PutUint32(b, caps)
		binary.LittleEndian.PutUint32(b[28:], ext)
		return pkt(1, append(b, "root\x00"...))
	}
	// The SSL request is the response's first 32 bytes alone, TLS's
	// handshake following it.
	sslRequest := func(caps uint32) []byte {
		b := make([]byte, 32)
		binary.LittleEndian.PutUint32(b, caps)
		return append(pkt(1, b), 0x16, 3, 1, 0, 0xff)
	}
	const driverCaps = capLongFlag | capProtocol41 | capSecureConn | capTransactions |
		capPluginAuthLenenc | capLocalFiles | capPluginAuth | capMultiResults | capConnectAttrs | capDeprecateEOF | capConnectWithDB
	const mysql8 = 0xdfffffff // MySQL 8.4 offers nearly every flag, CLIENT_MYSQL included
	for _, tc := range []struct {
		what     string
		greeting []byte
		resp     []byte
		fast     bool
		ext      uint32
	}{
		{"MySQL 8", greeting("8.4.3", mysql8, true), response(driverCaps|capLongPassword, 0), true, 0},
		{"MariaDB, long version", greeting("5.5.5-10.11.19-MariaDB-0+deb12u1-log"+strings.Repeat("x", 200), mysql8&^capLongPassword, true),
			response(driverCaps, extCacheMetadata), true, extCacheMetadata},
		{"MySQL 8 over TLS", greeting("8.4.3", mysql8, true), sslRequest(driverCaps | capLongPassword | capSSL), false, 0},
		{"an error instead of a greeting", pkt(0, []byte{0xff, 0x10, 0x04, 'T', 'o', 'o', ' ', 'm', 'a', 'n', 'y'}), response(driverCaps, 0), false, 0},
		{"a greeting of the old, short form", greeting("5.0.1", mysql8, false), response(driverCaps, 0), false, 0},
	} {
		for _, piece := range []int{1, 3, 4096} {
			w := newWire(&scriptConn{in: bytes.NewReader(tc.greeting)}, 0, 0)
			buf := make([]byte, piece)
			for {
				if n, err := w.Read(buf); n == 0 || err != nil {
					break
				}
			}
			for p := tc.resp; len(p) > 0; {
				n := min(piece, len(p))
				w.Write(p[:n])
				p = p[n:]
			}
			if w.fast != tc.fast || w.sniffing || (tc.fast && w.sess.extCaps != tc.ext) {
				t.Errorf("%s, read %d bytes at a time: fast %v, sniffing %v, MariaDB flags %#x; want fast %v, flags %#x",
					tc.what, piece, w.fast, w.sniffing, w.sess.extCaps, tc.fast, tc.ext)
			}
		}
	}
}
