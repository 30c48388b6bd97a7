package mappings

import (
	"fmt"
	"slices"

	"github.com/expr-lang/expr/ast"
	exprcompiler "github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/regflytt/regflytt/connectors"
)

// Which source values a NULL comes from. An expression that gives NULL
// where a source column it reads holds a value has lost that value —
// unless the value could never have reached the result: a column a
// condition reads only steers the choice, and where that choice was not
// made in this record (the condition sits in a branch not taken), it
// steered nothing. hsa_id == nil ? nil : (id == 1 ? 'x' : hsa_id) passes
// a NULL HSA-id through; id, read only by a condition of the branch not
// taken, is no value lost — unless it would choose 'x', a value made of
// id alone (condSite.makes), which the NULL then dropped.
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
	// makes is the branch (0, 1) that alone reads no column as a value
	// and is no NULL (a constant: "akut" in b == "A" ? "akut" : a), -1
	// for none: where that branch is chosen, the value is made of the
	// condition's columns. cond is the condition, resolved, and prog it
	// compiled alone (nil where it reads a variable), to tell in a
	// record that did not run it which branch it would choose.
	makes int
	cond  ast.Node
	prog  *vm.Program
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
// their ids, what makes them NULL, and whether it is made: both branches
// read no column as a value (noValue), or one does and is not NULL
// whatever the record holds (a constant, "akut" in b == "A" ? "akut" : a,
// whose value is b's).
func (r *resolver) endCond(k, t, f int, exp1, exp2 ast.Node, noValue [2]bool) {
	if k < 0 {
		return
	}
	c := &r.conds[k]
	c.branch = [2]int{t, f}
	c.null[0], c.nullKnown[0] = r.nullColumns(exp1)
	c.null[1], c.nullKnown[1] = r.nullColumns(exp2)
	c.made, c.makes = noValue[0] && noValue[1], -1
	for b := range noValue {
		if !c.made && noValue[b] && (!c.nullKnown[b] || len(c.null[b]) > 0) {
			c.makes = b
		}
	}
}

// compileMakes compiles alone each condition with a branch that makes its
// value (condSite.makes) and reads nothing but the row and functions: a
// let variable or a closure's # is known only where the expression runs.
// The tree is checked (types patched) and not yet optimized.
func (f *valueFlow) compileMakes(source file.Source, config *conf.Config) error {
	if f == nil {
		return nil
	}
	for k := range f.conds {
		c := &f.conds[k]
		if c.makes < 0 || c.cond == nil || !readsRowOnly(c.cond) {
			continue
		}
		prog, err := exprcompiler.Compile(&parser.Tree{Node: c.cond, Source: source}, config)
		if err != nil {
			return fmt.Errorf("compiling a condition alone: %w", err)
		}
		c.prog = prog
	}
	return nil
}

// readsRowOnly reports whether a resolved node names nothing but the row
// (R), the choice state (C) and functions it calls.
func readsRowOnly(n ast.Node) bool {
	callees := map[ast.Node]bool{}
	ast.Walk(&n, visitFunc(func(node *ast.Node) {
		if c, ok := (*node).(*ast.CallNode); ok {
			callees[c.Callee] = true
		}
	}))
	only := true
	ast.Walk(&n, visitFunc(func(node *ast.Node) {
		switch x := (*node).(type) {
		case *ast.IdentifierNode:
			if x.Value != "R" && x.Value != choiceEnv && !callees[x] {
				only = false
			}
		case *ast.PointerNode, *ast.VariableDeclaratorNode, *ast.PredicateNode:
			only = false
		}
	}))
	return only
}

type visitFunc func(*ast.Node)

func (v visitFunc) Visit(n *ast.Node) { v(n) }

// wouldMake reports whether a condition the record's run did not evaluate
// that the steering read st is in would have chosen a branch that makes
// its value of the condition's columns: then the value is theirs, and a
// NULL result dropped it. Where that cannot be told (the condition reads a
// variable, or fails on this row) it would: loud, never silent.
func (c *compiledExpr) wouldMake(st *steerRead, row []connectors.Value) bool {
	for _, k := range st.conds {
		cs := &c.flow.conds[k]
		if cs.makes < 0 {
			continue
		}
		if cs.prog == nil {
			return true
		}
		declared, by := c.declaredNull, c.declaredBy
		out, err := vm.Run(cs.prog, &exprEnv{R: row})
		c.declaredNull, c.declaredBy = declared, by
		b, ok := out.(bool)
		if err != nil || !ok || b == (cs.makes == 0) {
			return true
		}
	}
	return false
}

// makesUnread reports whether column col, which the record's run did not
// read, would have made the value by a condition the run did not
// evaluate (wouldMake).
func (c *compiledExpr) makesUnread(col int, row []connectors.Value, taken []bool) bool {
	for i := range c.flow.steers {
		st := &c.flow.steers[i]
		if st.col == col && !onTakenPath([][]int{st.path}, taken) && c.wouldMake(st, row) {
			return true
		}
	}
	return false
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
			if row[r] != nil && !c.copiedAt(r) {
				return r, true
			}
		}
		return 0, false
	}
	for _, r := range reads {
		if row[r] != nil && f.carries[r] && !c.copiedAt(r) {
			return r, true
		}
	}
	for i := range f.steers {
		st := &f.steers[i]
		if row[st.col] == nil || c.copiedAt(st.col) {
			continue
		}
		if onTakenPath([][]int{st.path}, s.taken) {
			if f.changed(st.conds, row, s) {
				return st.col, true
			}
		} else if c.wouldMake(st, row) {
			return st.col, true
		}
	}
	return 0, false
}

// copiedAt reports whether another receiving column of the table copies
// source column col as it is: its value is in the target there, so what
// this expression leaves of it loses nothing (the key a condition reads,
// id == 1 ? "x" : a, is the usual case).
func (c *compiledExpr) copiedAt(col int) bool {
	return col < len(c.copiedElsewhere) && c.copiedElsewhere[col]
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
