package mappings

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"gopkg.in/yaml.v3"

	"github.com/regflytt/regflytt/connectors"
)

// TableRule is a rule over a whole record, in a table mapping's rules:
// list, with the reason code the mapping names for it:
//
//	rules:
//	  - {when: "visit_date < birth_date", archive: before_birth, detail: "visit dated before the patient's birth"}
//	  - {when: "visit_date > reference_date", archive: after_reference_date}
//	  - {when: 'src.test_patient == "J"', exclude: test_patient}
//
// when is an expression over the receiving row as the mapping made it
// (its columns by name) and the source row (src.column), with the plan's
// run.reference_date as reference_date. A record whose row the columns
// made gets the first rule that gives true: archived (or excluded,
// written nowhere) with that reason. An ordering comparison with an empty
// side is false here, so a rule about two dates says nothing when one is
// missing.
type TableRule struct {
	Pos  Pos
	When Str
	// Archive or Exclude is the reason code; exactly one is set.
	Archive, Exclude Str
	// Detail says why in words, for the archive's reader and map doc.
	Detail Str
}

// Code is the rule's reason code, whichever outcome it gives.
func (r *TableRule) Code() Str {
	if r.Archive.IsSet() {
		return r.Archive
	}
	return r.Exclude
}

// reasonCode is the shape of a reason a mapping names: snake_case.
var reasonCode = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// builtinReasonList lists the reason codes regflytt itself gives, beyond
// those of functions (Functions) and of the receiving column's type
// (connectors.Rules) and the cast_<kind> family.
var builtinReasonList = []string{
	"code_unmapped", "rule_required", "rule_range", "rule_pattern", "rule_enum",
	ReasonExpressionRange, "expression_failed", ReasonValueLost, ReasonValuesDiffer, "lookup_missing",
	ReasonVariableNotMapped, ReasonVariableSpelling, "duplicate_value", ReasonSupersededValue, "orphan", "merge_conflict", ReasonKeySpelling, "parent_archived",
	"duplicate_registration", "table_not_mapped", "duplicate_key", "opt_out", "erasure", "error",
	ReasonUnitNotTranslated,
}

// BuiltinReasons lists every reason code regflytt gives by itself, sorted.
// A mapping's own reason codes must not take one of these names: an
// auditor counting merge_conflict must count only merge conflicts.
func BuiltinReasons() []string {
	set := map[string]bool{}
	for _, r := range builtinReasonList {
		set[r] = true
	}
	for _, f := range Functions() {
		for _, r := range f.Reasons {
			if r != "…" {
				set[r] = true
			}
		}
	}
	for _, r := range pnrRules {
		set["pnr_"+r] = true
	}
	for _, ri := range connectors.Rules() {
		set[string(ri.Rule)] = true
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// pnrRules are the rules of identity numbers a failure of pnr() or
// pseudonym() names (pnr_<rule>).
var pnrRules = []string{"length", "digits", "separator", "month", "day", "checksum", "future", "year", "empty"}

func isBuiltinReason(code string) bool {
	if strings.HasPrefix(code, "cast_") {
		return true
	}
	for _, r := range BuiltinReasons() {
		if r == code {
			return true
		}
	}
	return false
}

// checkReasonCode reports a reason code a mapping names that is not
// snake_case or takes a built-in reason's name.
func checkReasonCode(s Str, ds *Diagnostics) {
	switch {
	case !reasonCode.MatchString(s.Value):
		ds.add(s.Pos, "M070", "reason code %s must be snake_case (lower-case letters, digits and _, starting with a letter)", SafeName(s.Value))
	case isBuiltinReason(s.Value):
		ds.add(s.Pos, "M070", "reason code %s is one regflytt gives by itself: name the mapping's own reason (before_birth, unit_missing), so that the archive tells them apart", s.Value)
	}
}

// parseTableRules reads a table mapping's rules: list.
func parseTableRules(path string, f *Fields, ds *Diagnostics) []*TableRule {
	var out []*TableRule
	for _, n := range f.Seq("rules") {
		rf := ReadFields(path, n, ds, "a table rule")
		r := &TableRule{Pos: rf.Pos()}
		r.When = rf.Required("when")
		r.Archive = rf.Str("archive")
		r.Exclude = rf.Str("exclude")
		r.Detail = rf.Str("detail")
		rf.Str("description")
		rf.Done()
		if !rf.ok {
			continue
		}
		if r.Archive.IsSet() == r.Exclude.IsSet() {
			ds.add(r.Pos, "Y003", "a table rule needs exactly one of archive: reason or exclude: reason")
		} else {
			checkReasonCode(r.Code(), ds)
		}
		out = append(out, r)
	}
	return out
}

// parseReasons reads a column's reasons: the built-in reasons of its
// failures renamed to the mapping's own, so the archive says why in the
// registry's words:
//
//	unit: {expr: 'lookup("unit", enhet, "id")', reasons: {lookup_missing: unit_missing}}
func parseReasons(path string, n *yaml.Node, ds *Diagnostics) map[string]Str {
	if n.Kind != yaml.MappingNode {
		ds.add(PosOf(path, n), "Y001", "reasons must map a built-in reason to the mapping's own: {lookup_missing: unit_missing}")
		return nil
	}
	out := map[string]Str{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !isBuiltinReason(k.Value) {
			ds.add(PosOf(path, k), "M070", "reasons: %s is not a reason regflytt gives (%s …)", SafeName(k.Value), strings.Join(BuiltinReasons()[:6], ", "))
			continue
		}
		if v.Kind != yaml.ScalarNode {
			ds.add(PosOf(path, v), "Y001", "reasons: the new reason for %s must be a single value", k.Value)
			continue
		}
		s := Str{Value: v.Value, Pos: PosOf(path, v)}
		checkReasonCode(s, ds)
		out[k.Value] = s
	}
	return out
}

// compiledTableRule is a table rule ready to run.
type compiledTableRule struct {
	rule *TableRule
	when *compiledExpr
	kind OutcomeKind
	// before: the rule reads only the source row, and is checked before
	// the columns are made, so its reason wins over a column's failure
	// (a reserve number archived as no_national_id, not pnr_digits).
	before bool
}

// tableRules compiles a table mapping's rules against its receiving table
// (columns by name) and source table (src.column).
func (c *compiler) tableRules(tp *TableProgram) {
	if len(c.tm.Rules) == 0 {
		return
	}
	names := ruleColumnNames(tp)
	decimals := decimalColumns(decimalColumns(nil, "", tp.Target), "src.", tp.Source)
	for _, r := range c.tm.Rules {
		if !r.When.IsSet() {
			continue
		}
		c.checkLookups(r.When, c.catalog)
		ce, err := compileExprMode(r.When, names, c.env, exprMode{sourceMembers: true, nullFalse: true, decimals: decimals})
		if err != nil {
			c.ds.add(r.When.Pos, "M013", "rule %s: %v", r.Code().Value, err)
			continue
		}
		if ce.refDateBesideColumn {
			c.ds.warn(r.When.Pos, "M091", "%s reads reference_date, the plan's run.reference_date, and %s has a column named reference_date too: the bare name is always the plan's date; read the column as col(\"reference_date\")", "rule "+r.Code().Value, "receiving table "+tp.Target.Name)
		}
		// A receiving column may be named src.x (a name may hold a dot),
		// and src.x in a rule names the source column x too: whichever
		// the rule read, its writer may have meant the other.
		if name, ok := srcNamedReceiving(tp, ce.read); ok {
			c.ds.add(r.When.Pos, "M013", "rule %s reads %s, which names both the receiving column %s of table %s and, as src. does in a rule, the source column %s of table %s: a rule cannot tell them apart; rename the receiving column in the schema", r.Code().Value, name, name, tp.Target.Name, strings.TrimPrefix(name, "src."), tp.Source.Name)
			continue
		}
		// A source column a rule reads is not thereby migrated: it is
		// still mapped or dropped with a reason (M010), like any other.
		kind := Archived
		if r.Exclude.IsSet() {
			kind = Excluded
		}
		before := true
		for _, name := range ce.read {
			if !strings.HasPrefix(name, "src.") {
				before = false
			}
		}
		tp.rules = append(tp.rules, compiledTableRule{rule: r, when: ce, kind: kind, before: before})
	}
}

// srcNamedReceiving gives the first name a rule read that is a
// receiving column named src.something.
func srcNamedReceiving(tp *TableProgram, read []string) (string, bool) {
	for _, name := range read {
		if !strings.HasPrefix(name, "src.") {
			continue
		}
		for _, c := range tp.Target.Columns {
			if c.Name == name {
				return name, true
			}
		}
	}
	return "", false
}

// ruleColumnNames are the names a table rule reads: the receiving
// columns, then the source columns as src.name.
func ruleColumnNames(tp *TableProgram) []string {
	names := columnNames(tp.Target)
	for _, c := range tp.Source.Columns {
		names = append(names, "src."+c.Name)
	}
	return names
}

// applyRules runs the table rules on a record; ok is set when one fires,
// with the outcome it gives. With out nil it runs the rules that read only
// the source row (before the columns are made), else the others on the
// receiving row.
func (p *TableProgram) applyRules(out, row []connectors.Value) (Outcome, bool) {
	if len(p.rules) == 0 {
		return Outcome{}, false
	}
	before := out == nil
	// The receiving row (NULLs before the columns are made), then the
	// source row, in one slice kept from the record before.
	env := &p.state.rules
	r := env.R[:0]
	if n := len(p.Target.Columns); len(out) == n {
		r = append(r, out...)
	} else {
		for range n {
			r = append(r, nil)
		}
		copy(r, out)
	}
	r = append(r, row...)
	env.R = r
	for i := range p.rules {
		tr := &p.rules[i]
		if tr.before != before {
			continue
		}
		got, err := p.state.vm.Run(tr.when.prog, env)
		if err != nil {
			// A function the rule calls that refuses the value says why
			// with its own reason (date() of 2019-02-30: invalid_date),
			// as it would in a column; anything else is the rule's own
			// failure.
			reason, detail := "expression_failed", exprDetail(err)
			var re *reasonError
			if errors.As(err, &re) {
				reason, detail = re.Reason, re.Detail
			}
			return Outcome{Kind: Archived, Reason: reason, Detail: "rule " + tr.rule.Code().Value + ": " + detail, SourceColumn: ruleSources(tr.when.read)}, true
		}
		switch b := got.(type) {
		case bool:
			if !b {
				continue
			}
		case nil:
			continue
		default:
			return Outcome{Kind: Archived, Reason: "expression_failed", Detail: "rule " + tr.rule.Code().Value + ": when must give true or false"}, true
		}
		o := Outcome{Kind: tr.kind, Reason: tr.rule.Code().Value, Detail: tr.rule.Detail.Value}
		if tr.kind == Archived {
			o.SourceColumn = ruleSources(tr.when.read)
		}
		return o, true
	}
	return Outcome{}, false
}

// ruleSources names the source columns a rule read (src.name), for the
// archive record.
func ruleSources(read []string) string {
	var out []string
	for _, n := range read {
		if s, ok := strings.CutPrefix(n, "src."); ok {
			out = append(out, s)
		}
	}
	return strings.Join(out, ", ")
}

// named renames a failure's built-in reason to the one the column's
// reasons: gives, keeping the built-in reason in the detail.
func (cp *columnProgram) named(f failure) failure {
	if to, ok := cp.reasons[f.reason]; ok {
		return failure{reason: to, detail: f.reason + ": " + f.detail}
	}
	return f
}

// sourceColumns names the source columns a column's value came from, for
// the archive record of a failed value: the from: column, or every column
// an expression read.
func (p *TableProgram) sourceColumns(cp *columnProgram) string {
	if cp.src >= 0 {
		return p.Source.Columns[cp.src].Name
	}
	names := make([]string, 0, len(cp.reads))
	for _, r := range cp.reads {
		if r >= 0 && r < len(p.Source.Columns) {
			names = append(names, p.Source.Columns[r].Name)
		}
	}
	return strings.Join(names, ", ")
}

// ruleSourceNames lists the source columns a table rule names as
// src.column, for the catalogue plan check compiles against.
func ruleSourceNames(src string) []string {
	if src == "" {
		return nil
	}
	tree, err := parser.Parse(src)
	if err != nil {
		return nil
	}
	v := &srcMembers{}
	ast.Walk(&tree.Node, v)
	return v.names
}

type srcMembers struct{ names []string }

func (v *srcMembers) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "src" {
		return
	}
	if p, ok := m.Property.(*ast.StringNode); ok {
		v.names = append(v.names, p.Value)
	}
}

// rulesBlock documents a table's rules for map doc: when, what, why.
func rulesBlock(tm *TableMapping) (DocBlock, bool) {
	if len(tm.Rules) == 0 {
		return DocBlock{}, false
	}
	b := DocBlock{level: 3, heading: "Rules", header: []string{"when", "the record is", "reason", "why"},
		paras: []string{"Checked in this order; the first that holds decides. A rule that reads only the source row is checked before the columns are made, the others on the receiving row."}}
	for _, r := range tm.Rules {
		what := "archived"
		if r.Exclude.IsSet() {
			what = "excluded (written nowhere)"
		}
		b.rows = append(b.rows, []string{r.When.Value, what, r.Code().Value, r.Detail.Value})
	}
	return b, true
}

// reasonsText says a column's renamed reasons for map doc.
func reasonsText(c *ColumnMapping) []string {
	if len(c.Reasons) == 0 {
		return nil
	}
	from := make([]string, 0, len(c.Reasons))
	for k := range c.Reasons {
		from = append(from, k)
	}
	sort.Strings(from)
	var out []string
	for _, k := range from {
		out = append(out, fmt.Sprintf("%s is archived as %s", k, c.Reasons[k].Value))
	}
	return out
}

// archivedCodeRows lists a code list's codes archived on purpose for map
// doc's code-list table.
func archivedCodeRows(cl *CodeList) [][]string {
	codes := make([]string, 0, len(cl.Archive))
	for c := range cl.Archive {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var rows [][]string
	for _, c := range codes {
		rows = append(rows, []string{"(every version not mapping it)", c, "(archived on purpose: " + cl.Archive[c].Value + ")"})
	}
	return rows
}

// constructBlocks explains, with its example, each construct of the
// language the files use (see Constructs).
func constructBlocks(files []*File) []DocBlock {
	var out []DocBlock
	for _, c := range Constructs() {
		if !c.used(files) {
			continue
		}
		if len(out) == 0 {
			out = append(out, DocBlock{level: 2, heading: "How to read the rules", paras: []string{"What the constructs these mappings use mean, each with an example whose tests regflytt runs."}})
		}
		out = append(out, DocBlock{level: 3, heading: c.Name, paras: []string{c.Doc}, code: c.Mapping})
	}
	return out
}

// namedReasonsBlock lists every reason code the mappings name, where and
// why, for map doc: the codes an auditor will meet in the archive and the
// reports beside the built-in ones.
func namedReasonsBlock(files []*File) []DocBlock {
	b := DocBlock{level: 2, heading: "Reasons these mappings name", header: []string{"reason", "the record is", "where", "why"},
		paras: []string{"Besides regflytt's own reason codes, records are archived or excluded with these, and every report counts them by name."}}
	eachTable(files, func(tm *TableMapping) {
		for _, r := range tm.Rules {
			what := "archived"
			if r.Exclude.IsSet() {
				what = "excluded"
			}
			b.rows = append(b.rows, []string{r.Code().Value, what, "rule of " + tm.Source.Value + ": " + r.When.Value, r.Detail.Value})
		}
		for _, c := range tm.Columns {
			for _, from := range sortedKeys(c.Reasons) {
				b.rows = append(b.rows, []string{c.Reasons[from].Value, "archived", tm.Target.Value + "." + c.Target.Value, "renames " + from})
			}
		}
	})
	for _, f := range files {
		for _, cl := range f.CodeLists {
			for _, code := range sortedKeys(cl.Archive) {
				b.rows = append(b.rows, []string{cl.Archive[code].Value, "archived", "code list " + cl.Name.Value, fmt.Sprintf("code %q archived on purpose", code)})
			}
		}
	}
	if len(b.rows) == 0 {
		return nil
	}
	return []DocBlock{b}
}

func sortedKeys(m map[string]Str) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
