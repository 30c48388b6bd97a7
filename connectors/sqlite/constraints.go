package sqlite

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// SQLite cannot add a default or a foreign key to a table that exists
// (ALTER TABLE adds columns only), so CREATE TABLE carries both; foreign
// keys are not enforced while the run loads (the connection leaves
// PRAGMA foreign_keys off), and CreateConstraints checks them once the
// rows are in. Indexes are created after the load. An identity is a
// single-column INTEGER PRIMARY KEY, which is SQLite's rowid and numbers
// new rows past the highest by itself.

var (
	_ connectors.ConstraintCreator = (*DB)(nil)
	_ connectors.ConstraintDDL     = Dialect{}
)

// createTableWithConstraints gives CREATE TABLE IF NOT EXISTS with the
// columns' defaults and the table's foreign keys.
func createTableWithConstraints(t *connectors.Table) (string, error) {
	d := Dialect{}
	qt, err := d.QuoteIdent(t.Name)
	if err != nil {
		return "", err
	}
	// An identity is the rowid declared AUTOINCREMENT, which must be said
	// in the column's own definition: the catalogue reads it back, and
	// SQLite then never reuses the number of a deleted row.
	decl := *t
	identity := ""
	if err := checkIdentity(t); err != nil {
		return "", err
	}
	for _, c := range t.Columns {
		if c.Identity {
			identity, decl.PrimaryKey = c.Name, nil
		}
	}
	ddl, err := connectors.TableSQL(d, "CREATE TABLE IF NOT EXISTS "+qt, &decl, func(c *connectors.Column) (string, error) {
		typ, err := d.ColumnType(c.Type)
		if err == nil && c.Name == identity {
			return "INTEGER PRIMARY KEY AUTOINCREMENT", nil
		}
		if err != nil || c.Default == nil {
			return typ, err
		}
		lit, err := connectors.DefaultSQL(c.Type, c.Default)
		if err != nil {
			return "", err
		}
		if c.Default.Now {
			// SQLite's CURRENT_TIMESTAMP is UTC text 'YYYY-MM-DD HH:MM:SS',
			// right for an instant; a zone-less datetime or a date is the
			// local clock's, as the source's CURRENT_TIMESTAMP was.
			switch c.Type.Kind {
			case connectors.KindTimestamp:
				lit = "(CURRENT_TIMESTAMP)"
			case connectors.KindDate:
				lit = "(date('now', 'localtime'))"
			default:
				lit = "(datetime('now', 'localtime'))"
			}
		}
		return typ + " DEFAULT " + lit, nil
	})
	if err != nil || len(t.ForeignKeys) == 0 {
		return ddl, err
	}
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(ddl, "\n)"))
	for _, fk := range t.ForeignKeys {
		qf, err := d.QuoteIdent(fk.Name)
		if err != nil {
			return "", err
		}
		qr, err := d.QuoteIdent(fk.RefTable)
		if err != nil {
			return "", err
		}
		qcols, err := connectors.QuoteList(d, fk.Columns)
		if err != nil {
			return "", err
		}
		qrefs, err := connectors.QuoteList(d, fk.RefColumns)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, ",\n  CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)", qf, qcols, qr, qrefs)
	}
	b.WriteString("\n)")
	return b.String(), nil
}

// ConstraintStatements gives what CreateConstraints runs after the load
// for one table: its indexes, then the foreign-key check.
func (Dialect) ConstraintStatements(t *connectors.Table) ([]string, error) {
	out, err := indexStatements(t)
	if err != nil {
		return nil, err
	}
	if len(t.ForeignKeys) > 0 {
		q, err := Dialect{}.QuoteIdent(t.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, "PRAGMA foreign_key_check("+q+")")
	}
	return out, checkIdentity(t)
}

func indexStatements(t *connectors.Table) ([]string, error) {
	d := Dialect{}
	qt, err := d.QuoteIdent(t.Name)
	if err != nil {
		return nil, err
	}
	var out []string
	for i := range t.Indexes {
		s, err := connectors.IndexSQL(d, qt, &t.Indexes[i])
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// checkIdentity refuses an identity SQLite cannot give: only the one
// column of an INTEGER PRIMARY KEY numbers new rows.
func checkIdentity(t *connectors.Table) error {
	for _, c := range t.Columns {
		if c.Identity && (len(t.PrimaryKey) != 1 || t.PrimaryKey[0] != c.Name || c.Type.Kind != connectors.KindInt) {
			return fmt.Errorf("table %s column %s: SQLite numbers new rows only in a single-column integer primary key", t.Name, c.Name)
		}
	}
	return nil
}

// CreateConstraints creates the declared indexes the tables do not have
// yet, in one transaction, and checks the foreign keys CREATE TABLE
// declared against the loaded rows: a row that refers to no row is an
// error naming the table, the parent and how many rows, never a value. A
// table created before its foreign keys were declared cannot get them
// here: that is an error too, not a silent gap.
func (d *DB) CreateConstraints(ctx context.Context, tables []connectors.Table) error {
	if d.readOnly {
		return fmt.Errorf("sqlite %s: %w", d.path, connectors.ErrReadOnly)
	}
	snap, err := d.Snapshot(ctx)
	if err != nil {
		return err
	}
	existing, err := snap.Tables(ctx)
	snap.Close()
	if err != nil {
		return err
	}
	byName := map[string]*connectors.Table{}
	for i := range existing {
		byName[existing[i].Name] = &existing[i]
	}
	var stmts []string
	for i := range tables {
		t := &tables[i]
		if err := checkIdentity(t); err != nil {
			return fmt.Errorf("sqlite %s: %w", d.path, err)
		}
		todo, err := connectors.PendingConstraints(t, byName[t.Name])
		if err != nil {
			return fmt.Errorf("sqlite %s: %w", d.path, err)
		}
		if len(todo.ForeignKeys) > 0 {
			return fmt.Errorf("sqlite %s: table %s exists without its foreign key %s, and SQLite cannot add one to a table: create the table anew", d.path, t.Name, todo.ForeignKeys[0].Name)
		}
		s, err := indexStatements(&todo)
		if err != nil {
			return fmt.Errorf("sqlite %s: %w", d.path, err)
		}
		stmts = append(stmts, s...)
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite %s: create indexes: %w", d.path, err)
	}
	defer tx.Rollback()
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("sqlite %s: %s: %w", d.path, s, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite %s: create indexes: %w", d.path, err)
	}
	return d.checkForeignKeys(ctx, tables)
}

// checkForeignKeys counts, per table and parent, the rows whose
// reference names no row.
func (d *DB) checkForeignKeys(ctx context.Context, tables []connectors.Table) error {
	var broken []string
	for i := range tables {
		if len(tables[i].ForeignKeys) == 0 {
			continue
		}
		q, err := Dialect{}.QuoteIdent(tables[i].Name)
		if err != nil {
			return err
		}
		rows, err := d.db.QueryContext(ctx, "SELECT parent, count(*) FROM pragma_foreign_key_check("+literal(tables[i].Name)+") GROUP BY parent")
		if err != nil {
			return fmt.Errorf("sqlite %s: foreign key check of %s: %w", d.path, q, err)
		}
		for rows.Next() {
			var parent string
			var n int64
			if err := rows.Scan(&parent, &n); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite %s: foreign key check of %s: %w", d.path, q, err)
			}
			broken = append(broken, fmt.Sprintf("%d row(s) of %s refer to no row of %s", n, tables[i].Name, parent))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite %s: foreign key check of %s: %w", d.path, q, err)
		}
	}
	if len(broken) > 0 {
		sort.Strings(broken)
		return fmt.Errorf("sqlite %s: the migrated rows break declared foreign keys: %s (declare the parent in the mapping, so such rows are archived as orphans)", d.path, strings.Join(broken, "; "))
	}
	return nil
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
