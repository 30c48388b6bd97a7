package archive

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// A form store keeps a form's values as rows of a values table, one per
// (entity, variable); its person: may read the number from variables,
// each a row of its own: the birth date in one, the last four in
// another. No archived record then holds the number, nor two parts of
// it: erase joins the value rows of one entity, with the person columns
// of its entity record, as the run's pivot joined them.

// erasureForm is a form store an erasure searches: what its person:
// reads, where in the package, and the entities found to be a listed
// person's.
type erasureForm struct {
	PersonForm
	// ents and vals are the package's tables (nil: none archived).
	ents, vals *TableSummary
	// entKey and entCols are positions in an entity record (its key,
	// the columns its person: reads); entity, attribute and value in a
	// value row.
	entKey                   int
	entCols                  []int
	entity, attribute, value int
	// slot gives, per name person: reads (folded), its slot: where an
	// entity's copies of that value are gathered, from value rows of
	// the name (a variable's, or named as an entity column, which the
	// run takes for a copy too) and, for an entity column (slotCol[i]
	// its position, -1 for a variable), its entity record.
	slot    map[string]int
	slotCol []int
	fold    func(string) string
	// found holds the keys (encoded) of the persons' entities.
	found map[string]bool
}

// personForms gives the form stores to search: the package's
// (PersonDoc.Form), then the caller's, which win per values table. A
// table or column named but missing from a table the package holds is an
// error: a misspelt name would leave a split number unsearched.
// declared gives the entities tables' person columns.
func (p *Package) personForms(given []PersonForm, declared map[string][]int, fold func(string) string) ([]*erasureForm, error) {
	var all []PersonForm
	for _, t := range p.Summary.Tables {
		if t.Person != nil && t.Person.Form != nil && t.Person.Form.Values == t.Table {
			all = append(all, *t.Person.Form)
		}
	}
	for _, g := range given {
		replaced := false
		for i := range all {
			if all[i].Values == g.Values {
				all[i], replaced = g, true
			}
		}
		if !replaced {
			all = append(all, g)
		}
	}
	if fold == nil {
		fold = func(s string) string { return s }
	}
	var out []*erasureForm
	for _, f := range all {
		ef := &erasureForm{PersonForm: f, entKey: -1, entity: -1, attribute: -1, value: -1, slot: map[string]int{}, fold: fold, found: map[string]bool{}}
		col := func(t *TableSummary, name string) (int, error) {
			i := indexOf(t.Columns, name)
			if i < 0 {
				return -1, fmt.Errorf("the form store's person: is said to read table %s's column %s, but the table has no such column", t.Table, name)
			}
			return i, nil
		}
		var err error
		if t, terr := p.table(f.Values); terr == nil {
			ef.vals = t
			if ef.entity, err = col(t, f.Entity); err != nil {
				return nil, err
			}
			if ef.attribute, err = col(t, f.Attribute); err != nil {
				return nil, err
			}
			if ef.value, err = col(t, f.Value); err != nil {
				return nil, err
			}
		}
		if t, terr := p.table(f.Entities); terr == nil {
			ef.ents = t
			key := f.EntityKey
			if key == "" && len(t.PrimaryKey) == 1 {
				// A plan compiled without its source does not know the
				// entities' key; the package does.
				key = t.PrimaryKey[0]
			}
			if key == "" {
				return nil, fmt.Errorf("the form store's entities table %s has no key of one column to join its value rows by", t.Table)
			}
			if ef.entKey, err = col(t, key); err != nil {
				return nil, err
			}
			ef.entCols = slices.Clone(declared[f.Entities])
			// A name the person: reads is an entity column where the
			// entities table has one (the run's pivot reads it there),
			// a variable otherwise: a plan compiled without its source
			// takes every name for a variable.
			for _, v := range f.Variables {
				if i := indexOf(t.Columns, v); i >= 0 && !slices.Contains(ef.entCols, i) {
					ef.entCols = append(ef.entCols, i)
				}
			}
			for _, i := range ef.entCols {
				ef.addSlot(t.Columns[i].Name, i)
			}
		}
		// The package records the variables only (PersonDoc.Form), not
		// the entity columns: a value row named as one is a copy of
		// the person's value to the run, and is gathered in that
		// column's slot.
		for _, v := range f.Variables {
			ef.addSlot(v, -1)
		}
		out = append(out, ef)
	}
	return out, nil
}

// addSlot adds a slot for a name person: reads, once per folded name.
func (f *erasureForm) addSlot(name string, col int) {
	k := f.fold(name)
	if _, ok := f.slot[k]; ok {
		return
	}
	f.slot[k] = len(f.slotCol)
	f.slotCol = append(f.slotCol, col)
}

// linkForms links each form's value rows to their entity, as a run
// writes the link now (a parent: of the mapping's), where the package
// lacks it (written before, the form given by the plan): an erased form
// takes its value rows, and a value row archived because its form was
// (parent_archived) is reached. The new version lists the link.
func linkForms(forms []*erasureForm) {
	for _, f := range forms {
		if f.vals == nil || f.ents == nil {
			continue
		}
		fk := ForeignKeyDoc{Columns: []string{f.Entity}, RefTable: f.Entities, RefColumns: []string{f.ents.Columns[f.entKey].Name}, Parent: true}
		if slices.ContainsFunc(f.vals.ForeignKeys, func(d ForeignKeyDoc) bool {
			return d.RefTable == fk.RefTable && slices.Equal(d.Columns, fk.Columns) && slices.Equal(d.RefColumns, fk.RefColumns)
		}) {
			continue
		}
		f.vals.ForeignKeys = append(slices.Clone(f.vals.ForeignKeys), fk)
	}
}

// findForms gathers, per entity, its copies of the values its person:
// reads, per slot (its entity record's value of an entity column, its
// value rows of each name), and notes the entities whose values name a
// listed person, one alone or joined as the run joins them.
func (p *Package) findForms(ctx context.Context, req *EraseRequest, f *erasureForm) (*ManyCopiesError, error) {
	copies := map[string][][]connectors.Value{}
	add := func(k string, slot int, v connectors.Value) {
		c := copies[k]
		if c == nil {
			c = make([][]connectors.Value, len(f.slotCol))
			copies[k] = c
		}
		c[slot] = append(c[slot], v)
	}
	if f.vals != nil {
		if err := p.eachRecordOf(ctx, f.vals, func(rec ArchivedRecord) {
			v := rec.Values
			if v[f.value] == nil || v[f.attribute] == nil {
				return
			}
			name, _ := connectors.FormatValue(v[f.attribute])
			slot, ok := f.slot[f.fold(name)]
			if !ok {
				return
			}
			if k, ok := keyOf(v[f.entity]); ok {
				add(k, slot, v[f.value])
			}
		}); err != nil {
			return nil, err
		}
	}
	if f.ents != nil && len(f.entCols) > 0 {
		if err := p.eachRecordOf(ctx, f.ents, func(rec ArchivedRecord) {
			k, ok := keyOf(rec.Values[f.entKey])
			if !ok {
				return
			}
			for slot, i := range f.slotCol {
				if i >= 0 && rec.Values[i] != nil {
					add(k, slot, rec.Values[i])
				}
			}
		}); err != nil {
			return nil, err
		}
	}
	var many *ManyCopiesError
	for k, c := range copies {
		found, ok := req.identifiesCopies(c)
		if found {
			f.found[k] = true
		} else if !ok {
			if many == nil {
				many = &ManyCopiesError{Entities: f.Entities, Values: f.Values, Names: slices.Clone(f.Variables)}
				for _, i := range f.entCols {
					many.Names = append(many.Names, f.ents.Columns[i].Name)
				}
			}
			many.Forms++
		}
	}
	return many, nil
}

// identifiesCopies reports whether an entity's copies of the values its
// person: reads (per slot) name a person: one alone, or joined, every
// way of taking one copy a slot (EraseRequest.JoinCopies, the run's
// way), each asked as the parts of a split number. ok is false when the
// entity holds more ways than JoinCopies takes and more than two slots
// hold copies (asked two at a time, every two values of the entity are:
// that covers every way of two slots).
func (req *EraseRequest) identifiesCopies(slots [][]connectors.Value) (found, ok bool) {
	var all []connectors.Value
	for _, s := range slots {
		all = append(all, s...)
	}
	if req.identifiesParts(all) {
		return true, true
	}
	if req.IdentifiesSplit == nil || req.JoinCopies == nil {
		return false, true
	}
	var parts []connectors.Value
	found, ok = req.JoinCopies(slots, func(join []connectors.Value) bool {
		parts = parts[:0]
		for _, v := range join {
			if v != nil {
				parts = append(parts, v)
			}
		}
		return req.identifiesJoined(parts)
	})
	if ok {
		return found, true
	}
	if req.identifiesJoined(all) {
		return true, true
	}
	held := 0
	for _, s := range slots {
		if len(s) > 0 {
			held++
		}
	}
	return false, held <= 2
}

// identifiesParts reports whether one of the values a person: reads
// names a person alone, or, without JoinCopies, the values joined.
func (req *EraseRequest) identifiesParts(vals []connectors.Value) bool {
	found := false
	// Every value is asked, so that each listed entry one names counts
	// as found.
	for _, v := range vals {
		if req.Identifies(v) {
			found = true
		}
	}
	if found || req.IdentifiesSplit == nil || req.JoinCopies != nil {
		return found
	}
	return req.identifiesJoined(vals)
}

// ManyCopiesError refuses an erasure: forms of a form store hold more
// copies of the values their person: reads (a birth date, a last four,
// each many times) than erase joins, over more than two of them, and
// one way of joining them may be a listed person's number. The run
// archived such a form as person_copies. Nothing was changed.
type ManyCopiesError struct {
	Package          string
	Entities, Values string
	Names            []string
	Forms            int64
}

func (e *ManyCopiesError) Error() string {
	return fmt.Sprintf("erase %s: nothing erased: %d forms of the form store %s (value rows in %s) hold more copies of the values its person: reads (%s) than erase joins (every way of taking one of each), so erase cannot tell whether one names a listed person: look at those forms (regflytt archive extract; the run archived them as person_copies) and remove a listed person's copies from the source, then migrate again, or remove the forms from the package by hand",
		e.Package, e.Forms, e.Entities, e.Values, strings.Join(e.Names, ", "))
}

// formOfPerson reports whether a record is an entity record or a value
// row of an entity findForms found to be a listed person's.
func formOfPerson(forms []*erasureForm, t *TableSummary, vals []connectors.Value) bool {
	for _, f := range forms {
		i := -1
		switch t {
		case f.ents:
			i = f.entKey
		case f.vals:
			i = f.entity
		}
		if i < 0 {
			continue
		}
		if k, ok := keyOf(vals[i]); ok && f.found[k] {
			return true
		}
	}
	return false
}

// keyOf encodes an entity's id; ok is false for NULL.
func keyOf(v connectors.Value) (string, bool) {
	if v == nil {
		return "", false
	}
	b, err := connectors.AppendRow(nil, []connectors.Value{v})
	return string(b), err == nil
}

// eachRecordOf calls fn for every record of one table.
func (p *Package) eachRecordOf(ctx context.Context, t *TableSummary, fn func(ArchivedRecord)) error {
	recs, err := p.Records(t.Table)
	if err != nil {
		return fmt.Errorf("erase %s: table %s: %w", p.Dir, t.Table, err)
	}
	stopped := func() error { return fmt.Errorf("erase %s: stopped, nothing erased: %w", p.Dir, ctx.Err()) }
	for n := 0; recs.Next(); n++ {
		// An interrupt stops the erasure between records: nothing is
		// written before every record has been read.
		if n%checkEvery == 0 && ctx.Err() != nil {
			recs.Close()
			return stopped()
		}
		fn(recs.Record())
	}
	if err := errors.Join(recs.Err(), recs.Close()); err != nil {
		return fmt.Errorf("erase %s: table %s: %w", p.Dir, t.Table, err)
	}
	if ctx.Err() != nil {
		return stopped()
	}
	return nil
}

// checkEvery is how many records an erasure reads between two looks at
// whether it was stopped.
const checkEvery = 256

// maxFormPairs bounds the pairs (birth dates times last fours) of one
// group (records sharing a column's value) unplacedForms asks joined: a
// value that many records share (a variable's version, its name) would
// cost the square of the table. It bounds the pairs, not the records: a
// big form's short numeric answers (each 1-4 digits, like a last four)
// made a group of more than 256 records. A group past it is not asked
// and refuses the erasure: skipped, it left a listed number with exit
// 0. 128 times 128 is what a group of 256 could ask before.
const maxFormPairs = 128 * 128

// formPart is a value that may be part of a split number (SplitPart),
// in column col of a record whose other columns' values are keys
// (hashed, 0 for NULL).
type formPart struct {
	v    connectors.Value
	kind int
	col  int
	keys []uint64
}

// noteKinds notes which parts of a split number (SplitPart: 1 a birth
// date, 2 a last four) each column of a record holds.
func noteKinds(kinds map[string][][3]bool, t *TableSummary, vals []connectors.Value, part func(connectors.Value) int) {
	has := kinds[t.Table]
	if has == nil {
		has = make([][3]bool, len(t.Columns))
		kinds[t.Table] = has
	}
	for j, v := range vals {
		if v == nil || (has[j][1] && has[j][2]) {
			continue
		}
		if k := part(v); k == 1 || k == 2 {
			has[j][k] = true
		}
	}
}

// unplacedForms looks, in each table whose person: the erasure was not
// told (kinds holds which parts its columns hold), for a form store's values written before packages
// recorded what its person: reads: two records that share a value in
// one column (a form's id) and hold in another (the value) a birth date
// and a last four that, joined, are a listed person's number. Each such
// group is noted in unplaced: only the mapping tells a form's id from a
// column that happens to repeat, and a number split over variables from
// two unrelated values. Only a column holding both kinds of part is
// asked, so a table of dates and codes in columns of their own costs
// no read beyond the erasure's own.
func (p *Package) unplacedForms(ctx context.Context, req *EraseRequest, kinds map[string][][3]bool, unplaced *SplitNumberError) error {
	if req.IdentifiesSplit == nil || req.SplitPart == nil {
		return nil
	}
	seed := maphash.MakeSeed()
	for i := range p.Summary.Tables {
		t := &p.Summary.Tables[i]
		has := kinds[t.Table]
		if has == nil || t.Records < 2 || len(t.Columns) < 2 {
			continue
		}
		var mixed []int
		for j := range has {
			if has[j][1] && has[j][2] {
				mixed = append(mixed, j)
			}
		}
		if len(mixed) == 0 {
			continue
		}
		var parts []formPart
		if err := p.eachRecordOf(ctx, t, func(rec ArchivedRecord) {
			var keys []uint64
			for _, j := range mixed {
				v := rec.Values[j]
				if v == nil {
					continue
				}
				k := req.SplitPart(v)
				if k != 1 && k != 2 {
					continue
				}
				if keys == nil {
					keys = make([]uint64, len(rec.Values))
					for c, w := range rec.Values {
						if w == nil {
							continue
						}
						if b, err := connectors.AppendRow(nil, []connectors.Value{w}); err == nil {
							keys[c] = maphash.Bytes(seed, b) | 1
						}
					}
				}
				parts = append(parts, formPart{v: v, kind: k, col: j, keys: keys})
			}
		}); err != nil {
			return err
		}
		for _, j := range mixed {
			for e := range t.Columns {
				if e == j {
					continue
				}
				groups := map[uint64][]int{}
				for n, pt := range parts {
					if pt.col == j && pt.keys[e] != 0 {
						groups[pt.keys[e]] = append(groups[pt.keys[e]], n)
					}
				}
				for _, g := range groups {
					if len(g) < 2 {
						continue
					}
					switch names, asked := req.groupNames(parts, g); {
					case !asked:
						unplaced.noteUnsearched(t.Table, t.Columns[e].Name, t.Columns[j].Name)
					case names:
						unplaced.noteForm(t.Table, t.Columns[e].Name, t.Columns[j].Name)
					}
				}
			}
		}
	}
	return nil
}

// groupNames reports whether a birth date and a last four of a group,
// joined either way, name a listed person. A group of more pairs than
// maxFormPairs is not asked (asked false): it may hold a listed number
// as well as not, and the erasure is refused for it, as for one found.
func (req *EraseRequest) groupNames(parts []formPart, g []int) (names, asked bool) {
	var dates, fours []connectors.Value
	for _, a := range g {
		switch parts[a].kind {
		case 1:
			dates = append(dates, parts[a].v)
		case 2:
			fours = append(fours, parts[a].v)
		}
	}
	if len(dates) == 0 || len(fours) == 0 {
		return false, true
	}
	if len(dates)*len(fours) > maxFormPairs {
		return false, false
	}
	for _, d := range dates {
		for _, f := range fours {
			if req.IdentifiesSplit(d, f) || req.IdentifiesSplit(f, d) {
				return true, true
			}
		}
	}
	return false, true
}
