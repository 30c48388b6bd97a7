package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// Tests that each catch one single-line change to the code that decides
// correctness, which the rest of the suite let through.

// programFor compiles one mapping of one source table against a receiving
// schema, both given inline.
func programFor(t *testing.T, src connectors.Table, schemaText, mapping string) *TableProgram {
	t.Helper()
	return compileInline(t, schemaText, mapping, []connectors.Table{src}, nil).ForSource(src.Name)
}

// compileInline compiles a mapping file against a receiving schema, both
// given inline, for the source tables src, with env (nil for none).
func compileInline(t *testing.T, schemaText, mapping string, src []connectors.Table, env *Env) *Program {
	t.Helper()
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", schemaText))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	prog, ds := Compile([]*File{f}, src, schema, env)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	return prog
}

// The column that names a code list's version can be the source table's
// first column, index 0: "version column set" must not be read as
// "index above 0", or every row is looked up in no version at all.
func TestCodeListVersionInFirstColumn(t *testing.T) {
	src := connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("ver", "integer", true), col("id", "integer", false), col("rok", "varchar(2)", true),
	}}
	tp := programFor(t, src, `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoking, type: varchar(10)}
`, `codelists:
  - name: smoking
    unmapped: archive
    versions:
      "1": {"1": current, "2": never}
      "2": {"1": never, "2": current}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      smoking: {from: rok, codelist: {name: smoking, version: ver}}
`)
	for _, c := range []struct {
		version int64
		code    string
		want    string
	}{{1, "1", "current"}, {2, "1", "never"}, {1, "2", "never"}, {2, "2", "current"}} {
		o := tp.Apply([]connectors.Value{c.version, int64(7), c.code})
		if o.Kind != Migrated || len(o.Row) != 2 || o.Row[1] != c.want {
			t.Errorf("code %s in version %d: got %v %s (%s) row %v, want migrated as %s", c.code, c.version, o.Kind, o.Reason, o.Detail, o.Row, c.want)
		}
	}
}

// decimal(5,2) holds three integer digits: 1234.5 is one archived record
// with the rule that says why, not a value that reaches the target (where
// the database refuses it and the whole run stops).
func TestDecimalIntegerDigitsArchiveTheRecord(t *testing.T) {
	src := connectors.Table{Name: "lab", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		col("id", "integer", false), col("varde", "decimal(8,2)", true), col("text", "varchar(10)", true),
	}}
	tp := programFor(t, src, `platform: test
tables:
  - name: lab
    primary_key: [lab_id]
    columns:
      - {name: lab_id, type: bigint}
      - {name: value, type: "decimal(5,2)"}
      - {name: value_text, type: "decimal(5,2)"}
`, `tables:
  - target: lab
    source: lab
    columns:
      lab_id: id
      value: varde
      value_text: {expr: decimal(text)}
`)
	for _, c := range []struct {
		name   string
		row    []connectors.Value
		reason string
		column string
	}{
		{"fits", []connectors.Value{int64(1), connectors.Decimal("999.99"), "-999,99"}, "", ""},
		{"four integer digits from a decimal column", []connectors.Value{int64(2), connectors.Decimal("1234.5"), nil}, "decimal_precision", "value"},
		{"four integer digits from text", []connectors.Value{int64(3), nil, "1234,5"}, "decimal_precision", "value_text"},
		{"three decimals", []connectors.Value{int64(4), connectors.Decimal("1.23"), "1,234"}, "decimal_precision", "value_text"},
	} {
		o := tp.Apply(c.row)
		if c.reason == "" {
			if o.Kind != Migrated {
				t.Errorf("%s: got %v %s (%s), want migrated", c.name, o.Kind, o.Reason, o.Detail)
			}
			continue
		}
		if o.Kind != Archived || o.Reason != c.reason || o.Column != c.column {
			t.Errorf("%s: got %v %q column %q, want archived %s in %s", c.name, o.Kind, o.Reason, o.Column, c.reason, c.column)
		}
	}
}
