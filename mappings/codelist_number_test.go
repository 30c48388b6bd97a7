package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A code list's codes are text, and a number column's code was looked up
// by its printed form: a decimal(3,1) column's 1.0 is not the listed "1",
// nor its version 2.0 the version "2", so under unmapped: null every
// record's code became NULL and the run passed. A number column's code
// and version are now found by value when the list does not write them
// as printed; a list that writes one value twice ("1" and "01") is
// matched by text only.
func TestCodeListMatchesNumberColumnsByValue(t *testing.T) {
	for _, c := range []struct {
		typ     string
		code    connectors.Value
		version connectors.Value
		want    connectors.Value
	}{
		{"decimal(3,1)", connectors.Decimal("1.0"), connectors.Decimal("2.0"), "current"},
		{"decimal(3,1)", connectors.Decimal("2.0"), int64(1), "no"},
		{"integer", int64(3), int64(2), "former"},
		{"integer", int64(7), int64(2), "seven"},                   // "07" in the list
		{"decimal(3,1)", connectors.Decimal("9.0"), int64(2), nil}, // 9: null by declaration
		{"decimal(3,1)", connectors.Decimal("4.5"), int64(2), nil}, // unmapped: null
		{"double", float64(1), float64(1), "yes"},
	} {
		dir := t.TempDir()
		schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: smoking, type: text}
`))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		f, ds := ParseFile(writeFile(t, dir, "m.yaml", `codelists:
  - name: smoking
    unmapped: null
    versions:
      "1": {"1": "yes", "2": "no"}
      "2": {"1": "current", "2": never, "3": former, "07": seven, "9": ~}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      smoking: {from: rok, codelist: {name: smoking, version: ver}}
`))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		src := []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			col("id", "integer", false), col("rok", c.typ, true), col("ver", c.typ, true)}}}
		prog, ds := Compile([]*File{f}, src, schema, testEnv(t))
		if err := ds.Err(); err != nil {
			t.Fatal(err)
		}
		tp := prog.ForSource("besok")
		row := []connectors.Value{int64(1), c.code, c.version}
		o := tp.Apply(row)
		if o.Kind != Migrated || o.Row[1] != c.want {
			t.Errorf("%s code %v version %v: %v %q %#v, want %#v", c.typ, c.code, c.version, o.Kind, o.Reason, o.Row, c.want)
		}
		var misses []CodeMiss
		tp.CodeMisses(row, func(m CodeMiss) { misses = append(misses, m) })
		if wantMiss := c.code == connectors.Decimal("4.5"); (len(misses) > 0) != wantMiss {
			t.Errorf("%s code %v version %v: map check's misses %+v, want a miss %v", c.typ, c.code, c.version, misses, wantMiss)
		}
	}
}
