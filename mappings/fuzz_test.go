package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// FuzzParseFile feeds arbitrary bytes to the mapping loader and compiler:
// whatever a user writes, regflytt answers with diagnostics, never a panic.
func FuzzParseFile(f *testing.F) {
	f.Add([]byte(visitMapping))
	f.Add([]byte("tables:\n  - target: visit\n    source: {eav: {entities: a, values: b, entity: c, attribute: d, value: e}}\n    columns: {x: {expr: 'pnr(y)'}}\n"))
	f.Add([]byte("codelists:\n  - name: c\n    versions: {\"1\": {a: b}}\ntables: []\n"))
	f.Add([]byte("tables:\n  - target: visit\n    merge: [visit_id]\n    sources:\n      - {source: besok, precedence: 1, columns: {visit_id: id}}\n"))
	f.Add([]byte("tables: [\n"))
	for _, c := range Constructs() {
		f.Add([]byte(c.Mapping))
	}
	schema := &Schema{File: "schema.yaml", pos: map[string]Pos{}}
	schema.Tables = []connectors.Table{{Name: "visit", PrimaryKey: []string{"visit_id"}, Columns: []connectors.Column{
		col("visit_id", "bigint", false), col("visit_date", "date", false), col("weight_kg", "decimal(5,1)", true), col("height_cm", "smallint", true),
	}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		root, ds := ParseYAMLBytes("m.yaml", data)
		if root == nil {
			if len(ds) == 0 {
				t.Fatal("no file and no diagnostic")
			}
			return
		}
		file, _ := parseFile("m.yaml", root)
		if file == nil {
			t.Fatal("parseFile gave no file")
		}
		prog, _ := Compile([]*File{file}, legacy(), schema, &Env{})
		if prog == nil {
			t.Fatal("Compile gave no program")
		}
		// The file's own tests run without a panic too.
		RunTests([]*File{file}, schema, testRef)
	})
}

// FuzzCompileExpr compiles arbitrary expressions over a row and runs
// those that compile: no panic, and a failure is a reason, not a crash.
func FuzzCompileExpr(f *testing.F) {
	for _, fn := range Functions() {
		f.Add(fn.Example)
	}
	f.Add(`decimal(vikt) + 1`)
	f.Add(`date(datum, "DD.MM.YYYY") ?? nil`)
	f.Add(`map(1..1000000, # * 2)`)
	f.Add(`col("datum")`)
	f.Add(`date(datum) < reference_date && vikt >= "1"`)
	f.Add(`let v = vikt; v[1:3] + string(len(v) * 9223372036854775807)`)
	f.Add(`sum([1, 2], # * id) + abs(-id) ?? datum[-1]`)
	f.Fuzz(func(t *testing.T, src string) {
		env := &Env{}
		ce, err := compileExpr(Str{Value: src}, []string{"id", "datum", "vikt"}, env)
		if err != nil {
			return
		}
		var st applyState
		st.env.R = []any{int64(1), "2024-02-29", "72,5"}
		if _, err := ce.run(&st.vm, &st.env); err != nil {
			if _, ok := err.(*reasonError); !ok {
				t.Fatalf("a failed expression is not a reason: %T %v", err, err)
			}
		}
	})
}
