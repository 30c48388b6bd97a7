package scan

import (
	"fmt"
	"io"

	"github.com/regflytt/regflytt/connectors"
)

// The proposal: a receiving type per column that holds every value the
// source actually holds, from the declared type and the profile. It
// builds on connectors.PlanSchema (what `regflytt schema` prints from the
// catalogue alone) and corrects it where the profile knows better.

// proposal is one column's proposed receiving type.
type proposal struct {
	typ connectors.Type
	// cast is set when the receiving kind differs from the source's, so
	// a mapping must convert (the skeleton writes it).
	cast bool
	// problem says why no type is proposed ("" when one is).
	problem string
	// note is a finding the proposal makes (time beyond a day).
	note string
}

// proposedType gives the receiving type for a column from its profile.
func (s *columnStat) proposedType() proposal {
	c := s.col
	if c.Type.Kind == connectors.KindDecimal && s.nonFinite > 0 {
		// No receiving decimal holds NaN or an infinity; text holds
		// them and every decimal exactly.
		return proposal{typ: connectors.Type{Kind: connectors.KindText}, cast: true,
			note: fmt.Sprintf("declared %s holding NaN or infinities, which no receiving decimal holds: proposed as text", c.SourceType)}
	}
	t, cast, err := connectors.ProposedType(c)
	if err != nil {
		if c.Type.Kind == connectors.KindDecimal {
			p := s.intDigits + s.scale
			if p == 0 {
				p = 1
			}
			if p <= 38 {
				return proposal{typ: connectors.Type{Kind: connectors.KindDecimal, Precision: p, Scale: s.scale},
					note: fmt.Sprintf("declared %s: decimal(%d,%d) holds every value it holds", c.SourceType, p, s.scale)}
			}
			// No receiving decimal holds them: text keeps every digit
			// (the mapping casts it). Without a proposal the skeleton
			// dropped the column, its values neither migrated nor
			// archived.
			return proposal{typ: connectors.Type{Kind: connectors.KindText}, cast: true,
				note: fmt.Sprintf("declared %s: values of up to %d integer digits and %d decimals, more than decimal(38,s) holds: proposed as text, which keeps every digit", c.SourceType, s.intDigits, s.scale)}
		}
		return proposal{problem: err.Error()}
	}
	if cast {
		// bigint unsigned as decimal(20,0): no receiving dialect but
		// MariaDB has an unsigned 64-bit integer. An auto-increment whose
		// values all fit a signed bigint (the common id bigint unsigned
		// AUTO_INCREMENT) stays an integer, so it can stay an identity.
		if _, over := s.max.(uint64); c.Identity && !over {
			return proposal{typ: connectors.Type{Kind: connectors.KindInt, Bits: 64},
				note: fmt.Sprintf("declared %s AUTO_INCREMENT: every value fits bigint, which keeps it an identity (decimal(20,0) would not)", c.SourceType)}
		}
		return proposal{typ: t, cast: true}
	}
	switch t.Kind {
	case connectors.KindText:
		if t.Length > 0 && s.maxChars > t.Length {
			t.Length = s.maxChars
		}
	case connectors.KindBytes:
		if t.Length > 0 && s.lenMax > t.Length {
			t.Length = s.lenMax
		}
	case connectors.KindTime:
		if s.beyondDay {
			// The receiving notation has no interval; text keeps the
			// duration exactly as [-]HHH:MM:SS[.ffffff].
			return proposal{typ: connectors.Type{Kind: connectors.KindText}, cast: true,
				note: connectors.TimeBeyondDayNote}
		}
	}
	return proposal{typ: t}
}

// proposeTypes sets each profiled column's Proposed type.
func proposeTypes(rep *Report, tables []connectors.Table) {
	rep.catalogue = tables
	for _, tr := range rep.Tables {
		tr.proposals = make([]proposal, len(tr.stats))
		for i, s := range tr.stats {
			p := s.proposedType()
			if !tr.Profiled && s.values == 0 {
				// Nothing observed: the declared type stands, or its
				// problem. A decimal too wide for the notation was
				// narrowed to the digits of its values, of which there
				// were none: numeric(1000,500) became decimal(1,0).
				p = proposal{problem: p.problem}
				if t, cast, err := connectors.ProposedType(s.col); err != nil {
					p.problem = err.Error()
				} else {
					p.typ, p.cast = t, cast
				}
			}
			tr.proposals[i] = p
			if p.problem == "" {
				tr.Columns[i].Proposed = p.typ.String()
			}
		}
	}
}

// TablePlans gives the receiving tables the scan proposes on a target
// dialect: connectors.PlanSchema's proposal from the catalogue, with each
// column's type replaced by the profile's where it differs, then finished
// again (keys, defaults, identities, indexes, foreign keys, DDL) by the
// same code as `regflytt schema`.
func (r *Report) TablePlans(target connectors.Dialect) []connectors.TablePlan {
	plans := connectors.PlanSchema(r.catalogue, target)
	for ti := range plans {
		tp := &plans[ti]
		tr := r.Tables[ti]
		for ci := range tp.Columns {
			cp := &tp.Columns[ci]
			p := tr.proposals[ci]
			cp.Problem = p.problem
			cp.Type, cp.Cast = p.typ, p.cast
			if p.problem != "" {
				cp.Type = connectors.Type{}
			}
		}
	}
	connectors.FinishPlans(plans, target)
	return plans
}

// WriteSchema writes the proposed receiving schema in the format of
// testdata/platforms/*/schema.yaml, as `regflytt schema --yaml` does.
func (r *Report) WriteSchema(w io.Writer, platform string, target connectors.Dialect) error {
	return connectors.WriteReceivingYAML(w, platform, r.Source, r.TablePlans(target), target)
}
