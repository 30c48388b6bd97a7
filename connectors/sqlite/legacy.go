package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// The legacy writer builds a legacy platform in an SQLite file for
// rehearsals and tests (regflytt synth); a migration never uses it.
//
// SQLite keeps whatever a legacy application gave it, so little needs
// doing: a zero or impossible date (InvalidDate) is stored as its raw text,
// which the Source reads back as the same InvalidDate; bytes bound for a
// text column are stored as TEXT exactly as they are, invalid UTF-8
// included, which the Source reads back as a string holding those bytes.
// The exception is a column whose Charset is "latin1": SQLite has no
// Latin-1 text, so its bytes are stored as the text they mean, decoded the
// way MariaDB decodes its latin1 (Windows-1252). That is what a MariaDB
// platform converted to SQLite holds, and it makes a platform written here
// read back exactly as the same platform written to MariaDB.

var _ connectors.LegacyWriter = (*DB)(nil)

// CreateLegacy creates tables with each column's SourceType as its DDL type
// when set (after checking it is a plain type name), else the canonical
// DDL. A table that already exists is an error, and then none is created.
func (d *DB) CreateLegacy(ctx context.Context, tables []connectors.Table) error {
	if d.readOnly {
		return fmt.Errorf("sqlite %s: %w", d.path, connectors.ErrReadOnly)
	}
	ddls := make([]string, len(tables))
	for i := range tables {
		ddl, err := legacyTableSQL(&tables[i])
		if err != nil {
			return fmt.Errorf("sqlite %s: %w", d.path, err)
		}
		ddls[i] = ddl
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite %s: create legacy tables: %w", d.path, err)
	}
	defer tx.Rollback()
	for i, ddl := range ddls {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?", tables[i].Name).Scan(&n); err != nil {
			return fmt.Errorf("sqlite %s: create legacy table %s: %w", d.path, tables[i].Name, err)
		}
		if n > 0 {
			return fmt.Errorf("sqlite %s: table %s already exists: a legacy platform is built once, into an empty database", d.path, tables[i].Name)
		}
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return fmt.Errorf("sqlite %s: create legacy table %s: %w", d.path, tables[i].Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite %s: create legacy tables: commit: %w", d.path, err)
	}
	return nil
}

// legacyTableSQL gives CREATE TABLE (no IF NOT EXISTS) with source types.
func legacyTableSQL(t *connectors.Table) (string, error) {
	d := Dialect{}
	qt, err := d.QuoteIdent(t.Name)
	if err != nil {
		return "", err
	}
	return connectors.TableSQL(d, "CREATE TABLE "+qt, t, func(c *connectors.Column) (string, error) {
		return connectors.LegacyColumnType(d, c)
	})
}

// BeginLegacy starts a write transaction that stores values as a legacy
// platform held them: no Fit checks, InvalidDate as its raw text, bytes in
// text columns as TEXT (decoded first in latin1 columns, see above).
func (d *DB) BeginLegacy(ctx context.Context) (connectors.Tx, error) {
	tx, err := d.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &legacyTx{writeTx: tx.(*writeTx)}, nil
}

// legacyTx is a writeTx whose Write skips the Fit checks; Commit and
// Rollback are writeTx's.
type legacyTx struct {
	*writeTx
}

// Write inserts rows as they are, converting only what the driver cannot
// bind (see legacyValue).
func (w *legacyTx) Write(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	return w.insert(ctx, t, rows, legacyValue)
}

// legacyValue is driverValue for values a receiving table would refuse.
func legacyValue(c *connectors.Column, v connectors.Value) (any, error) {
	switch x := v.(type) {
	case connectors.InvalidDate:
		return x.Raw, nil
	case connectors.Date:
		if !x.Valid() {
			return x.String(), nil
		}
	case connectors.LocalDateTime:
		if !x.Valid() {
			return x.String(), nil
		}
	case []byte:
		if c.Type.Kind != connectors.KindText {
			break
		}
		if strings.EqualFold(c.Charset, "latin1") {
			return connectors.DecodeWindows1252(x), nil
		}
		// A Go string binds as TEXT whatever its bytes: invalid UTF-8 is
		// kept, as a legacy import would have kept it.
		return string(x), nil
	}
	return driverValue(v)
}
