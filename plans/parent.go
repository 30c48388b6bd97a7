package plans

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	_ "modernc.org/sqlite" // the pure-Go driver, registered as "sqlite"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// links keeps what declared parent links and duplicates rules need while
// a run moves the tables: the outcome of every record of a parent table,
// and the duplicates' candidates and decisions. It lives in a temporary
// SQLite file, so memory stays flat however many records a table has;
// parents' outcomes are kept in memory up to a budget first (most parent
// tables fit, and a lookup in memory costs a fraction of a query). The run
// reads a parent table whole before its children (the program order), so
// a child looks up a finished table.
type links struct {
	dir string
	db  *sql.DB
	// parents maps a parent program to the store of its records' outcomes.
	parents map[*mappings.TableProgram]*outcomeStore
	n       int
	// memUsed is what the parents' outcomes kept in memory cost, about,
	// in bytes; beyond memBudget the store that passes it spills.
	memUsed, memBudget int
}

// parentMemory is the budget, in bytes, of the parents' outcomes one
// links keeps in memory before a store spills them to the SQLite file:
// about 3 million records with one-column integer keys from a sequence,
// read in any order (intOutcomes), 350,000 with spread ones read in
// order, 200,000 with spread ones in no order, 65,000 with a text key.
var parentMemory = 4 << 20

// outcomeEntryBytes is about what one outcome kept in memory costs
// beside its key's bytes: a map entry with its string header and index,
// and the key's allocation; outcomeIntBytes one of a one-column integer
// key in a map (intOutcomes' hashed form); outcomeBytes one distinct
// outcome beside its reason's and unit's bytes: its entries in outcomes
// and indexOf (few, unless units are many).
const (
	outcomeEntryBytes = 48
	outcomeIntBytes   = 20
	outcomeBytes      = 112
)

// intKey gives a key of one int64 value as that value.
func intKey(key []connectors.Value) (int64, bool) {
	if len(key) != 1 {
		return 0, false
	}
	n, ok := key[0].(int64)
	return n, ok
}

// memGet finds a key (its values and their encoding k) among the
// outcomes kept in memory.
func (s *outcomeStore) memGet(key []connectors.Value, k []byte) (uint32, bool) {
	if n, ok := intKey(key); ok {
		return s.ints.get(n)
	}
	i, found := s.mem[string(k)]
	return i, found
}

// intOutcomes holds the outcome indexes of the keys of one int64 column
// (most parent tables' keys) in the most compact of three forms that
// fits how the keys come:
//
//   - dense: one slot per key value from about the least key to the
//     greatest, holding the key's outcome index plus one (0: no record
//     has the key) in width bytes: a byte or two per record for ids
//     from a sequence, so millions of parents fit the budget;
//   - sorted: the keys and their indexes in ascending order, found by
//     binary search: 9 or 10 bytes per record, for spread keys that
//     come in ascending order (a table read in its key's order);
//   - hashed: a map, for anything else.
//
// The dense form is kept while it costs no more than the form the keys
// would go to otherwise (see denseFits): the sorted one when a key
// beyond the greatest spreads them, the map when one comes out of
// order. The map goes back to the dense form when its keys fill their
// span after all (a table read in no order). The zero value is an
// empty dense form.
type intOutcomes struct {
	form intForm
	// n is how many keys are held, lo and hi the least and the greatest
	// of them (when n > 0), maxV the greatest outcome index plus one.
	n      int
	lo, hi int64
	maxV   uint32
	// disordered says a key came below the greatest before it: the
	// sorted form cannot hold them.
	disordered bool
	// width is the bytes of an index in slots and idx: 1, or 2 once an
	// index passes 254.
	width int
	// recheck is how many keys the map holds when it is next asked
	// whether they are dense: each time an eighth more, so that keys
	// that go back and forth cost a rebuild per eighth at most.
	recheck int
	// base is the key of slots' first slot (dense).
	base  int64
	slots []byte
	// keys ascending, idx their indexes plus one (sorted).
	keys []int64
	idx  []byte
	m    map[int64]uint32
}

type intForm uint8

const (
	intDense intForm = iota
	intSorted
	intHashed
)

// denseSlack is how many slots the dense form may have beyond what
// denseFits allows per key, so that the first keys of a table, which
// may come out of order, stay dense.
const denseSlack = 4096

// widthFor gives the bytes an index plus one, v, takes in the dense and
// sorted forms; 0 when it takes more than two (only the map holds it).
func widthFor(v uint32) int {
	switch {
	case v <= 0xff:
		return 1
	case v <= 0xffff:
		return 2
	}
	return 0
}

func (o *intOutcomes) at(b []byte, j int) uint32 {
	if o.width == 2 {
		return uint32(b[2*j]) | uint32(b[2*j+1])<<8
	}
	return uint32(b[j])
}

func (o *intOutcomes) set(b []byte, j int, v uint32) {
	if o.width == 2 {
		b[2*j], b[2*j+1] = byte(v), byte(v>>8)
		return
	}
	b[j] = byte(v)
}

// denseFits says whether the dense form of keys from lo to hi, n of
// them, at width bytes a slot, costs no more than perKey bytes a key
// (another form's cost), but for denseSlack slots. The span is counted
// in uint64: from math.MinInt64 to math.MaxInt64 it is 2^64 slots, one
// more than the uint64 it is counted in.
func denseFits(lo, hi int64, n, width, perKey int) bool {
	return uint64(hi)-uint64(lo) < uint64(perKey*n/width+denseSlack)
}

// get gives the outcome index of key k, and false when no record has it.
func (o *intOutcomes) get(k int64) (uint32, bool) {
	switch o.form {
	case intDense:
		j := uint64(k) - uint64(o.base)
		if o.width == 0 || j >= uint64(len(o.slots)/o.width) {
			return 0, false
		}
		v := o.at(o.slots, int(j))
		return v - 1, v != 0
	case intSorted:
		j, ok := slices.BinarySearch(o.keys, k)
		if !ok {
			return 0, false
		}
		return o.at(o.idx, j) - 1, true
	}
	i, ok := o.m[k]
	return i, ok
}

// put holds key k with outcome index i; false when k is held already.
func (o *intOutcomes) put(k int64, i uint32) bool {
	v := i + 1
	if v > o.maxV {
		o.maxV = v
		// The zero value's width is 0, as is that of an index past two
		// bytes: a first index past them goes to the map too.
		if o.form != intHashed && (o.width == 0 || widthFor(v) != o.width) {
			o.rebuild(o.form)
		}
	}
	lo, hi := k, k
	if o.n > 0 {
		lo, hi = min(o.lo, k), max(o.hi, k)
	}
	switch o.form {
	case intDense:
		// Spread keys: in order, the sorted form holds them; out of
		// order, the map.
		other, perKey := intHashed, outcomeIntBytes
		if k > o.hi && !o.disordered {
			other, perKey = intSorted, 8+o.width
		}
		if !denseFits(lo, hi, o.n+1, o.width, perKey) {
			o.rebuild(other)
			return o.put(k, i)
		}
		if j := uint64(k) - uint64(o.base); o.width == 0 || j >= uint64(len(o.slots)/o.width) {
			o.cover(lo, hi, k < o.lo)
		}
		j := int(uint64(k) - uint64(o.base))
		if o.at(o.slots, j) != 0 {
			return false
		}
		o.set(o.slots, j, v)
	case intSorted:
		if o.n > 0 && k <= o.hi {
			if k == o.hi {
				return false
			}
			o.rebuild(intHashed)
			return o.put(k, i)
		}
		o.keys = append(o.keys, k)
		o.idx = append(o.idx, make([]byte, o.width)...)
		o.set(o.idx, len(o.keys)-1, v)
	case intHashed:
		before := len(o.m)
		if o.m[k] = i; len(o.m) == before {
			return false
		}
	}
	o.disordered = o.disordered || o.n > 0 && k < o.hi
	o.n++
	o.lo, o.hi = lo, hi
	if o.form == intHashed && o.n >= o.recheck {
		if w := widthFor(o.maxV); w != 0 && denseFits(o.lo, o.hi, o.n, w, outcomeIntBytes) {
			o.rebuild(intDense)
		} else {
			o.recheck = o.n + max(o.n/8, 1024)
		}
	}
	return true
}

// cover makes the dense form's slots span lo to hi, every key held
// among them, with room for more beyond on the side the keys grow
// (down when the key that needs it is the least).
func (o *intOutcomes) cover(lo, hi int64, down bool) {
	span := uint64(hi) - uint64(lo) + 1
	room := max(span/4, 64)
	if down {
		room = min(room, uint64(lo)-1<<63) // lo - math.MinInt64
		lo = int64(uint64(lo) - room)
	} else {
		room = min(room, math.MaxInt64-uint64(hi))
		hi = int64(uint64(hi) + room)
	}
	slots := make([]byte, (uint64(hi)-uint64(lo)+1)*uint64(o.width))
	if o.n > 0 {
		from := int(uint64(o.lo)-uint64(o.base)) * o.width
		to := int(uint64(o.lo)-uint64(lo)) * o.width
		copy(slots[to:], o.slots[from:from+int(uint64(o.hi)-uint64(o.lo)+1)*o.width])
	}
	o.base, o.slots = lo, slots
}

// each gives every key held and its outcome index, in ascending order
// of the keys.
func (o *intOutcomes) each(f func(k int64, i uint32) error) error {
	switch o.form {
	case intDense:
		if o.n == 0 {
			return nil
		}
		from := int(uint64(o.lo) - uint64(o.base))
		to := int(uint64(o.hi) - uint64(o.base))
		for j := from; j <= to; j++ {
			if v := o.at(o.slots, j); v != 0 {
				if err := f(int64(uint64(o.base)+uint64(j)), v-1); err != nil {
					return err
				}
			}
		}
	case intSorted:
		for j, k := range o.keys {
			if err := f(k, o.at(o.idx, j)-1); err != nil {
				return err
			}
		}
	case intHashed:
		keys := make([]int64, 0, len(o.m))
		for k := range o.m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := f(k, o.m[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// rebuild moves the keys held into a form, at the width the greatest
// index needs (an index past two bytes goes to the map whatever form is
// asked for).
func (o *intOutcomes) rebuild(form intForm) {
	if widthFor(o.maxV) == 0 {
		form = intHashed
	}
	next := intOutcomes{form: form, width: widthFor(o.maxV), maxV: o.maxV, disordered: o.disordered}
	switch form {
	case intDense:
		if o.n > 0 {
			next.n, next.lo, next.hi = o.n, o.lo, o.hi
			next.base = o.lo
			next.slots = make([]byte, (uint64(o.hi)-uint64(o.lo)+1)*uint64(next.width))
		}
	case intSorted:
		next.keys = make([]int64, 0, o.n+o.n/4+16)
		next.idx = make([]byte, 0, cap(next.keys)*next.width)
	case intHashed:
		next.m = make(map[int64]uint32, o.n)
		next.recheck = o.n + max(o.n/8, 1024)
	}
	o.each(func(k int64, i uint32) error {
		switch form {
		case intDense:
			next.set(next.slots, int(uint64(k)-uint64(next.base)), i+1)
		case intSorted:
			next.keys = append(next.keys, k)
			next.idx = append(next.idx, make([]byte, next.width)...)
			next.set(next.idx, len(next.keys)-1, i+1)
		case intHashed:
			next.m[k] = i
		}
		return nil
	})
	next.n, next.lo, next.hi = o.n, o.lo, o.hi
	*o = next
}

// bytes is about what the keys held cost in memory.
func (o *intOutcomes) bytes() int {
	switch o.form {
	case intDense:
		return cap(o.slots)
	case intSorted:
		return 8*cap(o.keys) + cap(o.idx)
	}
	return outcomeIntBytes * len(o.m)
}

// needsLinks says whether a program declares parents or duplicates.
func needsLinks(prog *mappings.Program) bool {
	for _, tp := range prog.Tables {
		if tp.Parent != nil || tp.Duplicates != nil {
			return true
		}
	}
	return false
}

// newLinks makes the links' file in a directory of its own under scratch
// (the run's scratch directory; "" is the system's temporary directory).
func newLinks(ctx context.Context, scratch string, prog *mappings.Program) (*links, error) {
	dir, err := os.MkdirTemp(scratch, "regflytt-links-")
	if err != nil {
		return nil, fmt.Errorf("parent links: %w", err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "links.db"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("parent links: %w", err)
	}
	// One connection: every statement runs on it in turn, so no reader
	// ever blocks a writer (reads page with LIMIT instead of holding a
	// cursor).
	db.SetMaxOpenConns(1)
	l := &links{dir: dir, db: db, parents: map[*mappings.TableProgram]*outcomeStore{}, memBudget: parentMemory}
	for _, pragma := range []string{"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF"} {
		if _, err := db.ExecContext(ctx, pragma); err != nil {
			l.Close()
			return nil, fmt.Errorf("parent links: %w", err)
		}
	}
	for _, tp := range prog.Tables {
		if tp.Parent == nil || l.parents[tp.Parent.Table] != nil {
			continue
		}
		st, err := l.newOutcomeStore(ctx, tp.Parent.Table)
		if err != nil {
			l.Close()
			return nil, err
		}
		l.parents[tp.Parent.Table] = st
	}
	return l, nil
}

// Close removes the temporary file.
func (l *links) Close() error {
	err := l.db.Close()
	if rerr := os.RemoveAll(l.dir); err == nil {
		err = rerr
	}
	return err
}

// create makes a scratch table and returns its name.
func (l *links) create(ctx context.Context, prefix, columns string) (string, error) {
	l.n++
	name := fmt.Sprintf("%s_%d", prefix, l.n)
	if _, err := l.db.ExecContext(ctx, "CREATE TABLE "+name+" ("+columns+") WITHOUT ROWID"); err != nil {
		return "", fmt.Errorf("parent links: %w", err)
	}
	return name, nil
}

// inserter writes rows into a scratch table in transactions of
// spillSize rows, many rows per statement: one statement per row would
// cost more than the rest of the run.
type inserter struct {
	db *sql.DB
	// table and columns name where the rows go.
	table, columns string
	ncols          int
	what           string
	pending        [][]any
}

// insertRows is how many rows one INSERT statement carries (SQLite allows
// 32766 parameters).
const insertRows = 200

func newInserter(db *sql.DB, table string, columns []string, what string) *inserter {
	return &inserter{db: db, table: table, columns: strings.Join(columns, ", "), ncols: len(columns), what: what}
}

func (in *inserter) add(ctx context.Context, row ...any) error {
	in.pending = append(in.pending, row)
	if len(in.pending) >= spillSize {
		return in.flush(ctx)
	}
	return nil
}

// statement is an INSERT of n rows.
func (in *inserter) statement(n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", in.ncols), ", ") + ")"
	return "INSERT INTO " + in.table + " (" + in.columns + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
}

func (in *inserter) flush(ctx context.Context) error {
	if len(in.pending) == 0 {
		return nil
	}
	tx, err := in.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", in.what, err)
	}
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, insertRows*in.ncols)
	for rest := in.pending; len(rest) > 0; {
		n := min(len(rest), insertRows)
		args = args[:0]
		for _, row := range rest[:n] {
			args = append(args, row...)
		}
		if n == insertRows && full == nil {
			if full, err = tx.PrepareContext(ctx, in.statement(n)); err != nil {
				tx.Rollback()
				return fmt.Errorf("%s: %w", in.what, err)
			}
		}
		if n == insertRows {
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, in.statement(n), args...)
		}
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("%s: %w", in.what, err)
		}
		rest = rest[n:]
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", in.what, err)
	}
	in.pending = in.pending[:0]
	return nil
}

// outcomeStore holds the outcome of every record of one parent table,
// keyed by the canonical encoding of its source key. Every record is
// kept, migrated ones too, so that a child whose parent key matches no
// record is told apart from one whose parent migrated.
type outcomeStore struct {
	l       *links
	records *connectors.Table
	table   string
	in      *inserter
	get     *sql.Stmt
	// getFolded finds the records whose folded key is a child's folded
	// key (see fold.go).
	getFolded *sql.Stmt
	// getMany is prefetch's query of prefetchKeys keys.
	getMany *sql.Stmt
	// batch holds the outcomes of the parents of the child rows read
	// ahead (see prefetchRows), found or not: one query for many rows.
	batch map[string]batchOutcome
	// Until the store spills, the outcomes live in memory: mem maps a
	// key's encoding to its outcome's index in outcomes (the few distinct
	// outcomes, each kept once), folded a folded key's encoding to the
	// keys that fold to it where that differs from the key.
	mem    map[string]uint32
	folded map[string][]string
	// ints holds, instead of mem, the keys of one int64 column (most
	// keys): a fraction of a string key's memory.
	ints     intOutcomes
	outcomes []parentOutcome
	indexOf  map[parentOutcome]uint32
	// charged is what mem, folded and ints cost, counted in
	// links.memUsed.
	charged int
	spilled bool
	// keyCols are the records' key columns and limit what folding is
	// sure of under their collations (fold.go), read with the first
	// record; unsure says a record's key holds text folding is not sure
	// of under limit, notASCII under asciiOnly.
	keyCols          []*connectors.Column
	limit            mappings.FoldLimit
	unsure, notASCII bool
}

type batchOutcome struct {
	parentOutcome
	found bool
}

// parentOutcome is what a child needs of its parent's outcome.
type parentOutcome struct {
	kind   mappings.OutcomeKind
	reason string
	// unit is the parent record's reporting unit, for a child that takes
	// its unit from its parent (unit: {parent: true}).
	unit string
}

func (l *links) newOutcomeStore(ctx context.Context, parent *mappings.TableProgram) (*outcomeStore, error) {
	return l.outcomeStoreOf(ctx, parent.RecordsTable())
}

// outcomeStoreOf makes the store of the outcomes of a parent table's
// records.
func (l *links) outcomeStoreOf(ctx context.Context, records *connectors.Table) (*outcomeStore, error) {
	// f is the key folded as a blind collation compares it, kept only
	// where it differs from k: a child that matches no k is looked up by
	// its folded key in both.
	name, err := l.create(ctx, "parent", "k BLOB PRIMARY KEY, kind INTEGER NOT NULL, reason TEXT NOT NULL, f BLOB, u TEXT NOT NULL")
	if err != nil {
		return nil, err
	}
	if _, err := l.db.ExecContext(ctx, "CREATE INDEX "+name+"_f ON "+name+" (f) WHERE f IS NOT NULL"); err != nil {
		return nil, fmt.Errorf("parent links: %w", err)
	}
	return &outcomeStore{l: l, records: records, table: name,
		in:  newInserter(l.db, name, []string{"k", "kind", "reason", "f", "u"}, "outcomes of "+records.Name),
		mem: map[string]uint32{}, folded: map[string][]string{}, indexOf: map[parentOutcome]uint32{}}, nil
}

// remember keeps one parent record's final outcome and its reporting unit.
func (s *outcomeStore) remember(ctx context.Context, key []connectors.Value, o mappings.Outcome, unit string) error {
	if n, ok := intKey(key); ok && !s.spilled {
		// Kept as the integer it is: no encoding, and an integer never
		// folds (foldKey folds text).
		i, cost := s.outcomeIndex(o, unit)
		before := s.ints.bytes()
		if !s.ints.put(n, i) {
			return s.duplicateKey()
		}
		return s.charge(ctx, cost+s.ints.bytes()-before)
	}
	k, err := connectors.AppendRow(nil, key)
	if err != nil {
		return fmt.Errorf("key of %s: %w", s.records.Name, err)
	}
	var f []byte
	if folded, ok := foldKey(key); ok {
		if f, err = connectors.AppendRow(nil, folded); err != nil {
			return fmt.Errorf("key of %s: %w", s.records.Name, err)
		}
		if string(f) == string(k) {
			f = nil
		}
	}
	if s.spilled {
		return s.explain(s.in.add(ctx, k, int64(o.Kind), o.Reason, f, unit))
	}
	// One map access: a key already there leaves the map's size as it
	// was (the run stops on it, so the overwritten outcome is moot).
	i, cost := s.outcomeIndex(o, unit)
	before := len(s.mem)
	if s.mem[string(k)] = i; len(s.mem) == before {
		return s.duplicateKey()
	}
	cost += len(k) + outcomeEntryBytes
	if f != nil {
		s.folded[string(f)] = append(s.folded[string(f)], string(k))
		cost += len(f) + outcomeEntryBytes
	}
	return s.charge(ctx, cost)
}

// outcomeIndex gives the index in outcomes of an outcome with a unit,
// adding it the first time, and what adding it cost.
func (s *outcomeStore) outcomeIndex(o mappings.Outcome, unit string) (i uint32, cost int) {
	po := parentOutcome{kind: o.Kind, reason: o.Reason, unit: unit}
	i, ok := s.indexOf[po]
	if !ok {
		i = uint32(len(s.outcomes))
		s.outcomes = append(s.outcomes, po)
		s.indexOf[po] = i
		cost = outcomeBytes + len(po.reason) + len(po.unit)
	}
	return i, cost
}

// charge counts what a record kept in memory costs (less, when the
// form its key went to shrank), and spills the store past the budget.
func (s *outcomeStore) charge(ctx context.Context, cost int) error {
	s.charged += cost
	if s.l.memUsed += cost; s.l.memUsed > s.l.memBudget {
		return s.spill(ctx)
	}
	return nil
}

// spill moves the outcomes kept in memory to the SQLite table, in key
// order (integer keys numerically, the others by their encoding), and
// keeps every later one there. It costs little memory beyond what it
// frees: a sorted copy of the keys, not of the entries.
func (s *outcomeStore) spill(ctx context.Context) error {
	err := s.ints.each(func(n int64, i uint32) error {
		k, err := connectors.AppendRow(nil, []connectors.Value{n})
		if err != nil {
			return fmt.Errorf("key of %s: %w", s.records.Name, err)
		}
		po := s.outcomes[i]
		// An integer key never folds (foldKey folds text).
		return s.explain(s.in.add(ctx, k, int64(po.kind), po.reason, []byte(nil), po.unit))
	})
	if err != nil {
		return err
	}
	foldedOf := map[string]string{}
	for f, keys := range s.folded {
		for _, k := range keys {
			foldedOf[k] = f
		}
	}
	keys := make([]string, 0, len(s.mem))
	for k := range s.mem {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		po := s.outcomes[s.mem[k]]
		var f []byte
		if fk, ok := foldedOf[k]; ok {
			f = []byte(fk)
		}
		if err := s.in.add(ctx, []byte(k), int64(po.kind), po.reason, f, po.unit); err != nil {
			return s.explain(err)
		}
	}
	s.mem, s.ints, s.folded, s.outcomes, s.indexOf = nil, intOutcomes{}, nil, nil, nil
	s.l.memUsed -= s.charged
	s.charged, s.spilled = 0, true
	return nil
}

// lookupFolded gives the outcomes of the records whose key folds to what
// key folds to; none when key has no text or nothing matches.
func (s *outcomeStore) lookupFolded(ctx context.Context, key []connectors.Value) ([]parentOutcome, error) {
	folded, ok := foldKey(key)
	if !ok {
		return nil, nil
	}
	f, err := connectors.AppendRow(nil, folded)
	if err != nil {
		return nil, fmt.Errorf("parent key of %s: %w", s.records.Name, err)
	}
	if !s.spilled {
		// As the query below gives them: the records whose key folds to
		// f, in key order (its index's), then the one whose key is f.
		keys := slices.Clone(s.folded[string(f)])
		slices.Sort(keys)
		var out []parentOutcome
		for _, k := range keys {
			out = append(out, s.outcomes[s.mem[k]])
		}
		if i, ok := s.memGet(folded, f); ok {
			out = append(out, s.outcomes[i])
		}
		return out, nil
	}
	if s.getFolded == nil {
		q := "SELECT kind, reason, u FROM " + s.table + " WHERE f = ?1 UNION ALL SELECT kind, reason, u FROM " + s.table + " WHERE k = ?1"
		if s.getFolded, err = s.l.db.PrepareContext(ctx, q); err != nil {
			return nil, fmt.Errorf("outcomes of %s: %w", s.records.Name, err)
		}
	}
	rows, err := s.getFolded.QueryContext(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("outcomes of %s: %w", s.records.Name, err)
	}
	defer rows.Close()
	var out []parentOutcome
	for rows.Next() {
		var kind int64
		var po parentOutcome
		if err := rows.Scan(&kind, &po.reason, &po.unit); err != nil {
			return nil, fmt.Errorf("outcomes of %s: %w", s.records.Name, err)
		}
		po.kind = mappings.OutcomeKind(kind)
		out = append(out, po)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outcomes of %s: %w", s.records.Name, err)
	}
	return out, nil
}

// explain says what a failed insert means: a key that is not unique.
func (s *outcomeStore) explain(err error) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return s.duplicateKey()
	}
	return err
}

func (s *outcomeStore) duplicateKey() error {
	return fmt.Errorf("%s has two records with the same key: its children cannot say which is their parent (declare the table's key with key: [...])", s.records.Name)
}

// done is called when the parent table is read whole.
func (s *outcomeStore) done(ctx context.Context) error {
	return s.explain(s.in.flush(ctx))
}

// lookup gives the outcome of the parent record with the key, and false
// when there is none.
func (s *outcomeStore) lookup(ctx context.Context, key []connectors.Value) (parentOutcome, bool, error) {
	if n, ok := intKey(key); ok && !s.spilled {
		// No encoding needed: the commonest lookup costs no allocation.
		i, found := s.ints.get(n)
		if !found {
			return parentOutcome{}, false, nil
		}
		return s.outcomes[i], true, nil
	}
	k, err := connectors.AppendRow(nil, key)
	if err != nil {
		return parentOutcome{}, false, fmt.Errorf("parent key of %s: %w", s.records.Name, err)
	}
	if !s.spilled {
		i, ok := s.memGet(key, k)
		if !ok {
			return parentOutcome{}, false, nil
		}
		return s.outcomes[i], true, nil
	}
	if b, ok := s.batch[string(k)]; ok {
		return b.parentOutcome, b.found, nil
	}
	var kind int64
	var po parentOutcome
	found := true
	if s.get == nil {
		if s.get, err = s.l.db.PrepareContext(ctx, "SELECT kind, reason, u FROM "+s.table+" WHERE k = ?"); err != nil {
			return parentOutcome{}, false, fmt.Errorf("outcomes of %s: %w", s.records.Name, err)
		}
	}
	err = s.get.QueryRowContext(ctx, k).Scan(&kind, &po.reason, &po.unit)
	switch {
	case err == sql.ErrNoRows:
		found = false
	case err != nil:
		return parentOutcome{}, false, fmt.Errorf("outcomes of %s: %w", s.records.Name, err)
	}
	po.kind = mappings.OutcomeKind(kind)
	return po, found, nil
}

// prefetchKeys is how many keys one prefetch query asks for.
const prefetchKeys = 500

// prefetch looks up the outcomes of many parent keys in few queries and
// keeps them until the next prefetch.
func (s *outcomeStore) prefetch(ctx context.Context, keys [][]connectors.Value) error {
	if !s.spilled {
		return nil // a lookup in memory costs less than a prefetch
	}
	clear(s.batch)
	if s.batch == nil {
		s.batch = map[string]batchOutcome{}
	}
	var ask []any
	ask1 := func() error {
		if len(ask) == 0 {
			return nil
		}
		q := "SELECT k, kind, reason, u FROM " + s.table + " WHERE k IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(ask)), ", ") + ")"
		var rows *sql.Rows
		var err error
		if len(ask) == prefetchKeys {
			// Most queries ask for a full batch: prepared once, not
			// parsed again (a sixth of the lookup's time) every time.
			if s.getMany == nil {
				if s.getMany, err = s.l.db.PrepareContext(ctx, q); err != nil {
					return fmt.Errorf("outcomes of %s: %w", s.records.Name, err)
				}
			}
			rows, err = s.getMany.QueryContext(ctx, ask...)
		} else {
			rows, err = s.l.db.QueryContext(ctx, q, ask...)
		}
		if err != nil {
			return fmt.Errorf("outcomes of %s: %w", s.records.Name, err)
		}
		defer rows.Close()
		for rows.Next() {
			var k []byte
			var kind int64
			var b batchOutcome
			if err := rows.Scan(&k, &kind, &b.reason, &b.unit); err != nil {
				return fmt.Errorf("outcomes of %s: %w", s.records.Name, err)
			}
			b.kind, b.found = mappings.OutcomeKind(kind), true
			s.batch[string(k)] = b
		}
		ask = ask[:0]
		return rows.Err()
	}
	for _, key := range keys {
		k, err := connectors.AppendRow(nil, key)
		if err != nil {
			return fmt.Errorf("parent key of %s: %w", s.records.Name, err)
		}
		if _, seen := s.batch[string(k)]; seen {
			continue
		}
		// Not found until the query says otherwise.
		s.batch[string(k)] = batchOutcome{}
		ask = append(ask, k)
		if len(ask) == prefetchKeys {
			if err := ask1(); err != nil {
				return err
			}
		}
	}
	return ask1()
}

// prefetchRows reads a child table a batch of rows ahead and looks up
// their parents together.
type prefetchRows struct {
	connectors.Rows
	ctx   context.Context
	store *outcomeStore
	key   []int
	buf   [][]connectors.Value
	i     int
	err   error
}

func (p *prefetchRows) Next() bool {
	if p.i+1 < len(p.buf) {
		p.i++
		return true
	}
	p.buf, p.i = p.buf[:0], 0
	for len(p.buf) < prefetchKeys && p.Rows.Next() {
		p.buf = append(p.buf, copyRow(p.Rows.Row()))
	}
	if len(p.buf) == 0 {
		return false
	}
	keys := make([][]connectors.Value, 0, len(p.buf))
	for _, row := range p.buf {
		key := pick(row, p.key)
		if !slices.Contains(key, nil) {
			keys = append(keys, key)
		}
	}
	if p.err = p.store.prefetch(p.ctx, keys); p.err != nil {
		return false
	}
	return true
}

func (p *prefetchRows) Row() []connectors.Value { return p.buf[p.i] }

func (p *prefetchRows) Err() error {
	if p.err != nil {
		return p.err
	}
	return p.Rows.Err()
}

// prefetched wraps the rows of a program with a parent so that their
// parents are looked up a batch at a time.
func (w *writer) prefetched(rows connectors.Rows) connectors.Rows {
	if w.links == nil || w.tp == nil || w.tp.Parent == nil || !w.links.parents[w.tp.Parent.Table].spilled {
		return rows
	}
	return &prefetchRows{Rows: rows, ctx: w.ctx, store: w.links.parents[w.tp.Parent.Table], key: w.tp.Parent.KeyIndex, i: -1}
}

// followParent gives a record of a program with a parent link the
// outcome its parent's allows: excluded with an excluded parent (its
// data then goes nowhere, not even to the archive), archived with an
// archived one, archived as an orphan when there is no parent. A record
// already archived for a reason of its own keeps that reason.
func (w *writer) followParent(row []connectors.Value, o mappings.Outcome) (mappings.Outcome, error) {
	p := w.tp.Parent
	if p == nil {
		return o, nil
	}
	if o.Kind == mappings.Excluded {
		return w.flagKeptParent(row, o)
	}
	key := pick(row, p.KeyIndex)
	for _, v := range key {
		if v == nil {
			if o.Kind == mappings.Archived {
				return o, nil
			}
			return mappings.Outcome{Kind: mappings.Archived, Reason: mappings.ReasonOrphan,
				Detail: fmt.Sprintf("its key to a record of %s (%s) is empty", p.Records.Name, strings.Join(p.Key, ", ")), Warnings: w.tp.ArchivedWarnings(row, keptWarnings(o, true))}, nil
		}
	}
	po, found, near, err := w.parentOf(key)
	if err != nil {
		return o, err
	}
	if !found {
		for _, po := range near {
			if po.kind == mappings.Excluded {
				// Privacy first: whichever it is, its parent is excluded.
				return mappings.Outcome{Kind: mappings.Excluded, Reason: po.reason}, nil
			}
		}
		// A key that names a listed person (the patient's identity
		// number in another shape than the parent table's, or of a
		// patient whose record is gone) is that person's record: as an
		// orphan it went into the archive package.
		lo, ok := w.tp.ExcludeByParentKey(key)
		if ok {
			return lo, nil
		}
		// What asking raised stays with the record, kept as an orphan.
		o.Warnings = addWarnings(o.Warnings, lo.Warnings)
		if len(near) > 0 && o.Kind == mappings.Migrated {
			return o, fmt.Errorf("table %s: a record's key to %s (%s) matches no record byte for byte, but matches %d after folding case, trailing spaces and accents, as a case- or accent-blind collation compares: the source's collation joins them, regflytt does not; make the keys agree in the source or in the mapping",
				w.tp.RecordsTable().Name, p.Records.Name, strings.Join(p.Key, ", "), len(near))
		}
		if err := w.orphanSure(key); err != nil {
			return o, err
		}
	}
	switch {
	case !found:
		if o.Kind == mappings.Archived {
			return o, nil
		}
		return mappings.Outcome{Kind: mappings.Archived, Reason: mappings.ReasonOrphan,
			Detail: fmt.Sprintf("no record of %s has the key in %s", p.Records.Name, strings.Join(p.Key, ", ")), Warnings: w.tp.ArchivedWarnings(row, keptWarnings(o, true))}, nil
	case po.kind == mappings.Excluded:
		return mappings.Outcome{Kind: mappings.Excluded, Reason: po.reason}, nil
	case po.kind == mappings.Archived && o.Kind == mappings.Migrated:
		a := mappings.Outcome{Kind: mappings.Archived, Reason: mappings.ReasonParentArchived,
			Detail: fmt.Sprintf("its parent record in %s is archived (%s)", p.Records.Name, strings.TrimSuffix(po.reason, uncheckedMark))}
		// Into the archive package as unchecked as it came, unless its
		// parent was checked for it.
		a.Warnings = w.tp.ArchivedWarnings(row, keptWarnings(o, !checkedParent(p, po)))
		return a, nil
	case checkedParent(p, po) && slices.Contains(o.Warnings, mappings.WarnPersonNotChecked):
		// The record's own number is missing, but its parent's was asked
		// of the lists, and an excluded parent excludes it: it was
		// checked as its parent's, whether it migrates or is archived. A
		// parent that was not (remember notes it) leaves the record
		// unchecked too.
		o.Warnings = slices.DeleteFunc(slices.Clone(o.Warnings), func(w string) bool { return w == mappings.WarnPersonNotChecked })
	}
	return o, nil
}

// orphanSure refuses a record whose key to its parent matches none byte
// for byte, and whose parent, under a collation that joins more than
// folding does, folding cannot rule out (fold.go): its key, or a key of
// the parent table, holds text folding is not sure of. Archived as an
// orphan, or for a reason of its own, it could be an opted-out patient's.
func (w *writer) orphanSure(key []connectors.Value) error {
	p := w.tp.Parent
	st := w.links.parents[p.Table]
	cols := make([]*connectors.Column, 0, len(p.KeyIndex)+len(st.keyCols))
	for _, k := range p.KeyIndex {
		cols = append(cols, &w.tp.RecordsTable().Columns[k])
	}
	limit := foldLimitOf(append(cols, st.keyCols...)...)
	// The parents' keys were read under their own columns' limit; under
	// another (the child's collation differs), only under the narrowest.
	parentsUnsure := st.unsure
	if limit != st.limit {
		parentsUnsure = st.notASCII
	}
	if limit.Collation == "" || !parentsUnsure && sureOf(limit, key) {
		return nil
	}
	return fmt.Errorf("table %s: a record's key to %s (%s) matches no record byte for byte, nor after folding case, trailing spaces and accents, but it or a key of %s holds characters (other than printable ASCII or, under some collations, Latin letters with accents) that the collation %s may join otherwise (utf8mb4_general_ci takes 'ß' for 's', swedish_ci 'ü' for 'y', unicode_ci ignores NUL): regflytt cannot tell whether the source joins the record to a parent, and does not archive it as an orphan; make the keys agree in the source, or leave such records out of the copy regflytt reads",
		w.tp.RecordsTable().Name, p.Records.Name, strings.Join(p.Key, ", "), p.Records.Name, limit.Collation)
}

// uncheckedMark ends the remembered reason of an archived parent record
// whose person could not be read, NULL or no valid number (a migrated
// one's reason is person_not_checked itself): its children were not
// checked through it.
const uncheckedMark = "; " + mappings.WarnPersonNotChecked

// checkedParent says whether the parent record po, kept, had its person
// asked of the lists: its table is matched against them and its own
// person was read.
func checkedParent(p *mappings.ParentProgram, po parentOutcome) bool {
	return matchedAgainstLists(p.Table) && po.reason != mappings.WarnPersonNotChecked && !strings.HasSuffix(po.reason, uncheckedMark)
}

// addWarnings gives ws with those of more it does not hold.
func addWarnings(ws, more []string) []string {
	for _, m := range more {
		if !slices.Contains(ws, m) {
			ws = append(slices.Clip(ws), m)
		}
	}
	return ws
}

// keptWarnings gives the warnings of o for an outcome that archives the
// record instead (orphan, parent_archived, duplicate_registration): the
// record is still kept, in the archive package with its number, so what
// its person raised still holds. A list_century_differs dropped here let
// a listed patient's visit, written in another century, into the archive
// under PASS. person_not_checked stays only when unchecked says the
// record remains so (its parent was not asked for it).
func keptWarnings(o mappings.Outcome, unchecked bool) []string {
	if len(o.Warnings) == 0 {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(o.Warnings), func(w string) bool {
		return !unchecked && w == mappings.WarnPersonNotChecked
	})
}

// parentOf looks up the parent record that a child's key (no value of
// it empty) names: its outcome, found, when a record has the key byte for
// byte; else near, the outcomes of the records the key matches only
// after folding case, trailing spaces and accents. The source may
// compare keys so (fold.go): to it, such a record is the child's parent.
func (w *writer) parentOf(key []connectors.Value) (po parentOutcome, found bool, near []parentOutcome, err error) {
	st := w.links.parents[w.tp.Parent.Table]
	if po, found, err = st.lookup(w.ctx, key); err != nil || found {
		return po, found, nil, err
	}
	near, err = st.lookupFolded(w.ctx, key)
	return po, false, near, err
}

// WarnExclusionParentKept is counted for a record excluded by an opt-out
// or erasure list, by its own identity number, whose parent record is a
// patient's (its table has a person:, or a parent that has) and was kept:
// migrated or archived. The parent is the listed patient's record with
// its number left empty, or written as another number (a co-ordination
// number the patient had before): the run writes parents before it reads
// their children and cannot take it back, so the finding fails the run
// until the source is corrected or the plan acknowledges that the two are
// different people (a newborn's own opt-out under the mother's record).
const WarnExclusionParentKept = "exclusion_parent_kept"

// flagKeptParent adds WarnExclusionParentKept to a record a list
// excluded when its parent record, in a patient's table, was kept.
func (w *writer) flagKeptParent(row []connectors.Value, o mappings.Outcome) (mappings.Outcome, error) {
	p := w.tp.Parent
	if o.Reason != mappings.ReasonOptOut && o.Reason != mappings.ReasonErasure || !matchedAgainstLists(p.Table) {
		return o, nil
	}
	key := pick(row, p.KeyIndex)
	for _, v := range key {
		if v == nil {
			return o, nil
		}
	}
	po, found, near, err := w.parentOf(key)
	if err != nil {
		return o, err
	}
	kept := found && po.kind != mappings.Excluded
	for _, po := range near {
		kept = kept || po.kind != mappings.Excluded
	}
	if kept && !slices.Contains(o.Warnings, WarnExclusionParentKept) {
		o.Warnings = append(slices.Clip(o.Warnings), WarnExclusionParentKept)
	}
	return o, nil
}

// unacknowledgedDoubts gives a problem, which fails a run, for each
// table whose ledger counts a doubt about an opt-out or erasure that only
// a person can settle, unless the plan acknowledges it for that table as
// a verification finding (code.table): a warning alone let the run pass
// with a listed patient's record migrated. map dry-run shows them. exclusion_parent_kept: a record a list excluded whose parent
// record was kept; list_century_differs: a record kept (migrated or archived) whose number
// has a list entry's ten digits with another written century; listed_number_kept: a
// record kept whose other identity column names a listed patient. The
// message names the table and the count, never a number.
func (r *runner) unacknowledgedDoubts(ledger *verify.Ledger) []string {
	var out []string
	for _, tl := range ledger.Tables {
		for _, w := range []struct{ code, what string }{
			{WarnExclusionParentKept, "excluded by the opt-out or erasure list have their parent record kept (migrated or archived), with its identity number empty or another: that is the listed patient's record; correct the source"},
			{mappings.WarnListCenturyDiffers, "kept (migrated or archived) with a list entry's ten digits and another written century: two people by their numbers, or the listed patient whose century a legacy system guessed wrong; correct the source"},
			{mappings.WarnListedNumberKept, "kept (migrated or archived) while an identity number beside their person (a mother's number in her child's record) names a listed patient, whose number so reaches the receiving platform or the archive package; correct the source or the mapping (drop the column)"},
		} {
			n := tl.Warnings[w.code]
			if n == 0 {
				continue
			}
			id := w.code + "." + tl.Source
			if _, ok := r.plan.Verification.Acknowledge[id]; ok {
				continue
			}
			out = append(out, fmt.Sprintf("source table %s: %d %s %s, or when they are different people acknowledge %s under verification.acknowledge", tl.Source, n, recordWord(n), w.what, id))
		}
	}
	return out
}

// followParentEntity applies followParent to a form-store entity, and
// its value rows follow the entity as ApplyEntity would have them.
func (w *writer) followParentEntity(entity []connectors.Value, values [][]connectors.Value, eo mappings.EntityOutcome) (mappings.EntityOutcome, error) {
	o, err := w.followParent(entity, eo.Entity)
	if err != nil {
		return eo, err
	}
	if o.Kind == mappings.Archived && eo.Entity.Kind != mappings.Archived {
		// Archived for its parent, the form goes into the archive
		// package whole, its entity and value rows: followParent asked
		// the entity row alone, which is not the program's source row.
		o.Warnings = w.tp.ArchivedFormWarnings(entity, values, o.Warnings)
	}
	if o.Kind == eo.Entity.Kind {
		// The same outcome, its warnings perhaps one more.
		eo.Entity.Warnings = o.Warnings
		return eo, nil
	}
	eo.Entity = o
	for i, vo := range eo.Values {
		switch {
		case o.Kind == mappings.Excluded:
			eo.Values[i] = mappings.Outcome{Kind: mappings.Excluded, Reason: o.Reason}
		case vo.Kind == mappings.Migrated:
			eo.Values[i] = mappings.Outcome{Kind: mappings.Archived, Reason: o.Reason, Detail: "its entity is archived: " + o.Detail}
		}
	}
	return eo, nil
}

// remember keeps the final outcome of a record of a parent table: called
// by record once nothing can change it any more.
func (w *writer) remember(t *connectors.Table, row []connectors.Value, keyIdx []int, o mappings.Outcome, unit string) error {
	if w.links == nil || w.tp == nil || t != w.tp.RecordsTable() {
		return nil
	}
	st := w.links.parents[w.tp]
	if st == nil {
		return nil
	}
	if slices.Contains(o.Warnings, mappings.WarnPersonNotChecked) || o.PersonUnread {
		// Its children were not checked through it either
		// (followParent): a migrated record has no reason, so this is
		// its reason; an archived one's reason is marked. One archived
		// for a number that could not be read (PersonUnread) was asked
		// of no list, though it is no person_not_checked itself.
		switch o.Kind {
		case mappings.Migrated:
			o.Reason = mappings.WarnPersonNotChecked
		case mappings.Archived:
			o.Reason += uncheckedMark
		}
	}
	key := pick(row, keyIdx)
	if st.keyCols == nil {
		st.keyCols = make([]*connectors.Column, len(keyIdx))
		for i, k := range keyIdx {
			st.keyCols[i] = &t.Columns[k]
		}
		st.limit = foldLimitOf(st.keyCols...)
	}
	if !st.unsure && !sureOf(asciiOnly, key) {
		st.notASCII, st.unsure = true, !sureOf(st.limit, key)
	}
	return st.remember(w.ctx, key, o, unit)
}

// tableDone finishes what the links keep of a program's table.
func (l *links) tableDone(ctx context.Context, tp *mappings.TableProgram) error {
	if l == nil {
		return nil
	}
	if st := l.parents[tp]; st != nil {
		return st.done(ctx)
	}
	return nil
}

// archiveKey formats a record's key for an archive record's Detail:
// column names and values. Keys are the source's record ids, which the
// archive keeps with every record anyway (archive.Record.Key).
func archiveKey(cols []string, key []connectors.Value) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		s, ok := connectors.FormatValue(key[i])
		if !ok {
			s = "NULL"
		}
		parts[i] = c + "=" + s
	}
	return strings.Join(parts, ", ")
}
