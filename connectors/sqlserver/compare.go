package sqlserver

import (
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// CheckExisting implements connectors.ExistingColumnChecker. Text and
// bytes are created in other units or sizes than declared (varchar(20)
// as nvarchar(40), since nvarchar counts UTF-16 code units; anything past
// 2000 characters or 8000 bytes as max), which the catalogue reads back
// as those: such a column is what Create makes when its type text is
// ColumnType's (a varchar of a code page is not: it cannot hold every
// character). Every other kind is read back as declared (the catalogue
// reads the CHECKs Create adds), and compares exactly.
func (d Dialect) CheckExisting(t connectors.Type, c *connectors.Column) (string, bool) {
	want, err := d.ColumnType(t)
	if err != nil {
		return t.String(), connectors.SameType(t, c.Type)
	}
	switch t.Kind {
	case connectors.KindText, connectors.KindBytes:
		st := parseSourceType(c.SourceType)
		return want, c.Type.Kind == t.Kind && st.castType() == want && st.name == strings.SplitN(want, "(", 2)[0]
	}
	return want, connectors.SameType(t, c.Type)
}

var _ connectors.ExistingColumnChecker = Dialect{}

// CheckCollation implements connectors.ExistingCollationChecker: a text
// or JSON column compares as Create makes it only under a binary
// collation of the BIN2 kind (textCollation, or another locale's BIN2,
// _UTF8 or not: for Unicode text the locale does not matter). A table
// made by hand takes the database's default, nearly always
// case-insensitive (*_CI_AS), so its key takes 'ABC' and 'abc' for one;
// a non-key column of it stores every value, but a keyset read of the
// table orders and continues (ORDER BY k, k > @p) by it and a unique
// index compares by it: it is refused as well, a table made otherwise
// than Create makes it. The older _BIN collations compare the first
// character apart from the rest, so their order is not the code points'.
func (Dialect) CheckCollation(t connectors.Type, c *connectors.Column) (string, bool) {
	if t.Kind != connectors.KindText && t.Kind != connectors.KindJSON || c.Collation == "" {
		return textCollation, true
	}
	return textCollation, binaryCollation(c.Collation)
}

// binaryCollation says whether a SQL Server collation compares text code
// point by code point: its name ends in _BIN2, or _BIN2_UTF8.
func binaryCollation(name string) bool {
	n := strings.ToUpper(name)
	return strings.HasSuffix(n, "_BIN2") || strings.HasSuffix(n, "_BIN2_UTF8")
}

var _ connectors.ExistingCollationChecker = Dialect{}
