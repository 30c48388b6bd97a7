package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
// old version with it.
//
// Records that belong to a person only through rows the package does not
// hold (a value row whose form instance migrated) cannot be found here:
// the result says nothing about them, and the receiving platform's own
// erasure must cover them.
func Erase(dir string, req EraseRequest) (*EraseResult, error) {
	if req.Identifies == nil || strings.TrimSpace(req.Reference) == "" {
		return nil, errors.New("an erasure needs the persons and the decision's reference")
	}
	old, err := OpenVerified(dir)
	if err != nil {
		return nil, fmt.Errorf("erase: the package must verify first: %w", err)
	}
	if err := old.parentsLinked(); err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	res := &EraseResult{Records: map[string]int64{}, Linked: map[string]int64{}, Values: map[string]int64{}}
	// removed holds the row numbers to drop per table, and the dropped
	// records' values, which the foreign keys are matched against.
	removed := map[string]map[int64][]connectors.Value{}
	err = old.eachRecord(func(t *TableSummary, rec ArchivedRecord) {
		for _, v := range rec.Values {
			if v != nil && req.Identifies(v) {
				if removed[t.Table] == nil {
					removed[t.Table] = map[int64][]connectors.Value{}
				}
				removed[t.Table][rec.Row] = rec.Values
				res.Records[t.Table]++
				return
			}
		}
	})
	if err != nil {
		return nil, err
	}
	for changed := true; changed; {
		changed = false
		refs := old.referencedKeys(removed)
		err = old.eachRecord(func(t *TableSummary, rec ArchivedRecord) {
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

	next := strings.TrimRight(dir, "/") + ".erase-new"
	if _, err := os.Stat(next); err == nil {
		return nil, fmt.Errorf("erase: %s exists (left by an interrupted erasure?): check it and remove it first", next)
	}
	history, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(eventsName)))
	if err != nil {
		return nil, fmt.Errorf("erase: %w", err)
	}
	w, err := Create(next, old.Summary.Meta)
	if err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for _, m := range []map[string]int64{res.Records, res.Linked} {
		for _, n := range m {
			counts["records_removed"] += n
		}
	}
	fail := func(err error) (*EraseResult, error) {
		os.RemoveAll(next)
		return nil, err
	}
	for i := range old.Summary.Tables {
		t := &old.Summary.Tables[i]
		tbl := t.connectorsTable()
		recs, err := old.Records(t.Table)
		if err != nil {
			return fail(err)
		}
		for recs.Next() {
			rec := recs.Record()
			if _, gone := removed[t.Table][rec.Row]; gone {
				continue
			}
			o := rec.Outcome
			o.KeyText, o.Values = rec.KeyText, rec.Values
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
			if identifiesKey(v.KeyText, req.Identifies) || (v.Value.Value != nil && req.Identifies(v.Value.Value)) {
				res.Values[t.Table]++
				counts["values_removed"]++
				continue
			}
			v.Value.KeyText = v.KeyText
			if err := w.AddValue(tbl, v.Value); err != nil {
				return fail(err)
			}
		}
	}
	w.history = history
	w.closing = &Event{Event: "erased", At: req.At.UTC().Format(time.RFC3339), Who: req.Who, Reference: req.Reference, Count: counts,
		Tool: req.Tool}
	if _, err := w.Close(req.At); err != nil {
		return fail(err)
	}
	if probs := Verify(next); len(probs) > 0 {
		return fail(fmt.Errorf("erase: the new version fails verification, the old is kept: %v", probs))
	}
	retired := strings.TrimRight(dir, "/") + ".erase-old"
	if err := os.Rename(dir, retired); err != nil {
		return fail(fmt.Errorf("erase: %w", err))
	}
	if err := os.Rename(next, dir); err != nil {
		return nil, fmt.Errorf("erase: the new version is %s, the old %s: rename the new one to %s by hand: %w", next, retired, dir, err)
	}
	if err := os.RemoveAll(retired); err != nil {
		return nil, fmt.Errorf("erase: the old version %s could not be removed: remove it by hand: %w", retired, err)
	}
	return res, nil
}

// eachRecord calls fn for every record of every table.
func (p *Package) eachRecord(fn func(*TableSummary, ArchivedRecord)) error {
	for i := range p.Summary.Tables {
		t := &p.Summary.Tables[i]
		recs, err := p.Records(t.Table)
		if err != nil {
			return err
		}
		for recs.Next() {
			fn(t, recs.Record())
		}
		if err := errors.Join(recs.Err(), recs.Close()); err != nil {
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
func (p *Package) parentsLinked() error {
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
	refs := map[string]map[string]bool{}
	var links []ForeignKeyDoc
	for _, t := range p.Summary.Tables {
		if need[t.Table] {
			links = append(links, t.ForeignKeys...)
		}
	}
	err := p.eachRecord(func(t *TableSummary, rec ArchivedRecord) {
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
	if err != nil {
		return err
	}
	unlinked := map[string]int64{}
	err = p.eachRecord(func(t *TableSummary, rec ArchivedRecord) {
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
