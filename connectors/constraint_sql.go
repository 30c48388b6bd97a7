package connectors

import "fmt"

// ConstraintSQL is what one dialect writes its own way in the statements
// that create a loaded table's constraints (see ConstraintPhases); the
// rest (quoting, CREATE INDEX, ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY,
// ALTER COLUMN … SET DEFAULT) is the same SQL on every server dialect.
type ConstraintSQL struct {
	Dialect Dialect
	// DefaultLiteral turns DefaultSQL's expression for column c into the
	// dialect's; nil keeps it as it is.
	DefaultLiteral func(c *Column, lit string) string
	// Identity gives the statements that make column c (quoted qc) of the
	// table quoted qt number new rows past the highest value it holds.
	Identity func(c *Column, qt, qc string) ([]string, error)
	// CheckIndex refuses an index of table t the dialect cannot create as
	// declared; nil accepts every index.
	CheckIndex func(t *Table, ix *Index) error
}

// ConstraintPhases gives the statements that create what table t declares
// beyond columns and key, split by phase: defaults and identities (cols),
// indexes (idx), foreign keys (fks). A caller runs every table's foreign
// keys after every table's unique indexes, which they may refer to.
func ConstraintPhases(t *Table, sql ConstraintSQL) (cols, idx, fks []string, err error) {
	d := sql.Dialect
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
			lit, err := DefaultSQL(c.Type, c.Default)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("table %s column %s: %w", t.Name, c.Name, err)
			}
			if sql.DefaultLiteral != nil {
				lit = sql.DefaultLiteral(c, lit)
			}
			cols = append(cols, fmt.Sprintf("ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s", qt, qc, lit))
		}
		if c.Identity {
			stmts, err := sql.Identity(c, qt, qc)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("table %s column %s: %w", t.Name, c.Name, err)
			}
			cols = append(cols, stmts...)
		}
	}
	for i := range t.Indexes {
		ix := &t.Indexes[i]
		if sql.CheckIndex != nil {
			if err := sql.CheckIndex(t, ix); err != nil {
				return nil, nil, nil, err
			}
		}
		s, err := IndexSQL(d, qt, ix)
		if err != nil {
			return nil, nil, nil, err
		}
		idx = append(idx, s)
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
		qcols, err := QuoteList(d, fk.Columns)
		if err != nil {
			return nil, nil, nil, err
		}
		qrefs, err := QuoteList(d, fk.RefColumns)
		if err != nil {
			return nil, nil, nil, err
		}
		fks = append(fks, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)", qt, qf, qcols, qr, qrefs))
	}
	return cols, idx, fks, nil
}

// IndexSQL gives the CREATE [UNIQUE] INDEX statement of index ix on the
// table quoted qt.
func IndexSQL(d Dialect, qt string, ix *Index) (string, error) {
	qi, err := d.QuoteIdent(ix.Name)
	if err != nil {
		return "", err
	}
	qcols, err := QuoteList(d, ix.Columns)
	if err != nil {
		return "", err
	}
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	return fmt.Sprintf("CREATE %sINDEX %s ON %s (%s)", unique, qi, qt, qcols), nil
}
