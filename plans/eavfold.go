package plans

import (
	"fmt"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// A form store's value row whose entity id matches no entity byte for
// byte may still be its form's to the source: under a case- or
// accent-blind collation (SQLite NOCASE, MariaDB's utf8mb4_general_ci,
// which ignores trailing spaces too) 'ABC' and 'abc ' are the form 'abc'.
// Archived as an orphan, it kept an opted-out patient's value in the
// archive, or left a migrated form without a value its source form holds,
// and the run passed. As for a parent link (fold.go, followParent), such a
// value is excluded with an excluded entity, and refused with a migrated
// one; with an archived one it stays archived, as an orphan.
//
// The merge meets such a value near its entity. Both tables come in the
// source's order, which the run checks agrees with Go's, and a value
// collation-equal to entity E sits among E's values in the source's
// order: an entity between E and the entity at which the value turns
// out to be an orphan (before E, or after it) has no value rows, or the
// order check would have failed. So the value is decided at the next
// entity that has value rows (or at the end), against the entities since
// the last one that had value rows: foldWindow keeps those (folded) and
// the orphans met meanwhile.
//
// Under a collation that joins more than folding does (fold.go), a value
// row unmatched even folded is decided as an orphan only when folding is
// sure of its id, of the other orphans' decided with it and of the forms
// beside it; otherwise the run stops.
//
// The rows of one entity id no entity has are decided together: when one
// holds a listed number in the person's variable, they are an opted-out
// patient's form and are excluded, not archived with the number
// (mappings.TableProgram.ExcludeOrphans).

// maxFoldEntities bounds the entities a foldWindow keeps (some 60 bytes
// each): past it the window forgets them (a form store with a million
// forms in a row without values, or none at all, is no reason to stop),
// and an orphan that would have to be decided against them stops the run
// instead of growing memory without bound. maxFoldOrphans bounds the
// orphans waiting: more are decided at once, against the entities met so
// far (an entity that comes after them is then not asked), all but the
// last id's rows, which wait on; when they are all one id's, the run
// stops: its rows are decided together or not at all.
const maxFoldEntities = 1 << 20

// maxFoldOrphans: a variable for the test that fills it.
var maxFoldOrphans = 1 << 16

type foldWindow struct {
	// entities maps the encoded folded id of each entity since the last
	// one with value rows to the outcomes of the entities folding to it.
	entities map[string][]parentOutcome
	n        int
	// forgot says the window passed maxFoldEntities and no longer holds
	// every entity since the last one with value rows.
	forgot bool
	// orphans are value rows no entity matches byte for byte, waiting
	// for their decision.
	orphans [][]connectors.Value
	// limit is what folding is sure of under the entity ids'
	// collations (fold.go).
	limit mappings.FoldLimit
	// unsure says an entity since the last one with value rows has an
	// id folding is not sure of.
	unsure bool
}

// newFoldWindow is the window of a form store whose entity ids, in the
// entities table and in the values table, are of the columns entity and
// value.
func newFoldWindow(entity, value *connectors.Column) foldWindow {
	return foldWindow{limit: foldLimitOf(entity, value)}
}

// add adds an entity's final outcome.
func (f *foldWindow) add(id connectors.Value, o mappings.Outcome) error {
	if !f.limit.Sure(id) {
		f.unsure = true
	}
	k, ok, err := foldedID(id)
	if err != nil || !ok {
		return err
	}
	if f.n++; f.n > maxFoldEntities {
		if f.pending() {
			return fmt.Errorf("more than %d forms in a row without value rows, whose ids a value row could match after folding", maxFoldEntities)
		}
		f.entities, f.forgot = nil, true
	}
	if f.forgot {
		return nil
	}
	if f.entities == nil {
		f.entities = map[string][]parentOutcome{}
	}
	f.entities[k] = append(f.entities[k], parentOutcome{kind: o.Kind, reason: o.Reason})
	return nil
}

// restart begins the window again at an entity with value rows, once the
// orphans met before it are decided.
func (f *foldWindow) restart(id connectors.Value, o mappings.Outcome) error {
	if f.n > 64 {
		// clear costs what the map once held, at every entity: a map
		// grown over a long run of forms without values is dropped.
		f.entities = nil
	} else {
		clear(f.entities)
	}
	f.n, f.forgot, f.unsure = 0, false, false
	return f.add(id, o)
}

// foldedID encodes an entity id as folding compares it; false for an id
// without text, which folding leaves as it is.
func foldedID(id connectors.Value) (string, bool, error) {
	key, ok := foldKey([]connectors.Value{id})
	if !ok {
		return "", false, nil
	}
	b, err := connectors.AppendRow(nil, key)
	return string(b), true, err
}

// orphan keeps a value row that matched no entity byte for byte, and
// says whether the orphans are to be decided now (too many wait).
func (f *foldWindow) orphan(v []connectors.Value) bool {
	f.orphans = append(f.orphans, v)
	return len(f.orphans) >= maxFoldOrphans
}

// foldsBack says whether the next value row of vs folds to a form the
// window holds (or may have forgotten): a batch is not committed then,
// or a resumed run would decide the row without that form.
func (f *foldWindow) foldsBack(vs *valueStream, entity int) (bool, error) {
	v, _, err := vs.peek(nil)
	if err != nil || v == nil {
		return false, err
	}
	k, ok, err := foldedID(v[entity])
	if err != nil || !ok {
		return false, err
	}
	if f.forgot {
		return true, nil
	}
	_, held := f.entities[k]
	return held, nil
}

// pending says whether orphans wait for a decision: a batch is not
// committed then, or a resumed run would start after orphans never
// counted.
func (f *foldWindow) pending() bool { return len(f.orphans) > 0 }

// decide gives the waiting orphans their outcomes, in the order met, one
// entity id's rows together, and forgets them. With some to come
// (too many waited), the last id's rows wait on, unless they are all
// that waits.
func (f *foldWindow) decide(w *writer, more bool, record func(v []connectors.Value, o mappings.Outcome) error) error {
	e := w.tp.EAV
	end := len(f.orphans)
	if more {
		last := f.orphans[end-1][e.Entity]
		for end > 0 && sameID(f.orphans[end-1][e.Entity], last) {
			end--
		}
		if end == 0 {
			// Decided in parts, a listed number in a later part would
			// leave the earlier parts of an opted-out patient's form in
			// the archive.
			return fmt.Errorf("values table %s: more than %d value rows of one %s that no row of %s has: regflytt decides such rows together (a listed identity number in one excludes them all) and holds no more of them", e.Values.Name, maxFoldOrphans, e.Values.Columns[e.Entity].Name, e.Entities.Name)
		}
	}
	// Under a collation that joins more than folding does, one id
	// folding is not sure of (among the forms beside the orphans, or the
	// orphans: two orphan ids may be one form) leaves every orphan's
	// form unknown.
	unsure := f.unsure
	for i := 0; i < end && !unsure; i++ {
		unsure = !f.limit.Sure(f.orphans[i][e.Entity])
	}
	type idRows struct {
		i, j int
		o    mappings.Outcome
	}
	var ids []idRows
	for i := 0; i < end; {
		j := i + 1
		for j < end && sameID(f.orphans[j][e.Entity], f.orphans[i][e.Entity]) {
			j++
		}
		o, err := f.orphanOutcome(w, f.orphans[i:j], unsure)
		if err != nil {
			return err
		}
		ids = append(ids, idRows{i, j, o})
		i = j
	}
	// Privacy first across spellings, as with the entities: ids that fold
	// alike ('ABC', 'abc ') are one form to a case- or space-blind source,
	// so when one's rows are excluded, the others' waiting with them are.
	excluded := map[string]mappings.Outcome{}
	for _, id := range ids {
		if id.o.Kind != mappings.Excluded {
			continue
		}
		if k, ok, err := foldedID(f.orphans[id.i][e.Entity]); err == nil && ok {
			if _, seen := excluded[k]; !seen {
				excluded[k] = mappings.Outcome{Kind: mappings.Excluded, Reason: id.o.Reason}
			}
		}
	}
	for _, id := range ids {
		o := id.o
		if o.Kind != mappings.Excluded && len(excluded) > 0 {
			if k, ok, err := foldedID(f.orphans[id.i][e.Entity]); err == nil && ok {
				if x, ok := excluded[k]; ok {
					o = x
				}
			}
		}
		for k, v := range f.orphans[id.i:id.j] {
			vo := o
			if k > 0 {
				vo.Warnings = nil // counted once for the id's rows
			}
			if err := record(v, vo); err != nil {
				return err
			}
		}
	}
	f.orphans = append(f.orphans[:0], f.orphans[end:]...)
	return nil
}

// orphanOutcome decides the rows of one entity id no entity has byte for
// byte: excluded with an entity that folds to it and is excluded, or when
// a row holds a listed number in the person's variable; refused when a
// migrated entity folds to it, or when unsure (the collation may join it
// to a form folding does not); archived as orphans otherwise.
func (f *foldWindow) orphanOutcome(w *writer, rows [][]connectors.Value, unsure bool) (mappings.Outcome, error) {
	e := w.tp.EAV
	k, ok, err := foldedID(rows[0][e.Entity])
	if err != nil {
		return mappings.Outcome{}, fmt.Errorf("values table %s: %w", e.Values.Name, err)
	}
	if ok && f.forgot {
		return mappings.Outcome{}, fmt.Errorf("values table %s: a value row's entity id (%s) matches no entity of %s byte for byte, after more than %d forms in a row without value rows, any of which it could match after folding case, trailing spaces and accents: make the ids agree in the source",
			e.Values.Name, e.Values.Columns[e.Entity].Name, e.Entities.Name, maxFoldEntities)
	}
	var near []parentOutcome
	if ok {
		near = f.entities[k]
	}
	for _, po := range near {
		if po.kind == mappings.Excluded {
			// Privacy first: whichever form it is, its patient is left out.
			return mappings.Outcome{Kind: mappings.Excluded, Reason: po.reason}, nil
		}
	}
	// Archived (not excluded) when the rows hold more copies of the
	// person's values than the run joins: person_copies, flagged.
	var unjoined *mappings.Outcome
	if o, ok := w.tp.ExcludeOrphans(rows); ok {
		if o.Kind != mappings.Excluded {
			unjoined = &o
		} else {
			return mappings.Outcome{Kind: mappings.Excluded, Reason: o.Reason, Warnings: o.Warnings}, nil
		}
	}
	for _, po := range near {
		if po.kind == mappings.Migrated {
			return mappings.Outcome{}, fmt.Errorf("values table %s: a value row's entity id (%s) matches no entity of %s byte for byte, but matches %d after folding case, trailing spaces and accents, as a case- or accent-blind collation compares: the source's collation joins them, regflytt does not; make the ids agree in the source",
				e.Values.Name, e.Values.Columns[e.Entity].Name, e.Entities.Name, len(near))
		}
	}
	if unsure {
		return mappings.Outcome{}, fmt.Errorf("values table %s: a value row's entity id (%s) matches no entity of %s byte for byte, nor after folding case, trailing spaces and accents, but it or an id beside it holds characters (other than printable ASCII or, under some collations, Latin letters with accents) that the collation %s may join otherwise (utf8mb4_general_ci takes 'ß' for 's', swedish_ci 'ü' for 'y', unicode_ci ignores NUL): regflytt cannot tell whether the source joins the row to a form, and does not archive it as an orphan; make the ids agree in the source, or leave such rows out of the copy regflytt reads",
			e.Values.Name, e.Values.Columns[e.Entity].Name, e.Entities.Name, f.limit.Collation)
	}
	if unjoined != nil {
		return *unjoined, nil
	}
	return mappings.Orphan(e.Entities.Name), nil
}

// sameID says whether two value rows name the same entity id, byte for
// byte.
func sameID(a, b connectors.Value) bool {
	c, ok := mappings.Compare(a, b)
	return ok && c == 0
}
