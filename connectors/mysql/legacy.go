package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/regflytt/regflytt/connectors"
)

// The legacy writer builds a legacy platform in MariaDB for rehearsals and
// tests (regflytt synth); a migration never uses it. It stores what legacy
// platforms hold and a receiving table would refuse:
//
//   - zero dates and zero days ('0000-00-00', '2024-05-00', '0000-00-00
//     00:00:00'): InvalidDate is written as its raw text in a session with
//     sql_mode='' (the mode old platforms ran in), so the server keeps it;
//   - Latin-1 text: a []byte value for a text column is sent as a literal
//     in the column's character set (_latin1 X'E5'), so the bytes arrive as
//     they are and read back as the text they mean ('å'); UTF-8 bytes put
//     into a latin1 column read back garbled ('Ã¥'), as on a real platform;
//   - no Fit checks: a value is whatever the caller says it is.
//
// What the server would still change is an error, not a silent change:
// with sql_mode='' MariaDB truncates a long string or replaces a character
// latin1 cannot hold with '?', and only says so in a warning. Write reads
// @@warning_count after every statement and fails when it is not zero,
// because a rehearsal platform that differs from what its generator
// counted would make every check of the migration wrong.

var _ connectors.LegacyWriter = (*DB)(nil)

// legacyTableOptions end a legacy CREATE TABLE: InnoDB, so the Source's
// consistent snapshot covers it, and utf8mb4 for columns that name no
// character set of their own.
const legacyTableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"

// CreateLegacy creates tables with each column's SourceType as its DDL type
// when set ("int(11)", "varchar(40)", "date"), else the canonical DDL. A
// column with a Charset gets CHARACTER SET <charset> unless its SourceType
// names one. A table that already exists is an error, found before any
// table is created.
func (d *DB) CreateLegacy(ctx context.Context, want []connectors.Table) error {
	if d.readOnly {
		return d.errorf("create legacy tables: %w", connectors.ErrReadOnly)
	}
	ddls := make([]string, len(want))
	for i := range want {
		ddl, err := legacyTableSQL(&want[i])
		if err != nil {
			return d.errorf("create legacy table %s: %w", want[i].Name, err)
		}
		ddls[i] = ddl
	}
	existing, err := tables(ctx, d.db, d.schema)
	if err != nil {
		return d.errorf("create legacy tables: %w", err)
	}
	for _, e := range existing {
		for _, t := range want {
			if strings.EqualFold(e.Name, t.Name) {
				return d.errorf("table %s already exists: a legacy platform is built once, into an empty database", t.Name)
			}
		}
	}
	// DDL commits implicitly in MariaDB: a failure part-way leaves the
	// tables before it, which the check above then reports on a retry.
	for i, ddl := range ddls {
		if _, err := d.db.ExecContext(ctx, ddl); err != nil {
			return d.errorf("create legacy table %s: %w", want[i].Name, err)
		}
	}
	return nil
}

// legacyTableSQL gives CREATE TABLE (no IF NOT EXISTS) with source types
// and their character sets.
func legacyTableSQL(t *connectors.Table) (string, error) {
	qt, err := Dialect{}.QuoteIdent(t.Name)
	if err != nil {
		return "", err
	}
	sql, err := connectors.TableSQL(Dialect{}, "CREATE TABLE "+qt, t, legacyColumnType)
	if err != nil {
		return "", err
	}
	return sql + legacyTableOptions, nil
}

// legacyColumnType is the DDL type of one legacy column.
func legacyColumnType(c *connectors.Column) (string, error) {
	typ := c.SourceType
	if typ == "" {
		if c.Charset == "" || c.Type.Kind != connectors.KindText {
			return Dialect{}.ColumnType(c.Type)
		}
		// The canonical text DDL names utf8mb4; a legacy charset replaces it.
		typ = "longtext"
		if c.Type.Length > 0 && c.Type.Length <= maxInlineLength {
			typ = fmt.Sprintf("varchar(%d)", c.Type.Length)
		}
	}
	if err := connectors.CheckSourceType(typ); err != nil {
		return "", err
	}
	lower := strings.ToLower(typ)
	if c.Charset != "" && !strings.Contains(lower, "character set") && !strings.Contains(lower, "charset") {
		if err := checkCharset(c.Charset); err != nil {
			return "", err
		}
		typ += " CHARACTER SET " + c.Charset
	}
	return typ, nil
}

// checkCharset accepts a character-set name (latin1, utf8mb3, cp1250): it
// is written unquoted into DDL and into literals' introducers.
func checkCharset(s string) error {
	if s == "" || len(s) > 32 {
		return fmt.Errorf("character set name of %d characters", len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return fmt.Errorf("character set %q: only letters, digits and underscores are allowed", s)
		}
	}
	return nil
}

// legacySQLMode is the legacy session's sql_mode: none of the checks, as
// platforms from before MariaDB 10.2.4 (where strict mode became the
// default) ran, so zero dates and zero days are stored.
const legacySQLMode = ""

// BeginLegacy starts a write transaction on a connection of its own whose
// session runs with an empty sql_mode. The connection's strict mode is restored
// when the transaction ends, before it goes back to the pool; a connection
// whose mode cannot be restored is closed instead.
func (d *DB) BeginLegacy(ctx context.Context) (connectors.Tx, error) {
	if d.readOnly {
		return nil, d.errorf("begin legacy: %w", connectors.ErrReadOnly)
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, d.errorf("begin legacy: %w", err)
	}
	lt := &legacyTx{conn: conn, writeTx: writeTx{db: d}}
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = '"+legacySQLMode+"'"); err != nil {
		lt.release()
		return nil, d.errorf("begin legacy: set sql_mode: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		lt.release()
		return nil, d.errorf("begin legacy: %w", err)
	}
	var packet int64
	if err := tx.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&packet); err != nil {
		tx.Rollback()
		lt.release()
		return nil, d.errorf("begin legacy: read max_allowed_packet: %w", err)
	}
	limit := max(packet-packetSlack, 4096)
	lt.writeTx = writeTx{tx: tx, ctx: ctx, db: d, maxStatement: int(min(limit, math.MaxInt32))}
	return lt, nil
}

// legacyTx is a writeTx on its own permissive connection.
type legacyTx struct {
	writeTx
	conn *sql.Conn
}

func (w *legacyTx) Commit() error {
	err := w.writeTx.Commit()
	return errors.Join(err, w.release())
}

func (w *legacyTx) Rollback() error {
	err := w.writeTx.Rollback()
	return errors.Join(err, w.release())
}

// release restores the session's strict sql_mode and returns the
// connection to the pool, or discards it when the mode cannot be restored:
// a permissive connection must never serve a receiving-table write.
func (w *legacyTx) release() error {
	if w.conn == nil {
		return nil
	}
	conn := w.conn
	w.conn = nil
	ctx, cancel := cleanupContext(context.Background())
	defer cancel()
	if _, err := conn.ExecContext(ctx, "SET SESSION sql_mode = '"+sessionSQLMode+"'"); err != nil {
		// Returning ErrBadConn from Raw closes the connection instead of
		// pooling it; nothing permissive remains, so this is no failure.
		conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
		slog.Warn("mysql: closed a legacy connection whose strict sql_mode could not be restored", "error", connectors.Scrub(err, w.db.loc.Password()))
		return nil
	}
	return conn.Close()
}

// Write inserts rows as they are: multi-row INSERTs of legacy literals
// (see legacyLiteral), each followed by a check that the server stored
// every value without a warning. A batch of more than one statement runs
// under a savepoint, so a failure keeps none of it.
func (w *legacyTx) Write(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return w.insert(ctx, t, rows, nil, appendLegacyRow, w.noWarnings)
}

// noWarnings fails when the last statement left warnings: under an empty
// sql_mode a warning means the server stored something other than what
// was sent, and under the strict one a decimal rounded to its column's
// scale is still only a note. Only the warning's code is reported; its
// message quotes the value, which can be personal data.
func (w *writeTx) noWarnings(ctx context.Context, t *connectors.Table, start, end int) error {
	var n int64
	if err := w.tx.QueryRowContext(ctx, "SELECT @@warning_count").Scan(&n); err != nil {
		return w.db.errorf("insert into %s: read warnings: %w", t.Name, err)
	}
	if n == 0 {
		return nil
	}
	code := "unknown"
	rows, err := w.tx.QueryContext(ctx, "SHOW WARNINGS LIMIT 1")
	if err == nil {
		var level, msg string
		var c int64
		if rows.Next() && rows.Scan(&level, &c, &msg) == nil {
			code = fmt.Sprint(c)
		}
		rows.Close()
	}
	return fmt.Errorf("table %s, rows %d..%d of batch: the server changed %d value(s) while storing them (first warning: code %s; 1366 is a character the column's charset cannot hold, 1265 a truncated value): a write must store values exactly",
		t.Name, start, end-1, n, code)
}

// appendLegacyRow appends (v1,v2,…) of legacy literals for one row.
func appendLegacyRow(b []byte, t *connectors.Table, row []connectors.Value) ([]byte, error) {
	b = append(b, '(')
	for j, v := range row {
		if j > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = legacyLiteral(b, v, &t.Columns[j]); err != nil {
			return b, fmt.Errorf("column %s: %w", t.Columns[j].Name, err)
		}
	}
	return append(b, ')'), nil
}

// legacyLiteral is appendLiteral plus what a legacy platform holds: zero
// and impossible dates as their text, and bytes for a text column as a
// hex literal in the column's character set (utf8mb4 when it names none),
// which the server stores without conversion in a column of that set.
func legacyLiteral(b []byte, v connectors.Value, c *connectors.Column) ([]byte, error) {
	switch x := v.(type) {
	case connectors.InvalidDate:
		return appendQuoted(b, x.Raw), nil
	case connectors.Date:
		if !x.Valid() {
			return appendQuoted(b, x.String()), nil
		}
	case connectors.LocalDateTime:
		if !x.Valid() {
			return appendQuoted(b, x.String()), nil
		}
	case []byte:
		if c.Type.Kind != connectors.KindText {
			break
		}
		cs := c.Charset
		if cs == "" {
			cs = "utf8mb4"
		}
		if err := checkCharset(cs); err != nil {
			return nil, err
		}
		if strings.HasPrefix(strings.ToLower(cs), "utf8") && !utf8.Valid(x) {
			// The server refuses the literal (error 1300) with a message
			// that quotes the bytes; say it here without them.
			return nil, fmt.Errorf("bytes that are not valid UTF-8 cannot go into a %s column: give the column a single-byte Charset (latin1) or a bytes type", cs)
		}
		b = append(b, '_')
		b = append(b, cs...)
		b = append(b, " X'"...)
		for _, by := range x {
			b = append(b, hexDigits[by>>4], hexDigits[by&0xf])
		}
		return append(b, '\''), nil
	}
	return appendLiteral(b, v, c)
}
