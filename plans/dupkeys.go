package plans

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// ReasonDuplicateKey archives a source record whose receiving row would
// have the primary key of a row an earlier record already gave that
// table. Without it, the second record fails its batch at the server and
// stops the run with the target half written; with it, the first record
// migrates, the later one is archived with both source keys (its own as
// the record's key, the first one's in the detail), and a dry run counts
// them.
const ReasonDuplicateKey = "duplicate_key"

// receivingKeys remembers, per receiving table, the primary keys of the
// rows a run has decided to write, and the source record each came from.
//
// Memory: a key is kept as a 128-bit hash (the first 16 bytes of the
// SHA-256 of its canonical encoding, so a collision, which would archive a
// record as a duplicate it is not, takes about 2^64 keys), mapped to the
// offset of the first record's source key, kept as text in one byte arena.
// In memory that costs 55 to 66 heap bytes a key (BenchmarkReceivingKeys).
// Beyond budget keys in memory (over all tables) the largest set is
// spilled to a sorted run in a temporary file (keyrun.go), and lookups
// that miss memory go to the table's runs through one Bloom filter over
// its spilled keys, so that a key never given (nearly every key) costs no
// disk read; a yes reads one block of every run (runs are not merged: 76
// at 10 million keys). What stays in memory per spilled key is the filter's 10 to 20
// bits (rebuilt at twice the keys spilled when it is full) and an eighth
// of a byte of the runs' fences; the filter stops growing at
// maxFilterBytes, beyond which its false yeses grow, not memory.
// BenchmarkReceivingKeysSpill measures a peak live heap of 10 MB at 1
// million keys, 13 MB at 3 million and 26 MB at 10 million (in memory
// they took 60, 180 and 600 MB). Detection stays exact: a filter's yes is
// checked in the runs, and the first record's key is named from the run.
//
// A receiving table whose primary key is a one-to-one image of its only
// source table's primary key (mappings.TableProgram.ReceivingKeyInjective)
// cannot get a duplicate, and keeps no set at all (skipInjective): the
// common identity migration then costs no memory per row here.
type receivingKeys struct {
	tables map[string]*keySet
	// injective names the receiving tables whose keys are not kept.
	injective map[string]bool
	// budget is how many keys all sets keep in memory before the largest
	// is spilled; inMemory counts them.
	budget, inMemory int
	// dir holds the spilled runs, made at the first spill under root (the
	// run's scratch directory; "" is the system's temporary directory).
	dir, root string
	// padded says the target compares text keys without their trailing
	// spaces (connectors.TrailingSpaceBlind): keys are held so too.
	padded bool
}

// forTarget makes the set compare keys as the target's dialect d does.
func (k *receivingKeys) forTarget(d connectors.Dialect) {
	if b, ok := d.(connectors.TrailingSpaceBlind); ok && b.KeysIgnoreTrailingSpaces() {
		k.padded = true
	}
}

// hash is a receiving key's hash as the target compares keys.
func (k *receivingKeys) hash(key []connectors.Value) ([16]byte, error) {
	if k.padded {
		key = trimTrailingSpaces(key)
	}
	return keyHash(key)
}

// trimTrailingSpaces gives key with its text values' trailing spaces
// (U+0020, what SQL Server pads with) cut off; key itself when none has
// any.
func trimTrailingSpaces(key []connectors.Value) []connectors.Value {
	var out []connectors.Value
	for i, v := range key {
		s, ok := v.(string)
		if !ok || !strings.HasSuffix(s, " ") {
			continue
		}
		if out == nil {
			out = slices.Clone(key)
		}
		out[i] = strings.TrimRight(s, " ")
	}
	if out == nil {
		return key
	}
	return out
}

// defaultKeyBudget keys in memory cost about 8 MB.
const defaultKeyBudget = 1 << 17

type keySet struct {
	pk    []int
	seen  map[[16]byte]uint64
	arena []byte
	// sources names the source tables whose records this set holds keys
	// of; an arena entry starts with its index.
	sources []string
	// runs are the spilled keys, filter says which of them may be there.
	runs   []*keyRun
	filter *keyFilter
}

func newReceivingKeys() *receivingKeys {
	return &receivingKeys{tables: map[string]*keySet{}, injective: map[string]bool{}, budget: defaultKeyBudget}
}

// Close removes the spilled runs.
func (k *receivingKeys) Close() error {
	if k == nil {
		return nil
	}
	var err error
	for _, s := range k.tables {
		for _, r := range s.runs {
			if cerr := r.f.Close(); err == nil {
				err = cerr
			}
		}
		s.runs = nil
	}
	if k.dir != "" {
		if rerr := os.RemoveAll(k.dir); err == nil {
			err = rerr
		}
		k.dir = ""
	}
	return err
}

// skipInjective stops keeping the keys of every receiving table fed by
// exactly one program whose receiving key is injective in its source
// record key: two records of that table cannot share a receiving key, and
// no other program writes the table. Keys preloaded for such a table on a
// resume are dropped with it.
func (k *receivingKeys) skipInjective(prog *mappings.Program) {
	feeders := map[string]int{}
	for _, tp := range prog.Tables {
		feeders[tp.Target.Name]++
	}
	for _, tp := range prog.Tables {
		// A text key is not one-to-one with its source key where the
		// target does not tell 'a' from 'a '.
		if k.padded && hasTextKey(tp.Target) {
			continue
		}
		if name := tp.Target.Name; feeders[name] == 1 && tp.ReceivingKeyInjective() {
			k.injective[name] = true
			if s := k.tables[name]; s != nil {
				k.inMemory -= len(s.seen)
				for _, r := range s.runs {
					r.f.Close()
				}
			}
			delete(k.tables, name)
		}
	}
}

func (k *receivingKeys) set(t *connectors.Table) *keySet {
	s := k.tables[t.Name]
	if s == nil {
		s = &keySet{pk: primaryKeyIndex(t), seen: map[[16]byte]uint64{}}
		k.tables[t.Name] = s
	}
	return s
}

// give keeps a new key h of set s, from a record of source with key, and
// spills the largest set when memory holds more than the budget.
func (k *receivingKeys) give(s *keySet, h [16]byte, source string, key []connectors.Value) error {
	s.seen[h] = s.add(source, key)
	if k.inMemory++; k.inMemory <= k.budget {
		return nil
	}
	var largest *keySet
	for _, t := range k.tables {
		if largest == nil || len(t.seen) > len(largest.seen) {
			largest = t
		}
	}
	if k.dir == "" {
		dir, err := os.MkdirTemp(k.root, "regflytt-keys-")
		if err != nil {
			return fmt.Errorf("spill receiving keys: %w", err)
		}
		k.dir = dir
	}
	k.inMemory -= len(largest.seen)
	return largest.spill(k.dir, largest == s)
}

// given says whether a key h was given, and if so, by which record.
func (s *keySet) given(h [16]byte) (string, bool, error) {
	if at, ok := s.seen[h]; ok {
		return s.winner(s.arena[at:]), true, nil
	}
	if s.filter == nil || !s.filter.has(h) {
		return "", false, nil
	}
	for _, r := range s.runs {
		text, ok, err := r.find(h)
		if err != nil || ok {
			if err == nil {
				return s.winner(text), true, nil
			}
			return "", false, err
		}
	}
	return "", false, nil
}

// claim gives a migrated record's receiving row its primary key, or, when
// an earlier record has it, turns the outcome into an archived one with
// reason duplicate_key. source and sourceKey name the record. A table
// without a primary key cannot have duplicates.
func (k *receivingKeys) claim(target *connectors.Table, o mappings.Outcome, source string, sourceKey []connectors.Value) (mappings.Outcome, error) {
	if o.Kind != mappings.Migrated || o.Row == nil || len(target.PrimaryKey) == 0 || k.injective[target.Name] {
		return o, nil
	}
	s := k.set(target)
	h, err := k.hash(pick(o.Row, s.pk))
	if err != nil {
		return o, fmt.Errorf("receiving key of %s: %w", target.Name, err)
	}
	winner, dup, err := s.given(h)
	if err != nil {
		return o, fmt.Errorf("receiving keys of %s: %w", target.Name, err)
	}
	if dup {
		return mappings.Outcome{Kind: mappings.Archived, Reason: ReasonDuplicateKey, Column: strings.Join(target.PrimaryKey, ","),
			Detail: "receiving table " + target.Name + " already has a row with this primary key, from " + winner}, nil
	}
	if err := k.give(s, h, source, sourceKey); err != nil {
		return o, fmt.Errorf("receiving keys of %s: %w", target.Name, err)
	}
	return o, nil
}

// add keeps a record's source table and key in the arena and returns
// where.
func (s *keySet) add(source string, key []connectors.Value) uint64 {
	at := uint64(len(s.arena))
	idx := -1
	for i, n := range s.sources {
		if n == source {
			idx = i
			break
		}
	}
	if idx < 0 {
		idx = len(s.sources)
		s.sources = append(s.sources, source)
	}
	s.arena = binary.AppendUvarint(s.arena, uint64(idx))
	text := keyText(key)
	s.arena = binary.AppendUvarint(s.arena, uint64(len(text)))
	s.arena = append(s.arena, text...)
	return at
}

// winner names the record whose arena entry b starts with: "source
// record of besok with key (1001)".
func (s *keySet) winner(b []byte) string {
	idx, n := binary.Uvarint(b)
	b = b[n:]
	l, n := binary.Uvarint(b)
	return "source record of " + s.sources[idx] + " with key (" + string(b[n:n+int(l)]) + ")"
}

// hasTextKey says whether a table's primary key has a text column.
func hasTextKey(t *connectors.Table) bool {
	for _, name := range t.PrimaryKey {
		if c := t.Column(name); c != nil && c.Type.Kind == connectors.KindText {
			return true
		}
	}
	return false
}

func keyHash(key []connectors.Value) ([16]byte, error) {
	enc, err := connectors.AppendRow(nil, key)
	if err != nil {
		return [16]byte{}, err
	}
	sum := sha256.Sum256(enc)
	var h [16]byte
	copy(h[:], sum[:16])
	return h, nil
}

// keyText is a source key as the archive writes values: each value's text,
// comma separated, NULL for a missing one.
func keyText(key []connectors.Value) string {
	parts := make([]string, len(key))
	for i, v := range key {
		s, ok := connectors.FormatValue(v)
		if !ok {
			s = "NULL"
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

// claimKey is the writer's hook for a table's record: the receiving row is
// checked against the receiving dialect first (a row the target cannot
// hold is archived and claims no key), then given its key.
func (w *writer) claimKey(o mappings.Outcome, source *connectors.Table, row []connectors.Value, keyIdx []int) (mappings.Outcome, error) {
	if w.keys == nil || w.tp == nil || w.tp.Merge != nil || o.Kind != mappings.Migrated || o.Row == nil {
		return o, nil
	}
	kept := o
	if o = w.checkTarget(o); o.Kind != mappings.Migrated {
		return w.archivedKept(kept, o, row), nil
	}
	o, err := w.keys.claim(w.tp.Target, o, source.Name, pick(row, keyIdx))
	if err != nil {
		return o, err
	}
	return w.archivedKept(kept, o, row), nil
}

// archivedKept gives o, the outcome of a record the mapping kept (kept)
// and the receiving side archived (a taken key, a value the dialect
// cannot hold), the warnings it still has: the record is in the archive
// package with its number, so what its person raised still holds, and
// its identity columns the mapping drops go there too (ArchivedWarnings).
// Before, the archived outcome carried none of them: a listed mother's
// number in a dropped column went into the package unflagged. A form
// store's entity row is asked with its value rows by claimEntity.
func (w *writer) archivedKept(kept, o mappings.Outcome, row []connectors.Value) mappings.Outcome {
	if o.Kind != mappings.Archived || kept.Kind != mappings.Migrated {
		return o
	}
	o.Warnings = keptWarnings(kept, true)
	if w.tp.EAV == nil {
		o.Warnings = w.tp.ArchivedWarnings(row, o.Warnings)
	}
	return o
}

// claimEntity is claimKey for a form-store entity: when the entity is
// archived here (a duplicate key, or a value the receiving dialect cannot
// hold), the value rows that would have migrated with it are archived with
// it, each with the same reason and detail: a value row is never counted
// migrated into a row that was not written.
func (w *writer) claimEntity(eo *mappings.EntityOutcome, entity []connectors.Value, values [][]connectors.Value, keyIdx []int) error {
	was := eo.Entity.Kind
	o, err := w.claimKey(eo.Entity, w.tp.EAV.Entities, entity, keyIdx)
	if err != nil {
		return err
	}
	if was == mappings.Migrated && o.Kind == mappings.Archived {
		o.Warnings = w.tp.ArchivedFormWarnings(entity, values, o.Warnings)
		for i, vo := range eo.Values {
			if vo.Kind == mappings.Migrated {
				eo.Values[i] = mappings.Outcome{Kind: mappings.Archived, Reason: o.Reason, Column: o.Column, Detail: o.Detail}
			}
		}
	}
	eo.Entity = o
	return nil
}
