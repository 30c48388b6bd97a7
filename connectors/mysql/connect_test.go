package mysql_test

import (
	"context"
	neturl "net/url"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/internal/faultnet"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// Opening a connection to a server that accepts it and never sends its
// greeting (too loaded to, or a proxy whose far side is gone) fails after
// the timeout parameter: the driver bounded the dial alone, and the open
// waited forever, a run's start and every retry of a lost connection with
// it, nothing on screen.
func TestOpenGivesUpOnAServerThatNeverAnswers(t *testing.T) {
	loc := location(t, "mysql://root@"+faultnet.SilentServer(t)+"/regflytt?timeout=1s")
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
	p := faultnet.NewFreezingProxy(t, u.Host)
	u.Host = p.Addr
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
	p.Freeze()
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
