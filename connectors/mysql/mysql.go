package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
)

// sessionSQLMode is every session's sql_mode, sources' included, so that
// literals, escapes and CHAR values mean the same whatever the server's
// global mode: strict on every table (an INSERT that does not fit fails
// instead of being truncated with a warning), no zero dates or zero days
// written, no NO_BACKSLASH_ESCAPES (the literals of literal.go escape with
// backslashes), no PAD_CHAR_TO_FULL_LENGTH, no ANSI_QUOTES, and
// NO_AUTO_VALUE_ON_ZERO so an id 0 is stored as 0, not as the next id.
const sessionSQLMode = "STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO," +
	"NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO"

// noSelectLimit is sql_select_limit's largest value, which lifts the
// limit. A DBA may set a lower one globally, against runaway queries: the
// server then cuts every SELECT without a LIMIT of its own short without
// a word, and the catalogue's information_schema queries lose columns and
// tables, a streamed read rows, a checksum buckets. DEFAULT would be the
// global value.
const noSelectLimit = "18446744073709551615"

// wholeSortLength is what max_sort_length is pinned to. A sort compares
// only a value's first max_sort_length bytes (1024 by default; a DBA may
// set as few as 64 globally), so text keys alike that far came back in
// any order: a streamed scan by such a key was out of order, and a
// keyset page (ORDER BY k LIMIT n, then k > the last one) of a select:
// source took any n of the alike keys and skipped the rest, a short read
// that verify, reading the same way, would agree with. Not the largest
// value (8388608): a filesort of a TEXT or BLOB key sizes its buffer by
// max_sort_length, and with 1 MiB the server's default 2 MiB sort buffer
// ran out of memory (error 1038) on a longtext key of any length. 64 KiB
// is TEXT's own length. It counts the bytes of a value's sort key, which
// for utf8mb4 can be 4 a character: a read meeting a key value long
// enough to be alike that far is refused (see sortedKeyBytes).
const wholeSortLength = "65536"

// sortBufferAtLeast keeps the session's sort_buffer_size (MariaDB's
// default 2 MiB; MySQL's 256 KiB) large enough for wholeSortLength: with
// 256 KiB a sort by a longtext key failed with error 1038.
const sortBufferAtLeast = "GREATEST(@@sort_buffer_size, 2097152)"

// maxErrorCount is max_error_count's largest value. SHOW WARNINGS lists
// at most that many of a statement's warnings, and a select: source's
// read is refused by the codes it lists (see noReadWarnings): a DBA's
// global 0 listed none, and rows read with a lossy conversion passed.
const maxErrorCount = "65535"

// mariadbOnly pins MariaDB's session variables that MySQL does not have
// (an unknown one fails the whole SET, error 1193), in the same SET as
// the rest: it is appended to one of the driver's Params values, and
// MariaDB runs the text of a /*M!version … */ comment from that version
// on, where MySQL and older MariaDB skip it as a comment.
// default_regex_flags changes what REGEXP, REGEXP_SUBSTR and
// REGEXP_REPLACE of a select: source match without a warning (DOTALL
// lets . match a newline, EXTENDED drops a pattern's spaces): no flag is the
// default, PCRE's own. check_constraint_checks = 0 writes a row breaking
// a receiving table's CHECK constraint as foreign_key_checks = 0 does a
// foreign key's.
const mariadbOnly = " /*M!100011 , default_regex_flags = '' */ /*M!100201 , check_constraint_checks = 1 */"

// connectionCollation compares literals with literals only; columns
// compare by their own collation. Binary, so no two distinct strings of
// regflytt's own are ever equal.
const connectionCollation = "utf8mb4_bin"

// defaultDialTimeout stops an unreachable server from holding a run for the
// operating system's minutes-long TCP timeout, and one that never answers
// from holding it for good (boundedConnect).
const defaultDialTimeout = 10 * time.Second

// urlParams are the query parameters a mysql:// URL may carry (see the
// package doc); the others are fixed by the connector.
var urlParams = map[string]func(*mysql.Config, string) error{
	"tls": func(c *mysql.Config, v string) error { c.TLSConfig = v; return nil },
	"socket": func(c *mysql.Config, v string) error {
		c.Net, c.Addr = "unix", v
		return nil
	},
	"timeout":      durationParam(func(c *mysql.Config) *time.Duration { return &c.Timeout }),
	"readTimeout":  durationParam(func(c *mysql.Config) *time.Duration { return &c.ReadTimeout }),
	"writeTimeout": durationParam(func(c *mysql.Config) *time.Duration { return &c.WriteTimeout }),
	"allowCleartextPasswords": func(c *mysql.Config, v string) error {
		switch v {
		case "true", "1":
			c.AllowCleartextPasswords = true
		case "false", "0":
			c.AllowCleartextPasswords = false
		default:
			return fmt.Errorf("want true or false")
		}
		return nil
	},
}

func durationParam(field func(*mysql.Config) *time.Duration) func(*mysql.Config, string) error {
	return func(c *mysql.Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("want a duration such as 30s")
		}
		*field(c) = d
		return nil
	}
}

// Config builds the driver configuration for a mysql:// location. The
// password goes into the Config only, never into a DSN string, so nothing
// printable ever holds it.
func Config(loc *connectors.Location) (*mysql.Config, error) {
	u := loc.URL
	cfg := mysql.NewConfig()
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "3306"
	}
	cfg.Net, cfg.Addr = "tcp", net.JoinHostPort(host, port)
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" || strings.Contains(cfg.DBName, "/") {
		return nil, fmt.Errorf("%s: name one database in the path (mysql://user@host:3306/registry)", loc)
	}
	cfg.Timeout = defaultDialTimeout
	for k, vs := range u.Query() {
		set, ok := urlParams[k]
		if !ok {
			return nil, fmt.Errorf("%s: parameter %s is not supported (supported: allowCleartextPasswords, readTimeout, socket, timeout, tls, writeTimeout; charset, time zone, sql_mode and parsing are fixed by the connector)", loc, k)
		}
		if err := set(cfg, vs[len(vs)-1]); err != nil {
			return nil, fmt.Errorf("%s: parameter %s: %w", loc, k, err)
		}
	}
	// Fixed: see the package doc for why each is what it is.
	cfg.InterpolateParams = true
	cfg.ParseTime = false
	cfg.Loc = time.UTC
	cfg.MultiStatements = false
	cfg.Params = map[string]string{
		"time_zone": "'+00:00'",
		"sql_mode":  "'" + sessionSQLMode + "'",
		// Every session, the target's catalogue reads included.
		"sql_select_limit": noSelectLimit,
		"max_sort_length":  wholeSortLength,
		"sort_buffer_size": sortBufferAtLeast,
		"max_error_count":  maxErrorCount,
		// A write's warnings are checked after it, and a rounded decimal
		// is a note, counted only with sql_notes on; a server may have
		// it off globally, and every session would take that.
		"sql_notes": "1",
		// A foreign key holds for the rows written, and is checked
		// against the rows when CreateConstraints adds it, only with the
		// checks on, which a server may have off globally (after a bulk
		// restore).
		"foreign_key_checks": "1",
		// A DBA's completion_type RELEASE ends the session after every
		// COMMIT and ROLLBACK: the pool handed the closed connection to
		// the next Begin, which failed (invalid connection); CHAIN starts
		// a new transaction after each, one the next statement of the
		// connection would read in.
		"completion_type": "'NO_CHAIN'",
		// With unique_checks off InnoDB may put a row's entry of a
		// secondary unique index into its change buffer without looking
		// for the value (MySQL documents duplicates as the price), where
		// the server buffers changes (MySQL's default; MariaDB 10.11
		// looked for the value whatever the setting).
		"unique_checks": "1",
		// A select: source is the plan's SQL, tried on one server and run
		// on another: a division's scale (0 read 1500 / 1000 as 1) and
		// DATE_FORMAT's month and day names (januari) follow these, with
		// no warning. Both the servers' defaults.
		"div_precision_increment": "4",
		"lc_time_names":           "'en_US'",
		// WEEK(d) without a mode counts weeks by it (1 from Monday put
		// the 15th of January 2024 in week 3, not 2), with no warning;
		// MariaDB's own settings of the kind follow in the value.
		"default_week_format": "0" + mariadbOnly,
	}
	cfg.ConnectionAttributes = "program_name:regflytt"
	cfg.Logger = driverLogger{secret: cfg.Passwd}
	if err := cfg.Apply(mysql.Charset("utf8mb4", connectionCollation)); err != nil {
		return nil, fmt.Errorf("%s: %w", loc, err)
	}
	return cfg, nil
}

// driverLogger sends the driver's own messages (dropped connections,
// mostly) to slog instead of the standard logger.
type driverLogger struct{ secret string }

func (l driverLogger) Print(v ...any) {
	msg := fmt.Sprint(v...)
	if l.secret != "" {
		msg = strings.ReplaceAll(msg, l.secret, "xxxxx")
	}
	slog.Warn("mysql driver", "message", connectors.MaskIdentityNumbers(msg))
}

// DB is an open MariaDB/MySQL database, usable as a Source and, when
// opened for writing, as a Target.
type DB struct {
	// noLoad is set when the server refused LOAD DATA LOCAL INFILE:
	// writes use INSERTs from then on.
	noLoad atomic.Bool
	// noNoteVerbosity is set when the server has no note_verbosity
	// (MySQL, MariaDB before 10.6.16): Begin stops asking for it.
	noNoteVerbosity atomic.Bool
	loads           atomic.Int64 // batches loaded, for tests
	// writeWarningQueries counts the loads followed by a SELECT
	// @@warning_count (those through the driver), for tests.
	writeWarningQueries atomic.Int64
	db                  *sql.DB
	loc                 *connectors.Location
	schema              string
	readOnly            bool
	locks               heldLocks // run locks taken by Lock (lock.go)
	reads               readerCounts
}

var _ connectors.Target = (*DB)(nil)

// OpenSource opens a database for reading only: Create and Begin fail with
// connectors.ErrReadOnly, and every read runs in a READ ONLY transaction
// (see Snapshot). A user with only SELECT on the database suffices.
func OpenSource(ctx context.Context, loc *connectors.Location) (*DB, error) {
	return open(ctx, loc, true)
}

// OpenTarget opens a database for writing. The database must exist.
func OpenTarget(ctx context.Context, loc *connectors.Location) (*DB, error) {
	return open(ctx, loc, false)
}

func open(ctx context.Context, loc *connectors.Location, readOnly bool) (*DB, error) {
	if loc.Scheme != "mysql" {
		return nil, fmt.Errorf("%s: not a mysql:// or mariadb:// URL", loc)
	}
	cfg, err := Config(loc)
	if err != nil {
		return nil, err
	}
	cfg.DialFunc = dialer(cfg.ReadTimeout, cfg.WriteTimeout)
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, connectors.Scrub(fmt.Errorf("%s: %w", loc, err), loc.Password())
	}
	db := sql.OpenDB(boundedConnect{Connector: connector, timeout: cfg.Timeout})
	// A snapshot holds one connection for a whole run and a writer another;
	// keep a few idle for verification reading while writing.
	db.SetMaxIdleConns(4)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, connectors.Scrub(fmt.Errorf("%s: connect: %w", loc, err), loc.Password())
	}
	return &DB{db: db, loc: loc, schema: cfg.DBName, readOnly: readOnly}, nil
}

// boundedConnect bounds a new connection's whole opening, handshake and
// authentication included, by the timeout parameter: the driver bounds
// only the dial with it, and a server that accepted the connection and
// never sent its greeting (overloaded, a stuck proxy) held a run's
// start, and each retry of a lost connection, for good. The driver stops
// watching the context once the connection is open, so the bound ends
// with Connect.
type boundedConnect struct {
	driver.Connector
	timeout time.Duration
}

func (c boundedConnect) Connect(ctx context.Context) (driver.Conn, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	// The dial (see dialer) leaves its wire in the slot, to be found
	// again from the connection the driver makes of it.
	ctx = context.WithValue(ctx, wireSlotKey{}, new(wireSlot))
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	registerWire(ctx, dc)
	return dc, nil
}

// cleanupTimeout bounds the statements that end a snapshot, a lock or a
// savepoint once the work is over. They run without the caller's context
// (Close takes none, and a cancelled run must still end them), and on a
// connection whose far side stopped answering while staying up (a stuck
// proxy or server, alive to TCP keepalive; no readTimeout is set by
// default) they waited forever, holding a run at its end. When it passes,
// the driver closes the connection, and the server ends the transaction
// or lock with the session.
var cleanupTimeout = 30 * time.Second

// cleanupContext is a context for such a statement, from parent's values
// but not its cancellation.
func cleanupContext(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(parent), cleanupTimeout)
}

// errorf wraps an error with the (redacted) location and scrubs the
// password from the whole text, in case a driver message echoed it, and
// the identity numbers a message can quote (a trigger's SIGNAL text, a
// key in a message withoutValues does not know).
func (d *DB) errorf(format string, args ...any) error {
	return connectors.MaskError(connectors.Scrub(fmt.Errorf("%s: "+format, append([]any{d.loc}, args...)...), d.loc.Password()))
}

// Dialect returns the MariaDB dialect.
func (d *DB) Dialect() connectors.Dialect { return Dialect{} }

// Close closes the pool. Snapshots must be closed first.
func (d *DB) Close() error { return d.db.Close() }

// Snapshot holds one connection in a REPEATABLE READ transaction started
// WITH CONSISTENT SNAPSHOT, so InnoDB fixes the view at once rather than
// at the first read, and READ ONLY, so the server refuses any write in it
// (error 1792) even from a user who could write. Tables outside InnoDB
// (MyISAM, Aria) have no snapshot: their rows are read as they are at each
// query; the catalogue does not hide them, so scan them with the platform
// stopped.
func (d *DB) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, d.errorf("snapshot: %w", err)
	}
	if err := beginSnapshot(ctx, conn); err != nil {
		conn.Close()
		return nil, d.errorf("snapshot: %w", err)
	}
	s := &snapshot{conn: conn, db: d}
	s.position = binlogPosition(ctx, conn)
	return s, nil
}

// errUnknownSystemVariable is ER_UNKNOWN_SYSTEM_VARIABLE.
const errUnknownSystemVariable = 1193

// resetVersioningAsOf makes a session read the current rows of
// system-versioned tables (see beginSnapshot); a variable so that a test
// can stand in for a server where it does not.
var resetVersioningAsOf = "SET SESSION system_versioning_asof = DEFAULT"

// currentRowsAsOf is how MariaDB shows system_versioning_asof when reads
// see the current rows; a moment shows as its datetime.
const currentRowsAsOf = "DEFAULT"

// beginSnapshot starts conn's read-only snapshot transaction. It first
// makes the session read the current rows of system-versioned tables:
// MariaDB's system_versioning_asof, set globally to a past moment, turns
// every read of such a table into a read of that moment, and a plan that
// acknowledged history_not_read would then migrate old rows as the
// current ones, every count agreeing. The keyword DEFAULT is the only
// value that means the current rows (the string 'DEFAULT' is refused,
// error 1231), and for most variables SET SESSION x = DEFAULT gives the
// global value; MariaDB 10.11 gives this one its own current-rows value
// instead, even with the global set to a moment
// (TestSnapshotReadsCurrentRowsWhateverTheGlobalAsOf). The value is read back all the same, and a
// session that still reads as of a moment is refused: a server that
// copied the global value would otherwise read the past without a word.
// MySQL has no such variable (1193): nothing to pin there. It also lifts
// sql_select_limit (see noSelectLimit), max_sort_length and
// sort_buffer_size (see wholeSortLength) and max_error_count (see
// maxErrorCount), which a session handed back by the pool may hold.
func beginSnapshot(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, resetVersioningAsOf); err != nil {
		var me *mysql.MySQLError
		if !errors.As(err, &me) || me.Number != errUnknownSystemVariable {
			return fmt.Errorf("read current rows of system-versioned tables: %w", err)
		}
	} else {
		var asOf string
		if err := conn.QueryRowContext(ctx, "SELECT @@SESSION.system_versioning_asof").Scan(&asOf); err != nil {
			return fmt.Errorf("read current rows of system-versioned tables: %w", err)
		}
		if asOf != currentRowsAsOf {
			return fmt.Errorf("system-versioned tables would be read as of %s, not their current rows: "+
				"the session's system_versioning_asof stays a moment after SET SESSION system_versioning_asof = DEFAULT (this server gives it the global value); "+
				"have the DBA run SET GLOBAL system_versioning_asof = DEFAULT", asOf)
		}
	}
	for _, q := range []string{
		"SET SESSION sql_select_limit = " + noSelectLimit + ", max_sort_length = " + wholeSortLength + ", sort_buffer_size = " + sortBufferAtLeast + ", max_error_count = " + maxErrorCount,
		"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
		"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// binlogPosition names the point in the binary log that the snapshot
// shows, or "" when the server keeps no binary log or the user may not
// see it. MariaDB's Binlog_snapshot_* status is consistent with the
// transaction's snapshot; SHOW MASTER STATUS (MySQL) is read just after it
// began, close but not exact under load.
func binlogPosition(ctx context.Context, conn *sql.Conn) string {
	var file, pos string
	rows, err := conn.QueryContext(ctx, "SHOW STATUS LIKE 'binlog_snapshot_%'")
	if err == nil {
		for rows.Next() {
			var name, val string
			if rows.Scan(&name, &val) != nil {
				break
			}
			switch strings.ToLower(name) {
			case "binlog_snapshot_file":
				file = val
			case "binlog_snapshot_position":
				pos = val
			}
		}
		rows.Close()
	}
	if file != "" {
		return file + ":" + pos
	}
	rows, err = conn.QueryContext(ctx, "SHOW MASTER STATUS")
	if err != nil {
		return ""
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() || len(cols) < 2 {
		return ""
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if rows.Scan(ptrs...) != nil || vals[0].String == "" {
		return ""
	}
	return vals[0].String + ":" + vals[1].String
}

type snapshot struct {
	conn     *sql.Conn
	db       *DB
	position string
}

// Position is the binary-log position ("mariadb-bin.000042:1234") that
// the snapshot shows, or "" when unknown. Find it with a type assertion
// on interface{ Position() string }: a later incremental run can start
// reading the binary log there.
func (s *snapshot) Position() string { return s.position }

// Close rolls the transaction back and returns the connection to the pool.
// A connection whose rollback failed is discarded rather than reused.
func (s *snapshot) Close() error {
	if s.conn == nil {
		return nil
	}
	conn := s.conn
	s.conn = nil
	ctx, cancel := cleanupContext(context.Background())
	defer cancel()
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		// Returning ErrBadConn from Raw closes the connection instead of
		// pooling one whose transaction state is unknown.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		return s.db.errorf("close snapshot: rollback: %w", err)
	}
	if err := conn.Close(); err != nil {
		return s.db.errorf("close snapshot: %w", err)
	}
	return nil
}

func (s *snapshot) Tables(ctx context.Context) ([]connectors.Table, error) {
	if s.conn == nil {
		return nil, s.db.errorf("snapshot is closed")
	}
	ts, err := tables(ctx, s.conn, s.db.schema)
	if err != nil {
		return nil, s.db.errorf("%w", err)
	}
	return ts, nil
}

func (s *snapshot) Count(ctx context.Context, table string) (int64, error) {
	if s.conn == nil {
		return 0, s.db.errorf("snapshot is closed")
	}
	q, err := Dialect{}.QuoteIdent(table)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+q).Scan(&n); err != nil {
		return 0, s.db.errorf("count %s: %w", table, err)
	}
	return n, nil
}

// Scan streams a table through keyset batches (see Dialect.SelectBatch).
// FLOAT columns are selected as CAST(col AS DOUBLE): the server prints a
// FLOAT with six significant digits, a DOUBLE with all it needs, and the
// cast widens exactly.
func (s *snapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	if s.conn == nil {
		return nil, s.db.errorf("snapshot is closed")
	}
	if connectors.StreamedScan(t, opts) {
		return s.stream(ctx, t, opts)
	}
	q, err := newQuerier(s.conn, &s.db.reads, t, opts.Key)
	if err != nil {
		return nil, err
	}
	rows, err := connectors.NewKeysetRows(ctx, q, newScanDialect(t), t, opts)
	if err != nil {
		return nil, s.db.errorf("%w", err)
	}
	return &scrubRows{Rows: rows, db: s.db}, nil
}

// stream reads a table by a key other than its primary key in one
// ordered query (see connectors.StreamedScan), whose result the driver
// reads from the socket as it arrives: the server sorts once (or walks an
// index that serves the key) instead of once per keyset page, and memory
// holds two pages. An open result occupies its connection until it is
// read to the end, and the snapshot's connection must stay free for the
// scans beside it (a form store's entities), so the stream has a
// connection of its own with its own consistent snapshot, begun when the
// scan starts. MariaDB cannot share a snapshot between connections: where
// the server keeps a binary log, the two snapshots' positions are compared
// and a difference logged; either way a source written to during the run
// makes verification fail, as any change between the run's and verify's
// snapshots does. Migrations run in a freeze window.
func (s *snapshot) stream(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	if opts.After != nil && len(opts.After) != len(opts.Key) {
		return nil, s.db.errorf("table %s: resume key has %d values for %d key columns", t.Name, len(opts.After), len(opts.Key))
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	query, err := newScanDialect(t).selectOrdered(t.Name, names, opts.Key, opts.After != nil)
	if err != nil {
		return nil, s.db.errorf("table %s: %w", t.Name, err)
	}
	conn, err := s.db.db.Conn(ctx)
	if err != nil {
		return nil, s.db.errorf("read %s: %w", t.Name, err)
	}
	release := func() {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		if _, err := conn.ExecContext(cctx, "ROLLBACK"); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}
	if err := beginSnapshot(ctx, conn); err != nil {
		release()
		return nil, s.db.errorf("read %s: %w", t.Name, err)
	}
	if s.position != "" {
		if pos := binlogPosition(ctx, conn); pos != s.position {
			// Any commit on the server moves the position, other
			// databases' too, so this is a warning, not a refusal:
			// verification tells whether this table changed.
			slog.Warn("the source server committed writes between the run's snapshot and a streamed read's; verification compares what was read with the source", "table", t.Name, "snapshot", s.position, "stream", pos)
		}
	}
	q, err := newQuerier(conn, &s.db.reads, t, opts.Key)
	if err != nil {
		release()
		return nil, err
	}
	rows := connectors.NewStreamRows(ctx, q, t, query, opts.After, opts.BatchSize)
	return &scrubRows{Rows: &releaseRows{Rows: rows, release: release}, db: s.db}, nil
}

// releaseRows gives a stream's connection back when the stream closes.
type releaseRows struct {
	connectors.Rows
	release func()
	done    bool
}

func (r *releaseRows) RowsOwned() bool { return connectors.RowsOwned(r.Rows) }

func (r *releaseRows) Close() error {
	err := r.Rows.Close()
	if !r.done {
		r.done = true
		r.release()
	}
	return err
}

// scrubRows passes a scan's error through the location's scrubbing, as
// every other error of this package.
type scrubRows struct {
	connectors.Rows
	db *DB
}

func (r *scrubRows) RowsOwned() bool { return connectors.RowsOwned(r.Rows) }

func (r *scrubRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return r.db.errorf("%w", err)
	}
	return nil
}

// scanDialect is the Dialect with a select list that widens FLOAT columns,
// marks the text of character sets that do not define every byte
// (charset.go), reads YEAR(2) as its stored year (year2.go) and tells an
// ENUM's invalid value from its empty member (enumzero.go).
type scanDialect struct {
	Dialect
	floats map[string]bool   // quoted names
	texts  map[string]string // quoted names: character set
	years  map[string]bool   // quoted names of YEAR(2) columns
	enums  map[string]bool   // quoted names of ENUMs with a '' member
}

func newScanDialect(t *connectors.Table) scanDialect {
	return scanDialect{floats: floatColumns(t), texts: checkedColumns(t), years: yearTwoColumns(t), enums: emptyMemberEnums(t)}
}

func (d scanDialect) SelectBatch(table string, columns, key []string, after bool, limit int) (string, error) {
	return d.selectBatch(table, columns, key, after, limit, d.selectColumn)
}

func (d scanDialect) selectColumn(q string) string {
	if d.floats[q] {
		return "CAST(" + q + " AS DOUBLE)"
	}
	if cs, ok := d.texts[q]; ok {
		return markedTextSQL(q, cs)
	}
	if d.years[q] {
		return yearTwoSQL(q)
	}
	if d.enums[q] {
		return enumZeroSQL(q)
	}
	return q
}

func floatColumns(t *connectors.Table) map[string]bool {
	return quotedColumns(t, func(c *connectors.Column) bool {
		return c.Type.Kind == connectors.KindFloat && (c.Type.Bits == 32 || baseType(c.SourceType) == "float")
	})
}

// quotedColumns gives the quoted names of a table's columns that is
// true of: the set a select list is made from (scanDialect.selectColumn).
func quotedColumns(t *connectors.Table, is func(*connectors.Column) bool) map[string]bool {
	m := map[string]bool{}
	for i := range t.Columns {
		if is(&t.Columns[i]) {
			if q, err := (Dialect{}).QuoteIdent(t.Columns[i].Name); err == nil {
				m[q] = true
			}
		}
	}
	return m
}

// withoutValues replaces the message of a server error that quotes a
// value ("Duplicate entry '19121212-1212' for key …") with one that names
// only the error: values can be personal data, and errors reach logs and
// reports. The original stays in the chain for errors.As.
func withoutValues(err error) error {
	var me *mysql.MySQLError
	if err == nil || !errors.As(err, &me) {
		return err
	}
	switch me.Number {
	case 1062, 1586: // duplicate entry
		return connectors.Withhold(err, fmt.Sprintf("Error %d (%s): duplicate key value (the server's message quotes the value and is withheld)", me.Number, sqlState(me)))
	case 1644: // SIGNAL from a trigger or procedure: its text is anyone's
		return connectors.Withhold(err, fmt.Sprintf("Error %d (%s): raised by a trigger or procedure (its message is withheld: it can name a value)", me.Number, sqlState(me)))
	case 1265, 1264, 1292, 1300, 1366, 1367, 1411, 1525, 4078:
		// data truncated, out of range, incorrect value, invalid
		// characters for the charset (1300): the messages
		// quote the value.
		return connectors.Withhold(err, fmt.Sprintf("Error %d (%s): a value does not fit its column (the server's message quotes the value and is withheld)", me.Number, sqlState(me)))
	}
	return err
}

func sqlState(me *mysql.MySQLError) string { return string(me.SQLState[:]) }
