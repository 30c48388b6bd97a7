package mappings

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// TestReceivingKeyInjective: only a receiving key copied untransformed
// from the whole source primary key is injective; every transform that
// can merge two source keys into one receiving key is not.
func TestReceivingKeyInjective(t *testing.T) {
	cases := []struct {
		name, visitID, extra string
		want                 bool
	}{
		{"plain copy of the primary key", "id", "", true},
		{"from: spelled out", "{from: id}", "", true},
		{"expression that merges keys", "{expr: id % 10}", "", false},
		{"another column", "langd", "", false}, // id is then dropped below
		{"a default", "{from: id, default: '0'}", "", false},
		{"null_when", "{from: id, null_when: ['7']}", "", false},
		{"a rule", "{from: id, rules: {range: [1, 100]}}", "", false},
		{"a record key other than the primary key", "id", "    key: [langd]\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			drop := ""
			if c.visitID == "langd" {
				drop = ", id: not kept"
			}
			prog, ds := compile(t, `tables:
  - target: visit
    source: besok
`+c.extra+`    columns:
      visit_id: `+c.visitID+`
      visit_date: {from: datum, cast: date}
      height_cm: {from: langd, cast: smallint}
    drop: {vikt: not kept, personnr: not kept`+drop+`}
`)
			if ds.Err() != nil {
				t.Fatalf("compile: %v", ds)
			}
			tp := prog.Tables[0]
			if got := tp.ReceivingKeyInjective(); got != c.want {
				t.Errorf("ReceivingKeyInjective() = %v, want %v", got, c.want)
			}
			// A source primary key that may hold NULL (SQLite allows it)
			// is never unique enough.
			id := tp.Source.Columns[tp.KeyIndex[0]]
			nullable := *tp.Source
			nullable.Columns = append([]connectors.Column(nil), tp.Source.Columns...)
			nullable.Columns[tp.KeyIndex[0]].Nullable = true
			tp.Source = &nullable
			if tp.ReceivingKeyInjective() {
				t.Errorf("ReceivingKeyInjective() with %s nullable = true, want false", id.Name)
			}
		})
	}
}

// A form store's records are its entities: a receiving key copied from
// the entity's key is injective, one computed or taken from a variable
// (which two entities can share) is not.
func TestReceivingKeyInjectiveFormStore(t *testing.T) {
	cases := []struct {
		name, key string
		want      bool
	}{
		{"the entity's key", "id", true},
		{"an expression of it", "{expr: id % 10}", false},
		{"a variable", "{from: nr, cast: bigint}", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", eavSchema))
			if ds.Err() != nil {
				t.Fatal(ds)
			}
			drop := ""
			if c.key != "id" && c.key != "{expr: id % 10}" {
				drop = ", id: not kept"
			}
			f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: registration
    source:
      eav: {entities: instans, values: varde, entity: instans_id, attribute: variabel, value: varde}
    columns:
      registration_id: `+c.key+`
      registered: {expr: date(datum)}
    drop: {varde_id: the value row's own number, ver: one version`+drop+`}
`))
			if ds.Err() != nil {
				t.Fatal(ds)
			}
			prog, ds := Compile([]*File{f}, eavCatalog(), schema, nil)
			if err := ds.Err(); err != nil {
				t.Fatal(err)
			}
			if got := prog.Tables[0].ReceivingKeyInjective(); got != c.want {
				t.Errorf("ReceivingKeyInjective() = %v, want %v", got, c.want)
			}
		})
	}
}
