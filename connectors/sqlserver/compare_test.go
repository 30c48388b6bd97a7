package sqlserver

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

// A receiving table as the catalogue reads it back (sys.columns rows, as
// SQL Server gives them for the DDL in each case) compares equal to its
// declaration only when its text columns are of a BIN2 collation: the
// database's default (*_CI_AS) takes 'ABC' and 'abc' for one key. No
// server runs here; TestServerCompareCollation runs the same on one.
func TestCompareTableCollation(t *testing.T) {
	declared := &connectors.Table{Name: "unit", PrimaryKey: []string{"code"}, Columns: []connectors.Column{
		{Name: "code", Type: mustType(t, "varchar(20)")},
		{Name: "n", Type: mustType(t, "integer"), Nullable: true},
		{Name: "doc", Type: mustType(t, "json"), Nullable: true},
	}}
	ddl, err := Dialect{Schema: "dbo"}.CreateTable(declared)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(ddl, "COLLATE "+textCollation) != 2 {
		t.Errorf("CreateTable does not give both text columns the binary collation:\n%s", ddl)
	}
	for _, c := range []struct {
		code, doc string
		want      []string
	}{
		{"Latin1_General_100_BIN2", "Latin1_General_100_BIN2", nil},
		{"Finnish_Swedish_100_BIN2", "Latin1_General_100_BIN2_UTF8", nil},
		{"Finnish_Swedish_CI_AS", "Latin1_General_100_BIN2", []string{"table unit, column code: collation differs: the existing table has Finnish_Swedish_CI_AS, regflytt creates Latin1_General_100_BIN2"}},
		{"SQL_Latin1_General_CP1_CS_AS", "Latin1_General_BIN", []string{"column code: collation differs: the existing table has SQL_Latin1_General_CP1_CS_AS", "column doc: collation differs: the existing table has Latin1_General_BIN,"}},
	} {
		cat := &catalogue{schema: "dbo", tables: []catTable{{1, "unit"}},
			columns: []catColumn{
				{table: 1, name: "code", typeName: "nvarchar", maxLength: 80, collation: c.code},
				{table: 1, name: "n", typeName: "int", maxLength: 4, precision: 10, nullable: true},
				{table: 1, name: "doc", typeName: "nvarchar", maxLength: -1, nullable: true, collation: c.doc},
			},
			keys:   []catKey{{1, "code"}},
			checks: []catCheck{{1, "doc", "(isjson([doc])=(1))"}},
		}
		existing := cat.build()[0]
		var got []string
		for _, d := range connectors.CompareTable(Dialect{Schema: "dbo"}, declared, &existing) {
			got = append(got, d.String())
		}
		if len(got) != len(c.want) {
			t.Errorf("%s/%s: got %d differences %q, want %d", c.code, c.doc, len(got), got, len(c.want))
			continue
		}
		for i := range got {
			if !strings.Contains(got[i], c.want[i]) {
				t.Errorf("%s/%s: got %q, want it to contain %q", c.code, c.doc, got[i], c.want[i])
			}
		}
	}
}

// The queries for what the catalogue does not read are pinned (no server
// runs in CI), and their rows assemble into differences: an index that
// ignores duplicate keys (the primary key's too) drops rows without an
// error, a filtered unique index refuses rows the key lets through, a
// trigger can change them; another table's are not asked about.
func TestExistingDifferences(t *testing.T) {
	for _, want := range []string{"i.ignore_dup_key = 1", "i.is_unique = 1 AND i.has_filter = 1", "ic.is_included_column = 0", "SCHEMA_ID(@p1)", "ORDER BY t.name, i.name, ic.key_ordinal"} {
		if !strings.Contains(existingIndexesSQL, want) {
			t.Errorf("indexes query lacks %s", want)
		}
	}
	for _, want := range []string{"sys.triggers", "tr.parent_id", "SCHEMA_ID(@p1)"} {
		if !strings.Contains(existingTriggersSQL, want) {
			t.Errorf("triggers query lacks %s", want)
		}
	}
	ixs := []existingIndex{
		{table: "other", name: "PK_other", ignoreDupKey: true, column: "id"},
		{table: "unit", name: "PK_unit", ignoreDupKey: true, column: "code"},
		{table: "unit", name: "unit_active", filter: "([active]=(1))", column: "name"},
		{table: "unit", name: "unit_active", filter: "([active]=(1))", column: "note"},
	}
	trs := []existingTrigger{{"other", "other_log"}, {"unit", "unit_instead"}}
	conformance.WantDifferences(t, existingDifferences([]string{"unit"}, ixs, trs),
		"table unit: index PK_unit (code) WITH (IGNORE_DUP_KEY = ON): the table resolves a conflict itself",
		"table unit: unique index unit_active (name, note) WHERE ([active]=(1)): the schema does not declare it so",
		"table unit: trigger unit_instead: regflytt creates none",
	)
}

// The queries for CHECK constraints and foreign keys with actions are
// pinned, and their rows assemble into differences named with their
// definition: a CHECK but the range and ISJSON checks CreateTable writes
// (only on the column type it writes them for), each foreign key with an
// action; another table's are not asked about.
func TestExistingConstraintDifferences(t *testing.T) {
	for _, want := range []string{"sys.check_constraints", "cc.is_disabled = 0", "TYPE_NAME(c.system_type_id)", "SCHEMA_ID(@p1)"} {
		if !strings.Contains(existingChecksSQL, want) {
			t.Errorf("checks query lacks %s", want)
		}
	}
	for _, want := range []string{"fk.delete_referential_action <> 0 OR fk.update_referential_action <> 0", "fk.is_disabled = 0", "ORDER BY t.name, fk.name, fkc.constraint_column_id"} {
		if !strings.Contains(existingForeignKeysSQL, want) {
			t.Errorf("foreign keys query lacks %s", want)
		}
	}
	checks := []existingCheck{
		{table: "unit", name: "CK_unit_n", definition: "([n]>=(-128) AND [n]<=(127))", column: "n", typeName: "smallint", maxLength: 2},
		{table: "unit", name: "CK_unit_doc", definition: "(isjson([doc])=(1))", column: "doc", typeName: "nvarchar", maxLength: -1},
		{table: "unit", name: "CK_unit_m", definition: "([m]>=(-128) AND [m]<=(127))", column: "m", typeName: "int", maxLength: 4},
		{table: "unit", name: "CK_unit_w", definition: "([w]<(300))", column: "w", typeName: "int", maxLength: 4},
		{table: "unit", name: "CK_unit_short", definition: "(len([code])<(5))"},
		{table: "other", name: "CK_other", definition: "([id]>(0))", column: "id", typeName: "int", maxLength: 4},
	}
	fks := []existingFK{
		{table: "unit", name: "FK_unit_pair", refTable: "other", onDelete: "CASCADE", onUpdate: "NO_ACTION", column: "a", refColumn: "x"},
		{table: "unit", name: "FK_unit_pair", refTable: "other", onDelete: "CASCADE", onUpdate: "NO_ACTION", column: "b", refColumn: "y"},
		{table: "other", name: "FK_other", refTable: "unit", onDelete: "SET_NULL", onUpdate: "NO_ACTION", column: "u", refColumn: "code"},
	}
	conformance.WantDifferences(t, constraintDifferences([]string{"unit"}, checks, fks),
		"table unit, column m: check constraint CK_unit_m, made CHECK ([m]>=(-128) AND [m]<=(127)): regflytt creates no such check",
		"table unit, column w: check constraint CK_unit_w, made CHECK ([w]<(300)): ",
		"table unit: check constraint CK_unit_short, made CHECK (len([code])<(5)): ",
		"table unit: foreign key FK_unit_pair, made FOREIGN KEY (a, b) REFERENCES other (x, y) ON DELETE CASCADE ON UPDATE NO ACTION: ",
	)
}
