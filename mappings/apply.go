package mappings

import (
	"errors"

	"github.com/regflytt/regflytt/connectors"
)

// OutcomeKind is what happened to one source record.
type OutcomeKind uint8

// The outcomes. Every source record ends in exactly one.
const (
	// Migrated: the record became a row of the receiving platform.
	Migrated OutcomeKind = iota + 1
	// Archived: the record could not be transformed and is kept, in its
	// source shape, in the archive package, with a reason.
	Archived
	// Excluded: the record belongs to a patient who opted out or demanded
	// erasure; it is counted and its data written nowhere.
	Excluded
)

func (k OutcomeKind) String() string {
	switch k {
	case Migrated:
		return "migrated"
	case Archived:
		return "archived"
	case Excluded:
		return "excluded"
	}
	return "unknown"
}

// Outcome is what Apply made of one source record.
type Outcome struct {
	Kind OutcomeKind
	// Reason is a stable code for archived and excluded records: a Fit
	// rule ("not_null", "int_range", "invalid_date"), "cast_<kind>" for a
	// failed cast, or an exclusion reason.
	Reason string
	// Column is the target column whose value failed, SourceColumn the
	// source column it came from (empty when none).
	Column, SourceColumn string
	// Detail explains the reason without repeating the value.
	Detail string
	// Row is the target row of a migrated record, one value per column of
	// the program's Target table. Each call allocates a new one, so the
	// caller may keep it.
	Row []connectors.Value
}

// Apply transforms one source row (its columns in the order of the
// program's Source table). It is pure: the same row always gives the same
// outcome and the same bytes.
func (p *TableProgram) Apply(row []connectors.Value) Outcome {
	out := make([]connectors.Value, len(p.cols))
	for i := range p.cols {
		cp := &p.cols[i]
		var v connectors.Value
		if cp.src >= 0 {
			v = row[cp.src]
		}
		var err error
		if cp.cast {
			v, err = convert(v, cp.target.Type)
		}
		if err == nil {
			if d, ok := v.(connectors.Decimal); ok && cp.scale >= 0 {
				if err = cp.target.Fit(d); err == nil {
					v = padScale(d, cp.scale)
				}
			} else {
				err = cp.target.Fit(v)
			}
		}
		if err != nil {
			return p.archived(cp, err)
		}
		out[i] = v
	}
	return Outcome{Kind: Migrated, Row: out}
}

func (p *TableProgram) archived(cp *columnProgram, err error) Outcome {
	o := Outcome{Kind: Archived, Column: cp.target.Name, Detail: err.Error()}
	if cp.src >= 0 {
		o.SourceColumn = p.Source.Columns[cp.src].Name
	}
	var fe *connectors.FitError
	var ce *castError
	switch {
	case errors.As(err, &fe):
		o.Reason, o.Detail = string(fe.Rule), fe.Detail
	case errors.As(err, &ce):
		o.Reason = "cast_" + ce.to.String()
	default:
		o.Reason = "error"
	}
	return o
}
