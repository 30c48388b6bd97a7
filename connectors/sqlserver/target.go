package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

// Create creates the tables that do not exist yet (see
// Dialect.CreateTable), each in its own statement.
func (d *DB) Create(ctx context.Context, tables []connectors.Table) error {
	if d.readOnly {
		return d.cfg.errorf("create tables: %w", connectors.ErrReadOnly)
	}
	if connectors.DeclaresConstraints(tables) {
		// Refused before anything is written, rather than after the load.
		return d.cfg.errorf("create tables: the receiving schema declares defaults, identities, indexes or foreign keys, which this connector does not create yet: remove them from the schema and create them by hand after the run")
	}
	for i := range tables {
		ddl, err := d.dialect().CreateTable(&tables[i])
		if err != nil {
			return err
		}
		if _, err := d.db.ExecContext(ctx, ddl); err != nil {
			return d.cfg.errorf("create table %s: %w", tables[i].Name, err)
		}
	}
	return nil
}

// Begin starts a write transaction at the database's default isolation.
func (d *DB) Begin(ctx context.Context) (connectors.Tx, error) {
	if d.readOnly {
		return nil, d.cfg.errorf("begin: %w", connectors.ErrReadOnly)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, d.cfg.errorf("begin: %w", err)
	}
	return &writeTx{tx: tx, d: d}, nil
}

type writeTx struct {
	tx *sql.Tx
	d  *DB
}

func (w *writeTx) Commit() error {
	if err := w.tx.Commit(); err != nil {
		return w.d.cfg.errorf("commit: %w", err)
	}
	return nil
}

func (w *writeTx) Rollback() error {
	if err := w.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return w.d.cfg.errorf("rollback: %w", err)
	}
	return nil
}

// Write loads rows with a bulk copy (bulk.go), or with the INSERTs of
// insertRows when the URL says ?bulk_copy=off.
func (w *writeTx) Write(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	if !w.d.cfg.insertRows {
		return w.bulkCopy(ctx, t, rows)
	}
	return w.insertRows(ctx, t, rows)
}

// insertRows inserts rows with multi-row INSERT … VALUES statements of at
// most 1000 rows and 2000 parameters each (see rowsPerInsert).
//
// Every value of the batch is checked (Column.Fit and what SQL Server
// cannot hold, see Dialect.CheckValue) and encoded before the first statement is sent, so
// a value that does not fit is a *connectors.FitError and nothing of the
// batch reaches the server. An error from the server itself can come
// after earlier statements of the batch were executed in the transaction;
// as with every Tx, roll back after an error.
func (w *writeTx) insertRows(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	args, per, err := encodeBatch(t, rows)
	if err != nil {
		return 0, err
	}
	ncol := len(t.Columns)
	dialect := Dialect{Schema: w.d.cfg.schema}
	queries := map[int]string{}
	var written int64
	for start := 0; start < len(rows); start += per {
		n := min(per, len(rows)-start)
		q, ok := queries[n]
		if !ok {
			if q, err = dialect.InsertSQL(t, n); err != nil {
				return written, err
			}
			queries[n] = q
		}
		res, err := w.tx.ExecContext(ctx, q, args[start*ncol:(start+n)*ncol]...)
		if err != nil {
			return written, w.d.cfg.errorf("insert into %s, rows %d..%d of the batch: %w", t.Name, start, start+n-1, err)
		}
		if k, err := res.RowsAffected(); err == nil {
			written += k
		}
	}
	return written, nil
}

// encodeBatch checks and encodes a whole batch into driver arguments, row
// by row, and says how many rows one INSERT carries. Its errors name the
// table, the row's index in the batch and the column, never the value.
func encodeBatch(t *connectors.Table, rows [][]connectors.Value) ([]any, int, error) {
	ncol := len(t.Columns)
	per, err := rowsPerInsert(ncol)
	if err != nil {
		return nil, 0, fmt.Errorf("table %s: %w", t.Name, err)
	}
	args := make([]any, 0, len(rows)*ncol)
	for i, row := range rows {
		if len(row) != ncol {
			return nil, 0, fmt.Errorf("table %s: row %d of batch has %d values for %d columns", t.Name, i, len(row), ncol)
		}
		for j, v := range row {
			c := &t.Columns[j]
			err := connectors.CheckColumn(Dialect{}, c, v)
			var dv any
			if err == nil {
				dv, err = encode(c.Type.Kind, v)
			}
			if err != nil {
				return nil, 0, fmt.Errorf("table %s: row %d of batch, column %s: %w", t.Name, i, c.Name, err)
			}
			args = append(args, dv)
		}
	}
	return args, per, nil
}

var _ connectors.RowDeleter = (*writeTx)(nil)

// DeleteBefore deletes rows below a sequence number (connectors.RowDeleter).
func (w *writeTx) DeleteBefore(ctx context.Context, table, match, value, seq string, before int64) (int64, error) {
	qt, err := w.d.dialect().QualifiedName(table)
	if err != nil {
		return 0, err
	}
	q, err := connectors.DeleteBeforeSQL(Dialect{}, qt, match, seq, placeholder(0), placeholder(1))
	if err != nil {
		return 0, err
	}
	res, err := w.tx.ExecContext(ctx, q, value, before)
	if err != nil {
		return 0, w.d.cfg.errorf("delete from %s: %w", table, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
