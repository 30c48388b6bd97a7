package mappings

import (
	"slices"
	"strings"

	"github.com/expr-lang/expr/ast"

	"github.com/regflytt/regflytt/connectors"
)

// A choice gives a receiving column one of several values: coalesce(a, b)
// and a ?? b give the first that is not NULL. When a later one holds a
// value too, and another, that value reaches neither the target nor the
// archive, and the record still feeds the column one source value: the
// value equation balanced, and the run and verify passed with a registry
// value gone. So a column whose choice leaves out a differing value of a
// source column fails with values_differ (the record is archived, or under
// value granularity the column's values alone), unless the column says
// why the first wins (choice:, reviewed by the registry holder): then the
// values left out are counted per column (values_not_chosen_by), as a
// declared NULL is. Equal values are one value, not a loss.
// A condition's branches are choices too (below).

// ReasonValuesDiffer archives a record (or under value granularity the
// column's values) whose column chose between two differing source
// values with no choice: declared.
const ReasonValuesDiffer = "values_differ"

// fnChoose is the hidden function coalesce() and ?? are compiled to:
// __choose(C, site, candidates…).
const fnChoose = "__choose"

// choiceEnv names the exprEnv field holding the row's choiceState.
const choiceEnv = "C"

// choiceSite is one coalesce() or ?? of an expression: the source
// columns each candidate reads, fixed when compiling.
type choiceSite struct{ args [][]int }

// choiceState is what the last run of a column's expression left out: per
// row, in the applier (applyState), never in the compiled program.
type choiceState struct {
	notChosen []choiceNote
	// taken says which branches the run took (fnTook), gave which of
	// those gave a value (not NULL).
	taken, gave []bool
}

// choiceNote is a candidate a choice left out: its site and position, and
// the position of the one chosen.
type choiceNote struct{ site, arg, winner int }

// reset readies the state for a run of an expression of n branches.
func (s *choiceState) reset(branches int) {
	if s == nil {
		return
	}
	s.notChosen = s.notChosen[:0]
	if cap(s.taken) < branches {
		s.taken, s.gave = make([]bool, branches), make([]bool, branches)
		return
	}
	s.taken, s.gave = s.taken[:branches], s.gave[:branches]
	clear(s.taken)
	clear(s.gave)
}

// choice compiles coalesce(args) or a ?? b, whose arguments are resolved
// already, to fnChoose with its site, so that a run can tell which
// source values it left out.
func (r *resolver) choice(node *ast.Node, args []ast.Node) {
	if r.cols == nil || !r.mode.choices {
		return
	}
	site := choiceSite{}
	for _, a := range args {
		site.args = append(site.args, r.readsOf(a))
	}
	r.choices = append(r.choices, site)
	call := append([]ast.Node{&ast.IdentifierNode{Value: choiceEnv}, &ast.IntegerNode{Value: len(r.choices) - 1}}, args...)
	r.call(node, fnChoose, call...)
}

// binding is a let variable or a definition's parameter in scope, and
// the source columns its value reads: coalesce(x, y) over variables
// chooses between the columns they were bound to.
type binding struct {
	name  string
	reads []int
	// null lists the columns that, all NULL, make the value NULL, where
	// nullKnown (valueflow.go).
	null      []int
	nullKnown bool
}

// bind puts a variable in scope, unbind takes the last n out.
func (r *resolver) bind(name string, value ast.Node) {
	if r.mode.choices && r.cols != nil {
		null, known := r.nullColumns(value)
		r.bound = append(r.bound, binding{name: name, reads: r.readsOf(value), null: null, nullKnown: known})
	}
}

func (r *resolver) unbind(n int) {
	if r.mode.choices && r.cols != nil {
		r.bound = r.bound[:len(r.bound)-n]
	}
}

// readsVisitor collects the source columns (R[i]) a resolved subtree
// reads, through the variables it names.
type readsVisitor struct {
	r     *resolver
	reads []int
}

func (v *readsVisitor) add(i int) {
	if !slices.Contains(v.reads, i) {
		v.reads = append(v.reads, i)
	}
}

func (v *readsVisitor) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.MemberNode:
		id, ok1 := n.Node.(*ast.IdentifierNode)
		i, ok2 := n.Property.(*ast.IntegerNode)
		if ok1 && ok2 && id.Value == "R" {
			v.add(i.Value)
		}
	case *ast.IdentifierNode:
		for j := len(v.r.bound) - 1; j >= 0; j-- {
			if v.r.bound[j].name == n.Value {
				for _, i := range v.r.bound[j].reads {
					v.add(i)
				}
				return
			}
		}
	}
}

func (r *resolver) readsOf(n ast.Node) []int {
	v := &readsVisitor{r: r}
	ast.Walk(&n, v)
	return v.reads
}

// choose is fnChoose: the first candidate that is not NULL, noting each
// later one that holds a value of a source column the chosen one does not
// read and differs from it.
func choose(args ...any) (any, error) {
	state, _ := args[0].(*choiceState)
	site, _ := args[1].(int)
	cands := args[2:]
	winner := -1
	for i, c := range cands {
		if c != nil {
			winner = i
			break
		}
	}
	if winner < 0 {
		return nil, nil
	}
	if state == nil {
		return cands[winner], nil
	}
	for i := winner + 1; i < len(cands); i++ {
		if cands[i] == nil {
			continue
		}
		if eq, err := equalValues(cands[i], cands[winner]); err == nil && eq {
			continue
		}
		state.notChosen = append(state.notChosen, choiceNote{site: site, arg: i, winner: winner})
	}
	return cands[winner], nil
}

// notChosen counts the source values the column's last expression run
// left out: candidates that read a source column the chosen one does not
// (a constant, or another form of the same value, is not a source value
// left out).
func (c *compiledExpr) notChosen(s *choiceState) []choiceNote {
	if c == nil || s == nil || len(s.notChosen) == 0 {
		return nil
	}
	var out []choiceNote
	for _, n := range s.notChosen {
		if n.site >= len(c.choices) {
			continue
		}
		site := c.choices[n.site]
		for _, r := range site.args[n.arg] {
			if !slices.Contains(site.args[n.winner], r) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// differError is the failure of a column whose choice left out a
// differing value, naming the source columns but never the values.
func (p *TableProgram) differError(cp *columnProgram, n choiceNote) error {
	site := cp.expr.choices[n.site]
	names := func(reads []int) string {
		var s []string
		for _, r := range reads {
			s = append(s, p.Source.Columns[r].Name)
		}
		if len(s) == 0 {
			return "a constant"
		}
		return strings.Join(s, ", ")
	}
	return &reasonError{Reason: ReasonValuesDiffer, Detail: "the column takes the value of " + names(site.args[n.winner]) +
		", and " + names(site.args[n.arg]) + " holds another: say why the first wins (choice:), or the other is lost"}
}

// A condition chooses too: typ == "A" ? vikt_a : vikt_b reads vikt_b only
// when typ is not "A", and a vikt_b that holds a value then reaches
// nowhere. Each branch of a condition (?:, if/else) is compiled to fnTook, which notes that the run took it; a
// column read only inside branches is read by a run that took every
// branch on one of the paths to it (and/or give a truth, never a value, so
// their sides are not branches). A column a run did not read, whose
// value is not one it did read (or the result), is left out as a
// coalesce's later value is. A column bound by let (or a definition's
// parameter) is read where the variable is.

// fnTook is the hidden function a branch is compiled to: __took(C, id, v).
const fnTook = "__took"

// branchRead is a column an expression reads only inside branches, and
// the branches enclosing each place it is read (none: it is read only in
// a let value no one uses).
type branchRead struct {
	col   int
	paths [][]int
}

// tracking reports whether the resolver notes choices (a column's
// expression, being compiled).
func (r *resolver) tracking() bool { return r.mode.choices && r.cols != nil }

// branch resolves one branch of a condition and compiles it to fnTook.
func (r *resolver) branch(node *ast.Node, scope []string) {
	if !r.tracking() {
		r.walk(node, scope)
		return
	}
	id := r.branches
	r.branches++
	r.path = append(r.path, id)
	r.walk(node, scope)
	r.path = r.path[:len(r.path)-1]
	r.call(node, fnTook, &ast.IdentifierNode{Value: choiceEnv}, &ast.IntegerNode{Value: id}, *node)
}

// occur notes that column i is read here, unless in a let value (read
// where the variable is).
func (r *resolver) occur(i int) {
	if !r.tracking() || r.letDepth > 0 {
		return
	}
	if r.occurs == nil {
		r.occurs, r.valueOccurs = map[int][][]int{}, map[int][][]int{}
	}
	r.occurs[i] = append(r.occurs[i], slices.Clone(r.path))
	if r.condDepth == 0 {
		r.valueOccurs[i] = append(r.valueOccurs[i], slices.Clone(r.path))
		r.valueReads++
	} else {
		r.steer(i)
	}
}

// useBound notes the columns a variable was bound to as read here.
func (r *resolver) useBound(name string) {
	if !r.tracking() {
		return
	}
	for j := len(r.bound) - 1; j >= 0; j-- {
		if r.bound[j].name == name {
			for _, i := range r.bound[j].reads {
				r.occur(i)
			}
			return
		}
	}
}

// branchReads lists the columns read only inside branches.
func (r *resolver) branchReads() []branchRead {
	if !r.tracking() {
		return nil
	}
	var out []branchRead
	for _, name := range r.read {
		i := r.cols[name]
		paths := r.occurs[i]
		if slices.ContainsFunc(paths, func(p []int) bool { return len(p) == 0 }) {
			continue
		}
		out = append(out, branchRead{col: i, paths: paths})
	}
	return out
}

// took is fnTook.
func took(args ...any) (any, error) {
	if s, _ := args[0].(*choiceState); s != nil {
		if id, _ := args[1].(int); id >= 0 && id < len(s.taken) {
			s.taken[id] = true
			if args[2] != nil {
				s.gave[id] = true
			}
		}
	}
	return args[2], nil
}

// readIn reports whether a run that took the branches taken read the
// column.
func (b *branchRead) readIn(taken []bool) bool { return onTakenPath(b.paths, taken) }

// onTakenPath reports whether a run that took the branches taken went
// through one of the paths.
func onTakenPath(paths [][]int, taken []bool) bool {
	for _, path := range paths {
		all := true
		for _, id := range path {
			if id >= len(taken) || !taken[id] {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// unread lists the columns of row the expression's last run did not read
// though they hold a value, other than the result or a value it read
// outside a condition.
func (c *compiledExpr) unread(row []connectors.Value, reads []int, result connectors.Value, s *choiceState) []int {
	if c == nil || s == nil || len(c.branchReads) == 0 {
		return nil
	}
	var out []int
	for i := range c.branchReads {
		br := &c.branchReads[i]
		v := row[br.col]
		if v == nil || br.readIn(s.taken) || c.copiedAt(br.col) {
			continue
		}
		if c.flow != nil && !c.flow.carries[br.col] && !c.makesUnread(br.col, row, s.taken) {
			// Read only by conditions of branches not taken: it steers
			// a choice this record did not make, and is in no value
			// (unless that choice would have made the value of it).
			continue
		}
		same := func(w connectors.Value) bool {
			eq, err := equalValues(v, w)
			return w != nil && err == nil && eq
		}
		// A value a taken branch gave on (not one a condition read):
		// the value left out is the same value.
		if same(result) || slices.ContainsFunc(reads, func(r int) bool { return onTakenPath(c.valueReads[r], s.taken) && same(row[r]) }) {
			continue
		}
		out = append(out, br.col)
	}
	return out
}

// unreadError is the failure of a column whose expression did not read a
// column that holds a value, naming the column but never the value.
func (p *TableProgram) unreadError(col int) error {
	return &reasonError{Reason: ReasonValuesDiffer, Detail: "the expression did not read " + p.Source.Columns[col].Name +
		" in this record, which holds a value: say why it may be left out (choice:), or it is lost"}
}
