package mysql

import (
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// CheckExisting compares an existing column with the one Create makes of
// t: the canonical type the catalogue reads (with the comment markers for
// boolean, timestamptz and uuid), the type's name (char(n) reads as the
// same text as varchar(n) but drops trailing spaces, binary(n) pads with
// zero bytes, timestamp converts through the session's time zone where
// datetime keeps the wall clock) and, for text, the character set: a
// latin1 column cannot hold what utf8mb4 text can.
func (Dialect) CheckExisting(t connectors.Type, c *connectors.Column) (string, bool) {
	ddl, err := Dialect{}.ColumnType(t)
	if err != nil {
		return "", false
	}
	typ, comment := ddl, ""
	if i := strings.Index(typ, " COMMENT '"); i >= 0 {
		typ, comment = typ[:i], strings.TrimSuffix(typ[i+len(" COMMENT '"):], "'")
	}
	want := TypeOf(typ, comment)
	ok := c.Type == want
	// MariaDB's JSON is longtext under a CHECK (json_valid(col)), which
	// the catalogue already read into the kind.
	if want.Kind != connectors.KindJSON {
		ok = ok && baseType(c.SourceType) == baseType(typ)
	}
	if want.Kind == connectors.KindText {
		ok = ok && strings.EqualFold(c.Charset, "utf8mb4")
	}
	return ddl, ok
}

var _ connectors.ExistingColumnChecker = Dialect{}
