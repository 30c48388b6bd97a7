package plans

import (
	"fmt"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// A form store with more forms in a row without value rows than the fold
// window keeps (or with no value rows at all) moves: the window forgets
// them, and only an orphan that would have to be decided against the
// forgotten forms stops the run. Before, the run stopped at the form past
// the bound whether or not any value row was an orphan.
func TestFoldWindowForgetsALongRunOfFormsWithoutValues(t *testing.T) {
	var f foldWindow
	migrated := mappings.Outcome{Kind: mappings.Migrated}
	for i := 0; i <= maxFoldEntities+10; i++ {
		if err := f.add(fmt.Sprintf("form-%d", i), migrated); err != nil {
			t.Fatalf("form %d: %v", i, err)
		}
	}
	if f.entities != nil || !f.forgot {
		t.Fatalf("the window holds %d ids past its bound (forgot %v)", len(f.entities), f.forgot)
	}
	f.orphan([]connectors.Value{"FORM-1"})
	if err := f.add("form-x", migrated); err == nil {
		t.Fatal("an orphan waiting on a window that forgot its forms did not stop the run")
	}
	f.orphans = nil
	if err := f.restart("form-y", migrated); err != nil {
		t.Fatal(err)
	}
	if f.forgot || len(f.entities) != 1 {
		t.Fatalf("restart left forgot %v and %d ids", f.forgot, len(f.entities))
	}
}
