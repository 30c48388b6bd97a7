package resiliencetest_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// lockServer is a target whose run lock a test can take from the run:
// the session holding it is ended, and another session may be waiting
// for it meanwhile.
type lockServer struct {
	name  string
	newDB func(t *testing.T) string
	// wait starts a session that waits for the run lock of the target at
	// url; got is closed when it holds it, release ends it.
	wait func(t *testing.T, url string) (got <-chan struct{}, release func())
	// kill ends the session holding the run lock.
	kill func(t *testing.T, url string)
}

func postgresLockServer() lockServer {
	// The advisory lock the run holds, found in pg_locks of the target.
	holder := func(t *testing.T, url string) (pid int32, key int64) {
		t.Helper()
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		err = conn.QueryRow(ctx, `SELECT pid, (classid::bigint << 32) | objid::bigint FROM pg_locks
			WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&pid, &key)
		if err != nil {
			t.Fatalf("the run's advisory lock: %v", err)
		}
		return pid, key
	}
	return lockServer{
		name:  "PostgreSQL",
		newDB: func(t *testing.T) string { return pgtest.NewDatabase(t) },
		wait: func(t *testing.T, url string) (<-chan struct{}, func()) {
			_, key := holder(t, url)
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan struct{})
			go func() {
				if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", key); err == nil {
					close(got)
				}
			}()
			return got, func() { conn.Close(ctx) }
		},
		kill: func(t *testing.T, url string) {
			pid, _ := holder(t, url)
			pgtest.Exec(t, url, fmt.Sprintf("SELECT pg_terminate_backend(%d)", pid))
		},
	}
}

func mariaDBLockServer() lockServer {
	// The run lock's name, as the connector makes it from the database.
	lockName := func(t *testing.T, url string) string {
		sum := sha256.Sum256([]byte(plantest.DBName(t, url) + "\x00regflytt_run"))
		return "regflytt_" + hex.EncodeToString(sum[:20])
	}
	return lockServer{
		name:  "MariaDB",
		newDB: func(t *testing.T) string { return mytest.NewDatabase(t) },
		wait: func(t *testing.T, url string) (<-chan struct{}, func()) {
			db := mytest.Open(t, url)
			conn, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := make(chan struct{})
			go func() {
				var ok sql.NullInt64
				if err := conn.QueryRowContext(context.Background(), "SELECT GET_LOCK(?, 120)", lockName(t, url)).Scan(&ok); err == nil && ok.Int64 == 1 {
					close(got)
				}
			}()
			return got, func() {
				// Closing a sql.Conn only returns it to the pool.
				_, _ = conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", lockName(t, url))
				conn.Close()
			}
		},
		kill: func(t *testing.T, url string) {
			db := mytest.Open(t, url)
			var id sql.NullInt64
			if err := db.QueryRow("SELECT IS_USED_LOCK(?)", lockName(t, url)).Scan(&id); err != nil || !id.Valid {
				t.Fatalf("the run's lock has no holder (%v): the test would prove nothing", err)
			}
			if _, err := db.Exec(fmt.Sprintf("KILL %d", id.Int64)); err != nil {
				t.Fatal(err)
			}
		},
	}
}

// A run whose lock-holding session is terminated mid-run (the retry seam
// reconnects everything else): with nobody else waiting it takes the
// lock again and ends like a clean run; with another session taking the
// lock meanwhile it stops before its next commit, resumably, and a second
// run is refused while the other holds the lock. The old runner went on
// writing without the lock in both cases.
func TestRunNoticesALostRunLock(t *testing.T) {
	var servers []lockServer
	if os.Getenv(pgtest.EnvVar) != "" {
		servers = append(servers, postgresLockServer())
	}
	if os.Getenv("REGFLYTT_TEST_MYSQL") != "" {
		servers = append(servers, mariaDBLockServer())
	}
	if len(servers) == 0 {
		t.Skip("needs REGFLYTT_TEST_PG or REGFLYTT_TEST_MYSQL")
	}
	dir := t.TempDir()
	src, st := plantest.DemoSQLite(t, dir, 400)
	p := plantest.LoadPlan(t, demoPlan)
	p.BatchSize = 40
	for _, srv := range servers {
		clean := srv.newDB(t)
		if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: clean, WorkDir: filepath.Join(dir, srv.name, "clean")}); err != nil {
			t.Fatal(err)
		}
		want := plantest.TargetDigest(t, clean, demoTables)
		same := func(t *testing.T, tgt, work string) {
			t.Helper()
			if got := plantest.TargetDigest(t, tgt, demoTables); got.String() != want.String() {
				t.Errorf("differs from a clean run:\n got %s\nwant %s", got, want)
			}
			if arc, cleanArc := plantest.ArchiveDigest(t, filepath.Join(work, "archive")), plantest.ArchiveDigest(t, filepath.Join(dir, srv.name, "clean", "archive")); arc.String() != cleanArc.String() {
				t.Errorf("archive differs from a clean run's")
			}
		}

		t.Run(srv.name+": lost, nobody else: taken again", func(t *testing.T) {
			tgt, work := srv.newDB(t), filepath.Join(dir, srv.name, "a")
			var log plantest.SyncLog
			k := &plantest.KillAt{N: 4, Kill: func() { srv.kill(t, tgt) }}
			rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: k,
				Retry: wrapPolicyFast, Logger: slog.New(slog.NewTextHandler(&log, nil))})
			if err != nil {
				t.Fatal(err)
			}
			plantest.CheckDemoReport(t, rep, st)
			// Each checkpoint supersedes the one before, in this
			// dialect too: one row after a run of many batches.
			if n := plantest.CheckpointRows(t, tgt); n != 1 {
				t.Errorf("regflytt_checkpoint holds %d rows, want 1", n)
			}
			if !strings.Contains(log.String(), "the run lock was lost and is taken again") {
				t.Errorf("the log does not say the lock was taken again:\n%s", log.String())
			}
			same(t, tgt, work)
		})

		t.Run(srv.name+": lost to another session: stops resumably", func(t *testing.T) {
			tgt, work := srv.newDB(t), filepath.Join(dir, srv.name, "b")
			var release func()
			defer func() {
				if release != nil {
					release()
				}
			}()
			k := &plantest.KillAt{N: 4, Kill: func() {
				var got <-chan struct{}
				got, release = srv.wait(t, tgt)
				srv.kill(t, tgt)
				select {
				case <-got:
				case <-time.After(30 * time.Second):
					t.Error("the other session never got the lock")
				}
			}}
			_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Progress: k, Retry: wrapPolicyFast})
			var lost *plans.LockLostError
			var stopped *plans.StoppedError
			if !errors.As(err, &lost) || !errors.As(err, &stopped) || !strings.Contains(err.Error(), "another session holds it now") || !strings.Contains(err.Error(), "again to resume") {
				t.Fatalf("got %v, want a resumable stop that says the lock was lost to another session", err)
			}
			// Four batches were handed over when the lock was lost; one
			// more may have been committing then. Nothing after.
			if stopped.Batches > 5 {
				t.Errorf("%d batches committed: the run went on without its lock", stopped.Batches)
			}
			_, err = plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, Retry: wrapPolicyFast})
			var le *plans.LockedError
			if !errors.As(err, &le) {
				t.Fatalf("a second run while another session holds the lock: got %v, want a LockedError", err)
			}
			release()
			release = nil
			// The released session ends asynchronously at the server.
			for i := 0; ; i++ {
				r, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, Retry: wrapPolicyFast})
				if errors.As(err, &le) && i < 50 {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				plantest.CheckDemoReport(t, r, st)
				break
			}
			same(t, tgt, work)
		})
	}
}

// The SQLite target's lock is a flock on a file beside the database: a
// run whose lock file was removed and locked anew by another process
// stops before its next commit. The old runner went on writing.
func TestRunNoticesAReplacedSQLiteLockFile(t *testing.T) {
	dir := t.TempDir()
	src, st := plantest.DemoSQLite(t, dir, 300)
	p := plantest.LoadPlan(t, demoPlan)
	p.BatchSize = 40
	db := filepath.Join(dir, "t.db")
	var other *os.File
	k := &plantest.KillAt{N: 3, Kill: func() {
		// The replacement is locked before it takes the lock file's name
		// (one rename), so the run, whose writer may look at any moment,
		// never sees the path free.
		lock := db + ".regflytt_run.lock"
		f, err := os.OpenFile(lock+".new", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			t.Error(err)
			return
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			t.Error(err)
		}
		if err := os.Rename(lock+".new", lock); err != nil {
			t.Errorf("replace the run's lock file: %v", err)
			return
		}
		other = f
	}}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + db, WorkDir: filepath.Join(dir, "w"), Progress: k, Retry: wrapPolicyFast})
	var lost *plans.LockLostError
	if !errors.As(err, &lost) || !strings.Contains(err.Error(), "removed or replaced") || !strings.Contains(err.Error(), "again to resume") {
		t.Fatalf("got %v, want a resumable stop that says the lock file was replaced", err)
	}
	if other == nil {
		t.Fatal("the lock file was not replaced: the test proves nothing")
	}
	other.Close()
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + db})
	if err != nil {
		t.Fatal(err)
	}
	plantest.CheckDemoReport(t, rep, st)
}

// A SQLite target whose file is removed under the run (another run's
// work directory emptied: the database and its lock file go) stops the
// run at its next commit. Only the lock file was missed, and taken again:
// the bookkeeping, read through the removed file, said no other run had
// started, and the run wrote every batch into a file no longer at its
// path, to fail only at its end check (which opens the path: gone, or
// another run's database by then).
func TestRunStopsWhenItsSQLiteFileIsRemoved(t *testing.T) {
	dir := t.TempDir()
	src, _ := plantest.DemoSQLite(t, dir, 300)
	p := plantest.LoadPlan(t, demoPlan)
	p.BatchSize = 40
	db := filepath.Join(dir, "t.db")
	removed := false
	k := &plantest.KillAt{N: 3, Kill: func() {
		for _, f := range []string{db, db + "-wal", db + "-shm", db + ".regflytt_run.lock"} {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Error(err)
			}
		}
		removed = true
	}}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + db, WorkDir: filepath.Join(dir, "w"), Progress: k, Retry: wrapPolicyFast})
	if !removed {
		t.Fatal("the target was not removed: the test proves nothing")
	}
	if err == nil || !strings.Contains(err.Error(), "database file was removed or replaced") {
		t.Fatalf("got %v, want the run stopped because its database file was removed", err)
	}
}
