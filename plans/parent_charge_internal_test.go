package plans

import (
	"context"
	"fmt"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// The distinct outcomes are charged too: with a unit per record, they
// cost more than the keys (an outcome of a long unit name, kept once, is
// not free).
func TestParentOutcomesChargeTheirDistinctOutcomes(t *testing.T) {
	ctx := context.Background()
	const records, unitLen = 1000, 1000
	for _, key := range []func(i int) connectors.Value{
		func(i int) connectors.Value { return int64(i) },
		func(i int) connectors.Value { return fmt.Sprint("k", i) },
	} {
		l, err := newLinks(ctx, t.TempDir(), &mappings.Program{})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		l.memBudget = 1 << 30
		s, err := l.outcomeStoreOf(ctx, &connectors.Table{Name: "patient"})
		if err != nil {
			t.Fatal(err)
		}
		for i := range records {
			unit := fmt.Sprintf("%0*d", unitLen, i)
			if err := s.remember(ctx, []connectors.Value{key(i)}, mappings.Outcome{Kind: mappings.Migrated}, unit); err != nil {
				t.Fatal(err)
			}
		}
		if l.memUsed < records*unitLen {
			t.Errorf("key %T: %d records, each its own unit of %d bytes, charged %d bytes", key(0), records, unitLen, l.memUsed)
		}
	}
}
