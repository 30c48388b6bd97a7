package plans

import (
	"context"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// BenchmarkOutcomeStoreIntKeys measures a parent table of 2 million
// records with one-column integer keys, at the run's budget: remembering
// every record, then one lookup per child record, a batch of rows
// prefetched ahead as the run reads them. One op is the whole table and
// its children; ns/key is per record.
//
//	go test ./plans/ -run '^$' -bench OutcomeStoreIntKeys -benchmem -benchtime 1x -count 5
func BenchmarkOutcomeStoreIntKeys(b *testing.B) {
	const parents = 2_000_000
	ctx := context.Background()
	for _, c := range []struct {
		name string
		key  func(i int) int64
	}{
		{"sequence", func(i int) int64 { return int64(i) + 1 }},
		// Read in no order (a heap table): a map until the keys fill
		// their span.
		{"sequence-in-no-order", func(i int) int64 { return int64(i)*7919%parents + 1 }},
	} {
		b.Run(c.name, func(b *testing.B) {
			// Children come in an order unrelated to their parents'; some
			// have none.
			child := func(i int) []connectors.Value { return []connectors.Value{int64(i*104729)%(parents+1000) + 1} }
			for b.Loop() {
				l, err := newLinks(ctx, b.TempDir(), &mappings.Program{})
				if err != nil {
					b.Fatal(err)
				}
				st, err := l.outcomeStoreOf(ctx, &connectors.Table{Name: "patient"})
				if err != nil {
					b.Fatal(err)
				}
				for i := range parents {
					o := mappings.Outcome{Kind: mappings.Migrated}
					if i%100 == 0 {
						o = mappings.Outcome{Kind: mappings.Archived, Reason: "invalid_date"}
					}
					if err := st.remember(ctx, []connectors.Value{c.key(i)}, o, ""); err != nil {
						b.Fatal(err)
					}
				}
				if err := st.done(ctx); err != nil {
					b.Fatal(err)
				}
				keys := make([][]connectors.Value, 0, prefetchKeys)
				for i := range parents {
					if i%prefetchKeys == 0 {
						keys = keys[:0]
						for j := i; j < i+prefetchKeys; j++ {
							keys = append(keys, child(j))
						}
						if err := st.prefetch(ctx, keys); err != nil {
							b.Fatal(err)
						}
					}
					if _, _, err := st.lookup(ctx, child(i)); err != nil {
						b.Fatal(err)
					}
				}
				l.Close()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/parents, "ns/key")
		})
	}
}
