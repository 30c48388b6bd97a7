package mysql

import (
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// YEAR(2) stores the whole year, 1901 to 2155 (or the zero year), and
// prints its last two digits, which is also what its integer value is:
// 1999 reads 99, 1969 and 2069 both read 69, 2000 reads 0 like the zero
// year. Read so, a year would change and two years would become one, and
// verification, reading the same digits, would agree. YEAR() of the
// column gives the stored year instead, and 1900 for the zero year (the
// one year the type cannot hold), which reads as 0, as YEAR(4)'s zero
// year does.

// isYearTwo says whether a column is a YEAR(2).
func isYearTwo(c *connectors.Column) bool {
	return c.Type.Kind == connectors.KindInt && strings.EqualFold(strings.ReplaceAll(c.SourceType, " ", ""), "year(2)")
}

// yearTwoSQL gives a YEAR(2) column's stored year (NULL stays NULL).
func yearTwoSQL(col string) string {
	return "(CASE YEAR(" + col + ") WHEN 1900 THEN 0 ELSE YEAR(" + col + ") END)"
}

// yearTwoColumns gives the quoted names of a table's YEAR(2) columns.
func yearTwoColumns(t *connectors.Table) map[string]bool {
	return quotedColumns(t, isYearTwo)
}
