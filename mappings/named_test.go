package mappings

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// Compiling against the source as the mapping names it finds what is
// wrong in the mapping, and nothing else once the source diagnostics
// (which only the database can settle) are left out.
func TestNamedSource(t *testing.T) {
	schema := &Schema{File: "schema.yaml", pos: map[string]Pos{}}
	schema.Tables = []connectors.Table{{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{
		col("visit_id", "bigint", false), col("visit_date", "date", false), col("weight_kg", "decimal(5,1)", true), col("unit", "varchar(20)", true),
	}}}
	cases := []struct {
		name, mapping string
		want          []string // error codes
	}{
		{"plain", `tables:
  - target: visit
    source: besok
    key: [id]
    person: {expr: upper(personnr)}
    lookups: {u: {table: enhet, key: id}}
    columns:
      visit_id: id
      visit_date: {expr: 'date(col("date"))'}
      weight_kg: {from: vikt, cast: "decimal(5,1)"}
      unit: {expr: 'lookup("u", enhet_id, "namn")'}
    drop: {gammal: unused, id: both}
`, []string{"M010"}},
		{"select", `tables:
  - target: visit
    source: {table: besok, select: "SELECT b.id, b.d FROM besok b"}
    columns: {visit_id: id, visit_date: {expr: date(d)}}
`, nil},
		{"form store", `codelists:
  - {name: u, versions: {"1": {a: A}}}
tables:
  - target: visit
    source: {eav: {entities: inst, values: varde, entity: inst_id, attribute: var, value: v, version: ver}}
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
      unit: {from: enhet, codelist: {name: u, version: formver}}
      weight_kg: {from: vikt, codelist: {name: u, version: ver}}
`, []string{"C005"}},
		// A rule reading an entity column only drop: lists (a soft-delete
		// flag), and a values-table key named like the entity's mapped
		// key: which names are entity columns and which variables only the
		// source says, and map check and run accept both against it, so
		// plan check (and plan render, plan approve, map doc behind it)
		// must not refuse them (it said M013 and M010).
		{"form store rule and shared key name", `tables:
  - target: visit
    source: {eav: {entities: inst, values: varde, entity: inst_id, attribute: var, value: v}}
    rules: [{when: "src.raderad == 1", archive: soft_deleted}]
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
    drop: {raderad: read by a rule, id: the value row's own number}
`, nil},
		{"unknown function and receiving column", `tables:
  - target: visit
    source: besok
    columns: {visit_id: id, visit_date: {expr: datum_av(d)}, length: l}
`, []string{"M013", "M004"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, ds := ParseYAMLBytes("m.yaml", []byte(c.mapping))
			file, more := parseFile("m.yaml", root)
			ds = append(ds, more...)
			if err := ds.Err(); err != nil {
				t.Fatal(err)
			}
			catalog, selects := NamedSource([]*File{file})
			_, ds = Compile([]*File{file}, catalog, schema, &Env{Selects: selects})
			ds.Sort()
			var got []string
			for _, d := range ds {
				if d.Severity == Error && !SourceDiagnostic(d) {
					got = append(got, d.Code)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Fatalf("errors %v, want %v:\n%v", got, c.want, ds)
			}
		})
	}
}

// FuzzNamedSource: whatever a mapping says, compiling it against the
// source it names answers with diagnostics, never a panic.
func FuzzNamedSource(f *testing.F) {
	f.Add([]byte(visitMapping))
	f.Add([]byte("tables:\n  - target: visit\n    source: {eav: {entities: a, values: b, entity: c, attribute: d, value: e}}\n    columns: {x: {expr: 'pnr(y)'}}\n"))
	f.Add([]byte("tables:\n  - target: visit\n    source: {table: a, select: 'SELECT 1'}\n    columns: {visit_id: {expr: 'f(x) + lookup(\"u\", k, \"c\")'}}\n"))
	schema := &Schema{File: "schema.yaml", pos: map[string]Pos{}}
	schema.Tables = []connectors.Table{{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{col("visit_id", "bigint", false)}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, _ := ParseYAMLBytes("m.yaml", data)
		if root == nil {
			return
		}
		file, _ := parseFile("m.yaml", root)
		catalog, selects := NamedSource([]*File{file})
		if prog, _ := Compile([]*File{file}, catalog, schema, &Env{Selects: selects}); prog == nil {
			t.Fatal("Compile gave no program")
		}
	})
}
