package mappings

import (
	"bytes"
	"reflect"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"

	"github.com/regflytt/regflytt/connectors"
)

// equalOps maps the equality operators to the functions that compare
// canonical values as the ordering operators do (see orderOps).
// expr-lang's == compares by Go type: the Decimal 999.9 of a decimal
// column was not == 999.9, a date not == "2020-01-01", and text "1" not
// == 1, each false for every row without a word, so a rule that was
// meant to archive a sentinel never held.
var equalOps = map[string]string{"==": "__eq", "!=": "__ne", "in": "__in"}

// nilLiteral reports whether an equality has nil written on one side:
// x == nil is exact in expr-lang and the commonest comparison of a rule,
// so it keeps the VM's own operator.
func nilLiteral(n *ast.BinaryNode) bool {
	if n.Operator == "in" {
		return false
	}
	_, l := n.Left.(*ast.NilNode)
	_, r := n.Right.(*ast.NilNode)
	return l || r
}

// nullStrictSuffix names the variant of an equality function that fails
// on an empty side (see exprMode.nullStrict).
const nullStrictSuffix = "_strict"

// textOps are expr-lang's text operators, false for an empty side.
var textOps = map[string]bool{"contains": true, "startsWith": true, "endsWith": true, "matches": true}

// fnPresent is the hidden function that passes a text operator's operand
// on, or fails on an empty one (see exprMode.nullStrict).
const fnPresent = "__present"

// present wraps a text operator's operand that is not a literal in
// fnPresent: diagnos startsWith "E11" ? 1 : 0 would make every empty
// diagnosis a 0. The operator stays expr-lang's, so a literal pattern
// of matches is still compiled once.
func (r *resolver) present(side *ast.Node, op string) {
	switch (*side).(type) {
	case *ast.StringNode, *ast.ConstantNode:
		return
	}
	r.call(side, fnPresent, *side, &ast.StringNode{Value: op})
}

func equalFuncs() map[string]func(...any) (any, error) {
	eq := func(args ...any) (any, error) { return equalValues(args[0], args[1]) }
	ne := func(args ...any) (any, error) {
		eq, err := equalValues(args[0], args[1])
		return !eq, err
	}
	in := func(args ...any) (any, error) { return inValues(args[0], args[1]) }
	strict := func(op string, fn func(...any) (any, error)) func(...any) (any, error) {
		return func(args ...any) (any, error) {
			if args[0] == nil || op != "in" && args[1] == nil {
				return nil, emptySideError("an equality comparison", op)
			}
			return fn(args...)
		}
	}
	return map[string]func(...any) (any, error){
		fnPresent: func(args ...any) (any, error) {
			if args[0] == nil {
				op, _ := args[1].(string)
				return nil, emptySideError("a text comparison", op)
			}
			return args[0], nil
		},
		"__eq": eq, "__ne": ne, "__in": in,
		"__eq" + nullStrictSuffix: strict("==", eq),
		"__ne" + nullStrictSuffix: strict("!=", ne),
		"__in" + nullStrictSuffix: strict("in", in),
	}
}

// emptySideError fails a comparison (what, op) with an empty side in a
// column's expression (see exprMode.nullStrict).
func emptySideError(what, op string) error {
	return &reasonError{Reason: "expression_failed", Detail: what + " (" + op + ") with an empty value: " +
		"in a column's expression it would make an unknown a yes or a no; say what an empty value gives (x == nil ? … : …, or x ?? …)"}
}

// equalValues reports whether two values of an expression are equal:
// NULL only to NULL; numbers by value whatever their Go type (a float
// against a decimal as the shortest decimal that reads back as it, the
// number written in the mapping); dates and times in time, date text
// against a date read as one; text by bytes. Two values of kinds that
// can never be equal (text and a number, a boolean and an integer) are an
// error, not false: the mapping is to convert one side.
func equalValues(a, b any) (bool, error) {
	if a == nil || b == nil {
		return a == nil && b == nil, nil
	}
	x, err := canonical(a)
	if err != nil {
		return runtimeEqual(a, b)
	}
	y, err := canonical(b)
	if err != nil {
		return runtimeEqual(a, b)
	}
	kx, ky := connectors.KindOf(x), connectors.KindOf(y)
	if kx == connectors.KindInvalid || ky == connectors.KindInvalid {
		return runtimeEqual(x, y) // lists and maps, as expr-lang compares them
	}
	x, y = asTimeOf(x, y), asTimeOf(y, x)
	kx, ky = connectors.KindOf(x), connectors.KindOf(y)
	if kx == ky || numeric(kx) && numeric(ky) {
		if c, ok := compare(x, y); ok {
			return c == 0, nil
		}
		if kx == ky {
			if bx, ok := x.([]byte); ok {
				return bytes.Equal(bx, y.([]byte)), nil
			}
			return reflect.DeepEqual(x, y), nil
		}
	}
	return false, &reasonError{Reason: "expression_failed", Detail: "cannot compare a " + kindName(x) + " with a " + kindName(y) +
		" (they are never equal): convert one side, as int(…), decimal(…), string(…) or date(…)"}
}

func numeric(k connectors.Kind) bool {
	return k == connectors.KindInt || k == connectors.KindDecimal || k == connectors.KindFloat
}

func runtimeEqual(a, b any) (out bool, err error) {
	v, err := runtimeCall(func() any { return runtime.Equal(a, b) })
	out, _ = v.(bool)
	return out, err
}

// inValues is x in list with the equality of equalValues for each
// element; other containers (a map's keys) as expr-lang reads them.
// NULL is in no list.
func inValues(x, list any) (any, error) {
	// A list written in the expression is an []any: read it without
	// reflection, which cost more than the comparisons of a code list.
	if xs, ok := list.([]any); ok {
		return inElems(x, len(xs), func(i int) any { return xs[i] })
	}
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return runtimeCall(func() any { return runtime.In(x, list) })
	}
	return inElems(x, v.Len(), func(i int) any { return v.Index(i).Interface() })
}

// inElems is inValues over n elements, the i-th given by elem.
func inElems(x any, n int, elem func(int) any) (any, error) {
	if x == nil {
		return false, nil
	}
	xs, text := x.(string)
	for i := 0; i < n; i++ {
		e := elem(i)
		if e == nil {
			continue
		}
		if es, ok := e.(string); ok && text {
			// Text in a list of text, the common case (codes): no
			// conversion to look for.
			if es == xs {
				return true, nil
			}
			continue
		}
		eq, err := equalValues(x, e)
		if err != nil {
			return nil, err
		}
		if eq {
			return true, nil
		}
	}
	return false, nil
}
