package mysql

import (
	"fmt"
	"slices"

	"github.com/regflytt/regflytt/connectors"
)

// An ENUM stores a value a lax sql_mode found invalid as the number 0,
// which prints as ''. When '' is also one of its members the two print
// alike: read as printed, the invalid value would migrate as the member,
// and verification, reading the same, would agree. Such a column is
// selected as a marked binary string, '0' for the number 0 and 't' and
// the label for a member, and the number 0 is handed up as int64(0): a
// value of another kind than the column's, which Fit refuses (wrong_kind)
// and the archive keeps as the number it is. An ENUM without a '' member
// reads its invalid value as '', which no member is (see TypeMap).

// isEmptyMemberEnum says whether c is an ENUM with the empty text among its
// members.
func isEmptyMemberEnum(c *connectors.Column) bool {
	if c.Type.Kind != connectors.KindText || baseType(c.SourceType) != "enum" {
		return false
	}
	members, err := typeMembers(c.SourceType)
	return err == nil && slices.Contains(members, "")
}

// enumZeroSQL selects such an ENUM as its marked binary string (NULL
// stays NULL: the comparison is NULL and CONCAT with NULL is NULL).
func enumZeroSQL(col string) string {
	return "IF(" + col + " + 0 = 0, _binary'0', CONCAT(_binary't', CAST(CONVERT(" + col + " USING utf8mb4) AS BINARY)))"
}

// decodeEnumZero reads enumZeroSQL's marked string.
func decodeEnumZero(b []byte) (connectors.Value, error) {
	switch {
	case len(b) == 1 && b[0] == '0':
		return int64(0), nil
	case len(b) > 0 && b[0] == 't':
		return string(b[1:]), nil
	}
	return nil, fmt.Errorf("enum selected without its mark")
}

// emptyMemberEnums gives the quoted names of a table's ENUM columns with
// the empty text as a member.
func emptyMemberEnums(t *connectors.Table) map[string]bool {
	return quotedColumns(t, isEmptyMemberEnum)
}
