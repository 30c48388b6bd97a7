package mappings

import (
	"regexp"
	"slices"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Program is a set of compiled table mappings, ready to apply to rows.
type Program struct {
	Tables []*TableProgram
	env    *Env
	// order is Tables with every parent before its children.
	order []*TableProgram
}

// TableProgram applies one table mapping to rows of its source table.
type TableProgram struct {
	Mapping *TableMapping
	// birthCol is one more than the index of the source column holding
	// the person's birth date (BirthDateColumns, a date or datetime), 0
	// for none (the zero TableProgram has none): a 10-digit number whose
	// century disagrees with it raises WarnCenturyBirthDiffers.
	birthCol int
	// Source is the source table as the source catalogue describes it; rows
	// passed to Apply have its columns in this order.
	Source *connectors.Table
	// Target is the receiving-schema table; Outcome.Row has its columns in
	// this order.
	Target *connectors.Table
	// Key names the source columns that identify a record: its key in
	// outcomes, the archive, verification and reports.
	Key []string
	// KeyIndex gives the position of each key column in a source row.
	KeyIndex []int
	// OrderBy names the columns of order_by: the records are processed
	// in their order (ascending), ties broken by Key.
	OrderBy []string
	// ScanKey is the processing order: OrderBy, then the Key columns it
	// does not name, which makes the order total (Key is unique). The
	// table is read by it, and a resume position is a value of it, so a
	// resume inside a run of equal OrderBy values neither skips nor
	// repeats a record. Without order_by it is Key.
	ScanKey []string
	// ScanKeyIndex gives the position of each ScanKey column in a source
	// row.
	ScanKeyIndex []int
	// ValueGranularity: a bad value is archived alone and its column left
	// NULL, rather than archiving the whole record.
	ValueGranularity bool
	// EAV is set for a form-store source: then Source is the pivot (the
	// entity's columns and one column per variable) and rows are applied
	// with ApplyEntity.
	EAV *EAVProgram
	// Select is the query of a select: source; Source then has its result
	// columns and the name of the table whose records its rows stand for.
	Select string
	// Merge is set when this program's migrated rows are merged with
	// others' (or with each other) before they are written; Member is this
	// program's index in Merge.Members.
	Merge  *MergeProgram
	Member int
	// Parent and Duplicates are the compiled parent link and duplicates
	// rule, nil when the mapping declares none.
	Parent     *ParentProgram
	Duplicates *DuplicatesProgram
	// CountSourceValues makes Apply tell, per receiving column of a
	// migrated record, whether the source values it reads hold a value
	// (Outcome.SourceNonNull): the source side of verify's value
	// equation. Off in a run, which does not need it.
	CountSourceValues bool

	cols   []columnProgram
	rules  []compiledTableRule
	person *columnProgram
	env    *Env
	state  applyState
	// unitCodes translates the table's legacy units into the receiving
	// column's, of type unitType (unitcodes.go); nil when not translated.
	unitCodes *CodeList
	unitType  *connectors.Type
	unitText  bool // the legacy unit column is text
	// plainRows: no table rule, no translated unit, and every column
	// plain (plainCopy), so that a record's row is its source values,
	// each only fitted (applyPlain). sameOrder: and the target's column i
	// is the source's column i, all of them.
	plainRows, sameOrder bool
	// otherIDs are the source columns holding identity numbers
	// (IdentityColumnsOf) that person: does not read, mapped;
	// otherIDsDropped those the mapping drops: a listed number in one
	// of a kept record raises WarnListedNumberKept.
	otherIDs, otherIDsDropped []int
}

// plainProgram says whether the program's rows are plain (plainRows)
// and in the source's order (sameOrder).
func (p *TableProgram) plainProgram() (plain, same bool) {
	if len(p.rules) > 0 || p.unitCodes != nil || p.EAV != nil {
		return false, false
	}
	same = len(p.cols) == len(p.Source.Columns)
	for i := range p.cols {
		if !p.cols[i].plain {
			return false, false
		}
		same = same && p.cols[i].src == i
	}
	return true, same
}

// columnProgram computes one target column.
type columnProgram struct {
	target *connectors.Column
	// src is the source column's position, -1 when the value comes from an
	// expression or a constant.
	src       int
	expr      *compiledExpr
	constant  connectors.Value
	hasConst  bool
	def       connectors.Value
	hasDef    bool
	codelist  *CodeList
	clVersion int    // source column giving the code-list version, -1 for none
	clConst   string // constant version when clVersion < 0
	// convert: the value may be of another kind than the target's and is
	// converted losslessly (cast:, expressions, code lists, YAML text).
	convert bool
	rules   []compiledRule
	// scale pads decimals to the target's scale (-1 when not a decimal).
	scale int
	// reads lists the source (or pivot) columns the value comes from.
	reads []int
	// null_when: a list of source values (as text) of column nullCol, or an
	// expression, that declare the value NULL.
	nullValues map[string]bool
	// nullNumbers are the listed values that are numbers, by numberKey,
	// for a number column: matched by value, not by the printed form.
	nullNumbers map[string]bool
	nullCol     int
	nullExpr    *compiledExpr
	// pos is where the column mapping is written, codePos its code list.
	pos, codePos Pos
	// reasons renames built-in failure reasons (see rules.go); openEnded
	// holds the values declared open (see openended.go).
	reasons   map[string]string
	openEnded *openEnded
	// owner: the column carries the translated reporting unit, whose
	// failure archives the record even under value granularity
	// (unitcodes.go).
	owner bool
	// choice says why the first value of the column's choices wins
	// (choice:): the values it leaves out are counted, not a failure.
	choice string
	// plain is plainCopy, once the table is compiled: columnValue then
	// only fits the source value.
	plain bool
}

type compiledRule struct {
	kind     string
	min, max connectors.Value
	pattern  *regexp.Regexp
	enum     map[string]bool
}

// ForSource returns the program reading the named source table, or nil.
func (p *Program) ForSource(table string) *TableProgram {
	for _, t := range p.Tables {
		if t.Source.Name == table {
			return t
		}
	}
	return nil
}

// Compile checks mapping files against the source catalogue and the
// receiving schema and compiles them. It reports every problem it finds;
// the Program is usable only when the diagnostics hold no error. env may
// be nil for a check that runs nothing.
func Compile(files []*File, source []connectors.Table, target *Schema, env *Env) (*Program, Diagnostics) {
	var ds Diagnostics
	if env == nil {
		env = &Env{}
	}
	withDefs := *env
	withDefs.defs = definitions(files, &ds)
	env = &withDefs
	prog := &Program{env: env}
	srcByName := map[string]*connectors.Table{}
	for i := range source {
		srcByName[source[i].Name] = &source[i]
	}
	lists := map[string]*CodeList{}
	for _, f := range files {
		for _, cl := range f.CodeLists {
			if first, dup := lists[cl.Name.Value]; dup {
				ds.add(cl.Name.Pos, "C002", "code list %s is defined twice (first at %s)", cl.Name.Value, first.Name.Pos)
				continue
			}
			lists[cl.Name.Value] = cl
		}
	}
	sourceUsed := map[string]Pos{}
	targetUsed := map[string]bool{}
	var idWalker func(*TableMapping) *flowWalker
	var idIs func(string) bool
	if env.OptOut != nil || env.Erasure != nil {
		idWalker = identityWalkers(files)
		idIs = identityNumbers(files, idWalker)
	}
	add := func(tm *TableMapping) *TableProgram {
		c := &compiler{tm: tm, lists: lists, env: env.forTable(), ds: &ds}
		tp := c.table(srcByName, target)
		if tp == nil {
			return nil
		}
		// A table declared no_person: is matched against no list, by the
		// plan's decision, which its review shows.
		if idWalker != nil && !tm.NoPerson.IsSet() {
			ids := identityColumnsOf(idWalker, idIs, tm)
			tp.otherIDs, tp.otherIDsDropped = otherIdentities(ids, tm, tp)
			if tp.EAV != nil {
				tp.EAV.otherIdentities(ids, tp)
			}
		}
		copied := make([]bool, len(tp.Source.Columns))
		for i := range tp.cols {
			if tp.cols[i].plain = tp.cols[i].plainCopy(); tp.cols[i].plain && tp.cols[i].src < len(copied) {
				copied[tp.cols[i].src] = true
			}
		}
		for i := range tp.cols {
			if tp.cols[i].expr != nil {
				tp.cols[i].expr.copiedElsewhere = copied
			}
		}
		tp.plainRows, tp.sameOrder = tp.plainProgram()
		names := []string{tp.Source.Name}
		if tp.EAV != nil {
			names = append(names, tp.EAV.Values.Name)
		}
		for _, n := range names {
			if first, dup := sourceUsed[n]; dup {
				ds.add(tm.Source.Pos, "M011", "source table %s is already mapped at %s: each source record needs exactly one outcome", n, first)
				return nil
			}
			sourceUsed[n] = tm.Source.Pos
		}
		targetUsed[tp.Target.Name] = true
		prog.Tables = append(prog.Tables, tp)
		return tp
	}
	for _, f := range files {
		for _, tm := range f.Tables {
			members := tm.Members
			if len(members) == 0 {
				members = []*TableMapping{tm}
			}
			var tps []*TableProgram
			for _, m := range members {
				if tp := add(m); tp != nil {
					tps = append(tps, tp)
				}
			}
			if len(tm.Merge) > 0 && len(tps) == len(members) {
				compileMerge(tm, tps, &ds)
			}
		}
	}
	compileLinks(prog, files, &ds)
	ds = append(ds, checkUnits(files)...)
	ds = append(ds, checkUnitTranslation(files, target)...)
	ds = append(ds, checkAccess(files, srcByName, target)...)
	ds = append(ds, checkIdentities(files)...)
	ds = append(ds, checkBornBy(files, srcByName)...)
	for _, t := range target.Tables {
		if !targetUsed[t.Name] {
			ds.warn(target.DeclaredAt(t.Name), "M012", "receiving table %s gets no rows from any mapping", t.Name)
		}
	}
	return prog, ds
}

// compiler compiles one table mapping.
type compiler struct {
	tm      *TableMapping
	lists   map[string]*CodeList
	env     *Env
	ds      *Diagnostics
	st      *connectors.Table
	used    map[string]bool
	eav     *EAVProgram
	catalog map[string]*connectors.Table
}

func (c *compiler) table(src map[string]*connectors.Table, target *Schema) *TableProgram {
	tm, ds := c.tm, c.ds
	var st *connectors.Table
	var eav *EAVProgram
	switch {
	case tm.EAV != nil:
		st, eav = c.pivot(src)
	case tm.Select.IsSet():
		st = c.selectTable(src)
	default:
		st = src[tm.Source.Value]
		if st == nil && tm.Source.IsSet() {
			ds.add(tm.Source.Pos, "M001", "source table %s does not exist in the source database%s", tm.Source.Value, suggest(tm.Source.Value, tableNames(src)))
		}
	}
	tt := target.Table(tm.Target.Value)
	if tt == nil && tm.Target.IsSet() {
		var names []string
		for _, t := range target.Tables {
			names = append(names, t.Name)
		}
		ds.add(tm.Target.Pos, "M002", "target table %s is not in the receiving schema %s%s", tm.Target.Value, target.File, suggest(tm.Target.Value, names))
	}
	if st == nil || tt == nil || len(tm.Columns) == 0 {
		return nil // reported above, or ParseFile reported the missing columns
	}
	c.st, c.used, c.eav, c.catalog = st, map[string]bool{}, eav, src
	c.checkLookupSpecs(src)
	tp := &TableProgram{Mapping: tm, Source: st, Target: tt, EAV: eav, env: c.env, ValueGranularity: tm.Granularity.Value == "value"}
	tp.birthCol = birthColumn(st) + 1
	if tm.Select.IsSet() {
		tp.Select, _ = connectors.CheckSelect(tm.Select.Value)
	}

	byTarget := map[string]*ColumnMapping{}
	for _, cm := range tm.Columns {
		if tt.Column(cm.Target.Value) == nil {
			ds.add(cm.Target.Pos, "M004", "column %s is not in receiving table %s%s", cm.Target.Value, tt.Name, suggest(cm.Target.Value, columnNames(tt)))
			continue
		}
		if _, dup := byTarget[cm.Target.Value]; dup {
			ds.add(cm.Target.Pos, "M008", "column %s is mapped twice", cm.Target.Value)
			continue
		}
		byTarget[cm.Target.Value] = cm
	}
	for i := range tt.Columns {
		tc := &tt.Columns[i]
		cm := byTarget[tc.Name]
		if cm == nil {
			if !tc.Nullable {
				ds.add(tm.Pos, "M005", "NOT NULL column %s.%s gets no value: map it", tt.Name, tc.Name)
			}
			tp.cols = append(tp.cols, columnProgram{target: tc, src: -1, scale: -1, clVersion: -1})
			continue
		}
		tp.cols = append(tp.cols, c.column(cm, tc))
	}
	c.partialPrecision(tp)
	if tm.Person != nil {
		// The person's identity is matched, not stored: its "column" is
		// text, whatever it is written into.
		text := &connectors.Column{Name: "person", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true}
		p := c.column(tm.Person, text)
		tp.person = &p
	}

	c.compileUnitTranslation(tp)
	c.unitInEntities(tp)
	c.tableRules(tp)
	if eav != nil {
		c.eavCoverage(tp)
		c.orderBy(tp)
		return tp
	}
	// A select: stands for its table's records, but its result need not
	// hold every column of the table: one it leaves out is read by no
	// mapping, as an unmapped column is, and is dropped by name or refused.
	var records *connectors.Table
	if tm.Select.IsSet() {
		records = src[tm.Source.Value]
	}
	for name, p := range tm.DropPos {
		if st.Column(name) == nil && (records == nil || records.Column(name) == nil) {
			ds.add(p, "M003", "dropped column %s is not in source table %s", name, st.Name)
		}
		if c.used[name] {
			ds.add(p, "M010", "column %s is both mapped and dropped", name)
		}
	}
	for _, col := range st.Columns {
		if !c.used[col.Name] && tm.Drop[col.Name].Value == "" {
			ds.add(tm.Source.Pos, "M010", "source column %s.%s is neither mapped nor dropped: its values would not be migrated nor archived (map it, or list it under drop: with the reason it is left behind)", st.Name, col.Name)
		}
	}
	if records != nil {
		for _, col := range records.Columns {
			if st.Column(col.Name) == nil && tm.Drop[col.Name].Value == "" {
				ds.add(tm.Select.Pos, "M010", "source column %s.%s is not in the select's result and not dropped: its values would not be migrated nor archived (select it, or list it under drop: with the reason it is left behind; a column selected under another name is dropped by its own)", records.Name, col.Name)
			}
		}
	}
	c.key(tp)
	return tp
}

func (c *compiler) key(tp *TableProgram) {
	tm, st, ds := c.tm, c.st, c.ds
	tp.Key = st.PrimaryKey
	var keyPos Pos
	if len(tm.Key) > 0 {
		tp.Key = nil
		for _, k := range tm.Key {
			tp.Key = append(tp.Key, k.Value)
			keyPos = k.Pos
		}
	}
	if len(tp.Key) == 0 {
		ds.add(tm.Source.Pos, "M009", "source table %s has no primary key: name unique, not-null key columns with key: [...]", st.Name)
	}
	for _, k := range tp.Key {
		i := st.ColumnIndex(k)
		if i < 0 {
			ds.add(keyPos, "M009", "key column %s is not in source table %s", k, st.Name)
		}
		tp.KeyIndex = append(tp.KeyIndex, i)
	}
	c.orderBy(tp)
}

// orderBy compiles order_by into the program's processing order.
func (c *compiler) orderBy(tp *TableProgram) {
	tm, st, ds := c.tm, c.st, c.ds
	tp.ScanKey, tp.ScanKeyIndex = tp.Key, tp.KeyIndex
	if len(tm.OrderBy) == 0 {
		return
	}
	switch {
	case tm.EAV != nil:
		ds.add(tm.OrderBy[0].Pos, "M081", "order_by is not supported for a form store (eav:): its entities are read by their primary key together with their value rows")
		return
	case tm.Select.IsSet():
		ds.add(tm.OrderBy[0].Pos, "M081", "order_by is not supported for a select: source, which is read in key pages: order a table source instead")
		return
	}
	named := map[string]bool{}
	ok := true
	for _, o := range tm.OrderBy {
		name := o.Value
		if f := strings.Fields(name); len(f) == 2 && (strings.EqualFold(f[1], "desc") || strings.EqualFold(f[1], "asc")) {
			ds.add(o.Pos, "M080", "order_by names columns only and is ascending: %q is not a column of %s (to keep the latest of a registration, use duplicates: {keep: latest, by: column})", name, st.Name)
			ok = false
			continue
		}
		col := st.Column(name)
		switch {
		case col == nil:
			var names []string
			for _, c := range st.Columns {
				names = append(names, c.Name)
			}
			ds.add(o.Pos, "M080", "order_by column %s is not in source table %s%s", name, st.Name, suggest(name, names))
			ok = false
			continue
		case named[name]:
			ds.add(o.Pos, "M080", "order_by names column %s twice", name)
			ok = false
			continue
		case col.Type.Kind != connectors.KindInvalid && (!orderable(col.Type.Kind) || col.Type.Kind == connectors.KindFloat):
			// A float's resume position may not compare equal to the
			// value it came from on the server (MariaDB's FLOAT against a
			// double), so a resume could repeat or skip a record.
			ds.add(o.Pos, "M080", "order_by column %s of %s is %s, which cannot give a processing order a run resumes in exactly: order by an integer, decimal, date, time or text column", name, st.Name, col.Type)
			ok = false
			continue
		case col.Nullable:
			ds.warn(o.Pos, "M082", "order_by column %s of %s may be NULL: the processing order must be total, so a run stops at a record with no value in it (declare the column NOT NULL, or leave it out of order_by)", name, st.Name)
		}
		named[name] = true
		tp.OrderBy = append(tp.OrderBy, name)
	}
	if !ok {
		tp.OrderBy = nil
		return
	}
	scan := slices.Clone(tp.OrderBy)
	for _, k := range tp.Key {
		if !named[k] {
			scan = append(scan, k)
		}
	}
	tp.ScanKey, tp.ScanKeyIndex = scan, nil
	for _, k := range scan {
		tp.ScanKeyIndex = append(tp.ScanKeyIndex, st.ColumnIndex(k))
	}
}

// column compiles one column's pipeline against its target column.
func (c *compiler) column(cm *ColumnMapping, tc *connectors.Column) columnProgram {
	ds, st := c.ds, c.st
	cp := columnProgram{target: tc, src: -1, scale: -1, clVersion: -1, pos: cm.Pos, codePos: cm.CodeList.Pos}
	if tc.Type.Kind == connectors.KindDecimal {
		cp.scale = tc.Type.Scale
	}
	sourceKind := connectors.KindInvalid
	switch {
	case cm.From.IsSet():
		cp.src = st.ColumnIndex(cm.From.Value)
		if cp.src < 0 {
			ds.add(cm.From.Pos, "M003", "source table %s has no column %s%s", st.Name, cm.From.Value, suggest(cm.From.Value, columnNames(st)))
			return cp
		}
		c.used[cm.From.Value] = true
		cp.reads = []int{cp.src}
		sourceKind = st.Columns[cp.src].Type.Kind
	case cm.Expr.IsSet():
		c.checkLookups(cm.Expr, c.catalog)
		ce, err := compileExprMode(cm.Expr, columnNames(st), c.env, exprMode{nullStrict: true, choices: true, decimals: decimalColumns(nil, "", st)})
		if err != nil {
			ds.add(cm.Expr.Pos, "M013", "expression: %v", err)
			return cp
		}
		if ce.refDateBesideColumn {
			ds.warn(cm.Expr.Pos, "M091", "%s reads reference_date, the plan's run.reference_date, and %s has a column named reference_date too: the bare name is always the plan's date; read the column as col(\"reference_date\")", "the expression", "source table "+st.Name)
		}
		for _, name := range ce.read {
			c.used[name] = true
			cp.reads = append(cp.reads, st.ColumnIndex(name))
		}
		cp.expr, cp.convert = ce, true
	case cm.Value != nil:
		v, err := yamlValue(*cm.Value, tc.Type)
		if err != nil {
			ds.add(cm.Value.Pos, "M007", "value for %s: %v", tc.Name, err)
		}
		cp.constant, cp.hasConst = v, true
	}
	if cm.Choice.IsSet() {
		switch {
		case cp.expr == nil || len(cp.expr.choices) == 0 && len(cp.expr.branchReads) == 0:
			ds.add(cm.Choice.Pos, "M084", "choice: on %s, whose value is no choice: only an expression's coalesce(…), ?? or a condition whose branch reads a column chooses between values", tc.Name)
		case cm.Choice.Value == "":
			ds.add(cm.Choice.Pos, "M084", "choice: on %s needs the reason the first value wins, as the registry holder agreed it", tc.Name)
		}
		cp.choice = cm.Choice.Value
	}
	c.nullWhen(cm, &cp)
	c.columnReasons(cm, &cp)
	if cm.Default != nil {
		v, err := yamlValue(*cm.Default, tc.Type)
		if err != nil {
			ds.add(cm.Default.Pos, "M007", "default for %s: %v", tc.Name, err)
		}
		cp.def, cp.hasDef = v, true
	}
	if cm.CodeList.IsSet() {
		cl := c.lists[cm.CodeList.Value]
		if cl == nil {
			var names []string
			for n := range c.lists {
				names = append(names, n)
			}
			ds.add(cm.CodeList.Pos, "C003", "no code list named %s%s", cm.CodeList.Value, suggest(cm.CodeList.Value, names))
		}
		cp.codelist, cp.convert = cl, true
		if v := cm.CodeListVersion; v.IsSet() {
			if c.eav != nil && v.Value == c.tm.EAV.Version.Value && cm.From.IsSet() {
				// In a form store the version belongs to each value row:
				// that of the variable this column reads.
				cp.clVersion = st.ColumnIndex(cm.From.Value + versionSuffix)
				if cp.clVersion < 0 {
					ds.add(v.Pos, "C004", "%s is not a variable with a version", cm.From.Value)
				}
			} else if i := st.ColumnIndex(v.Value); i >= 0 {
				cp.clVersion = i
				c.used[v.Value] = true
			} else if cl != nil && cl.Versions[v.Value] != nil {
				cp.clConst = v.Value
			} else {
				ds.add(v.Pos, "C004", "code-list version %s is neither a source column nor a version of %s", v.Value, cm.CodeList.Value)
			}
		} else if cl != nil && cl.Versions[""] == nil {
			ds.add(cm.CodeList.Pos, "C004", "code list %s has versions: say which with codelist: {name: %s, version: column}", cl.Name.Value, cl.Name.Value)
		}
		// What a code list gives is YAML text; each new code must convert
		// to the target type, or the list is wrong for this column.
		if cl != nil {
			for _, ver := range cl.VersionNames() {
				for old, code := range cl.Versions[ver] {
					if _, err := convert(code, tc.Type); err != nil {
						ds.add(cl.Pos, "C005", "code list %s maps %q to %q, which %s.%s (%v) cannot hold: %v", cl.Name.Value, old, code, c.tm.Target.Value, tc.Name, tc.Type, err)
					}
				}
			}
		}
	}
	if cm.Cast.IsSet() {
		ct, err := connectors.ParseType(cm.Cast.Value)
		switch {
		case err != nil:
			ds.add(cm.Cast.Pos, "M007", "%v", err)
		case ct.Kind != tc.Type.Kind:
			ds.add(cm.Cast.Pos, "M007", "cast to %s, but %s.%s is %v", cm.Cast.Value, c.tm.Target.Value, tc.Name, tc.Type)
		case sourceKind != connectors.KindInvalid && !castable(sourceKind, tc.Type.Kind):
			ds.add(cm.Cast.Pos, "M007", "no cast from %s (%s.%s is %s) to %v", sourceKind, st.Name, cm.From.Value, st.Columns[cp.src].SourceType, tc.Type)
		}
		cp.convert = true
	} else if sourceKind != connectors.KindInvalid && !cp.convert && sourceKind != tc.Type.Kind {
		if castable(sourceKind, tc.Type.Kind) {
			// The receiving type as the cast takes it: a decimal's cast
			// needs its precision and scale, the kind alone is refused.
			ds.add(cm.From.Pos, "M006", "%s.%s is %s (%s) but %s.%s is %v: add cast: %s", st.Name, cm.From.Value, sourceKind, st.Columns[cp.src].SourceType, c.tm.Target.Value, tc.Name, tc.Type, tc.Type)
		} else {
			ds.add(cm.From.Pos, "M006", "%s.%s is %s (%s) but %s.%s is %v, and no cast converts %s to %s: make the value with an expression (such as date(%s, \"YYYYMMDD\") for a number holding a date), or give the receiving column another type", st.Name, cm.From.Value, sourceKind, st.Columns[cp.src].SourceType, c.tm.Target.Value, tc.Name, tc.Type, sourceKind, tc.Type.Kind, cm.From.Value)
		}
	}
	for _, r := range cm.Rules {
		cp.rules = append(cp.rules, c.rule(r, tc))
	}
	return cp
}

// yamlValue converts YAML text to the target type, as a constant.
func yamlValue(s Str, t connectors.Type) (connectors.Value, error) {
	if s.Value == "" || s.Value == "null" || s.Value == "~" {
		return nil, nil
	}
	return convert(s.Value, t)
}

func (c *compiler) rule(r Rule, tc *connectors.Column) compiledRule {
	ds := c.ds
	cr := compiledRule{kind: r.Kind}
	switch r.Kind {
	case "required":
		if len(r.Args) != 1 || r.Args[0].Value != "true" {
			ds.add(r.Pos, "M014", "required takes true")
		}
	case "range":
		if len(r.Args) != 2 {
			ds.add(r.Pos, "M014", "range takes [min, max]")
			break
		}
		for i, a := range r.Args {
			v, err := yamlValue(a, tc.Type)
			if err != nil {
				ds.add(a.Pos, "M014", "range bound for %s: %v", tc.Name, err)
			}
			if i == 0 {
				cr.min = v
			} else {
				cr.max = v
			}
		}
		if !orderable(tc.Type.Kind) {
			ds.add(r.Pos, "M014", "range does not apply to %v columns", tc.Type)
		}
	case "pattern":
		if len(r.Args) != 1 {
			ds.add(r.Pos, "M014", "pattern takes one regular expression")
			break
		}
		re, err := regexp.Compile("^(?:" + r.Args[0].Value + ")$")
		if err != nil {
			ds.add(r.Args[0].Pos, "M014", "pattern: %v", err)
		}
		cr.pattern = re
	case "enum":
		cr.enum = map[string]bool{}
		for _, a := range r.Args {
			v, err := yamlValue(a, tc.Type)
			if err != nil {
				ds.add(a.Pos, "M014", "enum value for %s: %v", tc.Name, err)
				continue
			}
			s, _ := connectors.FormatValue(v)
			cr.enum[s] = true
		}
	default:
		ds.add(r.Pos, "M014", "unknown rule %s", r.Kind)
	}
	return cr
}

func tableNames(m map[string]*connectors.Table) []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	return out
}

// decimalColumns adds the names of t's decimal columns to m (made when
// nil), after prefix, as an expression reads them (exprMode.decimals).
func decimalColumns(m map[string]bool, prefix string, t *connectors.Table) map[string]bool {
	for _, c := range t.Columns {
		if c.Type.Kind == connectors.KindDecimal {
			if m == nil {
				m = map[string]bool{}
			}
			m[prefix+c.Name] = true
		}
	}
	return m
}

func columnNames(t *connectors.Table) []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Name
	}
	return out
}

// selectTable gives a select: source's result as a table named after the
// table whose records its rows stand for, keyed like it.
func (c *compiler) selectTable(src map[string]*connectors.Table) *connectors.Table {
	tm, ds := c.tm, c.ds
	q, err := connectors.CheckSelect(tm.Select.Value)
	if err != nil {
		ds.add(tm.Select.Pos, "M021", "%v", err)
		return nil
	}
	records := src[tm.Source.Value]
	if records == nil {
		ds.add(tm.Source.Pos, "M001", "source table %s does not exist in the source database%s", tm.Source.Value, suggest(tm.Source.Value, tableNames(src)))
		return nil
	}
	cols, ok := c.env.Selects[q]
	if !ok {
		ds.add(tm.Select.Pos, "M021", "the select was not described against the source (it needs a database)")
		return nil
	}
	warnInstantComparisons(ds, tm.Select.Pos, q, src)
	t := &connectors.Table{Name: records.Name, Columns: cols, PrimaryKey: records.PrimaryKey, RowEstimate: records.RowEstimate}
	for _, k := range t.PrimaryKey {
		if t.Column(k) == nil && len(tm.Key) == 0 {
			ds.add(tm.Select.Pos, "M009", "the select's result lacks %s, the key of %s: select it, or name the key with key: [...]", k, records.Name)
		}
	}
	return t
}

// SelectsNeeded lists the queries of select: sources, checked.
func SelectsNeeded(files []*File) ([]string, Diagnostics) {
	var ds Diagnostics
	var out []string
	eachTable(files, func(tm *TableMapping) {
		if tm.Select.IsSet() {
			q, err := connectors.CheckSelect(tm.Select.Value)
			if err != nil {
				ds.add(tm.Select.Pos, "M021", "%v", err)
			} else {
				out = append(out, q)
			}
		}
	})
	return out, ds
}

// otherIdentities gives the indexes in tp's source of the identity
// columns ids that its person: does not read (all of them for a table
// linked to its patients by parent: alone), the mapped ones and the
// dropped ones apart.
func otherIdentities(ids []string, tm *TableMapping, tp *TableProgram) (mapped, dropped []int) {
	for _, name := range ids {
		i := slices.IndexFunc(tp.Source.Columns, func(c connectors.Column) bool { return c.Name == name })
		if i < 0 || tp.person != nil && (i == tp.person.src || slices.Contains(tp.person.reads, i)) {
			continue
		}
		if _, ok := tm.Drop[name]; ok {
			dropped = append(dropped, i)
		} else {
			mapped = append(mapped, i)
		}
	}
	return mapped, dropped
}
