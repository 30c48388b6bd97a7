package scan

import (
	"math"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres"
)

// The proposal holds every value the source holds: bigint unsigned as
// decimal(20,0) (left out of the DDL before), TIME as time within a day
// and as text with a finding beyond it, text never narrower than the
// longest value.
func TestProposalHoldsEveryValue(t *testing.T) {
	col := func(name, src string, typ connectors.Type) connectors.Column {
		return connectors.Column{Name: name, SourceType: src, Type: typ, Nullable: true}
	}
	cases := []struct {
		col    connectors.Column
		values []connectors.Value
		want   string
		note   bool
	}{
		{col("big", "bigint(20) unsigned", connectors.Type{Kind: connectors.KindInt, Bits: 64, Unsigned: true}),
			[]connectors.Value{int64(1), uint64(math.MaxUint64)}, "decimal(20,0)", false},
		{connectors.Column{Name: "id", SourceType: "bigint(20) unsigned", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64, Unsigned: true}, Identity: true},
			[]connectors.Value{int64(1), int64(math.MaxInt64)}, "bigint", true},
		{connectors.Column{Name: "id2", SourceType: "bigint(20) unsigned", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64, Unsigned: true}, Identity: true},
			[]connectors.Value{int64(1), uint64(math.MaxUint64)}, "decimal(20,0)", false},
		{col("tid", "time", connectors.Type{Kind: connectors.KindTime}),
			[]connectors.Value{connectors.Duration(8 * time.Hour), connectors.Duration(24 * time.Hour)}, "time", false},
		{col("lang", "time", connectors.Type{Kind: connectors.KindTime}),
			[]connectors.Value{connectors.Duration(8 * time.Hour), connectors.Duration(838*time.Hour + 59*time.Minute)}, "text", true},
		{col("neg", "time", connectors.Type{Kind: connectors.KindTime}),
			[]connectors.Value{connectors.Duration(-time.Hour)}, "text", true},
		{col("namn", "VARCHAR(5)", connectors.Type{Kind: connectors.KindText, Length: 5}),
			[]connectors.Value{"abc", "Åsa Öberg-Lind"}, "varchar(14)", false},
		{col("kort", "VARCHAR(20)", connectors.Type{Kind: connectors.KindText, Length: 20}),
			[]connectors.Value{"abc"}, "varchar(20)", false},
		{col("summa", "numeric", connectors.Type{Kind: connectors.KindDecimal}),
			[]connectors.Value{connectors.Decimal("-12345.678"), connectors.Decimal("0.5")}, "decimal(8,3)", true},
	}
	for _, tc := range cases {
		s := newColumnStat(tc.col, testOpts(), 100)
		for _, v := range tc.values {
			s.add(v)
		}
		p := s.proposedType()
		if p.problem != "" || p.typ.String() != tc.want || (p.note != "") != tc.note {
			t.Errorf("%s: proposed %v (problem %q, note %q), want %s", tc.col.Name, p.typ, p.problem, p.note, tc.want)
		}
		if _, err := (postgres.Dialect{}).ColumnType(p.typ); err != nil {
			t.Errorf("%s: PostgreSQL cannot create %v: %v", tc.col.Name, p.typ, err)
		}
		for _, v := range tc.values {
			if p.cast {
				continue // a mapping casts it (the skeleton writes the cast)
			}
			if err := p.typ.Fit(v); err != nil {
				t.Errorf("%s: %v does not hold a value the source holds: %v", tc.col.Name, p.typ, err)
			}
		}
	}
}
