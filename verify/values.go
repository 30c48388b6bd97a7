package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// The value equation, per receiving column (issue 20):
//
//	source values = non-NULL in the target − made without a source value
//	                + archived alone + made NULL by a declared rule
//
// A migrated record feeds a receiving column one source value when a
// source column the column reads holds a value (however many it reads;
// not where an expression passed NULLs through: value_lost's own rule,
// mappings.Outcome.SourceNonNull). Each side is
// counted where it lives: the source values from the source rows of the
// records that migrated, the target's non-NULL values in the target
// (COUNT(column), inside the database where it can), the values archived
// alone in the archive package (through archive.Reader), the declared
// NULLs per rule. Only the values made without a source value (a default,
// a constant, an expression of NULLs) come from the mappings' output
// alone. A value that became NULL by no declared rule — a mapping bug, a
// trigger or default of the receiving platform that NULLs it after the
// write — is on no right-hand term, and the equation fails, naming the
// column.

// ValueCounts is the source side of one receiving table's value
// equations, counted while the mappings are re-applied.
type ValueCounts struct {
	Table *connectors.Table
	// Source counts, per column, the migrated records that feed it a
	// source value; Made the non-NULL values made without one.
	Source, Made []int64
	// Nulled counts, per column and rule, the source values a declared
	// rule made NULL; Lost those that became NULL by none.
	Nulled []map[string]int64
	Lost   []int64
	// NotCounted says why the table's values are not counted record by
	// record ("" when they are).
	NotCounted string
}

// NewValueCounts starts the counts of a receiving table.
func NewValueCounts(t *connectors.Table) *ValueCounts {
	n := len(t.Columns)
	return &ValueCounts{Table: t, Source: make([]int64, n), Made: make([]int64, n), Nulled: make([]map[string]int64, n), Lost: make([]int64, n)}
}

// Add counts one migrated record: row is its receiving row, fed says per
// column whether the record feeds it a source value.
func (v *ValueCounts) Add(row []connectors.Value, fed []bool) error {
	if len(row) != len(v.Source) || len(fed) != len(v.Source) {
		return fmt.Errorf("receiving table %s: a record of %d values and %d source marks for %d columns", v.Table.Name, len(row), len(fed), len(v.Source))
	}
	for i, f := range fed {
		switch {
		case f:
			v.Source[i]++
		case row[i] != nil:
			v.Made[i]++
		}
	}
	return nil
}

// Null counts a source value of column i a declared rule made NULL.
func (v *ValueCounts) Null(i int, rule string) {
	if v.Nulled[i] == nil {
		v.Nulled[i] = map[string]int64{}
	}
	v.Nulled[i][rule]++
}

// Lose counts a source value of column i that became NULL by no rule.
func (v *ValueCounts) Lose(i int) { v.Lost[i]++ }

// CountTargetNonNull counts each column of Table's non-NULL values in the
// receiving table tt: inside the database when the snapshot can
// (connectors.NonNullCounter, one query), else over its rows in Go.
//
// cc, when not nil, is the table's content check: where the target's side
// was computed in Go from every row of the table, its counts are taken
// from that reading (a run's own end check reads the rows back anyway)
// instead of the table being read once more.
func (c *Content) CountTargetNonNull(ctx context.Context, tsnap connectors.Snapshot, tt *connectors.Table, cc *ContentCheck) (counts []int64, inDatabase bool, err error) {
	names := columnNames(c.Table)
	if cc != nil && cc.nonNull != nil {
		counts = make([]int64, len(names))
		complete := true
		for i, name := range names {
			n, ok := cc.nonNull[name]
			counts[i], complete = n, complete && ok
		}
		if complete {
			return counts, false, nil
		}
	}
	if nc, ok := tsnap.(connectors.NonNullCounter); ok && len(names) > 0 {
		counts, err := nc.CountNonNull(ctx, tt.Name, names)
		if err != nil {
			return nil, false, fmt.Errorf("verify: %w", err)
		}
		return counts, true, nil
	}
	counts = make([]int64, len(names))
	err = c.scanTarget(ctx, tsnap, tt, func(row []connectors.Value, _ uint32) error {
		for i, v := range row {
			if v != nil {
				counts[i]++
			}
		}
		return nil
	})
	return counts, false, err
}

// rightSide is the right-hand side of the column's value equation, with
// the values its declared rules made NULL.
func (e *ColumnEquation) rightSide() (nulled, right int64) {
	for _, n := range e.NulledBy {
		nulled += n
	}
	return nulled, e.TargetNonNull - e.MadeWithoutSource + e.InArchiveAlone + nulled
}

// balances says the value equation holds, or is not counted.
func (e *ColumnEquation) balances() bool {
	_, right := e.rightSide()
	return e.NotCounted != "" || e.SourceValues == right
}

// Balance judges the column's value equation and says what is wrong, ""
// when it holds (or is not counted).
func (e *ColumnEquation) Balance() string {
	nulled, right := e.rightSide()
	e.OK = e.balances()
	if e.OK {
		return ""
	}
	msg := fmt.Sprintf("receiving column %s.%s: %d source values, but %d non-NULL in the target - %d made without a source value + %d archived alone + %d made NULL by a declared rule = %d",
		e.Table, e.Column, e.SourceValues, e.TargetNonNull, e.MadeWithoutSource, e.InArchiveAlone, nulled, right)
	switch d := e.SourceValues - right; {
	case d > 0:
		msg += fmt.Sprintf(": %d values became NULL by no declared rule", d)
	default:
		msg += fmt.Sprintf(": %d values more than the source gives", -d)
	}
	if e.Lost > 0 {
		msg += fmt.Sprintf(" (the mappings lose %d)", e.Lost)
	}
	return msg
}

// nulledText lists a column's declared NULLs per rule, for the reports;
// "0" when there are none, as every other cell of the equation shows its
// count (a blank cell reads as "not counted").
func nulledText(m map[string]int64) string {
	if len(m) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
