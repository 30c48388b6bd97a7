package mysql

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// okPacket is an OK packet with affected rows, no insert id, status and
// warnings.
func okPacket(affected byte, status, warnings uint16) []byte {
	return []byte{pktOK, affected, 0, byte(status), byte(status >> 8), byte(warnings), byte(warnings >> 8)}
}

// A load on the wire sends the file the server asks for in packets of at
// most chunk bytes, numbered on from the request, then an empty packet,
// and takes the rows loaded and the warning count from the OK that ends
// it. A server asking for any other file gets an empty one, and the load
// fails; one refusing the statement gives its error.
func TestLoadWireScripted(t *testing.T) {
	data := []byte("1\t'a'\n2\t'b'\n")
	for _, tc := range []struct {
		what     string
		answer   []byte
		sent     []byte // after the command
		loaded   int64
		warnings uint16
		err      string
		number   uint16
	}{
		{
			what:   "loaded with warnings",
			answer: append(pkt(1, append([]byte{pktLocalInfile}, "Reader::r1"...)), pkt(6, okPacket(2, 0x0003, 3))...),
			sent:   bytes.Join([][]byte{pkt(2, data[:5]), pkt(3, data[5:10]), pkt(4, data[10:]), pkt(5, nil)}, nil),
			loaded: 2, warnings: 3,
		},
		{
			what:   "a directory before the name",
			answer: append(pkt(1, append([]byte{pktLocalInfile}, "/tmp/Reader::r1"...)), pkt(6, okPacket(2, 0, 0))...),
			sent:   bytes.Join([][]byte{pkt(2, data[:5]), pkt(3, data[5:10]), pkt(4, data[10:]), pkt(5, nil)}, nil),
			loaded: 2,
		},
		{
			what:   "another file asked for",
			answer: append(pkt(1, append([]byte{pktLocalInfile}, "/etc/passwd"...)), pkt(3, okPacket(0, 0, 0))...),
			sent:   pkt(2, nil),
			err:    "another file",
		},
		{
			what:   "refused before the file",
			answer: pkt(1, append([]byte{pktERR, 0x7c, 0x04, '#'}, "42000local infile off"...)),
			err:    "local infile off", number: 1148,
		},
		{
			what:   "refused after the file",
			answer: append(pkt(1, append([]byte{pktLocalInfile}, "Reader::r1"...)), pkt(6, append([]byte{pktERR, 0x26, 0x04, '#'}, "23000dup"...))...),
			sent:   bytes.Join([][]byte{pkt(2, data[:5]), pkt(3, data[5:10]), pkt(4, data[10:]), pkt(5, nil)}, nil),
			err:    "dup", number: 1062,
		},
	} {
		t.Run(tc.what, func(t *testing.T) {
			c := &scriptConn{in: bytes.NewReader(tc.answer)}
			w := newWire(c, 0, 0)
			loaded, warnings, err := loadWire(context.Background(), w, "LOAD DATA LOCAL INFILE 'Reader::r1' INTO TABLE t", "r1", data, 5)
			if tc.err == "" && (err != nil || loaded != tc.loaded || warnings != tc.warnings) {
				t.Fatalf("loadWire = %d, %d, %v; want %d, %d", loaded, warnings, err, tc.loaded, tc.warnings)
			}
			if tc.err != "" && (err == nil || !bytes.Contains([]byte(err.Error()), []byte(tc.err))) {
				t.Fatalf("loadWire = %d, %d, %v; want an error saying %q", loaded, warnings, err, tc.err)
			}
			var me *mysql.MySQLError
			if tc.number != 0 && (!errors.As(err, &me) || me.Number != tc.number) {
				t.Errorf("error %v, want the server's %d", err, tc.number)
			}
			cmd := pkt(0, append([]byte{comQuery}, "LOAD DATA LOCAL INFILE 'Reader::r1' INTO TABLE t"...))
			if want := append(cmd, tc.sent...); !bytes.Equal(c.out.Bytes(), want) {
				t.Errorf("sent\n%q\nwant\n%q", c.out.Bytes(), want)
			}
		})
	}
}

// A load whose context ends while the server does not answer stops, and
// the connection is reported bad: its stream is mid-statement.
func TestLoadWireCancelled(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	go io.Copy(io.Discard, server) // the command and the file
	go server.Write(pkt(1, append([]byte{pktLocalInfile}, "Reader::r1"...)))
	w := newWire(client, 0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, _, err := loadWire(ctx, w, "LOAD DATA LOCAL INFILE 'Reader::r1' INTO TABLE t", "r1", []byte("1\n"), 1<<20)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !errors.Is(err, driver.ErrBadConn) {
			t.Fatalf("cancelled load: %v; want the context's error on a bad connection", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the load still waits 10 s after its context ended")
	}
}
