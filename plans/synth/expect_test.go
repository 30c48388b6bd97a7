package synth_test

import (
	"fmt"
	"sort"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"
)

// A row's outcome depends on more than its own defect once a mapping
// declares parents: a follow-up of an operation archived for a zero date
// is archived too (parent_archived), the forms of a patient whose row is
// gone are orphans, and the value rows of a form store follow their form
// instance. The catalogue says what each defect does to the row that
// carries it; expectations derive every row's final outcome from those
// lines and the declared links, the way the runner must, so that the
// defect tests can hold each row, clean or not, to it.

// expect is one source row's expected final outcome.
type expect struct {
	outcome, reason string
	// line is the catalogue line of the row's own defect, nil for a clean
	// row.
	line *catWhere
	// derived: the outcome is its parent's (or form instance's) doing,
	// not its own line's.
	derived bool
	// wrong says why a row's own line cannot be what the links give it
	// (a line saying orphan of a row whose parent is there), "" when it can.
	wrong string
}

// structural reasons are given by the links, the duplicates rules, the
// merge and the receiving keys, after a row's own mapping found nothing
// wrong with it: the row's own outcome is migrated until the links decide
// (a sub-register report of an archived patient is archived with them
// before it could conflict with the other register's).
var structural = map[string]bool{
	mappings.ReasonOrphan: true, mappings.ReasonParentArchived: true,
	mappings.ReasonDuplicateRegistration: true, plans.ReasonDuplicateKey: true,
	mappings.ReasonMergeConflict: true,
}

// structuralOf adds to structural the mapping's own names for a merge
// conflict (a merged source's column with reasons: {merge_conflict: …}):
// the merge gives them, after the links.
func structuralOf(prog *mappings.Program) map[string]bool {
	out := map[string]bool{}
	for r := range structural {
		out[r] = true
	}
	for _, tp := range prog.Tables {
		if tp.Merge == nil {
			continue
		}
		for _, c := range tp.Mapping.Columns {
			if to, ok := c.Reasons[mappings.ReasonMergeConflict]; ok {
				out[to.Value] = true
			}
		}
	}
	return out
}

// linkReasons are the structural reasons the parent links give; the
// others are the duplicates rules' and the receiving keys'.
var linkReasons = map[string]bool{mappings.ReasonOrphan: true, mappings.ReasonParentArchived: true}

// expectations gives the expected final outcome of every row of every
// mapped table, by table and id.
func expectations(x *targetIndex, injected []synth.Injection, cat map[[2]string]catWhere) map[string]map[int64]*expect {
	lines := map[string]map[int64]*catWhere{}
	for _, in := range injected {
		w, ok := cat[[2]string{string(in.Defect), in.Table}]
		if !ok {
			continue
		}
		if lines[in.Table] == nil {
			lines[in.Table] = map[int64]*catWhere{}
		}
		lines[in.Table][in.Key] = &w
	}
	exp := map[string]map[int64]*expect{}
	structural := structuralOf(x.prog)
	own := func(table string, id int64) *expect {
		w := lines[table][id]
		if w == nil {
			return &expect{outcome: "migrated"}
		}
		e := &expect{outcome: w.Outcome, reason: w.Reason, line: w}
		if structural[w.Reason] {
			e.outcome, e.reason = "migrated", ""
		}
		return e
	}
	// settle gives a row still migrated after its links the structural
	// reason its own line names, and checks a link reason the line names
	// against what the links gave.
	settle := func(e *expect) {
		w := e.line
		if w == nil || !structural[w.Reason] {
			return
		}
		switch {
		case linkReasons[w.Reason]:
			if e.outcome != w.Outcome || e.reason != w.Reason {
				e.wrong = fmt.Sprintf("the catalogue says %s %s, but its parent makes it %s %s", w.Outcome, w.Reason, e.outcome, e.reason)
			}
		case e.outcome == "migrated":
			e.outcome, e.reason = w.Outcome, w.Reason
		}
	}
	for _, tp := range x.prog.InParentOrder() {
		rt := tp.RecordsTable()
		rows := x.sourceRows(rt.Name)
		if exp[rt.Name] == nil {
			exp[rt.Name] = map[int64]*expect{}
		}
		for id, row := range rows {
			e := own(rt.Name, id)
			if p := tp.Parent; p != nil {
				var parent *expect
				if k, ok := row[p.KeyIndex[0]].(int64); ok {
					parent = exp[p.Records.Name][k]
				}
				e = follow(e, parent)
			}
			settle(e)
			exp[rt.Name][id] = e
		}
		if tp.EAV == nil {
			continue
		}
		vt := tp.EAV.Values.Name
		if exp[vt] == nil {
			exp[vt] = map[int64]*expect{}
		}
		for id, row := range x.sourceRows(vt) {
			e := own(vt, id)
			var ent *expect
			if k, ok := row[tp.EAV.Entity].(int64); ok {
				ent = exp[rt.Name][k]
			}
			switch {
			case ent == nil:
				e = &expect{outcome: "archived", reason: mappings.ReasonOrphan, line: e.line, derived: true}
			case ent.outcome == "excluded":
				e = &expect{outcome: "excluded", reason: ent.reason, line: e.line, derived: e.outcome != "excluded" || e.reason != ent.reason}
			case ent.derived && e.outcome == "migrated":
				e = &expect{outcome: "archived", reason: ent.reason, line: e.line, derived: true}
			}
			settle(e)
			exp[vt][id] = e
		}
	}
	return exp
}

// follow is the runner's rule (see plans' followParent): an excluded row
// stays excluded; a row with no parent is an orphan unless archived for a
// reason of its own; an excluded parent excludes; an archived parent
// archives a row that would migrate.
func follow(e *expect, parent *expect) *expect {
	derived := func(outcome, reason string) *expect {
		return &expect{outcome: outcome, reason: reason, line: e.line, derived: true}
	}
	switch {
	case e.outcome == "excluded":
		return e
	case parent == nil:
		if e.outcome == "archived" {
			return e
		}
		return derived("archived", mappings.ReasonOrphan)
	case parent.outcome == "excluded":
		return derived("excluded", parent.reason)
	case parent.outcome == "archived" && e.outcome == "migrated":
		return derived("archived", mappings.ReasonParentArchived)
	}
	return e
}

// sourceRows reads a whole (small) source table by id.
func (x *targetIndex) sourceRows(table string) map[int64][]connectors.Value {
	if x.srcRows[table] == nil {
		st := x.srcTs[table]
		if st == nil {
			x.t.Fatalf("the source has no table %s", table)
		}
		rows := map[int64][]connectors.Value{}
		idCol := st.ColumnIndex(st.PrimaryKey[0])
		x.scan(x.src, st, nil, func(r []connectors.Value) { rows[r[idCol].(int64)] = r })
		x.srcRows[table] = rows
	}
	return x.srcRows[table]
}

// tally counts expected outcomes by table and reason.
func tally(exp map[string]map[int64]*expect, outcome string) map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	for table, rows := range exp {
		for _, e := range rows {
			if e.outcome != outcome {
				continue
			}
			if out[table] == nil {
				out[table] = map[string]int64{}
			}
			out[table][e.reason]++
		}
	}
	return out
}

// sortedIDs lists a table's ids in order, for stable messages.
func sortedIDs(rows map[int64]*expect) []int64 {
	out := make([]int64, 0, len(rows))
	for id := range rows {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
