package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/faultnet"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// Opening a connection to a server that accepts it and never answers
// fails after the default bound when the URL names none: it waited
// forever, a run's start and every retry of a lost connection with it,
// nothing on screen. A connect_timeout in the URL still decides.
func TestOpenGivesUpOnAServerThatNeverAnswers(t *testing.T) {
	defer postgres.ConnectTimeout(time.Second)()
	addr := faultnet.SilentServer(t)
	for _, tc := range []struct {
		name, query string
		within      time.Duration
	}{
		{"default", "", 8 * time.Second},
		{"connect_timeout in the URL", "&connect_timeout=2", 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc := location(t, "postgres://postgres@"+addr+"/regflytt?sslmode=disable"+tc.query)
			start := time.Now()
			finished, err := faultnet.Within(tc.within, func() error {
				db, err := postgres.OpenSource(context.Background(), loc)
				if err == nil {
					db.Close()
				}
				return err
			})
			if !finished {
				t.Fatalf("still waiting after %v for a server that never answers", tc.within)
			}
			if err == nil {
				t.Fatal("opened a connection to a server that never answered")
			}
			if tc.query != "" && time.Since(start) < 1500*time.Millisecond {
				t.Errorf("gave up after %v: the URL's connect_timeout of 2 s was not the bound", time.Since(start))
			}
		})
	}
}

// Rolling back a write transaction, closing a snapshot and releasing the
// run lock on a connection whose far side stopped answering end within
// the cleanup bound: they ran without a deadline and waited forever, a
// run stopping on a fault (or finishing) with them. The connection is
// closed then, and the pool's Close does not wait for it.
func TestCleanupGivesUpOnAConnectionThatStoppedAnswering(t *testing.T) {
	defer postgres.CleanupTimeout(time.Second)()
	p, url := faultnet.ProxyURL(t, pgtest.NewDatabase(t))
	ctx := context.Background()
	tgt, err := postgres.OpenTarget(ctx, location(t, url))
	if err != nil {
		t.Fatal(err)
	}
	if err := tgt.Create(ctx, []connectors.Table{batchTable}); err != nil {
		t.Fatal(err)
	}
	unlock, err := tgt.Lock(ctx, "run")
	if err != nil {
		t.Fatal(err)
	}
	tx := writeBatch(t, tgt, 1)
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.Freeze()
	// pgx bounds closing a connection by 15 s of its own (its cancel
	// request and goodbye go unanswered here too).
	for _, step := range []struct {
		what   string
		do     func() error
		within time.Duration
	}{
		{"roll the write transaction back", tx.Rollback, 10 * time.Second},
		{"close the snapshot", snap.Close, 10 * time.Second},
		{"release the lock", func() error { return unlock(context.Background()) }, 10 * time.Second},
		{"close the pool", tgt.Close, 30 * time.Second},
	} {
		if finished, _ := faultnet.Within(step.within, step.do); !finished {
			t.Fatalf("%s: still waiting after %v on a connection that stopped answering (bound 1 s)", step.what, step.within)
		}
	}
}

// A target whose pool holds one connection cannot run: the run lock holds
// it for the whole run, and every write waits for a connection for ever
// (a run so configured said only that it was "still waiting for the
// target to open a snapshot", every minute). Lock refuses it, naming the
// setting.
func TestLockRefusesAPoolOfOneConnection(t *testing.T) {
	url := pgtest.NewDatabase(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db := openTarget(t, url+sep+"pool_max_conns=1")
	_, err := db.Lock(context.Background(), "regflytt_run")
	if err == nil || !strings.Contains(err.Error(), "pool_max_conns") {
		t.Fatalf("got %v, want a refusal naming pool_max_conns", err)
	}
	two := openTarget(t, url+sep+"pool_max_conns=2")
	unlock, err := two.Lock(context.Background(), "regflytt_run")
	if err != nil {
		t.Fatalf("two connections: %v", err)
	}
	if err := unlock(context.Background()); err != nil {
		t.Fatal(err)
	}
}
