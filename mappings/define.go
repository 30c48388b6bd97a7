package mappings

import (
	"fmt"
	"regexp"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// Definition is a named expression with parameters, written once in a
// mapping file and called by every table of the plan, so that a rule such
// as the century of an identity number is not repeated by hand:
//
//	define:
//	  - name: patient
//	    params: [number, visit_date]
//	    expr: "pseudonym(number, visit_date)"
//	  - name: national_id
//	    params: [number]
//	    expr: 'pnr_kind(number) in ["personnummer", "samordningsnummer"]'
//
// A call patient(personnr, besoksdatum) is the body with each parameter
// bound to its argument (as let would bind it: each argument evaluated
// once). A body reads only its parameters and reference_date, never a
// column by itself, so what a table reads stays in the table's mapping;
// it may call the functions and earlier definitions.
type Definition struct {
	Pos    Pos
	Name   Str
	Params []Str
	Expr   Str
	// Description says what it is for, in map doc.
	Description Str
}

var definitionName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// maxExpansion bounds how deep definitions may call each other.
const maxExpansion = 8

func parseDefinitions(path string, top *Fields, ds *Diagnostics) []*Definition {
	var out []*Definition
	for _, n := range top.Seq("define") {
		f := ReadFields(path, n, ds, "a definition")
		d := &Definition{Pos: f.Pos()}
		d.Name = f.Required("name")
		d.Params = f.Strs("params")
		d.Expr = f.Required("expr")
		d.Description = f.Str("description")
		f.Done()
		if !f.ok {
			continue
		}
		out = append(out, d)
	}
	return out
}

// definitions checks the files' definitions and gives them by name.
func definitions(files []*File, ds *Diagnostics) map[string]*Definition {
	out := map[string]*Definition{}
	funcs := functionNames(exprConfig(&Env{}, nil))
	for _, f := range files {
		for _, d := range f.Definitions {
			name := d.Name.Value
			switch {
			case !definitionName.MatchString(name):
				ds.add(d.Name.Pos, "M071", "definition %s: a name is lower-case letters, digits and _", SafeName(name))
				continue
			case funcs[name] || name == refDateName:
				ds.add(d.Name.Pos, "M071", "definition %s: a function of the language has this name", name)
				continue
			case out[name] != nil:
				ds.add(d.Name.Pos, "M071", "definition %s is given twice (first at %s)", name, out[name].Name.Pos)
				continue
			}
			params := map[string]bool{}
			for _, p := range d.Params {
				if !definitionName.MatchString(p.Value) || params[p.Value] {
					ds.add(p.Pos, "M071", "definition %s: parameter %s is not a lower-case name, or is given twice", name, SafeName(p.Value))
				}
				params[p.Value] = true
			}
			tree, err := parser.Parse(d.Expr.Value)
			if err != nil {
				ds.add(d.Expr.Pos, "M071", "definition %s: %v", name, firstLine(err))
				continue
			}
			callees := calleeVisitor{}
			ast.Walk(&tree.Node, callees)
			for _, id := range identifiers(d.Expr.Value) {
				if !params[id] && !callees[id] && id != refDateName {
					ds.add(d.Expr.Pos, "M071", "definition %s reads %s, which is not one of its parameters: pass the column as an argument", name, SafeName(id))
				}
			}
			out[name] = d
		}
	}
	return out
}

func firstLine(err error) string {
	s := err.Error()
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// expand replaces a call of a definition by its body with the parameters
// bound to the arguments; it reports whether the call was one.
func (r *resolver) expand(node *ast.Node, n *ast.CallNode, scope []string) bool {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok || r.defs == nil {
		return false
	}
	d := r.defs[id.Value]
	if d == nil {
		return false
	}
	if len(n.Arguments) != len(d.Params) {
		r.fail(*node, "%s takes %d arguments (%s), got %d", d.Name.Value, len(d.Params), paramList(d), len(n.Arguments))
		return true
	}
	if r.depth >= maxExpansion {
		r.fail(*node, "definitions call each other more than %d deep (a cycle?)", maxExpansion)
		return true
	}
	tree, err := parser.Parse(d.Expr.Value)
	if err != nil {
		r.fail(*node, "definition %s: %s", d.Name.Value, firstLine(err))
		return true
	}
	// The arguments are resolved where they are written, then bound: a
	// parameter that shares a column's name reads the argument.
	r.letDepth++ // bound to the parameters, as let binds
	for i := range n.Arguments {
		r.walk(&n.Arguments[i], scope)
	}
	r.letDepth--
	body := tree.Node
	var bodyScope []string
	for _, p := range d.Params {
		bodyScope = append(bodyScope, p.Value)
	}
	// The body's names are its parameters (checked when the definition
	// was read), so no column is read here.
	for i, p := range d.Params {
		r.bind(p.Value, n.Arguments[i])
	}
	r.depth++
	r.walk(&body, bodyScope)
	r.depth--
	r.unbind(len(d.Params))
	for i := len(d.Params) - 1; i >= 0; i-- {
		body = &ast.VariableDeclaratorNode{Name: d.Params[i].Value, Value: n.Arguments[i], Expr: body}
	}
	if r.cols == nil {
		return true // only collecting names
	}
	body.SetLocation((*node).Location())
	ast.Patch(node, body)
	return true
}

func paramList(d *Definition) string {
	s := ""
	for i, p := range d.Params {
		if i > 0 {
			s += ", "
		}
		s += p.Value
	}
	return s
}

// definitionsText documents the definitions for map doc.
func definitionsText(d *Definition) string {
	return fmt.Sprintf("%s(%s) = %s", d.Name.Value, paramList(d), d.Expr.Value)
}

// definitionBlocks lists the files' definitions for map doc.
func definitionBlocks(files []*File) []DocBlock {
	b := DocBlock{level: 2, heading: "Definitions", header: []string{"definition", "description"},
		paras: []string{"Expressions written once and called by the tables: each parameter is bound to the call's argument."}}
	for _, f := range files {
		for _, d := range f.Definitions {
			b.rows = append(b.rows, []string{definitionsText(d), d.Description.Value})
		}
	}
	if len(b.rows) == 0 {
		return nil
	}
	return []DocBlock{b}
}

// CallsPseudonym reports whether an expression of the mappings calls
// pseudonym(): a column's (its person: column's too), or a definition's,
// which a column may call. Without one no identity number is
// pseudonymised, whatever key the plan names.
func CallsPseudonym(files []*File) bool {
	calls := func(src string) bool {
		if src == "" {
			return false
		}
		tree, err := parser.Parse(src)
		if err != nil {
			return false
		}
		callees := calleeVisitor{}
		ast.Walk(&tree.Node, callees)
		return callees["pseudonym"]
	}
	found := false
	eachTable(files, func(tm *TableMapping) {
		cols := tm.Columns
		if tm.Person != nil {
			cols = append(append([]*ColumnMapping{}, cols...), tm.Person)
		}
		for _, c := range cols {
			found = found || calls(c.Expr.Value)
		}
	})
	for _, f := range files {
		for _, d := range f.Definitions {
			found = found || calls(d.Expr.Value)
		}
	}
	return found
}
