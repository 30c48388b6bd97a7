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
// datetime keeps the wall clock), for text the character set (a latin1
// column cannot hold what utf8mb4 text can), and for floats and decimals
// the (M,D) and UNSIGNED the canonical type does not read.
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
	// the catalogue already read into the kind; any text type under that
	// CHECK reads so. Only utf8mb4 longtext (or a server's own json type)
	// is what Create makes: the load sends UTF-8 bytes unconverted, which
	// a latin1 column keeps as other characters without a warning
	// ("Åsa" reads back as "Ã…sa"), and a shorter text type cuts long
	// documents off.
	if want.Kind == connectors.KindJSON {
		base := baseType(c.SourceType)
		ok = ok && (base == "json" || (base == "longtext" && strings.EqualFold(c.Charset, "utf8mb4")))
	} else {
		ok = ok && baseType(c.SourceType) == baseType(typ)
	}
	if want.Kind == connectors.KindText {
		ok = ok && strings.EqualFold(c.Charset, "utf8mb4")
	}
	if want.Kind == connectors.KindFloat || want.Kind == connectors.KindDecimal {
		ok = ok && sameNumberModifiers(c.SourceType, typ)
	}
	return ddl, ok
}

// sameNumberModifiers compares what a float or decimal column's type says
// besides its name that the canonical type does not read: a FLOAT(M,D) or
// DOUBLE(M,D) rounds every value to D decimals without a warning, strict
// mode or not (60.55 is stored as 60.5), and UNSIGNED (ZEROFILL implies it)
// holds no negative value. Create writes neither.
func sameNumberModifiers(existing, created string) bool {
	e, c := strings.ToLower(existing), strings.ToLower(created)
	if strings.Contains(e, "unsigned") != strings.Contains(c, "unsigned") ||
		strings.Contains(e, "zerofill") != strings.Contains(c, "zerofill") {
		return false
	}
	switch baseType(c) {
	case "float", "double", "real":
		// Create's float and double have no (M,D): any the existing
		// column has rounds.
		return strings.IndexByte(e, '(') < 0
	}
	return true
}

var _ connectors.ExistingColumnChecker = Dialect{}

// CheckCollation implements connectors.ExistingCollationChecker: a text
// column compares as Create makes it only with utf8mb4_nopad_bin. The
// server's default (utf8mb4_general_ci, or a uca1400 one) is case- and
// accent-insensitive, so a primary or unique key of a table made by hand
// with it takes 'ABC', 'abc' and 'Abc ' for one key; utf8mb4_bin pads,
// taking 'a' and 'a ' for one. A non-key column of another collation
// stores every value, but a unique index the run creates after the load
// compares it so, and a keyset read of the table orders and continues
// (ORDER BY k, k > ?) by it: it is refused as well, a table made
// otherwise than Create makes it.
func (Dialect) CheckCollation(t connectors.Type, c *connectors.Column) (string, bool) {
	// A column of another character set is refused by CheckExisting
	// already, and has that set's collations only: one line says it.
	if t.Kind != connectors.KindText || c.Collation == "" || !strings.EqualFold(c.Charset, "utf8mb4") {
		return createdCollation, true
	}
	return createdCollation, strings.EqualFold(c.Collation, createdCollation)
}

var _ connectors.ExistingCollationChecker = Dialect{}
