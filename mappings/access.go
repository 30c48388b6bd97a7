package mappings

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/regflytt/regflytt/connectors"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"gopkg.in/yaml.v3"
)

// UnitSpec says which care unit reported a table's records (its LPUA):
//
//	unit: vardenhet_id                  # a source column of the table
//	unit: {column: vardenhet_id}        # the same
//	unit: {none: "code lists, no reported data"}
//	unit: {column: vardenhet_id, translate: enheter}   # ids recoded by a code list
//
// A care provider may read only the records it reported itself, so a
// migration must carry each record's reporting unit: the column must be
// copied to a receiving column (a column mapping from: it, with neither
// null_when nor default, which would change whose record it is), and the
// archive's outcome table names it for every archived record. Once one
// table of a plan declares a unit, every table must (a column, or none
// with the reason its records belong to no unit): a table left out would
// lose its owner silently.
type UnitSpec struct {
	Pos Pos
	// Column is the source column naming the reporting unit; empty when
	// None is set.
	Column Str
	// None is why the table's records have no reporting unit.
	None Str
	// Parent says a record's unit is its parent record's (unit: {parent:
	// true}, only with parent:): for a child table with no unit column
	// whose records belong to whoever reported their parent.
	Parent bool
	// Translate names the code list that translates the legacy unit ids
	// into the receiving platform's (unitcodes.go): the unit is then
	// carried through that list, and each record is held to the receiving
	// unit its legacy unit translates to.
	Translate Str
	// Derived names receiving columns mapped from the unit column that
	// hold something derived from the unit (its size class, a region by
	// a code list), not the unit: unit: {column: vardenhet_id, derived:
	// [size_class]}. Every other column mapped from the unit column is
	// held to the record's unit, since regflytt cannot tell which of them
	// the receiving platform reads as the care provider (M065 checks the
	// names).
	Derived []Str
}

// derived reports whether receiving column name is one the unit: names as
// derived from the unit, not carrying it.
func (u *UnitSpec) derived(name string) bool {
	for _, d := range u.Derived {
		if d.Value == name {
			return true
		}
	}
	return false
}

// parseUnit reads a table mapping's unit: field.
func parseUnit(path string, f *Fields, ds *Diagnostics) *UnitSpec {
	n := f.Node("unit")
	if n == nil {
		return nil
	}
	u := &UnitSpec{Pos: PosOf(path, n)}
	if n.Kind == yaml.ScalarNode {
		u.Column = Str{Value: n.Value, Pos: PosOf(path, n)}
	} else {
		uf := ReadFields(path, n, ds, "unit")
		u.Column = uf.Str("column")
		u.None = uf.Str("none")
		u.Parent = uf.Bool("parent")
		u.Translate = uf.Str("translate")
		u.Derived = uf.Strs("derived")
		uf.Done()
	}
	n1 := 0
	for _, set := range []bool{u.Column.Value != "", u.None.Value != "", u.Parent} {
		if set {
			n1++
		}
	}
	if n1 != 1 {
		ds.add(u.Pos, "Y003", "unit: needs exactly one of a source column (unit: vardenhet_id), {none: why the records belong to no reporting unit} or {parent: true} (a child's unit is its parent record's)")
		// Kept (empty), so that the table does not count as undeclared too.
		u.Column, u.None, u.Parent = Str{}, Str{}, false
	}
	if len(u.Derived) > 0 && u.Column.Value == "" && !u.Parent {
		ds.add(u.Derived[0].Pos, "M065", "unit: derived: names columns derived from a unit column: give it with column: (unit: {column: vardenhet_id, derived: [%s]})", u.Derived[0].Value)
		u.Derived = nil
	}
	if u.Translate.IsSet() && u.Column.Value == "" {
		ds.add(u.Translate.Pos, "M054", "unit: translate: translates a unit column: give it with column: (unit: {column: vardenhet_id, translate: %s})", u.Translate.Value)
		u.Translate = Str{}
	}
	return u
}

// checkUnits checks the reporting units the mappings declare: needs no
// source, so plan check finds it as map check and run do.
//
//	M050  a table declares no unit while another table does
//	M051  the unit column reaches no receiving column (not mapped, or dropped)
//	M052  the column carrying the unit has null_when or default
//	M053  unit: {parent: true} without parent:, or with a parent of no unit
func checkUnits(files []*File) Diagnostics {
	var ds Diagnostics
	var declared *UnitSpec
	var all []*TableMapping
	eachTable(files, func(tm *TableMapping) {
		if len(tm.Members) > 0 {
			// A merged mapping's sources declare their own units.
			return
		}
		all = append(all, tm)
		if tm.Unit != nil && declared == nil {
			declared = tm.Unit
		}
	})
	if declared == nil {
		return nil
	}
	for _, tm := range all {
		u := tm.Unit
		if u == nil {
			ds.add(tm.Pos, "M050", "table %s declares no reporting unit, but %s does: add unit: <source column> (or unit: {none: why}) so that every record keeps the care provider that reported it", tm.Source.Value, declared.Pos)
			continue
		}
		if u.Parent && tm.Parent == nil {
			ds.add(u.Pos, "M053", "table %s takes its reporting unit from its parent (unit: {parent: true}) but declares no parent: add parent: {table: …, key: [...]}, or name its unit column", tm.Source.Value)
			continue
		}
		if u.Parent {
			// A parent with no unit would leave every child in no unit's
			// report while the mapping says they follow it.
			for _, pm := range all {
				if pm.Source.Value == tm.Parent.Table.Value && pm.Unit != nil && pm.Unit.None.Value != "" {
					ds.add(u.Pos, "M053", "table %s takes its reporting unit from its parent %s, which belongs to no unit (%s): name the child's unit column, or say unit: {none: why}", tm.Source.Value, pm.Source.Value, pm.Unit.Pos)
				}
			}
			unheldChildUnits(tm, all, &ds)
			continue
		}
		if u.Column.Value == "" {
			continue
		}
		col := u.Column.Value
		var carried []*ColumnMapping
		from := map[string]*ColumnMapping{}
		for _, c := range tm.Columns {
			carries := tm.carriesUnit(c, col)
			if carries || computedFromUnit(c, col) {
				// derived: may name either: a column computed from the
				// unit is held as the unit unless named so.
				from[c.Target.Value] = c
			}
			if carries && !u.derived(c.Target.Value) {
				carried = append(carried, c)
			}
		}
		for _, d := range u.Derived {
			c, ok := from[d.Value]
			switch {
			case !ok:
				ds.add(d.Pos, "M065", "unit: derived: names %s, which is no receiving column of %s mapped from the unit column %s", d.Value, tm.Target.Value, col)
			case c.CodeList.Value == "" && c.Expr.Value == "":
				ds.add(d.Pos, "M065", "unit: derived: names %s, which carries the unit column %s as it is: it is the unit, not derived from it", d.Value, col)
			case u.Translate.IsSet() && c.CodeList.Value == u.Translate.Value:
				ds.add(d.Pos, "M065", "unit: derived: names %s, which applies the unit's translation %s: it is the receiving unit, not derived from it", d.Value, u.Translate.Value)
			}
		}
		if len(carried) == 0 {
			why := "no receiving column is mapped from it"
			if _, dropped := tm.Drop[col]; dropped {
				why = "it is dropped at " + tm.DropPos[col].String()
			}
			ds.add(u.Column.Pos, "M051", "reporting unit column %s of source table %s does not reach receiving table %s: %s; map it (for example care_unit_id: %s), or the care provider that reported each record is lost", col, tm.Source.Value, tm.Target.Value, why, col)
			continue
		}
		for _, c := range carried {
			if c.NullWhen != nil || c.Default != nil {
				ds.add(c.Pos, "M052", "receiving column %s carries the reporting unit (%s): null_when and default would change which care provider a record belongs to; carry it as it is", c.Target.Value, col)
			}
		}
	}
	return ds
}

// unheldChildUnits refuses (M092) a receiving unit column of a child
// that takes its parent's unit (unit: {parent: true}) that the run
// cannot hold to that unit: one named as a column its root parent
// carries the unit in but made from no or two and more source columns
// (the run holds one made from one, plans' childUnitColumn), and one
// named otherwise but made from the root's legacy unit column. Either
// the receiving platform may read as the record's care provider, and
// through a code list or an expression it gave every record another
// one, unseen: run and verify PASSed. A column unit: names derived
// holds something other than the care provider, and passes.
func unheldChildUnits(tm *TableMapping, all []*TableMapping, ds *Diagnostics) {
	root := tm
	for i := 0; root.Unit != nil && root.Unit.Parent && root.Parent != nil && i < 64; i++ {
		var next *TableMapping
		for _, pm := range all {
			if pm.Source.Value == root.Parent.Table.Value {
				next = pm
				break
			}
		}
		if next == nil {
			return
		}
		root = next
	}
	carriers, col := root.UnitColumns()
	if col == "" {
		return
	}
	// A root whose unit is its own key (a care unit's own row, unit: id)
	// shares the column's name with every child's own key: there the name
	// says nothing of the unit, and only the carriers' names are held.
	ownKey := col == "id" && len(root.Key) == 0
	for _, k := range root.Key {
		ownKey = ownKey || k.Value == col
	}
	carried := map[string]bool{}
	for _, c := range carriers {
		carried[c.Target] = true
	}
	for _, c := range tm.Columns {
		if tm.Unit.derived(c.Target.Value) {
			continue
		}
		from, one := c.OnlySource()
		reads := from == col || c.Expr.Value != "" && slices.Contains(identifiers(c.Expr.Value), col)
		switch {
		case carried[c.Target.Value] && !one:
			ds.add(c.Pos, "M092", "receiving column %s of %s is where %s carries the reporting unit, and %s takes its parent's unit (unit: {parent: true}), but it is made from %s: the run holds such a column to the parent's unit only when made from one source column, and the receiving platform may read this one as the record's care provider; make it from one column, or name it with unit: {parent: true, derived: [%s]} if it holds no care provider", c.Target.Value, tm.Target.Value, root.Target.Value, tm.Source.Value, map[bool]string{true: "more than one source column", false: "no source column"}[c.Expr.Value != "" && len(identifiers(c.Expr.Value)) > 1], c.Target.Value)
		case !carried[c.Target.Value] && reads && !ownKey:
			ds.add(c.Pos, "M092", "receiving column %s of %s is made from %s, the reporting unit column of %s, whose unit %s takes (unit: {parent: true}), but %s carries the unit in %s only: nothing holds %s to the parent's unit, and the receiving platform may read it as the record's care provider; name it as the parent's unit column, declare the table's own unit: %s, or name it with unit: {parent: true, derived: [%s]} if it holds no care provider", c.Target.Value, tm.Target.Value, col, root.Source.Value, tm.Source.Value, root.Target.Value, carrierNames(carriers), c.Target.Value, col, c.Target.Value)
		}
	}
}

// carrierNames lists receiving unit columns for a message.
func carrierNames(carriers []UnitCarrier) string {
	var names []string
	for _, c := range carriers {
		names = append(names, c.Target)
	}
	if len(names) == 0 {
		return "no column"
	}
	return strings.Join(names, ", ")
}

// unitInEntities refuses, in a form store, a unit column that is not a
// column of the entities table (M057): a variable of the form, whose
// value rows may be missing or repeated, is not where the run reads a
// record's unit, so no record of the table would be counted in a unit and
// a code list that gave each record another unit would pass unseen.
func (c *compiler) unitInEntities(tp *TableProgram) {
	u := c.tm.Unit
	if tp.EAV == nil || u == nil || u.Column.Value == "" || tp.EAV.Entities.Column(u.Column.Value) != nil {
		return
	}
	c.ds.add(u.Column.Pos, "M057", "reporting unit column %s is not a column of entities table %s (a form variable?): the run reads each record's unit from its entity row; name the entities column that holds it", u.Column.Value, tp.EAV.Entities.Name)
}

// UnitColumn returns the receiving column that carries the table's
// reporting unit, and the source column, or "" when the mapping declares
// none.
func (tm *TableMapping) UnitColumn() (target, source string) {
	if tm.Unit == nil || tm.Unit.Column.Value == "" {
		return "", ""
	}
	for _, c := range tm.Columns {
		// A translated unit is carried by the column that applies the
		// translation; a copy of the legacy id beside it is not the unit.
		if tm.Unit.Translate.IsSet() && c.CodeList.Value != tm.Unit.Translate.Value {
			continue
		}
		if tm.carriesUnit(c, tm.Unit.Column.Value) && c.NullWhen == nil && c.Default == nil && !tm.Unit.derived(c.Target.Value) {
			return c.Target.Value, tm.Unit.Column.Value
		}
	}
	return "", tm.Unit.Column.Value
}

// UnitCarrier is a receiving column that carries a table's reporting
// unit (TableMapping.UnitColumns).
type UnitCarrier struct {
	// Target is the receiving column.
	Target string
	// Translated says the column applies the unit's translation (unit:
	// {translate: …}): it must hold the receiving unit the legacy unit
	// translates to; any other carrier holds the legacy unit as it is.
	Translated bool
}

// UnitColumns returns every receiving column that carries the table's
// reporting unit, and the source column; none when the mapping declares
// no unit column. A receiving table may name the unit in more than one
// column, and the receiving platform may read any of them as the
// record's care provider, so each must hold the record's own unit, not
// only the one UnitColumn names. A column with null_when or default is
// left out: M052 refuses it. A column computed by an expression from the
// unit column (computedFromUnit) is held as well, unless unit: names it
// derived: it does not carry the unit (M051 wants a column that does),
// but care_unit_id: {expr: 'vardenhet_id == 12 ? 5 : vardenhet_id'}
// gives unit 12's records to unit 5 as surely as a code list does, and
// held only through a code list, it PASSed beside a copy of the unit.
func (tm *TableMapping) UnitColumns() (carriers []UnitCarrier, source string) {
	if tm.Unit == nil || tm.Unit.Column.Value == "" {
		return nil, ""
	}
	col := tm.Unit.Column.Value
	for _, c := range tm.Columns {
		if tm.Unit.derived(c.Target.Value) {
			continue
		}
		switch {
		case tm.carriesUnit(c, col):
			if c.NullWhen == nil && c.Default == nil {
				carriers = append(carriers, UnitCarrier{Target: c.Target.Value, Translated: tm.Unit.Translate.IsSet() && c.CodeList.Value == tm.Unit.Translate.Value})
			}
		case computedFromUnit(c, col):
			// Held to the legacy unit, as a copy beside a translation is.
			carriers = append(carriers, UnitCarrier{Target: c.Target.Value})
		}
	}
	return carriers, col
}

// OnlySource gives the one source column a column mapping's value is
// made from: its from:, or the only column its expression reads
// (lookup("unit", enhet, "id"), enhet == 12 ? 5 : enhet); false when it
// reads none or more than one.
func (c *ColumnMapping) OnlySource() (string, bool) {
	if c.From.IsSet() {
		return c.From.Value, true
	}
	if c.Expr.Value == "" {
		return "", false
	}
	if ids := identifiers(c.Expr.Value); len(ids) == 1 {
		return ids[0], true
	}
	return "", false
}

// computedFromUnit reports whether a receiving column is made by an
// expression that reads the unit column col: what it holds is computed
// from the unit (a merged unit, a recoding, a size class), and the
// receiving platform may read it as the care provider unless the mapping
// says it is derived from the unit, not the unit.
func computedFromUnit(c *ColumnMapping, col string) bool {
	return c.Expr.Value != "" && slices.Contains(identifiers(c.Expr.Value), col)
}

// carriesUnit reports whether a receiving column carries source column
// col as it is: mapped from: it, or exactly lookup("name", col, "key")
// where the lookup named is keyed by the very column it returns. A lookup
// matches a key only to a value of the same kind and encoding, so the row
// it finds has col's value as its key, and returns that value; a value no
// row has is archived (lookup_missing), never changed. Anything more (a
// default, another returned column, an expression around the call) may
// change the unit, and does not carry it.
func (tm *TableMapping) carriesUnit(c *ColumnMapping, col string) bool {
	if c.From.Value == col {
		return true
	}
	if c.Expr.Value == "" {
		return false
	}
	tree, err := parser.Parse(c.Expr.Value)
	if err != nil {
		return false
	}
	call, ok := tree.Node.(*ast.CallNode)
	if !ok || len(call.Arguments) != 3 {
		return false
	}
	if fn, ok := call.Callee.(*ast.IdentifierNode); !ok || fn.Value != "lookup" {
		return false
	}
	name, ok1 := call.Arguments[0].(*ast.StringNode)
	key, ok2 := call.Arguments[1].(*ast.IdentifierNode)
	ret, ok3 := call.Arguments[2].(*ast.StringNode)
	if !ok1 || !ok2 || !ok3 || key.Value != col {
		return false
	}
	for _, l := range tm.Lookups {
		if l.Name.Value == name.Value {
			return l.Key.Value == ret.Value
		}
	}
	return false
}

// AccessSpec is a mapping file's access: section. It says what grants
// mean on both platforms, so that verification can prove that no account
// reaches more after the migration than before (verify.CheckAccess):
//
//	access:
//	  units: {table: vardenhet, key: id, region: region}   # the legacy care units and their regions
//	  legacy:
//	    roles:                                  # what each legacy role may do
//	      LAK: {access: write}                  # reach: scope (default) | region | all
//	      ADM: {access: write, reach: all}
//	    grants:                                 # source tables whose rows are grants
//	      - {table: behorighet, account: anvandare_id, role: roll, unit: vardenhet_id, region: region}
//	      - {table: forordnande, account: anvandare_id, unit: vardenhet_id, region: region,
//	         valid_from: giltig_fran, valid_to: giltig_till, basis: appointment, access: write}
//	    accounts: {table: anvandare, key: id, active: aktiv, login: hsa_id}   # which accounts may log in, with what
//	  receiving:
//	    roles: {reporter: {access: write}, reader: {access: read}}
//	    grants:                                 # receiving tables whose rows are grants
//	      - {table: app_grant, account: user_id, role: role, unit: care_unit_id, region: region}
//	    accounts: {table: app_user, key: user_id, active: active, login: hsa_id}
//
// The grants themselves are moved by ordinary table mappings (a code list
// maps the roles); the legacy grant tables must be mapped. A grant's scope
// is its unit, else its region; its role's reach may widen that to the
// unit's region or to every unit. A grant with basis appointment is valid
// from valid_from to valid_to and gives what access: says; the run archives
// one that ended before the reference date (appointment_expired), and a
// legacy grant scoped to a care unit that does not exist
// (unit_not_found). Accounts keep their id across the migration. A side's
// accounts: (AccountTable) says which of its accounts are disabled: their
// grants reach nothing there; without it every account is enabled. Its
// login: names what users log in with, which every account must keep
// (without it on either side, P014 warns: accounts are compared by id).
type AccessSpec struct {
	Pos       Pos
	Units     UnitTable
	Legacy    AccessSide
	Receiving AccessSide
}

// UnitTable is the legacy table of care units: the units that exist.
type UnitTable struct {
	Pos                Pos
	Table, Key, Region Str
}

// AccessSide is one platform's roles and grant tables, and its accounts
// table when it names one.
type AccessSide struct {
	Roles    map[string]AccessRole
	Grants   []*GrantTable
	Accounts *AccountTable
}

// AccountTable names a platform's table of accounts and the columns that
// say whether an account may log in (access: legacy|receiving: accounts:):
//
//	accounts: {table: anvandare, key: id, active: aktiv}               # enabled: true, or a number not 0
//	accounts: {table: anvandare, key: id, active: status, enabled: [A, AKT]}
//	accounts: {table: anvandare, key: id, disabled_from: sparrad}      # locked from that day on
//	accounts: {table: anvandare, key: id, valid_to: slutdatum}         # as a grant's valid_to
//	accounts: {table: anvandare, key: id, login: hsa_id}               # what the person logs in with
//	accounts: {table: anvandare, key: id, active: aktiv, login: [hsa_id, anvnamn]}
//
// Legacy platforms disable an account by a flag or a date and keep its
// grant rows: such an account reaches nothing, and one carried as enabled
// regains every unit its grants name. An account disabled on a side (on
// the day a grant is judged) reaches nothing on that side, whatever its
// grants say. Key is matched with the grant tables' account columns.
//
// Grants hang from the account id, but a person reaches an account by
// its login identity (an HSA-id on a SITHS card, a user name): a mapping
// that gives account A the identity of B keeps every grant on its id,
// and B logs in to A's scope. Login names the columns that hold it; both
// sides name them, in the same order, and the proof holds each account's
// identities to the ones it had (verify.CheckLogins).
type AccountTable struct {
	Pos        Pos
	Table, Key Str
	// Active is a column saying whether the account is enabled: one of
	// Enabled (compared as text) when given, else true or a number other
	// than 0. NULL is read as neither can hide a widening: disabled on the
	// legacy side, enabled on the receiving one.
	Active  Str
	Enabled []Str
	// ValidFrom and ValidTo are the first and last day the account is
	// enabled (inclusive, NULL open), as a grant's; DisabledFrom is the
	// first day it is disabled (a lock date; NULL: not locked).
	ValidFrom, ValidTo, DisabledFrom Str
	// Login names the columns holding the identity a person logs in to
	// the account with (HSA-id, user name): the receiving side's i-th
	// column is compared with the legacy side's i-th.
	Login []Str
}

// Columns are the columns the accounts table is read by: Key, then the
// state columns ("" when not given) in the order Active, ValidFrom,
// ValidTo, DisabledFrom, then the Login columns.
func (a *AccountTable) Columns() []string {
	cols := []string{a.Key.Value, a.Active.Value, a.ValidFrom.Value, a.ValidTo.Value, a.DisabledFrom.Value}
	for _, l := range a.Login {
		cols = append(cols, l.Value)
	}
	return cols
}

// HasState says whether the entry names a column saying which accounts
// are enabled (an entry may name only the login identity).
func (a *AccountTable) HasState() bool {
	return a.Active.IsSet() || a.ValidFrom.IsSet() || a.ValidTo.IsSet() || a.DisabledFrom.IsSet()
}

// Reaches of a role.
const (
	ReachScope  = "scope"
	ReachRegion = "region"
	ReachAll    = "all"
)

// AccessRole is what a role may do: Write (else read only) within its
// Reach.
type AccessRole struct {
	Pos   Pos
	Write bool
	Reach string
}

// GrantTable names a table whose rows are grants, and its columns.
type GrantTable struct {
	Pos                                                    Pos
	Table, Account, Role, Unit, Region, ValidFrom, ValidTo Str
	// Basis is "role" (the default: the row's role with its scope) or
	// "appointment" (then Write says what it gives).
	Basis string
	Write bool
	// Active is a column saying whether the grant row is in force, read
	// as an account's active: is (one of Enabled, else true or a number
	// other than 0; NULL revoked on the legacy side, in force on the
	// receiving one). A platform may revoke a grant by a flag and keep
	// its row: a revoked grant reaches nothing, and one carried as live
	// regains its scope.
	Active  Str
	Enabled []Str
}

func parseAccess(path string, top *Fields, ds *Diagnostics) *AccessSpec {
	n := top.Node("access")
	if n == nil {
		return nil
	}
	af := ReadFields(path, n, ds, "access")
	a := &AccessSpec{Pos: af.Pos()}
	if un := af.Node("units"); un != nil {
		uf := ReadFields(path, un, ds, "access units")
		a.Units = UnitTable{Pos: uf.Pos(), Table: uf.Required("table"), Key: uf.Required("key"), Region: uf.Str("region")}
		uf.Done()
	} else if af.ok {
		ds.add(a.Pos, "Y003", "access: needs units: {table: …, key: …, region: …}, the care units that exist")
	}
	for _, side := range []struct {
		name string
		into *AccessSide
	}{{"legacy", &a.Legacy}, {"receiving", &a.Receiving}} {
		sn := af.Node(side.name)
		if sn == nil {
			if af.ok {
				ds.add(a.Pos, "Y003", "access: needs %s: {roles: …, grants: […]}", side.name)
			}
			continue
		}
		*side.into = parseAccessSide(path, sn, side.name, ds)
	}
	af.Done()
	return a
}

func parseAccessSide(path string, n *yaml.Node, name string, ds *Diagnostics) AccessSide {
	sf := ReadFields(path, n, ds, "access "+name)
	side := AccessSide{Roles: map[string]AccessRole{}}
	keys, vals := sf.Pairs("roles")
	for i, k := range keys {
		rf := ReadFields(path, vals[i], ds, "a role")
		role := AccessRole{Pos: PosOf(path, k), Reach: ReachScope}
		switch acc := rf.Required("access"); acc.Value {
		case "write":
			role.Write = true
		case "read", "":
		default:
			ds.add(acc.Pos, "Y001", "role %s: access must be read or write", k.Value)
		}
		if r := rf.Str("reach"); r.IsSet() {
			role.Reach = r.Value
			if r.Value != ReachScope && r.Value != ReachRegion && r.Value != ReachAll {
				ds.add(r.Pos, "Y001", "role %s: reach must be scope, region or all", k.Value)
			}
		}
		rf.Done()
		side.Roles[k.Value] = role
	}
	for _, gn := range sf.Seq("grants") {
		gf := ReadFields(path, gn, ds, "a grant table")
		g := &GrantTable{Pos: gf.Pos(), Basis: "role"}
		g.Table, g.Account = gf.Required("table"), gf.Required("account")
		g.Role, g.Unit, g.Region = gf.Str("role"), gf.Str("unit"), gf.Str("region")
		g.ValidFrom, g.ValidTo = gf.Str("valid_from"), gf.Str("valid_to")
		g.Active, g.Enabled = gf.Str("active"), gf.Strs("enabled")
		if len(g.Enabled) > 0 && !g.Active.IsSet() {
			ds.add(g.Enabled[0].Pos, "Y003", "grant table %s: enabled: lists the values of active: that mean in force: name that column (active: status, enabled: [...])", g.Table.Value)
			g.Enabled = nil
		}
		if b := gf.Str("basis"); b.IsSet() {
			g.Basis = b.Value
			if b.Value != "role" && b.Value != "appointment" {
				ds.add(b.Pos, "Y001", "basis must be role or appointment")
			}
		}
		acc := gf.Str("access")
		g.Write = acc.Value == "write"
		switch {
		case g.Basis == "role" && !g.Role.IsSet():
			ds.add(g.Pos, "Y003", "grant table %s: a grant by role needs role: the column naming the role", g.Table.Value)
		case g.Basis == "appointment" && (acc.Value != "read" && acc.Value != "write"):
			ds.add(g.Pos, "Y003", "grant table %s: an appointment needs access: read or write", g.Table.Value)
		case g.Basis == "appointment" && !g.ValidTo.IsSet():
			ds.add(g.Pos, "Y003", "grant table %s: an appointment needs valid_to: the column giving its last day", g.Table.Value)
		}
		if !g.Unit.IsSet() && !g.Region.IsSet() {
			ds.add(g.Pos, "Y003", "grant table %s needs unit: or region: (or both), the columns giving its scope", g.Table.Value)
		}
		gf.Done()
		side.Grants = append(side.Grants, g)
	}
	if len(side.Grants) == 0 && sf.ok {
		ds.add(sf.Pos(), "Y003", "access %s: needs grants: [the tables whose rows are grants]", name)
	}
	if an := sf.Node("accounts"); an != nil {
		side.Accounts = parseAccounts(path, an, name, ds)
	}
	sf.Done()
	return side
}

// parseAccounts reads a side's accounts: entry. One that says nothing of
// an account's state nor of its login identity, or enabled: values
// without active:, is refused (M066): it would read every account as
// enabled, as no entry does, while the mapping seems to say otherwise.
func parseAccounts(path string, n *yaml.Node, side string, ds *Diagnostics) *AccountTable {
	f := ReadFields(path, n, ds, "access "+side+" accounts")
	a := &AccountTable{Pos: f.Pos(), Table: f.Required("table"), Key: f.Required("key")}
	a.Active, a.Enabled = f.Str("active"), f.Strs("enabled")
	a.ValidFrom, a.ValidTo, a.DisabledFrom = f.Str("valid_from"), f.Str("valid_to"), f.Str("disabled_from")
	a.Login = f.Strs("login")
	ok := f.ok
	f.Done()
	if !ok {
		return a
	}
	if !a.HasState() && len(a.Login) == 0 {
		ds.add(a.Pos, "M066", "access %s: accounts: says nothing of which accounts are enabled nor of what their users log in with: name the column that does (active: aktiv, disabled_from: sparrad, valid_to: slutdatum; login: hsa_id)", side)
	}
	seen := map[string]bool{}
	for _, l := range a.Login {
		if strings.TrimSpace(l.Value) == "" || seen[l.Value] {
			ds.add(l.Pos, "M066", "access %s: accounts: login: names an empty column or one twice: list each column holding the identity a user logs in with once", side)
		}
		seen[l.Value] = true
	}
	if len(a.Enabled) > 0 && !a.Active.IsSet() {
		ds.add(a.Enabled[0].Pos, "M066", "access %s: accounts: enabled: lists the values of active: that mean enabled: name that column (active: status, enabled: [...])", side)
		a.Enabled = nil
	}
	for _, e := range a.Enabled {
		if strings.TrimSpace(e.Value) == "" {
			ds.add(e.Pos, "M066", "access %s: accounts: enabled: holds an empty value: list the values of %s that mean enabled", side, a.Active.Value)
		}
	}
	return a
}

// checkAccess checks the access: sections against the mappings and the
// receiving schema, without a source:
//
//	M060  a second access: section
//	M061  a legacy grant table or the units table no mapping reads
//	M062  a receiving grant table or column the schema does not have
//	M063  the care units' regions reach no receiving table with their units
//	M064  a legacy grant table is mapped into a table receiving: does not list
//	M066  an accounts table or column the source (when read) or the receiving schema does not have,
//	      or login: columns on one side only, or not as many on both
//	M067  (a warning) no legacy accounts: (or one without a state column), while the
//	      grants' parent table or the accounts table has a column whose name says an
//	      account may be disabled; or a legacy grant table with such a column its
//	      entry does not name as active:
//	P014  (a warning) no login: columns on either side: accounts are compared by id
//	      only, and one given another's login identity passes unseen
//
// source is the source catalogue by table name, empty when not read.
func checkAccess(files []*File, source map[string]*connectors.Table, target *Schema) Diagnostics {
	var ds Diagnostics
	var first *AccessSpec
	mapped := map[string]bool{}
	into := map[string][]*TableMapping{}
	eachTable(files, func(tm *TableMapping) {
		mapped[tm.Source.Value] = true
		into[tm.Source.Value] = append(into[tm.Source.Value], tm)
	})
	for _, f := range files {
		a := f.Access
		if a == nil {
			continue
		}
		if first != nil {
			ds.add(a.Pos, "M060", "a second access: section (the first is at %s): one plan has one", first.Pos)
			continue
		}
		first = a
		if a.Units.Table.IsSet() && !mapped[a.Units.Table.Value] {
			ds.add(a.Units.Table.Pos, "M061", "care unit table %s is read by no mapping", a.Units.Table.Value)
		}
		if _, ok := a.ReceivingUnits(files); !ok && a.NeedsReceivingRegions() && mapped[a.Units.Table.Value] {
			ds.add(a.Units.Pos, "M063", "the regions of care unit table %s reach no receiving table beside their units: map its %s and %s into one receiving table (care_unit_id: %s, region: %s), so that the access proof reads which units a regional grant reaches on the receiving platform",
				a.Units.Table.Value, a.Units.Key.Value, a.Units.Region.Value, a.Units.Key.Value, a.Units.Region.Value)
		}
		receiving := map[string]bool{}
		for _, g := range a.Receiving.Grants {
			receiving[g.Table.Value] = true
		}
		for _, g := range a.Legacy.Grants {
			if !mapped[g.Table.Value] {
				ds.add(g.Table.Pos, "M061", "legacy grant table %s is read by no mapping: map it (its grants must be carried or archived, with a reason)", g.Table.Value)
			}
			// The proof reads back only the tables receiving: lists: grants
			// carried anywhere else would widen access unseen.
			for _, tm := range into[g.Table.Value] {
				if tm.Target.Value != "" && !receiving[tm.Target.Value] {
					ds.add(tm.Target.Pos, "M064", "legacy grant table %s is mapped into %s, which access: receiving: grants: does not list: the access proof would not read the grants carried there; list it with its account and scope columns", g.Table.Value, tm.Target.Value)
				}
			}
		}
		ds = append(ds, checkAccounts(files, a, source, target)...)
		ds = append(ds, checkGrantStates(a, source)...)
		if a.loginless() {
			ds.warn(a.Pos, "P014", "access: names no login identity of the accounts: the access proof compares accounts by id only, so a mapping that gives one account another's HSA-id or user name passes, and whoever logs in with it reaches that account's grants; name the columns users log in with on both sides (accounts: {table: anvandare, key: id, login: hsa_id} under legacy:, and the receiving table's under receiving:)")
		}
		if target == nil {
			continue
		}
		for _, g := range a.Receiving.Grants {
			t := target.Table(g.Table.Value)
			if t == nil {
				ds.add(g.Table.Pos, "M062", "receiving grant table %s is not in the receiving schema", g.Table.Value)
				continue
			}
			for _, c := range []Str{g.Account, g.Role, g.Unit, g.Region, g.ValidFrom, g.ValidTo, g.Active} {
				if c.IsSet() && t.ColumnIndex(c.Value) < 0 {
					ds.add(c.Pos, "M062", "receiving grant table %s has no column %s", g.Table.Value, c.Value)
				}
			}
		}
	}
	return ds
}

// checkAccounts checks the accounts: of both sides against the source
// catalogue (when read) and the receiving schema (M066), and warns when
// the legacy side names none while the table its grants hang from
// (their mappings' parent:) has a column whose name says an account may
// be disabled (M067): the proof would read every account as enabled.
func checkAccounts(files []*File, a *AccessSpec, source map[string]*connectors.Table, target *Schema) Diagnostics {
	var ds Diagnostics
	if acc := a.Legacy.Accounts; acc != nil && acc.Table.IsSet() && len(source) > 0 {
		var t *connectors.Table
		if t = source[acc.Table.Value]; t == nil {
			ds.add(acc.Table.Pos, "M066", "legacy accounts table %s is not in the source", acc.Table.Value)
		}
		ds = append(ds, acc.missingColumns("legacy", t)...)
	}
	if acc := a.Receiving.Accounts; acc != nil && acc.Table.IsSet() && target != nil {
		t := target.Table(acc.Table.Value)
		if t == nil {
			ds.add(acc.Table.Pos, "M066", "receiving accounts table %s is not in the receiving schema", acc.Table.Value)
		}
		ds = append(ds, acc.missingColumns("receiving", t)...)
	}
	ds = append(ds, a.loginSides()...)
	if acc := a.Legacy.Accounts; acc != nil && source[acc.Table.Value] != nil {
		// A lock date (disabled_from:) is the account's end too.
		named := append([]Str{acc.Key, acc.Active, acc.ValidFrom, acc.ValidTo, acc.DisabledFrom}, acc.Login...)
		ds = append(ds, unnamedValidity(acc.Pos, "accounts table", "an account", source[acc.Table.Value], named,
			map[string]bool{"valid_from": acc.ValidFrom.IsSet(), "valid_to": acc.ValidTo.IsSet() || acc.DisabledFrom.IsSet()},
			fmt.Sprintf("accounts: {table: %s, …", acc.Table.Value))...)
	}
	if acc := a.Legacy.Accounts; acc != nil && (acc.HasState() || len(acc.Login) == 0) || len(source) == 0 {
		// One naming neither is refused already (M066).
		return ds
	}
	// An entry that names only the login identity reads every account as
	// enabled, as none does: its own table is looked at too.
	names := "names no accounts:"
	look := map[string]string{}
	if acc := a.Legacy.Accounts; acc != nil {
		names = "accounts: names no column of the accounts' state"
		look[acc.Table.Value] = "the accounts table"
	}
	grants := map[string]bool{}
	for _, g := range a.Legacy.Grants {
		grants[g.Table.Value] = true
	}
	eachTable(files, func(tm *TableMapping) {
		if tm.Parent != nil && grants[tm.Source.Value] && look[tm.Parent.Table.Value] == "" {
			look[tm.Parent.Table.Value] = "the parent of grant table " + tm.Source.Value
		}
	})
	tables := make([]string, 0, len(look))
	for name := range look {
		tables = append(tables, name)
	}
	slices.Sort(tables)
	for _, name := range tables {
		t := source[name]
		if t == nil {
			continue
		}
		for _, c := range t.Columns {
			if accountStateName(c.Name) {
				ds.warn(a.Pos, "M067", "access: legacy: %s, but %s (%s) has a column %s that may say an account is disabled: the access proof reads every account as enabled, and one disabled before but carried enabled regains its grants unseen; name it (accounts: {table: %s, key: …, active: %s}, or disabled_from:/valid_to: for a date)",
					names, t.Name, look[name], c.Name, t.Name, c.Name)
				break
			}
		}
	}
	return ds
}

// checkGrantStates warns (M067) of a legacy grant table with a column
// whose name says a grant may be revoked (aktiv, spärrad, …) that its
// entry does not name as active:: the proof reads every row as in force,
// and a revoked grant carried as live (its flag dropped) regains its
// scope unseen. source is the source catalogue (empty: not read).
func checkGrantStates(a *AccessSpec, source map[string]*connectors.Table) Diagnostics {
	var ds Diagnostics
	for _, g := range a.Legacy.Grants {
		t := source[g.Table.Value]
		if t == nil {
			continue
		}
		named := []Str{g.Account, g.Role, g.Unit, g.Region, g.ValidFrom, g.ValidTo, g.Active}
		ds = append(ds, unnamedValidity(g.Pos, "grant table", "a grant", t, named, map[string]bool{"valid_from": g.ValidFrom.IsSet(), "valid_to": g.ValidTo.IsSet()},
			fmt.Sprintf("grants: - {table: %s, …", t.Name))...)
		if g.Active.IsSet() {
			continue
		}
		for _, c := range t.Columns {
			if grantStateName(c.Name) {
				ds.warn(g.Pos, "M067", "access: legacy grant table %s has a column %s that may say a grant is revoked: the access proof reads every grant row as in force, and one revoked before but carried as live regains its unit unseen; name it (grants: - {table: %s, …, active: %s}, or valid_to: for the last day of a date)",
					t.Name, c.Name, t.Name, c.Name)
				break
			}
		}
	}
	return ds
}

// unnamedValidity warns (M067) of the columns of legacy table t whose
// names give the first or last day of a grant or an account (giltig_fran,
// giltig_till, valid_to, slutdatum, expires: validityBound) where the
// access section names no such bound (set says which it names) nor the
// column otherwise (named): the proof reads every row as in force from
// and to no day, so one that ended (or had not begun) on the reference
// date, carried with its date dropped, reaches its scope unseen. what is
// "grant table" or "accounts table", one "a grant" or "an account",
// entry how the section's entry begins.
func unnamedValidity(pos Pos, what, one string, t *connectors.Table, named []Str, set map[string]bool, entry string) Diagnostics {
	var ds Diagnostics
	warned := map[string]bool{}
	for _, c := range t.Columns {
		bound := validityBound(c.Name)
		if bound == "" || set[bound] || warned[bound] || slices.ContainsFunc(named, func(n Str) bool { return n.Value == c.Name }) {
			continue
		}
		warned[bound] = true
		day, state := "last", "ended"
		if bound == "valid_from" {
			day, state = "first", "had not begun"
		}
		ds.warn(pos, "M067", "access: legacy %s %s has a column %s that may give %s's %s day: the access proof reads every row as in force on every day, and one that %s on the reference date, carried as live (its date dropped or not carried), reaches its scope unseen; name it (%s %s: %s})",
			what, t.Name, c.Name, one, day, state, entry, bound, c.Name)
	}
	return ds
}

// validityBound says which bound of a grant's or an account's validity a
// column's name reads as: "valid_to" for its last day (giltig_till,
// giltig_t_o_m, valid_to, validUntil, slutdatum, expires, end_date),
// "valid_from" for its first (giltig_fran, validFrom, startdatum); ""
// for neither.
func validityBound(name string) string {
	words, _ := stateWords(name)
	has := func(ws ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return slices.Contains(ws, w) })
	}
	valid := has("giltig", "giltigt", "valid", "giltighet")
	day := has("date", "datum", "day", "dag")
	switch {
	case valid && has("till", "tom", "to", "until", "t"),
		has("giltigtill", "giltigtom", "validto", "validuntil", "slutdatum", "slutdag", "utgangsdatum", "utgångsdatum", "upphor", "upphör", "upphordatum", "upphördatum", "expires", "expiry", "expiration"),
		has("end", "ends", "slut") && day, has("tom") && day:
		return "valid_to"
	case valid && has("fran", "från", "from", "fom", "f"),
		has("giltigfran", "giltigfrån", "validfrom", "startdatum", "startdag"),
		has("start", "starts", "begin", "begins") && day, has("fom") && day:
		return "valid_from"
	}
	return ""
}

// loginless says whether the section grants access but neither side
// names the accounts' login identity (P014).
func (a *AccessSpec) loginless() bool {
	if len(a.Legacy.Grants) == 0 {
		return false
	}
	for _, acc := range []*AccountTable{a.Legacy.Accounts, a.Receiving.Accounts} {
		if acc != nil && len(acc.Login) > 0 {
			return false
		}
	}
	return true
}

// loginSides refuses login: columns named on one side only, or a
// different number of them on the two (M066): the proof compares the
// i-th of each side, and a side without them cannot be compared.
func (a *AccessSpec) loginSides() Diagnostics {
	var ds Diagnostics
	login := func(acc *AccountTable) []Str {
		if acc == nil {
			return nil
		}
		return acc.Login
	}
	l, r := login(a.Legacy.Accounts), login(a.Receiving.Accounts)
	switch {
	case len(l) == len(r):
	case len(r) == 0:
		ds.add(l[0].Pos, "M066", "access legacy: accounts: login: names what users log in with, but receiving: names no such column: the proof cannot compare them; name it there (accounts: {table: …, key: …, login: […]})")
	case len(l) == 0:
		ds.add(r[0].Pos, "M066", "access receiving: accounts: login: names what users log in with, but legacy: names no such column: the proof cannot compare them; name it there (accounts: {table: …, key: …, login: […]})")
	default:
		ds.add(r[0].Pos, "M066", "access: accounts: login: names %d columns on the receiving side and %d on the legacy side: the proof compares them in order, the first with the first; name the same identities on both", len(r), len(l))
	}
	return ds
}

// missingColumns names the columns the entry gives that table t (nil:
// not found, said already) does not have (M066); side is "legacy" or
// "receiving", as the messages begin.
func (a *AccountTable) missingColumns(side string, t *connectors.Table) Diagnostics {
	var ds Diagnostics
	if t == nil {
		return nil
	}
	for _, c := range append([]Str{a.Key, a.Active, a.ValidFrom, a.ValidTo, a.DisabledFrom}, a.Login...) {
		if c.IsSet() && t.ColumnIndex(c.Value) < 0 {
			ds.add(c.Pos, "M066", "%s accounts table %s has no column %s", side, a.Table.Value, c.Value)
		}
	}
	return ds
}

// accountStateName says whether a column name reads as an account's
// enabled state or lock: one of its words (split at _, - and space, and
// before a capital that follows a small letter) is
// such a word. Whole words only (aktivitet is none); a last-active time
// (last_active, senast_aktiv) says when, not whether, and does not count.
func accountStateName(name string) bool {
	words, ok := stateWords(name)
	if !ok {
		return false
	}
	for _, w := range words {
		switch w {
		case "aktiv", "inaktiv", "active", "inactive", "enabled", "disabled", "sparrad", "spärrad", "sparr", "spärr", "locked", "blocked", "avstangd", "avstängd", "deaktiverad":
			return true
		}
	}
	return false
}

// stateWords splits a column name into its lower-case words (at _, - and
// space, and before a capital that follows a small letter, as platforms
// written in Java or C# name their columns: isActive, kontoSparrad);
// false when a word says the column tells when, not whether (last_active,
// senast_aktiv).
func stateWords(name string) ([]string, bool) {
	var b strings.Builder
	prev := rune(0)
	for _, r := range name {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteByte('_')
		}
		b.WriteRune(r)
		prev = r
	}
	words := strings.FieldsFunc(strings.ToLower(b.String()), func(r rune) bool { return r == '_' || r == '-' || r == ' ' })
	return words, !slices.Contains(words, "last") && !slices.Contains(words, "senast")
}

// grantStateName says whether a column name reads as a grant row's state:
// an account's (accountStateName), or revoked, deleted, cancelled.
func grantStateName(name string) bool {
	if accountStateName(name) {
		return true
	}
	words, ok := stateWords(name)
	if !ok {
		return false
	}
	for _, w := range words {
		switch w {
		case "revoked", "aterkallad", "återkallad", "deleted", "borttagen", "makulerad", "cancelled", "canceled":
			return true
		}
	}
	return false
}

// NeedsReceivingRegions says whether a receiving grant can reach units
// by region (a grant table with a region column, or a role that reaches
// its unit's region), so that the proof must know the receiving
// platform's regions.
func (a *AccessSpec) NeedsReceivingRegions() bool {
	if !a.Units.Region.IsSet() {
		return false
	}
	for _, g := range a.Receiving.Grants {
		if g.Region.IsSet() {
			return true
		}
	}
	for _, r := range a.Receiving.Roles {
		if r.Reach == ReachRegion {
			return true
		}
	}
	return false
}

// ReceivingUnitTable is where the receiving platform keeps the care
// units and their regions (AccessSpec.ReceivingUnits).
type ReceivingUnitTable struct {
	Table, Key, Region string
	// Translated says the key column applies the plan's unit translation
	// (it holds receiving ids, not the legacy ones).
	Translated bool
}

// ReceivingUnits names the receiving table that holds the care units and
// their regions, and its columns: the target of the mapping that reads
// the units table, the column that carries the unit's key and the one
// made from its region (Region is "" when the units have none). A
// regional grant on the receiving platform reaches the units that table
// puts in its region, which a mapping may have changed, so the access
// proof reads them there. ok is false when no mapping carries them.
func (a *AccessSpec) ReceivingUnits(files []*File) (u ReceivingUnitTable, ok bool) {
	eachTable(files, func(tm *TableMapping) {
		if ok || len(tm.Members) > 0 || tm.Source.Value != a.Units.Table.Value {
			return
		}
		var key, region *ColumnMapping
		for _, c := range tm.Columns {
			if key == nil && tm.carriesUnit(c, a.Units.Key.Value) && c.NullWhen == nil && c.Default == nil {
				key = c
			}
			if region == nil && a.Units.Region.IsSet() && (c.From.Value == a.Units.Region.Value || c.Expr.Value != "" && slices.Contains(identifiers(c.Expr.Value), a.Units.Region.Value)) {
				region = c
			}
		}
		if t, _ := tm.UnitColumn(); tm.Unit != nil && tm.Unit.Column.Value == a.Units.Key.Value && t != "" {
			// The column the unit check holds to the unit, translated
			// when the plan translates units.
			for _, c := range tm.Columns {
				if c.Target.Value == t {
					key = c
				}
			}
		}
		if key == nil || (a.Units.Region.IsSet() && region == nil) {
			return
		}
		u, ok = ReceivingUnitTable{Table: tm.Target.Value, Key: key.Target.Value, Translated: key.CodeList.IsSet()}, true
		if region != nil {
			u.Region = region.Target.Value
		}
	})
	return u, ok
}

// Access returns the plan's access: section, nil when it has none.
func Access(files []*File) *AccessSpec {
	for _, f := range files {
		if f.Access != nil {
			return f.Access
		}
	}
	return nil
}
