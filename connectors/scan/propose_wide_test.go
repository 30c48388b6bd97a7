package scan

import (
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A MariaDB DECIMAL(65,30) (the widest a careless schema declares) whose
// values do not fit decimal(38,s) had no proposal and no finding: the
// scan's report showed an empty "proposed", and its mapping skeleton put
// the column under drop:, so a run of the skeleton passed with every value
// of it left behind, neither migrated nor archived. The proposal is text,
// which keeps every digit (the mapping casts it), with a finding saying
// why; values that fit still get the decimal that holds them.
func TestProposalKeepsADecimalWiderThanTheNotation(t *testing.T) {
	col := connectors.Column{Name: "dec65", SourceType: "decimal(65,30)", Type: connectors.Type{Kind: connectors.KindDecimal, Precision: 65, Scale: 30}, Nullable: true}
	wide := []connectors.Value{
		connectors.Decimal("12345678901234567890123456789012345.123456789012345678901234567890"),
		connectors.Decimal("-0.500000000000000000000000000000"),
	}
	s := newColumnStat(col, testOpts(), 100)
	for _, v := range wide {
		s.add(v)
	}
	p := s.proposedType()
	if p.problem != "" || p.typ.Kind != connectors.KindText || !p.cast || !strings.Contains(p.note, "text") {
		t.Fatalf("proposed %v (cast %v, problem %q, note %q), want text with a cast and a note", p.typ, p.cast, p.problem, p.note)
	}
	for _, v := range wide {
		text, ok := connectors.FormatValue(v)
		if !ok || p.typ.Fit(text) != nil {
			t.Errorf("%v does not hold %s as text", p.typ, v)
		}
	}

	narrow := newColumnStat(col, testOpts(), 100)
	narrow.add(connectors.Decimal("12345678.000000000000000000000000000001"))
	if p := narrow.proposedType(); p.problem != "" || p.typ.String() != "decimal(38,30)" || p.cast {
		t.Errorf("values that fit decimal(38,30): proposed %v (cast %v, problem %q)", p.typ, p.cast, p.problem)
	}
}

// A column no receiving type holds as it is, which the skeleton lists
// under drop:, is a finding of its own: the scan's report said nothing
// of it.
func TestFindingForAColumnNoTypeHolds(t *testing.T) {
	tr := &Table{Name: "t", Profiled: true, Columns: []*Column{{Name: "odd", Values: 3}}}
	tr.proposals = []proposal{{problem: `source type "odd" has no canonical type`}}
	found := false
	for _, f := range findings(&Report{Tables: []*Table{tr}}) {
		found = found || f.Code == "no_receiving_type" && f.Column == "odd" && strings.Contains(f.Message, "drop:")
	}
	if !found {
		t.Error("no no_receiving_type finding for a column no type holds")
	}
}
