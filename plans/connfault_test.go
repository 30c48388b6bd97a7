package plans_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/plans"
)

// killAt calls kill when the run has committed n batches.
//
// A t.Fatal in kill (a server that refuses one more connection on a
// loaded machine) must not end the goroutine the run calls Add from: with
// --jobs that is one of the run's own, which the run would wait for, and
// in the test's goroutine it unwinds the run through its deferred
// cleanup mid-batch. kill runs in a goroutine of its own, whose end, by
// FailNow or not, Add waits for; the test is failed all the same, and
// the run goes on to its end.
type killAt struct {
	plans.NoProgress
	n, calls int
	kill     func()
}

func (k *killAt) Add(int) {
	if k.calls++; k.calls == k.n {
		done := make(chan struct{})
		go func() {
			defer close(done)
			k.kill()
		}()
		<-done
	}
}

func dbName(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// killMariaDB kills every connection to a MariaDB database but the
// killer's own.
func killMariaDB(t *testing.T, dbURL string) {
	t.Helper()
	db := mytest.Open(t, dbURL)
	rows, err := db.Query("SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()", dbName(t, dbURL))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		t.Fatal("no connection to kill: the test would prove nothing")
	}
	for _, id := range ids {
		// A connection may end by itself meanwhile.
		_, _ = db.Exec(fmt.Sprintf("KILL %d", id))
	}
}

// killPostgreSQL terminates every backend of a PostgreSQL database.
func killPostgreSQL(t *testing.T, dbURL string) {
	t.Helper()
	pgtest.Exec(t, pgtest.AdminURL(t), fmt.Sprintf("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s' AND pid <> pg_backend_pid()", dbName(t, dbURL)))
}

// Connections killed mid-run, MariaDB to PostgreSQL: the run retries and
// completes, or stops where it can resume, and ends with the same rows
// and archive as a clean run. The old runner stopped at the first fault
// and could not resume.
func TestRunSurvivesKilledConnections(t *testing.T) {
	src := mytest.NewDatabase(t)
	writeDemo(t, src, 2000)
	dir := t.TempDir()
	p := loadPlan(t, demoPlan)
	p.BatchSize = 100
	clean := pgtest.NewDatabase(t)
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: clean, WorkDir: filepath.Join(dir, "clean")}); err != nil {
		t.Fatal(err)
	}
	want := targetDigest(t, clean, demoTables)
	for k, v := range archiveDigest(t, filepath.Join(dir, "clean", "archive")) {
		want[k] = v
	}
	same := func(t *testing.T, tgt, work string) {
		t.Helper()
		got := targetDigest(t, tgt, demoTables)
		for k, v := range archiveDigest(t, filepath.Join(work, "archive")) {
			got[k] = v
		}
		if got.String() != want.String() {
			t.Errorf("differs from a clean run:\n got %s\nwant %s", got, want)
		}
	}
	fast := wrap.Policy{Base: 20e6, Max: 200e6}

	t.Run("source killed, not frozen: stops resumably", func(t *testing.T) {
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "a")
		k := &killAt{n: 5, kill: func() { killMariaDB(t, src) }}
		_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: k, Retry: fast})
		var lost *wrap.SnapshotLostError
		var stopped *plans.StoppedError
		if !errors.As(err, &lost) || !errors.As(err, &stopped) || !strings.Contains(err.Error(), "again to resume") {
			t.Fatalf("got %v, want a stop that says the snapshot was lost and how to resume", err)
		}
		if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, Retry: fast}); err != nil {
			t.Fatal(err)
		}
		same(t, tgt, work)
	})
	t.Run("source killed, frozen: continues in a new snapshot", func(t *testing.T) {
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "b")
		frozen := *p
		frozen.SourceFrozen = true
		k := &killAt{n: 5, kill: func() { killMariaDB(t, src) }}
		rep, err := plans.Run(context.Background(), &frozen, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: k, Retry: fast})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Pass {
			t.Fatalf("report FAIL: %v", rep.Problems)
		}
		same(t, tgt, work)
	})
	t.Run("target killed: retried", func(t *testing.T) {
		tgt, work := pgtest.NewDatabase(t), filepath.Join(dir, "c")
		k := &killAt{n: 5, kill: func() { killPostgreSQL(t, tgt) }}
		rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: k, Retry: fast})
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Pass {
			t.Fatalf("report FAIL: %v", rep.Problems)
		}
		same(t, tgt, work)
	})
}
