package mappings

import (
	"slices"

	"github.com/regflytt/regflytt/connectors"
)

// JoinPersonCopies calls fn with every way of taking one copy of each
// value person: reads (a slot: a variable, or an entity column, whose
// value rows named like it are copies too), until fn reports true: a
// form may hold a variable twice (another person's value first, a NULL
// or an empty one), and which copy the pivot read first says nothing of
// whose form it is. Copies equal as the lists read them are taken once;
// a slot without one gives nil. skipOwn skips the way of taking every
// slot's first copy (the pivot's own value, which Apply decided). ok is
// false, and fn is not called, when there are more than max ways.
//
// The run (excludeByCopies, an opted-out patient's form) and archive
// erase (a listed person's archived form) join a form's copies alike
// here, so what one excludes the other erases.
func JoinPersonCopies(slots [][]connectors.Value, max int, skipOwn bool, fn func(join []connectors.Value) bool) (found, ok bool) {
	cands := make([][]connectors.Value, len(slots))
	ways := 1
	for i, s := range slots {
		for _, v := range s {
			if !slices.ContainsFunc(cands[i], func(c connectors.Value) bool { return samePersonValue(c, v) }) {
				cands[i] = append(cands[i], v)
			}
		}
		if len(cands[i]) == 0 {
			cands[i] = []connectors.Value{nil}
		}
		if ways *= len(cands[i]); ways > max {
			return false, false
		}
	}
	join := make([]connectors.Value, len(cands))
	at := make([]int, len(cands))
	for {
		own := skipOwn
		for i := range cands {
			join[i] = cands[i][at[i]]
			own = own && at[i] == 0
		}
		if !own && fn(join) {
			return true, true
		}
		i := 0
		for ; i < len(at); i++ {
			if at[i]++; at[i] < len(cands[i]) {
				break
			}
			at[i] = 0
		}
		if i == len(at) {
			return false, true
		}
	}
}
