package connectors_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A lock released after a newer one of the same name was taken (a run
// that re-took its lost lock) must not forget the newer one: CheckLock
// would then find no lock and stop a run that holds it.
func TestHeldLocksDropKeepsANewerLock(t *testing.T) {
	type lock struct{ n int }
	var h connectors.HeldLocks[*lock]
	if h.Get("run") != nil {
		t.Fatal("an empty registry holds a lock")
	}
	old, newer := &lock{1}, &lock{2}
	h.Set("run", old)
	h.Set("run", newer)
	h.Drop("run", old)
	if got := h.Get("run"); got != newer {
		t.Fatalf("after dropping the old lock: %v, want the newer one", got)
	}
	h.Drop("run", newer)
	if got := h.Get("run"); got != nil {
		t.Fatalf("after dropping the newer lock: %v, want none", got)
	}
}
