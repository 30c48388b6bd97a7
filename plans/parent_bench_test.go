package plans

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
)

// BenchmarkParentOutcomes measures the parent-outcome store: remembering
// every record of a parent table, then one lookup per child record, one
// query each or a batch of rows ahead as the run does. Memory stays
// flat: the keys are in the temporary SQLite file, whose size per key is
// reported.
//
//	go test ./plans/ -run '^$' -bench ParentOutcomes -benchmem
func BenchmarkParentOutcomes(b *testing.B) {
	const parents = 200_000
	ctx := context.Background()
	l, err := newLinks(ctx, "", &mappings.Program{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	st, err := l.newOutcomeStore(ctx, &mappings.TableProgram{Source: &connectors.Table{Name: "patient"}})
	if err != nil {
		b.Fatal(err)
	}
	for i := int64(0); i < parents; i++ {
		o := mappings.Outcome{Kind: mappings.Migrated}
		if i%100 == 0 {
			o = mappings.Outcome{Kind: mappings.Archived, Reason: "invalid_date"}
		}
		if err := st.remember(ctx, []connectors.Value{i}, o, ""); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.done(ctx); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(l.dir, "links.db"))
	if err != nil {
		b.Fatal(err)
	}
	bytesPerKey := float64(fi.Size()) / parents
	// Children usually come in an order unrelated to their parents';
	// some have none.
	child := func(i int) []connectors.Value { return []connectors.Value{int64(i*7919) % (parents + 1000)} }
	b.Run("one-at-a-time", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := st.lookup(ctx, child(i)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(bytesPerKey, "file-bytes/key")
	})
	// As the run reads children: prefetchKeys rows ahead, one query.
	b.Run("prefetched", func(b *testing.B) {
		keys := make([][]connectors.Value, 0, prefetchKeys)
		for i := 0; i < b.N; i++ {
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
		b.ReportMetric(bytesPerKey, "file-bytes/key")
	})
}
