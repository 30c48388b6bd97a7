package mysql_test

import (
	"context"
	"net"
	neturl "net/url"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// Opening a connection to a server that accepts it and never sends its
// greeting (too loaded to, or a proxy whose far side is gone) fails after
// the timeout parameter: the driver bounded the dial alone, and the open
// waited forever, a run's start and every retry of a lost connection with
// it, nothing on screen.
func TestOpenGivesUpOnAServerThatNeverAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	loc := location(t, "mysql://root@"+ln.Addr().String()+"/regflytt?timeout=1s")
	done := make(chan error, 1)
	go func() {
		db, err := mysql.OpenSource(context.Background(), loc)
		if err == nil {
			db.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("opened a connection to a server that never answered")
		}
	case <-time.After(8 * time.Second):
		t.Fatal("still waiting after 8 s for a server that never answers (timeout=1s)")
	}
}

// freezingProxy forwards connections to addr until freeze, and from then
// on forwards nothing while keeping them open: a server or proxy that
// stopped answering and stays up, which TCP keepalive takes for alive.
type freezingProxy struct {
	addr   string
	frozen chan struct{}
}

func newFreezingProxy(t *testing.T, to string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{addr: ln.Addr().String(), frozen: make(chan struct{})}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			select {
			case <-p.frozen:
				<-done
				return
			default:
			}
			if n > 0 {
				if _, err := dst.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", to)
			if err != nil {
				c.Close()
				continue
			}
			go func() {
				<-done
				c.Close()
				s.Close()
			}()
			go pipe(s, c)
			go pipe(c, s)
		}
	}()
	return p
}

func (p *freezingProxy) freeze() { close(p.frozen) }

// Closing a snapshot and releasing the run lock on a connection whose far
// side stopped answering end within the cleanup bound: they ran without a
// deadline and waited forever, a run stopping on a fault (or finishing)
// with them.
func TestCleanupGivesUpOnAConnectionThatStoppedAnswering(t *testing.T) {
	defer mysql.CleanupTimeout(time.Second)()
	u, err := neturl.Parse(mytest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	p := newFreezingProxy(t, u.Host)
	u.Host = p.addr
	ctx := context.Background()
	db, err := mysql.OpenTarget(ctx, location(t, u.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	unlock, err := db.Lock(ctx, "run")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.freeze()
	for _, step := range []struct {
		what string
		do   func() error
	}{
		{"close the snapshot", snap.Close},
		{"release the lock", unlock},
	} {
		done := make(chan struct{})
		go func() {
			_ = step.do()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: still waiting after 10 s on a connection that stopped answering (bound 1 s)", step.what)
		}
	}
}
