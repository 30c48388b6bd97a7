// Package pgtest gives integration tests their own PostgreSQL database, in
// the connectors room next to the postgres connector. Any package's tests
// may use it (a MariaDB → PostgreSQL migration test, say); it depends on
// pgx only, not on the connector.
//
// The server is named by the environment variable REGFLYTT_TEST_PG, a URL
// of a role that may create databases:
//
//	REGFLYTT_TEST_PG='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' go test ./...
//
// When the variable is unset, tests that ask for a database are skipped.
// When it is set but the server does not answer, they fail: CI sets it, and
// a skip there would hide a broken service.
//
//	func TestMigrate(t *testing.T) {
//		url := pgtest.NewDatabase(t) // regflytt_test_<hex>, dropped after the test
//		pgtest.Exec(t, url, `CREATE TABLE patient (id bigint PRIMARY KEY)`)
//		loc, _ := connectors.ParseLocation(url)
//		…
//	}
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the environment variable holding the admin URL.
const EnvVar = "REGFLYTT_TEST_PG"

// timeout bounds each administrative step, so a hung server fails a test
// instead of stalling the run.
const timeout = 30 * time.Second

var (
	pingOnce sync.Once
	pingErr  error
)

// AdminURL returns the URL in REGFLYTT_TEST_PG after checking once per
// process that the server answers. It skips the test when the variable is
// unset and fails it when the server does not answer.
func AdminURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvVar)
	if admin == "" {
		t.Skipf("%s is not set: skipping a test that needs PostgreSQL", EnvVar)
	}
	pingOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			pingErr = err
			return
		}
		defer conn.Close(context.Background())
		pingErr = conn.Ping(ctx)
	})
	if pingErr != nil {
		t.Fatalf("%s is set but PostgreSQL does not answer: %v", EnvVar, pingErr)
	}
	return admin
}

// NewDatabase creates an empty database with a unique name
// (regflytt_test_<16 hex digits>) and returns its URL: the admin URL with
// the database replaced, its query parameters kept. The database is
// dropped in t.Cleanup, WITH (FORCE), so connections a test left open do
// not keep it alive; cleanups registered after NewDatabase (closing pools)
// run before the drop.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return NewDatabaseOn(t, AdminURL(t))
}

// PrivateEnvVar names the environment variable holding the admin URL of a
// private PostgreSQL server: one whose global settings (ALTER SYSTEM, a
// role's or a database's defaults) a test may change, because no one else
// uses it. CI does not set it; the shared server's globals are never
// changed. A throw-away cluster serves, for example
//
//	D=$(mktemp -d); chown postgres $D
//	su postgres -c "/usr/lib/postgresql/15/bin/initdb -D $D/data -A trust -U postgres"
//	su postgres -c "/usr/lib/postgresql/15/bin/pg_ctl -D $D/data -o '-p 5442 -k $D' -l $D/log start"
//	REGFLYTT_TEST_PG_PRIVATE='postgres://postgres@127.0.0.1:5442/postgres?sslmode=disable' go test ./connectors/postgres -run Global
const PrivateEnvVar = "REGFLYTT_TEST_PG_PRIVATE"

// PrivateServerURL returns the private server's admin URL, skipping the
// test when REGFLYTT_TEST_PG_PRIVATE is unset.
func PrivateServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PrivateEnvVar)
	if u == "" {
		t.Skipf("%s is not set: no private PostgreSQL server whose global settings a test may change", PrivateEnvVar)
	}
	return u
}

// NewDatabaseOn is NewDatabase on the server of the admin URL admin (such
// as PrivateServerURL's).
func NewDatabaseOn(t testing.TB, admin string) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("pgtest: random name: %v", err)
	}
	name := "regflytt_test_" + hex.EncodeToString(b[:])
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("pgtest: %s is not a URL", EnvVar)
	}
	u.Path = "/" + name
	u.RawPath = ""
	exec(t, admin, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return u.String()
}

// Exec runs SQL statements on the database at url, in one session and in
// order, with the simple protocol (so one string may hold several
// statements). It is for building legacy-shaped fixtures with raw SQL. The
// session takes the database's own settings (TimeZone included), unlike
// the connector's sessions.
func Exec(t testing.TB, url string, statements ...string) {
	t.Helper()
	exec(t, url, statements...)
}

func exec(t testing.TB, url string, statements ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(context.Background())
	for i, s := range statements {
		if _, err := conn.Exec(ctx, s, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("pgtest: statement %d: %v", i+1, fmt.Errorf("%w\n%s", err, s))
		}
	}
}
