package mysql

import (
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Text in a character set that does not define every byte.
//
// The server converts each text column to the connection's utf8mb4 as it
// sends it. For most character sets that conversion is exact, but a
// column can hold bytes its character set does not define: ascii above
// 0x7F, the holes of cp1250 (0x81, 0x83, 0x88, 0x90, 0x98), of greek, of
// hebrew, swe7's high half. A client connected with the binary character
// set, or a _binary literal, stores them unchecked, even in strict mode.
// The conversion then sends '?' in place of each such byte, without a
// warning: a value read so is not the source's, and verification, reading
// the same way, would agree with it.
//
// Such columns are therefore selected as a marked binary string: 't' and
// the converted text when converting back to the column's character set
// gives the stored bytes again, else 'b' and the stored bytes. The decoder
// hands the first up as text and the second as []byte, a value of another
// kind than the column's, which Fit refuses (wrong_kind) and the archive
// keeps byte for byte, as SQLite's affinity surprises are handed up.

// exactCharsets are the character sets every stored value of converts to
// utf8mb4 exactly, or (ucs2's lone surrogates) into bytes that are not
// UTF-8, which Fit refuses: the Unicode ones, which the server checks on
// the way in, and latin1, which MariaDB defines for all 256 bytes
// (Windows-1252 with the five unassigned bytes as C1 controls).
var exactCharsets = map[string]bool{
	"utf8mb4": true, "utf8mb3": true, "utf8": true, "latin1": true, "binary": true,
	"ucs2": true, "utf16": true, "utf16le": true, "utf32": true,
}

// checkedCharset gives the character set of a text or JSON column whose
// values must be checked to convert exactly, or "" for a column read as
// it arrives.
func checkedCharset(c *connectors.Column) string {
	if c.Type.Kind != connectors.KindText && c.Type.Kind != connectors.KindJSON {
		return ""
	}
	switch baseType(c.SourceType) {
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "json":
	default:
		return "" // enum and set hold only their labels, which converted when declared
	}
	cs := strings.ToLower(c.Charset)
	if cs == "" || exactCharsets[cs] || checkCharset(cs) != nil {
		return ""
	}
	return cs
}

// exactTextSQL is true where the column's value converts to utf8mb4 and
// back to its character set as the bytes stored.
func exactTextSQL(col, charset string) string {
	return "CAST(CONVERT(CONVERT(" + col + " USING utf8mb4) USING " + charset + ") AS BINARY) = CAST(" + col + " AS BINARY)"
}

// markedTextSQL selects a checked column as its marked binary string
// (NULL stays NULL: the comparison is NULL and CONCAT with NULL is NULL).
func markedTextSQL(col, charset string) string {
	return "IF(" + exactTextSQL(col, charset) + ", CONCAT(_binary't', CAST(CONVERT(" + col + " USING utf8mb4) AS BINARY)), CONCAT(_binary'b', CAST(" + col + " AS BINARY)))"
}

// decodeMarked reads a marked binary string: text for 't' (as JSON in a
// JSON column), the stored bytes for 'b'.
func decodeMarked(kind connectors.Kind) decoder {
	return func(b []byte) (connectors.Value, error) {
		if len(b) == 0 {
			return nil, fmt.Errorf("text selected without its mark")
		}
		switch b[0] {
		case 't':
			if kind == connectors.KindJSON {
				return connectors.JSON(b[1:]), nil
			}
			return string(b[1:]), nil
		case 'b':
			return append(make([]byte, 0, len(b)-1), b[1:]...), nil
		}
		return nil, fmt.Errorf("text selected with an unknown mark")
	}
}

// checkedColumns gives the quoted names of a table's checked columns with
// their character sets.
func checkedColumns(t *connectors.Table) map[string]string {
	m := map[string]string{}
	for i := range t.Columns {
		if cs := checkedCharset(&t.Columns[i]); cs != "" {
			if q, err := (Dialect{}).QuoteIdent(t.Columns[i].Name); err == nil {
				m[q] = cs
			}
		}
	}
	return m
}
