package mysql_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/mysql"
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
