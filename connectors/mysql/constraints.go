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
	if err := checkPrimaryKey(t); err != nil {
		return nil, nil, nil, err
	}
	return connectors.ConstraintPhases(t, constraintSQL)
}

// checkPrimaryKey refuses a primary key InnoDB cannot index whole, which
// CREATE TABLE would fail on (error 1170 for a text or blob column, 1071
// past 3072 bytes) once the tables before it in the schema were created:
// Create calls constraintPhases for every table before it creates one.
func checkPrimaryKey(t *connectors.Table) error {
	if len(t.PrimaryKey) == 0 {
		return nil
	}
	for _, cn := range t.PrimaryKey {
		if c := t.Column(cn); c != nil && !indexable(c.Type) {
			return fmt.Errorf("table %s: primary key column %s is %v, which MariaDB indexes only by a prefix (InnoDB keeps at most 3072 bytes of a key): declare it varchar(n) with n up to 768 (varbinary up to 3072)", t.Name, cn, c.Type)
		}
	}
	if n := keyBytes(t, t.PrimaryKey); n > maxKeyBytes {
		return fmt.Errorf("table %s: primary key (%s) holds up to %d bytes, more than the 3072 InnoDB keeps of a key (a varchar(n) takes 4n): declare its text columns shorter", t.Name, strings.Join(t.PrimaryKey, ", "), n)
	}
	return nil
}

// maxKeyBytes is what InnoDB keeps of one key (error 1071 beyond it).
const maxKeyBytes = 3072

// keyBytes is the most bytes an InnoDB key over the columns named takes
// (of the columns indexable, see indexable), as the server counts them:
// utf8mb4 text 4 bytes a character, numbers and dates their storage size.
func keyBytes(t *connectors.Table, names []string) int {
	n := 0
	for _, cn := range names {
		c := t.Column(cn)
		if c == nil {
			continue
		}
		switch ty := c.Type; ty.Kind {
		case connectors.KindText:
			n += 4 * ty.Length
		case connectors.KindBytes:
			n += ty.Length
		case connectors.KindInt:
			switch bits := ty.Bits; {
			case bits <= 0 || bits > 32:
				n += 8
			case bits <= 8:
				n++
			case bits <= 16:
				n += 2
			case bits <= 24:
				n += 3
			default:
				n += 4
			}
		case connectors.KindFloat:
			if ty.Bits == 32 {
				n += 4
			} else {
				n += 8
			}
		case connectors.KindDecimal:
			n += decimalBytes(ty.Precision-ty.Scale) + decimalBytes(ty.Scale)
		case connectors.KindBool:
			n++
		case connectors.KindDate:
			n += 3
		case connectors.KindDateTime, connectors.KindTimestamp:
			n += 5 + (ty.Precision+1)/2
		case connectors.KindTime:
			n += 3 + (ty.Precision+1)/2
		case connectors.KindUUID:
			n += 16
		}
	}
	return n
}

// decimalBytes is what MariaDB stores of a DECIMAL's digits on one side of
// the point: 4 bytes for each 9, fewer for the rest.
func decimalBytes(digits int) int {
	rest := [9]int{0, 1, 1, 2, 2, 3, 3, 4, 4}
	if digits < 0 {
		digits = 0
	}
	return digits/9*4 + rest[digits%9]
}

// constraintSQL is what MariaDB writes its own way: its default literals,
// AUTO_INCREMENT, and no index over a column it indexes only by a prefix.
var constraintSQL = connectors.ConstraintSQL{
	Dialect: Dialect{},
	DefaultLiteral: func(c *connectors.Column, lit string) string {
		switch {
		case c.Type.Kind == connectors.KindTimestamp && strings.HasPrefix(lit, "'"):
			// An instant the notation writes with its zone ('…Z',
			// '…+00:00', the only ones it takes): the column holds its
			// UTC wall clock, and MariaDB refuses a zone in a datetime
			// default (error 1067). No quote or backslash is left in it.
			inner := strings.TrimSuffix(strings.TrimPrefix(lit, "'"), "'")
			return "'" + strings.TrimSuffix(strings.TrimSuffix(inner, "Z"), "+00:00") + "'"
		case strings.HasPrefix(lit, "'"):
			// the session keeps backslash escapes (see sessionSQLMode)
			return strings.ReplaceAll(lit, `\`, `\\`)
		case lit == "CURRENT_DATE":
			return "(CURRENT_DATE)" // an expression default, MariaDB 10.2+
		case c.Type.Kind == connectors.KindTimestamp:
			// a timestamptz is a UTC wall clock here (see ColumnType);
			// CURRENT_TIMESTAMP would be the session's zone
			return fmt.Sprintf("(UTC_TIMESTAMP(%d))", min(c.Type.Precision, 6))
		}
		return lit
	},
	Identity: func(c *connectors.Column, qt, qc string) ([]string, error) {
		typ, err := Dialect{}.ColumnType(c.Type)
		if err != nil {
			return nil, err
		}
		// MODIFY rebuilds the column: the session's sql_mode holds
		// NO_AUTO_VALUE_ON_ZERO, so a migrated id 0 stays 0 instead of
		// being renumbered. A counter below the highest value is raised
		// to it plus one, so AUTO_INCREMENT = 1 sets it past the highest.
		return []string{
			fmt.Sprintf("ALTER TABLE %s MODIFY %s %s NOT NULL AUTO_INCREMENT", qt, qc, typ),
			fmt.Sprintf("ALTER TABLE %s AUTO_INCREMENT = 1", qt),
		}, nil
	},
	CheckIndex: func(t *connectors.Table, ix *connectors.Index) error {
		for _, cn := range ix.Columns {
			if c := t.Column(cn); c != nil && !indexable(c.Type) {
				return fmt.Errorf("table %s index %s: MariaDB indexes a %v column only by a prefix, which the notation cannot declare: declare it varchar(n) with n up to 768 (varbinary up to 3072), or drop the index", t.Name, ix.Name, c.Type)
			}
		}
		// A unique index too long MariaDB makes as a hash (USING HASH);
		// any other fails after the load, the rows written (error 1071).
		if n := keyBytes(t, ix.Columns); !ix.Unique && n > maxKeyBytes {
			return fmt.Errorf("table %s index %s: its columns (%s) hold up to %d bytes, more than the 3072 InnoDB keeps of a key (a varchar(n) takes 4n): declare them shorter, or drop the index", t.Name, ix.Name, strings.Join(ix.Columns, ", "), n)
		}
		return nil
	},
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
	// With foreign_key_checks off (a server's global default after a bulk
	// restore, which every new session takes) InnoDB adds a foreign key
	// without reading a row: migrated rows that break it stayed under a
	// constraint that says they cannot exist, and nothing failed.
	if _, err := conn.ExecContext(ctx, "SET SESSION foreign_key_checks = 1"); err != nil {
		return d.errorf("create constraints: turn foreign key checks on: %w", err)
	}
	for _, list := range phases {
		for _, s := range list {
			if _, err := conn.ExecContext(ctx, s.sql); err != nil {
				var my *mysql.MySQLError
				if errors.As(err, &my) && (my.Number == 1062 || my.Number == 1452 || my.Number == 1216) {
					// 1062 quotes the duplicated value; 1452 and 1216 the
					// row's key in some versions.
					err = connectors.Withhold(err, fmt.Sprintf("MariaDB error %d: the migrated rows break it (a repeated value, or a reference to no row)", my.Number))
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
