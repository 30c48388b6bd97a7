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
// Go: its key and group columns only) and gives each group's equation.
func CompareGroups(ctx context.Context, tsnap connectors.Snapshot, tt *connectors.Table, c *Content, want *Groups) ([]GroupEquation, error) {
	// The key columns keep the scan in key order; a table without a
	// primary key is scanned by the record key (scanOptions).
	narrow := &connectors.Table{Name: tt.Name, PrimaryKey: tt.PrimaryKey, RowEstimate: tt.RowEstimate}
	for _, name := range append(append(append([]string(nil), tt.PrimaryKey...), c.scanOptions(tt).Key...), want.Columns...) {
		col := tt.Column(name)
		if col == nil {
			return nil, fmt.Errorf("verify: receiving table %s has no column %s", tt.Name, name)
		}
		if narrow.ColumnIndex(name) < 0 {
			narrow.Columns = append(narrow.Columns, *col)
		}
	}
	got, err := NewGroups(narrow, want.Columns)
	if err != nil {
		return nil, err
	}
	rows, err := tsnap.Scan(ctx, narrow, c.scanOptions(tt))
	if err != nil {
		return nil, fmt.Errorf("verify: read receiving table %s: %w", tt.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := got.Add(rows.Row()); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify: read receiving table %s: %w", tt.Name, err)
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
		group := make([]string, len(keys[k]))
		for i, v := range keys[k] {
			group[i] = connectors.MaskIdentityNumbers(v)
		}
		out = append(out, GroupEquation{Table: c.Table.Name, Columns: want.Columns, Group: group, Expected: e, Actual: a, OK: e == a})
	}
	return out, nil
}
