package connectors

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckSourceType accepts a type written the way catalogues print them
// ("int(11)", "decimal(5,1)", "character varying(40)", "varchar(40)
// CHARACTER SET latin1") and nothing else. A legacy writer puts it into
// DDL unquoted, so a quote, a semicolon or a comment must never get
// through.
func CheckSourceType(s string) error {
	if s == "" || len(s) > 100 {
		return fmt.Errorf("source type of %d characters: want 1..100", len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == ' ', c == '(', c == ')', c == ',', c == '_':
		default:
			return fmt.Errorf("source type %q: only letters, digits, spaces, parentheses, commas and underscores are allowed", s)
		}
	}
	return nil
}

// LegacyColumnType is the DDL type of a legacy column: its SourceType,
// checked, when set; otherwise the dialect's type for its canonical type.
func LegacyColumnType(d Dialect, c *Column) (string, error) {
	if c.SourceType == "" {
		return d.ColumnType(c.Type)
	}
	if err := CheckSourceType(c.SourceType); err != nil {
		return "", err
	}
	return c.SourceType, nil
}

// TableSQL builds "head (col type [NOT NULL], …, PRIMARY KEY (…))": head
// is "CREATE TABLE name" or a dialect's variant, columnType gives each
// column's DDL type. CreateTableSQL and the legacy writers build on it.
func TableSQL(d Dialect, head string, t *Table, columnType func(c *Column) (string, error)) (string, error) {
	var parts []string
	for i := range t.Columns {
		c := &t.Columns[i]
		qc, err := d.QuoteIdent(c.Name)
		if err != nil {
			return "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		typ, err := columnType(c)
		if err != nil {
			return "", fmt.Errorf("table %s column %s: %w", t.Name, c.Name, err)
		}
		p := qc + " " + typ
		if !c.Nullable {
			p += " NOT NULL"
		}
		parts = append(parts, p)
	}
	if len(t.PrimaryKey) > 0 {
		pk, err := QuoteList(d, t.PrimaryKey)
		if err != nil {
			return "", fmt.Errorf("table %s: %w", t.Name, err)
		}
		parts = append(parts, "PRIMARY KEY ("+pk+")")
	}
	return head + " (\n  " + strings.Join(parts, ",\n  ") + "\n)", nil
}

// windows1252 gives the code points of Windows-1252's bytes 0x80..0x9F;
// every other byte is its own code point. The five bytes Windows-1252
// leaves undefined map to the C1 controls of the same number, as MariaDB's
// latin1 (which is Windows-1252) does.
var windows1252 = [32]rune{
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
}

// Windows1252Rune gives the code point of one Windows-1252 byte.
func Windows1252Rune(c byte) rune {
	if c >= 0x80 && c < 0xA0 {
		return windows1252[c-0x80]
	}
	return rune(c)
}

// DecodeWindows1252 decodes bytes as MariaDB decodes its latin1 columns.
// Every byte decodes, so the result is always valid UTF-8.
func DecodeWindows1252(b []byte) string {
	buf := make([]byte, 0, len(b)+len(b)/2)
	for _, c := range b {
		switch {
		case c < utf8.RuneSelf:
			buf = append(buf, c)
		case c < 0xA0:
			buf = utf8.AppendRune(buf, windows1252[c-0x80])
		default:
			buf = utf8.AppendRune(buf, rune(c))
		}
	}
	return string(buf)
}
