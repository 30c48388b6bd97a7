package mappings

import (
	"errors"
	"fmt"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	"github.com/regflytt/regflytt/connectors"
)

// Expressions are github.com/expr-lang/expr: a small, sandboxed language
// with no I/O, no loops without bounds, and a run time bounded by its size
// and its input. regflytt takes away what would make a mapping impure or
// slow (now, date, timezone, duration) and adds the domain's functions
// (see Functions). Source columns are named as they are; a column whose
// name is also a function's can be read as col("name").

// exprEnv is the environment an expression runs in: the source row, by
// position. Column names are rewritten to R[i] when compiling, so a run
// builds no map per row.
type exprEnv struct {
	R []any
}

// impure lists expr's built-ins that read the clock or the zone database.
var impure = []string{"now", "date", "timezone", "duration"}

// maxExprNodes bounds an expression's size, and so its run time.
const maxExprNodes = 2000

// columnRefs rewrites identifiers naming source columns to R[i], and
// col("name") likewise; it records which columns the expression reads.
type columnRefs struct {
	cols  map[string]int
	funcs map[string]bool
	read  []string
	err   error
}

func (c *columnRefs) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if i, ok := c.cols[n.Value]; ok && !c.funcs[n.Value] {
			c.read = append(c.read, n.Value)
			ast.Patch(node, &ast.MemberNode{Node: &ast.IdentifierNode{Value: "R"}, Property: &ast.IntegerNode{Value: i}})
		}
	case *ast.CallNode:
		id, ok := n.Callee.(*ast.IdentifierNode)
		if !ok || id.Value != "col" || len(n.Arguments) != 1 {
			return
		}
		s, ok := n.Arguments[0].(*ast.StringNode)
		if !ok {
			c.err = fmt.Errorf("col() takes a quoted column name")
			return
		}
		i, ok := c.cols[s.Value]
		if !ok {
			c.err = fmt.Errorf("col(%q): no such source column", s.Value)
			return
		}
		c.read = append(c.read, s.Value)
		ast.Patch(node, &ast.MemberNode{Node: &ast.IdentifierNode{Value: "R"}, Property: &ast.IntegerNode{Value: i}})
	}
}

// compiledExpr is one compiled expression and the columns it reads.
type compiledExpr struct {
	prog *vm.Program
	read []string
}

// compileExpr compiles an expression over the named source columns. A
// compile error names the expression's position in the YAML file.
func compileExpr(src Str, columns []string, env *Env) (*compiledExpr, error) {
	refs := &columnRefs{cols: map[string]int{}, funcs: map[string]bool{"col": true}}
	for i, c := range columns {
		refs.cols[c] = i
	}
	opts := []expr.Option{
		expr.Env(exprEnv{}),
		expr.Patch(refs),
		expr.MaxNodes(maxExprNodes),
		expr.Function("col", func(...any) (any, error) { return nil, errors.New("col() is resolved when compiling") }),
	}
	for _, name := range impure {
		opts = append(opts, expr.DisableBuiltin(name))
	}
	for _, f := range Functions() {
		f := f
		refs.funcs[f.Name] = true
		opts = append(opts, expr.Function(f.Name, func(args ...any) (any, error) { return f.impl(env, args) }))
	}
	prog, err := expr.Compile(src.Value, opts...)
	if refs.err != nil {
		return nil, refs.err
	}
	if err != nil {
		var fe *file.Error
		if errors.As(err, &fe) {
			return nil, fmt.Errorf("%s (at column %d of the expression)", fe.Message, fe.Column+1)
		}
		return nil, err
	}
	return &compiledExpr{prog: prog, read: refs.read}, nil
}

// run evaluates the expression on a row with a reused VM.
func (c *compiledExpr) run(m *vm.VM, env *exprEnv) (connectors.Value, error) {
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
