package postgres

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
)

// The legacy writer builds a legacy platform in PostgreSQL for rehearsals
// and tests (regflytt synth); a migration never uses it. PostgreSQL stores
// less of what legacy platforms hold than MariaDB or SQLite, and the writer
// stores only what PostgreSQL can hold, never an approximation:
//
//   - Zero and impossible dates ('0000-00-00', '2024-05-00') fit no date or
//     timestamp column. Into a text column they are written as their raw
//     text (and read back as that text, a string); into a date column they
//     are an error. A platform that must carry zero dates therefore
//     declares those columns text in its PostgreSQL rendition, which is
//     what plans/synth does: the values read back with the same text as on
//     MariaDB, though as strings rather than InvalidDate.
//   - Text is UTF-8 without NUL. Bytes for a text column whose Charset is
//     latin1 are decoded as MariaDB decodes latin1 (Windows-1252), so such
//     a column reads back as the same platform on MariaDB reads; other
//     bytes for a text column must be valid UTF-8. Invalid UTF-8 belongs in
//     a bytea column.
//   - Canonical values of other kinds for a text column (a Date in a column
//     declared text, say) are written as their text form.
//
// Nothing is Fit-checked otherwise: an integer is stored if the column's
// type takes it.

var _ connectors.LegacyWriter = (*DB)(nil)

// CreateLegacy creates the schema when missing and the tables, with each
// column's SourceType as its DDL type when set ("varchar(13)", "text",
// "date") and the canonical DDL otherwise, in one transaction. A table
// that already exists is an error, and then nothing is created.
func (d *DB) CreateLegacy(ctx context.Context, tables []connectors.Table) error {
	if d.readOnly {
		return fmt.Errorf("%s: create legacy tables: %w", d.where, connectors.ErrReadOnly)
	}
	ddls := make([]string, len(tables))
	for i := range tables {
		ddl, err := d.legacyTableSQL(&tables[i])
		if err != nil {
			return fmt.Errorf("%s: %w", d.where, err)
		}
		ddls[i] = ddl
	}
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return d.errorf(err, "create legacy tables: begin")
	}
	defer rollback(tx)
	if err := d.ensureSchema(ctx, tx); err != nil {
		return err
	}
	for i, ddl := range ddls {
		var taken bool
		err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2)",
			d.schema, tables[i].Name).Scan(&taken)
		if err != nil {
			return d.errorf(err, "create legacy table %s", tables[i].Name)
		}
		if taken {
			return fmt.Errorf("%s: table %s already exists: a legacy platform is built once, into an empty database", d.where, tables[i].Name)
		}
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return d.errorf(err, "create legacy table %s", tables[i].Name)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return d.errorf(err, "create legacy tables: commit")
	}
	return nil
}

// legacyTableSQL gives CREATE TABLE schema.t (…) with source types.
func (d *DB) legacyTableSQL(t *connectors.Table) (string, error) {
	qt, err := d.qualified(t.Name)
	if err != nil {
		return "", err
	}
	return connectors.TableSQL(Dialect{}, "CREATE TABLE "+qt, t, func(c *connectors.Column) (string, error) {
		return connectors.LegacyColumnType(Dialect{}, c)
	})
}

// BeginLegacy starts a write transaction whose Write stores values without
// Fit checks, converted only as described above.
func (d *DB) BeginLegacy(ctx context.Context) (connectors.Tx, error) {
	tx, err := d.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &legacyTx{writeTx: tx.(*writeTx)}, nil
}

// legacyTx is a writeTx whose Write converts instead of checking.
type legacyTx struct {
	*writeTx
	conv []connectors.Value // converted rows' values, reused between batches
	rows [][]connectors.Value
}

// Write converts every value PostgreSQL cannot take as it is (legacyValue)
// before anything is sent, then sends the batch with one binary COPY.
func (w *legacyTx) Write(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) (int64, error) {
	ncol := len(t.Columns)
	if ncol == 0 {
		return 0, fmt.Errorf("table %s has no columns", t.Name)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	w.conv, w.rows = w.conv[:0], w.rows[:0]
	for i, row := range rows {
		if len(row) != ncol {
			return 0, fmt.Errorf("table %s: row %d has %d values for %d columns", t.Name, i, len(row), ncol)
		}
		for j, v := range row {
			cv, err := legacyValue(&t.Columns[j], v)
			if err != nil {
				return 0, fmt.Errorf("table %s: row %d of batch, column %s: %w", t.Name, i, t.Columns[j].Name, err)
			}
			w.conv = append(w.conv, cv)
		}
		w.rows = append(w.rows, nil)
	}
	// Slice after appending: conv may have moved while it grew.
	for i := range w.rows {
		w.rows[i] = w.conv[i*ncol : (i+1)*ncol : (i+1)*ncol]
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
	w.src.reset(w.rows, ncol)
	n, err := w.tx.CopyFrom(ctx, pgx.Identifier{w.db.schema, t.Name}, names, &w.src)
	if err != nil {
		return 0, w.db.errorf(err, "copy into %s", t.Name)
	}
	return n, nil
}

// legacyValue gives what PostgreSQL stores for v in column c, or an error
// when it cannot store it exactly. Errors never hold the value.
func legacyValue(c *connectors.Column, v connectors.Value) (connectors.Value, error) {
	switch c.Type.Kind {
	case connectors.KindText:
		switch x := v.(type) {
		case nil:
			return nil, nil
		case string:
			return x, checkText(x)
		case []byte:
			if strings.EqualFold(c.Charset, "latin1") {
				s := connectors.DecodeWindows1252(x)
				return s, checkText(s)
			}
			if !utf8.Valid(x) {
				return nil, fmt.Errorf("bytes that are not valid UTF-8 cannot be PostgreSQL text: declare the column bytea, or give it Charset latin1 if they are Latin-1")
			}
			s := string(x)
			return s, checkText(s)
		case connectors.InvalidDate:
			return x.Raw, nil
		case connectors.Date:
			return x.String(), nil
		case connectors.LocalDateTime:
			return x.String(), nil
		}
		b, err := connectors.AppendText(nil, v)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	case connectors.KindDate, connectors.KindDateTime, connectors.KindTimestamp:
		invalid := false
		switch x := v.(type) {
		case connectors.InvalidDate:
			invalid = true
		case connectors.Date:
			invalid = !x.Valid()
		case connectors.LocalDateTime:
			invalid = !x.Valid()
		}
		if invalid {
			return nil, fmt.Errorf("PostgreSQL cannot hold a zero or impossible date in a %v column: declare the column text in the PostgreSQL rendition of the platform", c.Type)
		}
	}
	return v, nil
}

// checkText refuses what PostgreSQL text cannot hold.
func checkText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("text that is not valid UTF-8 cannot be PostgreSQL text: declare the column bytea")
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("text holding a NUL byte cannot be PostgreSQL text: declare the column bytea")
	}
	return nil
}
