package conformance

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// ChecksumSourceColumns holds a dialect's Checksummer to
// connectors.HashRecords on a legacy table of the dialect's own source
// types, its first column the integer id: every other column (floats
// aside: they are outside the hash) as a hashed column and as part of a
// record key, in a subtest named by caseName. noPushdown lists the case
// names the dialect leaves to Go: those must fail with ErrNoPushdown.
func ChecksumSourceColumns(t *testing.T, snap connectors.Snapshot, tbl *connectors.Table, caseName func(connectors.Column) string, noPushdown ...string) {
	ctx := context.Background()
	cs := snap.(connectors.Checksummer)
	for _, col := range tbl.Columns[1:] {
		if col.Type.Kind == connectors.KindFloat {
			continue
		}
		name := caseName(col)
		t.Run(name, func(t *testing.T) {
			for _, req := range []connectors.ChecksumRequest{
				{Columns: []string{"id", col.Name}, Buckets: 1},
				{Columns: []string{"id"}, Key: []string{col.Name, "id"}, Buckets: 1},
			} {
				got, err := cs.RecordHashes(ctx, tbl, req)
				if slices.Contains(noPushdown, name) {
					if !errors.Is(err, connectors.ErrNoPushdown) {
						t.Fatalf("got %v, want ErrNoPushdown", err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				want, err := connectors.HashRecords(ctx, snap, tbl, req)
				if err != nil {
					t.Fatal(err)
				}
				SameRecords(t, got, want)
			}
		})
	}
}

// SameRecords requires equal record hashes and keys, matched by the id
// that ends every key.
func SameRecords(t *testing.T, got, want []connectors.RecordHash) {
	t.Helper()
	id := func(r connectors.RecordHash) int64 { return r.Key[len(r.Key)-1].(int64) }
	byID := map[int64]connectors.RecordHash{}
	for _, r := range got {
		byID[id(r)] = r
	}
	if len(got) != len(want) {
		t.Errorf("%d records from the server, %d from Go", len(got), len(want))
	}
	for _, w := range want {
		g, ok := byID[id(w)]
		if !ok || g.Hash != w.Hash || len(g.Key) != len(w.Key) {
			t.Errorf("row %d: the server's hash or key differs from Go's", id(w))
			continue
		}
		for i := range w.Key {
			if !Equal(g.Key[i], w.Key[i]) {
				t.Errorf("row %d: key value %d is %s from the server, %s from Go", id(w), i, Describe(g.Key[i]), Describe(w.Key[i]))
			}
		}
	}
}
