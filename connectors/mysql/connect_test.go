package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/faultnet"
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
	finished, err := faultnet.Within(8*time.Second, func() error {
		db, err := mysql.OpenSource(context.Background(), loc)
		if err == nil {
			db.Close()
		}
		return err
	})
	if !finished {
		t.Fatal("still waiting after 8 s for a server that never answers (timeout=1s)")
	}
	if err == nil {
		t.Fatal("opened a connection to a server that never answered")
	}
}

// Closing a snapshot and releasing the run lock on a connection whose far
// side stopped answering end within the cleanup bound: they ran without a
// deadline and waited forever, a run stopping on a fault (or finishing)
// with them.
func TestCleanupGivesUpOnAConnectionThatStoppedAnswering(t *testing.T) {
	defer mysql.CleanupTimeout(time.Second)()
	p, url := faultnet.ProxyURL(t, mytest.NewDatabase(t))
	ctx := context.Background()
	db, err := mysql.OpenTarget(ctx, location(t, url))
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
		{"release the lock", func() error { return unlock(context.Background()) }},
	} {
		if finished, _ := faultnet.Within(10*time.Second, step.do); !finished {
			t.Fatalf("%s: still waiting after 10 s on a connection that stopped answering (bound 1 s)", step.what)
		}
	}
}
