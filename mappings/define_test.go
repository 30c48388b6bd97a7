package mappings

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

func TestDefinitionsChecked(t *testing.T) {
	cases := []struct{ define, column, want string }{
		{`[{name: w, params: [x], expr: "decimal(x) + decimal(langd)"}]`, `w(vikt)`, "M071"},
		{`[{name: date, params: [x], expr: "x"}]`, `decimal(vikt)`, "M071"},
		{`[{name: w, params: [x], expr: "x"}, {name: w, params: [x], expr: "x"}]`, `w(vikt)`, "M071"},
		{`[{name: w, params: [x, y], expr: "x"}]`, `w(vikt)`, "M013,M010"},
		{`[{name: w, params: [x], expr: "w(x)"}]`, `w(vikt)`, "M013,M010"},
		{`[{name: w, params: [x], expr: "decimal(x"}]`, `w(vikt)`, "M071,M013,M010"},
	}
	for _, c := range cases {
		_, ds := compile(t, "define: "+c.define+`
tables:
  - {target: visit, source: besok, columns: {visit_id: id, visit_date: {expr: date(datum)}, weight_kg: {expr: '`+c.column+`'}, height_cm: langd}, drop: {personnr: x}}
`)
		var got []string
		for _, d := range ds {
			got = append(got, d.Code)
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("%s / %s: got %v, want %s", c.define, c.column, ds, c.want)
		}
	}
}

// A parameter named like a source column reads the argument, and each
// argument is evaluated once, where it is written.
func TestDefinitionBindsArguments(t *testing.T) {
	prog, ds := compile(t, `define:
  - {name: heavier, params: [vikt, by], expr: "integer(vikt) + by"}
tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {expr: date(datum)}
      weight_kg: {expr: 'heavier(langd, 1)'}
    drop: {vikt: x, personnr: x}
`)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	o := prog.ForSource("besok").Apply([]connectors.Value{int64(1), "2020-01-01", "99", int64(70), nil})
	if o.Kind != Migrated {
		t.Fatalf("%+v", o)
	}
	if s, _ := connectors.FormatValue(o.Row[2]); s != "71.0" {
		t.Errorf("heavier(langd, 1) with langd 70 and vikt 99 = %s, want 71.0", s)
	}
}
