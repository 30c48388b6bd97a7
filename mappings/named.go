package mappings

import (
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/regflytt/regflytt/connectors"
)

// NamedSource is the source catalogue as the mapping files name it: every
// table they read with the columns they read, key or drop, of unknown
// type, and the result columns of their select: sources. Compiling against
// it checks everything that needs no database (receiving tables and
// columns, expressions and their functions, code lists, casts and
// constants against the receiving types, duplicate column mappings and
// code lists, merges) and nothing about the source: a name the mapping
// uses always exists here, and a column of unknown type never clashes.
// plan check uses it; map check and run compile against the real
// catalogue.
//
// Diagnostics about the source itself (M001, M003, M009, M010 for a
// column neither mapped nor dropped) come only from what this catalogue
// must invent (an entity key no mapping names, a column whose mapping
// failed to compile, a table the mapping names no column of);
// SourceDiagnostic tells them apart.
func NamedSource(files []*File) ([]connectors.Table, map[string][]connectors.Column) {
	n := &namedSource{tables: map[string]*connectors.Table{}}
	var selects []struct {
		query string
		table string
	}
	lookups := map[string]*LookupSpec{}
	// A definition's lookup() is its caller's (its problems are
	// Compile's to report).
	defs := definitions(files, &Diagnostics{})
	eachTable(files, func(tm *TableMapping) {
		for _, l := range tm.Lookups {
			lookups[l.Name.Value] = l
			t := n.table(l.Table.Value)
			n.column(t, l.Key.Value)
		}
	})
	eachTable(files, func(tm *TableMapping) {
		defer n.parentKeys(tm)
		cols := tm.Columns
		if tm.Person != nil {
			cols = append(append([]*ColumnMapping{}, cols...), tm.Person)
		}
		// Columns read by lookup() land in the lookup's table: from an
		// expression, a null_when or a table rule.
		exprs := make([]string, 0, len(cols)+len(tm.Rules))
		for _, cm := range cols {
			exprs = append(exprs, cm.Expr.Value)
			if cm.NullWhen != nil {
				exprs = append(exprs, cm.NullWhen.Expr.Value)
			}
		}
		for _, r := range tm.Rules {
			exprs = append(exprs, r.When.Value)
		}
		for _, src := range exprs {
			for _, call := range freeNamesWith(src, defs).lookups {
				if l := lookups[call.name]; l != nil && call.column != "" {
					n.column(n.table(l.Table.Value), call.column)
				}
			}
		}
		if e := tm.EAV; e != nil {
			n.eav(tm, cols)
			return
		}
		t := n.table(tm.Source.Value)
		for _, cm := range cols {
			n.reads(t, cm)
		}
		for _, k := range tm.Key {
			n.column(t, k.Value)
		}
		for _, o := range tm.OrderBy {
			n.column(t, o.Value)
		}
		for _, r := range tm.Rules {
			for _, name := range ruleSourceNames(r.When.Value) {
				n.column(t, name)
			}
		}
		for name := range tm.Drop {
			n.column(t, name)
		}
		if len(t.PrimaryKey) == 0 {
			switch {
			case len(tm.Key) > 0:
				for _, k := range tm.Key {
					t.PrimaryKey = append(t.PrimaryKey, k.Value)
				}
			case len(t.Columns) > 0:
				// Which column is the key only the database knows; any
				// one keeps the compiler from asking for key:.
				t.PrimaryKey = []string{t.Columns[0].Name}
			}
		}
		if tm.Select.IsSet() {
			if q, err := connectors.CheckSelect(tm.Select.Value); err == nil {
				selects = append(selects, struct {
					query string
					table string
				}{q, tm.Source.Value})
			}
		}
	})
	out := make([]connectors.Table, 0, len(n.order))
	for _, name := range n.order {
		out = append(out, *n.tables[name])
	}
	described := map[string][]connectors.Column{}
	for _, s := range selects {
		described[s.query] = n.tables[s.table].Columns
	}
	return out, described
}

// SourceDiagnostic reports whether a diagnostic of a compile against
// NamedSource is about the source database, which plan check cannot see.
func SourceDiagnostic(d Diagnostic) bool {
	switch d.Code {
	case "M001", "M003", "M009", "M044":
		return true
	case "M010":
		// "neither mapped nor dropped" is about columns only the source
		// has; "both mapped and dropped" is the mapping's own, but for a
		// form store's variable: a name a column reads and drop: lists
		// may be an entity column beside a values-table column of that
		// name (both tables keyed by id), which only the source says.
		return strings.Contains(d.Message, "neither") ||
			strings.HasPrefix(d.Message, "variable ") && strings.HasSuffix(d.Message, " is both mapped and dropped")
	case "M013":
		// A rule's src.column no column reads exists or not as the
		// source says: under a form store, one drop: lists may be an
		// entity column (a soft-delete flag) or a variable. A plain
		// table's never reaches here (NamedSource names it).
		return strings.Contains(d.Message, ": no source column src.")
	case "M080":
		// A column named twice or with a direction is the mapping's own;
		// whether it exists, and its type, only the source says.
		return strings.Contains(d.Message, "is not in source table") || strings.Contains(d.Message, "cannot give a processing order")
	case "M066":
		// Whether the legacy accounts table and its columns exist only
		// the source says: a table the migration does not carry (archived
		// whole) is named by no mapping. The receiving side and the
		// entry's own shape are the mapping's.
		return strings.HasPrefix(d.Message, "legacy accounts table ")
	case "M018":
		// Which columns a lookup's table has only the source says; a
		// lookup not declared is the mapping's own.
		return strings.Contains(d.Message, " has no column ")
	case "M082", "M057":
		// Whether a column may be NULL, or is a form's entities column
		// rather than one of its variables, only the source's catalogue
		// says.
		return true
	}
	return false
}

type namedSource struct {
	tables map[string]*connectors.Table
	order  []string
}

func (n *namedSource) table(name string) *connectors.Table {
	t := n.tables[name]
	if t == nil {
		t = &connectors.Table{Name: name, RowEstimate: -1}
		n.tables[name] = t
		n.order = append(n.order, name)
	}
	return t
}

// column adds a column of unknown type (KindInvalid: no cast is asked
// for, none refused).
func (n *namedSource) column(t *connectors.Table, name string) {
	if name == "" || t.Column(name) != nil {
		return
	}
	t.Columns = append(t.Columns, connectors.Column{Name: name, SourceType: "unknown (no database)", Nullable: true})
}

// reads adds the columns a column mapping reads: its from, the
// identifiers its expression and its null_when expression read as
// columns (a null_when may read any column of the source row), its
// code-list version.
func (n *namedSource) reads(t *connectors.Table, cm *ColumnMapping) {
	n.column(t, cm.From.Value)
	for _, name := range columnIdentifiers(cm.Expr.Value) {
		n.column(t, name)
	}
	if nw := cm.NullWhen; nw != nil {
		for _, name := range columnIdentifiers(nw.Expr.Value) {
			n.column(t, name)
		}
	}
	if v := cm.CodeListVersion; v.IsSet() {
		n.column(t, v.Value)
	}
}

// eav names a form store: an entities table keyed by a column no mapping
// can name (so every name read becomes a variable, as most are) holding
// the code-list version columns a registration gives, and a values table
// with the structural columns.
func (n *namedSource) eav(tm *TableMapping, cols []*ColumnMapping) {
	e := tm.EAV
	ents := n.table(e.Entities.Value)
	if len(ents.PrimaryKey) == 0 {
		const key = "\x00entity key"
		n.column(ents, key)
		ents.PrimaryKey = []string{key}
	}
	for _, cm := range cols {
		if v := cm.CodeListVersion; v.IsSet() && v.Value != e.Version.Value {
			n.column(ents, v.Value)
		}
	}
	vals := n.table(e.Values.Value)
	for _, s := range []Str{e.Entity, e.Attribute, e.Value, e.Version, e.LatestBy} {
		n.column(vals, s.Value)
	}
}

// columnIdentifiers lists the names an expression reads that are neither
// functions nor called: what compiling treats as columns.
func columnIdentifiers(src string) []string {
	if src == "" {
		return nil
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	callees := calleeVisitor{}
	ast.Walk(&tree.Node, callees)
	var out []string
	for _, name := range identifiers(src) {
		// A bare reference_date is the plan's date and not among the
		// names read; col("reference_date") is the column so named.
		if !callees[name] {
			out = append(out, name)
		}
	}
	return out
}

// calleeVisitor collects the names used as functions: an unknown
// function must stay unknown (M013), not become a column.
type calleeVisitor map[string]bool

func (v calleeVisitor) Visit(node *ast.Node) {
	if c, ok := (*node).(*ast.CallNode); ok {
		if id, ok := c.Callee.(*ast.IdentifierNode); ok {
			v[id.Value] = true
		}
	}
}
