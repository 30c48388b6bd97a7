package postgres

import (
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// CheckExisting compares an existing column with the one Create makes of
// t. It compares the canonical type the catalogue reads (which is where
// PostgreSQL's missing tinyint and unsigned types show: Create widens
// them) and the type's name as format_type prints it: character(n) reads
// as the same text of length n as varchar(n) but pads it with spaces,
// jsonb as the same JSON as json but reorders its keys, and a domain may
// carry a CHECK the declaration does not know.
func (Dialect) CheckExisting(t connectors.Type, c *connectors.Column) (string, bool) {
	ddl, err := Dialect{}.ColumnType(t)
	if err != nil {
		return "", false
	}
	want := formatted(ddl)
	return want, typeName(c.SourceType) == typeName(want) && c.Type == TypeOf(want)
}

var _ connectors.ExistingColumnChecker = Dialect{}

// formatted gives a type of ColumnType's as pg_catalog.format_type prints
// it: "character varying(10)" for "varchar(10)", "timestamp(3) without
// time zone" for "timestamp(3)".
func formatted(ddl string) string {
	name, args := ddl, ""
	if i := strings.IndexByte(ddl, '('); i >= 0 {
		name, args = ddl[:i], ddl[i:]
	}
	switch name {
	case "varchar":
		return "character varying" + args
	case "timestamp":
		return "timestamp" + args + " without time zone"
	case "timestamptz":
		return "timestamp" + args + " with time zone"
	case "time":
		return "time" + args + " without time zone"
	}
	return ddl
}

// typeName is a formatted type without its sizes: "timestamp without
// time zone" for "timestamp(3) without time zone".
func typeName(formatted string) string {
	s := strings.ToLower(strings.TrimSpace(formatted))
	if open := strings.IndexByte(s, '('); open >= 0 {
		if end := strings.IndexByte(s[open:], ')'); end > 0 {
			s = s[:open] + s[open+end+1:]
		}
	}
	return strings.Join(strings.Fields(s), " ")
}
