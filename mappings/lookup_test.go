package mappings

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A lookup with a default gave the default for every key it did not
// find, and found none when the reference table's key column held
// another kind than the key (text "12" against the integer 12), or text
// the source's case- and trailing-space-blind collation joins ('SU01 '
// against 'su01'): every record then got the default, "unknown region",
// and the run passed. Such a key is not missing, it is written another
// way: the value fails (lookup_missing, saying why) whatever the default.
// A key the table has no row for in any spelling still gets the default.
func TestLookupDefaultOnlyForMissingKeys(t *testing.T) {
	env := &Env{Lookups: map[string]*LookupTable{}}
	add := func(name string, key connectors.Column, rows ...[]connectors.Value) {
		tab := &connectors.Table{Name: name, PrimaryKey: []string{key.Name}, Columns: []connectors.Column{key, col("region", "text", true)}}
		l, err := NewLookupTable(tab, key.Name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if err := l.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		env.Lookups[name] = l
	}
	add("byint", col("id", "integer", false), []connectors.Value{int64(12), "Region Norr"})
	add("bytext", col("kod", "varchar(8)", false), []connectors.Value{"SU01", "Region Väst"})
	add("bydec", col("kod", "decimal(5,2)", false), []connectors.Value{connectors.Decimal("12.50"), "Region Syd"})

	for _, c := range []struct {
		name string
		key  any
		want string // the region, or the error's words
	}{
		{"byint", int64(12), "Region Norr"},
		{"byint", int64(13), "okänd"},
		{"byint", "12", "holds no text key"},
		{"byint", connectors.Decimal("12"), "holds no decimal key"},
		{"bytext", "SU01", "Region Väst"},
		{"bytext", "SU02", "okänd"},
		{"bytext", "su01", "only after folding"},
		{"bytext", "SU01 ", "only after folding"},
		{"bytext", int64(1), "holds no int key"},
		// A decimal(4,1) column's 12.5 is the decimal(5,2) key 12.50, as
		// the legacy join compared them: not the default.
		{"bydec", connectors.Decimal("12.5"), "Region Syd"},
		{"bydec", connectors.Decimal("12.500"), "Region Syd"},
		{"bydec", connectors.Decimal("12.51"), "okänd"},
	} {
		got, err := fnLookup(env, []any{c.name, c.key, "region", "okänd"})
		switch {
		case err != nil:
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "lookup_missing") {
				t.Errorf("%s %#v: %v, want %q", c.name, c.key, err, c.want)
			}
		case got != c.want:
			t.Errorf("%s %#v: %v, want %q", c.name, c.key, got, c.want)
		}
	}
}

// FoldText takes a shortcut for ASCII text; it must fold it as the full
// path folds the same text with an accent.
func TestFoldTextASCIIAsAccented(t *testing.T) {
	for in, want := range map[string]string{"ABC  ": "abc", " Ab": " ab", "ÅBC ": "abc", "Émile": "emile", "": ""} {
		if got := FoldText(in); got != want {
			t.Errorf("FoldText(%q) = %q, want %q", in, got, want)
		}
	}
}
