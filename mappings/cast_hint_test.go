package mappings

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// M006 says which cast to add when a source column's type differs from
// its receiving column's. It named the kind, so a decimal column was
// told "add cast: decimal", which M007 then refused (a decimal needs its
// precision and scale), and a datetime read into a timestamptz column
// "add cast: timestamptz", which no cast converts (M007 again): each
// hint must compile as given, or say that no cast converts the value.
func TestM006NamesACastThatCompiles(t *testing.T) {
	types := []string{"integer", "bigint", "decimal(7,3)", "double", "real", "text", "varchar(10)", "date", "datetime", "timestamptz", "time", "boolean", "bytes", "uuid"}
	hint := regexp.MustCompile(`add cast: (.+)$`)
	for _, from := range types {
		for _, to := range types {
			ft, err := connectors.ParseType(from)
			if err != nil {
				t.Fatal(err)
			}
			tt, err := connectors.ParseType(to)
			if err != nil {
				t.Fatal(err)
			}
			if ft.Kind == tt.Kind {
				continue
			}
			src := []connectors.Table{{Name: "s", PrimaryKey: []string{"id"}, Columns: []connectors.Column{col("id", "integer", false), col("v", from, true)}}}
			schema := fmt.Sprintf("platform: t\ntables:\n  - name: r\n    primary_key: [id]\n    columns:\n      - {name: id, type: integer}\n      - {name: v, type: %q}\n", to)
			ds := compileCast(t, src, schema, "v")
			m006 := only(ds, "M006")
			if m006 == "" {
				t.Fatalf("%s into %s: no M006: %v", from, to, ds)
			}
			m := hint.FindStringSubmatch(m006)
			if m == nil {
				if castable(ft.Kind, tt.Kind) || !strings.Contains(m006, "no cast converts") {
					t.Errorf("%s into %s: %s", from, to, m006)
				}
				continue
			}
			if more := compileCast(t, src, schema, fmt.Sprintf("{from: v, cast: %q}", m[1])); more.Err() != nil {
				t.Errorf("%s into %s: M006 says %q, and that cast does not compile: %v", from, to, m[0], more)
			}
		}
	}
}

func compileCast(t *testing.T, src []connectors.Table, schema, column string) Diagnostics {
	t.Helper()
	dir := t.TempDir()
	s, ds := LoadSchema(writeFile(t, dir, "schema.yaml", schema))
	if ds.Err() != nil {
		t.Fatalf("schema: %v", ds)
	}
	f, ds := ParseFile(writeFile(t, dir, "m.yaml", "tables:\n  - target: r\n    source: s\n    columns:\n      id: id\n      v: "+column+"\n"))
	if f == nil {
		t.Fatalf("mapping: %v", ds)
	}
	_, more := Compile([]*File{f}, src, s, nil)
	var errs Diagnostics
	for _, d := range append(ds, more...) {
		if d.Severity == Error {
			errs = append(errs, d)
		}
	}
	return errs
}

func only(ds Diagnostics, code string) string {
	for _, d := range ds {
		if d.Code == code {
			return d.Message
		}
	}
	return ""
}
