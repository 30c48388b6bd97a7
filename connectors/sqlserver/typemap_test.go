package sqlserver

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

// TestTypeMapCases fails when a TypeMap row names a test that does not
// exist: "TestX" must be a test function of this package (internal or
// external test files), and "TestX/name" must also have "name" as a case
// of TestX (see conformance.CheckTypeMapCases).
func TestTypeMapCases(t *testing.T) {
	conformance.CheckTypeMapCases(t, TypeMap())
}

// TestTypeMapCoversTypeOf: every sys.types name TypeOf reads has a row.
func TestTypeMapCoversTypeOf(t *testing.T) {
	var rows []string
	for _, m := range TypeMap() {
		rows = append(rows, m.Source)
	}
	all := strings.Join(rows, " | ")
	for _, name := range []string{
		"bigint", "int", "smallint", "tinyint", "bit", "decimal", "numeric", "money", "smallmoney", "float", "real",
		"char", "varchar", "text", "nchar", "nvarchar", "ntext", "sysname", "xml", "json", "binary", "varbinary", "image",
		"timestamp", "rowversion", "hierarchyid", "geometry", "geography", "date", "datetime", "smalldatetime",
		"datetime2", "datetimeoffset", "time", "uniqueidentifier", "sql_variant",
	} {
		if TypeOf(name).Kind == connectors.KindInvalid {
			t.Errorf("TypeOf(%s) is invalid", name)
		}
		found := false
		for _, r := range rows {
			for _, part := range strings.FieldsFunc(r, func(c rune) bool { return c == ',' || c == ' ' || c == '(' }) {
				if part == name {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("type %s has no TypeMap row (rows: %s)", name, all)
		}
	}
}
