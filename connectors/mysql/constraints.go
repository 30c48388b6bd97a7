package mysql

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
)

var (
	_ connectors.ConstraintCreator = (*DB)(nil)
	_ connectors.ConstraintDDL     = Dialect{}
)

// ConstraintStatements gives, for one loaded table, the statements that
// create what it declares beyond columns and key, in the order
// CreateConstraints runs them: defaults, the AUTO_INCREMENT column with its
// counter set past the highest value, indexes, foreign keys.
func (Dialect) ConstraintStatements(t *connectors.Table) ([]string, error) {
	cols, idx, fks, err := constraintPhases(t)
	return append(append(cols, idx...), fks...), err
}

func constraintPhases(t *connectors.Table) (cols, idx, fks []string, err error) {
	d := Dialect{}
	qt, err := d.QuoteIdent(t.Name)
	if err != nil {
		return nil, nil, nil, err
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		qc, err := d.QuoteIdent(c.Name)
		if err != nil {
			return nil, nil, nil, err
		}
		if c.Default != nil {
			lit, err := connectors.DefaultSQL(c.Type, c.Default)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("table %s column %s: %w", t.Name, c.Name, err)
			}
			switch {
			case strings.HasPrefix(lit, "'"):
				// the session keeps backslash escapes (see sessionSQLMode)
				lit = strings.ReplaceAll(lit, `\`, `\\`)
			case lit == "CURRENT_DATE":
				lit = "(CURRENT_DATE)" // an expression default, MariaDB 10.2+
			case c.Type.Kind == connectors.KindTimestamp:
				// a timestamptz is a UTC wall clock here (see ColumnType);
				// CURRENT_TIMESTAMP would be the session's zone
				lit = fmt.Sprintf("(UTC_TIMESTAMP(%d))", min(c.Type.Precision, 6))
			}
			cols = append(cols, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", qt, qc, lit))
		}
		if c.Identity {
			typ, err := d.ColumnType(c.Type)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("table %s column %s: %w", t.Name, c.Name, err)
			}
			// MODIFY rebuilds the column: the session's sql_mode holds
			// NO_AUTO_VALUE_ON_ZERO, so a migrated id 0 stays 0 instead of
			// being renumbered. A counter below the highest value is raised
			// to it plus one, so AUTO_INCREMENT = 1 sets it past the highest.
			cols = append(cols,
				fmt.Sprintf("ALTER TABLE %s MODIFY %s %s NOT NULL AUTO_INCREMENT", qt, qc, typ),
				fmt.Sprintf("ALTER TABLE %s AUTO_INCREMENT = 1", qt))
		}
	}
	for _, ix := range t.Indexes {
		for _, cn := range ix.Columns {
			if c := t.Column(cn); c != nil && !indexable(c.Type) {
				return nil, nil, nil, fmt.Errorf("table %s index %s: MariaDB indexes a %v column only by a prefix, which the notation cannot declare: declare it varchar(n) with n up to 768 (varbinary up to 3072), or drop the index", t.Name, ix.Name, c.Type)
			}
		}
		qi, err := d.QuoteIdent(ix.Name)
		if err != nil {
			return nil, nil, nil, err
		}
		qcols, err := connectors.QuoteList(d, ix.Columns)
		if err != nil {
			return nil, nil, nil, err
		}
		unique := ""
		if ix.Unique {
			unique = "UNIQUE "
		}
		idx = append(idx, fmt.Sprintf("CREATE %sINDEX %s ON %s (%s)", unique, qi, qt, qcols))
	}
	for _, fk := range t.ForeignKeys {
		qf, err := d.QuoteIdent(fk.Name)
		if err != nil {
			return nil, nil, nil, err
		}
		qr, err := d.QuoteIdent(fk.RefTable)
		if err != nil {
			return nil, nil, nil, err
		}
		qcols, err := connectors.QuoteList(d, fk.Columns)
		if err != nil {
			return nil, nil, nil, err
		}
		qrefs, err := connectors.QuoteList(d, fk.RefColumns)
		if err != nil {
			return nil, nil, nil, err
		}
		fks = append(fks, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)", qt, qf, qcols, qr, qrefs))
	}
	return cols, idx, fks, nil
}

// CreateConstraints creates what the tables declare beyond columns and key
// and the database does not have yet (see connectors.ConstraintCreator).
// MariaDB commits each ALTER TABLE by itself: a failure leaves what came
// before it, and a second call creates the rest. A duplicate the rows hold
// is named by its index, never by the value MariaDB's message quotes.
func (d *DB) CreateConstraints(ctx context.Context, declared []connectors.Table) error {
	if d.readOnly {
		return d.errorf("create constraints: %w", connectors.ErrReadOnly)
	}
	existing, err := tables(ctx, d.db, d.schema)
	if err != nil {
		return d.errorf("create constraints: %w", err)
	}
	byName := map[string]*connectors.Table{}
	for i := range existing {
		byName[existing[i].Name] = &existing[i]
	}
	type stmt struct{ table, sql string }
	var phases [3][]stmt
	for i := range declared {
		todo, err := connectors.PendingConstraints(&declared[i], byName[declared[i].Name])
		if err != nil {
			return d.errorf("%w", err)
		}
		cols, idx, fks, err := constraintPhases(&todo)
		if err != nil {
			return d.errorf("%w", err)
		}
		for p, list := range [3][]string{cols, idx, fks} {
			for _, s := range list {
				phases[p] = append(phases[p], stmt{declared[i].Name, s})
			}
		}
	}
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return d.errorf("create constraints: %w", err)
	}
	defer conn.Close()
	for _, list := range phases {
		for _, s := range list {
			if _, err := conn.ExecContext(ctx, s.sql); err != nil {
				var my *mysql.MySQLError
				if errors.As(err, &my) && (my.Number == 1062 || my.Number == 1452 || my.Number == 1216) {
					// 1062 quotes the duplicated value; 1452 and 1216 the
					// row's key in some versions.
					err = fmt.Errorf("MariaDB error %d: the migrated rows break it (a repeated value, or a reference to no row)", my.Number)
				}
				return d.errorf("table %s: %s: %w", s.table, s.sql, err)
			}
		}
	}
	return nil
}

// indexable says whether InnoDB indexes a whole column of type t: its
// key holds at most 3072 bytes, 768 characters of utf8mb4.
func indexable(t connectors.Type) bool {
	switch t.Kind {
	case connectors.KindText:
		return t.Length > 0 && t.Length <= 768
	case connectors.KindBytes:
		return t.Length > 0 && t.Length <= 3072
	case connectors.KindJSON:
		return false
	}
	return true
}
