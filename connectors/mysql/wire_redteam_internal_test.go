package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
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
