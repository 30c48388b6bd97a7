package mappings

import (
	"gopkg.in/yaml.v3"
)

// UnitSpec says which care unit reported a table's records (its LPUA):
//
//	unit: vardenhet_id                  # a source column of the table
//	unit: {column: vardenhet_id}        # the same
//	unit: {none: "code lists, no reported data"}
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
		uf.Done()
	}
	if (u.Column.Value == "") == (u.None.Value == "") {
		ds.add(u.Pos, "Y003", "unit: needs exactly one of a source column (unit: vardenhet_id) or {none: why the records belong to no reporting unit}")
		// Kept (empty), so that the table does not count as undeclared too.
		u.Column, u.None = Str{}, Str{}
	}
	return u
}

// checkUnits checks the reporting units the mappings declare: needs no
// source, so plan check finds it as map check and run do.
//
//	M050  a table declares no unit while another table does
//	M051  the unit column reaches no receiving column (not mapped, or dropped)
//	M052  the column carrying the unit has null_when or default
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
		if u.Column.Value == "" {
			continue
		}
		col := u.Column.Value
		var carried []*ColumnMapping
		for _, c := range tm.Columns {
			if c.From.Value == col {
				carried = append(carried, c)
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

// UnitColumn returns the receiving column that carries the table's
// reporting unit, and the source column, or "" when the mapping declares
// none.
func (tm *TableMapping) UnitColumn() (target, source string) {
	if tm.Unit == nil || tm.Unit.Column.Value == "" {
		return "", ""
	}
	for _, c := range tm.Columns {
		if c.From.Value == tm.Unit.Column.Value && c.NullWhen == nil && c.Default == nil {
			return c.Target.Value, c.From.Value
		}
	}
	return "", tm.Unit.Column.Value
}
