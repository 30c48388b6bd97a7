// Package faultnet gives connector tests the network faults a connection
// meets in service and a dialect must bound: a server that accepts and
// never answers, and a proxy that stops forwarding while keeping its
// connections open. It needs no database; the dialects' tests put it
// between their driver and the real server.
package faultnet

import (
	"net"
	neturl "net/url"
	"testing"
	"time"
)

// SilentServer accepts connections and never answers: a server too
// loaded to, or a proxy whose far side is gone. It gives the address it
// listens on, and stops (closing what it holds) when the test ends.
func SilentServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
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
	return ln.Addr().String()
}

// FreezingProxy forwards connections to a server until Freeze, and from
// then on forwards nothing while keeping them open: a server or proxy
// that stopped answering and stays up, which TCP keepalive takes for
// alive.
type FreezingProxy struct {
	// Addr is the address the proxy listens on, to put in a URL in place
	// of the server's.
	Addr   string
	frozen chan struct{}
}

// NewFreezingProxy starts a proxy to the server at to (host:port). It
// and its connections close when the test ends.
func NewFreezingProxy(t testing.TB, to string) *FreezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &FreezingProxy{Addr: ln.Addr().String(), frozen: make(chan struct{})}
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

// ProxyURL starts a FreezingProxy to the server a database URL names, and
// gives the URL through it.
func ProxyURL(t testing.TB, url string) (*FreezingProxy, string) {
	t.Helper()
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	p := NewFreezingProxy(t, u.Host)
	u.Host = p.Addr
	return p, u.String()
}

// Freeze stops the proxy forwarding; it may be called once.
func (p *FreezingProxy) Freeze() { close(p.frozen) }

// Within runs do and waits for it at most d: finished says whether it
// returned in time, and err is what it returned then. A do still running
// is left to end on its own, so that a test of a bound fails instead of
// hanging where the bound is gone.
func Within(d time.Duration, do func() error) (finished bool, err error) {
	done := make(chan error, 1)
	go func() { done <- do() }()
	select {
	case err := <-done:
		return true, err
	case <-time.After(d):
		return false, nil
	}
}
