package demo_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/demo"
)

// The embedded plan, written anywhere, passes plan check without a single
// diagnostic: it needs no allow_outside and no file beside it but its own.
func TestWrittenPlanChecksClean(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	path, err := demo.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, ds := plans.Check(path)
	if len(ds) > 0 {
		t.Fatalf("plan check of the embedded demo plan:\n%v", ds)
	}
	if p.AllowOutside {
		t.Fatal("the embedded plan reaches outside its directory")
	}
}

func TestWriteOverwritesNothing(t *testing.T) {
	dir := t.TempDir()
	mine := filepath.Join(dir, "mapping.yaml")
	if err := os.WriteFile(mine, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Write(dir); err == nil || !strings.Contains(err.Error(), "mapping.yaml") {
		t.Fatalf("err %v; want a refusal naming mapping.yaml", err)
	}
	if b, _ := os.ReadFile(mine); string(b) != "mine" {
		t.Fatal("an existing file was overwritten")
	}
	if _, err := os.Stat(filepath.Join(dir, demo.PlanFile)); err == nil {
		t.Fatal("a refused write left the plan behind")
	}
}

// testdata/plans/demo.yaml is the repository's way into the same demo: it
// must say what the embedded plan says, and name the embedded schema and
// mapping, so that the README's commands and the binary's demo never
// migrate differently.
func TestRepositoryPlanMatchesEmbedded(t *testing.T) {
	embedded, err := demo.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e, ds := plans.Check(embedded)
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	r, ds := plans.Check("../../testdata/plans/demo.yaml")
	if err := ds.Err(); err != nil {
		t.Fatal(err)
	}
	abs := func(p *plans.Plan, s mappings.Str) string {
		a, err := filepath.Abs(p.Path(s.Value))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	here, _ := filepath.Abs(".")
	if got, want := abs(r, r.TargetSchema), filepath.Join(here, "schema.yaml"); got != want {
		t.Errorf("testdata plan's schema is %s, want the embedded %s", got, want)
	}
	if len(r.Mappings) != 1 || abs(r, r.Mappings[0]) != filepath.Join(here, "mapping.yaml") {
		t.Errorf("testdata plan's mappings are %v, want the embedded mapping.yaml", r.Mappings)
	}
	// Everything else, value for value (positions differ).
	ev, rv := values(reflect.ValueOf(*e)), values(reflect.ValueOf(*r))
	for _, skip := range []string{"File", "AllowOutside", "TargetSchema", "Mappings", "Template"} {
		delete(ev, skip)
		delete(rv, skip)
	}
	if !reflect.DeepEqual(ev, rv) {
		t.Errorf("testdata/plans/demo.yaml and plans/demo/plan.yaml differ:\n%v\n%v", rv, ev)
	}
	// The strategy's template too, but for the portfolio's path.
	et, rt := withoutPos(reflect.ValueOf(e.Template)), withoutPos(reflect.ValueOf(r.Template))
	delete(et.(map[string]any), "Portfolio")
	delete(rt.(map[string]any), "Portfolio")
	if !reflect.DeepEqual(et, rt) {
		t.Errorf("the templates of testdata/plans/demo.yaml and plans/demo/plan.yaml differ:\n%v\n%v", rt, et)
	}
	// The embedded portfolio is the repository's.
	a, _ := os.ReadFile("portfolio.yaml")
	b, _ := os.ReadFile("../../testdata/portfolio.yaml")
	if len(a) == 0 || string(a) != string(b) {
		t.Error("plans/demo/portfolio.yaml is not a copy of testdata/portfolio.yaml: copy it again")
	}
}

// withoutPos gives v's exported values with positions left out: scalars
// by value, structs as maps of their fields.
func withoutPos(v reflect.Value) any {
	switch {
	case v.Type() == reflect.TypeOf(mappings.Str{}):
		return v.Interface().(mappings.Str).Value
	case v.Type() == reflect.TypeOf(time.Time{}):
		return v.Interface().(time.Time).Format(time.DateOnly)
	}
	switch v.Kind() {
	case reflect.Struct:
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.IsExported() && f.Type != reflect.TypeOf(mappings.Pos{}) {
				out[f.Name] = withoutPos(v.Field(i))
			}
		}
		return out
	case reflect.Map:
		out := map[string]any{}
		for _, k := range v.MapKeys() {
			out[k.String()] = withoutPos(v.MapIndex(k))
		}
		return out
	case reflect.Slice:
		out := []any{}
		for i := 0; i < v.Len(); i++ {
			out = append(out, withoutPos(v.Index(i)))
		}
		return out
	}
	return v.Interface()
}

// values gives a plan's fields with each positioned scalar reduced to its
// value.
func values(v reflect.Value) map[string]any {
	out := map[string]any{}
	strType := reflect.TypeOf(mappings.Str{})
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch {
		case f.Type() == strType:
			out[name] = f.Interface().(mappings.Str).Value
		case f.Kind() == reflect.Slice && f.Type().Elem() == strType:
			var s []string
			for j := 0; j < f.Len(); j++ {
				s = append(s, f.Index(j).Interface().(mappings.Str).Value)
			}
			out[name] = s
		case f.Kind() == reflect.Map && f.Type().Elem() == strType:
			m := map[string]string{}
			for _, k := range f.MapKeys() {
				m[k.String()] = f.MapIndex(k).Interface().(mappings.Str).Value
			}
			out[name] = m
		case f.Kind() == reflect.Map && f.Type().Elem() == reflect.TypeOf(mappings.Pos{}):
			// Where each entry is written (AcknowledgeAt): positions
			// differ between the two files by design.
		case f.Kind() == reflect.Struct && f.Type().Name() == "Verification":
			out[name] = values(f)
		default:
			out[name] = f.Interface()
		}
	}
	return out
}
