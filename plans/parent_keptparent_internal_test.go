package plans

import (
	"context"
	"slices"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// A record an opt-out list excluded is flagged exclusion_parent_kept when
// its parent record was kept, found by its key or only after folding
// (the source joins 'abc' to 'ABC' under a case-blind collation), and
// not when its parent was excluded or there is none.
func TestFlagKeptParentByKeyAndFolded(t *testing.T) {
	ctx := context.Background()
	patient := &connectors.Table{Name: "patient"}
	parent := &mappings.TableProgram{Mapping: &mappings.TableMapping{Person: &mappings.ColumnMapping{}}, Source: patient}
	child := &mappings.TableProgram{Mapping: &mappings.TableMapping{}, Source: &connectors.Table{Name: "besok"},
		Parent: &mappings.ParentProgram{Table: parent, Records: patient, Key: []string{"patient"}, KeyIndex: []int{0}}}
	l, err := newLinks(ctx, t.TempDir(), &mappings.Program{Tables: []*mappings.TableProgram{parent, child}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st := l.parents[parent]
	for _, r := range []struct {
		key  string
		kind mappings.OutcomeKind
	}{{"ABC", mappings.Migrated}, {"DEF", mappings.Excluded}, {"GHI", mappings.Archived}} {
		if err := st.remember(ctx, []connectors.Value{r.key}, mappings.Outcome{Kind: r.kind, Reason: "r"}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.done(ctx); err != nil {
		t.Fatal(err)
	}
	w := &writer{ctx: ctx, tp: child, links: l}
	for key, flagged := range map[string]bool{"ABC": true, "abc": true, "GHI": true, "ghi ": true, "DEF": false, "def": false, "xyz": false} {
		o, err := w.followParent([]connectors.Value{key}, mappings.Outcome{Kind: mappings.Excluded, Reason: mappings.ReasonOptOut})
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(o.Warnings, WarnExclusionParentKept); got != flagged || o.Kind != mappings.Excluded {
			t.Errorf("child of %q: %v flagged %v, want flagged %v", key, o.Kind, got, flagged)
		}
	}
}
