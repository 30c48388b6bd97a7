package plans

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

func TestFoldKey(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"ABC", "abc"},
		{"abc  ", "abc"},
		{"Ångström", "angstrom"},
		{"Émile ", "emile"},
	} {
		if got, want := mappings.FoldText(c.a), mappings.FoldText(c.b); got != want {
			t.Errorf("fold(%q) = %q, fold(%q) = %q: want equal", c.a, got, c.b, want)
		}
	}
	if mappings.FoldText(" abc") == mappings.FoldText("abc") {
		t.Error("a leading space is part of the key under every collation")
	}
	if _, ok := foldKey([]connectors.Value{int64(1)}); ok {
		t.Error("a key without text folds")
	}
	k, ok := foldKey([]connectors.Value{int64(1), "AB "})
	if !ok || k[0] != int64(1) || k[1] != "ab" {
		t.Errorf("foldKey = %v, %v", k, ok)
	}
}
