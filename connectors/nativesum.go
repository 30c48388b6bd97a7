package connectors

import (
	"context"
	"errors"
)

// The native row sum: a run's own end check computed by the target
// database itself, so that its rows never cross the wire. The target
// hashes each stored value's binary form as its send function gives it,
// and regflytt hashes, as it writes, the binary form it sent: the two
// agree only where every value is stored exactly as sent, so a value the
// server stored otherwise (rounded by a narrower column, truncated,
// changed by a trigger, a column's type changed) makes the sums differ.
// Like a keyed RowHasher's, the sums are seeded afresh per run and mean
// nothing outside it; unlike them, they say only whether a table differs,
// not where: the end check that finds a difference names the records by
// re-reading the source through the mappings.

// ErrNoNativeSum says a target cannot give a table's native row sum (a
// column type whose round trip is not proven exact, a server too old, an
// encoding that converts text): the end check takes its other path.
var ErrNoNativeSum = errors.New("no native row sum")

// NativeSummer is an optional extra of a Target, asked before a run's
// move: the Go side of a table's native row sum.
type NativeSummer interface {
	// NativeRowSum gives the hasher of t's rows as the plan's schema
	// declares t, seeded with seed, or an error wrapping ErrNoNativeSum
	// that says why not.
	NativeRowSum(ctx context.Context, t *Table, seed uint64) (NativeRowHasher, error)
}

// NativeRowHasher hashes a row (one value per column of its table) as
// the target database hashes it once stored. ok is false for a value
// whose stored form it does not know: the table's native sum is then
// lost and the end check takes its other path.
type NativeRowHasher interface {
	HashRow(row []Value) (h uint64, ok bool)
}

// NativeSumReader is an optional extra of a Snapshot: the database's own
// side of a native row sum.
type NativeSumReader interface {
	// NativeSums gives t's row count, the sum of its rows' hashes modulo
	// 2^64, and each column's non-NULL values, computed in the database
	// with the seed the NativeRowHasher had.
	NativeSums(ctx context.Context, t *Table, seed uint64) (NativeTotals, error)
}

// NativeTotals are a table's native row sum.
type NativeTotals struct {
	Rows int64
	Sum  uint64
	// NonNull counts each column's non-NULL values, by column name.
	NonNull map[string]int64
}
