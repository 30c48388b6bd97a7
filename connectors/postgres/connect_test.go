package postgres_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/postgres"
)

// silentServer accepts connections and never answers: a server too
// loaded to, or a proxy whose far side is gone.
func silentServer(t *testing.T) string {
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

// Opening a connection to a server that accepts it and never answers
// fails after the default bound when the URL names none: it waited
// forever, a run's start and every retry of a lost connection with it,
// nothing on screen. A connect_timeout in the URL still decides.
func TestOpenGivesUpOnAServerThatNeverAnswers(t *testing.T) {
	defer postgres.ConnectTimeout(time.Second)()
	addr := silentServer(t)
	for _, tc := range []struct {
		name, query string
		within      time.Duration
	}{
		{"default", "", 8 * time.Second},
		{"connect_timeout in the URL", "&connect_timeout=2", 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := location(t, "postgres://postgres@"+addr+"/regflytt?sslmode=disable"+tc.query)
			done := make(chan error, 1)
			start := time.Now()
			go func() {
				db, err := postgres.OpenSource(context.Background(), loc)
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
				if tc.query != "" && time.Since(start) < 1500*time.Millisecond {
					t.Errorf("gave up after %v: the URL's connect_timeout of 2 s was not the bound", time.Since(start))
				}
			case <-time.After(tc.within):
				t.Fatalf("still waiting after %v for a server that never answers", tc.within)
			}
		})
	}
}
