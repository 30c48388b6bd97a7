package mappings

import (
	"gopkg.in/yaml.v3"
	"strings"
)

// File is one parsed mapping file:
//
//	version: 1
//	tables:
//	  - target: visit           # a table of the receiving schema
//	    source: besok           # a table of the legacy database
//	    key: [id]               # optional: the record key (default: primary key)
//	    order_by: [reported]    # optional: process in this order, ties by key
//	    columns:
//	      visit_id: id          # target column: source column
//	      visit_date: {from: besoksdatum, cast: date}
//	    drop:                   # source columns deliberately not migrated, with why
//	      personnr: pseudonymised separately
//
// Every source column must be mapped or dropped with a reason (M010), so
// that leaving data behind is a decision someone wrote down.
type File struct {
	Path   string
	Tables []*TableMapping
	// CodeLists are the code lists defined in the file or in the files it
	// names under codelists:.
	CodeLists []*CodeList
	// Includes are the code-list files it names, for fingerprints.
	Includes []string
	// Access says what grants mean on both platforms (access.go).
	Access *AccessSpec
	// Tests are the file's own test cases (see maptest.go).
	Tests []*TestCase
	// Definitions are the named expressions the file defines (define:),
	// callable from every table of the plan.
	Definitions []*Definition
}

// TableMapping says how one source table becomes one target table.
type TableMapping struct {
	Pos    Pos
	Target Str
	// Source names the source table (source: name or source: {table:
	// name}); for an EAV source, its entities table.
	Source Str
	// EAV, when set, pivots entity-attribute-value rows into one target
	// row per entity.
	EAV *EAVSource
	// Select, when set, is a read-only SELECT whose rows stand for the
	// records of Source, one row each (a JOIN that drops or repeats them
	// fails verification's count of Source):
	//
	//	source:
	//	  table: besok
	//	  select: SELECT b.*, p.personnr FROM besok b LEFT JOIN patient p ON p.id = b.patient_id
	Select Str
	// Key names the record key: the columns that identify a record in
	// outcomes, the archive, verification and reports.
	Key []Str
	// OrderBy names the source columns the records are processed in
	// (ascending, ties broken by Key): which record is first decides
	// which one keeps a receiving key or a registration. Empty: key
	// order.
	OrderBy []Str
	Columns []*ColumnMapping
	// Drop maps deliberately unmapped source columns to the reason.
	Drop map[string]Str
	// DropPos keeps where each dropped column was named.
	DropPos map[string]Pos
	// Person names the source column (or expression) holding the patient's
	// identity number; records of opted-out patients are excluded.
	Person *ColumnMapping
	// NoPerson says why the table's records belong to no patient (care
	// units, code lists): with an opt-out or erasure list in the plan, a
	// table must have a person:, a parent: or this reason, since its
	// records are matched against the lists in no other way.
	NoPerson Str
	// Granularity is "record" (default: one bad value archives the whole
	// record) or "value" (the value is archived, the target gets NULL).
	Granularity Str
	// Merge names target columns that identify the same record: rows with
	// equal values there become one target row (see MergeProgram).
	Merge []Str
	// Members are the sub-registers of a main register (sources:), each a
	// table mapping of its own into this target, with a Precedence.
	Members    []*TableMapping
	Precedence int
	// Lookups name small reference tables expressions read with
	// lookup(name, key, column).
	Lookups []*LookupSpec
	// Parent, when set, makes each record follow its parent record's
	// outcome; Duplicates decides which of the records of one
	// registration is migrated (see parent.go).
	Parent     *ParentSpec
	Duplicates *DuplicatesSpec
	// Unit names the reporting care unit of the records (access.go).
	Unit *UnitSpec
	// Rules are the table's rules over the whole record, each with the
	// reason code the mapping names (see rules.go).
	Rules []*TableRule
}

// LookupSpec declares a reference table read into memory, keyed by one
// column:
//
//	lookups:
//	  unit: {table: vardenhet, key: id}
//
// Expressions then read lookup("unit", vardenhet_id, "region"): the
// region of the care unit the row refers to. A key that is not there
// archives the record (lookup_missing) unless a fourth argument gives a
// default. Reference tables are small; a big one belongs in a select:
// source with a JOIN, so the database does the work.
type LookupSpec struct {
	Pos        Pos
	Name       Str
	Table, Key Str
}

// EAVSource is a form store: an entities table with one row per
// registration and a values table with one row per (entity, variable):
//
//	source:
//	  eav:
//	    entities: formular_instans  # keyed by its primary key (one column)
//	    values: formular_varde
//	    entity: instans_id          # column of values referring to the entity
//	    attribute: variabel         # column of values naming the variable
//	    value: varde                # column of values holding the value (text)
//	    version: variabel_version   # optional: the variable's version
//	    latest_by: registrerad      # optional: which of a variable's rows migrates
//
// Columns read entity columns and variables by name. A value row is a
// source record of its own: it migrates with its entity, is archived
// (variable_not_mapped, duplicate_value, superseded_value, orphan, or its
// entity's reason), or is excluded with its patient.
type EAVSource struct {
	Pos                               Pos
	Entities, Values                  Str
	Entity, Attribute, Value, Version Str
	// LatestBy names a values column (a number, a date or a timestamp):
	// of the value rows one form holds for one variable, the one with its
	// greatest value migrates (a correction entered later) and the others
	// are archived as superseded_value. Unset, the first in values-key
	// order migrates and the others are duplicate_value.
	LatestBy Str
}

// ColumnMapping gives one target column its value. The value goes through
// these steps, each optional, in this order:
//
//	from | expr | value   where the value comes from
//	default               replaces NULL
//	codelist              old code to new code, per code-list version
//	cast                  lossless conversion to the target type
//	rules                 required, range, pattern, enum
//
// and must then fit the target column.
type ColumnMapping struct {
	Pos    Pos
	Target Str
	// From is the source column.
	From Str
	// Expr is an expression over the source columns (see Functions).
	Expr Str
	// Value is a constant.
	Value *Str
	// Default replaces a NULL.
	Default *Str
	// CodeList names a code list, CodeListVersion the source column (or a
	// constant, when quoted) giving the code-list version.
	CodeList, CodeListVersion Str
	// Cast converts the value to the target type, losslessly or not at all
	// (then the record is archived with reason cast_<kind>).
	Cast Str
	// Rules validate the value after the cast.
	Rules []Rule
	// NullWhen declares when the value is NULL (see parseNullWhen).
	NullWhen *NullWhen
	// Reasons renames the built-in reasons of this column's failures to
	// the mapping's own (lookup_missing: unit_missing).
	Reasons map[string]Str
	// OpenEnded lists the source values that mean "open" (no end yet):
	// they become NULL by declaration (see openended.go).
	OpenEnded []Str
	// Choice says why the first value of the expression's coalesce() or
	// ?? wins over a later one that differs (choice.go).
	Choice Str
}

// Rule is one validation rule of a column: required, range, pattern or
// enum.
type Rule struct {
	Pos  Pos
	Kind string
	// Args: range has min and max (either may be empty), pattern one
	// regular expression, enum the allowed values, required none.
	Args []Str
}

// ParseFile reads a mapping file and reports every problem of shape in it.
// Problems of meaning (unknown tables, types) are Compile's.
func ParseFile(path string) (*File, Diagnostics) {
	root, ds := ParseYAML(path)
	if root == nil {
		return nil, ds
	}
	f, more := parseFile(path, root)
	return f, append(ds, more...)
}

func parseFile(path string, root *yaml.Node) (*File, Diagnostics) {
	var ds Diagnostics
	file := &File{Path: path}
	top := ReadFields(path, root, &ds, "a mapping file")
	if v := top.Str("version"); v.IsSet() && v.Value != "1" {
		ds.add(v.Pos, "Y001", "mapping format version %s is not known (this regflytt reads version 1)", v.Value)
	}
	top.Str("description")
	file.CodeLists = parseCodeListsField(top, &ds, &file.Includes)
	file.Access = parseAccess(path, top, &ds)
	file.Tests = parseTests(path, top, &ds)
	file.Definitions = parseDefinitions(path, top, &ds)
	tables := top.Seq("tables")
	if top.Node("tables") == nil {
		ds.add(top.Pos(), "Y003", "missing field %q", "tables")
	}
	top.Done()
	for _, tn := range tables {
		tf := ReadFields(path, tn, &ds, "a table mapping")
		tm := &TableMapping{Pos: tf.Pos(), Drop: map[string]Str{}, DropPos: map[string]Pos{}}
		tm.Target = tf.Required("target")
		tm.Merge = tf.Strs("merge")
		if members := tf.Seq("sources"); members != nil {
			for _, mn := range members {
				mf := ReadFields(path, mn, &ds, "a source of a merged mapping")
				m := &TableMapping{Pos: mf.Pos(), Target: tm.Target, Drop: map[string]Str{}, DropPos: map[string]Pos{}}
				parseSource(mf, m, &ds)
				m.Precedence = mf.Int("precedence", 0)
				parseBody(path, mf, m, &ds)
				mf.Done()
				tm.Members = append(tm.Members, m)
			}
			if len(tm.Merge) == 0 {
				ds.add(tf.Pos(), "Y003", "sources: needs merge: [target columns] that identify the same record")
			}
			tf.Str("description")
			tf.Done()
			file.Tables = append(file.Tables, tm)
			continue
		}
		parseSource(tf, tm, &ds)
		parseBody(path, tf, tm, &ds)
		tf.Done()
		file.Tables = append(file.Tables, tm)
	}
	return file, ds
}

func parseColumn(path string, k, v *yaml.Node, ds *Diagnostics) *ColumnMapping {
	c := &ColumnMapping{Pos: PosOf(path, k), Target: Str{Value: k.Value, Pos: PosOf(path, k)}}
	if v.Kind == yaml.ScalarNode {
		// Shorthand: "target: source_column".
		c.From = Str{Value: v.Value, Pos: PosOf(path, v)}
		if v.Value == "" {
			ds.add(PosOf(path, v), "Y003", "column %s: no source column", k.Value)
		}
		return c
	}
	cf := ReadFields(path, v, ds, "a column mapping")
	c.From = cf.Str("from")
	c.Expr = cf.Str("expr")
	if n := cf.Node("value"); n != nil {
		s := cf.Str("value")
		c.Value = &s
	}
	if n := cf.Node("default"); n != nil {
		s := cf.Str("default")
		c.Default = &s
	}
	if n := cf.Node("codelist"); n != nil {
		if n.Kind == yaml.ScalarNode {
			c.CodeList = cf.Str("codelist")
		} else {
			lf := ReadFields(path, n, ds, "codelist")
			c.CodeList = lf.Required("name")
			c.CodeListVersion = lf.Str("version")
			lf.Done()
		}
	}
	c.Cast = cf.Str("cast")
	if n := cf.Node("rules"); n != nil {
		c.Rules = parseRules(path, n, ds)
	}
	if n := cf.Node("null_when"); n != nil {
		c.NullWhen = parseNullWhen(path, n, ds)
	}
	if n := cf.Node("reasons"); n != nil {
		c.Reasons = parseReasons(path, n, ds)
	}
	c.OpenEnded = cf.Strs("open_ended")
	c.Choice = cf.Str("choice")
	cf.Str("description")
	cf.Done()
	sources := 0
	for _, set := range []bool{c.From.IsSet(), c.Expr.IsSet(), c.Value != nil} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		ds.add(c.Pos, "Y003", "column %s needs exactly one of from, expr or value", k.Value)
	}
	return c
}

// ruleKinds lists the validation rules and what arguments they take.
var ruleKinds = map[string]string{
	"required": "true",
	"range":    "[min, max] (either may be empty: [0, ] has no maximum)",
	"pattern":  "a regular expression the whole text must match",
	"enum":     "a list of allowed values",
}

func parseRules(path string, n *yaml.Node, ds *Diagnostics) []Rule {
	rf := ReadFields(path, n, ds, "rules")
	var rules []Rule
	if !rf.ok {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		r := Rule{Pos: PosOf(path, k), Kind: k.Value}
		if _, ok := ruleKinds[k.Value]; !ok {
			var names []string
			for name := range ruleKinds {
				names = append(names, name)
			}
			ds.add(r.Pos, "Y002", "unknown rule %q%s", k.Value, suggest(k.Value, names))
			continue
		}
		switch v.Kind {
		case yaml.ScalarNode:
			r.Args = []Str{{Value: v.Value, Pos: PosOf(path, v)}}
		case yaml.SequenceNode:
			for _, a := range v.Content {
				r.Args = append(r.Args, Str{Value: a.Value, Pos: PosOf(path, a)})
			}
		default:
			ds.add(PosOf(path, v), "Y001", "rule %s takes %s", k.Value, ruleKinds[k.Value])
			continue
		}
		rules = append(rules, r)
	}
	return rules
}

// parseSource reads source: as a table name, {table: name} or {eav: …}.
func parseSource(tf *Fields, tm *TableMapping, ds *Diagnostics) {
	n := tf.Node("source")
	if n == nil {
		if tf.ok {
			ds.add(tf.Pos(), "Y003", "missing field %q", "source")
		}
		return
	}
	if n.Kind == yaml.ScalarNode {
		tm.Source = tf.Str("source")
		return
	}
	sf := ReadFields(tf.File(), n, ds, "source")
	if sf.Node("table") != nil {
		tm.Source = sf.Required("table")
	}
	if sf.Node("select") != nil {
		tm.Select = sf.Required("select")
		if sf.Node("table") == nil {
			ds.add(sf.Pos(), "Y003", "a select: source needs table: the table whose records its rows stand for")
		}
	}
	if en := sf.Node("eav"); en != nil {
		ef := ReadFields(tf.File(), en, ds, "eav")
		e := &EAVSource{Pos: ef.Pos()}
		e.Entities = ef.Required("entities")
		e.Values = ef.Required("values")
		e.Entity = ef.Required("entity")
		e.Attribute = ef.Required("attribute")
		e.Value = ef.Required("value")
		e.Version = ef.Str("version")
		e.LatestBy = ef.Str("latest_by")
		ef.Done()
		tm.EAV = e
		tm.Source = e.Entities
	}
	if (sf.Node("table") == nil) == (tm.EAV == nil) && sf.ok {
		ds.add(sf.Pos(), "Y003", "source needs exactly one of table or eav")
	}
	sf.Done()
}

// parseBody reads what every table mapping has: key, order_by,
// granularity, person, columns, drop.
func parseBody(path string, f *Fields, tm *TableMapping, ds *Diagnostics) {
	tm.Key = f.Strs("key")
	tm.OrderBy = f.Strs("order_by")
	tm.Granularity = f.Str("granularity")
	if g := tm.Granularity; g.IsSet() && g.Value != "record" && g.Value != "value" {
		ds.add(g.Pos, "Y001", "granularity must be record or value")
	}
	lk, lv := f.Pairs("lookups")
	for i, k := range lk {
		lf := ReadFields(path, lv[i], ds, "a lookup")
		l := &LookupSpec{Pos: PosOf(path, k), Name: Str{Value: k.Value, Pos: PosOf(path, k)}}
		l.Table, l.Key = lf.Required("table"), lf.Required("key")
		lf.Done()
		tm.Lookups = append(tm.Lookups, l)
	}
	if pn := f.Node("person"); pn != nil {
		tm.Person = parseColumn(path, &yaml.Node{Kind: yaml.ScalarNode, Value: "person", Line: pn.Line, Column: pn.Column}, pn, ds)
	}
	tm.NoPerson = f.Str("no_person")
	if tm.NoPerson.IsSet() && (tm.Person != nil || strings.TrimSpace(tm.NoPerson.Value) == "") {
		ds.add(tm.NoPerson.Pos, "M055", "no_person: gives the reason the table's records belong to no patient, and excludes person:")
	}
	tm.Parent = parseParent(path, f, ds)
	tm.Duplicates = parseDuplicates(path, f, ds)
	tm.Unit = parseUnit(path, f, ds)
	tm.Rules = parseTableRules(path, f, ds)
	f.Str("description")
	keys, vals := f.Pairs("columns")
	if f.Node("columns") == nil {
		ds.add(f.Pos(), "Y003", "missing field %q", "columns")
	}
	for i, k := range keys {
		tm.Columns = append(tm.Columns, parseColumn(path, k, vals[i], ds))
	}
	dk, dv := f.Pairs("drop")
	for i, k := range dk {
		reason := Str{Value: dv[i].Value, Pos: PosOf(path, dv[i])}
		if dv[i].Kind != yaml.ScalarNode || dv[i].Value == "" {
			ds.add(PosOf(path, dv[i]), "Y003", "dropping %s needs a reason (drop: {column: why})", k.Value)
		}
		tm.Drop[k.Value] = reason
		tm.DropPos[k.Value] = PosOf(path, k)
	}
}

// eachTable calls fn for every table mapping of the files, the sources of
// merged mappings included.
func eachTable(files []*File, fn func(tm *TableMapping)) {
	var visit func(tm *TableMapping)
	visit = func(tm *TableMapping) {
		fn(tm)
		for _, m := range tm.Members {
			visit(m)
		}
	}
	for _, f := range files {
		for _, tm := range f.Tables {
			visit(tm)
		}
	}
}
