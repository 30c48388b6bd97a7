package plans

import (
	"bytes"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// A run keeps some decisions in memory or in scratch storage for its
// whole life: the outcomes of parent records (parent:), the ranking of
// duplicates (duplicates:), and which receiving primary keys were given.
// A resumed run rebuilds them by replaying: each unit committed before
// the interruption is read and mapped again, in the same order, with its
// rows, archive records and counts thrown away (they are committed
// already); the unit in progress is replayed up to its last committed
// key, and goes on writing after it. Mapping is deterministic, so the
// decisions come out as they were. A resume then costs a second read of
// what the interrupted run had read. Merges are rebuilt the same way: the
// replayed member programs spill their candidates again, and a merge in
// progress replays its groups up to the last committed one.
//
// Plans without parents, duplicates or merges resume without replaying: each
// table continues after its last committed key, and the receiving keys
// are read back from the target (preloadKeys).

// replay is a writer's replay state.
type replay struct {
	// until is the encoded key of the last committed record of the unit
	// in progress; nil replays the whole unit.
	until []byte
	// live are what the writer writes to once the replay ends.
	arc    archiver
	ledger *verify.Ledger
}

// startReplay makes w replay its unit, up to the record with key until
// (nil: the whole unit).
func (w *writer) startReplay(until []byte) {
	w.replay = &replay{until: until, arc: w.arc, ledger: w.ledger}
	w.arc, w.ledger = discardArchive{}, verify.NewLedger()
}

// reached says whether row is the last record the interrupted run
// committed.
func (p *replay) reached(row []connectors.Value, keyIdx []int) bool {
	if p.until == nil {
		return false
	}
	k, err := encodeKey(row, keyIdx)
	return err == nil && bytes.Equal(k, p.until)
}

// endReplay switches w from replaying to writing, after the last
// committed record.
func (w *writer) endReplay() {
	w.arc, w.ledger = w.replay.arc, w.replay.ledger
	w.replay = nil
	w.out, w.pending = w.out[:0], 0
}

type discardArchive struct{}

func (discardArchive) Add(*connectors.Table, archive.Record) error     { return nil }
func (discardArchive) AddValue(*connectors.Table, archive.Value) error { return nil }

// replaysUnit says how a resumed run treats a unit: skip it (done, no
// replay), replay it whole, replay it up to a key, or run it.
func (u *commitUnits) replaysUnit(unit string) (skip bool, replayAll bool, until []byte) {
	if u == nil || u.replayFrom == nil {
		return false, false, nil
	}
	if u.replayFrom.done(unit) {
		if u.replays {
			return false, true, nil
		}
		return true, false, nil
	}
	if at := u.replayFrom.moving(unit); u.replays && at != nil {
		return false, false, at.After
	}
	return false, false, nil
}

// needsReplay says whether a resumed run of prog must replay: it has
// parents or duplicates (links.go), or merges, whose candidates are kept
// in scratch storage for one process (merge.go).
func needsReplay(prog *mappings.Program) bool {
	if needsLinks(prog) {
		return true
	}
	for _, tp := range prog.Tables {
		if tp.Merge != nil {
			return true
		}
	}
	return false
}
