package mysql

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"time"
)

// A load's LOAD DATA LOCAL INFILE runs here, on the driver's connection
// but without the driver, where the session is one whose packets wire.go
// understands (as keyset batches do, binrows.go): the server's answer
// that ends the load, an OK packet, carries the statement's warning count
// (notes included, as @@warning_count counts them), which the driver
// drops. Reading it there spares every batch a SELECT @@warning_count,
// one round trip of the four a batch takes. Any other session loads
// through the driver and asks.

const (
	comQuery = 0x03
	// pktLocalInfile is the server's request for the file of a LOAD
	// DATA LOCAL INFILE, the file's name following.
	pktLocalInfile = 0xfb
)

// loadWire runs stmt, a LOAD DATA LOCAL INFILE naming 'Reader::'+reader,
// on w and sends data as the file. It gives the rows the server loaded
// and the statement's warning count, or the server's error (its message
// can quote a value: the caller withholds it). A fault that
// leaves the stream out of step (a lost connection, a packet not
// understood, a cancelled context) reports the connection bad.
func loadWire(ctx context.Context, w *wire, stmt, reader string, data []byte, chunk int) (loaded int64, warnings uint16, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	stop := context.AfterFunc(ctx, w.interrupt)
	defer func() {
		if !stop() {
			// The socket's deadline is in the past, wherever the load got.
			err = broken(fmt.Errorf("load: %w", context.Cause(ctx)))
		}
	}()
	if err := w.writeCommand(append([]byte{comQuery}, stmt...)); err != nil {
		return 0, 0, lost(err)
	}
	p, seqOK, err := w.readPacket()
	if err != nil {
		return 0, 0, lost(err)
	}
	if len(p) == 0 {
		return 0, 0, protocolError("empty packet")
	}
	if p[0] == pktERR {
		// Refused before the file was asked for (no such table,
		// local_infile off).
		return 0, 0, serverError(p, seqOK)
	}
	if !seqOK || p[0] != pktLocalInfile {
		return 0, 0, protocolError("unexpected packet 0x%02x in answer to LOAD DATA LOCAL", p[0])
	}
	// The server names the file the statement named (perhaps with a
	// directory before it). Nothing else is ever sent: an empty file for
	// any other name, and the load refused.
	name := string(p[1:])
	asked := name == "Reader::"+reader || strings.HasSuffix(name, "/Reader::"+reader)
	if !asked {
		data = nil
	}
	if err := w.writeData(data, chunk); err != nil {
		return 0, 0, lost(err)
	}
	if p, seqOK, err = w.readPacket(); err != nil {
		return 0, 0, lost(err)
	}
	switch {
	case len(p) == 0:
		return 0, 0, protocolError("empty packet")
	case p[0] == pktERR:
		err = serverError(p, seqOK)
	case !seqOK || p[0] != pktOK:
		return 0, 0, protocolError("unexpected packet 0x%02x ending a LOAD DATA LOCAL", p[0])
	}
	if !asked {
		return 0, 0, fmt.Errorf("the server asked for another file than the load's (nothing was sent)")
	}
	if err != nil {
		return 0, 0, err
	}
	// OK: header, affected rows and last insert id (length-encoded),
	// status flags, warnings.
	n, _, used, ok := lenenc(p[1:])
	if !ok {
		return 0, 0, protocolError("bad OK packet")
	}
	_, _, used2, ok := lenenc(p[1+used:])
	at := 1 + used + used2
	if !ok || len(p) < at+4 {
		return 0, 0, protocolError("bad OK packet")
	}
	if binary.LittleEndian.Uint16(p[at:])&serverMoreResultsExist != 0 {
		return 0, 0, protocolError("more results after a LOAD DATA")
	}
	return int64(n), binary.LittleEndian.Uint16(p[at+2:]), nil
}

// writeData sends data as the file the server asked for: packets of at
// most chunk bytes, the sequence going on from the request's, then an
// empty packet that ends the file; it readies the reader for the answer.
func (w *wire) writeData(data []byte, chunk int) error {
	chunk = max(1, min(chunk, maxPayload-1))
	seq := w.seq
	for {
		if w.writeTimeout > 0 {
			if err := w.Conn.SetWriteDeadline(time.Now().Add(w.writeTimeout)); err != nil {
				return err
			}
		}
		// Checked after the deadline is set, as readDeadline does.
		if w.interrupted.Load() {
			return errInterrupted
		}
		n := min(len(data), chunk)
		h := [4]byte{byte(n), byte(n >> 8), byte(n >> 16), seq}
		seq++
		bufs := net.Buffers{h[:], data[:n]}
		if _, err := bufs.WriteTo(w.Conn); err != nil {
			return err
		}
		if n == 0 {
			break
		}
		data = data[n:]
	}
	w.seq = seq
	return nil
}
