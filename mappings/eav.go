package mappings

import (
	"bytes"
	"fmt"
	"slices"
	"sort"

	"github.com/regflytt/regflytt/connectors"
)

// Reasons for value rows of a form store.
const (
	// ReasonVariableNotMapped archives the value of a variable no column
	// reads (a retired variable, say): kept, never dropped.
	ReasonVariableNotMapped = "variable_not_mapped"
	// ReasonDuplicateValue archives a second value of the same variable
	// for the same entity; the first, in key order, is the one migrated.
	ReasonDuplicateValue = "duplicate_value"
	// ReasonSupersededValue archives a value of a variable the form holds
	// again with a greater latest_by value (a correction entered later):
	// under eav: latest_by the greatest is the one migrated.
	ReasonSupersededValue = "superseded_value"
	// ReasonOrphan archives a value row whose entity does not exist.
	ReasonOrphan = "orphan"
	// ReasonVariableSpelling archives a form with a value row whose
	// variable is a mapped one's name in another case, with trailing
	// spaces or in another Unicode normalisation, while the form has no
	// value under the name itself (see spelledVariables).
	ReasonVariableSpelling = "variable_spelling"
)

// versionSuffix names the pivot column holding a variable's version.
const versionSuffix = "#version"

// EAVProgram is the compiled form-store part of a table program.
type EAVProgram struct {
	Entities, Values *connectors.Table
	// EntityKey is the position of the entity's key in an entity row.
	EntityKey int
	// Entity, Attribute, Value and Version are positions in a value row
	// (Version -1 when there is none).
	Entity, Attribute, Value, Version int
	// LatestBy is the position in a value row of the column that decides
	// which of a variable's rows in one form migrates (eav: latest_by),
	// -1 when none does: the first in values-key order then.
	LatestBy int
	// ValuesKey orders the values table by entity first, so that it can be
	// read alongside the entities in one pass.
	ValuesKey []string
	// ValuesKeyIndex gives each ValuesKey column's position in a value row.
	ValuesKeyIndex []int

	// unkeyed says the values table has no primary key: ValuesKey
	// (entity, attribute) leaves two rows of one variable unordered (see
	// valueOrder).
	unkeyed bool

	nEntityCols int
	// personVars are the variables the person: reads (see
	// excludeByLeftOutPerson).
	personVars []string
	// foldedPerson holds personVars folded (foldVariable).
	foldedPerson map[string]bool
	// otherIDCols are the entity columns, and otherIDVars the variables
	// (folded), holding identity numbers beside the person's, mapped or
	// dropped: a form archived whole (ArchivedFormWarnings) takes them
	// into the archive package.
	otherIDCols []int
	otherIDVars map[string]bool
	vars        map[string]int // variable -> pivot column
	// folded maps each variable's folded name to the variables, sorted.
	folded   map[string][]string
	versions map[string]int // variable -> pivot column of its version
	dropped  map[string]string
	// attrLimit is what folding is sure of under the attribute column's
	// collation (FoldLimit).
	attrLimit FoldLimit
}

// Variables lists the variables the mapping reads, sorted.
func (e *EAVProgram) Variables() []string {
	out := make([]string, 0, len(e.vars))
	for v := range e.vars {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Dropped reports whether a variable is listed under drop:, and why.
func (e *EAVProgram) Dropped(variable string) (string, bool) {
	r, ok := e.dropped[variable]
	return r, ok
}

// pivot builds the virtual source table of an EAV mapping: the entity
// table's columns, then one text column per variable the mapping reads
// (and its version, when the source has versions).
func (c *compiler) pivot(src map[string]*connectors.Table) (*connectors.Table, *EAVProgram) {
	e, ds := c.tm.EAV, c.ds
	ents, vals := src[e.Entities.Value], src[e.Values.Value]
	for _, s := range []Str{e.Entities, e.Values} {
		if src[s.Value] == nil && s.IsSet() {
			ds.add(s.Pos, "M001", "source table %s does not exist in the source database%s", s.Value, suggest(s.Value, tableNames(src)))
		}
	}
	if ents == nil || vals == nil {
		return nil, nil
	}
	p := &EAVProgram{Entities: ents, Values: vals, Version: -1, LatestBy: -1, vars: map[string]int{}, versions: map[string]int{}, dropped: map[string]string{}}
	if len(ents.PrimaryKey) != 1 {
		ds.add(e.Entities.Pos, "M009", "entities table %s needs a primary key of one column, the entity's id", ents.Name)
		return nil, nil
	}
	p.EntityKey = ents.ColumnIndex(ents.PrimaryKey[0])
	col := func(s Str) int {
		if !s.IsSet() {
			return -1
		}
		i := vals.ColumnIndex(s.Value)
		if i < 0 {
			ds.add(s.Pos, "M003", "values table %s has no column %s%s", vals.Name, s.Value, suggest(s.Value, columnNames(vals)))
		}
		return i
	}
	p.Entity, p.Attribute, p.Value, p.Version = col(e.Entity), col(e.Attribute), col(e.Value), col(e.Version)
	if p.Entity < 0 || p.Attribute < 0 || p.Value < 0 || (e.Version.IsSet() && p.Version < 0) {
		return nil, nil
	}
	if !p.latestBy(e.LatestBy, ds) {
		return nil, nil
	}
	p.attrLimit = FoldLimitOf(vals.Columns[p.Attribute].Collation)
	p.unkeyed = len(vals.PrimaryKey) == 0
	p.ValuesKey = []string{e.Entity.Value}
	for _, k := range vals.PrimaryKey {
		if k != e.Entity.Value {
			p.ValuesKey = append(p.ValuesKey, k)
		}
	}
	if len(p.ValuesKey) == 1 {
		p.ValuesKey = append(p.ValuesKey, e.Attribute.Value)
	}
	for _, k := range p.ValuesKey {
		p.ValuesKeyIndex = append(p.ValuesKeyIndex, vals.ColumnIndex(k))
	}

	pivot := &connectors.Table{Name: ents.Name, PrimaryKey: ents.PrimaryKey, RowEstimate: ents.RowEstimate}
	pivot.Columns = append(pivot.Columns, ents.Columns...)
	p.nEntityCols = len(ents.Columns)
	valueCol := vals.Columns[p.Value]
	addVar := func(name string) {
		if _, ok := p.vars[name]; ok || ents.Column(name) != nil {
			return
		}
		p.vars[name] = len(pivot.Columns)
		pivot.Columns = append(pivot.Columns, connectors.Column{Name: name, Type: valueCol.Type, SourceType: valueCol.SourceType, Charset: valueCol.Charset, Nullable: true})
		if p.Version >= 0 {
			vc := vals.Columns[p.Version]
			p.versions[name] = len(pivot.Columns)
			pivot.Columns = append(pivot.Columns, connectors.Column{Name: name + versionSuffix, Type: vc.Type, SourceType: vc.SourceType, Nullable: true})
		}
	}
	mappings := append([]*ColumnMapping{}, c.tm.Columns...)
	if c.tm.Person != nil {
		mappings = append(mappings, c.tm.Person)
	}
	for _, cm := range mappings {
		switch {
		case cm.From.IsSet():
			addVar(cm.From.Value)
		case cm.Expr.IsSet():
			for _, name := range identifiers(cm.Expr.Value) {
				addVar(name)
			}
		}
		if cm.NullWhen != nil && cm.NullWhen.Expr.IsSet() {
			for _, name := range identifiers(cm.NullWhen.Expr.Value) {
				addVar(name)
			}
		}
	}
	p.folded = map[string][]string{}
	for _, name := range p.Variables() {
		f := foldVariable(name)
		p.folded[f] = append(p.folded[f], name)
	}
	for name, reason := range c.tm.Drop {
		if ents.Column(name) == nil && vals.Column(name) == nil {
			p.dropped[name] = reason.Value
		}
	}
	return pivot, p
}

// latestBy resolves eav: latest_by, a column of the values table whose
// values order a variable's rows in one form the same to every read:
// numbers, dates and timestamps. Text is refused: which of two texts is
// the greater depends on a collation the source and Go need not share
// ('2024-1-9' and '2024-01-10'), and a float, bytes or a boolean has no
// order a registry's correction would be dated by (M089, as order_by's
// M080). false when the setting cannot be used.
func (p *EAVProgram) latestBy(s Str, ds *Diagnostics) bool {
	if !s.IsSet() {
		return true
	}
	vals := p.Values
	i := vals.ColumnIndex(s.Value)
	if i < 0 {
		ds.add(s.Pos, "M089", "latest_by: values table %s has no column %s%s", vals.Name, s.Value, suggest(s.Value, columnNames(vals)))
		return false
	}
	switch k := vals.Columns[i].Type.Kind; k {
	case connectors.KindInt, connectors.KindDecimal, connectors.KindDate, connectors.KindDateTime, connectors.KindTimestamp:
	case connectors.KindInvalid:
		// A column of unknown type: plan check names the source
		// without a database (NamedSource); map check and run see it.
	default:
		ds.add(s.Pos, "M089", "latest_by: column %s.%s is %s (%s): it must be an integer, decimal, date or timestamp column, whose order the source and regflytt agree on (a registration or change time, a sequence number)", vals.Name, s.Value, k, vals.Columns[i].SourceType)
		return false
	}
	for _, c := range []int{p.Entity, p.Attribute, p.Value} {
		if c == i {
			ds.add(s.Pos, "M089", "latest_by: column %s.%s is the form store's entity, attribute or value column: name the column that dates or numbers a value row", vals.Name, s.Value)
			return false
		}
	}
	p.LatestBy = i
	return true
}

// identifiers lists the names an expression reads as values, each once:
// the columns and variables it needs. Names called as functions and
// variables declared with let are not among them. A syntax error yields
// nothing here; compiling the expression reports it.
func identifiers(src string) []string {
	return freeNames(src).read
}

// eavCoverage checks what a form-store mapping leaves behind: entity
// columns and values-table columns that are neither read nor dropped.
func (c *compiler) eavCoverage(tp *TableProgram) {
	e, tm, ds := tp.EAV, c.tm, c.ds
	structural := map[int]bool{e.Entity: true, e.Attribute: true, e.Value: true, e.Version: true, e.LatestBy: true}
	// A values-table column named like a mapped entity column (both
	// tables keyed by id) is what a drop: of that name can only mean.
	valuesCol := map[string]bool{}
	for i, col := range e.Values.Columns {
		if !structural[i] {
			valuesCol[col.Name] = true
		}
	}
	for _, col := range e.Entities.Columns {
		if c.used[col.Name] && tm.Drop[col.Name].IsSet() && !valuesCol[col.Name] {
			ds.add(tm.DropPos[col.Name], "M010", "entity column %s is both mapped and dropped", col.Name)
		}
		if !c.used[col.Name] && tm.Drop[col.Name].Value == "" {
			ds.add(tm.Source.Pos, "M010", "entity column %s.%s is neither mapped nor dropped: its values would not be migrated nor archived (map it, or list it under drop: with the reason it is left behind)", e.Entities.Name, col.Name)
		}
	}
	for i, col := range e.Values.Columns {
		if structural[i] || tm.Drop[col.Name].Value != "" {
			continue
		}
		ds.add(tm.Source.Pos, "M010", "values column %s.%s is neither read nor dropped: its values would not be migrated nor archived (list it under drop: with the reason it is left behind)", e.Values.Name, col.Name)
	}
	for name := range e.vars {
		if _, both := e.dropped[name]; both {
			ds.add(tm.DropPos[name], "M010", "variable %s is both mapped and dropped", name)
		}
	}
	tp.Key = e.Entities.PrimaryKey
	tp.KeyIndex = []int{e.EntityKey}
	if tp.person != nil {
		for name, idx := range e.vars {
			if slices.Contains(tp.person.reads, idx) {
				e.personVars = append(e.personVars, name)
			}
		}
		sort.Strings(e.personVars)
		e.foldedPerson = map[string]bool{}
		for _, v := range e.personVars {
			e.foldedPerson[foldVariable(v)] = true
		}
		// A value row named as an entity column person: reads is a copy
		// of the person's number too: the pivot never reads it (the
		// entity column has the name), so it was archived as
		// variable_not_mapped, a listed number with it, while the form
		// migrated on the column's other number.
		for _, r := range tp.person.reads {
			if r >= 0 && r < e.nEntityCols {
				e.foldedPerson[foldVariable(e.Entities.Columns[r].Name)] = true
			}
		}
	}
}

// EntityOutcome is what ApplyEntity made of one entity and its value rows.
type EntityOutcome struct {
	// Entity is the outcome of the entity record; when migrated, its Row
	// is the target row.
	Entity Outcome
	// Values holds one outcome per value row, in the order given.
	Values []Outcome
}

// valueOrder gives the order in which an entity's value rows are read
// for their variables, the first of a variable's being the one a column
// reads: nil for the order given, the values key's, where the values
// table's primary key fixes it. A values table without one is read in
// (entity, attribute) order only, and two rows of one variable come in
// whatever order the server's sort leaves them (a PostgreSQL cursor and
// a keyset read break the tie otherwise), so a run and its verification
// could keep different ones and archive the other as duplicate_value;
// those are read in the order of their encoded values, which every read
// of the source agrees on. The rows of one entity are in memory already,
// so this costs a sort of them, where ordering the read by every column
// would sort the whole values table without an index to help. Under
// eav: latest_by the rows are read latest first (latestOrder).
func (e *EAVProgram) valueOrder(values [][]connectors.Value) []int {
	if len(values) < 2 {
		return nil
	}
	if e.LatestBy >= 0 {
		return e.latestOrder(values)
	}
	if !e.unkeyed {
		return nil
	}
	return e.encodedOrder(values)
}

// encodedOrder orders an entity's value rows by their encoded values.
func (e *EAVProgram) encodedOrder(values [][]connectors.Value) []int {
	keys := make([][]byte, len(values))
	order := make([]int, len(values))
	for i, v := range values {
		b, err := connectors.AppendRow(nil, v)
		if err != nil {
			// A value the encoding refuses (none the connectors
			// read): its text still orders it the same every time.
			b = []byte(fmt.Sprint(v))
		}
		keys[i], order[i] = b, i
	}
	sort.SliceStable(order, func(a, b int) bool { return bytes.Compare(keys[order[a]], keys[order[b]]) < 0 })
	return order
}

// latestOrder is valueOrder under eav: latest_by: the value rows by
// their latest_by value, greatest first, so that the one a column reads
// is the latest. Ties go to the row later in values-key order (the
// correction entered last; without a primary key, later in the order of
// encoded values), as duplicates: {keep: latest} gives them to the
// highest key. A value that has no place in the order (NULL, a zero
// date, PostgreSQL's infinity) never wins over one that has. The rows of
// one entity are in memory already, so the read stays in values-key
// order: ordering the values table by latest_by would sort all of it.
func (e *EAVProgram) latestOrder(values [][]connectors.Value) []int {
	var base []int
	if e.unkeyed {
		base = e.encodedOrder(values)
	} else {
		base = make([]int, len(values))
		for i := range base {
			base[i] = i
		}
	}
	pos := make([]int, len(values))
	known := make([]bool, len(values))
	for n, i := range base {
		pos[i] = n
		v := values[i][e.LatestBy]
		c, ok := compare(v, v)
		known[i] = v != nil && ok && c == 0
	}
	order := slices.Clone(base)
	slices.SortFunc(order, func(a, b int) int {
		va, vb := values[a][e.LatestBy], values[b][e.LatestBy]
		ka, kb := known[a], known[b]
		switch {
		case ka && !kb:
			return -1
		case kb && !ka:
			return 1
		case ka && kb:
			if c, ok := compare(va, vb); ok && c != 0 {
				return -c
			}
		}
		return pos[b] - pos[a]
	})
	return order
}

// ApplyEntity pivots one entity's value rows (given in values-key order)
// and transforms the result. Every value row gets an outcome of its own:
// it migrates with its entity when a column used it, is archived when no
// column reads its variable, when it repeats a variable, or with its
// entity's reason, and is excluded with an opted-out patient. Like Apply
// it is pure and not safe for concurrent use. Unlike Apply's, what it
// gives lives until the next call only: the next call reuses Values
// (one outcome a value row: a million rows would allocate hundreds of
// megabytes); a caller that keeps an outcome copies it.
func (p *TableProgram) ApplyEntity(entity []connectors.Value, values [][]connectors.Value) EntityOutcome {
	e := p.EAV
	pivot := make([]connectors.Value, len(p.Source.Columns))
	copy(pivot, entity)
	filled := make([]bool, len(p.Source.Columns))
	// pivot column filled, or -1 not mapped, -2 duplicate, -3 a mapped
	// variable spelled otherwise (spelledVariables)
	fate := make([]int, len(values))
	order := e.valueOrder(values)
	// Under latest_by, each row's place in the order and the row that
	// filled each pivot column: a variable spelled otherwise is weighed
	// against it (spelledVariables).
	var rank, filler []int
	if e.LatestBy >= 0 {
		rank, filler = make([]int, len(values)), make([]int, len(p.Source.Columns))
	}
	for n := range values {
		i := n
		if order != nil {
			i = order[n]
		}
		if rank != nil {
			rank[i] = n
		}
		vr := values[i]
		name, _ := connectors.FormatValue(vr[e.Attribute])
		idx, ok := e.vars[name]
		switch {
		case !ok:
			fate[i] = -1
		case filled[idx]:
			fate[i] = -2
		default:
			fate[i], filled[idx] = idx, true
			if filler != nil {
				filler[idx] = i
			}
			pivot[idx] = vr[e.Value]
			if vi, ok := e.versions[name]; ok {
				pivot[vi] = vr[e.Version]
			}
		}
	}
	o := p.Apply(pivot)
	if o.Kind != Excluded && len(e.foldedPerson) > 0 && (p.env.OptOut != nil || p.env.Erasure != nil) {
		if x, ok := p.excludeByLeftOutPerson(pivot, values, fate); ok {
			o = x
		} else if slices.Contains(x.Warnings, WarnPersonCopiesUnjoined) {
			o = Outcome{Kind: Archived, Reason: ReasonPersonCopies, Detail: x.Detail, Warnings: slices.Concat(o.Warnings, x.Warnings)}
		} else {
			o.Warnings = append(o.Warnings, x.Warnings...)
		}
	}
	if o.Kind == Migrated {
		if detail, ok := e.spelledVariables(values, fate, filled, rank, filler); ok {
			o = Outcome{Kind: Archived, Reason: ReasonVariableSpelling, SourceColumn: e.Values.Columns[e.Attribute].Name,
				Detail: detail, Warnings: o.Warnings}
		}
	}
	if cap(p.state.entityValues) < len(values) {
		p.state.entityValues = make([]Outcome, len(values), 2*len(values))
	}
	out := EntityOutcome{Entity: o, Values: p.state.entityValues[:len(values)]}

	// Under value granularity a failed column archives every value row it
	// read (each once, however often the expression names it), unless
	// another column used that value successfully.
	failedCols := map[string]bool{}
	failed := map[int]ValueNote{}
	for _, n := range o.Values {
		failedCols[n.Column] = true
		for _, r := range n.reads {
			if _, seen := failed[r]; !seen {
				failed[r] = n
			}
		}
	}
	used := map[int]bool{}
	if len(failed) > 0 {
		for i := range p.cols {
			if failedCols[p.cols[i].target.Name] {
				continue
			}
			for _, r := range p.cols[i].reads {
				used[r] = true
			}
		}
	}
	for i, f := range fate {
		vo := &out.Values[i]
		switch {
		case o.Kind == Excluded:
			*vo = Outcome{Kind: Excluded, Reason: o.Reason}
		case f == -3:
			*vo = Outcome{Kind: Archived, Reason: o.Reason, SourceColumn: o.SourceColumn, Detail: "its form is archived: " + o.Detail}
		case f == -1:
			name, _ := connectors.FormatValue(values[i][e.Attribute])
			detail := "no column reads variable " + name
			if why, ok := e.dropped[name]; ok {
				detail = "variable " + name + " is dropped: " + why
			}
			*vo = Outcome{Kind: Archived, Reason: ReasonVariableNotMapped, SourceColumn: e.Values.Columns[e.Attribute].Name, Detail: detail}
		case f == -2 && e.LatestBy >= 0:
			*vo = Outcome{Kind: Archived, Reason: ReasonSupersededValue, SourceColumn: e.Values.Columns[e.LatestBy].Name,
				Detail: "the form holds this variable again with a greater " + e.Values.Columns[e.LatestBy].Name + " (or an equal one later in key order): that value migrates"}
		case f == -2:
			*vo = Outcome{Kind: Archived, Reason: ReasonDuplicateValue, Detail: "a second value of the same variable for this entity"}
		case o.Kind == Archived:
			*vo = Outcome{Kind: Archived, Reason: o.Reason, Column: o.Column, SourceColumn: o.SourceColumn, Detail: "its entity is archived: " + o.Detail}
		default:
			if n, bad := failed[f]; bad && !used[f] {
				*vo = Outcome{Kind: Archived, Reason: n.Reason, Column: n.Column, SourceColumn: n.SourceColumn, Detail: n.Detail}
			} else {
				*vo = Outcome{Kind: Migrated}
			}
		}
	}
	return out
}

// spelledVariables finds the value rows no column reads (fate -1) whose
// variable is a mapped, unfilled one's name as a case-, accent- and
// trailing-space-blind collation compares (MariaDB's utf8mb4_general_ci,
// SQLite's NOCASE), or in another Unicode normalisation ('å' composed or
// not): to such a source the form holds that variable. Read byte for
// byte, the row was archived as variable_not_mapped and the form
// migrated with the column empty, a receiving row without a value its
// source form has, and the run passed. The form is archived instead,
// those rows with it (fate -3), and the detail names the first such
// variable. So is a form with a row whose name folding is not sure of
// under the attribute column's collation (FoldLimit: utf8mb4_general_ci
// takes 'vıkt' for 'vikt', utf8mb4_unicode_ci ignores a NUL in it)
// while a mapped variable is unfilled: it may be that variable to the
// source. A name listed under drop: is a variable of its own, as the
// mapping says; a variable the form also holds exactly makes the other
// spelling a second value, archived as it was, unless under latest_by
// it comes before the exactly named row in latestOrder (rank, filler:
// nil without latest_by): to such a source it is the variable's latest
// value, which the form would not migrate, so the form is archived; so
// is one with a row of a name folding is not sure of later than a row
// that filled a variable (filledEarlier).
func (e *EAVProgram) spelledVariables(values [][]connectors.Value, fate []int, filled []bool, rank, filler []int) (string, bool) {
	var first, later string
	unsure := false
	for i, f := range fate {
		if f != -1 {
			continue
		}
		name, _ := connectors.FormatValue(values[i][e.Attribute])
		if _, dropped := e.dropped[name]; dropped {
			continue
		}
		spelled := false
		for _, v := range e.folded[foldVariable(name)] {
			if idx := e.vars[v]; filled[idx] {
				if rank != nil && rank[i] < rank[filler[idx]] {
					fate[i], spelled = -3, true
					if later == "" || v < later {
						later = v
					}
					break
				}
				continue
			}
			fate[i], spelled = -3, true
			if first == "" || v < first {
				first = v
			}
			break
		}
		if !spelled && !e.attrLimit.Sure(name) && (e.unfilled(filled) || rank != nil && filledEarlier(rank, filler, filled, rank[i])) {
			fate[i], unsure = -3, true
		}
	}
	switch {
	case later != "":
		return "a value row names variable " + later + " in another case or accent, with trailing spaces or in another Unicode form, and is later by " + e.Values.Columns[e.LatestBy].Name + " than the one naming it exactly: a case- or accent-blind source takes it for the latest " + later + ", which the form would not migrate", true
	case first != "":
		return "a value row names variable " + first + " in another case or accent, with trailing spaces or in another Unicode form, and none names it exactly: a case- or accent-blind source takes it for the form's " + first, true
	case unsure:
		return "a value row names a variable in characters (other than printable ASCII or, under some collations, Latin letters with accents) that the collation " + e.attrLimit.Collation + " may take for a mapped variable the form lacks: regflytt cannot tell which", true
	}
	return "", false
}

// filledEarlier says, under latest_by, whether a pivot column was filled
// by a row after place n in latestOrder (rank, filler): a row at n that
// the source may take for that variable is its latest value.
func filledEarlier(rank, filler []int, filled []bool, n int) bool {
	for idx, f := range filled {
		if f && rank[filler[idx]] > n {
			return true
		}
	}
	return false
}

// unfilled says whether a mapped variable has no value row in the form.
func (e *EAVProgram) unfilled(filled []bool) bool {
	for _, idx := range e.vars {
		if !filled[idx] {
			return true
		}
	}
	return false
}

// foldVariable is a variable's name as a case-, accent- and
// trailing-space-blind collation compares it, in one Unicode
// normalisation (FoldText).
func foldVariable(name string) string { return FoldText(name) }

// Orphan is the outcome of a value row whose entity does not exist.
func Orphan(entityTable string) Outcome {
	return Outcome{Kind: Archived, Reason: ReasonOrphan, Detail: "no entity with this id in " + entityTable}
}

// WarnExclusionByLeftOutValue is counted when a form is excluded because
// a value row of its person's variable that the pivot left out holds a
// listed number: a second value (the first, read, may be empty or
// another spelling), or a value stored under the variable's name in
// another case or with trailing spaces, which a case-blind source
// collation takes for the variable. Migrating the form on its first
// value would bring a listed patient's form into the new registry, and
// archiving the left-out value would keep their number in the archive.
// So is a record of any table whose person: expression reads two or
// more columns and gave another than the one naming a listed person
// (coalesce(personnr, samordningsnr): excludeLeftOutReads).
const WarnExclusionByLeftOutValue = "exclusion_by_left_out_value"

// excludeByLeftOutPerson asks the lists with the values of the person's
// variables that the pivot left out (fate -2, a repeat; -1, a name no
// column reads exactly): each alone, then joined with the others as
// person: joins them (excludeByCopies). Not excluded, its outcome may
// carry warnings the joining raised, for the form's outcome.
func (p *TableProgram) excludeByLeftOutPerson(pivot []connectors.Value, values [][]connectors.Value, fate []int) (Outcome, bool) {
	left := func(i int) bool { return fate[i] < 0 }
	o, ok, seen := p.listedPersonValue(values, left)
	if !ok {
		if !seen {
			return Outcome{}, false
		}
		o, ok = p.excludeByCopies(pivot, values)
	}
	if ok {
		o.Warnings = append(o.Warnings, WarnExclusionByLeftOutValue)
	}
	return o, ok
}

// ExcludeOrphans decides the value rows of one entity id that no entity
// has (orphans, given in values-key order): when one of them holds a
// listed number in a variable of the person's, or their values joined
// as person: joins them do (a birth date and a last four, each a row),
// they are an opted-out (or erased) patient's form, and are excluded
// like a form's rows, written nowhere, the archive included; false
// otherwise (they are archived as orphans). ok with an archived outcome
// (person_copies, flagged) says they hold more copies of the person's
// values than the run joins (maxPersonJoins). The outcome's warnings are
// counted once for the rows.
func (p *TableProgram) ExcludeOrphans(values [][]connectors.Value) (Outcome, bool) {
	if p.EAV == nil || len(p.EAV.foldedPerson) == 0 || (p.env.OptOut == nil && p.env.Erasure == nil) {
		return Outcome{}, false
	}
	all := func(int) bool { return true }
	o, ok, seen := p.listedPersonValue(values, all)
	if ok {
		return o, true
	}
	if !seen {
		return Outcome{}, false
	}
	o, ok = p.excludeByCopies(nil, values)
	if !ok {
		// An orphan's outcome is archived: what the joining raised is
		// not carried (no list entry is a century apart of an
		// excluded record's), but a refusal to join is.
		if slices.Contains(o.Warnings, WarnPersonCopiesUnjoined) {
			return Outcome{Kind: Archived, Reason: ReasonPersonCopies, Detail: o.Detail, Warnings: o.Warnings}, true
		}
		return Outcome{}, false
	}
	return o, true
}

// maxPersonJoins bounds the ways excludeByCopies joins one form's copies
// of the person's values: a form holding more (17 birth dates and 17
// last fours) is no registration a person wrote, and is archived as
// person_copies, flagged, for the registry holder to look at.
const maxPersonJoins = 256

// ReasonPersonCopies archives a form (or an orphan id's rows) holding
// more copies of the person's values than the run joins (maxPersonJoins).
const ReasonPersonCopies = "person_copies"

// WarnPersonCopiesUnjoined is counted with ReasonPersonCopies: the form
// may be a listed patient's, and the run does not pass until the plan
// acknowledges it.
const WarnPersonCopiesUnjoined = "person_copies_unjoined"

// excludeByCopies asks the lists with every way of joining a form's
// copies of the values person: reads: a pivot column the person reads
// takes, in turn, its own value (pivot's; nil for orphans) and each
// value a row of its variable holds (as a case- and accent-blind
// collation names it, or named as the entity column), and person: is
// decided on each such row as a record's person is (personOutcome:
// the expression, then its inputs joined by their digits). A listed
// number any way joined excludes: the copies disagree about whose form
// it is, and an opted-out patient's form is never risked on the copy
// the pivot happened to read first. Before, a repeated birth date was
// asked alone, never joined with the last four: the form migrated on
// the other copy, or was archived with the listed number, and the run
// passed.
func (p *TableProgram) excludeByCopies(pivot []connectors.Value, values [][]connectors.Value) (Outcome, bool) {
	e := p.EAV
	if p.person == nil {
		return Outcome{}, false
	}
	type slot struct {
		col  int
		name string
	}
	var slots []slot
	var copies [][]connectors.Value
	for _, r := range p.person.reads {
		if r < 0 || r >= len(p.Source.Columns) || slices.ContainsFunc(slots, func(s slot) bool { return s.col == r }) {
			continue
		}
		slots = append(slots, slot{col: r, name: foldVariable(p.Source.Columns[r].Name)})
		var own []connectors.Value
		if pivot != nil {
			own = append(own, pivot[r])
		}
		copies = append(copies, own)
	}
	for _, vr := range values {
		v := vr[e.Value]
		if v == nil {
			continue
		}
		name, _ := connectors.FormatValue(vr[e.Attribute])
		f := foldVariable(name)
		for i, s := range slots {
			if s.name == f {
				copies[i] = append(copies[i], v)
			}
		}
	}
	row := make([]connectors.Value, len(p.Source.Columns))
	if pivot != nil {
		copy(row, pivot)
	}
	p.state.env.R, p.state.env.C = row, &p.state.choices
	defer func() { p.state.env.R = nil }()
	var kept []string
	var excluded Outcome
	found, ok := JoinPersonCopies(copies, maxPersonJoins, pivot != nil, func(join []connectors.Value) bool {
		for i, s := range slots {
			row[s.col] = join[i]
		}
		p.env.warnings.reset()
		o, ok, _ := p.personOutcome(row)
		if ok && o.Kind == Excluded {
			excluded = o
			return true
		}
		w := o.Warnings
		if !ok {
			w = p.env.warnings.take()
		}
		if slices.Contains(w, WarnListCenturyDiffers) && !slices.Contains(kept, WarnListCenturyDiffers) {
			kept = append(kept, WarnListCenturyDiffers)
		}
		return false
	})
	if !ok {
		return Outcome{Warnings: []string{WarnPersonCopiesUnjoined},
			Detail: fmt.Sprintf("the form holds more than %d ways of joining its copies of the person's values; regflytt cannot tell whether one names a listed patient", maxPersonJoins)}, false
	}
	if found {
		return excluded, true
	}
	p.env.warnings.reset()
	return Outcome{Warnings: kept}, false
}

// samePersonValue says whether two values are equal as the lists read them.
func samePersonValue(a, b connectors.Value) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	sa, oka := numberText(a)
	sb, okb := numberText(b)
	return oka && okb && sa == sb
}

// listedPersonValue asks the lists with the values, of those ask picks,
// of a variable of the person's (exactly, or as a case- and
// trailing-space-blind collation names it); seen says whether ask picked
// a non-NULL one, which excludeByCopies may then join with the others.
func (p *TableProgram) listedPersonValue(values [][]connectors.Value, ask func(i int) bool) (o Outcome, ok, seen bool) {
	e := p.EAV
	for i := range values {
		v := values[i][e.Value]
		if !ask(i) || v == nil {
			continue
		}
		name, _ := connectors.FormatValue(values[i][e.Attribute])
		if !e.personVariable(name) {
			continue
		}
		seen = true
		s, ok := numberText(v)
		if !ok {
			continue
		}
		if o, ok := p.listedText(s); ok {
			return o, true, true
		}
	}
	return Outcome{}, false, seen
}

// personVariable reports whether an attribute names one of the person's
// variables, exactly or as a case-, accent- and trailing-space-blind
// collation compares it, or in another Unicode normalisation ('ö' decomposed: the
// row was archived, a listed number with it, when the patient's other
// form spelled it composed and matched the list).
func (e *EAVProgram) personVariable(name string) bool {
	return e.foldedPerson[foldVariable(name)]
}

// otherIdentities sorts the identity columns of a form-store mapping
// (identityColumnsOf) that person: does not read into entity columns
// (otherIDCols) and variables (otherIDVars, folded): a dropped variable
// has no pivot column, so the pivot's otherIDs cannot hold it.
func (e *EAVProgram) otherIdentities(ids []string, tp *TableProgram) {
	for _, name := range ids {
		if e.foldedPerson[foldVariable(name)] {
			continue
		}
		if i := e.Entities.ColumnIndex(name); i >= 0 {
			if tp.person == nil || i != tp.person.src && !slices.Contains(tp.person.reads, i) {
				e.otherIDCols = append(e.otherIDCols, i)
			}
			continue
		}
		if e.otherIDVars == nil {
			e.otherIDVars = map[string]bool{}
		}
		e.otherIDVars[foldVariable(name)] = true
	}
}
