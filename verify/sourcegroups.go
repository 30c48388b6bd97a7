package verify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Control groups per source table (issue 20): the plan names groups of a
// source table's records (a column, or the year of a date column), and
// the ledger counts each group's outcomes as it counts a unit's, so that
// per table and group source records = migrated + archived + excluded
// can be checked against a count of the source taken without the ledger.

// MaxSourceGroups caps the distinct values one control group of one table
// may have: beyond it the group is not a control group but a key, and the
// report would be a copy of the table.
const MaxSourceGroups = 10000

// The group values of records whose grouping value is NULL, or whose date
// cannot be read as one.
const (
	GroupNull       = "NULL"
	GroupUnreadable = "unreadable"
)

// GroupValue is a record's value in a control group: the column's text,
// or with year its date's year. It never carries free text of a date
// column that is not a date, only "unreadable".
func GroupValue(v connectors.Value, year bool) string {
	if v == nil {
		return GroupNull
	}
	if !year {
		s, ok := connectors.FormatValue(v)
		if !ok {
			return GroupNull
		}
		return s
	}
	switch d := v.(type) {
	case connectors.Date:
		return strconv.Itoa(d.Year)
	case connectors.LocalDateTime:
		return strconv.Itoa(d.Year)
	case time.Time:
		return strconv.Itoa(d.Year())
	case string:
		s := strings.TrimSpace(d)
		if len(s) >= 10 {
			if dv, err := connectors.ParseDateText(s[:10]); err == nil {
				if date, ok := dv.(connectors.Date); ok {
					return strconv.Itoa(date.Year)
				}
			}
		}
	}
	return GroupUnreadable
}

// ForGroups says which value, per control group, the record whose outcome
// is counted next (Migrate, Archive, Exclude) has. It fails when a group
// would pass MaxSourceGroups distinct values.
func (t *TableLedger) ForGroups(groups, values []string) error {
	if t.SourceGroups == nil {
		t.SourceGroups = map[string]map[string]*UnitCounts{}
	}
	t.group = t.group[:0]
	for i, g := range groups {
		byValue := t.SourceGroups[g]
		if byValue == nil {
			byValue = map[string]*UnitCounts{}
			t.SourceGroups[g] = byValue
		}
		c := byValue[values[i]]
		if c == nil {
			if len(byValue) >= MaxSourceGroups {
				return fmt.Errorf("verify: source table %s: control group %s has more than %d distinct values: group by something coarser", t.Source, g, MaxSourceGroups)
			}
			c = &UnitCounts{}
			byValue[values[i]] = c
		}
		t.group = append(t.group, c)
	}
	return nil
}

// SourceGroupCheck is one table's equation for one value of one control
// group.
type SourceGroupCheck struct {
	Source string `json:"source_table"`
	Group  string `json:"group"`
	Value  string `json:"value"`
	// SourceRows is the value's rows counted in the source snapshot.
	SourceRows int64 `json:"source_rows"`
	UnitCounts
	OK bool `json:"ok"`
}

// CheckSourceGroups checks, per table the ledger groups, group and value,
// that the rows counted in the source (counted[table][group][value])
// equal the value's migrated + archived + excluded. It adds the checks to
// r.SourceGroups and what fails to r.Problems, naming table and group.
func CheckSourceGroups(counted map[string]map[string]map[string]int64, l *Ledger, r *Report) {
	for _, tl := range l.Tables {
		groups := map[string]bool{}
		for g := range tl.SourceGroups {
			groups[g] = true
		}
		for g := range counted[tl.Source] {
			groups[g] = true
		}
		for _, g := range sortedKeys(groups) {
			values := map[string]bool{}
			for v := range tl.SourceGroups[g] {
				values[v] = true
			}
			src, ok := counted[tl.Source][g]
			for v := range src {
				values[v] = true
			}
			for _, v := range sortedKeys(values) {
				// Named masked: groups are codes and years, and a plan
				// that groups by identity numbers against the advice
				// still shows none.
				c := SourceGroupCheck{Source: tl.Source, Group: g, Value: connectors.MaskIdentityNumbers(v), SourceRows: src[v]}
				if uc := tl.SourceGroups[g][v]; uc != nil {
					c.UnitCounts = *uc
				}
				accounted := c.Migrated + c.Archived + c.Excluded
				c.OK = ok && accounted == c.Read && accounted == c.SourceRows
				r.SourceGroups = append(r.SourceGroups, c)
				if !c.OK {
					r.Pass = false
					if !ok {
						r.Problems = append(r.Problems, fmt.Sprintf("source table %s, control group %s: not counted in the source", tl.Source, g))
						continue
					}
					r.Problems = append(r.Problems, fmt.Sprintf("source table %s, control group %s = %s: %d source records, %d accounted for (%d migrated, %d archived, %d excluded)",
						tl.Source, g, c.Value, c.SourceRows, accounted, c.Migrated, c.Archived, c.Excluded))
				}
			}
		}
	}
}

// SourceGroup is one control group of a source table as the plan names
// it: a column, or the year of a date column (Name "year(column)").
type SourceGroup struct {
	Name   string
	Column string
	Year   bool
}

// CountSourceGroups reads a source table in the snapshot and counts its
// rows per control group and value: the figures the ledger is compared
// with, taken without it. key is the order to read by when the table has
// no primary key.
func CountSourceGroups(ctx context.Context, snap connectors.Snapshot, t *connectors.Table, key []string, groups []SourceGroup) (map[string]map[string]int64, error) {
	idx := make([]int, len(groups))
	counts := map[string]map[string]int64{}
	for i, g := range groups {
		if idx[i] = t.ColumnIndex(g.Column); idx[i] < 0 {
			return nil, fmt.Errorf("verify: source table %s has no column %s for control group %s", t.Name, g.Column, g.Name)
		}
		counts[g.Name] = map[string]int64{}
	}
	rows, err := snap.Scan(ctx, t, connectors.ScanOptions{Key: key})
	if err != nil {
		return nil, fmt.Errorf("verify: count control groups of %s: %w", t.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		row := rows.Row()
		for i, g := range groups {
			byValue := counts[g.Name]
			v := GroupValue(row[idx[i]], g.Year)
			if _, seen := byValue[v]; !seen && len(byValue) >= MaxSourceGroups {
				return nil, fmt.Errorf("verify: source table %s: control group %s has more than %d distinct values: group by something coarser", t.Name, g.Name, MaxSourceGroups)
			}
			byValue[v]++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("verify: count control groups of %s: %w", t.Name, err)
	}
	return counts, nil
}
