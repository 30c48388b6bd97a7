package sqlite

import (
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// CheckExisting compares an existing column with the one Create makes of
// t. The canonical type alone is not enough here: SQLite stores a value by
// the affinity of the declared type's name, so a DECIMAL(5,1) someone
// else created (NUMERIC affinity: '60.50' is stored as the REAL 60.5) and
// the DECIMAL_TEXT(5,1) this connector creates (TEXT affinity: kept as
// written) read as the same decimal(5,1). The type's name must match too.
func (Dialect) CheckExisting(t connectors.Type, c *connectors.Column) (string, bool) {
	ddl, err := Dialect{}.ColumnType(t)
	if err != nil {
		return "", false
	}
	return ddl, typeName(c.SourceType) == typeName(ddl) && c.Type == TypeOf(ddl)
}

var _ connectors.ExistingColumnChecker = Dialect{}

// typeName is a declared type's name without its sizes, upper-cased:
// "DECIMAL_TEXT" for "decimal_text(5, 1)".
func typeName(declared string) string {
	s := strings.ToUpper(strings.TrimSpace(declared))
	if i := strings.IndexByte(s, '('); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return strings.Join(strings.Fields(s), " ")
}
