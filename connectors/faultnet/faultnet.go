// Package faultnet gives tests the network faults a connection meets in
// service and a dialect or the runner must bound: a server that accepts
// and never answers, and a proxy that stops forwarding while keeping its
// connections open. It needs no database; the dialects' tests and the
// runner's stall tests (plans/resiliencetest) put it between a driver and
// the real server, which is why it is not internal to connectors. It
// imports testing: only tests import it.
package faultnet

import (
	"net"
	neturl "net/url"
	"sync"
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
// alive. FreezeOpen freezes only the connections open then (a NAT or
// firewall that forgot the flows it had: a new connection goes through),
// and Thaw lets every frozen connection forward again, what it held
// first (a server that comes back after a pause).
type FreezingProxy struct {
	// Addr is the address the proxy listens on, to put in a URL in place
	// of the server's.
	Addr string

	mu sync.Mutex
	// frozen says new connections start frozen (Freeze until Thaw).
	frozen bool
	gates  []*gate
}

// gate holds a connection's forwarding while it is frozen: held is
// closed when it thaws.
type gate struct {
	mu   sync.Mutex
	held chan struct{}
}

func (g *gate) freeze() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held == nil {
		g.held = make(chan struct{})
	}
}

func (g *gate) thaw() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held != nil {
		close(g.held)
		g.held = nil
	}
}

// pass waits while the gate is frozen; false when done ends first.
func (g *gate) pass(done <-chan struct{}) bool {
	for {
		g.mu.Lock()
		held := g.held
		g.mu.Unlock()
		if held == nil {
			return true
		}
		select {
		case <-held:
		case <-done:
			return false
		}
	}
}

// NewFreezingProxy starts a proxy to the server at to (host:port). It
// and its connections close when the test ends.
func NewFreezingProxy(t testing.TB, to string) *FreezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &FreezingProxy{Addr: ln.Addr().String()}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	// A frozen direction has read what it holds and forwards it when the
	// gate opens: nothing is lost, only late.
	pipe := func(g *gate, dst, src net.Conn) {
		defer dst.Close()
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if !g.pass(done) {
				return
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
			g := &gate{}
			p.mu.Lock()
			if p.frozen {
				g.freeze()
			}
			p.gates = append(p.gates, g)
			p.mu.Unlock()
			go func() {
				<-done
				c.Close()
				s.Close()
			}()
			go pipe(g, s, c)
			go pipe(g, c, s)
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

// Freeze stops the proxy forwarding, on the connections open and on
// those opened later, until Thaw.
func (p *FreezingProxy) Freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = true
	for _, g := range p.gates {
		g.freeze()
	}
}

// FreezeOpen stops the connections open now forwarding, until Thaw;
// connections opened later forward.
func (p *FreezingProxy) FreezeOpen() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.gates {
		g.freeze()
	}
}

// Thaw lets every connection forward again.
func (p *FreezingProxy) Thaw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.frozen = false
	for _, g := range p.gates {
		g.thaw()
	}
}

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
