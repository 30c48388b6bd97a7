package mappings

import (
	"strings"
	"testing"
	"time"
)

// runExample runs the tests of one mapping text against a schema text, as
// map test does.
func runExample(t *testing.T, schemaText, mapping string) *TestReport {
	t.Helper()
	dir := t.TempDir()
	schema, ds := LoadSchema(writeFile(t, dir, "schema.yaml", schemaText))
	if err := ds.Err(); err != nil {
		t.Fatalf("schema: %v", err)
	}
	f, ds := ParseFile(writeFile(t, dir, "mapping.yaml", mapping))
	if err := ds.Err(); err != nil {
		t.Fatalf("mapping: %v", err)
	}
	rep, ds := RunTests([]*File{f}, schema, testRef)
	if err := ds.Err(); err != nil {
		t.Fatalf("map test: %v", err)
	}
	return rep
}

// Every documented construct's example runs as map test runs it: its
// tests pass, and exercise every column and rule of the example.
func TestConstructExamples(t *testing.T) {
	for _, c := range Constructs() {
		t.Run(c.Name, func(t *testing.T) {
			rep := runExample(t, c.Schema, c.Mapping)
			if rep.Cases == 0 || rep.Rows == 0 {
				t.Fatalf("the example has no tests")
			}
			for _, f := range rep.Failures {
				t.Errorf("%s: row %d: %s", f.Pos, f.Row, f.Message)
			}
			for _, u := range rep.Uncovered {
				t.Errorf("not exercised: %s: %s", u.Pos, u.What)
			}
			f, _ := ParseFile(writeFile(t, t.TempDir(), "m.yaml", c.Mapping))
			if !c.used([]*File{f}) {
				t.Errorf("the example does not use its construct (map doc would not show it)")
			}
		})
	}
}

// The order_by example's tests hold because of order_by: without it the
// rows are taken in key order, the first report (id 1) keeps the patient
// and the tests fail; with the rows listed in another order they still
// pass (map test applies them in processing order, not the file's).
func TestOrderByExampleDependsOnTheOrder(t *testing.T) {
	var c Construct
	for _, x := range Constructs() {
		if x.Name == "Processing order and record keys" {
			c = x
		}
	}
	if c.Mapping == "" {
		t.Fatal("no order_by construct")
	}
	without := strings.Replace(c.Mapping, "    order_by: [rapporterad]   # earliest report first: it keeps the patient's row\n", "", 1)
	if without == c.Mapping {
		t.Fatal("the example's order_by line is not where this test looks for it")
	}
	if rep := runExample(t, c.Schema, without); len(rep.Failures) == 0 {
		t.Error("the example's tests pass without order_by: they do not show what it does")
	}
	// map doc says the table's processing order in words.
	dir := t.TempDir()
	schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", c.Schema))
	f, _ := ParseFile(writeFile(t, dir, "m.yaml", c.Mapping))
	var b strings.Builder
	if err := WriteMarkdown(&b, Document(DocMeta{Title: "t"}, []*File{f}, schema)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Records are processed in the order of rapporterad (ascending), records with equal values in the order of key id") {
		t.Error("map doc does not say the table's processing order")
	}
	// Rows 1 and 2 swapped in the file: the same outcomes.
	i := strings.Index(c.Mapping, "      - given: {id: 1,")
	j := strings.Index(c.Mapping, "      - given: {id: 3,")
	k := strings.Index(c.Mapping, "      - given: {id: 2,")
	if i < 0 || j < 0 || k < 0 {
		t.Fatal("the example's rows are not where this test looks for them")
	}
	swapped := c.Mapping[:i] + c.Mapping[k:j] + c.Mapping[i:k] + c.Mapping[j:]
	rep := runExample(t, c.Schema, swapped)
	for _, f := range rep.Failures {
		t.Errorf("rows in another order: row %d: %s", f.Row, f.Message)
	}
	if rep.Passed != 4 {
		t.Errorf("rows in another order: %d rows passed, want 4", rep.Passed)
	}
}

// testRef is the reference date of map test in these tests.
var testRef = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// map doc shows each construct a mapping uses with its example, and a
// table's rules with their reasons.
func TestDocShowsConstructs(t *testing.T) {
	for _, c := range Constructs() {
		dir := t.TempDir()
		schema, _ := LoadSchema(writeFile(t, dir, "schema.yaml", c.Schema))
		f, _ := ParseFile(writeFile(t, dir, "m.yaml", c.Mapping))
		var b strings.Builder
		if err := WriteMarkdown(&b, Document(DocMeta{Title: "t"}, []*File{f}, schema)); err != nil {
			t.Fatal(err)
		}
		doc := b.String()
		if !strings.Contains(doc, "### "+c.Name+"\n") || !strings.Contains(doc, c.Mapping) {
			t.Errorf("%s: map doc does not show the construct with its example", c.Name)
		}
		for _, tc := range f.Tests {
			if !strings.Contains(doc, "| "+tc.Name.Value+" | "+tc.Source.Value+" |") {
				t.Errorf("%s: map doc does not list test %s", c.Name, tc.Name.Value)
			}
		}
		for _, d := range f.Definitions {
			if !strings.Contains(doc, definitionsText(d)) {
				t.Errorf("%s: map doc does not list definition %s", c.Name, d.Name.Value)
			}
		}
		for _, tm := range f.Tables {
			for _, r := range tm.Rules {
				if !strings.Contains(doc, "| "+r.When.Value+" |") || !strings.Contains(doc, "| "+r.Code().Value+" |") {
					t.Errorf("%s: map doc does not list rule %s", c.Name, r.Code().Value)
				}
			}
			for _, cm := range tm.Columns {
				for _, to := range cm.Reasons {
					if !strings.Contains(doc, "| "+to.Value+" | archived | "+tm.Target.Value+"."+cm.Target.Value+" |") {
						t.Errorf("%s: map doc does not list reason %s", c.Name, to.Value)
					}
				}
			}
		}
		for _, cl := range f.CodeLists {
			for code, r := range cl.Archive {
				if !strings.Contains(doc, "| "+r.Value+" | archived | code list "+cl.Name.Value+" |") {
					t.Errorf("%s: map doc does not list code %s archived as %s", c.Name, code, r.Value)
				}
			}
		}
	}
}
