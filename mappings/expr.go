package mappings

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	exprcompiler "github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/parser/lexer"
	"github.com/expr-lang/expr/vm"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/lexical"
)

// Expressions are github.com/expr-lang/expr: a small, sandboxed language
// with no I/O, no loops without bounds, and a run time bounded by its size
// and its input. regflytt takes away what would make a mapping impure or
// slow (now, date, timezone, duration) and adds the domain's functions
// (see Functions). Source columns are named as they are, also when a
// function has the same name (a name used as a value is the column, a
// name called is the function); col("name") reads any column by name.

// exprEnv is the environment an expression runs in: the source row, by
// position. Column names are rewritten to R[i] when compiling, so a run
// builds no map per row.
type exprEnv struct {
	R []any
	// C notes what the expression's choices leave out (choice.go); nil
	// where nobody asks.
	C *choiceState
}

// impure lists expr's built-ins that read the clock or the zone database.
var impure = []string{"now", "date", "timezone", "duration"}

// maxExprNodes bounds an expression's size, and so its run time.
const maxExprNodes = 2000

// ReasonExpressionRange archives a value whose expression indexed or
// sliced text or a list outside its length, or whose arithmetic left the
// range of a 64-bit integer or a finite float: expr-lang itself would
// clamp, wrap or give infinity silently.
const ReasonExpressionRange = "expression_range"

// Hidden functions the compiler puts in place of expr-lang's operators,
// so that out-of-range results fail instead of wrapping or clamping.
const (
	fnCheckedIndex = "__index"
	fnCheckedSlice = "__slice"
	fnCheckedNeg   = "__neg"
)

// checkedBuiltins maps expr-lang's built-ins of one argument that would
// wrap an integer, count text in bytes, or write NULL as "<nil>", to
// their checked functions.
var checkedBuiltins = map[string]string{"int": "__int", "float": "__float", "abs": "__abs", "sum": "__sum", "len": "__len", "string": "__string"}

// checkedOps maps an arithmetic operator to its checked function.
var checkedOps = map[string]string{"+": "__add", "-": "__sub", "*": "__mul", "/": "__div", "%": "__mod", "**": "__pow", "^": "__pow"}

// resolver decides, before expr-lang type-checks an expression, what each
// name in it is, with the scoping expr-lang gives let: a name used as a
// value is a variable declared by an enclosing let, else a source column
// (also when a function has the same name: date, len, pnr), else an error;
// a name used as a callee is a function. It rewrites columns to R[i] and
// operators to their checked functions, so nothing is left for expr-lang
// to guess per row.
type resolver struct {
	// cols gives each source column's position; nil collects free names
	// instead (a form store, whose variables are not known yet).
	cols  map[string]int
	funcs map[string]bool
	src   file.Source

	read    []string
	seen    map[string]bool
	lookups []lookupCall
	err     *file.Error
	mode    exprMode
	// defs are the plan's definitions (define:), depth how deep their
	// expansion is.
	defs  map[string]*Definition
	depth int
	// decimalReads are the nodes that read a column of mode.decimals.
	decimalReads map[ast.Node]bool
	// choices are the expression's coalesce() and ?? (choice.go);
	// bound the let variables (and a definition's parameters) in scope,
	// with the source columns their values read.
	choices []choiceSite
	bound   []binding
	// branches counts the expression's branches (choice.go), path lists
	// those enclosing the node being resolved, letDepth how many let
	// values and condDepth how many conditions enclose it, occurs where
	// each column is read and valueOccurs where outside a condition.
	branches    int
	path        []int
	letDepth    int
	condDepth   int
	occurs      map[int][][]int
	valueOccurs map[int][][]int
	// conds are the expression's conditionals, condStack those whose
	// condition encloses the node being resolved, steers where a column
	// is read by a condition (valueflow.go).
	conds     []condSite
	condStack []int
	steers    []steerRead
	// valueReads counts the places a column is read as a value.
	valueReads int
	// partials are the expression's partial_date calls (partialdate.go).
	partials []partialCall
	// ruleReads are the columns read by the calls of functions that give
	// NULL by a documented rule (valueflow.go).
	ruleReads []int
	// refDateBesideColumn: the expression reads reference_date bare
	// while a column it could read is so named.
	refDateBesideColumn bool
}

func (r *resolver) fail(n ast.Node, format string, args ...any) {
	if r.err == nil {
		e := &file.Error{Location: n.Location(), Message: fmt.Sprintf(format, args...)}
		r.err = e.Bind(r.src)
	}
}

func (r *resolver) readColumn(name string) {
	if !r.seen[name] {
		r.seen[name] = true
		r.read = append(r.read, name)
	}
}

// column resolves a name read as a value (not a let variable).
func (r *resolver) column(node *ast.Node, name string) {
	if name == "$env" {
		r.fail(*node, "$env is not part of the mapping language: name the source column")
		return
	}
	if name == refDateName {
		// Always the plan's reference date, also where a column is so
		// named (read as col("reference_date")): plan check, which
		// knows no source, cannot tell, and the same mapping must mean
		// the same to it, to map check and to the run. Map check warns
		// of the column beside it (M091).
		if _, col := r.cols[name]; col && r.depth == 0 {
			r.refDateBesideColumn = true
		}
		r.call(node, fnRefDate)
		return
	}
	if r.cols == nil {
		r.readColumn(name)
		return
	}
	i, ok := r.cols[name]
	if !ok {
		names := make([]string, 0, len(r.cols))
		for c := range r.cols {
			names = append(names, c)
		}
		if r.funcs[name] {
			r.fail(*node, "%s is a function, not a source column: call it as %s(…)", name, name)
			return
		}
		if _, src := r.cols["src."+name]; src && r.mode.sourceMembers {
			r.fail(*node, "a rule reads receiving columns by name: %s is a source column, read it as src.%s", name, name)
			return
		}
		r.fail(*node, "no source column %s%s", name, suggest(name, names))
		return
	}
	r.readColumn(name)
	r.occur(i)
	read := &ast.MemberNode{Node: &ast.IdentifierNode{Value: "R"}, Property: &ast.IntegerNode{Value: i}}
	r.patch(node, read)
	if r.mode.decimals[name] {
		if r.decimalReads == nil {
			r.decimalReads = map[ast.Node]bool{}
		}
		r.decimalReads[read] = true
	}
}

// patch replaces a node, keeping its position for error messages.
func (r *resolver) patch(node *ast.Node, with ast.Node) {
	if r.cols == nil {
		return // only collecting
	}
	with.SetLocation((*node).Location())
	ast.Patch(node, with)
}

func (r *resolver) call(node *ast.Node, fn string, args ...ast.Node) {
	r.patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args})
}

// walk visits a node and its children top-down; scope lists the let
// variables visible at the node, innermost last.
func (r *resolver) walk(node *ast.Node, scope []string) {
	if *node == nil || r.err != nil {
		return
	}
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		for i := len(scope) - 1; i >= 0; i-- {
			if scope[i] == n.Value {
				r.useBound(n.Value)
				return
			}
		}
		r.column(node, n.Value)
	case *ast.UnaryNode:
		r.walk(&n.Node, scope)
		if n.Operator == "-" {
			r.call(node, fnCheckedNeg, n.Node)
		}
	case *ast.BinaryNode:
		lf, lit := floatLiteral(n.Left)
		rf, rit := floatLiteral(n.Right)
		r.walk(&n.Left, scope)
		r.walk(&n.Right, scope)
		if n.Operator != "in" && (equalOps[n.Operator] != "" || orderOps[n.Operator] != "") {
			if lit && r.decimalReads[n.Right] {
				r.patch(&n.Left, decimalLiteral(lf))
			}
			if rit && r.decimalReads[n.Left] {
				r.patch(&n.Right, decimalLiteral(rf))
			}
		}
		if fn, ok := checkedOps[n.Operator]; ok {
			r.call(node, fn, n.Left, n.Right)
		} else if n.Operator == "??" {
			r.choice(node, []ast.Node{n.Left, n.Right})
		} else if textOps[n.Operator] && r.mode.nullStrict {
			r.present(&n.Left, n.Operator)
			r.present(&n.Right, n.Operator)
		} else if fn, ok := equalOps[n.Operator]; ok && !nilLiteral(n) {
			if r.mode.nullStrict {
				fn += nullStrictSuffix
			}
			r.call(node, fn, n.Left, n.Right)
		} else if fn, ok := orderOps[n.Operator]; ok {
			if r.mode.nullFalse {
				fn += nullFalseSuffix
			}
			r.call(node, fn, n.Left, n.Right)
		}
	case *ast.ChainNode:
		r.walk(&n.Node, scope)
	case *ast.MemberNode:
		if r.sourceMember(node, n, scope) {
			return
		}
		r.walk(&n.Node, scope)
		if _, field := n.Property.(*ast.StringNode); field {
			return // a field of a map or a record: no range to leave
		}
		r.walk(&n.Property, scope)
		r.call(node, fnCheckedIndex, n.Node, n.Property)
	case *ast.SliceNode:
		r.walk(&n.Node, scope)
		from, to := n.From, n.To
		if from == nil {
			from = &ast.NilNode{}
		}
		if to == nil {
			to = &ast.NilNode{}
		}
		r.walk(&from, scope)
		r.walk(&to, scope)
		r.call(node, fnCheckedSlice, n.Node, from, to)
	case *ast.CallNode:
		r.callNode(node, n, scope)
	case *ast.BuiltinNode:
		for i := range n.Arguments {
			r.walk(&n.Arguments[i], scope)
		}
		switch {
		case len(n.Arguments) == 1 && checkedBuiltins[n.Name] != "":
			r.call(node, checkedBuiltins[n.Name], n.Arguments[0])
		case n.Name == "sum" && len(n.Arguments) == 2:
			// sum(list, predicate) is the sum of map(list, predicate).
			mapped := &ast.BuiltinNode{Name: "map", Arguments: n.Arguments}
			mapped.SetLocation(n.Location())
			r.call(node, checkedBuiltins["sum"], mapped)
		}
	case *ast.PredicateNode:
		r.walk(&n.Node, scope)
	case *ast.VariableDeclaratorNode:
		r.letDepth++
		r.walk(&n.Value, scope)
		r.letDepth--
		inner := append(append([]string(nil), scope...), n.Name)
		r.bind(n.Name, n.Value)
		r.walk(&n.Expr, inner)
		r.unbind(1)
	case *ast.SequenceNode:
		for i := range n.Nodes {
			r.walk(&n.Nodes[i], scope)
		}
	case *ast.ConditionalNode:
		k := r.openCond()
		r.condDepth++
		r.walk(&n.Cond, scope)
		r.condDepth--
		r.closeCond(k)
		t, values := r.branches, r.valueReads
		r.branch(&n.Exp1, scope)
		f, between := r.branches, r.valueReads
		r.branch(&n.Exp2, scope)
		r.endCond(k, t, f, n.Exp1, n.Exp2, [2]bool{between == values, r.valueReads == between})
		if k >= 0 {
			r.conds[k].cond = n.Cond
		}
	case *ast.ArrayNode:
		for i := range n.Nodes {
			r.walk(&n.Nodes[i], scope)
		}
	case *ast.MapNode:
		for i := range n.Pairs {
			r.walk(&n.Pairs[i], scope)
		}
	case *ast.PairNode:
		r.walk(&n.Key, scope)
		r.walk(&n.Value, scope)
	case *ast.NilNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.StringNode,
		*ast.BytesNode, *ast.ConstantNode, *ast.PointerNode:
	default:
		r.fail(*node, "this construct is not part of the mapping language")
	}
}

// floatLiteral gives the number of a literal with a fraction (999.9,
// -0.5).
func floatLiteral(n ast.Node) (float64, bool) {
	if u, ok := n.(*ast.UnaryNode); ok && u.Operator == "-" {
		f, ok := floatLiteral(u.Node)
		return -f, ok
	}
	if f, ok := n.(*ast.FloatNode); ok {
		return f.Value, true
	}
	return 0, false
}

// decimalLiteral is a number with a fraction compared with a decimal
// column, compiled as the decimal that compare takes it for
// (floatAsDecimal: the shortest that reads back as the float), once
// instead of at every comparison.
func decimalLiteral(f float64) ast.Node {
	return &ast.ConstantNode{Value: connectors.Decimal(strconv.FormatFloat(f, 'f', -1, 64))}
}

// callNode resolves a call: its callee is a function, never a column;
// col("name") reads a column by name whatever functions are called so.
func (r *resolver) callNode(node *ast.Node, n *ast.CallNode, scope []string) {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		r.fail(*node, "methods are not part of the mapping language: use the functions")
		return
	}
	if strings.HasPrefix(id.Value, "__") {
		// The checked operators are the compiler's, not the mapping's.
		r.fail(*node, "%s is not a function of the mapping language", id.Value)
		return
	}
	if id.Value == "col" {
		if len(n.Arguments) != 1 {
			r.fail(*node, "col() takes one quoted column name")
			return
		}
		s, ok := n.Arguments[0].(*ast.StringNode)
		if !ok {
			r.fail(*node, "col() takes a quoted column name")
			return
		}
		if r.cols == nil {
			r.readColumn(s.Value)
			return
		}
		i, ok := r.cols[s.Value]
		if !ok {
			names := make([]string, 0, len(r.cols))
			for c := range r.cols {
				names = append(names, c)
			}
			r.fail(*node, "col(%q): no such source column%s", s.Value, suggest(s.Value, names))
			return
		}
		r.readColumn(s.Value)
		r.occur(i)
		r.patch(node, &ast.MemberNode{Node: &ast.IdentifierNode{Value: "R"}, Property: &ast.IntegerNode{Value: i}})
		return
	}
	if r.expand(node, n, scope) {
		return
	}
	if id.Value == "lookup" && len(n.Arguments) >= 3 {
		name, _ := n.Arguments[0].(*ast.StringNode)
		col, _ := n.Arguments[2].(*ast.StringNode)
		if name != nil {
			call := lookupCall{name: name.Value}
			if col != nil {
				call.column = col.Value
			}
			r.lookups = append(r.lookups, call)
		}
	}
	r.checkLayouts(n, id.Value)
	for i := range n.Arguments {
		r.walk(&n.Arguments[i], scope)
	}
	if id.Value == "coalesce" && r.err == nil {
		r.choice(node, n.Arguments)
	}
	if r.tracking() && nullByRule(id.Value) {
		for _, a := range n.Arguments {
			for _, i := range r.readsOf(a) {
				if !slices.Contains(r.ruleReads, i) {
					r.ruleReads = append(r.ruleReads, i)
				}
			}
		}
	}
	if (id.Value == partialDateFunction.Name || id.Value == partialDatePrecisionFunction.Name) && len(n.Arguments) > 0 && r.tracking() {
		r.partials = append(r.partials, partialCall{precision: id.Value == partialDatePrecisionFunction.Name, reads: r.readsOf(n.Arguments[0])})
	}
}

// checkLayouts refuses a layout written in a date function's call that
// no value can match (a two-digit year, a time field in a date layout, an
// unknown token). Left to the run, it failed every value of the column as
// expression_failed: under granularity: value the run passed with the
// column empty in the target, its values archived alone. A layout given by
// a column or a definition's parameter is not known here, and is still
// refused value by value.
func (r *resolver) checkLayouts(n *ast.CallNode, fn string) {
	var check func(string) error
	switch fn {
	case "date", partialDateFunction.Name, partialDatePrecisionFunction.Name:
		check = lexical.CheckDateLayout
	case "datetime":
		check = lexical.CheckLayout
	default:
		return
	}
	for _, a := range n.Arguments[min(1, len(n.Arguments)):] {
		s, ok := a.(*ast.StringNode)
		if !ok {
			continue
		}
		if err := check(s.Value); err != nil {
			var le *lexical.Error
			reason := err.Error()
			if errors.As(err, &le) {
				reason = le.Reason
			}
			r.fail(a, "%s: layout %q matches no value: %s", fn, s.Value, reason)
			return
		}
	}
}

// compiledExpr is one compiled expression and the columns it reads.
type compiledExpr struct {
	prog *vm.Program
	// read lists the columns the expression reads, each once.
	read []string
	// declaredNull is set during a run when a function gave NULL by its
	// documented rule (strip of blank text, lookup of a NULL cell), so the
	// NULL is not a value lost.
	declaredNull bool
	// declaredBy names the function that did.
	declaredBy string
	// ruleReads are the columns the calls of such functions read: the
	// NULL is declared for their values only (droppedBeside).
	ruleReads []int
	// choices are its coalesce() and ?? (choice.go); branches counts its
	// branches, branchReads the columns it reads only inside some.
	choices     []choiceSite
	branches    int
	branchReads []branchRead
	// valueReads gives, per column read outside a condition, the
	// branches enclosing each such place.
	valueReads map[int][][]int
	// partials are its partial_date and partial_date_precision calls.
	partials []partialCall
	// flow says which columns it reads as values and which only steer
	// (valueflow.go); nil where not tracked.
	flow *valueFlow
	// copiedElsewhere marks, by source column, the columns another
	// receiving column of the table copies as they are (plainCopy): their
	// value reaches the target there whatever this expression makes of
	// it, so it is no value lost here (unread, dropped). Set once the
	// table is compiled; nil before.
	copiedElsewhere []bool
	// direct calls the expression's function when the expression is one
	// call on column arg (see directCall); args is its argument list.
	direct func([]any) (any, error)
	arg    int
	args   [1]any
	// refDateBesideColumn: the expression reads reference_date, the
	// plan's date, bare while a column it reads is so named (M091).
	refDateBesideColumn bool
}

// exprConfig is expr-lang's configuration for mapping expressions: the
// row environment, the domain's functions, the checked operators, and no
// clock.
func exprConfig(env *Env, ce *compiledExpr) *conf.Config {
	opts := []expr.Option{
		expr.Env(exprEnv{}),
		expr.MaxNodes(maxExprNodes),
		expr.Function("col", func(...any) (any, error) { return nil, errors.New("col() is resolved when compiling") }),
	}
	for _, name := range impure {
		opts = append(opts, expr.DisableBuiltin(name))
	}
	for _, f := range Functions() {
		f := f
		opts = append(opts, expr.Function(f.Name, func(args ...any) (any, error) {
			out, err := f.impl(env, args)
			if out == nil && err == nil && f.nullByRule && ce != nil {
				ce.declaredNull, ce.declaredBy = true, f.Name
			}
			return out, err
		}))
	}
	for name, fn := range checkedFuncs() {
		opts = append(opts, expr.Function(name, fn))
	}
	for name, fn := range orderFuncs() {
		opts = append(opts, expr.Function(name, fn))
	}
	for name, fn := range equalFuncs() {
		opts = append(opts, expr.Function(name, fn))
	}
	opts = append(opts, expr.Function(fnChoose, choose), expr.Function(fnTook, took))
	opts = append(opts, expr.Function(fnRefDate, func(...any) (any, error) { return refDate(env) }))
	config := conf.CreateNew()
	for _, op := range opts {
		op(config)
	}
	for name := range config.Disabled {
		delete(config.Builtins, name)
	}
	config.Check()
	return config
}

// compileExpr compiles an expression over the named source columns. A
// compile error names the expression's position in the YAML file.
func compileExpr(src Str, columns []string, env *Env) (*compiledExpr, error) {
	return compileExprMode(src, columns, env, exprMode{})
}

// compileExprMode compiles an expression as compileExpr does, in a mode
// (a table rule's).
func compileExprMode(src Str, columns []string, env *Env, mode exprMode) (*compiledExpr, error) {
	ce := &compiledExpr{}
	config := exprConfig(env, ce)
	if err := keywordColumns(src.Value, columns); err != nil {
		return nil, err
	}
	tree, err := parser.ParseWithConfig(src.Value, config)
	if err == nil {
		r := &resolver{cols: map[string]int{}, funcs: functionNames(config), src: tree.Source, seen: map[string]bool{}, mode: mode, defs: env.defs}
		for i, c := range columns {
			r.cols[c] = i
		}
		r.walk(&tree.Node, nil)
		if r.err != nil {
			err = r.err
		}
		ce.read = r.read
		ce.choices = r.choices
		ce.branches, ce.branchReads, ce.valueReads = r.branches, r.branchReads(), r.valueOccurs
		ce.partials = r.partials
		ce.flow = r.flow()
		ce.ruleReads = r.ruleReads
		ce.refDateBesideColumn = r.refDateBesideColumn
	}
	if err == nil {
		_, err = new(checker.Checker).PatchAndCheck(tree, config)
	}
	if err == nil {
		err = ce.flow.compileMakes(tree.Source, config)
	}
	if err == nil && config.Optimize {
		err = optimizer.Optimize(&tree.Node, config)
	}
	if err == nil {
		ce.prog, err = exprcompiler.Compile(tree, config)
	}
	if err == nil {
		ce.direct, ce.arg = directCall(tree.Node, env, ce)
	}
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("%s (at column %d of the expression)", fe.Message, fe.Column+1)
		}
		return nil, err
	}
	return ce, nil
}

// keywords are words expr-lang reads as literals or operators, never as
// a name: a column so named cannot be written bare.
var keywords = map[string]bool{"true": true, "false": true, "nil": true, "in": true, "not": true, "and": true,
	"or": true, "matches": true, "contains": true, "startsWith": true, "endsWith": true, "let": true, "if": true, "else": true}

// keywordColumns refuses an expression that writes a keyword that is also
// a source column's name: "nil" would be NULL and "true" true, not the
// column, silently.
func keywordColumns(src string, columns []string) error {
	var named []string
	for _, c := range columns {
		if keywords[c] {
			named = append(named, c)
		}
	}
	if len(named) == 0 {
		return nil
	}
	tokens, err := lexer.Lex(file.NewSource(src))
	if err != nil {
		return nil // the parser reports it
	}
	for _, tok := range tokens {
		if tok.Kind != lexer.Identifier && tok.Kind != lexer.Operator {
			continue
		}
		for _, c := range named {
			if tok.Value == c {
				e := &file.Error{Location: tok.Location, Message: fmt.Sprintf("%s is a word of the expression language and also a source column: write col(%q) for the column", c, c)}
				e = e.Bind(file.NewSource(src))
				return fmt.Errorf("%s (at column %d of the expression)", e.Message, e.Column+1)
			}
		}
	}
	return nil
}

// functionNames lists the names a call may use: the domain's functions,
// col, and expr-lang's built-ins.
func functionNames(config *conf.Config) map[string]bool {
	out := map[string]bool{"col": true}
	for name := range config.Functions {
		out[name] = true
	}
	for name := range config.Builtins {
		out[name] = true
	}
	return out
}

// freeNames walks an expression as compileExpr does and gives the names it
// reads as values (not functions, not let variables), each once, and its
// lookup() calls. A syntax error yields nothing; compiling reports it.
func freeNames(src string) *resolver {
	return freeNamesWith(src, nil)
}

// freeNamesWith is freeNames that follows calls of the definitions defs
// into their bodies: a lookup() a definition makes is the calling
// expression's.
func freeNamesWith(src string, defs map[string]*Definition) *resolver {
	config := exprConfig(&Env{}, nil)
	tree, err := parser.ParseWithConfig(src, config)
	if err != nil {
		return &resolver{}
	}
	r := &resolver{funcs: functionNames(config), src: tree.Source, seen: map[string]bool{}, defs: defs}
	r.walk(&tree.Node, nil)
	return r
}

// directCall gives, for an expression that is one call of a domain
// function on one column (date(besoksdatum), pseudonym(personnr): most
// expressions of a mapping), the function to call without the VM and the
// column's position. The VM would fetch the column by reflection and
// pass it the same way.
func directCall(node ast.Node, env *Env, ce *compiledExpr) (func([]any) (any, error), int) {
	call, ok := node.(*ast.CallNode)
	if !ok || len(call.Arguments) != 1 {
		return nil, -1
	}
	callee, ok1 := call.Callee.(*ast.IdentifierNode)
	arg, ok2 := call.Arguments[0].(*ast.MemberNode)
	if !ok1 || !ok2 || arg.Optional {
		return nil, -1
	}
	row, ok1 := arg.Node.(*ast.IdentifierNode)
	idx, ok2 := arg.Property.(*ast.IntegerNode)
	if !ok1 || !ok2 || row.Value != "R" || idx.Value < 0 {
		return nil, -1
	}
	for _, f := range Functions() {
		if f.Name == callee.Value {
			return func(args []any) (any, error) {
				out, err := f.impl(env, args)
				if out == nil && err == nil && f.nullByRule {
					ce.declaredNull, ce.declaredBy = true, f.Name
				}
				return out, err
			}, idx.Value
		}
	}
	return nil, -1
}

// run evaluates the expression on a row with a reused VM.
func (c *compiledExpr) run(m *vm.VM, env *exprEnv) (connectors.Value, error) {
	c.declaredNull, c.declaredBy = false, ""
	env.C.reset(c.branches)
	if c.direct != nil && c.arg < len(env.R) {
		if out, ok := c.callDirect(env); ok {
			return out, nil
		}
		c.declaredNull, c.declaredBy = false, ""
	}
	out, err := m.Run(c.prog, env)
	if err != nil {
		var re *reasonError
		if errors.As(err, &re) {
			return nil, re
		}
		return nil, &reasonError{Reason: "expression_failed", Detail: exprDetail(err)}
	}
	return canonical(out)
}

// callDirect calls a one-call expression's function; ok is false when it
// failed (or panicked): the VM then runs it again, so that a failure is
// reported in its words, a reason or not.
func (c *compiledExpr) callDirect(env *exprEnv) (out connectors.Value, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = nil, false
		}
	}()
	c.args[0] = env.R[c.arg]
	v, err := c.direct(c.args[:])
	c.args[0] = nil
	if err != nil {
		return nil, false
	}
	out, err = canonical(v)
	return out, err == nil
}

// canonical turns what an expression gives into the canonical value set.
func canonical(v any) (connectors.Value, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		return canonical(uint64(x))
	case uint64:
		if x <= 1<<63-1 {
			return int64(x), nil
		}
		return x, nil
	case float32:
		return float64(x), nil
	}
	if v == nil || connectors.KindOf(v) != connectors.KindInvalid {
		return v, nil
	}
	return nil, &reasonError{Reason: "expression_failed", Detail: fmt.Sprintf("the expression gave a %T, not a value", v)}
}
