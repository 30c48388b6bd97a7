package mappings

import (
	"slices"

	"github.com/expr-lang/expr/ast"

	"github.com/regflytt/regflytt/connectors"
)

// Which source values a NULL comes from. An expression that gives NULL
// where a source column it reads holds a value has lost that value —
// unless the value could never have reached the result: a column a
// condition reads only steers the choice, and where that choice was not
// made in this record (the condition sits in a branch not taken), it
// steered nothing. hsa_id == nil ? nil : (id == 1 ? 'x' : hsa_id) passes
// a NULL HSA-id through; id, read only by a condition of the branch not
// taken, is no value lost.
//
// So the columns an expression reads are of two kinds (valueFlow):
//
//   - read as a value (outside any condition): the result carries it,
//     or would in another branch. A NULL result drops it wherever it is
//     read, taken or not: id == 1 ? nil : hsa_id loses hsa_id.
//   - read by a condition: it steers. It counts where the run evaluated
//     the condition (every branch enclosing it taken) and the condition
//     changed the result: b == "1" ? "ja" : (b == "2" ? "nej" : nil)
//     loses b = "3", a code list written by hand that misses.
//
// A condition whose branches read no column as a value (b == "1" ? "ja" :
// "nej", a code list written by hand) makes its value of the columns the
// condition reads alone: they are its source values, carried as a value
// read is, taken or not. datum == nil ? nil : (typ == "A" ? "akut" :
// "planerad") loses typ where datum is NULL.
//
// A condition changed nothing when each of its branches gives NULL in
// this record: the one taken gave NULL, and the one not taken is known to
// (nil, a column that is NULL here, a ?? or condition of such): so
// id == 1 ? nil : hsa_id with hsa_id NULL loses nothing. Where what the
// branch not taken would give is not known (a function of a NULL may give
// a value), the condition counts: loud, never silent. Nothing else is
// taken for steering: a function's or operator's argument, a let value no
// one uses, a coalesce candidate, a lookup key are read as values. and/or
// are not followed: a column a condition reads counts although || or &&
// did not evaluate it (loud).

// valueFlow is what an expression reads, by kind.
type valueFlow struct {
	// carries marks the columns read as a value somewhere (or bound by a
	// let no one uses: counted as read).
	carries map[int]bool
	// steers are the places a column is read by a condition.
	steers []steerRead
	// conds are the expression's conditions (?:, if/else).
	conds []condSite
}

// steerRead is a column read by a condition: the branches enclosing the
// place, and the conditions whose condition it is in, innermost last (a
// condition inside a condition steers through the outer one).
type steerRead struct {
	col   int
	path  []int
	conds []int
}

// condSite is one condition: its two branches, and per branch whether the
// columns that, all NULL, make it NULL are known (nullKnown), and which
// (null).
type condSite struct {
	branch    [2]int
	null      [2][]int
	nullKnown [2]bool
	// made says its branches read no column as a value: its value is
	// made of the columns its condition reads.
	made bool
}

// openCond starts resolving the condition of a conditional: the columns
// read until closeCond steer it. It gives the conditional's index.
func (r *resolver) openCond() int {
	if !r.tracking() {
		return -1
	}
	r.conds = append(r.conds, condSite{})
	k := len(r.conds) - 1
	r.condStack = append(r.condStack, k)
	return k
}

func (r *resolver) closeCond(k int) {
	if k >= 0 {
		r.condStack = r.condStack[:len(r.condStack)-1]
	}
}

// endCond notes a conditional's branches, resolved (compiled to fnTook):
// their ids, what makes them NULL, and whether they read no column as a
// value (made).
func (r *resolver) endCond(k, t, f int, exp1, exp2 ast.Node, made bool) {
	if k < 0 {
		return
	}
	c := &r.conds[k]
	c.branch, c.made = [2]int{t, f}, made
	c.null[0], c.nullKnown[0] = r.nullColumns(exp1)
	c.null[1], c.nullKnown[1] = r.nullColumns(exp2)
}

// steer notes column i read by the conditions enclosing the place.
func (r *resolver) steer(i int) {
	r.steers = append(r.steers, steerRead{col: i, path: slices.Clone(r.path), conds: slices.Clone(r.condStack)})
}

// nullColumns gives, for a resolved node, the columns that, all NULL in a
// record, make it NULL, and whether they are known: nil, a column as
// read, a let variable (or a definition's parameter) bound to such, a
// branch, a ?? or coalesce, a conditional of such. Anything else (a
// function may make a value of a NULL) is not known.
func (r *resolver) nullColumns(n ast.Node) ([]int, bool) {
	switch x := n.(type) {
	case *ast.NilNode:
		return nil, true
	case *ast.IdentifierNode:
		for j := len(r.bound) - 1; j >= 0; j-- {
			if r.bound[j].name == x.Value {
				return r.bound[j].null, r.bound[j].nullKnown
			}
		}
	case *ast.MemberNode:
		id, ok1 := x.Node.(*ast.IdentifierNode)
		i, ok2 := x.Property.(*ast.IntegerNode)
		if ok1 && ok2 && id.Value == "R" && !x.Optional {
			return []int{i.Value}, true
		}
	case *ast.CallNode:
		id, _ := x.Callee.(*ast.IdentifierNode)
		switch {
		case id == nil || len(x.Arguments) < 2:
		case id.Value == fnTook && len(x.Arguments) == 3:
			return r.nullColumns(x.Arguments[2])
		case id.Value == fnChoose:
			return r.unionNull(x.Arguments[2:])
		}
	case *ast.ConditionalNode:
		return r.unionNull([]ast.Node{x.Exp1, x.Exp2})
	}
	return nil, false
}

func (r *resolver) unionNull(nodes []ast.Node) ([]int, bool) {
	var out []int
	for _, n := range nodes {
		cols, ok := r.nullColumns(n)
		if !ok {
			return nil, false
		}
		for _, c := range cols {
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out, true
}

// flow gives what the resolved expression reads, by kind; nil when the
// resolver did not track it.
func (r *resolver) flow() *valueFlow {
	if !r.tracking() {
		return nil
	}
	f := &valueFlow{carries: map[int]bool{}, steers: r.steers, conds: r.conds}
	for _, name := range r.read {
		i := r.cols[name]
		if len(r.valueOccurs[i]) > 0 || len(r.occurs[i]) == 0 {
			f.carries[i] = true
		}
	}
	for _, st := range r.steers {
		// Read by a condition whose value is made of what it reads (or
		// steering one that is): the column is that value's source.
		if slices.ContainsFunc(st.conds, func(k int) bool { return r.conds[k].made }) {
			f.carries[st.col] = true
		}
	}
	return f
}

// dropped gives a non-NULL source column whose value the expression's
// last run, which gave NULL, dropped: one read as a value, else one that
// steered the run to the NULL. ok is false when the NULL passed NULLs
// through. Without what the run took (s nil) or the flow, every column
// read counts.
func (c *compiledExpr) dropped(row []connectors.Value, reads []int, s *choiceState) (col int, ok bool) {
	f := c.flow
	if f == nil || s == nil {
		for _, r := range reads {
			if row[r] != nil {
				return r, true
			}
		}
		return 0, false
	}
	for _, r := range reads {
		if row[r] != nil && f.carries[r] {
			return r, true
		}
	}
	for i := range f.steers {
		st := &f.steers[i]
		if row[st.col] != nil && onTakenPath([][]int{st.path}, s.taken) && f.changed(st.conds, row, s) {
			return st.col, true
		}
	}
	return 0, false
}

// changed reports whether each of the conditions can have changed the
// result: none gives NULL in both its branches in this record.
func (f *valueFlow) changed(conds []int, row []connectors.Value, s *choiceState) bool {
	for _, k := range conds {
		if f.conds[k].bothNull(row, s) {
			return false
		}
	}
	return true
}

// bothNull reports whether both branches of the conditional give NULL in
// the record: a branch the run took gave only NULL, one it did not is
// known to be NULL (nullColumns) as its columns are.
func (c *condSite) bothNull(row []connectors.Value, s *choiceState) bool {
	for b, id := range c.branch {
		if id >= len(s.taken) || id >= len(s.gave) {
			return false
		}
		if s.taken[id] {
			if s.gave[id] {
				return false
			}
			continue
		}
		if !c.nullKnown[b] || slices.ContainsFunc(c.null[b], func(i int) bool { return row[i] != nil }) {
			return false
		}
	}
	return true
}

// nullByRule reports whether the function of that name gives NULL by a
// documented rule (Function.nullByRule).
func nullByRule(name string) bool {
	for _, f := range Functions() {
		if f.Name == name {
			return f.nullByRule
		}
	}
	return false
}

// droppedBeside gives a non-NULL source column whose value the
// expression's last run dropped beside a function's documented NULL: the
// NULL is declared for the values such a function read (ruleReads), not
// for another that the result carries and the run read on its way, as in
// strip(b) ?? (a == "x" ? nil : a) with b blank and a "x", which loses a.
// A column read only in a branch not taken is the choice: check's
// (unread); one that only steered chose where the NULL came from, which
// the function declares.
func (c *compiledExpr) droppedBeside(row []connectors.Value, reads []int, s *choiceState) (col int, ok bool) {
	for _, r := range reads {
		if row[r] == nil || slices.Contains(c.ruleReads, r) {
			continue
		}
		if c.flow != nil && s != nil && (!c.flow.carries[r] || !c.readOnPath(r, s.taken)) {
			continue
		}
		return r, true
	}
	return 0, false
}

// readOnPath reports whether a run that took the branches taken read
// column r: one read outside every branch (or in a let value no one
// uses, counted as read) always is.
func (c *compiledExpr) readOnPath(r int, taken []bool) bool {
	for i := range c.branchReads {
		if br := &c.branchReads[i]; br.col == r {
			return len(br.paths) == 0 || br.readIn(taken)
		}
	}
	return true
}
