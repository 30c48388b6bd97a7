package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// maxGroups bounds the distinct groups counted per table: control groups
// are care units, years or sub-registers, a few thousand at most; a plan
// naming a column with more (a patient's key) is told so.
const maxGroups = 100_000

// Groups counts a receiving table's rows per control group.
type Groups struct {
	Table   *connectors.Table
	Columns []string
	idx     []int
	counts  map[string]int64
	values  map[string][]string
}

// NewGroups starts counting the rows of t per value of columns.
func NewGroups(t *connectors.Table, columns []string) (*Groups, error) {
	g := &Groups{Table: t, Columns: columns, counts: map[string]int64{}, values: map[string][]string{}}
	for _, c := range columns {
		i := t.ColumnIndex(c)
		if i < 0 {
			return nil, fmt.Errorf("control group of %s: %s is not a column of it", t.Name, c)
		}
		g.idx = append(g.idx, i)
	}
	return g, nil
}

// Add counts one row (one value per column of Table).
func (g *Groups) Add(row []connectors.Value) error {
	vals := make([]string, len(g.idx))
	for i, j := range g.idx {
		s, ok := connectors.FormatValue(row[j])
		if !ok {
			s = "NULL"
		}
		vals[i] = s
	}
	k := strings.Join(vals, "\x00")
	if _, ok := g.counts[k]; !ok {
		if len(g.counts) >= maxGroups {
			return fmt.Errorf("control group of %s by %s: more than %d groups; name columns with fewer values (a care unit, a year)", g.Table.Name, strings.Join(g.Columns, ", "), maxGroups)
		}
		g.values[k] = vals
	}
	g.counts[k]++
	return nil
}

// CompareGroups counts the target's rows per group (reading the table in
// Go) and gives each group's equation.
func CompareGroups(ctx context.Context, tsnap connectors.Snapshot, tt *connectors.Table, c *Content, want *Groups) ([]GroupEquation, error) {
	got, err := NewGroups(c.Table, want.Columns)
	if err != nil {
		return nil, err
	}
	err = c.scanTarget(ctx, tsnap, tt, func(row []connectors.Value, _ uint32) error { return got.Add(row) })
	if err != nil {
		return nil, err
	}
	keys := map[string][]string{}
	for k, v := range want.values {
		keys[k] = v
	}
	for k, v := range got.values {
		keys[k] = v
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []GroupEquation
	for _, k := range names {
		e, a := want.counts[k], got.counts[k]
		out = append(out, GroupEquation{Table: c.Table.Name, Columns: want.Columns, Group: keys[k], Expected: e, Actual: a, OK: e == a})
	}
	return out, nil
}
