package archive

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// EraseRequest says whose records to erase from a package. The package
// knows nothing of identity numbers: Identifies is given by the caller
// (the CLI matches identity numbers as the opt-out list does, century-safe,
// and pseudonyms when it has the key).
type EraseRequest struct {
	// Identifies reports whether a value names one of the persons.
	Identifies func(connectors.Value) bool
	// IdentifiesSplit reports whether two values of one record, joined
	// (a first), name one of the persons: a number split over two
	// columns, a birth date and the last four, that a mapping's person:
	// joined. Nil: no such number is looked for, and none is refused.
	IdentifiesSplit func(a, b connectors.Value) bool
	// SplitPart tells which part of such a number a value may be (0:
	// none); only two values of different parts are asked joined, in
	// both orders. Nil: every two values are.
	SplitPart func(connectors.Value) int
	// IdentifiesJoined reports whether three or more values, joined in
	// the order given, name one of the persons: a number split over
	// three columns (a century, the birth date, the last four), which a
	// person: expression can read and join. It is asked of every order
	// of three and four of the values a person: reads. Nil: none is.
	IdentifiesJoined func(parts []connectors.Value) bool
	// PersonColumns names, per source table, the columns its mapping's
	// person: reads (from the plan, or the caller), before what the
	// package records (TableSummary.Person): their values are asked
	// joined, two at a time, and erased where they name a person. A
	// table named, even with no columns, holds a split number in those
	// columns or nowhere. In a table named neither here nor by the
	// package, every two values that may be parts are asked joined, and
	// a match refuses the erasure (a *SplitNumberError): erasing on any
	// two joined would remove unrelated records.
	PersonColumns map[string][]string
	// PersonForms says, per form store, which variables (value rows) its
	// person: reads, before what the package records (PersonDoc.Form;
	// the caller's win, per values table). An entity whose value rows of
	// those variables and person columns of its entities table (as
	// PersonColumns or the package name them) name a person, alone or
	// joined as above, is the person's form: its entity record and all
	// its value rows are erased.
	PersonForms []PersonForm
	// JoinCopies calls fn with every way of taking one copy of each
	// value a form store's person: reads, a slot each (a variable's
	// value rows; an entity column's value and the value rows named as
	// it), until fn reports true: a form may hold a variable twice,
	// another person's value or a NULL first. ok is false when there
	// are more ways than it takes. The CLI gives the run's
	// (mappings.JoinPersonCopies), so that erase finds what a run
	// excludes. Nil: a form's values are asked together, two at a time
	// (three and four only of a form holding no more than four).
	JoinCopies func(slots [][]connectors.Value, fn func(join []connectors.Value) bool) (found, ok bool)
	// FoldVariable gives a variable's name as the run compared it with
	// the person's variables (case-, accent- and space-blind); nil
	// compares names exactly.
	FoldVariable func(string) string
	// NamesPerson reports whether a value is some person's identity
	// number, listed or not. In a table whose person: columns neither
	// the package nor the caller names, a record holding a listed
	// person's number and another person's refuses the erasure (an
	// *UnknownPersonError): whose record it is erase cannot tell (a
	// child's naming its mother). Nil: such a record is removed.
	NamesPerson func(connectors.Value) bool
	// Note is logged with the erased event (where PersonColumns came
	// from); it must hold no identity.
	Note string
	// Reference is the erasure decision's reference (a case number); it
	// is logged, the persons are not.
	Reference, Who string
	At             time.Time
	// Tool names the program erasing ("regflytt v1.2"), for the log.
	Tool string
}

// EraseResult counts what an erasure removed, per source table.
type EraseResult struct {
	// Records counts records holding an identifying value; Linked the
	// records removed because a foreign key refers to a removed record;
	// Values the values archived alone.
	Records, Linked, Values map[string]int64
	// ValuesLeft counts the values archived alone kept: each belongs to
	// a record that migrated, whose person the package does not hold, so
	// only its key or its value could name a person, and neither did.
	ValuesLeft map[string]int64
	// ChildrenLeft counts the records kept whose mapping's parent: links
	// them to a record the package does not hold (it migrated): they
	// hold no person of their own, so erase cannot tell whose they are.
	ChildrenLeft map[string]int64
	// Blanked counts the values erased (set to NULL) from records kept:
	// the record is another person's (its person: columns name no
	// listed person) and names one in another identity column, a
	// mother's number in her child's record. Removing the record would
	// erase the child's data with the mother's.
	Blanked map[string]int64
}

// UnknownPersonError refuses an erasure: a table whose person: columns
// neither the package nor the erasure names holds a listed person's
// number, and erase cannot tell the record's own person from another
// named in it (a mother's number in her child's record). Nothing was
// changed; --plan (or --person-columns) names the columns.
type UnknownPersonError struct {
	Package string
	// Columns counts, per table and column, the records whose value
	// there named a listed person.
	Columns map[string]map[string]int64
}

func (e *UnknownPersonError) Error() string {
	var parts []string
	for _, table := range slices.Sorted(maps.Keys(e.Columns)) {
		for _, col := range slices.Sorted(maps.Keys(e.Columns[table])) {
			parts = append(parts, fmt.Sprintf("%s.%s (%d records)", table, col, e.Columns[table][col]))
		}
	}
	return fmt.Sprintf("erase %s: refused, nothing changed: %s hold a listed person's number beside another person's, and the package does not say which column is the record's own person (its person:): erasing would remove the records of other persons that merely name the listed one; give the plan (--plan PLAN) or the columns (--person-columns TABLE=COL)", e.Package, strings.Join(parts, ", "))
}

// parentArchived is the reason of a record archived because its parent
// was (mappings.ReasonParentArchived; archive imports no mappings).
const parentArchived = "parent_archived"

// Erase removes every record of the listed persons from a package: each
// record that holds an identifying value in any column, every record that
// refers to a removed record through a foreign key the source declared or
// a parent its mapping declared (package.json lists both; followed until
// nothing more is found), and every value archived alone
// that identifies a person or whose key does. It writes a new version of
// the package beside the old (new chunks, tables, metadata, manifests;
// the event log continued with an "erased" event holding the reference
// and the counts, no identity), verifies it, and only then replaces the
// old version with it. Stopped (ctx) or failing before that, it removes
// the new version and leaves the package as it was; a failed replacement
// puts the old version back. What it cannot clean up (PKG.erase-old,
// which still holds the erased records, or PKG.erase-new) it names, and
// Verify and a later Erase refuse the package while it is there
// (EraseLeftovers).
//
// A record holding a person's number split over two columns (a birth
// date, the last four), or three or four, is found in the columns its
// mapping's person: read (EraseRequest.PersonColumns, else what the
// package records); where neither says, such a pair refuses the erasure,
// nothing changed. A form store's person: may read the number from
// variables, each a value row: the rows of one form (and its entity's
// person columns) are joined as the run's pivot joined them
// (EraseRequest.PersonForms, else PersonDoc.Form), and a form found is
// erased with every value row it has. Where nothing says, two records
// sharing a value of one column whose values of another join into a
// listed number refuse the erasure too (unplacedForms).
//
// Records that belong to a person only through rows the package does not
// hold (a value row whose form instance migrated) cannot be found here:
// the result counts those it can see (values archived alone, records
// whose parent: migrated) as left, and the receiving platform's own
// erasure must name them.
func Erase(ctx context.Context, dir string, req EraseRequest) (*EraseResult, error) {
	if req.Identifies == nil || strings.TrimSpace(req.Reference) == "" {
		return nil, errors.New("an erasure needs the persons and the decision's reference")
	}
	if err := CheckLoggedText("reference", req.Reference); err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	// A leftover of an interrupted erasure beside the package may hold
	// the very records an earlier erasure removed: erasing again would
	// report them gone while it keeps them.
	if left := EraseLeftovers(dir); len(left) > 0 {
		return nil, fmt.Errorf("erase: %s exists (left by an interrupted or failed erasure): it may hold erased persons' records in clear: check it and remove it first", strings.Join(left, " and "))
	}
	old, err := OpenVerified(dir)
	if err != nil {
		return nil, fmt.Errorf("erase: the package must verify first: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("erase %s: stopped, nothing erased: %w", dir, err)
	}
	f, err := old.find(ctx, dir, &req)
	if err != nil {
		return nil, err
	}
	removed, blank, res, declared, forms := f.removed, f.blank, f.res, f.declared, f.forms

	holds := func(t *TableSummary) bool {
		return len(declared[t.Table]) > 0 || slices.ContainsFunc(forms, func(f *erasureForm) bool { return f.ents == t && (len(f.Variables) > 0 || len(f.entCols) > 0) })
	}
	if err := old.childrenLeft(ctx, removed, holds, res.ChildrenLeft); err != nil {
		return nil, err
	}

	next, retired := erasePaths(dir)
	history, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(eventsName)))
	if err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	w, err := Create(next, old.Summary.Meta)
	if err != nil {
		return nil, err
	}
	// The new version says what the old said of its person: columns.
	kept := map[string][]string{}
	for _, t := range old.Summary.Tables {
		if t.Person != nil {
			kept[t.Table] = t.Person.Columns
		}
	}
	w.SetPersonColumns(kept)
	var keptForms []PersonForm
	for _, t := range old.Summary.Tables {
		if t.Person != nil && t.Person.Form != nil && !slices.ContainsFunc(keptForms, func(f PersonForm) bool { return f.Values == t.Person.Form.Values }) {
			keptForms = append(keptForms, *t.Person.Form)
		}
	}
	w.SetPersonForms(keptForms)
	counts := map[string]int64{}
	// Per table too: verify attributes records excluded for erasure
	// since the run to the table the erasure removed them from.
	for _, m := range []map[string]int64{res.Records, res.Linked} {
		for table, n := range m {
			counts["records_removed"] += n
			if n > 0 {
				counts["records_removed."+table] += n
			}
		}
	}
	// Each value erased from a kept record is logged, by table (no
	// identity): the package's log says why a kept record lacks it.
	for table, n := range res.Blanked {
		counts["values_blanked"] += n
		counts["values_blanked."+table] = n
	}
	fail := func(err error) (*EraseResult, error) {
		os.RemoveAll(next)
		return nil, err
	}
	stopped := func() (*EraseResult, error) {
		return fail(fmt.Errorf("erase %s: stopped, nothing erased (the package is as it was): %w", dir, ctx.Err()))
	}
	for i := range old.Summary.Tables {
		t := &old.Summary.Tables[i]
		tbl := t.connectorsTable()
		for _, cols := range blank[t.Table] {
			// An erased value is NULL: the column holds NULLs now,
			// whatever the source declared.
			for _, i := range cols {
				tbl.Columns[i].Nullable = true
			}
		}
		recs, err := old.Records(t.Table)
		if err != nil {
			return fail(err)
		}
		for n := 0; recs.Next(); n++ {
			if n%checkEvery == 0 && ctx.Err() != nil {
				recs.Close()
				return stopped()
			}
			rec := recs.Record()
			if _, gone := removed[t.Table][rec.Row]; gone {
				continue
			}
			o := rec.Outcome
			o.KeyText, o.Values = rec.KeyText, rec.Values
			if cols := blank[t.Table][rec.Row]; len(cols) > 0 {
				o.Values = slices.Clone(rec.Values)
				for _, i := range cols {
					o.Values[i] = nil
				}
			}
			if err := w.Add(tbl, o); err != nil {
				recs.Close()
				return fail(err)
			}
		}
		if err := errors.Join(recs.Err(), recs.Close()); err != nil {
			return fail(err)
		}
		vals, err := old.Values(t.Table)
		if err != nil {
			return fail(err)
		}
		for _, v := range vals {
			if req.identifiesValue(v) {
				res.Values[t.Table]++
				counts["values_removed"]++
				continue
			}
			v.Value.KeyText = v.KeyText
			if err := w.AddValue(tbl, v.Value); err != nil {
				return fail(err)
			}
			res.ValuesLeft[t.Table]++
		}
	}
	w.history = history
	w.closing = &Event{Event: "erased", At: req.At.UTC().Format(time.RFC3339), Who: req.Who, Reference: req.Reference, Count: counts,
		Tool: req.Tool, Note: req.Note}
	if _, err := w.Close(req.At); err != nil {
		return fail(err)
	}
	if err := VerifyEach(next, nil).Err(next); err != nil {
		return fail(fmt.Errorf("erase: the new version fails verification, the old is kept: %w", err))
	}
	// The last moment to stop: past it the old version is replaced.
	if ctx.Err() != nil {
		return stopped()
	}
	if err := renameDir(dir, retired); err != nil {
		return fail(fmt.Errorf("erase: the old version could not be moved aside, it is kept as it was: %w", err))
	}
	if err := renameDir(next, dir); err != nil {
		// The old version goes back in its place, and the new one, a
		// second clear copy, is removed: nothing is left beside the
		// package that a later erasure or verification would miss.
		if back := renameDir(retired, dir); back != nil {
			return nil, fmt.Errorf("erase: NOT done: the new version is %s and the old one, still holding the records, %s; neither could be put back in %s's place (%v): rename the new one to %s by hand and remove the old one: %w", next, retired, dir, back, dir, err)
		}
		os.RemoveAll(next)
		return nil, fmt.Errorf("erase: NOT done: the new version could not be put in the old one's place, the old is kept as it was: %w", err)
	}
	if err := removeAll(retired); err != nil {
		return nil, fmt.Errorf("erase: the old version %s, which still holds the erased records, could not be removed: remove it by hand (until then archive verify and erase refuse the package): %w", retired, err)
	}
	return res, nil
}

// found is what an erasure finds of the persons in a package, before it
// writes anything.
type found struct {
	// removed holds the row numbers to drop per table, and the dropped
	// records' values, which the foreign keys are matched against.
	removed map[string]map[int64][]connectors.Value
	// blank holds, per table and row, the columns whose values erase
	// sets to NULL in a record it keeps.
	blank    map[string]map[int64][]int
	res      *EraseResult
	declared map[string][]int
	forms    []*erasureForm
}

// find finds the persons' records in the package at dir as Erase erases
// them: records naming one (alone, split or in a form) and the records
// referring to those. A split number it cannot place is a
// *SplitNumberError.
func (p *Package) find(ctx context.Context, dir string, req *EraseRequest) (*found, error) {
	declared, err := p.personColumns(req.PersonColumns)
	if err != nil {
		return nil, fmt.Errorf("erase %s: %w", dir, err)
	}
	forms, err := p.personForms(req.PersonForms, declared, req.FoldVariable)
	if err != nil {
		return nil, fmt.Errorf("erase %s: %w", dir, err)
	}
	linkForms(forms)
	if err := p.parentsLinked(ctx); err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	for _, f := range forms {
		many, err := p.findForms(ctx, req, f)
		if err != nil {
			return nil, err
		}
		if many != nil {
			many.Package = dir
			return nil, many
		}
	}
	res := &EraseResult{Records: map[string]int64{}, Linked: map[string]int64{}, Values: map[string]int64{}, ValuesLeft: map[string]int64{}, ChildrenLeft: map[string]int64{}, Blanked: map[string]int64{}}
	// removed holds the row numbers to drop per table, and the dropped
	// records' values, which the foreign keys are matched against.
	removed := map[string]map[int64][]connectors.Value{}
	unplaced := &SplitNumberError{Package: dir}
	unknown := &UnknownPersonError{Package: dir, Columns: map[string]map[string]int64{}}
	// blank holds, per table and row, the columns of values to erase
	// from records kept (another person's record naming a listed one).
	blank := map[string]map[int64][]int{}
	known := func(table string) bool {
		if _, ok := declared[table]; ok {
			return true
		}
		return slices.ContainsFunc(forms, func(f *erasureForm) bool { return f.Entities == table || f.Values == table })
	}
	// kinds notes, per table the erasure was not told of, which parts of
	// a split number each column holds, for unplacedForms.
	kinds := map[string][][3]bool{}
	err = p.eachRecord(ctx, func(t *TableSummary, rec ArchivedRecord) {
		if req.SplitPart != nil && !known(t.Table) {
			noteKinds(kinds, t, rec.Values, req.SplitPart)
		}
		own := formOfPerson(forms, t, rec.Values)
		var others []int
		if !own {
			own, others = req.identifiesRecord(t, rec.Values, declared, unplaced, unknown)
		}
		if own {
			if removed[t.Table] == nil {
				removed[t.Table] = map[int64][]connectors.Value{}
			}
			removed[t.Table][rec.Row] = rec.Values
			res.Records[t.Table]++
			return
		}
		if len(others) > 0 {
			if blank[t.Table] == nil {
				blank[t.Table] = map[int64][]int{}
			}
			blank[t.Table][rec.Row] = others
			res.Blanked[t.Table] += int64(len(others))
		}
	})
	if err != nil {
		return nil, err
	}
	if len(unknown.Columns) > 0 {
		return nil, unknown
	}
	if err := p.unplacedForms(ctx, req, kinds, unplaced); err != nil {
		return nil, err
	}
	if len(unplaced.Tables) > 0 {
		return nil, unplaced
	}
	for changed := true; changed; {
		changed = false
		refs := p.referencedKeys(removed)
		// Only a table with a foreign key to a removed record can hold
		// a record referring to one: nothing removed, nothing read.
		refers := func(t *TableSummary) bool {
			return slices.ContainsFunc(t.ForeignKeys, func(fk ForeignKeyDoc) bool { return len(refs[fkKey(fk.RefTable, fk.RefColumns)]) > 0 })
		}
		err = p.eachRecordIf(ctx, refers, func(t *TableSummary, rec ArchivedRecord) {
			if _, gone := removed[t.Table][rec.Row]; gone {
				return
			}
			for _, fk := range t.ForeignKeys {
				set := refs[fkKey(fk.RefTable, fk.RefColumns)]
				if set == nil {
					continue
				}
				if k, ok := tupleOf(t.Columns, fk.Columns, rec.Values); ok && set[k] {
					if removed[t.Table] == nil {
						removed[t.Table] = map[int64][]connectors.Value{}
					}
					removed[t.Table][rec.Row] = rec.Values
					res.Linked[t.Table]++
					changed = true
					return
				}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	// A record removed by a link is gone: nothing of it to blank.
	for table, rows := range blank {
		for row, cols := range rows {
			if _, gone := removed[table][row]; gone {
				res.Blanked[table] -= int64(len(cols))
				delete(rows, row)
			}
		}
		if res.Blanked[table] == 0 {
			delete(res.Blanked, table)
		}
	}
	return &found{removed: removed, blank: blank, res: res, declared: declared, forms: forms}, nil
}

// identifiesValue reports whether a value archived alone names one of
// the persons, by itself or by its record's key.
func (req *EraseRequest) identifiesValue(v ArchivedValue) bool {
	return identifiesKey(v.KeyText, req.Identifies) || (v.Value.Value != nil && req.Identifies(v.Value.Value))
}

// Holds reports whether the package at dir holds a record or a value
// archived alone of one of the persons req names, found as Erase finds
// them (req.Reference is not asked). A package erased under the same
// reference from another person list holds this list's persons still:
// its event log cannot tell. A split number it cannot place is a
// *SplitNumberError, as Erase refuses it; a package that does not
// verify is an error.
func Holds(ctx context.Context, dir string, req EraseRequest) (bool, error) {
	if req.Identifies == nil {
		return false, errors.New("a search for persons needs the persons")
	}
	p, err := OpenVerified(dir)
	if err != nil {
		return false, fmt.Errorf("archive %s: %w", dir, err)
	}
	return p.holds(ctx, dir, req)
}

// ErasedCopy says whether the package at dir (a clear copy of a package
// being erased) logs an erasure under req.Reference, and, when it does,
// whether it still holds one of the persons req names (Holds: erased
// under the same reference from another person list, it does). Its
// event log is read first, alone: a copy that logs no such erasure is
// refused (erased false) without its records being read, the cost of a
// verification spared; one that does is verified and searched in one
// opening, and one that does not verify is an error, as Holds gives it.
// A package without a readable event log is an error.
func ErasedCopy(ctx context.Context, dir string, req EraseRequest) (erased, held bool, err error) {
	if req.Identifies == nil {
		return false, false, errors.New("a search for persons needs the persons")
	}
	// Its event log alone first: a copy not erased under the reference
	// is refused without reading its records.
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(eventsName)))
	if err != nil {
		return false, false, fmt.Errorf("archive %s: %w", dir, err)
	}
	events, err := parseEvents(dir, b)
	if err != nil {
		return false, false, err
	}
	if !slices.ContainsFunc(events, func(e Event) bool { return e.Event == "erased" && e.Reference == req.Reference }) {
		return false, false, nil
	}
	r := VerifyEach(dir, nil)
	if err := r.Err(dir); err != nil {
		return true, false, fmt.Errorf("archive %s: %w", dir, err)
	}
	held, err = r.Package.holds(ctx, dir, req)
	return true, held, err
}

// holds is Holds of the package p, opened from dir and verified.
func (p *Package) holds(ctx context.Context, dir string, req EraseRequest) (bool, error) {
	f, err := p.find(ctx, dir, &req)
	if err != nil {
		return false, err
	}
	for _, m := range []map[string]int64{f.res.Records, f.res.Blanked} {
		for _, n := range m {
			if n > 0 {
				return true, nil
			}
		}
	}
	for _, t := range p.Summary.Tables {
		vals, err := p.Values(t.Table)
		if err != nil {
			return false, fmt.Errorf("archive %s: %w", dir, err)
		}
		if slices.ContainsFunc(vals, req.identifiesValue) {
			return true, nil
		}
	}
	return false, nil
}

// renameDir and removeAll are os.Rename and os.RemoveAll; a test makes
// them fail.
var (
	renameDir = os.Rename
	removeAll = os.RemoveAll
)

// erasePaths names where an erasure of dir writes the new version and
// moves the old one while it replaces it: beside the package, however
// its path is spelled. Named "." from inside it (or "pkg/."), the names
// were "..erase-old" inside it, and verify and a later erasure missed
// the old version left beside it.
func erasePaths(dir string) (next, retired string) {
	base := filepath.Clean(dir)
	if b := filepath.Base(base); b == "." || b == ".." {
		if abs, err := filepath.Abs(base); err == nil {
			base = abs
		}
	}
	return base + ".erase-new", base + ".erase-old"
}

// Origin gives what tells a package's copies and versions from other
// packages: its first event (the "created" one, its line of the event
// log), which a copy, a sealed and opened one, and every version an
// erasure writes keep.
func Origin(dir string) (string, error) {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(eventsName)))
	if err != nil {
		return "", fmt.Errorf("archive %s: %w", dir, err)
	}
	defer f.Close()
	line, err := bufio.NewReader(f).ReadString('\n')
	if line == "" {
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("the event log is empty")
		}
		return "", fmt.Errorf("archive %s: %w", dir, err)
	}
	return line, nil
}

// EraseLeftovers lists what an interrupted or failed erasure of the
// package at dir left beside it: the new version it was writing, or the
// old one it had moved aside, which still holds the records it erased.
func EraseLeftovers(dir string) []string {
	next, retired := erasePaths(dir)
	var out []string
	for _, p := range []string{next, retired} {
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// SealedErasePaths names where an erasure of the sealed package at path
// (a file) works beside it: the clear copy it opens it into and erases,
// and the folder the new version is sealed in before it replaces it.
func SealedErasePaths(path string) (clear, stage string) {
	return path + ".erase-clear", path + ".erase-sealed"
}

// SealedEraseLeftovers lists what an erasure of the sealed package at
// path, killed halfway, left beside it: its clear working copy (holding
// the persons it was erasing), what erasing that copy left beside it,
// and the folder of the new sealed version.
func SealedEraseLeftovers(path string) []string {
	clear, stage := SealedErasePaths(path)
	var out []string
	for _, p := range append([]string{clear, stage}, EraseLeftovers(clear)...) {
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// identifiesRecord reports whether a record names one of the persons:
// by one of its values, or by two of its table's declared person
// columns joined. Two other values that name a person joined are noted
// in unplaced, per table and pair of columns, and the record is not
// (yet) erased: only the mapping's person: tells a split number from
// two unrelated values.
func (req *EraseRequest) identifiesRecord(t *TableSummary, vals []connectors.Value, declared map[string][]int, unplaced *SplitNumberError, unknown *UnknownPersonError) (own bool, others []int) {
	cols, known := declared[t.Table]
	if known && len(cols) > 0 {
		// The record's person is in its person: columns: a listed
		// number elsewhere in it (a mother's in her child's record) is
		// another person's value, erased, and the record kept.
		var parts []connectors.Value
		for _, i := range cols {
			if vals[i] != nil {
				if req.Identifies(vals[i]) {
					return true, nil
				}
				parts = append(parts, vals[i])
			}
		}
		if req.IdentifiesSplit != nil && req.identifiesJoined(parts) {
			return true, nil
		}
		for i, v := range vals {
			if v != nil && !slices.Contains(cols, i) && req.Identifies(v) {
				others = append(others, i)
			}
		}
		return false, others
	}
	for i, v := range vals {
		if v != nil && req.Identifies(v) {
			if !known && req.NamesPerson != nil && req.namesAnother(vals, i) {
				// Whose record it is the package does not say, and it
				// names another person besides the listed one.
				if unknown.Columns[t.Table] == nil {
					unknown.Columns[t.Table] = map[string]int64{}
				}
				unknown.Columns[t.Table][t.Columns[i].Name]++
				return false, nil
			}
			// A table whose mapping declares no person: its records are
			// the listed person's only through what they name.
			return true, nil
		}
	}
	if req.IdentifiesSplit == nil || known {
		return false, nil
	}
	var parts []int
	kinds := make([]int, len(vals))
	for i, v := range vals {
		if v == nil {
			continue
		}
		kinds[i] = -1
		if req.SplitPart != nil {
			kinds[i] = req.SplitPart(v)
		}
		if kinds[i] != 0 {
			parts = append(parts, i)
		}
	}
	for _, i := range parts {
		for _, j := range parts {
			if i != j && (kinds[i] != kinds[j] || kinds[i] < 0) && req.IdentifiesSplit(vals[i], vals[j]) {
				unplaced.note(t.Table, t.Columns[i].Name, t.Columns[j].Name)
				// One pair names the record: counting it once.
				return false, nil
			}
		}
	}
	return false, nil
}

// namesAnother reports whether a record names a person other than the
// listed one its value at listed names: a value, in another column, that
// is an identity number and no listed person's. NamesPerson is asked
// first, so that Identifies (which counts its unresolved matches) is
// asked only of identity numbers.
func (req *EraseRequest) namesAnother(vals []connectors.Value, listed int) bool {
	for j, o := range vals {
		if j != listed && o != nil && req.NamesPerson(o) && !req.Identifies(o) {
			return true
		}
	}
	return false
}

// maxJoined is the most values a person: reads that are asked joined
// three or four at a time, every order (4 values: 48 orders); as a run,
// which asks no joined number of an expression reading more than four.
// Two at a time are asked of any number of values.
const maxJoined = 4

// identifiesJoined reports whether values a person: reads name a person
// joined: two of them, either order; three or four, every order (at
// most maxJoined values).
func (req *EraseRequest) identifiesJoined(parts []connectors.Value) bool {
	for i := range parts {
		for j := range parts {
			if i != j && req.IdentifiesSplit(parts[i], parts[j]) {
				return true
			}
		}
	}
	if req.IdentifiesJoined == nil || len(parts) < 3 || len(parts) > maxJoined {
		return false
	}
	for k := 3; k <= len(parts); k++ {
		if eachOrder(parts, k, req.IdentifiesJoined) {
			return true
		}
	}
	return false
}

// eachOrder calls fn with every ordered choice of k of vals until it
// reports true.
func eachOrder(vals []connectors.Value, k int, fn func([]connectors.Value) bool) bool {
	used := make([]bool, len(vals))
	pick := make([]connectors.Value, 0, k)
	var walk func() bool
	walk = func() bool {
		if len(pick) == k {
			return fn(slices.Clone(pick))
		}
		for i, v := range vals {
			if used[i] {
				continue
			}
			used[i] = true
			pick = append(pick, v)
			done := walk()
			pick = pick[:len(pick)-1]
			used[i] = false
			if done {
				return true
			}
		}
		return false
	}
	return walk()
}

// childrenLeft counts, per table, the records not removed whose
// mapping's parent: refers to a record the package does not hold: their
// parent migrated, and its person is on the receiving platform. A table
// whose person: reads columns of its own holds the person itself and is
// not counted.
//
// holdsPerson reports whether a table's records hold their person
// themselves: in columns its person: reads, or, for a form store's
// entities, in its columns or its variables' value rows (as the
// erasure was told or the package records).
func (p *Package) childrenLeft(ctx context.Context, removed map[string]map[int64][]connectors.Value, holdsPerson func(*TableSummary) bool, out map[string]int64) error {
	var links []ForeignKeyDoc
	for i, t := range p.Summary.Tables {
		if holdsPerson(&p.Summary.Tables[i]) {
			continue
		}
		for _, fk := range t.ForeignKeys {
			if fk.Parent {
				links = append(links, fk)
			}
		}
	}
	if len(links) == 0 {
		return nil
	}
	held, err := p.heldKeys(ctx, links)
	if err != nil {
		return err
	}
	// Only tables with a parent: link of their own are read.
	hasParent := func(t *TableSummary) bool {
		return !holdsPerson(t) && slices.ContainsFunc(t.ForeignKeys, func(fk ForeignKeyDoc) bool { return fk.Parent })
	}
	return p.eachRecordIf(ctx, hasParent, func(t *TableSummary, rec ArchivedRecord) {
		if _, gone := removed[t.Table][rec.Row]; gone {
			return
		}
		for _, fk := range t.ForeignKeys {
			if !fk.Parent {
				continue
			}
			if k, ok := tupleOf(t.Columns, fk.Columns, rec.Values); ok && !held[fkKey(fk.RefTable, fk.RefColumns)][k] {
				out[t.Table]++
				return
			}
		}
	})
}

// heldKeys gives, for each (table, columns) the links refer to, the
// tuples the package's records of that table hold there.
func (p *Package) heldKeys(ctx context.Context, links []ForeignKeyDoc) (map[string]map[string]bool, error) {
	refs := map[string]map[string]bool{}
	// Only the tables the links refer to are read.
	referred := func(t *TableSummary) bool {
		return slices.ContainsFunc(links, func(fk ForeignKeyDoc) bool { return fk.RefTable == t.Table })
	}
	err := p.eachRecordIf(ctx, referred, func(t *TableSummary, rec ArchivedRecord) {
		for _, fk := range links {
			if fk.RefTable != t.Table {
				continue
			}
			if k, ok := tupleOf(t.Columns, fk.RefColumns, rec.Values); ok {
				key := fkKey(fk.RefTable, fk.RefColumns)
				if refs[key] == nil {
					refs[key] = map[string]bool{}
				}
				refs[key][k] = true
			}
		}
	})
	return refs, err
}

// personColumns checks the declared person columns against the package
// and gives their positions per table. A table or column the package
// lacks is an error: a misspelt name would leave a split number
// unsearched.
func (p *Package) personColumns(declared map[string][]string) (map[string][]int, error) {
	out := map[string][]int{}
	// The package's own record first; the caller's names win.
	for _, t := range p.Summary.Tables {
		if t.Person == nil {
			continue
		}
		if _, given := declared[t.Table]; given {
			continue
		}
		out[t.Table] = []int{}
		for _, n := range t.Person.Columns {
			i := indexOf(t.Columns, n)
			if i < 0 {
				return nil, fmt.Errorf("package.json names column %s of table %s as read by its person:, but the table has no such column", n, t.Table)
			}
			out[t.Table] = append(out[t.Table], i)
		}
	}
	for table, names := range declared {
		t, err := p.table(table)
		if err != nil {
			return nil, fmt.Errorf("person columns: the package holds no archived records of table %s", table)
		}
		out[table] = []int{}
		for _, n := range names {
			i := indexOf(t.Columns, n)
			if i < 0 {
				return nil, fmt.Errorf("person columns: table %s has no column %s", table, n)
			}
			out[table] = append(out[table], i)
		}
	}
	return out, nil
}

// SplitNumberError refuses an erasure: records of tables whose person:
// columns the erasure was not told hold two values that, joined, name a
// listed person (a number split over a birth date and the last four),
// and erase cannot tell them from two unrelated values. Nothing was
// changed.
type SplitNumberError struct {
	Package string
	// Tables lists, per table, the pairs of columns and how many records
	// each pair named a person in.
	Tables []SplitNumberTable
}

// SplitNumberTable is one table's part of a SplitNumberError.
type SplitNumberTable struct {
	Table string
	Pairs []SplitNumberPair
	// Forms lists the columns of two records (a form store's value
	// rows) that joined named a listed person.
	Forms []SplitNumberForm
	// Unsearched lists the columns of groups of records holding more
	// birth dates times last fours than erase asks joined
	// (maxFormPairs): whether two of them name a listed person is not
	// known, and skipping them left a listed number behind.
	Unsearched []SplitNumberForm
}

// SplitNumberForm is a column (Value) in which two records sharing a
// value of another (Entity: a form's id?) held two values that, joined,
// named a listed person, in Groups groups of records.
type SplitNumberForm struct {
	Entity, Value string
	Groups        int64
}

// SplitNumberPair is two columns (the first read first) whose values,
// joined, named a listed person in Records records.
type SplitNumberPair struct {
	First, Second string
	Records       int64
}

func (e *SplitNumberError) tableOf(table string) *SplitNumberTable {
	i := slices.IndexFunc(e.Tables, func(t SplitNumberTable) bool { return t.Table == table })
	if i < 0 {
		e.Tables = append(e.Tables, SplitNumberTable{Table: table})
		i = len(e.Tables) - 1
	}
	return &e.Tables[i]
}

func (e *SplitNumberError) noteForm(table, entity, value string) {
	t := e.tableOf(table)
	noteGroup(&t.Forms, entity, value)
}

func (e *SplitNumberError) noteUnsearched(table, entity, value string) {
	t := e.tableOf(table)
	noteGroup(&t.Unsearched, entity, value)
}

func noteGroup(forms *[]SplitNumberForm, entity, value string) {
	j := slices.IndexFunc(*forms, func(f SplitNumberForm) bool { return f.Entity == entity && f.Value == value })
	if j < 0 {
		*forms = append(*forms, SplitNumberForm{Entity: entity, Value: value})
		j = len(*forms) - 1
	}
	(*forms)[j].Groups++
}

func (e *SplitNumberError) note(table, first, second string) {
	t := e.tableOf(table)
	j := slices.IndexFunc(t.Pairs, func(p SplitNumberPair) bool {
		return (p.First == first && p.Second == second) || (p.First == second && p.Second == first)
	})
	if j < 0 {
		t.Pairs = append(t.Pairs, SplitNumberPair{First: first, Second: second})
		j = len(t.Pairs) - 1
	}
	t.Pairs[j].Records++
}

func (e *SplitNumberError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "erase %s: nothing erased: the package does not record which columns its mappings' person: read (written before packages kept them, or a table no mapping reads), and ", e.Package)
	var parts []string
	for _, t := range e.Tables {
		for _, p := range t.Pairs {
			parts = append(parts, fmt.Sprintf("in table %s, %d records hold in columns %s and %s two values that joined are a listed person's identity number (a number split over a birth date and the last four?)", t.Table, p.Records, p.First, p.Second))
		}
		for _, f := range t.Forms {
			parts = append(parts, fmt.Sprintf("in table %s, %d groups of records sharing a value of column %s hold in column %s, in two records, two values that joined are a listed person's identity number (a form store's value rows, whose person: reads the number from two variables?)", t.Table, f.Groups, f.Entity, f.Value))
		}
		for _, f := range t.Unsearched {
			parts = append(parts, fmt.Sprintf("in table %s, %d groups of records sharing a value of column %s hold in column %s more birth dates times last fours than erase joins (%d), so whether two of them joined are a listed person's identity number is not known (a big form's value rows?)", t.Table, f.Groups, f.Entity, f.Value, maxFormPairs))
		}
	}
	b.WriteString(strings.Join(parts, "; "))
	b.WriteString(", which erase cannot tell from two unrelated values")
	return b.String()
}

// eachRecord calls fn for every record of every table.
func (p *Package) eachRecord(ctx context.Context, fn func(*TableSummary, ArchivedRecord)) error {
	return p.eachRecordIf(ctx, func(*TableSummary) bool { return true }, fn)
}

// eachRecordIf calls fn for every record of the tables keep reports
// true of; the others are not read.
func (p *Package) eachRecordIf(ctx context.Context, keep func(*TableSummary) bool, fn func(*TableSummary, ArchivedRecord)) error {
	for i := range p.Summary.Tables {
		t := &p.Summary.Tables[i]
		if !keep(t) {
			continue
		}
		if err := p.eachRecordOf(ctx, t, func(rec ArchivedRecord) { fn(t, rec) }); err != nil {
			return err
		}
	}
	return nil
}

// parentsLinked refuses a package an erasure cannot follow. A record
// archived because its parent was holds no identity of its own: only a
// link to its parent, archived in the package too, finds it. A package
// written before packages kept the mapping's parent: has none; erasing
// from it would leave those records and say nothing referred to the
// person. A link the source declared to another table (a care unit's)
// does not count: each such record must reach an archived record through
// one of its table's links.
func (p *Package) parentsLinked(ctx context.Context) error {
	need := map[string]bool{}
	for _, t := range p.Summary.Tables {
		if t.Reasons[parentArchived] > 0 {
			need[t.Table] = true
		}
	}
	if len(need) == 0 {
		return nil
	}
	// The keys the archived records hold where a needing table's links
	// refer to.
	var links []ForeignKeyDoc
	for _, t := range p.Summary.Tables {
		if need[t.Table] {
			links = append(links, t.ForeignKeys...)
		}
	}
	refs, err := p.heldKeys(ctx, links)
	if err != nil {
		return err
	}
	unlinked := map[string]int64{}
	err = p.eachRecord(ctx, func(t *TableSummary, rec ArchivedRecord) {
		if !need[t.Table] || rec.Outcome.Reason != parentArchived {
			return
		}
		for _, fk := range t.ForeignKeys {
			if k, ok := tupleOf(t.Columns, fk.Columns, rec.Values); ok && refs[fkKey(fk.RefTable, fk.RefColumns)][k] {
				return
			}
		}
		unlinked[t.Table]++
	})
	if err != nil {
		return err
	}
	for _, t := range p.Summary.Tables {
		if n := unlinked[t.Table]; n > 0 {
			return fmt.Errorf("table %s holds %d records archived because their parent was (%s) that the package links to no archived record (written by %s, before packages kept the mappings' parent:), so an erasure cannot find them: migrate again with this regflytt (regflytt run --restart) for a package that keeps the links, or remove them by hand", t.Table, n, parentArchived, p.Summary.Meta.ToolVersion)
		}
	}
	return nil
}

func fkKey(table string, cols []string) string { return table + "\x00" + strings.Join(cols, "\x00") }

// referencedKeys gives, for each (table, columns) a foreign key refers to,
// the tuples the removed records hold there.
func (p *Package) referencedKeys(removed map[string]map[int64][]connectors.Value) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, t := range p.Summary.Tables {
		for _, fk := range t.ForeignKeys {
			ref, err := p.table(fk.RefTable)
			if err != nil {
				continue // the parent table has no archived records
			}
			key := fkKey(fk.RefTable, fk.RefColumns)
			if out[key] == nil {
				out[key] = map[string]bool{}
			}
			for _, vals := range removed[fk.RefTable] {
				if k, ok := tupleOf(ref.Columns, fk.RefColumns, vals); ok {
					out[key][k] = true
				}
			}
		}
	}
	return out
}

// tupleOf encodes the values of the named columns; ok is false when one
// is NULL (a NULL reference refers to nothing).
func tupleOf(cols []ColumnSummary, names []string, vals []connectors.Value) (string, bool) {
	var row []connectors.Value
	for _, n := range names {
		i := indexOf(cols, n)
		if i < 0 || vals[i] == nil {
			return "", false
		}
		row = append(row, vals[i])
	}
	b, err := connectors.AppendRow(nil, row)
	return string(b), err == nil
}

func identifiesKey(keyText string, identifies func(connectors.Value) bool) bool {
	var key []*string
	if json.Unmarshal([]byte(keyText), &key) != nil {
		return false
	}
	for _, k := range key {
		if k != nil && identifies(*k) {
			return true
		}
		// A text that is not UTF-8 is rendered as its bytes (KeyText):
		// its number is in those bytes.
		if k != nil && strings.HasPrefix(*k, `\x`) {
			if b, err := hex.DecodeString((*k)[2:]); err == nil && identifies(string(b)) {
				return true
			}
		}
	}
	return false
}

// connectorsTable rebuilds the source table a package's table came from.
func (t *TableSummary) connectorsTable() *connectors.Table {
	tbl := &connectors.Table{Name: t.Table, PrimaryKey: t.PrimaryKey}
	for _, c := range t.Columns {
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: c.Name, Type: c.Type.Type(), SourceType: c.SourceType, Charset: c.Charset, Nullable: c.Nullable})
	}
	for _, fk := range t.ForeignKeys {
		name := ""
		if fk.Parent {
			name = ParentKey
		}
		tbl.ForeignKeys = append(tbl.ForeignKeys, connectors.ForeignKey{Name: name, Columns: fk.Columns, RefTable: fk.RefTable, RefColumns: fk.RefColumns})
	}
	return tbl
}
