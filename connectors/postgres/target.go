package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
)

// Create creates the schema when missing and the tables that do not exist,
// all in one transaction: a failure leaves no half-created schema behind.
func (d *DB) Create(ctx context.Context, tables []connectors.Table) error {
	if d.readOnly {
		return fmt.Errorf("%s: create tables: %w", d.where, connectors.ErrReadOnly)
	}
	ddls := make([]string, len(tables))
	for i := range tables {
		ddl, err := createTable(&tables[i])
		if err != nil {
			return fmt.Errorf("%s: %w", d.where, err)
		}
		ddls[i] = ddl
	}
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return d.errorf(err, "create tables: begin")
	}
	defer rollback(tx)
	if err := d.ensureSchema(ctx, tx); err != nil {
		return err
	}
	for i, ddl := range ddls {
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return d.errorf(err, "create table %s", tables[i].Name)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return d.errorf(err, "create tables: commit")
	}
	return nil
}

// Begin starts a write transaction on a dedicated connection, READ
// COMMITTED whatever default_transaction_isolation says: a commit unit's
// transaction, begun while the unit before it commits (OverlapsCommits),
// must see that unit's checkpoint in its later statements. Under a
// DBA's repeatable read its one snapshot, taken at its first statement,
// did not: the predecessor check took the checkpoint for a lost commit,
// and the run stopped at its second unit (serializable failed to
// serialize instead).
func (d *DB) Begin(ctx context.Context) (connectors.Tx, error) {
	if d.readOnly {
		return nil, fmt.Errorf("%s: begin: %w", d.where, connectors.ErrReadOnly)
	}
	tx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return nil, d.errorf(err, "begin")
	}
	return &writeTx{db: d, tx: tx, ctx: ctx}, nil
}

// writeTx is a write transaction. Write checks a whole batch before any of
// it is sent, so a value that does not fit leaves the transaction as it
// was and the caller may go on (archive the row, write the rest). A server
// error during COPY aborts the transaction; only Rollback helps then.
type writeTx struct {
	db *DB
	tx pgx.Tx
	// ctx is Begin's: Commit takes none, and is cancelled with it (as
	// database/sql's is), so that a commit a peer never answers ends
	// when the caller gives up (a stall limit, a second Ctrl-C) instead
	// of waiting for ever; pgx then closes the connection.
	ctx context.Context
	src copySource
	// oids and encs are the binary COPY's per column, reused.
	oids []uint32
	encs []fieldEncoder
	// pgxRows counts the rows left to pgx's CopyFrom (for tests).
	pgxRows int64
}

func (w *writeTx) Commit() error {
	if err := w.tx.Commit(w.ctx); err != nil {
		return w.db.errorf(err, "commit")
	}
	return nil
}

// CommitAsync commits with synchronous_commit off for this transaction
// only: the server answers before it has flushed the commit to disk, and
// its WAL writer flushes it a fraction of a second later. A batch's
// commit then costs the target no wait for the disk; see
// connectors.AsyncCommitter for what that may lose and how the runner
// notices.
func (w *writeTx) CommitAsync() error {
	if _, err := w.tx.Exec(w.ctx, "SET LOCAL synchronous_commit TO OFF"); err != nil {
		// Ended here, as a failed Commit ends it: the pool has the
		// connection back only when its transaction ends, and the pool's
		// Close waits for every connection it gave out. Left open, a run
		// whose target session was ended just before this commit retried
		// the batch, finished, and waited in Close forever.
		_ = w.Rollback()
		return w.db.errorf(err, "commit")
	}
	return w.Commit()
}

var _ connectors.AsyncCommitter = (*writeTx)(nil)

// Rollback ends the transaction; after Commit or a previous Rollback it
// does nothing.
func (w *writeTx) Rollback() error {
	if w.ctx.Err() != nil && !w.tx.Conn().IsClosed() {
		// The caller gave up on the transaction (a stall limit, a
		// cancelled run): its connection may be one that stopped
		// answering, where a rollback waited cleanupTimeout for nothing.
		// Closed at once, the server ends the transaction with the
		// session; the rollback below then only gives the pool its
		// connection back.
		done, cancel := context.WithCancel(context.Background())
		cancel()
		_ = w.tx.Conn().PgConn().Close(done)
		_ = rollback(w.tx)
		return nil
	}
	if err := rollback(w.tx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return w.db.errorf(err, "rollback")
	}
	return nil
}

// Write appends rows with one binary COPY. Canonical values go to pgx as
// they are (the connection's codecs know them), so a row costs no
// conversion and no copy unless it holds a nil []byte.
func (w *writeTx) Write(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return w.write(ctx, t, rows, true)
}

// WriteChecked is Write for rows whose values the caller has checked
// (see connectors.CheckedWriter): the rows' widths are still checked, the
// values are not checked again.
func (w *writeTx) WriteChecked(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return w.write(ctx, t, rows, false)
}

var _ connectors.CheckedWriter = (*writeTx)(nil)

func (w *writeTx) write(ctx context.Context, t *connectors.Table, rows [][]connectors.Value, check bool) (int64, error) {
	ncol := len(t.Columns)
	if ncol == 0 {
		return 0, fmt.Errorf("table %s has no columns", t.Name)
	}
	if err := fitBatch(t, rows, check); err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nil
	}
	names := make([]string, ncol)
	w.src.bytesCols = w.src.bytesCols[:0]
	for j, c := range t.Columns {
		if err := connectors.CheckIdent(c.Name); err != nil {
			return 0, fmt.Errorf("table %s: %w", t.Name, err)
		}
		names[j] = c.Name
		if c.Type.Kind == connectors.KindBytes {
			w.src.bytesCols = append(w.src.bytesCols, j)
		}
	}
	if err := connectors.CheckIdent(t.Name); err != nil {
		return 0, err
	}
	n, rest, err := w.copyBinary(ctx, t, names, rows)
	if err != nil || len(rest) == 0 {
		return n, err
	}
	w.pgxRows += int64(len(rest))
	w.src.reset(rest, ncol)
	m, err := w.tx.CopyFrom(ctx, pgx.Identifier{w.db.schema, t.Name}, names, &w.src)
	if err != nil {
		return n, w.db.errorf(err, "copy into %s", t.Name)
	}
	return n + m, nil
}

// copyChunk bounds the encoded COPY data held at once: a batch larger
// than that (long texts) is sent as several COPY statements in its
// transaction.
const copyChunk = 4 << 20

// copyBufs keeps encoding buffers from batch to batch (a sync.Pool
// would drop them at every other collection, and a batch's buffer would
// grow again from nothing). One much larger than copyChunk, grown by a
// huge value, is not kept.
var copyBufs = make(chan []byte, 4)

func getCopyBuf() []byte {
	select {
	case b := <-copyBufs:
		return b[:0]
	default:
		return nil
	}
}

func putCopyBuf(b []byte) {
	if cap(b) > 2*copyChunk {
		return
	}
	select {
	case copyBufs <- b[:0]:
	default:
	}
}

// copyBinary writes rows with this package's binary COPY encoders (see
// copy.go) and returns the rows it left to pgx's CopyFrom: all of them
// when a column's type has no encoder here, or those from the first value
// an encoder declines.
func (w *writeTx) copyBinary(ctx context.Context, t *connectors.Table, names []string, rows [][]connectors.Value) (int64, [][]connectors.Value, error) {
	pc := w.tx.Conn().PgConn()
	table := pgx.Identifier{w.db.schema, t.Name}.Sanitize()
	cols := make([]byte, 0, 16*len(names))
	for j, name := range names {
		if j > 0 {
			cols = append(cols, ", "...)
		}
		cols = append(cols, pgx.Identifier{name}.Sanitize()...)
	}
	// The columns' types as the server has them (a domain's as its base
	// type), as pgx's CopyFrom finds them.
	sd, err := pc.Prepare(ctx, "", "SELECT "+string(cols)+" FROM "+table, nil)
	if err != nil {
		return 0, nil, w.db.errorf(err, "copy into %s: describe", t.Name)
	}
	if len(sd.Fields) != len(names) {
		return 0, rows, nil
	}
	w.oids = w.oids[:0]
	for _, f := range sd.Fields {
		w.oids = append(w.oids, f.DataTypeOID)
	}
	if w.encs = copyEncodersFor(w.oids, w.encs); w.encs == nil {
		return 0, rows, nil
	}
	buf := getCopyBuf()
	defer func() { putCopyBuf(buf) }()
	copySQL := "COPY " + table + " (" + string(cols) + ") FROM STDIN (FORMAT binary)"
	var total int64
	for len(rows) > 0 {
		buf = append(buf[:0], copySignature...)
		end, ok := 0, true
		for end < len(rows) && len(buf) < copyChunk {
			next, rowOK := appendCopyRow(buf, w.encs, rows[end])
			if !rowOK {
				ok = false
				break
			}
			buf, end = next, end+1
		}
		if end > 0 {
			buf = appendCopyTrailer(buf)
			tag, err := pc.CopyFrom(ctx, bytes.NewReader(buf), copySQL)
			if err != nil {
				// pgconn may return on a server error before its sending
				// goroutine has stopped reading buf: never reuse it.
				buf = nil
				return total, nil, w.db.errorf(err, "copy into %s", t.Name)
			}
			total += tag.RowsAffected()
		}
		rows = rows[end:]
		if !ok {
			return total, rows, nil
		}
	}
	return total, nil, nil
}

// RuleInvalidJSON says that JSON text is not JSON, which PostgreSQL's json
// type refuses on input; Type.Fit checks it for every dialect.
const RuleInvalidJSON = connectors.RuleInvalidJSON

// fitBatch checks every value of a batch (Column.Fit and
// Dialect.CheckValue) before anything is sent: a value
// refused by the server in the middle of a COPY would abort the whole
// transaction, and its error could not name the row.
// With check false only the rows' widths are checked.
func fitBatch(t *connectors.Table, rows [][]connectors.Value, check bool) error {
	ncol := len(t.Columns)
	for i, row := range rows {
		if len(row) != ncol {
			return fmt.Errorf("table %s: row %d has %d values for %d columns", t.Name, i, len(row), ncol)
		}
		if !check {
			continue
		}
		for j, v := range row {
			if err := connectors.CheckColumn(Dialect{}, &t.Columns[j], v); err != nil {
				return fmt.Errorf("table %s: row %d of batch, column %s: %w", t.Name, i, t.Columns[j].Name, err)
			}
		}
	}
	return nil
}

// copySource feeds a checked batch to pgx's CopyFrom. pgx encodes a row's
// values before asking for the next, so one buffer serves every row that
// needs fixing up.
type copySource struct {
	rows      [][]connectors.Value
	i         int
	bytesCols []int // columns where a nil []byte must become empty, not NULL
	buf       []any
}

func (s *copySource) reset(rows [][]connectors.Value, ncol int) {
	s.rows, s.i = rows, -1
	if cap(s.buf) < ncol {
		s.buf = make([]any, ncol)
	}
	s.buf = s.buf[:ncol]
}

func (s *copySource) Next() bool {
	s.i++
	return s.i < len(s.rows)
}

// emptyBytes is what a nil []byte is written as: pgx would take a typed
// nil slice for NULL, but a canonical []byte is never NULL.
var emptyBytes = []byte{}

func (s *copySource) Values() ([]any, error) {
	row := s.rows[s.i]
	fixed := false
	for _, j := range s.bytesCols {
		if b, ok := row[j].([]byte); ok && b == nil {
			if !fixed {
				copy(s.buf, row)
				fixed = true
			}
			s.buf[j] = emptyBytes
		}
	}
	if fixed {
		return s.buf, nil
	}
	return row, nil
}

func (s *copySource) Err() error { return nil }

// ensureSchema creates the target schema when it is missing, and only
// then: CREATE SCHEMA IF NOT EXISTS still needs the CREATE right on the
// database, which a target role may lack.
func (d *DB) ensureSchema(ctx context.Context, tx pgx.Tx) error {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)", d.schema).Scan(&exists); err != nil {
		return d.errorf(err, "look up schema %s", d.schema)
	}
	if exists {
		return nil
	}
	qs, err := Dialect{}.QuoteIdent(d.schema)
	if err != nil {
		return fmt.Errorf("%s: schema: %w", d.where, err)
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+qs); err != nil {
		return d.errorf(err, "create schema %s", d.schema)
	}
	return nil
}

var _ connectors.RowDeleter = (*writeTx)(nil)

// DeleteBefore deletes rows below a sequence number (connectors.RowDeleter).
func (w *writeTx) DeleteBefore(ctx context.Context, table, match, value, seq string, before int64) (int64, error) {
	qt, err := w.db.qualified(table)
	if err != nil {
		return 0, err
	}
	q, err := connectors.DeleteBeforeSQL(Dialect{}, qt, match, seq, "$1", "$2")
	if err != nil {
		return 0, err
	}
	tag, err := w.tx.Exec(ctx, q, value, before)
	if err != nil {
		return 0, w.db.errorf(err, "delete from %s", table)
	}
	return tag.RowsAffected(), nil
}
