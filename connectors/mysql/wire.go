package mysql

import (
	"context"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The connections of this package are dialled by dial (the driver's
// DialFunc hook), which wraps the socket in a wire: reads go through a
// large buffer (the driver reads 4 KB at a time, a system call each), and
// the wire notes from the first two packets (the server's greeting and
// the client's handshake response) what the session negotiated. Keyset
// batches are then read by this package itself on the wire (binrows.go),
// when the session is one whose packets it understands; every other
// statement, and every batch of another session, goes through the driver.

// wireBufSize is the read buffer of a connection: one system call reads
// about fifty rows of a 12-column table instead of four.
const wireBufSize = 128 << 10

// readerEnv forces the driver's reader for batches when set to "driver"
// (see the package doc).
const readerEnv = "REGFLYTT_MYSQL_READER"

// Capability flags of the client/server protocol, as the handshake
// carries them.
const (
	capLongPassword     = 1 << 0 // cleared by MariaDB servers, whose extended flags then follow
	capFoundRows        = 1 << 1
	capLongFlag         = 1 << 2
	capConnectWithDB    = 1 << 3
	capCompress         = 1 << 5
	capLocalFiles       = 1 << 7
	capProtocol41       = 1 << 9
	capSSL              = 1 << 11
	capTransactions     = 1 << 13
	capSecureConn       = 1 << 15
	capMultiStatements  = 1 << 16
	capMultiResults     = 1 << 17
	capPluginAuth       = 1 << 19
	capConnectAttrs     = 1 << 20
	capPluginAuthLenenc = 1 << 21
	capDeprecateEOF     = 1 << 24

	// capUnderstood is every flag whose effect on the packets binrows.go
	// reads is known (none, or DEPRECATE_EOF's, which it handles).
	capUnderstood = capLongPassword | capFoundRows | capLongFlag | capConnectWithDB | capLocalFiles |
		capProtocol41 | capTransactions | capSecureConn | capMultiStatements | capMultiResults |
		capPluginAuth | capConnectAttrs | capPluginAuthLenenc | capDeprecateEOF

	// extCacheMetadata is MariaDB's MARIADB_CLIENT_CACHE_METADATA: an
	// execute's result may leave out the column definitions that the
	// prepare already gave. The driver asks for it on every MariaDB.
	extCacheMetadata = 1 << 4
	extUnderstood    = extCacheMetadata
)

// session is what a connection's handshake negotiated, as far as reading
// results goes.
type session struct {
	caps, extCaps uint32
}

func (s session) deprecateEOF() bool  { return s.caps&capDeprecateEOF != 0 }
func (s session) cacheMetadata() bool { return s.extCaps&extCacheMetadata != 0 }

// understood says whether binrows.go can read this session's results:
// not encrypted (the bytes on the wire would be TLS records), not
// compressed, the 4.1 protocol, and no flag that changes a packet in a
// way it does not know.
func (s session) understood() bool {
	return s.caps&capProtocol41 != 0 && s.caps&(capSSL|capCompress) == 0 &&
		s.caps&^capUnderstood == 0 && s.extCaps&^extUnderstood == 0
}

// wire is a connection's socket as the driver sees it.
type wire struct {
	net.Conn
	readTimeout, writeTimeout time.Duration

	// buf[r:w] is read from the socket and not yet consumed.
	buf  []byte
	r, w int

	// The handshake, as it passes: the greeting's bytes until complete,
	// then the client's first packet. sniffing ends with the client's
	// packet; sess is then what was negotiated and fast whether
	// binrows.go may read this connection.
	sniffing   bool
	greeting   []byte
	clientPkt  []byte
	serverCaps uint32
	sess       session
	fast       bool
	noFast     bool // the reader was forced to the driver's (readerEnv)

	owner  atomic.Value // the driver.Conn it belongs to, once connected
	closed atomic.Bool
	// interrupted is set by interrupt: no deadline set after it may
	// replace the past one it set.
	interrupted atomic.Bool

	// big holds a packet larger than buf, or split across packets.
	big []byte
	seq byte
}

// syscallWire is a wire over a socket that exposes its descriptor: the
// driver's liveness check of a pooled connection reads it directly (a
// byte waiting there means the server closed or killed the session).
type syscallWire struct{ *wire }

func (s syscallWire) SyscallConn() (syscall.RawConn, error) {
	return s.wire.Conn.(syscall.Conn).SyscallConn()
}

func newWire(c net.Conn, readTimeout, writeTimeout time.Duration) *wire {
	return &wire{
		Conn: c, readTimeout: readTimeout, writeTimeout: writeTimeout,
		buf: make([]byte, wireBufSize), sniffing: true,
		noFast: os.Getenv(readerEnv) == "driver",
	}
}

// asNetConn is w as the driver is given it.
func (w *wire) asNetConn() net.Conn {
	if _, ok := w.Conn.(syscall.Conn); ok {
		return syscallWire{w}
	}
	return w
}

// Read serves the driver from the buffer.
func (w *wire) Read(p []byte) (int, error) {
	if w.r == w.w {
		if len(p) >= len(w.buf) {
			n, err := w.Conn.Read(p)
			w.sniffServer(p[:n])
			return n, err
		}
		w.r, w.w = 0, 0
		n, err := w.Conn.Read(w.buf)
		w.w = n
		if n == 0 {
			return 0, err
		}
	}
	n := copy(p, w.buf[w.r:w.w])
	w.sniffServer(p[:n])
	w.r += n
	return n, nil
}

func (w *wire) Write(p []byte) (int, error) {
	if w.sniffing {
		w.sniffClient(p)
	}
	return w.Conn.Write(p)
}

// Close forgets the wire's connection; it is idempotent, as both the
// driver and a failed batch may close it.
func (w *wire) Close() error {
	if !w.closed.CompareAndSwap(false, true) {
		return nil
	}
	if o := w.owner.Load(); o != nil {
		wires.CompareAndDelete(o, w)
	}
	return w.Conn.Close()
}

// sniffServer collects the greeting, the first packet the server sends.
func (w *wire) sniffServer(p []byte) {
	if !w.sniffing || w.serverCaps != 0 || len(p) == 0 {
		return
	}
	w.greeting = append(w.greeting, p...)
	if len(w.greeting) < 4 {
		return
	}
	n := payloadLen(w.greeting)
	if len(w.greeting) < 4+n {
		return
	}
	caps, ok := greetingCaps(w.greeting[4 : 4+n])
	w.greeting = nil
	if !ok {
		w.sniffing = false // not understood: the driver alone reads this connection
		return
	}
	w.serverCaps = caps
}

// sniffClient collects the client's first packet: the handshake response,
// or the short SSL request that precedes TLS.
func (w *wire) sniffClient(p []byte) {
	if w.serverCaps == 0 {
		w.sniffing = false // a client speaking first is not the protocol known here
		return
	}
	w.clientPkt = append(w.clientPkt, p...)
	if len(w.clientPkt) < 4 {
		return
	}
	n := payloadLen(w.clientPkt)
	if len(w.clientPkt) < 4+n {
		return
	}
	w.sess, w.fast = decideSession(w.serverCaps, w.clientPkt[4:4+n])
	if !w.fast && !w.noFast {
		slog.Debug("mysql: this connection's batches are read by the driver: its session is one the package's reader does not know (TLS, compression or another flag)",
			"capabilities", fmt.Sprintf("%#x", w.sess.caps), "mariadb_capabilities", fmt.Sprintf("%#x", w.sess.extCaps))
	}
	w.fast = w.fast && !w.noFast
	w.sniffing = false
	w.clientPkt = nil
}

// greetingCaps reads the capability flags of a server greeting (protocol
// 10), the upper half included; ok is false for anything else.
func greetingCaps(g []byte) (caps uint32, ok bool) {
	if len(g) < 1 || g[0] != 10 {
		return 0, false
	}
	pos := 1
	for pos < len(g) && g[pos] != 0 { // server version
		pos++
	}
	pos += 1 + 4 + 8 + 1 // NUL, connection id, scramble, filler
	if pos+2 > len(g) {
		return 0, false
	}
	caps = uint32(binary.LittleEndian.Uint16(g[pos:]))
	pos += 2 + 1 + 2 // charset, status
	if pos+2 > len(g) {
		return 0, false
	}
	caps |= uint32(binary.LittleEndian.Uint16(g[pos:])) << 16
	return caps, caps != 0
}

// decideSession reads the client's handshake response (or SSL request):
// its flags are what the session uses, the driver having kept only those
// the server offered. ok says whether binrows.go understands them.
func decideSession(serverCaps uint32, resp []byte) (s session, ok bool) {
	if len(resp) < 32 {
		return s, false
	}
	s.caps = binary.LittleEndian.Uint32(resp)
	if s.caps&^serverCaps != 0 {
		return s, false // a flag the server did not offer: not what the driver does
	}
	if s.caps&capLongPassword == 0 {
		// MariaDB: the extended flags take the filler's last four bytes.
		s.extCaps = binary.LittleEndian.Uint32(resp[28:32])
	}
	return s, s.understood()
}

// wires maps each open driver.Conn of this package to its wire.
var wires sync.Map

// wireSlotKey marks the context of a Connect, whose dial fills the slot.
type wireSlotKey struct{}

type wireSlot struct{ w *wire }

// dialer is the driver's DialFunc: a plain dial, wrapped. The driver sets
// TCP keepalive only on a *net.TCPConn, which a wire is not; net.Dialer
// already turns it on for every TCP connection it dials.
func dialer(readTimeout, writeTimeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		w := newWire(c, readTimeout, writeTimeout)
		if slot, ok := ctx.Value(wireSlotKey{}).(*wireSlot); ok {
			slot.w = w
		}
		return w.asNetConn(), nil
	}
}

// registerWire records the wire a Connect dialled for its connection.
func registerWire(ctx context.Context, dc driver.Conn) {
	slot, ok := ctx.Value(wireSlotKey{}).(*wireSlot)
	if !ok || slot.w == nil {
		return
	}
	slot.w.owner.Store(dc)
	wires.Store(dc, slot.w)
	if slot.w.closed.Load() {
		wires.CompareAndDelete(dc, slot.w)
	}
}

// wireOf is the wire of a driver connection, or nil.
func wireOf(dc any) *wire {
	if w, ok := wires.Load(dc); ok {
		return w.(*wire)
	}
	return nil
}

// fill reads from the socket until buf[r:w] holds at least n bytes
// (n <= len(buf)).
func (w *wire) fill(n int) error {
	if w.w-w.r >= n {
		return nil
	}
	if w.r > 0 {
		copy(w.buf, w.buf[w.r:w.w])
		w.w -= w.r
		w.r = 0
	}
	for w.w < n {
		if err := w.readDeadline(); err != nil {
			return err
		}
		m, err := w.Conn.Read(w.buf[w.w:])
		w.w += m
		if err != nil {
			if w.w >= n {
				return nil
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// readFull reads len(p) bytes, from the buffer first.
func (w *wire) readFull(p []byte) error {
	n := copy(p, w.buf[w.r:w.w])
	w.r += n
	p = p[n:]
	for len(p) > 0 {
		if err := w.readDeadline(); err != nil {
			return err
		}
		m, err := w.Conn.Read(p)
		p = p[m:]
		if err != nil && len(p) > 0 {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// payloadLen is the payload length a packet header h (at least its
// first three bytes) announces.
func payloadLen(h []byte) int { return int(h[0]) | int(h[1])<<8 | int(h[2])<<16 }

// maxPayload is the largest payload of one packet; a payload of exactly
// this length continues in the next.
const maxPayload = 1<<24 - 1

// errSequence is a packet out of order: the stream is not where this
// reader thinks it is.
var errSequence = errors.New("packet out of sequence")

// readPacket returns the next packet's payload, valid until the next
// call. seqOK is false when the packet's sequence number was not the one
// expected (the server sends an ERR of a killed session so).
func (w *wire) readPacket() (payload []byte, seqOK bool, err error) {
	seqOK = true
	var joined bool
	for {
		if err := w.fill(4); err != nil {
			return nil, false, err
		}
		h := w.buf[w.r : w.r+4]
		n := payloadLen(h)
		if h[3] != w.seq {
			if joined {
				return nil, false, errSequence
			}
			seqOK = false
		}
		w.seq = h[3] + 1
		if n < maxPayload && !joined && 4+n <= len(w.buf) {
			// The common case: the packet fits the buffer, read in place.
			if err := w.fill(4 + n); err != nil {
				return nil, false, err
			}
			p := w.buf[w.r+4 : w.r+4+n : w.r+4+n]
			w.r += 4 + n
			return p, seqOK, nil
		}
		w.r += 4
		if !joined {
			w.big = w.big[:0]
			joined = true
		}
		start := len(w.big)
		if cap(w.big)-start < n {
			grown := make([]byte, start, start+n)
			copy(grown, w.big)
			w.big = grown
		}
		w.big = w.big[:start+n]
		if err := w.readFull(w.big[start:]); err != nil {
			return nil, false, err
		}
		if n < maxPayload {
			p := w.big
			if cap(w.big) > 4*wireBufSize {
				w.big = nil // do not keep a 16 MB buffer for the next row
			}
			return p, seqOK, nil
		}
	}
}

// writeCommand sends a command packet (sequence 0; split when its
// payload reaches the packet maximum) and readies the reader for the
// response.
func (w *wire) writeCommand(payload []byte) error {
	if w.writeTimeout > 0 {
		if err := w.Conn.SetWriteDeadline(time.Now().Add(w.writeTimeout)); err != nil {
			return err
		}
	}
	if w.interrupted.Load() {
		return errInterrupted
	}
	var seq byte
	for {
		n := min(len(payload), maxPayload)
		var h [4]byte
		h[0], h[1], h[2], h[3] = byte(n), byte(n>>8), byte(n>>16), seq
		seq++
		if _, err := w.Conn.Write(append(h[:], payload[:n]...)); err != nil {
			return err
		}
		payload = payload[n:]
		if n < maxPayload {
			break
		}
	}
	w.seq = seq
	return nil
}

// errInterrupted is a read or write after interrupt.
var errInterrupted = errors.New("interrupted")

// readDeadline gives the next read of the socket its readTimeout. After
// interrupt it fails instead: a fresh deadline would undo the past one
// interrupt set, and a batch interrupted between two reads (decoding a
// row) would read on to the end of its result.
func (w *wire) readDeadline() error {
	if w.readTimeout > 0 {
		if err := w.Conn.SetReadDeadline(time.Now().Add(w.readTimeout)); err != nil {
			return err
		}
	}
	// Checked after the deadline is set: an interrupt that came before
	// is seen here, one that comes after sets its past deadline over it.
	if w.interrupted.Load() {
		return errInterrupted
	}
	return nil
}

// interrupt unblocks a read or write in progress (the batch's context
// ended); the connection cannot be used after it.
func (w *wire) interrupt() {
	w.interrupted.Store(true)
	past := time.Unix(1, 0)
	w.Conn.SetDeadline(past)
}
