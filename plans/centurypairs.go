package plans

import (
	"maps"
	"sync"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// A patient born 1912 written 19121212-1212 in one record and 121212-1212
// (no '+') in another is read as born 1912 and as born 2012: the ten
// digits without a century are read against the reference date alone.
// pnr() and pseudonym() then give two numbers, two pseudonyms, and the
// receiving platform two patients, with every count balanced. The run
// cannot tell which reading is right, but it can see the same ten digits
// read in two centuries: centuryPairs holds, over the whole move (every
// table, every job), the ten digits of each number read from the
// reference date alone and of each written a century or more before that
// reading (mappings.CenturyReading), and counts a pair, once per ten
// digits, for the table that read the century from the reference date
// alone (FindingCenturyPair). A record can give several numbers (a
// patient's and a relative's); each is held. A number pnr() or
// pseudonym() could not read is checked for nothing: the table's ledger
// counts it (verify.TableLedger.CenturyUnread) and the report says so. Two people a century apart both written
// with 10 digits cannot be told apart this way; both written with their
// century are two people and no pair.
//
// It holds up to maxCenturyKeys ten digits (about 25 bytes each in the
// map); beyond that, numbers not yet held are not checked, and the
// verification says how many (a note), rather than hold memory that
// grows with the registry.
type centuryPairs struct {
	mu sync.Mutex
	// seen holds per ten digits which readings were seen, and the table
	// of the first read from the reference date alone (centuryInferred …
	// centuryTable).
	seen    map[pnr.Key]uint32
	tables  []string
	index   map[string]uint32
	pairs   map[string]int64
	skipped int64
	max     int
}

// The bits of a seen entry; the table's index is above them.
const (
	centuryInferred = 1 << iota
	centuryWritten
	centuryPaired
	centuryTable
)

// maxCenturyKeys bounds the ten digits centuryPairs holds: about 11 MB of heap
// (seven eighths of 2^19, where the map would grow to twice its slots).
const maxCenturyKeys = 450_000

// FindingCenturyPair is the finding of a table whose identity numbers'
// ten digits, read against the reference date alone, were read in
// another century elsewhere in the run (centuryPairs).
const FindingCenturyPair = "pnr_century_pair"

func newCenturyPairs() *centuryPairs {
	return &centuryPairs{seen: map[pnr.Key]uint32{}, index: map[string]uint32{}, pairs: map[string]int64{}, max: maxCenturyKeys}
}

// add notes the readings of one record of source table table: every
// number it gave, not only the first of each kind, so that a pair is
// found whichever of a record's numbers holds it. Its numbers that could
// not be read are counted by the table's ledger (CenturyUnread).
func (c *centuryPairs) add(table string, r mappings.CenturyReading) {
	if c == nil || r.IsZero() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !r.Inferred.IsZero() {
		c.note(table, r.Inferred.Key(), true)
	}
	for _, n := range r.MoreInferred {
		c.note(table, n.Key(), true)
	}
	if !r.Written.IsZero() {
		c.note(table, r.Written.Key(), false)
	}
	for _, n := range r.MoreWritten {
		c.note(table, n.Key(), false)
	}
}

func (c *centuryPairs) note(table string, k pnr.Key, inferred bool) {
	old, ok := c.seen[k]
	if !ok && len(c.seen) >= c.max {
		c.skipped++
		return
	}
	e := old
	switch {
	case inferred && e&centuryInferred == 0:
		i, ok := c.index[table]
		if !ok {
			i = uint32(len(c.tables))
			c.tables = append(c.tables, table)
			c.index[table] = i
		}
		e |= centuryInferred | i*centuryTable
	case !inferred:
		e |= centuryWritten
	}
	if e&(centuryInferred|centuryWritten|centuryPaired) == centuryInferred|centuryWritten {
		e |= centuryPaired
		c.pairs[c.tables[e/centuryTable]]++
	}
	if !ok || e != old {
		c.seen[k] = e
	}
}

// result gives the pairs per source table (nil for none) and how many
// readings were not checked.
func (c *centuryPairs) result() (map[string]int64, int64) {
	if c == nil {
		return nil, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pairs) == 0 {
		return nil, c.skipped
	}
	return maps.Clone(c.pairs), c.skipped
}
