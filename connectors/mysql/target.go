package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
)

// maxRowsPerInsert bounds an INSERT's rows: past about a thousand rows a
// bigger statement saves no round trips worth having and only holds more
// memory on both sides.
const maxRowsPerInsert = 1000

// maxStatementMemory bounds a statement's size whatever max_allowed_packet
// allows (servers set it up to 1 GiB), so memory stays flat; a single row
// larger than this still goes alone, up to max_allowed_packet.
const maxStatementMemory = 16 << 20

// packetSlack is room left under max_allowed_packet for the packet header
// and the server's own accounting.
const packetSlack = 1024

// Create creates the tables that do not exist, InnoDB with utf8mb4 NO PAD
// binary collation (see Dialect.ColumnType). Foreign keys are not created:
// the runner writes tables in any order and each batch commits alone. A
// name that is a view or a sequence is refused before any table is
// created (see notTables).
func (d *DB) Create(ctx context.Context, tables []connectors.Table) error {
	if d.readOnly {
		return d.errorf("create tables: %w", connectors.ErrReadOnly)
	}
	if err := d.notTables(ctx, tables); err != nil {
		return err
	}
	for i := range tables {
		// What CreateConstraints will not manage after the load is refused
		// now, before a table or row is written.
		if _, _, _, err := constraintPhases(&tables[i]); err != nil {
			return d.errorf("%w", err)
		}
	}
	for i := range tables {
		ddl, err := createTable(&tables[i])
		if err != nil {
			return d.errorf("create table %s: %w", tables[i].Name, err)
		}
		if _, err := d.db.ExecContext(ctx, ddl); err != nil {
			return d.errorf("create table %s: %w", tables[i].Name, err)
		}
	}
	return nil
}

// otherObjectsQuery lists what shares the tables' namespace but is no
// table the catalogue reads: views and sequences.
const otherObjectsQuery = "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES " +
	"WHERE TABLE_SCHEMA = ? AND TABLE_TYPE NOT IN ('BASE TABLE', 'SYSTEM VERSIONED')"

// notTables refuses tables one of which is named as a view or a sequence
// of the database. The catalogue lists base tables only, so such a name
// looks like a table to create; CREATE TABLE IF NOT EXISTS then leaves
// the view alone with only a note, and the rows written go through it
// into its base table, past that table's triggers and checks, which no
// check before writing looked at (verified on 10.11: a run wrote its rows
// so and only its end check, which found no table, said so).
func (d *DB) notTables(ctx context.Context, tables []connectors.Table) error {
	want := make(map[string]bool, len(tables))
	for i := range tables {
		want[tables[i].Name] = true
	}
	var found []string
	err := each(ctx, d.db, otherObjectsQuery, d.schema, func(r *sql.Rows) error {
		var name, typ string
		if err := r.Scan(&name, &typ); err != nil {
			return err
		}
		if want[name] {
			found = append(found, name+" is a "+typ)
		}
		return nil
	})
	if err != nil {
		return d.errorf("create tables: list views and sequences: %w", err)
	}
	if len(found) > 0 {
		return d.errorf("create tables: receiving table %s in database %s, not a table: rows written there would go wherever it leads, and CREATE TABLE IF NOT EXISTS leaves it alone; drop or rename it (nothing was written)",
			strings.Join(found, ", "), d.schema)
	}
	return nil
}

// Begin starts a write transaction on one connection of the pool. The
// session is strict (see sessionSQLMode): the server refuses what does not
// fit instead of truncating it with a warning. The transaction holds its
// connection as a sql.Conn, so that a load can run on the driver's
// connection (loadwire.go); it goes back to the pool when the
// transaction ends.
func (d *DB) Begin(ctx context.Context) (connectors.Tx, error) {
	if d.readOnly {
		return nil, d.errorf("begin: %w", connectors.ErrReadOnly)
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, d.errorf("begin: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, d.errorf("begin: %w", err)
	}
	fail := func(err error) (connectors.Tx, error) {
		tx.Rollback()
		conn.Close()
		return nil, err
	}
	packet, set, err := d.writeSession(ctx, tx)
	if err != nil {
		return fail(d.errorf("begin: read max_allowed_packet, sql_notes, note_verbosity and foreign_key_checks: %w", err))
	}
	if set != "" {
		if _, err := tx.ExecContext(ctx, "SET SESSION "+set); err != nil {
			return fail(d.errorf("begin: turn notes and foreign key checks on: %w", err))
		}
	}
	limit := packet - packetSlack
	if limit < 4096 {
		limit = 4096
	}
	return &writeTx{tx: tx, conn: conn, ctx: ctx, db: d, maxStatement: int(min(limit, math.MaxInt32))}, nil
}

// writeSession reads the session's max_allowed_packet and gives the
// assignments (none, mostly) that make its writes checked. Every write's
// warnings are checked after it, and a decimal the server rounds is only a
// note, which it counts only with sql_notes on and, on MariaDB from
// 10.6.16 and 10.11.6, gives at all only with basic in note_verbosity; a
// foreign key of a table that exists holds for the rows written only with
// foreign_key_checks on. The connection turns sql_notes and the checks on
// (see Config); a session handed back by the pool may have turned them
// off since. note_verbosity is set here only: MariaDB versions without it
// would refuse the connection's SET, and a version guard cannot tell
// 10.11.5 from 10.11.6.
//
// noteVerbosity is the variable asked for; a variable so that a test can
// stand in for a server without it.
var noteVerbosity = "@@note_verbosity"

func (d *DB) writeSession(ctx context.Context, tx *sql.Tx) (packet int64, set string, err error) {
	var notes, fkChecks bool
	verbosity := sql.NullString{String: "basic", Valid: true}
	if !d.noNoteVerbosity.Load() {
		err = tx.QueryRowContext(ctx, "SELECT @@max_allowed_packet, @@sql_notes, @@foreign_key_checks, "+noteVerbosity).Scan(&packet, &notes, &fkChecks, &verbosity)
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == errUnknownSystemVariable {
			d.noNoteVerbosity.Store(true)
		}
	}
	if d.noNoteVerbosity.Load() {
		err = tx.QueryRowContext(ctx, "SELECT @@max_allowed_packet, @@sql_notes, @@foreign_key_checks").Scan(&packet, &notes, &fkChecks)
	}
	if err != nil {
		return 0, "", err
	}
	var sets []string
	if !notes {
		sets = append(sets, "sql_notes = 1")
	}
	if !fkChecks {
		sets = append(sets, "foreign_key_checks = 1")
	}
	if !slices.Contains(strings.Split(verbosity.String, ","), "basic") {
		// The DBA's other flags stay; a leading comma is accepted.
		sets = append(sets, "note_verbosity = CONCAT("+noteVerbosity+", ',basic')")
	}
	return packet, strings.Join(sets, ", "), nil
}

type writeTx struct {
	tx *sql.Tx
	// conn is tx's connection, Begin's, closed (back to the pool) when
	// the transaction ends; nil for BeginLegacy's, which has its own.
	conn *sql.Conn
	// ctx is Begin's: the transaction's commit is cancelled with it.
	ctx          context.Context
	db           *DB
	maxStatement int // bytes
	buf          []byte
	done         bool
}

// Commit sends COMMIT as a statement under Begin's context, so that a
// commit the server does not answer (a frozen server, a dropped flow) is
// cancelled with it, by the stall limit or a second Ctrl-C: the driver
// closes the connection, and the server either committed the whole
// transaction or rolls it back as the session ends. sql.Tx.Commit takes
// no context, and go-sql-driver/mysql's sends COMMIT without watching
// one: a run waited on it for ever.
func (w *writeTx) Commit() error {
	w.done = true
	if w.ctx == nil {
		w.ctx = context.Background()
	}
	_, err := w.tx.ExecContext(w.ctx, "COMMIT")
	w.endSQLTx()
	if err != nil {
		return w.db.errorf("commit: %w", err)
	}
	return nil
}

// endSQLTx ends database/sql's transaction after a COMMIT sent as a
// statement: a ROLLBACK with nothing left to undo (one round trip per
// commit unit), or none on a connection the cancellation closed. It is
// not waited for past Begin's context: the driver's ROLLBACK watches none
// either, and a server that froze after answering the COMMIT would hold
// the run at it; left to its goroutine, it holds a connection the pool's
// Close does not wait for.
func (w *writeTx) endSQLTx() {
	done := make(chan struct{})
	conn := w.conn
	go func() {
		defer close(done)
		w.tx.Rollback()
		if conn != nil {
			conn.Close()
		}
	}()
	select {
	case <-done:
	case <-w.ctx.Done():
	}
}

func (w *writeTx) Rollback() error {
	ended := w.done
	w.done = true
	err := w.tx.Rollback()
	// After a Commit, endSQLTx gives the connection back: it may still be
	// ending database/sql's transaction, which a Close here would wait for.
	if w.conn != nil && !ended {
		w.conn.Close()
	}
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		return w.db.errorf("rollback: %w", err)
	}
	return nil
}

// Write inserts rows with multi-row INSERT statements of up to
// maxRowsPerInsert rows and max_allowed_packet bytes, values rendered as
// literals (see literal.go). Every value is checked with Column.Fit and
// Dialect.CheckValue before anything is sent. When the rows need more than one statement, a
// savepoint makes the batch all or nothing: a statement that fails is
// undone by the server, and the savepoint undoes the ones before it.
//
// Write loads rows with LOAD DATA LOCAL INFILE when it can (see
// loaddata.go), and falls back to the INSERTs described here.
func (w *writeTx) Write(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return w.write(ctx, t, rows, func(c *connectors.Column, v connectors.Value) error {
		return connectors.CheckColumn(Dialect{}, c, v)
	})
}

// WriteChecked is Write for rows whose values the caller has checked
// (see connectors.CheckedWriter); each value's literal is still built
// for its column's type, which refuses a value of the wrong kind.
func (w *writeTx) WriteChecked(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return w.write(ctx, t, rows, nil)
}

var _ connectors.CheckedWriter = (*writeTx)(nil)

// insert writes rows as multi-row INSERTs: every value is checked with
// check (when set) before anything is sent, each row is rendered by
// appendRow, and after each statement afterStatement (when set) may refuse
// what the server did with rows start..end-1. Rows that need more than one
// statement run under a savepoint, so a failure keeps none of the batch.
func (w *writeTx) insert(ctx context.Context, t *connectors.Table, rows [][]connectors.Value,
	check func(*connectors.Column, connectors.Value) error,
	appendRow func([]byte, *connectors.Table, []connectors.Value) ([]byte, error),
	afterStatement func(ctx context.Context, t *connectors.Table, start, end int) error) (int64, error) {
	if w.done {
		return 0, w.db.errorf("write %s: transaction has ended", t.Name)
	}
	ncol := len(t.Columns)
	if ncol == 0 {
		return 0, fmt.Errorf("table %s has no columns", t.Name)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	for i, row := range rows {
		if len(row) != ncol {
			return 0, fmt.Errorf("table %s: row %d of batch has %d values for %d columns", t.Name, i, len(row), ncol)
		}
		if check == nil {
			continue
		}
		for j, v := range row {
			if err := check(&t.Columns[j], v); err != nil {
				return 0, fmt.Errorf("table %s: row %d of batch, column %s: %w", t.Name, i, t.Columns[j].Name, err)
			}
		}
	}
	prefix, err := insertPrefix(t)
	if err != nil {
		return 0, err
	}
	// One statement in most batches; a savepoint only when there are more.
	multi := len(rows) > maxRowsPerInsert
	if multi {
		if _, err := w.tx.ExecContext(ctx, "SAVEPOINT regflytt_write"); err != nil {
			return 0, w.db.errorf("write %s: savepoint: %w", t.Name, err)
		}
	}
	var written int64
	start := 0
	for start < len(rows) {
		w.buf = append(w.buf[:0], prefix...)
		end := start
		for end < len(rows) && end-start < maxRowsPerInsert {
			mark := len(w.buf)
			if end > start {
				w.buf = append(w.buf, ',')
			}
			if w.buf, err = appendRow(w.buf, t, rows[end]); err != nil {
				return 0, w.undo(ctx, multi, fmt.Errorf("table %s: row %d of batch: %w", t.Name, end, err))
			}
			if len(w.buf) > w.maxStatement || (len(w.buf) > maxStatementMemory && end > start) {
				if end == start {
					return 0, w.undo(ctx, multi, fmt.Errorf("table %s: row %d of batch is %d bytes as SQL, more than max_allowed_packet allows (%d); raise max_allowed_packet on the server",
						t.Name, end, len(w.buf)-len(prefix), w.maxStatement))
				}
				w.buf = w.buf[:mark]
				if !multi {
					// Nothing sent yet, but the rows need more than one
					// statement after all: start under a savepoint.
					if _, err := w.tx.ExecContext(ctx, "SAVEPOINT regflytt_write"); err != nil {
						return 0, w.db.errorf("write %s: savepoint: %w", t.Name, err)
					}
					multi = true
				}
				break
			}
			end++
		}
		res, err := w.tx.ExecContext(ctx, string(w.buf))
		if err != nil {
			return 0, w.undo(ctx, multi, w.db.errorf("insert into %s, rows %d..%d of batch: %w", t.Name, start, end-1, withoutValues(err)))
		}
		if afterStatement != nil {
			if err := afterStatement(ctx, t, start, end); err != nil {
				return 0, w.undo(ctx, multi, err)
			}
		}
		n, _ := res.RowsAffected()
		written += n
		start = end
	}
	if multi {
		if _, err := w.tx.ExecContext(ctx, "RELEASE SAVEPOINT regflytt_write"); err != nil {
			return 0, w.db.errorf("write %s: release savepoint: %w", t.Name, err)
		}
	}
	return written, nil
}

// undo rolls back to the batch's savepoint, if there is one, and returns
// err (with the rollback's failure, if any, alongside).
func (w *writeTx) undo(ctx context.Context, multi bool, err error) error {
	if !multi {
		return err
	}
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	if _, rerr := w.tx.ExecContext(cctx, "ROLLBACK TO SAVEPOINT regflytt_write"); rerr != nil {
		return errors.Join(err, w.db.errorf("undo partial batch: %w (roll the transaction back)", rerr))
	}
	return err
}

// insertPrefix gives INSERT INTO `t` (`a`, `b`) VALUES .
func insertPrefix(t *connectors.Table) (string, error) {
	qt, err := Dialect{}.QuoteIdent(t.Name)
	if err != nil {
		return "", err
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	cols, err := connectors.QuoteList(Dialect{}, names)
	if err != nil {
		return "", fmt.Errorf("table %s: %w", t.Name, err)
	}
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(qt)
	b.WriteString(" (")
	b.WriteString(cols)
	b.WriteString(") VALUES ")
	return b.String(), nil
}

// appendRow appends (v1,v2,…) for one row. Literals are rendered without
// their column: a receiving table's columns come from a receiving schema,
// whose SourceType is the notation ("uuid"), not a MariaDB COLUMN_TYPE,
// so it cannot say which uuid column it is. The column-free literal of a
// UUID, X'…', fits this connector's binary(16) and MariaDB's own uuid type
// alike (verified on 10.11).
func appendRow(b []byte, t *connectors.Table, row []connectors.Value) ([]byte, error) {
	b = append(b, '(')
	for j, v := range row {
		if j > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendLiteral(b, v, nil); err != nil {
			return b, fmt.Errorf("column %s: %w", t.Columns[j].Name, err)
		}
	}
	return append(b, ')'), nil
}

var _ connectors.RowDeleter = (*writeTx)(nil)

// DeleteBefore deletes rows below a sequence number (connectors.RowDeleter).
func (w *writeTx) DeleteBefore(ctx context.Context, table, match, value, seq string, before int64) (int64, error) {
	qt, err := Dialect{}.QuoteIdent(table)
	if err != nil {
		return 0, err
	}
	q, err := connectors.DeleteBeforeSQL(Dialect{}, qt, match, seq, "?", "?")
	if err != nil {
		return 0, err
	}
	res, err := w.tx.ExecContext(ctx, q, value, before)
	if err != nil {
		return 0, w.db.errorf("delete from %s: %w", table, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
