package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// maxParams stays under SQLite's default limit of 32766 bound parameters.
const maxParams = 32000

// maxRowsPerInsert bounds a statement's size: past a few hundred rows a
// bigger statement only costs parsing.
const maxRowsPerInsert = 500

// Create creates the tables that do not exist.
func (d *DB) Create(ctx context.Context, tables []connectors.Table) error {
	if d.readOnly {
		return fmt.Errorf("sqlite %s: %w", d.path, connectors.ErrReadOnly)
	}
	for i := range tables {
		ddl, err := createTable(&tables[i])
		if err != nil {
			return err
		}
		if _, err := d.db.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("sqlite %s: create table %s: %w", d.path, tables[i].Name, err)
		}
	}
	return nil
}

// Begin starts an immediate write transaction, so a second writer waits at
// the start rather than failing at commit.
func (d *DB) Begin(ctx context.Context) (connectors.Tx, error) {
	if d.readOnly {
		return nil, fmt.Errorf("sqlite %s: %w", d.path, connectors.ErrReadOnly)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: begin: %w", d.path, err)
	}
	return &writeTx{tx: tx, path: d.path, stmts: map[string]*sql.Stmt{}}, nil
}

type writeTx struct {
	tx    *sql.Tx
	path  string
	stmts map[string]*sql.Stmt
	args  []any
}

func (w *writeTx) Commit() error {
	w.closeStmts()
	if err := w.tx.Commit(); err != nil {
		return fmt.Errorf("sqlite %s: commit: %w", w.path, err)
	}
	return nil
}

func (w *writeTx) Rollback() error {
	w.closeStmts()
	if err := w.tx.Rollback(); err != nil && err != sql.ErrTxDone {
		return fmt.Errorf("sqlite %s: rollback: %w", w.path, err)
	}
	return nil
}

func (w *writeTx) closeStmts() {
	for k, s := range w.stmts {
		s.Close()
		delete(w.stmts, k)
	}
}

// Write inserts rows with multi-row INSERT statements, prepared once per
// table and statement size within the transaction, after checking that
// every value fits its column.
func (w *writeTx) Write(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return w.insert(ctx, t, rows, checkedValue)
}

// checkedValue binds a value a receiving column can hold exactly.
func checkedValue(c *connectors.Column, v connectors.Value) (any, error) {
	if err := connectors.CheckColumn(Dialect{}, c, v); err != nil {
		return nil, err
	}
	return driverValue(v)
}

// insert writes rows, binding each value with bind; a value bind refuses
// stops the batch, naming row and column.
func (w *writeTx) insert(ctx context.Context, t *connectors.Table, rows [][]connectors.Value, bind func(*connectors.Column, connectors.Value) (any, error)) (int64, error) {
	ncol := len(t.Columns)
	if ncol == 0 {
		return 0, fmt.Errorf("table %s has no columns", t.Name)
	}
	per := min(maxRowsPerInsert, maxParams/ncol)
	var written int64
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		stmt, err := w.insertStmt(ctx, t, len(chunk))
		if err != nil {
			return written, err
		}
		w.args = w.args[:0]
		for i, row := range chunk {
			if len(row) != ncol {
				return written, fmt.Errorf("table %s: row %d has %d values for %d columns", t.Name, start+i, len(row), ncol)
			}
			for j, v := range row {
				dv, err := bind(&t.Columns[j], v)
				if err != nil {
					return written, fmt.Errorf("table %s: row %d of batch, column %s: %w", t.Name, start+i, t.Columns[j].Name, err)
				}
				w.args = append(w.args, dv)
			}
		}
		res, err := stmt.ExecContext(ctx, w.args...)
		if err != nil {
			return written, fmt.Errorf("sqlite %s: insert into %s: %w", w.path, t.Name, err)
		}
		n, _ := res.RowsAffected()
		written += n
	}
	return written, nil
}

func (w *writeTx) insertStmt(ctx context.Context, t *connectors.Table, nrows int) (*sql.Stmt, error) {
	key := t.Name + "\x00" + strconv.Itoa(nrows)
	if s, ok := w.stmts[key]; ok {
		return s, nil
	}
	q, err := insertSQL(t, nrows)
	if err != nil {
		return nil, err
	}
	s, err := w.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: prepare insert into %s: %w", w.path, t.Name, err)
	}
	w.stmts[key] = s
	return s, nil
}

func insertSQL(t *connectors.Table, nrows int) (string, error) {
	d := Dialect{}
	qt, err := d.QuoteIdent(t.Name)
	if err != nil {
		return "", err
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	cols, err := connectors.QuoteList(d, names)
	if err != nil {
		return "", fmt.Errorf("table %s: %w", t.Name, err)
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.Columns)), ",") + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO " + qt + " (" + cols + ") VALUES ")
	for i := 0; i < nrows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(one)
	}
	return b.String(), nil
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
		return 0, fmt.Errorf("sqlite %s: delete from %s: %w", w.path, table, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
