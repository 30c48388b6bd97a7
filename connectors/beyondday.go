package connectors

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// BeyondDayCounter is an optional extra of a Snapshot whose time columns
// are durations (MariaDB's TIME holds -838:59:59..838:59:59), found by
// type assertion: it counts inside the database, in one pass over the
// table, the values of time columns outside 00:00:00..24:00:00, which no
// other platform's time holds. A receiving schema proposed from the
// catalogue alone would declare time for them, and a run would archive
// every such value.
type BeyondDayCounter interface {
	// CountBeyondDay gives, for each of columns in order, how many of its
	// values are below 00:00:00 or above 24:00:00.
	CountBeyondDay(ctx context.Context, table string, columns []string) ([]int64, error)
}

// TimeBeyondDayNote says why a time column is proposed as text; the scan
// says the same of the values it profiles.
const TimeBeyondDayNote = "values outside 00:00:00..24:00:00 (a TIME duration): proposed as text, since the receiving notation has no interval type"

// BeyondDay counts, per table and time column, the values outside a day.
type BeyondDay map[string]map[string]int64

// CountBeyondDay asks a snapshot that can say (BeyondDayCounter) how many
// values of each time column of tables lie outside a day: one query per
// table that has a time column, none for a snapshot that cannot hold
// such values.
func CountBeyondDay(ctx context.Context, snap Snapshot, tables []Table) (BeyondDay, error) {
	bc, ok := snap.(BeyondDayCounter)
	if !ok {
		return nil, nil
	}
	out := BeyondDay{}
	for _, t := range tables {
		var cols []string
		for _, c := range t.Columns {
			if c.Type.Kind == KindTime {
				cols = append(cols, c.Name)
			}
		}
		if len(cols) == 0 {
			continue
		}
		n, err := bc.CountBeyondDay(ctx, t.Name, cols)
		if errors.Is(err, errors.ErrUnsupported) {
			return nil, nil // a wrapped snapshot that cannot say
		}
		if err != nil {
			return nil, fmt.Errorf("table %s: time values beyond a day: %w", t.Name, err)
		}
		for i, c := range cols {
			if n[i] > 0 {
				if out[t.Name] == nil {
					out[t.Name] = map[string]int64{}
				}
				out[t.Name][c] = n[i]
			}
		}
	}
	return out, nil
}

// Apply proposes text, with Cast and a Note, for each time column that
// holds values outside a day, as the scan does from the values it
// profiles, and finishes the plans again on target.
func (b BeyondDay) Apply(plans []TablePlan, target Dialect) {
	if len(b) == 0 {
		return
	}
	for i := range plans {
		for ci := range plans[i].Columns {
			cp := &plans[i].Columns[ci]
			n := b[plans[i].Source.Name][cp.Source.Name]
			if n == 0 || cp.Problem != "" || cp.Type.Kind != KindTime {
				continue
			}
			cp.Type, cp.Cast = Type{Kind: KindText}, true
			cp.Note = fmt.Sprintf("%d value(s) %s", n, strings.TrimPrefix(TimeBeyondDayNote, "values "))
		}
	}
	FinishPlans(plans, target)
}
