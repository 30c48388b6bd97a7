package plans

import (
	"fmt"
	"slices"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// orderedRows checks that the rows of a select: come in strictly
// increasing key order, as regflytt compares keys. A select: stands for
// its table's records one row each; a join that repeats one record (and
// drops another) reads as many rows as the table holds, so the count
// cannot tell — the order can: a key read twice is not greater than the
// one before it.
type orderedRows struct {
	connectors.Rows
	key []int
	// table and pos name the select: in the error.
	table string
	pos   mappings.Pos
	prev  []connectors.Value
	n     int64
	err   error
}

// checkKeyOrder wraps the rows of a select: source; other sources are
// read by their key through the catalogue and come back as they are.
func checkKeyOrder(rows connectors.Rows, tp *mappings.TableProgram) connectors.Rows {
	if tp == nil || tp.Select == "" {
		return rows
	}
	o := &orderedRows{Rows: rows, key: tp.KeyIndex, table: tp.Source.Name}
	if tp.Mapping != nil {
		o.pos = tp.Mapping.Pos
	}
	return o
}

func (o *orderedRows) Next() bool {
	if o.err != nil || !o.Rows.Next() {
		return false
	}
	o.n++
	key := pick(o.Rows.Row(), o.key)
	if o.prev != nil && !keyGreater(key, o.prev) {
		// The row number and the key's shape only: key values can be
		// personal identity numbers.
		o.err = fmt.Errorf("%s: the select: of %s gives row %d a key (%s) that is not greater than the row's before it: each record must be read exactly once, in key order (a join that repeats or drops records, or text keys under a collation that does not order as bytes do)",
			o.pos, o.table, o.n, describeKeyShape(key))
		return false
	}
	o.prev = slices.Clone(key)
	return true
}

func (o *orderedRows) Err() error {
	if o.err != nil {
		return o.err
	}
	return o.Rows.Err()
}

// keyGreater says whether key is strictly greater than prev, column by
// column; a NULL or values that cannot be compared are not.
func keyGreater(key, prev []connectors.Value) bool {
	for i := range key {
		if key[i] == nil || prev[i] == nil {
			return false
		}
		c, ok := mappings.Compare(prev[i], key[i])
		if !ok {
			return false
		}
		if c != 0 {
			return c < 0
		}
	}
	return false
}

// describeKeyShape gives the kinds of a key's values, never the values.
func describeKeyShape(key []connectors.Value) string {
	s := ""
	for i, v := range key {
		if i > 0 {
			s += ", "
		}
		if v == nil {
			s += "NULL"
		} else {
			s += fmt.Sprintf("%T", v)
		}
	}
	return s
}

// orderValues checks that every record of a table with an order_by has a
// value in each order_by column. A NULL has no agreed place in the order
// (PostgreSQL sorts it last, SQLite and MariaDB first) and a resume
// position holding one matches no row after it, so a resumed run would
// skip the rest of the table: the run stops at the record instead.
type orderValues struct {
	connectors.Rows
	tp  *mappings.TableProgram
	idx []int
	n   int64
	err error
}

// checkOrderValues wraps the rows of a table read by its order_by; other
// reads come back as they are.
func checkOrderValues(rows connectors.Rows, tp *mappings.TableProgram) connectors.Rows {
	if tp == nil || len(tp.OrderBy) == 0 {
		return rows
	}
	return &orderValues{Rows: rows, tp: tp, idx: tp.ScanKeyIndex[:len(tp.OrderBy)]}
}

func (o *orderValues) Next() bool {
	if o.err != nil || !o.Rows.Next() {
		return false
	}
	o.n++
	row := o.Rows.Row()
	for i, ix := range o.idx {
		if row[ix] == nil {
			var pos mappings.Pos
			if o.tp.Mapping != nil && i < len(o.tp.Mapping.OrderBy) {
				pos = o.tp.Mapping.OrderBy[i].Pos
			}
			o.err = fmt.Errorf("%s: table %s, record %d of this read in processing order: order_by column %s is NULL, so the record has no place in the processing order: give it a value in the source, or leave the column out of order_by", pos, o.tp.Source.Name, o.n, o.tp.OrderBy[i])
			return false
		}
	}
	return true
}

func (o *orderValues) Err() error {
	if o.err != nil {
		return o.err
	}
	return o.Rows.Err()
}
