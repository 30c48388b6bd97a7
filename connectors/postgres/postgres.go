package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regflytt/regflytt/connectors"
)

// DB is an open PostgreSQL database: a pool of connections with pinned
// session settings. It is a Source and, when opened with OpenTarget, a
// Target.
type DB struct {
	pool     *pgxpool.Pool
	schema   string
	where    string   // host/database for messages: never the user or password
	secrets  []string // passwords (userinfo, ?password=), scrubbed from every error
	readOnly bool
	locks    heldLocks // run locks taken by Lock (lock.go)
	// maxConns is the pool's size (pool_max_conns): too few for commit
	// units to overlap makes Dialect say so (overlapConns).
	maxConns int32
}

var _ connectors.Target = (*DB)(nil)

// sessionParams are set on every connection so that values never depend
// on the server's or the database's defaults: TimeZone UTC keeps
// timestamptz text and casts unshifted (the binary format is UTC anyway),
// and the text forms of the types read as text (arrays, intervals, ranges)
// are stable across servers, which verification hashes rely on.
// client_encoding UTF8 has the server convert text from a non-UTF-8
// database (LATIN1, WIN1252) to the UTF-8 that connectors.Value strings
// are, and back on writes: pgx sets no client_encoding, and the server's
// default is the database's own encoding, whose bytes a scan took for
// UTF-8 (Å in LATIN1 is the invalid byte 0xC5) and the checksum pushdown,
// which converts, then disagreed with.
var sessionParams = map[string]string{
	"client_encoding":    "UTF8",
	"timezone":           "UTC",
	"datestyle":          "ISO, YMD",
	"intervalstyle":      "postgres",
	"extra_float_digits": "3",
	"bytea_output":       "hex",
	// money's text (read as text) is formatted by lc_monetary: "$1,234.56"
	// under C, "1 234,56 kr" under sv_SE. Pinned, a money value reads the
	// same from every server, and a run and its verification on a copy
	// restored with another locale agree.
	"lc_monetary": "C",
	// A table with row-level security shows a role without BYPASSRLS
	// only the rows its policies let through, in SELECT and COUNT(*)
	// alike, so a run and its verification would agree on part of the
	// table. Off, a query the policies would filter fails instead,
	// naming the table (as pg_dump does it); a role that bypasses
	// them (the owner, a superuser, BYPASSRLS) reads every row.
	"row_security": "off",
	// pg_catalog.format_type, which the catalogue reads each column's
	// type from, quotes every name with quote_all_identifiers on: a date
	// column's type read "date", which TypeOf did not know, so it was
	// taken for text (a run created the receiving column as text), and
	// the checksum pushdown left it to Go.
	"quote_all_identifiers": "off",
	// The checksum pushdown writes bytea literals as '\x…'; with the
	// server's standard_conforming_strings off a backslash in a plain
	// literal is an escape: '\x00' became a NUL byte the server refused,
	// and a literal of several bytes ('\x0a3f') would silently have been
	// other bytes (0x0a, then the characters 3 and f).
	"standard_conforming_strings": "on",
	// A GIN index scan returns a random subset of about
	// gin_fuzzy_search_limit of the rows it finds, without a warning
	// (the manual suggests 5000 to 20000 for full-text search): a
	// select: source whose condition the planner answers with a GIN
	// index (@> on an array or jsonb, @@) read 97 of its 2000 rows under
	// a database's default of 100, and verify agreed. 0 is no limit.
	"gin_fuzzy_search_limit": "0",
	// A select: source is the plan's SQL, tried on one server and run on
	// another, and these change what it computes without a warning:
	// transform_null_equals on reads x = NULL as x IS NULL (a condition
	// let rows through that it excludes), array_nulls off an array
	// literal's NULL as the text 'NULL', timezone_abbreviations India
	// the literal '… IST' as +05:30 (Default: Israel's +02). Each is
	// the server's default.
	"transform_null_equals":  "off",
	"array_nulls":            "on",
	"timezone_abbreviations": "Default",
	// So do the locale's formats and the text search configuration: under
	// a database's lc_time sv_SE to_char's TMMonth is 'Januari', under
	// lc_numeric sv_SE to_char's D and G write '1 234,5' and
	// to_number('1,234.5', '9G999D9') reads 1.2, and to_tsvector without
	// a configuration stems by default_text_search_config (initdb sets it
	// from the cluster's locale: english, swedish). Pinned to the
	// built-in defaults; a select: that means another writes it out
	// (to_tsvector('swedish', …)).
	"lc_time":                    "C",
	"lc_numeric":                 "C",
	"default_text_search_config": "pg_catalog.simple",
	// And the XML settings: under a database's xmlbinary hex a select:
	// source's xmlelement(name b, bytea) wrote <b>0102</b>, not the
	// default's <b>AQI=</b>, without a warning; under xmloption document
	// its cast of a fragment ('<a/><b/>'::xml) failed the run that
	// passed where it was tried. Both pinned to the built-in defaults.
	"xmlbinary": "base64",
	"xmloption": "content",
}

// defaultConnectTimeout bounds opening a connection when the URL does
// not (see config); the MariaDB connector's is the same.
var defaultConnectTimeout = 10 * time.Second

// cleanupTimeout bounds the statements that end a transaction or a lock
// once the work is over (a rollback, an unlock, closing a cursor). They
// run without the caller's context (Tx.Rollback and Close take none, and
// a cancelled run must still end them), and on a connection whose far
// side stopped answering while staying up (a stuck proxy or server,
// which TCP keepalive takes for alive) they waited forever, holding the
// run at its end. When it passes, pgx closes the connection, and the
// server ends the transaction or lock with the session.
var cleanupTimeout = 30 * time.Second

// cleanupContext is a context for such a statement.
func cleanupContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), cleanupTimeout)
}

// rollback ends tx within cleanupTimeout (see there).
func rollback(tx pgx.Tx) error {
	ctx, cancel := cleanupContext()
	defer cancel()
	return tx.Rollback(ctx)
}

// regflyttParams are query parameters this package reads itself; they are
// removed before the URL reaches pgx, which would send them to the server
// as session settings.
var regflyttParams = []string{"schema", "search_path"}

// OpenSource opens a database for reading only. Besides the refusals of
// Create and Begin, every connection's transactions are read-only at the
// server (default_transaction_read_only) and each snapshot is a READ ONLY
// transaction.
func OpenSource(ctx context.Context, loc *connectors.Location) (*DB, error) {
	return open(ctx, loc, true)
}

// OpenTarget opens a database for writing. The schema is created by
// Create when it does not exist.
func OpenTarget(ctx context.Context, loc *connectors.Location) (*DB, error) {
	return open(ctx, loc, false)
}

// config turns a location into a pool configuration and the schema name.
// Errors never hold the password.
func config(loc *connectors.Location, readOnly bool) (*pgxpool.Config, string, error) {
	if loc.Scheme != "postgres" {
		return nil, "", fmt.Errorf("%s: not a postgres:// URL", loc)
	}
	u := *loc.URL
	q := u.Query()
	schema := q.Get("schema")
	if schema == "" {
		schema = "public"
	}
	quoted, err := Dialect{}.QuoteIdent(schema)
	if err != nil {
		return nil, "", fmt.Errorf("%s: schema: %w", loc, err)
	}
	// The schema comes first so that the unqualified names of the keyset
	// queries resolve in it; a search_path given in the URL follows.
	searchPath := quoted
	if extra := strings.TrimSpace(q.Get("search_path")); extra != "" {
		searchPath += ", " + extra
	}
	for _, p := range regflyttParams {
		q.Del(p)
	}
	u.RawQuery = q.Encode()
	cfg, err := pgxpool.ParseConfig(u.String())
	if err != nil {
		// Not wrapped: pgconn.ParseConfigError keeps the raw URL in a field.
		for _, s := range secrets(loc) {
			err = connectors.Scrub(err, s)
		}
		return nil, "", fmt.Errorf("%s: %s", loc, err)
	}
	rp := cfg.ConnConfig.RuntimeParams
	for k := range rp {
		// The server reads names case-insensitively: a URL's TimeZone=…
		// would otherwise race the pinned timezone.
		if _, pinned := sessionParams[strings.ToLower(k)]; pinned || (readOnly && strings.EqualFold(k, "default_transaction_read_only")) {
			delete(rp, k)
		}
	}
	for k, v := range sessionParams {
		rp[k] = v
	}
	rp["search_path"] = searchPath
	if rp["application_name"] == "" {
		rp["application_name"] = "regflytt"
	}
	if readOnly {
		rp["default_transaction_read_only"] = "on"
	}
	// A connection's whole opening (dial, TLS, startup, authentication)
	// is bounded unless the URL or PGCONNECT_TIMEOUT says otherwise (0
	// for none, as libpq): pgx has no bound of its own, so a server that
	// accepted the connection and never answered (overloaded, a stuck
	// proxy) held the run, and each of its retries, for good.
	if _, given := u.Query()["connect_timeout"]; !given && os.Getenv("PGCONNECT_TIMEOUT") == "" {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if err := checkSession(ctx, c, !readOnly); err != nil {
			return err
		}
		return registerCodecs(c.TypeMap())
	}
	return cfg, schema, nil
}

// damagedPageSettings are the settings, superuser-only, with which the
// server reads a damaged page without an error, only a WARNING the client
// never looks at: a DBA rescuing a damaged cluster may leave one on for
// every session. The rows of such a page were then missing from a run's
// reading and verify's alike, or read changed, and the run passed. Off,
// the read fails, naming the page.
var damagedPageSettings = map[string]string{
	"zero_damaged_pages":      "as an empty page: its rows are not read",
	"ignore_checksum_failure": "whose checksum fails as it is",
}

// checkSession makes a target session check foreign keys and commit
// durably whatever the role's, database's or server's defaults, which
// cannot be startup parameters like sessionParams (see there):
//
// session_replication_role: a DBA may give a role or a database replica
// by default (logical replication and some bulk restores load that way),
// and then COPY into an existing receiving table neither checked its
// declared foreign keys nor ran its triggers: a row whose parent is
// missing was loaded and the run passed. Setting it needs a superuser
// (or a GRANT SET), and as a startup parameter it would keep a target
// role without that from connecting at all, even where it is origin
// already. So it is read, set only where it is not origin, and a session
// that may not set it is refused.
//
// synchronous_commit: with a default of off, every commit, the runner's
// durable stage commits included, was answered before it reached the
// disk, and a server crash could lose the commit a run had recorded as
// done (connectors.AsyncCommitter relies on them being durable). Only off
// is set to on; local, remote_write, on and remote_apply are all durable
// on the server and are the DBA's choice. CommitAsync still turns it off
// for its one transaction.
//
// Every session, a source's too, is checked for the two settings that
// read a damaged page without an error (see damagedPageSettings).
func checkSession(ctx context.Context, c *pgx.Conn, target bool) error {
	var zero, ignore, role, commit string
	if err := c.QueryRow(ctx, "SELECT pg_catalog.current_setting('zero_damaged_pages'), pg_catalog.current_setting('ignore_checksum_failure'), "+
		"pg_catalog.current_setting('session_replication_role'), pg_catalog.current_setting('synchronous_commit')").Scan(&zero, &ignore, &role, &commit); err != nil {
		return fmt.Errorf("read session settings: %w", err)
	}
	for _, s := range []struct{ name, value string }{{"zero_damaged_pages", zero}, {"ignore_checksum_failure", ignore}} {
		if s.value == "off" {
			continue
		}
		if _, err := c.Exec(ctx, "SET "+s.name+" = off"); err != nil {
			return fmt.Errorf("%s is on for this server, database or role, which reads a damaged page without an error (%s), and this role may not turn it off: have the DBA turn it off for the run (%w)", s.name, damagedPageSettings[s.name], err)
		}
	}
	if !target {
		return nil
	}
	if role != "origin" {
		if _, err := c.Exec(ctx, "SET session_replication_role = origin"); err != nil {
			return fmt.Errorf("session_replication_role is %s for this role or database, which would load rows without checking foreign keys or firing triggers, and it cannot be set to origin: %w", role, err)
		}
	}
	if commit == "off" {
		if _, err := c.Exec(ctx, "SET synchronous_commit = on"); err != nil {
			return fmt.Errorf("set synchronous_commit: %w", err)
		}
	}
	return nil
}

func open(ctx context.Context, loc *connectors.Location, readOnly bool) (*DB, error) {
	cfg, schema, err := config(loc, readOnly)
	if err != nil {
		return nil, err
	}
	d := &DB{
		schema:   schema,
		where:    "postgres " + loc.URL.Host + loc.URL.Path,
		secrets:  secrets(loc),
		readOnly: readOnly,
	}
	d.maxConns = cfg.MaxConns
	if d.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, d.errorf(err, "connect")
	}
	// The pool connects lazily; a wrong host or password is reported now,
	// not at the first snapshot.
	if err := d.pool.Ping(ctx); err != nil {
		d.pool.Close()
		return nil, d.errorf(err, "connect")
	}
	return d, nil
}

// secrets lists the passwords a location carries: libpq also reads one
// from the query string.
func secrets(loc *connectors.Location) []string {
	var out []string
	for _, s := range []string{loc.Password(), loc.URL.Query().Get("password")} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// errorf wraps a driver error with context, scrubbed of the password.
func (d *DB) errorf(err error, format string, args ...any) error {
	err = fmt.Errorf("%s: %s: %w", d.where, fmt.Sprintf(format, args...), withoutValues(err))
	for _, s := range d.secrets {
		err = connectors.Scrub(err, s)
	}
	return err
}

// Dialect returns the PostgreSQL dialect.
func (d *DB) Dialect() connectors.Dialect {
	if d.maxConns > 0 && d.maxConns < overlapConns {
		return fewConnections{}
	}
	return Dialect{}
}

// Schema is the schema the catalogue reads and Create writes.
func (d *DB) Schema() string { return d.schema }

// Close closes the pool. It waits for open snapshots and transactions, so
// close those first.
func (d *DB) Close() error {
	d.pool.Close()
	return nil
}

// qualified quotes schema.table for the statements this package builds
// itself (Count, COPY); the dialect's keyset query relies on search_path.
func (d *DB) qualified(table string) (string, error) {
	qs, err := Dialect{}.QuoteIdent(d.schema)
	if err != nil {
		return "", err
	}
	qt, err := Dialect{}.QuoteIdent(table)
	if err != nil {
		return "", err
	}
	return qs + "." + qt, nil
}
