package mappings

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

var choiceSource = connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
	col("id", "integer", false), col("a", "varchar(10)", true), col("b", "varchar(10)", true), col("c", "varchar(10)", true),
	col("x", "decimal(5,2)", true), col("y", "decimal(5,1)", true),
}}

const choiceTarget = `platform: test
tables:
  - name: visit
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: v, type: varchar(10)}
`

// choiceProgram maps visit.v by column, whose expression is expr; the
// source columns expr does not read are dropped.
func choiceProgram(t *testing.T, column, expr string) *TableProgram {
	t.Helper()
	return programFor(t, choiceSource, choiceTarget, `define:
  - {name: newest, params: [new, old], expr: "new ?? old"}
  - {name: older, params: [new, old], expr: "new != nil ? new : old"}
tables:
  - target: visit
    source: besok
    columns:
      id: id
      v: `+column+`
    drop: {`+choiceDrop(expr)+`}
`)
}

func choiceDrop(expr string) string {
	var drop []string
	for _, c := range []string{"a", "b", "c", "x", "y"} {
		if !slices.Contains(identifiers(expr), c) {
			drop = append(drop, c+": not read")
		}
	}
	return strings.Join(drop, ", ")
}

// What a choice leaves out: a differing value of a source column the
// chosen candidate does not read archives the record; equal values (by
// value for numbers), NULLs, constants and another form of the chosen
// column are no value left out.
func TestChoiceLeavesOut(t *testing.T) {
	str := func(s string) connectors.Value { return s }
	dec := func(s string) connectors.Value { return connectors.Decimal(s) }
	for _, c := range []struct {
		expr       string
		a, b, c    connectors.Value
		x, y       connectors.Value
		want, from string
	}{
		{expr: `coalesce(a, b)`, a: str("1"), b: str("2"), want: "values_differ", from: "a, b"},
		{expr: `coalesce(a, b)`, a: str("1"), b: str("1"), want: "migrated"},
		{expr: `coalesce(a, b)`, b: str("2"), want: "migrated"},
		{expr: `coalesce(a, b, c)`, a: str("1"), c: str("3"), want: "values_differ"},
		{expr: `a ?? b ?? c`, a: str("1"), c: str("3"), want: "values_differ"},
		{expr: `a ?? b`, a: str("1"), b: str("1 "), want: "values_differ"},
		{expr: `a ?? "none"`, a: str("1"), want: "migrated"},
		{expr: `(a ?? "") startsWith "1" ? "j" : "n"`, a: str("1"), want: "migrated"},
		{expr: `coalesce(a, upper(a))`, a: str("x"), want: "migrated"},
		{expr: `string(coalesce(x, y))`, x: dec("80.00"), y: dec("80.0"), want: "migrated"},
		{expr: `string(coalesce(x, y))`, x: dec("80.00"), y: dec("80.5"), want: "values_differ"},
		{expr: `coalesce(a, string(y))`, a: str("80.0"), y: dec("80.0"), want: "migrated"},
		// Through variables: the columns they were bound to.
		{expr: `let p = a; let q = upper(b); coalesce(p, q)`, a: str("1"), b: str("x"), want: "values_differ"},
		{expr: `let p = a; let q = upper(p); coalesce(p, q)`, a: str("x"), want: "migrated"},
		{expr: `newest(a, b)`, a: str("1"), b: str("2"), want: "values_differ", from: "a, b"},
		{expr: `newest(a, b)`, a: str("1"), b: str("1"), want: "migrated"},
		// Conditions choose too: the branch not taken reads nothing.
		{expr: `a == nil ? b : a`, a: str("1"), b: str("2"), want: "values_differ"},
		{expr: `a == nil ? b : a`, a: str("1"), b: str("1"), want: "migrated"},
		{expr: `a == nil ? b : a`, b: str("2"), want: "migrated"},
		{expr: `c == "A" ? a : b`, a: str("1"), b: str("2"), c: str("A"), want: "values_differ"},
		{expr: `c == "A" ? a : b`, a: str("1"), c: str("A"), want: "migrated"},
		{expr: `c == "A" ? a : b`, a: str("1"), b: str("2"), c: str("B"), want: "values_differ"},
		{expr: `if c == "A" { a } else { upper(b) }`, a: str("1"), b: str("x"), c: str("A"), want: "values_differ"},
		{expr: `c == "A" ? (a == nil ? "-" : a) : "x"`, a: str("1"), c: str("A"), want: "migrated"},
		{expr: `c == "A" ? (b == nil ? "-" : a) : "x"`, a: str("1"), b: str("2"), c: str("A"), want: "migrated"},
		{expr: `let p = a; c == "A" ? p : "x"`, a: str("1"), c: str("B"), want: "values_differ"},
		{expr: `let p = a; c == "A" ? p : "x"`, a: str("1"), c: str("A"), want: "migrated"},
		{expr: `let p = b; a`, a: str("1"), b: str("2"), want: "values_differ"},
		{expr: `c != nil && a != nil ? "j" : "n"`, a: str("1"), want: "migrated"},
		{expr: `c == "A" ? a : b`, a: str("1"), b: str("A"), c: str("A"), want: "values_differ"},
		{expr: `a == nil ? upper(b) : upper(a)`, a: str("x"), b: str("x"), want: "migrated"},
		{expr: `older(a, b)`, a: str("1"), b: str("2"), want: "values_differ"},
		{expr: `older(a, b)`, b: str("2"), want: "migrated"},
	} {
		tp := choiceProgram(t, `{expr: '`+c.expr+`'}`, c.expr)
		o := tp.Apply([]connectors.Value{int64(1), c.a, c.b, c.c, c.x, c.y})
		got := o.Kind.String()
		if o.Kind == Archived {
			got = o.Reason
		}
		if got != c.want {
			t.Errorf("%s on %v %v %v %v %v: %s (%s), want %s", c.expr, c.a, c.b, c.c, c.x, c.y, got, o.Detail, c.want)
		}
		if c.from != "" && o.SourceColumn != c.from {
			t.Errorf("%s: archived naming %q, want %q", c.expr, o.SourceColumn, c.from)
		}
		if len(o.NotChosen) > 0 {
			t.Errorf("%s: values not chosen %v without a declared choice", c.expr, o.NotChosen)
		}
	}
}

// A declared choice migrates the first value and counts each value left
// out; the next record starts with none.
func TestChoiceDeclared(t *testing.T) {
	tp := choiceProgram(t, `{expr: "coalesce(a, b, c)", choice: the newest form wins}`, "[a, b, c]")
	o := tp.Apply([]connectors.Value{int64(1), "1", "2", "3", nil, nil})
	if o.Kind != Migrated || o.Row[1] != "1" || !slices.Equal(o.NotChosen, []string{"v", "v"}) {
		t.Fatalf("%s %v %v", o.Kind, o.Row, o.NotChosen)
	}
	o = tp.Apply([]connectors.Value{int64(2), nil, "2", "2", nil, nil})
	if o.Kind != Migrated || len(o.NotChosen) != 0 {
		t.Fatalf("%s %v", o.Kind, o.NotChosen)
	}
}

// choice: where nothing is chosen, or without its reason, is M084.
func TestChoiceDeclaredWithoutChoice(t *testing.T) {
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", choiceTarget))
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	for _, column := range []string{`{from: a, choice: the first}`, `{expr: "a + b", choice: the first}`, `{expr: "a ?? b", choice: ""}`} {
		f, ds := ParseFile(writeFile(t, dir, "m.yaml", `tables:
  - target: visit
    source: besok
    columns:
      id: id
      v: `+column+`
    drop: {`+choiceDrop(column)+`}
`))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		_, ds = Compile([]*File{f}, []connectors.Table{choiceSource}, schema, nil)
		if err := ds.Err(); err == nil || !strings.Contains(err.Error(), "M084") {
			t.Errorf("%s: %v, want M084", column, err)
		}
	}
}

// The person's number is matched against the lists, not migrated: a
// choice there leaves no receiving value out, and does not archive.
func TestChoiceInPersonIsNoLoss(t *testing.T) {
	env := testEnv(t)
	env.OptOut = personList(t, ReasonOptOut, "19121212-1212")
	tp := personProgram(t, env, `{expr: "coalesce(personnr, string(datum))"}`, `{expr: 'datum == nil ? pseudonym(personnr) : pseudonym(personnr)'}`)
	d := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if o := tp.Apply([]connectors.Value{int64(1), "19460101-0301", d}); o.Kind != Migrated {
		t.Fatalf("got %v %q %s, want migrated", o.Kind, o.Reason, o.Detail)
	}
	if o := tp.Apply([]connectors.Value{int64(1), "19121212-1212", d}); o.Kind != Excluded {
		t.Fatalf("got %v %q, want excluded", o.Kind, o.Reason)
	}
}
