package mappings

import (
	"fmt"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

func unitCatalogue() []connectors.Table {
	return []connectors.Table{
		{Name: "vardenhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "integer", false), col("namn", "varchar(100)", true)}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "integer", false), col("vardenhet_id", "integer", true), col("vikt", "varchar(8)", true)}},
	}
}

const unitSchema = `platform: test
tables:
  - name: care_unit
    columns: [{name: care_unit_id, type: bigint}, {name: name, type: varchar(100)}]
  - name: visit
    columns: [{name: visit_id, type: bigint}, {name: care_unit_id, type: bigint}, {name: weight, type: varchar(8)}]
`

func compileUnits(t *testing.T, mapping string) Diagnostics {
	t.Helper()
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", unitSchema))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", mapping))
	if f == nil {
		return ds
	}
	_, more := Compile([]*File{f}, unitCatalogue(), schema, nil)
	return append(ds, more...)
}

func TestReportingUnitMustReachTheTarget(t *testing.T) {
	const units = `tables:
  - target: care_unit
    source: vardenhet
    unit: id
    columns: {care_unit_id: id, name: namn}
  - target: visit
    source: besok
`
	cases := []struct {
		name, visit string
		want        string // "code line", "" for none
	}{
		{"carried", "    unit: vardenhet_id\n    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}\n", ""},
		{"carried, long form", "    unit: {column: vardenhet_id}\n    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}\n", ""},
		{"dropped", "    unit: vardenhet_id\n    columns: {visit_id: id, weight: vikt}\n    drop: {vardenhet_id: not needed}\n", "M051 8"},
		{"not mapped", "    unit: vardenhet_id\n    columns: {visit_id: id, weight: vikt, care_unit_id: {expr: vardenhet_id}}\n", "M051 8"},
		{"null_when", "    unit: vardenhet_id\n    columns:\n      visit_id: id\n      weight: vikt\n      care_unit_id: {from: vardenhet_id, null_when: [\"0\"]}\n", "M052 12"},
		{"default", "    unit: vardenhet_id\n    columns:\n      visit_id: id\n      weight: vikt\n      care_unit_id: {from: vardenhet_id, default: \"1\"}\n", "M052 12"},
		// lookup() of the unit by the lookup's own key gives the key it
		// matched: the unit as it is. Anything else may change it.
		{"lookup of its key", "    unit: vardenhet_id\n    lookups: {u: {table: vardenhet, key: id}}\n    columns: {visit_id: id, weight: vikt, care_unit_id: {expr: 'lookup(\"u\", vardenhet_id, \"id\")'}}\n", ""},
		{"lookup of another column", "    unit: vardenhet_id\n    lookups: {u: {table: vardenhet, key: id}}\n    columns: {visit_id: id, weight: vikt, care_unit_id: {expr: 'lookup(\"u\", vardenhet_id, \"namn\")'}}\n", "M051 8"},
		{"lookup with a default", "    unit: vardenhet_id\n    lookups: {u: {table: vardenhet, key: id}}\n    columns: {visit_id: id, weight: vikt, care_unit_id: {expr: 'lookup(\"u\", vardenhet_id, \"id\", 1)'}}\n", "M051 8"},
		{"lookup of another key", "    unit: vardenhet_id\n    lookups: {u: {table: vardenhet, key: id}}\n    columns: {visit_id: id, weight: vikt, care_unit_id: {expr: 'lookup(\"u\", id, \"id\")'}}\n    drop: {vardenhet_id: test}\n", "M051 8"},
		{"lookup inside an expression", "    unit: vardenhet_id\n    lookups: {u: {table: vardenhet, key: id}}\n    columns: {visit_id: id, weight: vikt, care_unit_id: {expr: 'lookup(\"u\", vardenhet_id, \"id\") + 1'}}\n", "M051 8"},
		{"undeclared", "    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}\n", "M050 6"},
		{"none", "    unit: {none: test}\n    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}\n", ""},
		{"parent without parent:", "    unit: {parent: true}\n    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}\n", "M053 8"},
		{"parent", "    unit: {parent: true}\n    parent: {table: vardenhet, key: [vardenhet_id]}\n    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}\n", ""},
		{"parent and column", "    unit: {parent: true, column: vardenhet_id}\n    parent: {table: vardenhet, key: [vardenhet_id]}\n    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}\n", "Y003 8"},
		{"both", "    unit: {none: test, column: vardenhet_id}\n    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}\n", "Y003 8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := compileUnits(t, units+c.visit)
			var got []string
			for _, d := range ds {
				if d.Severity == Error {
					got = append(got, fmt.Sprintf("%s %d", d.Code, d.Pos.Line))
				}
			}
			if c.want == "" && len(got) > 0 {
				t.Fatalf("want no error, got %v: %v", got, ds)
			}
			if c.want != "" && (len(got) != 1 || got[0] != c.want) {
				t.Fatalf("want %s, got %v: %v", c.want, got, ds)
			}
			if c.want != "" && strings.Contains(ds.Error(), "vikt") {
				t.Errorf("message names an unrelated column: %v", ds)
			}
		})
	}
}

// A plan whose mappings declare no unit anywhere is as before.
func TestNoUnitsDeclaredIsAsBefore(t *testing.T) {
	ds := compileUnits(t, `tables:
  - target: visit
    source: besok
    columns: {visit_id: id, weight: vikt}
    drop: {vardenhet_id: old}
`)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestAccessSectionIsChecked(t *testing.T) {
	const tables = `
tables:
  - target: care_unit
    source: vardenhet
    columns: {care_unit_id: id, name: namn}
  - target: visit
    source: besok
    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}
`
	cases := []struct {
		name, access string
		want         []string // "code line"
	}{
		{"well formed", `access:
  units: {table: vardenhet, key: id}
  legacy:
    roles: {LAK: {access: write}, ADM: {access: write, reach: all}}
    grants:
      - {table: besok, account: id, role: vikt, unit: vardenhet_id}
  receiving:
    roles: {reporter: {access: write}}
    grants:
      - {table: visit, account: visit_id, role: weight, unit: care_unit_id}
`, nil},
		{"unmapped tables, unknown columns, bad fields", `access:
  units: {table: enheter, key: id}
  legacy:
    roles: {LAK: {access: all}, ADM: {access: write, reach: country}}
    grants:
      - {table: behorighet, account: anvandare_id, role: roll, unit: vardenhet_id}
      - {table: besok, account: id, unit: vardenhet_id, basis: appointment, access: write}
  receiving:
    roles: {reporter: {access: write}}
    grants:
      - {table: grants, account: user_id, role: role, unit: care_unit_id}
      - {table: visit, account: user_id, role: role, region: weight}
`, []string{"Y001 4", "Y001 4", "Y003 7", "M061 2", "M061 6", "M062 11", "M062 12", "M062 12"}},
		{"grants carried into a table receiving: does not list", `access:
  units: {table: vardenhet, key: id}
  legacy:
    roles: {LAK: {access: write}}
    grants:
      - {table: besok, account: id, role: vikt, unit: vardenhet_id}
  receiving:
    roles: {reporter: {access: write}}
    grants:
      - {table: care_unit, account: care_unit_id, role: name, unit: care_unit_id}
`, []string{"M064 16"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := compileUnits(t, c.access+tables)
			var got []string
			for _, d := range ds {
				if d.Code != "P014" { // no login: (TestAccessLoginsAreChecked)
					got = append(got, fmt.Sprintf("%s %d", d.Code, d.Pos.Line))
				}
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("got %v, want %v: %v", got, c.want, ds)
			}
		})
	}
}

// A child that takes its unit from a parent of no unit would be in no
// unit's report while its mapping says it follows its parent: refused.
func TestParentUnitNeedsAParentWithAUnit(t *testing.T) {
	ds := compileUnits(t, `tables:
  - target: care_unit
    source: vardenhet
    unit: {none: test}
    columns: {care_unit_id: id, name: namn}
  - target: visit
    source: besok
    unit: {parent: true}
    parent: {table: vardenhet, key: [vardenhet_id]}
    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}
`)
	var got []string
	for _, d := range ds {
		if d.Severity == Error {
			got = append(got, fmt.Sprintf("%s %d:%d", d.Code, d.Pos.Line, d.Pos.Column))
		}
	}
	if len(got) != 1 || got[0] != "M053 8:11" {
		t.Fatalf("want M053 8:11, got %v: %v", got, ds)
	}
}

// A regional grant on the receiving platform reaches the units its own
// units table puts in the region, so the access proof reads that table:
// the units' regions must reach it beside their units (M063), and the
// proof finds it by the mapping that carries them.
func TestAccessNeedsTheReceivingUnitsRegions(t *testing.T) {
	const access = `access:
  units: {table: vardenhet, key: id, region: namn}
  legacy:
    roles: {LAK: {access: write}}
    grants:
      - {table: besok, account: id, role: vikt, unit: vardenhet_id}
  receiving:
    roles: {reporter: {access: write}, regional: {access: read, reach: region}}
    grants:
      - {table: visit, account: visit_id, role: weight, unit: care_unit_id}
tables:
  - target: visit
    source: besok
    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: vikt}
  - target: care_unit
    source: vardenhet
`
	for name, c := range map[string]struct{ columns, want string }{
		"carried":       {"    columns: {care_unit_id: id, name: namn}\n", ""},
		"by expression": {"    columns: {care_unit_id: id, name: {expr: 'upper(namn)'}}\n", ""},
		"dropped":       {"    columns: {care_unit_id: id}\n    drop: {namn: not carried}\n", "M063 2"},
		// No receiving grant reaches by region: the regions there do
		// not matter to the proof.
		"dropped, no regional grant": {"    columns: {care_unit_id: id}\n    drop: {namn: not carried}\n", ""},
	} {
		t.Run(name, func(t *testing.T) {
			mapping := access + c.columns
			if strings.HasSuffix(name, "no regional grant") {
				mapping = strings.Replace(mapping, ", regional: {access: read, reach: region}", "", 1)
			}
			var got []string
			for _, d := range compileUnits(t, mapping) {
				if d.Code != "P014" { // no login: (TestAccessLoginsAreChecked)
					got = append(got, fmt.Sprintf("%s %d", d.Code, d.Pos.Line))
				}
			}
			if strings.Join(got, ",") != c.want {
				t.Fatalf("got %v, want %q", got, c.want)
			}
			f, _ := ParseFile(writeFile(t, t.TempDir(), "m.yaml", mapping))
			ru, ok := f.Access.ReceivingUnits([]*File{f})
			if want := (ReceivingUnitTable{Table: "care_unit", Key: "care_unit_id", Region: "name"}); ok != !strings.HasPrefix(name, "dropped") || ok && ru != want {
				t.Errorf("ReceivingUnits: %+v %v", ru, ok)
			}
		})
	}
}

// unit: derived: names receiving columns that hold something derived from
// the unit, not the unit: only columns mapped from the unit column through
// a code list or expression qualify (M065).
func TestUnitDerivedNames(t *testing.T) {
	const head = `codelists:
  - name: sizes
    unmapped: default
    default: large
    codes: {"1": small}
tables:
  - target: care_unit
    source: vardenhet
    unit: id
    columns: {care_unit_id: id, name: namn}
  - target: visit
    source: besok
`
	const cols = "    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: {from: vardenhet_id, codelist: sizes}}\n"
	cases := []struct{ name, visit, want string }{
		{"a code-listed column", "    unit: {column: vardenhet_id, derived: [weight]}\n" + cols, ""},
		{"a column not from the unit", "    unit: {column: vardenhet_id, derived: [visit_id]}\n" + cols, "M065 13"},
		{"the unit as it is", "    unit: {column: vardenhet_id, derived: [care_unit_id]}\n" + cols, "M065 13"},
		{"no such column", "    unit: {column: vardenhet_id, derived: [size]}\n" + cols, "M065 13"},
		{"without column:", "    unit: {none: not reported, derived: [weight]}\n" + cols, "M065 13"},
		// An expression that reads the unit is held as a carrier unless
		// named derived (README: a code list or an expression).
		{"an expression", "    unit: {column: vardenhet_id, derived: [weight]}\n    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: {expr: \"vardenhet_id > 1 ? 'large' : 'small'\"}}\n", ""},
		{"an expression of another column", "    unit: {column: vardenhet_id, derived: [weight]}\n    columns: {visit_id: id, care_unit_id: vardenhet_id, weight: {expr: \"id > 1 ? 'large' : 'small'\"}}\n", "M065 13"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, d := range compileUnits(t, head+c.visit) {
				if d.Code == "M065" {
					got = append(got, fmt.Sprintf("%s %d", d.Code, d.Pos.Line))
				}
			}
			if c.want == "" && len(got) > 0 || c.want != "" && (len(got) != 1 || got[0] != c.want) {
				t.Errorf("got %v, want %q", got, c.want)
			}
		})
	}
}
