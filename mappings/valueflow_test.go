package mappings

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A NULL an expression gives is a value lost when it drops a non-NULL
// source value the result would carry (a column read as a value, taken
// or not) or one that steered this record's run to the NULL (a column
// read by a condition the run evaluated). A column read only by a
// condition of a branch the run did not take steered nothing: a NULL
// passed through from a NULL source value is no value lost, and the
// record feeds the column no source value (SourceNonNull false), so the
// value equation balances. Each construct is tested both ways.
func TestValueFlowLostAndPassThrough(t *testing.T) {
	str := func(s string) connectors.Value { return s }
	const (
		pass   = flowPass
		kept   = flowKept
		differ = flowDiffer
	)
	checkValueFlow(t, []flowCase{
		// The colleague's false alarm: id only steers inside the branch
		// that hsa_id's NULL did not take, to the NULL a. Where it would
		// choose "x", a value made of id, that value is left out
		// (TestValueFlowConstantBranchCarries).
		// id is copied to the key column as it is: what a condition makes
		// of it loses nothing (copiedElsewhere); b is read nowhere else.
		{expr: `a == nil ? nil : (id == 1 ? "x" : a)`, id: 1, want: pass},
		{expr: `a == nil ? nil : (b == "1" ? "x" : a)`, b: str("1"), want: differ},
		{expr: `a == nil ? nil : (id == 1 ? "x" : a)`, id: 2, want: pass},
		{expr: `a == nil ? nil : (id == 1 ? "x" : a)`, choice: true, id: 2, want: pass},
		{expr: `a == nil ? nil : (id == 1 ? "x" : a)`, choice: true, id: 1, want: pass},
		{expr: `a == nil ? nil : (b == "1" ? "x" : a)`, choice: true, b: str("1"), want: "lost b"},
		{expr: `a == nil ? nil : (id == 1 ? "x" : a)`, id: 1, a: str("q"), want: kept},
		{expr: `a == nil ? nil : (b == "1" ? "x" : a)`, b: str("2"), want: pass},
		{expr: `a == nil ? nil : (b == "1" ? "x" : a)`, choice: true, b: str("2"), want: pass},
		{expr: `if a == nil { nil } else { b == "1" ? "x" : a }`, b: str("2"), want: pass},
		// The same steering column, where it steers to the NULL: lost.
		{expr: `a == nil ? nil : (id == 1 ? nil : a)`, id: 1, a: str("q"), want: "lost a"},
		{expr: `a == nil ? nil : (b == "1" ? nil : a)`, a: str("q"), b: str("1"), want: "lost a"},
		{expr: `id == 1 ? nil : a`, choice: true, id: 1, a: str("q"), want: "lost a"},
		{expr: `id == 1 ? nil : a`, id: 1, a: str("q"), want: differ},
		// The condition steered to NULL, but the branch not taken gives
		// NULL in this record too (a column of it, NULL, or nil): the
		// condition changed nothing.
		{expr: `id == 1 ? nil : a`, id: 1, want: pass},
		{expr: `id == 1 ? nil : a ?? c`, id: 1, want: pass},
		{expr: `id == 1 ? nil : a ?? c`, choice: true, id: 1, c: str("z"), want: "lost c"},
		// Where what the branch not taken would give is not known
		// (a function of a NULL may give a value), the steering column
		// counts (loud).
		{expr: `id == 1 ? nil : upper(a)`, id: 1, want: pass},
		{expr: `b == "1" ? nil : upper(a)`, b: str("1"), want: "lost b"},
		// A hand-written code list that misses: the condition the run
		// evaluated read the code, which holds a value.
		{expr: `b == "1" ? "ja" : (b == "2" ? "nej" : nil)`, b: str("3"), want: "lost b"},
		{expr: `b == "1" ? "ja" : (b == "2" ? "nej" : nil)`, b: str("2"), want: kept},
		// A value made of a condition's columns alone (a code list written
		// by hand): they are its source values, in a branch not taken too.
		{expr: `a == nil ? nil : (b == "A" ? "akut" : "planerad")`, b: str("A"), want: differ},
		{expr: `a == nil ? nil : (b == "A" ? "akut" : "planerad")`, choice: true, b: str("A"), want: "lost b"},
		{expr: `a == nil ? nil : (b == "A" ? "akut" : "planerad")`, want: pass},
		{expr: `a == nil ? nil : (b == "A" ? "akut" : (c == "B" ? "x" : "planerad"))`, choice: true, b: str("B"), c: str("C"), want: "lost b"},
		{expr: `a == nil ? nil : "x"`, want: pass},
		{expr: `a == nil ? nil : "x"`, a: str("q"), want: kept},
		// Nested conditions: only the conditions on the taken path steer.
		{expr: `a == nil ? nil : (b == nil ? a : (c == "1" ? "x" : upper(a)))`, b: str("q"), c: str("2"), want: pass},
		{expr: `b == nil ? nil : (c == "1" ? nil : upper(b))`, b: str("q"), c: str("1"), want: "lost b"},
		{expr: `(b == "1" ? a : c) == nil ? nil : "x"`, b: str("1"), c: str("z"), want: differ},
		{expr: `(b == "1" ? a : c) == nil ? nil : "x"`, choice: true, b: str("1"), c: str("z"), want: "lost b"},
		// The outer condition's value is made of a, b, c alone: b counts
		// although it chose between two NULLs (loud).
		{expr: `(b == "1" ? a : c) == nil ? nil : "x"`, b: str("1"), want: "lost b"},
		{expr: `b == "1" ? nil : (c == "2" ? a : nil)`, b: str("1"), c: str("2"), want: pass},
		{expr: `b == "1" ? nil : (c == "2" ? a : nil)`, choice: true, a: str("q"), b: str("1"), c: str("2"), want: "lost a"},
		// let: a variable is read where it is used.
		// A condition on a variable cannot run alone: it counts (loud).
		{expr: `let k = b == "1"; a == nil ? nil : (k ? "x" : a)`, b: str("2"), want: differ},
		{expr: `let k = b == "1"; k ? nil : "x"`, b: str("1"), want: "lost b"},
		{expr: `let p = upper(a); b == "1" ? nil : p`, choice: true, a: str("q"), b: str("1"), want: "lost a"},
		{expr: `let p = a; a == nil ? nil : (b == "1" ? "x" : p)`, b: str("2"), want: pass},
		// A let value no one uses is counted as read (loud).
		{expr: `let p = b; a == nil ? nil : a`, choice: true, b: str("q"), want: "lost b"},
		// ?? and coalesce carry every candidate.
		{expr: `(a == "-" ? nil : a) ?? b`, a: str("-"), want: "lost a"},
		{expr: `coalesce(a, b == "1" ? nil : b)`, b: str("1"), want: "lost b"},
		{expr: `coalesce(a, b)`, want: pass},
		{expr: `a == nil ? nil : coalesce(a, b)`, choice: true, b: str("q"), want: "lost b"},
		// A function or a map that gives NULL from a value.
		{expr: `{k: a}.z`, a: str("q"), want: "lost a"},
		{expr: `{k: a}.z`, want: pass},
		{expr: `a == nil ? nil : {k: a}.z`, a: str("q"), want: "lost a"},
		// A condition of and/or, whose branch not taken is known to
		// give NULL here.
		{expr: `a == nil || b == "0" ? nil : a`, a: str("q"), b: str("0"), want: "lost a"},
		{expr: `a == nil || b == "0" ? nil : a`, b: str("5"), want: pass},
		// and/or are not followed: b counts though || did not read it
		// (loud).
		{expr: `a == nil || b == "0" ? nil : "x"`, b: str("5"), want: "lost b"},
	})
}

// flowCase is an expression run on one record (id, a, b, c) of
// choiceProgram's source, and what it should make of it.
type flowCase struct {
	expr    string
	choice  bool // declared choice:, so a value left out is counted, not archived
	id      int64
	a, b, c connectors.Value
	want    string // flowPass, flowKept, flowMade, flowDiffer, or "lost <column>"
}

const (
	flowPass   = "pass"          // NULL passed through: migrated, nothing lost, not fed
	flowKept   = "kept"          // a value migrated
	flowMade   = "made"          // a value made without a source value (a constant) migrated
	flowDiffer = "values_differ" // a value left out by a condition, archived
)

// checkValueFlow runs each case and compares the outcome, and checks
// that the value equation's source side agrees with it.
func checkValueFlow(t *testing.T, cases []flowCase) {
	t.Helper()
	const pass = flowPass
	for _, c := range cases {
		column := `{expr: '` + c.expr + `'}`
		if c.choice {
			column = `{expr: '` + c.expr + `', choice: the test says so}`
		}
		tp := choiceProgram(t, column, c.expr)
		tp.CountSourceValues = true
		o := tp.Apply([]connectors.Value{c.id, c.a, c.b, c.c, nil, nil})
		got := o.Kind.String()
		switch {
		case o.Kind == Archived:
			got = o.Reason
		case len(o.Lost) > 0:
			got = "lost " + o.Lost[0].SourceColumn
		case o.Row[1] == nil:
			got = pass
		case !o.SourceNonNull[1]:
			got = flowMade
		default:
			got = flowKept
		}
		if got != c.want {
			t.Errorf("%s (choice %v) on id %d a %v b %v c %v: %s %s, want %s", c.expr, c.choice, c.id, c.a, c.b, c.c, got, o.Detail, c.want)
			continue
		}
		if o.Kind != Migrated {
			continue
		}
		// The value equation's source side agrees with the check: a NULL
		// passed through feeds no source value, a value lost does.
		if fed := o.SourceNonNull[1]; fed != (got != pass && got != flowMade) {
			t.Errorf("%s on id %d a %v b %v c %v: %s, but SourceNonNull %v", c.expr, c.id, c.a, c.b, c.c, got, fed)
		}
	}
}

// The declared rules around an expression that passes NULL through or
// loses a value: a code list, null_when and a default act on what the
// expression gives; definitions, functions (decimal, pnr, lookup) and a
// lookup in a condition are read as the expression reads them.
func TestValueFlowWithRules(t *testing.T) {
	const head = `codelists:
  - name: size
    codes: {"1": "10", "5": "50", "9": null}
define:
  - {name: guard, params: [v, k], expr: "v == nil ? nil : (k == 1 ? \"0\" : v)"}
  - {name: drop_one, params: [v, k], expr: "k == 1 ? nil : v"}
`
	for _, c := range []struct {
		name, column string
		row          []connectors.Value // id, datum, vikt, langd, personnr
		want         string             // pass, kept, "nulled <rule>", "lost <column>", or an archive reason
	}{
		{"code list, passed through", `height_cm: {expr: 'langd == nil ? nil : (id == 1 ? 1 : langd)', codelist: size}`,
			[]connectors.Value{int64(2), nil, nil, nil, nil}, "pass"},
		{"code list, the constant id would make: id is copied to visit_id", `height_cm: {expr: 'langd == nil ? nil : (id == 1 ? 1 : langd)', codelist: size}`,
			[]connectors.Value{int64(1), nil, nil, nil, nil}, "pass"},
		{"code list, the constant personnr makes left out", `height_cm: {expr: 'langd == nil ? nil : (personnr == "x" ? 1 : langd)', codelist: size}`,
			[]connectors.Value{int64(1), nil, nil, nil, "x"}, "values_differ"},
		{"code list, its null", `height_cm: {expr: 'langd == nil ? nil : (id == 1 ? 1 : langd)', codelist: size}`,
			[]connectors.Value{int64(2), nil, nil, int64(9), nil}, "nulled codelist size"},
		{"code list, steered to NULL", `height_cm: {expr: 'langd == nil ? nil : (id == 1 ? nil : langd)', codelist: size}`,
			[]connectors.Value{int64(1), nil, nil, int64(5), nil}, "lost langd"},
		{"null_when, passed through", `weight_kg: {expr: 'vikt == nil ? nil : decimal(id == 1 ? "0" : vikt)', null_when: 'vikt == "-"'}`,
			[]connectors.Value{int64(2), nil, nil, nil, nil}, "pass"},
		{"null_when declares the guard's NULL", `weight_kg: {expr: 'vikt == nil ? nil : decimal(id == 1 ? "0" : vikt)', null_when: 'vikt == nil'}`,
			[]connectors.Value{int64(1), nil, nil, nil, nil}, "nulled null_when weight_kg"},
		{"null_when, its NULL", `weight_kg: {expr: 'vikt == nil ? nil : decimal(id == 1 ? "0" : vikt)', null_when: 'vikt == "-"'}`,
			[]connectors.Value{int64(2), nil, "-", nil, nil}, "nulled null_when weight_kg"},
		{"null_when, another NULL", `weight_kg: {expr: 'vikt == nil || vikt == "?" ? nil : decimal(id == 1 ? "0" : vikt)', null_when: 'vikt == "-"'}`,
			[]connectors.Value{int64(2), nil, "?", nil, nil}, "lost vikt"},
		{"a default for the NULL", `weight_kg: {expr: 'vikt == nil ? nil : decimal(id == 1 ? "0" : vikt)', default: 0}`,
			[]connectors.Value{int64(2), nil, nil, nil, nil}, "kept"},
		{"a definition, its condition on a parameter cannot run alone (loud)", `weight_kg: {expr: 'decimal(guard(vikt, langd))'}`,
			[]connectors.Value{int64(2), nil, nil, int64(2), nil}, "values_differ"},
		{"a definition, the constant langd makes left out", `weight_kg: {expr: 'decimal(guard(vikt, langd))'}`,
			[]connectors.Value{int64(1), nil, nil, int64(1), nil}, "values_differ"},
		{"a definition on id, which is copied to visit_id", `weight_kg: {expr: 'decimal(guard(vikt, id))'}`,
			[]connectors.Value{int64(1), nil, nil, nil, nil}, "pass"},
		{"a definition, kept", `weight_kg: {expr: 'decimal(guard(vikt, id))'}`,
			[]connectors.Value{int64(2), nil, "70", nil, nil}, "kept"},
		{"a definition, steered to NULL", `weight_kg: {expr: 'decimal(drop_one(vikt, id))', choice: the first record is a test}`,
			[]connectors.Value{int64(1), nil, "70", nil, nil}, "lost vikt"},
		{"a definition, NULL either way", `weight_kg: {expr: 'decimal(drop_one(vikt, id))'}`,
			[]connectors.Value{int64(1), nil, nil, nil, nil}, "pass"},
		{"a function of the branch not taken (loud)", `weight_kg: {expr: 'langd == 1 ? nil : decimal(vikt)'}`,
			[]connectors.Value{int64(1), nil, nil, int64(1), nil}, "lost langd"},
		{"a function of the branch not taken, on id, which is copied to visit_id", `weight_kg: {expr: 'id == 1 ? nil : decimal(vikt)'}`,
			[]connectors.Value{int64(1), nil, nil, nil, nil}, "pass"},
		{"pnr in a branch not taken", `weight_kg: {expr: 'personnr == nil ? nil : (pnr(personnr) startsWith "19" ? decimal("1") : decimal(vikt))'}`,
			[]connectors.Value{int64(1), nil, nil, nil, nil}, "pass"},
		{"pnr of a value, then NULL", `weight_kg: {expr: 'personnr == nil ? nil : (pnr(personnr) startsWith "19" ? nil : decimal("1"))'}`,
			[]connectors.Value{int64(1), nil, nil, nil, "19121212-1212"}, "lost personnr"},
		{"a function in a condition not evaluated", `height_cm: {expr: 'langd == nil ? nil : (integer(vikt) > 50 ? 1 : langd)'}`,
			[]connectors.Value{int64(1), nil, "40", nil, nil}, "pass"},
		{"a function in a condition not evaluated, that would make 1", `height_cm: {expr: 'langd == nil ? nil : (integer(vikt) > 50 ? 1 : langd)'}`,
			[]connectors.Value{int64(1), nil, "70", nil, nil}, "values_differ"},
		{"a function in a condition not evaluated, that fails on the row (loud)", `height_cm: {expr: 'langd == nil ? nil : (integer(vikt) > 50 ? 1 : langd)'}`,
			[]connectors.Value{int64(1), nil, "7.5", nil, nil}, "values_differ"},
		{"a function steering to NULL", `height_cm: {expr: 'integer(vikt) > 50 ? nil : 2'}`,
			[]connectors.Value{int64(1), nil, "70", nil, nil}, "lost vikt"},
		{"a function steering to a NULL either way", `height_cm: {expr: 'integer(vikt) > 50 ? nil : langd'}`,
			[]connectors.Value{int64(1), nil, "70", nil, nil}, "pass"},
		{"a code the code list lacks", `height_cm: {expr: 'langd == nil ? nil : (id == 1 ? 1 : langd)', codelist: size}`,
			[]connectors.Value{int64(2), nil, nil, int64(7), nil}, "code_unmapped"},
	} {
		t.Run(c.name, func(t *testing.T) {
			prog, ds := compileEnv(t, head+`tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {value: "2024-01-01"}
      `+c.column+"\n"+dropUnread(c.column), testEnv(t))
			if err := ds.Err(); err != nil {
				t.Fatal(err)
			}
			tp := prog.ForSource("besok")
			tp.CountSourceValues = true
			o := tp.Apply(c.row)
			i := 2 // weight_kg
			if strings.HasPrefix(c.column, "height_cm") {
				i = 3
			}
			var got string
			switch {
			case o.Kind != Migrated:
				got = o.Reason
			case len(o.Lost) > 0:
				got = "lost " + o.Lost[0].SourceColumn
			case len(o.Nulled) > 0:
				got = "nulled " + o.Nulled[0].Rule
			case o.Row[i] == nil:
				got = "pass"
			default:
				got = "kept"
			}
			if got != c.want {
				t.Fatalf("%s: %s %s, want %s", c.column, got, o.Detail, c.want)
			}
			if o.Kind == Migrated && o.Row[i] == nil && o.SourceNonNull[i] != (got != "pass") {
				t.Errorf("%s: %s, but SourceNonNull %v", c.column, got, o.SourceNonNull[i])
			}
		})
	}
}

// BenchmarkApplyNullPassThrough measures a record whose expression passes
// a NULL through a condition (vikt == nil ? nil : …), the NULL results
// whose dropped source values are looked for, and one that gives a value.
func BenchmarkApplyNullPassThrough(b *testing.B) {
	prog, ds := compile(b, `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      visit_date: {value: "2024-01-01"}
      weight_kg: {expr: 'vikt == nil ? nil : decimal(vikt == "-" ? "0" : vikt)'}
      height_cm: {expr: 'langd == nil ? nil : langd'}
    drop: {datum: not read, personnr: not read}
`)
	if ds.Err() != nil {
		b.Fatal(ds.Err())
	}
	tp := prog.ForSource("besok")
	tp.CountSourceValues = true
	rows := [][]connectors.Value{{int64(2), nil, nil, nil, nil}, {int64(3), nil, "72.5", int64(180), nil}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if o := tp.Apply(rows[i%2]); o.Kind != Migrated || len(o.Lost) > 0 {
			b.Fatal(o.Reason)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// A function's documented NULL (strip of blank text) is declared for the
// value that function read, not for every value the expression read: a
// source value read as a value on the path the run took, which the
// function did not read, and which the NULL dropped, is lost though the
// function gave NULL on the way (a ?? chain whose first candidate was
// blank text). A column that only steered, or one read only in a branch
// not taken (the choice: check's), is not counted again.
func TestValueFlowBesideADocumentedNull(t *testing.T) {
	str := func(s string) connectors.Value { return s }
	for _, c := range []struct {
		expr    string
		id      int64
		a, b, c connectors.Value
		want    string
	}{
		{expr: `strip(b) ?? (a == "x" ? nil : a)`, a: str("x"), b: str("  "), want: "lost a"},
		{expr: `strip(b) ?? {k: a}.z`, a: str("x"), b: str("  "), want: "lost a"},
		{expr: `strip(b) ?? (a == "x" ? nil : "y")`, a: str("x"), b: str("  "), want: "lost a"},
		{expr: `strip(b)`, b: str("  "), want: "nulled function strip"},
		{expr: `strip(b) ?? strip(a)`, a: str(" "), b: str("  "), want: "nulled function strip"},
		{expr: `id == 1 ? strip(a) : a`, id: 1, a: str(" "), want: "nulled function strip"},
		{expr: `strip(b) ?? (a == "x" ? nil : c)`, a: str("x"), b: str("  "), want: "nulled function strip"},
		{expr: `strip(b) ?? (a == "x" ? nil : a)`, a: str("y"), b: str("  "), want: "kept"},
	} {
		tp := choiceProgram(t, `{expr: '`+c.expr+`'}`, c.expr)
		tp.CountSourceValues = true
		o := tp.Apply([]connectors.Value{c.id, c.a, c.b, c.c, nil, nil})
		var got string
		switch {
		case o.Kind == Archived:
			got = o.Reason
		case len(o.Lost) > 0:
			got = "lost " + o.Lost[0].SourceColumn
		case len(o.Nulled) > 0:
			got = "nulled " + o.Nulled[0].Rule
		case o.Row[1] == nil:
			got = "pass"
		default:
			got = "kept"
		}
		if got != c.want {
			t.Errorf("%s on id %d a %q b %q c %v: %s %s, want %s", c.expr, c.id, c.a, c.b, c.c, got, o.Detail, c.want)
		}
	}
}
