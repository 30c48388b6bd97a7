package mappings

import (
	"time"

	"github.com/expr-lang/expr/ast"

	"github.com/regflytt/regflytt/connectors"
)

// exprMode says how an expression's names and comparisons are read.
type exprMode struct {
	// sourceMembers: src.name reads source column name (a table rule,
	// whose bare names are the receiving row's columns).
	sourceMembers bool
	// nullFalse: an ordering comparison with an empty side gives false
	// (a table rule says nothing about a missing date); elsewhere it
	// fails the value, as it always has.
	nullFalse bool
	// nullStrict: an equality (==, !=, in) with an empty side fails the
	// value (a column's expression, where NULL == "J" would turn an
	// unknown into a no); elsewhere it is false, as in expr-lang.
	nullStrict bool
	// decimals names the columns, as the expression reads them (src.name
	// in a table rule), whose values are decimals: a number with a
	// fraction compared with one of them is compiled as the decimal it
	// reads as (see decimalLiteral).
	decimals map[string]bool
	// choices: coalesce() and ?? are compiled to fnChoose, which notes
	// the source values they leave out (a column's expression: choice.go).
	choices bool
}

// refDateName is the name expressions read the plan's run.reference_date
// by: a constant per run, so expressions stay pure.
const refDateName = "reference_date"

// fnRefDate is the hidden function reference_date is compiled to.
const fnRefDate = "__refdate"

// refDate gives the plan's reference date as a date. A plan that gives
// none fails every value that reads it: NULL would make a rule such as
// visit_date > reference_date silently never hold.
func refDate(env *Env) (any, error) {
	if env == nil || env.RefDate.IsZero() {
		return nil, &reasonError{Reason: "expression_failed", Detail: "reference_date: the plan gives no run.reference_date"}
	}
	return connectors.DateOf(env.RefDate), nil
}

// orderOps maps the ordering operators to the functions that compare
// canonical values exactly: dates with dates (and with date text),
// decimals with integers, without expr-lang's guesses.
var orderOps = map[string]string{"<": "__lt", "<=": "__le", ">": "__gt", ">=": "__ge"}

// nullFalseSuffix names the variant of an ordering function for which an
// empty side gives false.
const nullFalseSuffix = "_or_false"

func orderFuncs() map[string]func(...any) (any, error) {
	out := map[string]func(...any) (any, error){}
	for op, name := range orderOps {
		op := op
		test := func(c int) bool {
			switch op {
			case "<":
				return c < 0
			case "<=":
				return c <= 0
			case ">":
				return c > 0
			}
			return c >= 0
		}
		out[name] = func(args ...any) (any, error) {
			if args[0] == nil || args[1] == nil {
				return nil, &reasonError{Reason: "expression_failed", Detail: "an ordering comparison (" + op + ") with an empty value"}
			}
			c, err := orderValues(args[0], args[1])
			if err != nil {
				return nil, err
			}
			return test(c), nil
		}
		out[name+nullFalseSuffix] = func(args ...any) (any, error) {
			if args[0] == nil || args[1] == nil {
				return false, nil
			}
			c, err := orderValues(args[0], args[1])
			if err != nil {
				return nil, err
			}
			return test(c), nil
		}
	}
	return out
}

// orderValues orders two values of an expression: numbers by value,
// text by bytes, dates and times in time; text against a date or time is
// read as one (visit_date >= "2000-01-01").
func orderValues(a, b any) (int, error) {
	x, err := canonical(a)
	if err != nil {
		return 0, err
	}
	y, err := canonical(b)
	if err != nil {
		return 0, err
	}
	x, y = asTimeOf(x, y), asTimeOf(y, x)
	if c, ok := compare(x, y); ok {
		return c, nil
	}
	return 0, &reasonError{Reason: "expression_failed", Detail: "cannot order a " + kindName(x) + " against a " + kindName(y)}
}

// asTimeOf gives v in a form compare orders against other: date text as
// the date (or date and time) other is, a date against a date and time
// as its midnight.
func asTimeOf(v, other any) any {
	switch other.(type) {
	case connectors.Date:
		if s, ok := v.(string); ok {
			if d, err := convert(s, connectors.Type{Kind: connectors.KindDate}); err == nil {
				return d
			}
		}
	case connectors.LocalDateTime:
		switch x := v.(type) {
		case string:
			if d, err := convert(x, connectors.Type{Kind: connectors.KindDateTime}); err == nil {
				return d
			}
		case connectors.Date:
			return connectors.LocalDateTime{Date: x}
		}
	case time.Time:
		if x, ok := v.(connectors.Date); ok {
			return x.Time()
		}
	}
	return v
}

// sourceMember reads src.name in a table rule as the source column name;
// it reports whether the node was one.
func (r *resolver) sourceMember(node *ast.Node, n *ast.MemberNode, scope []string) bool {
	if !r.mode.sourceMembers {
		return false
	}
	id, ok := n.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "src" {
		return false
	}
	for _, s := range scope {
		if s == "src" {
			return false
		}
	}
	prop, ok := n.Property.(*ast.StringNode)
	if !ok {
		r.fail(*node, "src. names a source column: src.column")
		return true
	}
	r.column(node, "src."+prop.Value)
	return true
}
