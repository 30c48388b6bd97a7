// Package mstest gives SQL Server integration tests a database of their
// own on the server named by REGFLYTT_TEST_MSSQL, and skips them, saying
// that they were not run, when the variable is unset. It is a test helper
// for connectors/sqlserver and talks to the server through go-mssqldb
// directly, so that it does not depend on the code it helps to test.
//
//	REGFLYTT_TEST_MSSQL=sqlserver://sa:secret@localhost:1433?database=master
//
// The login must be allowed to create databases. Set
// REGFLYTT_TEST_DISALLOW_SKIP to turn the skip into a failure (after
// restic's RESTIC_TEST_DISALLOW_SKIP), so that a CI job meant to run
// against a server cannot pass without one.
package mstest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	mssql "github.com/microsoft/go-mssqldb"
)

// EnvURL names the variable holding the server's sqlserver:// URL.
const EnvURL = "REGFLYTT_TEST_MSSQL"

// EnvDisallowSkip, when set, makes a missing server a test failure.
const EnvDisallowSkip = "REGFLYTT_TEST_DISALLOW_SKIP"

// URL returns the server URL, or skips the test (fails it under
// EnvDisallowSkip) when none is configured.
func URL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		msg := EnvURL + " is not set: this SQL Server integration test was NOT run (set it to sqlserver://user:password@host:1433?database=master)"
		if os.Getenv(EnvDisallowSkip) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return u
}

// NewDatabase creates a database with a unique name and
// ALLOW_SNAPSHOT_ISOLATION ON, registers its removal with t.Cleanup, and
// returns the server URL pointing at it (database=<name>).
func NewDatabase(t testing.TB) string {
	t.Helper()
	server := URL(t)
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		t.Fatalf("mstest: random name: %v", err)
	}
	name := "regflytt_test_" + hex.EncodeToString(rnd[:])
	q := quote(name)
	Exec(t, server, "CREATE DATABASE "+q, "ALTER DATABASE "+q+" SET ALLOW_SNAPSHOT_ISOLATION ON")
	t.Cleanup(func() {
		// Cleanups run last-registered first, so the test's own pools are
		// closed by now; ROLLBACK IMMEDIATE ends any straggler.
		db, err := open(server)
		if err != nil {
			t.Errorf("mstest: drop database %s: %v", name, err)
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for _, s := range []string{"ALTER DATABASE " + q + " SET SINGLE_USER WITH ROLLBACK IMMEDIATE", "DROP DATABASE " + q} {
			if _, err := db.ExecContext(ctx, s); err != nil {
				t.Errorf("mstest: drop database %s: %v", name, scrub(err, server))
				return
			}
		}
	})
	u, err := withDatabase(server, name)
	if err != nil {
		t.Fatalf("mstest: %v", err)
	}
	return u
}

// Exec runs statements, each as its own batch, on the database dbURL names.
func Exec(t testing.TB, dbURL string, stmts ...string) {
	t.Helper()
	db, err := open(dbURL)
	if err != nil {
		t.Fatalf("mstest: %v", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("mstest: %s: %v", firstLine(s), scrub(err, dbURL))
		}
	}
}

// Open connects to the database dbURL names, for queries a test checks
// itself, and closes the pool with t.Cleanup.
func Open(t testing.TB, dbURL string) *sql.DB {
	t.Helper()
	db, err := open(dbURL)
	if err != nil {
		t.Fatalf("mstest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// open connects with go-mssqldb, leaving out regflytt's own schema
// parameter, which the driver does not know.
func open(dbURL string) (*sql.DB, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, fmt.Errorf("%s is not a URL", EnvURL)
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "schema") {
			q.Del(k)
		}
	}
	u.RawQuery = q.Encode()
	u.Scheme = "sqlserver"
	c, err := mssql.NewConnector(u.String())
	if err != nil {
		return nil, scrub(err, dbURL)
	}
	return sql.OpenDB(c), nil
}

// withDatabase points a server URL at database name.
func withDatabase(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("%s is not a URL", EnvURL)
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "database") {
			q.Del(k)
		}
	}
	q.Set("database", name)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func quote(name string) string { return "[" + strings.ReplaceAll(name, "]", "]]") + "]" }

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// scrub keeps the server's password out of test logs.
func scrub(err error, dbURL string) error {
	u, perr := url.Parse(dbURL)
	if perr != nil || u.User == nil {
		return err
	}
	p, ok := u.User.Password()
	if !ok || p == "" || !strings.Contains(err.Error(), p) {
		return err
	}
	return fmt.Errorf("%s", strings.ReplaceAll(err.Error(), p, "xxxxx"))
}
