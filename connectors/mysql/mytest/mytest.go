// Package mytest gives tests a MariaDB/MySQL database of their own. It is
// the test-side neighbour of connectors/mysql: any package whose tests
// need a real server (the connector itself, plans running a migration
// from a legacy MariaDB platform, verify) uses it instead of reaching for
// a shared database.
//
// The server is named by the environment variable REGFLYTT_TEST_MYSQL, a
// URL of a user that may create databases and users:
//
//	REGFLYTT_TEST_MYSQL='mysql://root@127.0.0.1:3306/mysql' go test ./...
//
// Unset, every helper skips the test. Set but not answering, they fail it:
// CI sets the variable, and a skip there would hide a broken server.
package mytest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
	connmysql "github.com/regflytt/regflytt/connectors/mysql"
)

// EnvVar names the variable that holds the test server's URL.
const EnvVar = "REGFLYTT_TEST_MYSQL"

// ServerURL returns the test server's URL, skipping the test when
// REGFLYTT_TEST_MYSQL is unset.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvVar)
	if u == "" {
		t.Skipf("%s is not set: no MariaDB/MySQL server to test against", EnvVar)
	}
	return u
}

// PrivateEnvVar names the variable that holds the URL of a server of the
// tests' own, one no other test or person uses: the tests that change the
// server's GLOBAL settings (to prove a read does not depend on them) run
// only against it, never against the shared server of EnvVar. CI does
// not set it. A throw-away instance serves, for example
//
//	mariadb-install-db --no-defaults --datadir=$D --auth-root-authentication-method=normal
//	mariadbd --no-defaults --datadir=$D --port=3317 --socket=$D/s.sock --bind-address=127.0.0.1 --user=root &
//	REGFLYTT_TEST_MYSQL_PRIVATE='mysql://root@127.0.0.1:3317/mysql' go test ./connectors/mysql -run Global
const PrivateEnvVar = "REGFLYTT_TEST_MYSQL_PRIVATE"

// PrivateServerURL returns the private server's URL, skipping the test
// when REGFLYTT_TEST_MYSQL_PRIVATE is unset.
func PrivateServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(PrivateEnvVar)
	if u == "" {
		t.Skipf("%s is not set: no private MariaDB/MySQL server whose global settings a test may change", PrivateEnvVar)
	}
	return u
}

// NewDatabase creates an empty database named regflytt_test_<16 hex
// digits> on the test server and returns a mysql:// URL for it with the
// server URL's credentials. The database is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	return NewDatabaseOn(t, ServerURL(t))
}

// NewDatabaseOn is NewDatabase on the server of the URL server (such as
// PrivateServerURL's).
func NewDatabaseOn(t testing.TB, server string) string {
	t.Helper()
	admin := Open(t, server)
	name := "regflytt_test_" + randomHex(t, 8)
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4"); err != nil {
		t.Fatalf("mytest: create database %s: %v", name, scrub(err, server))
	}
	t.Cleanup(func() {
		db := openOrFail(t, server)
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("mytest: drop database %s: %v", name, scrub(err, server))
		}
	})
	u := mustParse(t, server)
	u.Path = "/" + name
	u.RawPath = ""
	return u.String()
}

// NewReadOnlyUser creates a user that has SELECT on dbURL's database and
// nothing else, and returns dbURL with that user's name and (random)
// password. The user is dropped when the test ends. Use it to prove that
// a migration's source needs no more than SELECT.
func NewReadOnlyUser(t testing.TB, dbURL string) string {
	t.Helper()
	return newUser(t, dbURL, "*")
}

// NewTableReadUser creates a user that has SELECT on the named tables of
// dbURL's database and nothing else (the server then shows it those
// tables alone), and returns dbURL with that user's name and (random)
// password. The user is dropped when the test ends.
func NewTableReadUser(t testing.TB, dbURL string, tables ...string) string {
	t.Helper()
	if len(tables) == 0 {
		t.Fatal("mytest: NewTableReadUser needs a table")
	}
	return newUser(t, dbURL, tables...)
}

// newUser creates a user with SELECT on each of dbURL's database's tables
// named ("*" for all of them).
func newUser(t testing.TB, dbURL string, tables ...string) string {
	t.Helper()
	server := ServerURL(t)
	admin := Open(t, server)
	u := mustParse(t, dbURL)
	dbName := u.Path[1:]
	user := "regflytt_ro_" + randomHex(t, 6)
	password := randomHex(t, 16)
	ctx := context.Background()
	stmts := []string{"CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "'"}
	for _, table := range tables {
		on := "*"
		if table != "*" {
			on = "`" + table + "`"
		}
		stmts = append(stmts, "GRANT SELECT ON `"+dbName+"`."+on+" TO '"+user+"'@'%'")
	}
	for _, q := range stmts {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			t.Fatalf("mytest: create read-only user: %v", scrub(err, password))
		}
	}
	t.Cleanup(func() {
		db := openOrFail(t, server)
		defer db.Close()
		if _, err := db.ExecContext(context.Background(), "DROP USER IF EXISTS '"+user+"'@'%'"); err != nil {
			t.Errorf("mytest: drop user %s: %v", user, err)
		}
	})
	u.User = url.UserPassword(user, password)
	return u.String()
}

// Open opens a plain connection pool to a mysql:// URL with the
// connector's own settings (utf8mb4, time zone +00:00, strict sql_mode)
// and closes it when the test ends. It fails the test when the server
// does not answer. Use it for the raw SQL that sets up a fixture.
func Open(t testing.TB, rawURL string) *sql.DB {
	t.Helper()
	db := openOrFail(t, rawURL)
	t.Cleanup(func() { db.Close() })
	return db
}

// Exec runs statements in order on one connection of rawURL (so a SET
// SESSION at the start holds for the rest), failing the test on the
// first error.
func Exec(t testing.TB, rawURL string, stmts ...string) {
	t.Helper()
	db := openOrFail(t, rawURL)
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("mytest: %v", scrub(err, rawURL))
	}
	defer conn.Close()
	for i, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("mytest: statement %d: %v", i+1, scrub(err, rawURL))
		}
	}
}

func openOrFail(t testing.TB, rawURL string) *sql.DB {
	t.Helper()
	loc, err := connectors.ParseLocation(rawURL)
	if err != nil {
		t.Fatalf("mytest: %v", err)
	}
	cfg, err := connmysql.Config(loc)
	if err != nil {
		t.Fatalf("mytest: %v", err)
	}
	// A fixture's statements commit themselves and a test's checks read
	// what is committed now, also on a private server whose global
	// autocommit is 0 (which the connector's own sessions take).
	cfg.Params["autocommit"] = "1"
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatalf("mytest: %v", connectors.Scrub(err, loc.Password()))
	}
	db := sql.OpenDB(connector)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		t.Fatalf("mytest: %s is set but the server at %s does not answer: %v", EnvVar, loc, connectors.Scrub(err, loc.Password()))
	}
	return db
}

func mustParse(t testing.TB, rawURL string) *url.URL {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil || len(u.Path) < 2 {
		t.Fatalf("mytest: %s is not a mysql:// URL with a database", connectors.Redact(rawURL))
	}
	return u
}

// scrub removes the password of rawURL (or rawURL itself if it is a bare
// secret) from err's text.
func scrub(err error, rawURL string) error {
	if loc, perr := connectors.ParseLocation(rawURL); perr == nil {
		return connectors.Scrub(err, loc.Password())
	}
	return connectors.Scrub(err, rawURL)
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("mytest: %v", err)
	}
	return hex.EncodeToString(b)
}

// GarbledVisits creates table besok in dbURL: eight visits whose text is
// garbled in every way a legacy MariaDB platform stores it, in latin1,
// utf8mb4 and utf8mb3 columns and a varbinary, for the tests that hold
// repair() and latin1() to the text the holder wrote (plans) and scan's
// count of what they will do (connectors/scan) to one fixture:
//
//   - namn, latin1 varchar(7): GÃ¶ran, garbled once (visit 1); SmÃ¶rgÃ,
//     UTF-8 of "Smörgås" cut after the lead byte of å (visit 2);
//   - ort, utf8mb4: a correct MALMÖ–LUND (visit 1); GÃƒÂ¶teborg, garbled
//     twice (visit 3); Ã…re beside a correct Östersund (visit 4);
//     "Lund – Piteå" with the en dash the C1 control U+0096 (visit 8);
//   - gata, utf8mb3: Östra gatan garbled by ISO 8859-1 then Windows-1252
//     (visit 6);
//   - kod, varbinary(10): Umeå in Windows-1252 (visit 1); UTF-8 of
//     "Smörgås" cut in half (visit 5); the Windows-1252 bytes of
//     MALMÖ–LUND, which are UTF-8 of a Hebrew accent (visit 7).
func GarbledVisits(t testing.TB, dbURL string) {
	t.Helper()
	Exec(t, dbURL,
		`CREATE TABLE besok (id int NOT NULL PRIMARY KEY,
			namn varchar(7) CHARACTER SET latin1, ort varchar(40) CHARACTER SET utf8mb4,
			gata varchar(40) CHARACTER SET utf8mb3, kod varbinary(10))`,
		`INSERT INTO besok VALUES (1, _latin1 X'47C3B672616E', 'MALMÖ–LUND', 'Storgatan', X'556D65E5')`,
		`INSERT INTO besok VALUES (2, _latin1 X'536DC3B67267C3', 'Lund', 'Storgatan', X'4C756E64')`,
		`INSERT INTO besok VALUES (3, 'Per', 'GÃƒÂ¶teborg', 'Storgatan', X'4C756E64')`,
		`INSERT INTO besok VALUES (4, 'Per', 'Ã…re och Östersund', 'Storgatan', X'4C756E64')`,
		`INSERT INTO besok VALUES (5, 'Per', 'Lund', 'Storgatan', X'536DC3B67267C3')`,
		"INSERT INTO besok VALUES (6, 'Per', 'Lund', 'ÃƒÂ–stra gatan', X'4C756E64')",
		`INSERT INTO besok VALUES (7, 'Per', 'Lund', 'Storgatan', X'4D414C4DD6964C554E44')`,
		// U+0096, as a migration that read Windows-1252 as ISO 8859-1 left it.
		`INSERT INTO besok VALUES (8, 'Per', _utf8mb4 X'4C756E6420C2962050697465C3A5', 'Storgatan', X'4C756E64')`,
	)
}
