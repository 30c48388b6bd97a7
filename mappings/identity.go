package mappings

import (
	"slices"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// IdentityColumn is one receiving column whose value is made from a
// person's identity number, and how.
type IdentityColumn struct {
	// Column is target.column; Via says where the value comes from, as
	// the mapping writes it ("personnr", "expr pnr(personnr)").
	Column, Via string
	Pos         Pos
}

// Identities says which receiving columns carry the persons' identity
// numbers: pseudonymised (through pseudonym() only), in clear (any other
// way the number reaches the value), or as a part too short to hold the
// number (a birth date cut from it). A column in more than one list is in
// the worst one only: in clear, then part, then pseudonymised. Each list
// is sorted by column; a value is a copy, nothing in it is shared.
type Identities struct {
	Pseudonymised, Clear, Part []IdentityColumn
}

// IdentityColumns finds the identity numbers' receiving columns. The
// identity numbers are the source columns P011 knows as such
// (identityNumbers): what a person: reads (the number the opt-out and
// erasure lists are matched against), what any mapping passes to
// pseudonym(), pnr() or pnr_kind(), and a column named as one
// (personnummer, pat_pnr): a number normalised or pseudonymised in one
// place is a number wherever it is copied. A reference table's column
// read with lookup() counts as the column lookup:name.column. It needs no
// database: it reads the mappings as written, with the definitions they
// call expanded.
//
// It is conservative: a value that reads an identity number is in clear
// unless the number reaches it only through pseudonym(), or through a
// projection that cannot give the number back (flowWalker.flow lists
// them). Parts of one number that together cover as much of it as a part
// may not (a birth date and the last four digits) are in clear, each.
func IdentityColumns(files []*File) Identities {
	// A merged target's members each map the column: it is in the worst
	// list any of them puts it in, with the first way it gets there.
	worst := map[string]identityUse{}
	for _, u := range identityUses(files) {
		name := u.tm.Target.Value + "." + u.cm.Target.Value
		if u.rank > worst[name].rank {
			worst[name] = u
		}
	}
	var out Identities
	for name, u := range worst {
		c := IdentityColumn{Column: name, Via: u.via, Pos: u.cm.Pos}
		switch u.rank {
		case identityClear:
			out.Clear = append(out.Clear, c)
		case identityPart:
			out.Part = append(out.Part, c)
		case identityPseudonymised:
			out.Pseudonymised = append(out.Pseudonymised, c)
		}
	}
	for _, l := range [][]IdentityColumn{out.Pseudonymised, out.Clear, out.Part} {
		sort.Slice(l, func(i, j int) bool { return l[i].Column < l[j].Column })
	}
	return out
}

// How a column carries an identity number, worst last.
const (
	_ = iota // carries none
	identityPseudonymised
	identityPart
	identityClear
)

// identityUse is how one column mapping of one table mapping carries an
// identity number.
type identityUse struct {
	tm   *TableMapping
	cm   *ColumnMapping
	via  string
	rank int
}

// identityWalkers gives, for a table mapping, the walker of its columns'
// flows: the files' definitions (the first of a name), the table's
// lookups.
func identityWalkers(files []*File) func(*TableMapping) *flowWalker {
	defs := map[string]*Definition{}
	for _, f := range files {
		for _, d := range f.Definitions {
			if defs[d.Name.Value] == nil {
				defs[d.Name.Value] = d
			}
		}
	}
	return func(tm *TableMapping) *flowWalker {
		w := &flowWalker{defs: defs, lookups: map[string]string{}}
		for _, l := range tm.Lookups {
			w.lookups[l.Name.Value] = l.Key.Value
		}
		return w
	}
}

// identityNumbers is the one answer to which source columns hold
// identity numbers, for P011 (IdentityColumnsOf), the columns in clear
// (IdentityColumns: M086, plan render, map doc) alike. A column is one
// when the mappings read it as a number — what any person: reads, or any
// mapping passes to pseudonym(), pnr() or pnr_kind(), in any table and
// wherever in an expression (a let, a condition's test, a comparison) —
// or, whatever they do to it, when its name is an identity number's
// (identityName). The steps go by name across tables: a number
// normalised or pseudonymised in one place is a number wherever it is
// copied. The receiving schema has no kind of column for a person, so a
// number copied under another name with no such step is found by
// neither.
func identityNumbers(files []*File, walker func(*TableMapping) *flowWalker) func(name string) bool {
	read := map[string]bool{}
	eachTable(files, func(tm *TableMapping) {
		w := walker(tm)
		w.numbers = read
		if tm.Person != nil {
			fl, _ := w.column(tm.Person)
			for _, n := range fl.all() {
				read[n] = true
			}
		}
		for _, cm := range tm.Columns {
			w.column(cm)
		}
	})
	return func(name string) bool { return read[name] || identityName(name) }
}

// identityUses tells, for every column mapping of the files, how it
// carries an identity number (IdentityColumns).
func identityUses(files []*File) []identityUse {
	walker := identityWalkers(files)
	is := identityNumbers(files, walker)
	type column struct {
		use  identityUse
		flow flow
	}
	var cols []column
	eachTable(files, func(tm *TableMapping) {
		w := walker(tm)
		for _, cm := range tm.Columns {
			fl, via := w.column(cm)
			cols = append(cols, column{identityUse{tm: tm, cm: cm, via: via}, fl})
		}
	})
	carries := func(names []string) bool { return slices.ContainsFunc(names, is) }
	out := make([]identityUse, 0, len(cols))
	for _, c := range cols {
		switch {
		case carries(c.flow.clear):
			c.use.rank = identityClear
		case carries(c.flow.part):
			c.use.rank = identityPart
		case carries(c.flow.pseudo):
			c.use.rank = identityPseudonymised
		}
		out = append(out, c.use)
	}
	// The characters of each number the parts hold, over every column: a
	// person's birth date in one and the last four digits in another give
	// the number back, joined by the patient.
	covered := map[string]map[int]bool{}
	for i, c := range cols {
		if out[i].rank != identityPart {
			continue
		}
		for _, sp := range c.flow.spans {
			if is(sp.name) {
				if covered[sp.name] == nil {
					covered[sp.name] = map[int]bool{}
				}
				for k := sp.from; k < sp.to; k++ {
					covered[sp.name][k] = true
				}
			}
		}
	}
	for i, c := range cols {
		if out[i].rank == identityPart && slices.ContainsFunc(c.flow.spans, func(sp partSpan) bool { return len(covered[sp.name]) >= partMax }) {
			out[i].rank, out[i].via = identityClear, out[i].via+", with the number's other parts"
		}
	}
	return out
}

// IdentityColumnsOf gives the source columns of tm that hold identity
// numbers (identityNumbers), which tm maps in any way or drops, sorted: a
// table with one holds persons' records, whatever its links say. A
// column copied under another name with no step that reads it as a
// number is not found: such a table's mapping must say no_person: or be
// linked to its patients.
func IdentityColumnsOf(files []*File, tm *TableMapping) []string {
	walker := identityWalkers(files)
	return identityColumnsOf(walker, identityNumbers(files, walker), tm)
}

// IdentitySources names every table mapping of the files (a merged
// table's members included) that maps or drops identity numbers, with
// them (IdentityColumnsOf), as "source: a, b", in the files' order: the
// tables whose records carry identity numbers, which an archive keeps as
// they are.
func IdentitySources(files []*File) []string {
	walker := identityWalkers(files)
	is := identityNumbers(files, walker)
	var out []string
	eachTable(files, func(tm *TableMapping) {
		if ids := identityColumnsOf(walker, is, tm); len(ids) > 0 {
			name := tm.Source.Value
			if name == "" {
				name = tm.Target.Value
			}
			out = append(out, name+": "+strings.Join(ids, ", "))
		}
	})
	return out
}

// identityColumnsOf is IdentityColumnsOf with the walkers and the
// identity numbers of the files given.
func identityColumnsOf(walker func(*TableMapping) *flowWalker, is func(string) bool, tm *TableMapping) []string {
	found := map[string]bool{}
	w := walker(tm)
	// A column read as a number only where its value goes nowhere
	// (pnr_kind(), a comparison of pnr(), a condition's test) is in no
	// flow, yet is read as a number.
	w.numbers = found
	for _, cm := range tm.Columns {
		fl, _ := w.column(cm)
		for _, n := range fl.all() {
			found[n] = found[n] || is(n)
		}
	}
	for n := range tm.Drop {
		found[n] = found[n] || is(n)
	}
	var out []string
	for n, ok := range found {
		if ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// nameWords splits a column's name into its words, folded as the names
// of identityWords and birthWords are: lower case, å and ä as a, ö as o,
// anything but letters and digits a separator.
func nameWords(name string) []string {
	var words []string
	word := []rune{}
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			word = append(word, r)
		case r == 'å' || r == 'ä':
			word = append(word, 'a')
		case r == 'ö':
			word = append(word, 'o')
		default:
			if len(word) > 0 {
				words = append(words, string(word))
				word = word[:0]
			}
		}
	}
	if len(word) > 0 {
		words = append(words, string(word))
	}
	return words
}

// identityWords are the names Swedish registries give a personal
// identity number's column, folded (identityName): personnummer and its
// abbreviations, the co-ordination number, and the English names. Not
// personal_id or personalnummer: "personal" is Swedish for staff.
var identityWords = map[string]bool{
	"personnummer": true, "personnr": true, "persnr": true, "pnr": true, "pnummer": true,
	"samordningsnummer": true, "samordningsnr": true, "samnr": true,
	"personnumber": true, "personalnumber": true, "personalidentitynumber": true, "ssn": true,
}

// identityName says whether a column's name is one an identity number's
// column is given: one of identityWords, in any case, with or without
// separators (PersNr, pers_nr), alone or as the last word (pat_pnr,
// patient_personnummer). It is a name, not a proof: a number under
// another name (nummer, id2) is not found, and what the mapping does to
// a column (IdentityColumnsOf) is asked first.
func identityName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 {
		return false
	}
	return identityWords[strings.Join(words, "")] || identityWords[words[len(words)-1]]
}

// IdentityName is identityName for the plan's checks of tables no mapping
// reads (unmapped_tables).
func IdentityName(name string) bool { return identityName(name) }

// partMax is the characters of an identity number a part may not hold:
// ten are the digits of a number without its century.
const partMax = 10

// checkIdentities warns (M086) of each column writing an identity number
// in clear when the mappings pseudonymise identity numbers elsewhere: a
// plan that pseudonymises promises the registry holder the numbers do not
// reach the receiving platform, and one copy in clear breaks it. A
// warning, not an error: a register may keep a number in clear on purpose,
// and plan render then says so (IN CLEAR) for the holder to approve.
func checkIdentities(files []*File) Diagnostics {
	var ds Diagnostics
	uses := identityUses(files)
	i := slices.IndexFunc(uses, func(u identityUse) bool { return u.rank == identityPseudonymised })
	if i < 0 {
		return nil
	}
	pseudo := uses[i].tm.Target.Value + "." + uses[i].cm.Target.Value
	for _, u := range uses {
		if u.rank == identityClear {
			ds.warn(u.cm.Pos, "M086", "%s.%s writes an identity number in clear (%s), while the mappings pseudonymise identity numbers (%s): the number reaches the receiving platform all the same; pseudonymise it here too, or drop the column (plan render shows it as IN CLEAR)",
				u.tm.Target.Value, u.cm.Target.Value, u.via, pseudo)
		}
	}
	return ds
}

// flow names the source columns a value is made from: in clear, as a
// part too short to be the number, or through pseudonym(). spans are the
// parts' characters.
type flow struct {
	clear, part, pseudo []string
	spans               []partSpan
}

// partSpan is the characters from up to to of a source column a part
// holds.
type partSpan struct {
	name     string
	from, to int
}

func (f flow) union(g flow) flow {
	add := func(a, b []string) []string {
		out := slices.Clone(a)
		for _, n := range b {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
		return out
	}
	spans := slices.Clone(f.spans)
	for _, sp := range g.spans {
		if !slices.Contains(spans, sp) {
			spans = append(spans, sp)
		}
	}
	return flow{add(f.clear, g.clear), add(f.part, g.part), add(f.pseudo, g.pseudo), spans}
}

// all is every column the value reads, however.
func (f flow) all() []string {
	return flow{clear: f.clear}.union(flow{clear: f.part}).union(flow{clear: f.pseudo}).clear
}

type flowWalker struct {
	defs map[string]*Definition
	// lookups gives each lookup's key column, by name.
	lookups map[string]string
	// scope holds the let variables and definition parameters, innermost
	// last; items the collections whose elements # stands for.
	scope []flowBinding
	items []flow
	depth int
	// numbers, when not nil, gathers the columns read as identity
	// numbers: given to pnr(), pnr_kind() or pseudonym().
	numbers map[string]bool
	// unborn, when not nil, gathers the columns given to pnr(),
	// pnr_kind() or pseudonym() without born_by (checkBornBy); bornBy
	// says a call with born_by was walked.
	unborn map[string]bool
	bornBy bool
}

// number notes the columns f reads as identity numbers (numbers).
func (w *flowWalker) number(f flow) {
	if w.numbers == nil {
		return
	}
	for _, n := range f.all() {
		w.numbers[n] = true
	}
}

// noteNumbers walks a node whose value carries nothing (a comparison's
// operands, a condition's test) for the columns it reads as identity
// numbers: pnr(nummer) != nil reads nummer as one.
func (w *flowWalker) noteNumbers(node ast.Node) {
	if w.numbers != nil {
		w.flow(node)
	}
}

type flowBinding struct {
	name string
	flow flow
}

// column is the flow of a column mapping's value and how it is written.
// A constant carries nothing; a code list's codes are written in the
// mapping, but its source column is counted as read all the same (a code
// list of identity numbers would be a copy of them).
func (w *flowWalker) column(cm *ColumnMapping) (flow, string) {
	switch {
	case cm.From.IsSet():
		return flow{clear: []string{cm.From.Value}}, cm.From.Value
	case cm.Expr.IsSet():
		tree, err := parser.Parse(cm.Expr.Value)
		if err != nil {
			// map check reports it; an expression that does not parse
			// is read as reading every name in it, in clear.
			return flow{clear: identifiers(cm.Expr.Value)}, "expr " + cm.Expr.Value
		}
		return w.flow(tree.Node), "expr " + cm.Expr.Value
	}
	return flow{}, ""
}

// boolOps give true or false, which is not an identity number whatever
// they compare.
var boolOps = map[string]bool{"==": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true, "in": true, "not in": true,
	"matches": true, "not matches": true, "contains": true, "not contains": true, "startsWith": true, "not startsWith": true,
	"endsWith": true, "not endsWith": true, "and": true, "or": true, "&&": true, "||": true}

// flow is what a node's value is made from. Everything reads its
// operands in clear, except:
//   - pseudonym(number, born_by): the number through pseudonym(); the
//     date only chooses the century.
//   - pnr(number, born_by): the number in clear; the date only chooses
//     the century, so a person: written so does not make the visit's
//     date an identity number.
//   - pnr_kind(number): one of four words, not the number.
//   - a comparison, not, and, or: true or false.
//   - a condition's test: it chooses the branch whose value is given.
//   - text[from:to] with constant bounds less than ten characters apart:
//     too short to hold the ten digits of a number (a birth date),
//     counted as a part.
//   - lookup(name, key, column): the reference table's column
//     (lookup:name.column), the key only when column is the key.
func (w *flowWalker) flow(node ast.Node) flow {
	switch n := node.(type) {
	case nil:
		return flow{}
	case *ast.IdentifierNode:
		for i := len(w.scope) - 1; i >= 0; i-- {
			if w.scope[i].name == n.Value {
				return w.scope[i].flow
			}
		}
		return flow{clear: []string{n.Value}}
	case *ast.PointerNode:
		if len(w.items) > 0 {
			return w.items[len(w.items)-1]
		}
		return flow{}
	case *ast.UnaryNode:
		if n.Operator == "!" || n.Operator == "not" {
			w.noteNumbers(n.Node)
			return flow{}
		}
		return w.flow(n.Node)
	case *ast.BinaryNode:
		if boolOps[n.Operator] {
			w.noteNumbers(n.Left)
			w.noteNumbers(n.Right)
			return flow{}
		}
		return w.flow(n.Left).union(w.flow(n.Right))
	case *ast.ConditionalNode:
		w.noteNumbers(n.Cond)
		return w.flow(n.Exp1).union(w.flow(n.Exp2))
	case *ast.VariableDeclaratorNode:
		w.scope = append(w.scope, flowBinding{n.Name, w.flow(n.Value)})
		defer func() { w.scope = w.scope[:len(w.scope)-1] }()
		return w.flow(n.Expr)
	case *ast.SliceNode:
		inner := w.flow(n.Node)
		from, to := 0, -1
		if f, ok := n.From.(*ast.IntegerNode); ok {
			from = f.Value
		} else if n.From != nil {
			from = -1
		}
		if t, ok := n.To.(*ast.IntegerNode); ok {
			to = t.Value
		}
		if from >= 0 && to >= from && to-from < partMax {
			f := flow{part: inner.clear, pseudo: inner.pseudo}.union(flow{part: inner.part, spans: inner.spans})
			for _, name := range inner.clear {
				f.spans = append(f.spans, partSpan{name, from, to})
			}
			return f
		}
		return inner.union(w.flow(n.From)).union(w.flow(n.To))
	case *ast.CallNode:
		return w.call(n)
	case *ast.BuiltinNode:
		var f flow
		for i, a := range n.Arguments {
			if _, pred := a.(*ast.PredicateNode); pred && i > 0 {
				w.items = append(w.items, w.flow(n.Arguments[0]))
				f = f.union(w.flow(a))
				w.items = w.items[:len(w.items)-1]
				continue
			}
			f = f.union(w.flow(a))
		}
		return f
	case *ast.MemberNode:
		return w.flow(n.Node).union(w.flow(n.Property))
	case *ast.ChainNode:
		return w.flow(n.Node)
	case *ast.PredicateNode:
		return w.flow(n.Node)
	case *ast.ArrayNode:
		return w.all(n.Nodes)
	case *ast.SequenceNode:
		return w.all(n.Nodes)
	case *ast.MapNode:
		return w.all(n.Pairs)
	case *ast.PairNode:
		return w.flow(n.Key).union(w.flow(n.Value))
	}
	// A literal.
	return flow{}
}

// all is the union of the nodes' flows.
func (w *flowWalker) all(nodes []ast.Node) flow {
	var f flow
	for _, n := range nodes {
		f = f.union(w.flow(n))
	}
	return f
}

func (w *flowWalker) call(n *ast.CallNode) flow {
	id, _ := n.Callee.(*ast.IdentifierNode)
	name := ""
	if id != nil {
		name = id.Value
	}
	args := func(from int) flow { return w.all(n.Arguments[min(from, len(n.Arguments)):]) }
	str := func(i int) (string, bool) {
		if i >= len(n.Arguments) {
			return "", false
		}
		s, ok := n.Arguments[i].(*ast.StringNode)
		if !ok {
			return "", false
		}
		return s.Value, true
	}
	switch name {
	case "pseudonym":
		if len(n.Arguments) == 0 {
			return flow{}
		}
		f := w.flow(n.Arguments[0])
		w.number(f)
		w.born(n, f)
		return flow{pseudo: f.all()}
	case "pnr":
		if len(n.Arguments) == 0 {
			return flow{}
		}
		f := w.flow(n.Arguments[0])
		w.number(f)
		w.born(n, f)
		return f
	case "pnr_kind":
		if len(n.Arguments) > 0 {
			f := w.flow(n.Arguments[0])
			w.number(f)
			w.born(n, f)
		}
		return flow{}
	case "col":
		if c, ok := str(0); ok && len(n.Arguments) == 1 {
			return flow{clear: []string{c}}
		}
	case "lookup":
		table, ok1 := str(0)
		column, ok2 := str(2)
		if ok1 && ok2 {
			f := flow{clear: []string{"lookup:" + table + "." + column}}.union(args(3))
			if key, ok := w.lookups[table]; !ok || key == column {
				f = f.union(w.flow(n.Arguments[1]))
			}
			return f
		}
	}
	if d := w.defs[name]; d != nil && len(d.Params) == len(n.Arguments) && w.depth < maxExpansion {
		tree, err := parser.Parse(d.Expr.Value)
		if err == nil {
			// The body sees its parameters only (definitions()).
			outer := w.scope
			w.scope = nil
			for i, p := range d.Params {
				w.scope = append(w.scope, flowBinding{p.Value, flowIn(w, outer, n.Arguments[i])})
			}
			w.depth++
			f := w.flow(tree.Node)
			w.depth--
			w.scope = outer
			return f
		}
	}
	return args(0)
}

// born notes whether a call of pnr(), pnr_kind() or pseudonym() reading
// the number f gives born_by (a second argument, not nil) for
// checkBornBy.
func (w *flowWalker) born(n *ast.CallNode, f flow) {
	if len(n.Arguments) >= 2 {
		if _, null := n.Arguments[1].(*ast.NilNode); !null {
			w.bornBy = true
			return
		}
	}
	if w.unborn != nil {
		for _, c := range f.all() {
			w.unborn[c] = true
		}
	}
}

// flowIn is an argument's flow in the caller's scope.
func flowIn(w *flowWalker, scope []flowBinding, a ast.Node) flow {
	inner := w.scope
	w.scope = scope
	defer func() { w.scope = inner }()
	return w.flow(a)
}
