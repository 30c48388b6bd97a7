package mappings

import (
	"fmt"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// JoinPersonCopies takes every way of one copy a slot, equal copies
// once, nil for a slot without one; skipOwn leaves out the way of the
// first copies; more ways than max are refused unasked.
func TestJoinPersonCopies(t *testing.T) {
	slots := [][]connectors.Value{{"460101", "121212", "121212"}, {"0301", "1212"}, nil}
	var got []string
	found, ok := JoinPersonCopies(slots, 16, true, func(j []connectors.Value) bool {
		got = append(got, fmt.Sprint(j))
		return false
	})
	if found || !ok || fmt.Sprint(got) != "[[121212 0301 <nil>] [460101 1212 <nil>] [121212 1212 <nil>]]" {
		t.Errorf("ways %v (found %v ok %v), want the three besides the first copies", got, found, ok)
	}
	found, ok = JoinPersonCopies(slots, 16, false, func(j []connectors.Value) bool { return j[0] == "121212" && j[1] == "1212" })
	if !found || !ok {
		t.Errorf("the listed way not found: %v %v", found, ok)
	}
	called := false
	if _, ok = JoinPersonCopies(slots, 3, false, func([]connectors.Value) bool { called = true; return false }); ok || called {
		t.Errorf("4 ways over a bound of 3: ok %v, asked %v", ok, called)
	}
}
