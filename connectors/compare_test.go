package connectors

import (
	"strings"
	"testing"
)

// Without an ExistingColumnChecker, CompareTable compares canonical types
// exactly, and every difference names the table and the column.
func TestCompareTableWithoutChecker(t *testing.T) {
	mustType := func(s string) Type {
		typ, err := ParseType(s)
		if err != nil {
			t.Fatal(err)
		}
		return typ
	}
	declared := &Table{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []Column{
		{Name: "visit_id", Type: mustType("bigint")},
		{Name: "weight_kg", Type: mustType("decimal(5,1)"), Nullable: true},
		{Name: "unit", Type: mustType("varchar(20)"), Nullable: true},
	}}
	existing := &Table{Name: "visit", Columns: []Column{
		{Name: "unit", Type: mustType("varchar(10)"), SourceType: "varchar(10)", Nullable: false},
		{Name: "visit_id", Type: mustType("bigint")},
		{Name: "note", Type: mustType("text"), Nullable: true},
	}}
	var got []string
	for _, d := range CompareTable(noCheckDialect{}, declared, existing) {
		got = append(got, d.What+" "+d.Column)
		if !strings.HasPrefix(d.String(), "table visit") {
			t.Errorf("message does not start with the table: %s", d)
		}
	}
	want := "missing column weight_kg,type unit,nullability unit,extra column note,primary key "
	if strings.Join(got, ",") != want {
		t.Fatalf("differences %q, want %q", strings.Join(got, ","), want)
	}
	same := *declared
	if ds := CompareTable(noCheckDialect{}, declared, &same); len(ds) != 0 {
		t.Fatalf("a table differs from itself: %v", ds)
	}
}

func TestDifferenceText(t *testing.T) {
	d := Difference{Table: "visit", Column: "weight_kg", What: "type", Declared: "decimal(5,1) (created as numeric(5,1))", Existing: "numeric(5,0)"}
	want := "table visit, column weight_kg: type differs: the existing table has numeric(5,0), the schema declares decimal(5,1) (created as numeric(5,1))"
	if d.String() != want {
		t.Fatalf("%s\nwant %s", d, want)
	}
}

// A unique index the schema does not declare can refuse rows the declared
// key lets through, so it is a difference; one the schema declares (by
// its columns, under any name), a secondary one, and one over the whole
// primary key and more (which admits whatever the key admits) are not.
func TestUndeclaredUniqueIndexes(t *testing.T) {
	col := func(name string) Column { return Column{Name: name, Type: Type{Kind: KindText, Length: 20}} }
	declared := &Table{Name: "visit", PrimaryKey: []string{"id"}, Columns: []Column{col("id"), col("pnr"), col("unit"), col("note")},
		Indexes: []Index{{Name: "visit_unit", Columns: []string{"unit"}, Unique: true}}}
	existing := *declared
	existing.Indexes = []Index{
		{Name: "by_unit", Columns: []string{"unit"}, Unique: true},
		{Name: "note_ix", Columns: []string{"note"}},
		{Name: "id_note", Columns: []string{"note", "id"}, Unique: true},
		{Name: "pnr_unit", Columns: []string{"pnr", "unit"}, Unique: true},
		{Name: "pnr_only", Columns: []string{"pnr"}, Unique: true},
	}
	var got []string
	if ds := CompareTable(noCheckDialect{}, declared, &existing); len(ds) != 0 {
		t.Errorf("CompareTable, which verify uses after a run too, compares unique indexes: %v", ds)
	}
	for _, d := range UndeclaredUniqueIndexes(declared, &existing) {
		got = append(got, d.String())
	}
	want := []string{
		"table visit: unique index pnr_unit (pnr, unit): the schema does not declare it so",
		"table visit: unique index pnr_only (pnr): the schema does not declare it so",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %d differences", got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got %q\nwant %q...", got[i], want[i])
		}
	}
}

// A foreign key the schema does not declare can refuse rows a run
// writes, so it is a difference named with its definition; one declared
// by name, or by definition under another name (SQLite's catalogue names
// them fk_<table>_<id>), is not, and CompareTable, which verify runs
// after a run, compares none of them.
func TestUndeclaredForeignKeys(t *testing.T) {
	col := func(name string) Column { return Column{Name: name, Type: Type{Kind: KindText, Length: 20}} }
	declared := &Table{Name: "visit", PrimaryKey: []string{"id"}, Columns: []Column{col("id"), col("unit"), col("pnr")},
		ForeignKeys: []ForeignKey{{Name: "visit_unit", Columns: []string{"unit"}, RefTable: "unit", RefColumns: []string{"code"}}}}
	existing := *declared
	existing.ForeignKeys = []ForeignKey{
		{Name: "fk_visit_0", Columns: []string{"unit"}, RefTable: "unit", RefColumns: []string{"code"}},
		{Name: "visit_person", Columns: []string{"pnr"}, RefTable: "person", RefColumns: []string{"pnr"}},
	}
	if ds := CompareTable(noCheckDialect{}, declared, &existing); len(ds) != 0 {
		t.Errorf("CompareTable, which verify uses after a run too, compares undeclared foreign keys: %v", ds)
	}
	var got []string
	for _, d := range UndeclaredForeignKeys(declared, &existing) {
		got = append(got, d.String())
	}
	want := "table visit: foreign key visit_person (pnr) REFERENCES person (pnr): regflytt makes only the declared foreign keys"
	if len(got) != 1 || !strings.HasPrefix(got[0], want) {
		t.Fatalf("got %q\nwant %q...", got, want)
	}
	if ds := UndeclaredForeignKeys(declared, declared); len(ds) != 0 {
		t.Errorf("a declared foreign key is refused: %v", ds)
	}
}
