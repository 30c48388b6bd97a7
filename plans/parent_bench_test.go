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
// every record of a parent table, then one lookup per child record (in
// an order unrelated to the parent's, as children usually come). Memory
// stays flat: the keys are in the temporary SQLite file, whose size per
// key is reported.
//
//	go test ./plans/ -run '^$' -bench ParentOutcomes -benchmem
func BenchmarkParentOutcomes(b *testing.B) {
	const parents = 200_000
	ctx := context.Background()
	l, err := newLinks(ctx, &mappings.Program{})
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
		if err := st.remember(ctx, []connectors.Value{i}, o); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.done(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := int64(i*7919) % (parents + 1000) // some have no parent
		if _, _, err := st.lookup(ctx, []connectors.Value{k}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	fi, err := os.Stat(filepath.Join(l.dir, "links.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(fi.Size())/parents, "file-bytes/key")
}
