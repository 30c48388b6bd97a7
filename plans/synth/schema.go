package synth

import (
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

// A platform's tables are declared once, in canonical types, and rendered
// in each dialect's own words, the way a legacy platform on that database
// would have declared them: int(11) and CHARACTER SET latin1 on MariaDB,
// INTEGER and TEXT on SQLite, integer and bytea on PostgreSQL. Only the
// declarations differ between dialects; the values never do.

// lcol is one legacy column.
type lcol struct {
	name string
	// typ is the canonical type (connectors.ParseType notation).
	typ  string
	null bool
	// latin1 marks text kept in Latin-1 (MariaDB CHARACTER SET latin1; the
	// other dialects store the text the bytes mean, see the writers).
	latin1 bool
	// zero marks a date or datetime column that may hold zero dates: it is
	// text on a dialect whose dates cannot hold them (PostgreSQL).
	zero bool
	// fixed is a MariaDB/SQLite char(n) rather than varchar(n), as legacy
	// code columns often are.
	fixed bool
}

// ltable is one legacy table; its first column is its integer key.
type ltable struct {
	name string
	cols []lcol
}

// Column options for col.
const (
	optNull   colOpt = 1 << iota // nullable
	optLatin1                    // Latin-1 text
	optZero                      // may hold zero dates
	optFixed                     // char(n)
)

type colOpt uint8

// col declares a column: name, canonical type, options.
func col(name, typ string, opts colOpt) lcol {
	return lcol{name: name, typ: typ, null: opts&optNull != 0, latin1: opts&optLatin1 != 0, zero: opts&optZero != 0, fixed: opts&optFixed != 0}
}

// zeroDates reports whether a dialect's date columns hold zero dates:
// MariaDB's do (in the legacy writer's session), SQLite's hold any text.
func zeroDates(dialect string) bool { return dialect == "mysql" || dialect == "sqlite" }

// render declares a table for a dialect.
func (lt ltable) render(dialect string) (connectors.Table, error) {
	t := connectors.Table{Name: lt.name, RowEstimate: -1, PrimaryKey: []string{lt.cols[0].name}}
	for _, c := range lt.cols {
		ct, err := connectors.ParseType(c.typ)
		if err != nil {
			return t, fmt.Errorf("table %s column %s: %w", lt.name, c.name, err)
		}
		if c.zero && !zeroDates(dialect) {
			ct = connectors.Type{Kind: connectors.KindText}
		}
		col := connectors.Column{Name: c.name, Type: ct, Nullable: c.null, SourceType: sourceType(dialect, c, ct)}
		if c.latin1 {
			col.Charset = "latin1"
		}
		t.Columns = append(t.Columns, col)
	}
	return t, nil
}

// sourceType gives the legacy DDL type of a column in a dialect; "" lets
// the writer use its canonical DDL (dialects without a legacy rendition).
func sourceType(dialect string, c lcol, t connectors.Type) string {
	switch dialect {
	case "mysql":
		switch t.Kind {
		case connectors.KindInt:
			return map[int]string{8: "tinyint(4)", 16: "smallint(6)", 32: "int(11)", 64: "bigint(20)"}[t.Bits]
		case connectors.KindText:
			if t.Length == 0 {
				return "text"
			}
			if c.fixed {
				return fmt.Sprintf("char(%d)", t.Length)
			}
			return fmt.Sprintf("varchar(%d)", t.Length)
		case connectors.KindBytes:
			return "blob"
		case connectors.KindDate:
			return "date"
		case connectors.KindDateTime:
			return "datetime"
		}
	case "sqlite":
		switch t.Kind {
		case connectors.KindInt:
			return map[int]string{8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[t.Bits]
		case connectors.KindText:
			if t.Length == 0 {
				return "TEXT"
			}
			if c.fixed {
				return fmt.Sprintf("CHAR(%d)", t.Length)
			}
			return fmt.Sprintf("VARCHAR(%d)", t.Length)
		case connectors.KindBytes:
			return "BLOB"
		case connectors.KindDate:
			return "DATE"
		case connectors.KindDateTime:
			return "DATETIME"
		}
	case "postgres":
		switch t.Kind {
		case connectors.KindInt:
			if t.Bits <= 16 {
				return "smallint"
			}
			return map[int]string{32: "integer", 64: "bigint"}[t.Bits]
		case connectors.KindText:
			if t.Length == 0 {
				return "text"
			}
			return fmt.Sprintf("varchar(%d)", t.Length)
		case connectors.KindBytes:
			return "bytea"
		case connectors.KindDate:
			return "date"
		case connectors.KindDateTime:
			return "timestamp(0)"
		}
	}
	return ""
}

// render declares a platform's tables for a dialect.
func render(dialect string, lts ...ltable) ([]connectors.Table, error) {
	out := make([]connectors.Table, len(lts))
	for i, lt := range lts {
		t, err := lt.render(dialect)
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// tablesByName indexes declared tables by name.
func tablesByName(tables []connectors.Table) map[string]*connectors.Table {
	m := make(map[string]*connectors.Table, len(tables))
	for i := range tables {
		m[tables[i].Name] = &tables[i]
	}
	return m
}
