package mappings

import (
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Reasons of outcomes decided by declared links between records.
const (
	// ReasonParentArchived archives a record whose parent record (its
	// visit, its patient) is archived: migrating it would make a row that
	// points at a row the receiving platform does not have.
	ReasonParentArchived = "parent_archived"
	// ReasonDuplicateRegistration archives a record that is the same
	// registration as another one, which won by the mapping's keep: rule.
	ReasonDuplicateRegistration = "duplicate_registration"
)

// ParentSpec declares that a table's records belong to records of
// another mapped source table:
//
//	parent: {table: patient, key: [patient_id]}
//
// Key names the child's source columns holding the parent's source key,
// in the order of the parent's key columns.
type ParentSpec struct {
	Pos   Pos
	Table Str
	Key   []Str
}

// DuplicatesSpec declares what makes two records the same registration
// and which one is migrated:
//
//	duplicates: {same: [patient, visit_date, unit], keep: earliest, by: registered_at}
//
// Same and By name target columns, compared after the mapping (two
// spellings of one identity number are one person); ties, and a mapping
// without by:, are decided by the source key, or, when the table has an
// order_by, by the processing order.
type DuplicatesSpec struct {
	Pos  Pos
	Same []Str
	Keep Str
	By   Str
}

// ParentProgram is a compiled parent link.
type ParentProgram struct {
	// Table is the parent's program; Records the table its records are
	// read from (the entities table of a form store).
	Table   *TableProgram
	Records *connectors.Table
	// Key names the child's columns holding the parent's key; KeyIndex
	// gives their positions in a child's source row (for a form store, in
	// its entity row).
	Key      []string
	KeyIndex []int
}

// DuplicatesProgram is a compiled duplicates rule.
type DuplicatesProgram struct {
	// Same and SameIndex name the target columns identifying a
	// registration and their positions in a target row.
	Same      []string
	SameIndex []int
	// By and ByIndex name the target column ordering the records of one
	// registration (ByIndex -1 when the source key alone decides).
	By      string
	ByIndex int
	// Latest keeps the record with the greatest by value (and, on a tie,
	// the greatest source key) rather than the least.
	Latest bool
	// InOrder says the table has an order_by: ties (and a rule without
	// by:) go to the first record in processing order (latest: the last),
	// not to the least source key, so that "earliest report first" keeps
	// the earliest report.
	InOrder bool
}

// RecordsTable is the source table whose records the program gives
// outcomes to (for a form store, its entities table).
func (p *TableProgram) RecordsTable() *connectors.Table {
	if p.EAV != nil {
		return p.EAV.Entities
	}
	return p.Source
}

// RecordKey names the source columns identifying one record of
// RecordsTable.
func (p *TableProgram) RecordKey() []string {
	if p.EAV != nil {
		return p.EAV.Entities.PrimaryKey
	}
	return p.Key
}

// InParentOrder gives the table programs so that every parent comes
// before its children: a child's outcome depends on its parent's.
// Otherwise the order is that of the mapping files.
func (p *Program) InParentOrder() []*TableProgram {
	if p.order == nil {
		return p.Tables
	}
	return p.order
}

func parseParent(path string, f *Fields, ds *Diagnostics) *ParentSpec {
	n := f.Node("parent")
	if n == nil {
		return nil
	}
	pf := ReadFields(path, n, ds, "parent")
	s := &ParentSpec{Pos: PosOf(path, n), Table: pf.Required("table"), Key: pf.Strs("key")}
	if pf.ok && len(s.Key) == 0 {
		ds.add(s.Pos, "Y003", "parent needs key: [the columns holding the parent's key]")
	}
	pf.Done()
	return s
}

func parseDuplicates(path string, f *Fields, ds *Diagnostics) *DuplicatesSpec {
	n := f.Node("duplicates")
	if n == nil {
		return nil
	}
	df := ReadFields(path, n, ds, "duplicates")
	s := &DuplicatesSpec{Pos: PosOf(path, n), Same: df.Strs("same"), Keep: df.Required("keep"), By: df.Str("by")}
	if df.ok && len(s.Same) == 0 {
		ds.add(s.Pos, "Y003", "duplicates needs same: [the target columns that make two records one registration]")
	}
	if k := s.Keep; k.IsSet() && k.Value != "earliest" && k.Value != "latest" {
		ds.add(k.Pos, "Y001", "keep must be earliest or latest")
	}
	df.Done()
	return s
}

// compileLinks compiles the parent links and duplicates rules of every
// program, once all are compiled, and orders the programs parents first.
// mapped names the source tables of every table mapping, compiled or not,
// so that a parent whose own mapping failed is not reported twice.
func compileLinks(prog *Program, files []*File, ds *Diagnostics) {
	bySource := map[string]*TableProgram{}
	for _, tp := range prog.Tables {
		bySource[tp.RecordsTable().Name] = tp
	}
	mapped := map[string]bool{}
	eachTable(files, func(tm *TableMapping) { mapped[tm.Source.Value] = true })
	for _, tp := range prog.Tables {
		if s := tp.Mapping.Parent; s != nil {
			tp.Parent = compileParent(tp, s, bySource, mapped, ds)
		} else {
			undeclaredParents(tp, bySource, ds)
		}
		if s := tp.Mapping.Duplicates; s != nil {
			tp.Duplicates = compileDuplicates(tp, s, ds)
		}
	}
	prog.order = parentOrder(prog.Tables, ds)
}

// undeclaredParents warns of a foreign key the source declares to a
// mapped table's records when the mapping declares no parent: the
// database says the records belong together, the run would not.
func undeclaredParents(tp *TableProgram, bySource map[string]*TableProgram, ds *Diagnostics) {
	for _, fk := range tp.RecordsTable().ForeignKeys {
		parent := bySource[fk.RefTable]
		if parent == nil || parent == tp || parent.Merge != nil || strings.Join(fk.RefColumns, ",") != strings.Join(parent.RecordKey(), ",") {
			continue
		}
		ds.warn(tp.Mapping.Source.Pos, "M043", "source table %s refers to %s (foreign key %s) but its mapping declares no parent: a record whose %s record is archived or excluded would still migrate (declare parent: {table: %s, key: [%s]})",
			tp.RecordsTable().Name, fk.RefTable, strings.Join(fk.Columns, ", "), fk.RefTable, fk.RefTable, strings.Join(fk.Columns, ", "))
	}
}

func compileParent(tp *TableProgram, s *ParentSpec, bySource map[string]*TableProgram, mapped map[string]bool, ds *Diagnostics) *ParentProgram {
	parent := bySource[s.Table.Value]
	if parent == nil {
		if !mapped[s.Table.Value] && s.Table.IsSet() {
			var names []string
			for n := range bySource {
				names = append(names, n)
			}
			ds.add(s.Table.Pos, "M040", "parent table %s is not a source table of this plan's mappings: map it (the parent names its source table)%s", s.Table.Value, suggest(s.Table.Value, names))
		}
		return nil
	}
	if parent.Merge != nil {
		// A merged record's outcome is decided after every table is read,
		// too late for its children.
		ds.add(s.Table.Pos, "M040", "parent table %s is a merged source: it cannot be a parent yet", s.Table.Value)
		return nil
	}
	records := tp.RecordsTable()
	pkey := parent.RecordKey()
	if len(s.Key) == 0 {
		return nil // reported by parseParent
	}
	if len(s.Key) != len(pkey) {
		ds.add(s.Pos, "M044", "parent %s has a key of %d column(s) (%s) but key: names %d", parent.RecordsTable().Name, len(pkey), strings.Join(pkey, ", "), len(s.Key))
		return nil
	}
	p := &ParentProgram{Table: parent, Records: parent.RecordsTable()}
	ok := true
	for i, k := range s.Key {
		col := records.Column(k.Value)
		if col == nil {
			ds.add(k.Pos, "M044", "parent key column %s is not in source table %s%s", k.Value, records.Name, suggest(k.Value, columnNames(records)))
			ok = false
			continue
		}
		pcol := p.Records.Column(pkey[i])
		if pcol != nil && !sameKeyType(col.Type, pcol.Type) {
			ds.add(k.Pos, "M044", "%s.%s is %v but the key it refers to, %s.%s, is %v: a parent key must have the parent's type", records.Name, k.Value, col.Type, p.Records.Name, pkey[i], pcol.Type)
			ok = false
			continue
		}
		// A form store's entity columns come first in its pivot, so the
		// position is the same in an entity row.
		p.Key = append(p.Key, k.Value)
		p.KeyIndex = append(p.KeyIndex, records.ColumnIndex(k.Value))
	}
	if !ok {
		return nil
	}
	return p
}

// sameKeyType says whether values of two columns encode alike when equal:
// keys are matched by their canonical encoding.
func sameKeyType(a, b connectors.Type) bool {
	if a.Kind != b.Kind {
		return false
	}
	return a.Kind != connectors.KindDecimal || a.Scale == b.Scale
}

func compileDuplicates(tp *TableProgram, s *DuplicatesSpec, ds *Diagnostics) *DuplicatesProgram {
	switch {
	case tp.EAV != nil:
		ds.add(s.Pos, "M042", "duplicates: is not supported for a form store yet (it decides between registrations; for a variable one form holds twice, eav: latest_by: COLUMN says which value row migrates)")
		return nil
	case tp.Merge != nil:
		ds.add(s.Pos, "M042", "duplicates of merged sources are decided by merge:, not duplicates:")
		return nil
	}
	d := &DuplicatesProgram{ByIndex: -1, Latest: s.Keep.Value == "latest", InOrder: len(tp.OrderBy) > 0}
	ok := true
	column := func(name Str) int {
		i := tp.Target.ColumnIndex(name.Value)
		if i < 0 {
			ds.add(name.Pos, "M042", "duplicates: %s is not a column of receiving table %s%s", name.Value, tp.Target.Name, suggest(name.Value, columnNames(tp.Target)))
			ok = false
		}
		return i
	}
	for _, c := range s.Same {
		if i := column(c); i >= 0 {
			d.Same, d.SameIndex = append(d.Same, c.Value), append(d.SameIndex, i)
		}
	}
	if s.By.IsSet() {
		if i := column(s.By); i >= 0 {
			if k := tp.Target.Columns[i].Type.Kind; !orderable(k) {
				ds.add(s.By.Pos, "M042", "duplicates: by %s cannot order records (%v)", s.By.Value, tp.Target.Columns[i].Type)
				ok = false
			}
			d.By, d.ByIndex = s.By.Value, i
		}
	}
	if !ok || len(d.Same) == 0 {
		return nil
	}
	return d
}

// parentOrder orders programs parents first and reports every cycle of
// parent links (a record cannot wait for its own outcome).
func parentOrder(tables []*TableProgram, ds *Diagnostics) []*TableProgram {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[*TableProgram]int{}
	var order []*TableProgram
	var visit func(tp *TableProgram, path []*TableProgram)
	visit = func(tp *TableProgram, path []*TableProgram) {
		switch state[tp] {
		case done:
			return
		case onPath:
			start := 0
			for i, p := range path {
				if p == tp {
					start = i
				}
			}
			cycle := path[start:]
			names := make([]string, 0, len(cycle)+1)
			for _, p := range cycle {
				names = append(names, p.RecordsTable().Name)
			}
			names = append(names, tp.RecordsTable().Name)
			for _, p := range cycle {
				ds.add(p.Mapping.Parent.Pos, "M041", "parent links form a cycle (%s): a record's outcome cannot wait for its own", strings.Join(names, " → "))
			}
			return
		}
		state[tp] = onPath
		if tp.Parent != nil {
			visit(tp.Parent.Table, append(path, tp))
		}
		state[tp] = done
		order = append(order, tp)
	}
	for _, tp := range tables {
		visit(tp, nil)
	}
	return order
}

// parentKeys names, in the source catalogue plan check compiles against
// (NamedSource), the columns a mapping's parent link reads.
func (n *namedSource) parentKeys(tm *TableMapping) {
	if tm.Parent == nil {
		return
	}
	records := tm.Source.Value
	if tm.EAV != nil {
		records = tm.EAV.Entities.Value
	}
	t := n.table(records)
	for _, k := range tm.Parent.Key {
		n.column(t, k.Value)
	}
}

// linkParas says in words what a mapping's parent and duplicates rules
// do, for map doc.
func linkParas(tm *TableMapping) []string {
	var out []string
	if s := tm.Parent; s != nil {
		out = append(out, fmt.Sprintf("Each record belongs to a record of source table %s (its %s holds that record's key). A record whose parent is excluded is excluded with it; one whose parent is archived is archived (parent_archived); one whose parent does not exist is archived (orphan).",
			s.Table.Value, strsText(s.Key)))
	}
	if s := tm.Duplicates; s != nil {
		by := "the source key"
		if s.By.IsSet() {
			by = s.By.Value + " (then the source key)"
		}
		out = append(out, fmt.Sprintf("Records that agree on %s are one registration: the %s by %s is migrated, the others are archived (duplicate_registration) with the key of the one kept.",
			strsText(s.Same), s.Keep.Value, by))
	}
	return out
}

func strsText(ss []Str) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Value
	}
	return strings.Join(names, ", ")
}
