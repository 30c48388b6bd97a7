package plans

import "testing"

// SetParentMemory sets the budget of the parents' outcomes kept in
// memory for one test (0: every store spills at its first record).
func SetParentMemory(tb testing.TB, bytes int) {
	before := parentMemory
	parentMemory = bytes
	tb.Cleanup(func() { parentMemory = before })
}

// SetMaxFoldOrphans sets how many orphan value rows of a form store wait
// for their decision at most, for one test.
func SetMaxFoldOrphans(tb testing.TB, n int) {
	before := maxFoldOrphans
	maxFoldOrphans = n
	tb.Cleanup(func() { maxFoldOrphans = before })
}

// UnitsPerCommit is how many batches one transaction commits at most.
const UnitsPerCommit = unitsPerCommit

// SetBeforeAssembly has f called as a run begins to assemble its archive
// package from the parts, for one test.
func SetBeforeAssembly(tb testing.TB, f func()) {
	before := beforeAssembly
	beforeAssembly = f
	tb.Cleanup(func() { beforeAssembly = before })
}

// SetBeforeSeal has f called as a run begins to seal its archive
// package, for one test.
func SetBeforeSeal(tb testing.TB, f func()) {
	before := beforeSeal
	beforeSeal = f
	tb.Cleanup(func() { beforeSeal = before })
}
