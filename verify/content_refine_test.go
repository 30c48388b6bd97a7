package verify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/verify"
)

// coarseDrill compares expected with actual (written into a fresh SQLite
// table) over n buckets, with a run's keyed hash, refining into fine as
// a run's drill-down does (plans: drillDown): Refinement, the expected
// rows again, Refine, the rows of the fine differing buckets, DrillDown,
// Refined. It gives the check, its differences as text, and how many
// expected rows the drill-down was given.
func coarseDrill(t *testing.T, tbl connectors.Table, expected, actual [][]connectors.Value, n, fine uint32) (*verify.ContentCheck, []string, int) {
	t.Helper()
	ctx := context.Background()
	loc, _ := connectors.ParseLocation("sqlite://" + filepath.Join(t.TempDir(), "t.db"))
	db, err := sqlite.OpenTarget(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &tbl, actual); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	hasher := connectors.NewRunHasher()
	c, err := verify.NewContent(&tbl, n)
	if err != nil {
		t.Fatal(err)
	}
	c.Fine, c.Hasher = fine, hasher
	for _, r := range expected {
		if err := c.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tt := &tables[0]
	cc, err := verify.CompareContent(ctx, snap, tt, c)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Buckets != n {
		t.Errorf("the check says %d buckets, compared over %d", cc.Buckets, n)
	}
	drill, dc := c, cc
	f, err := cc.Refinement(c)
	if err != nil {
		t.Fatal(err)
	}
	if f != nil {
		for _, r := range expected {
			if err := f.Add(r); err != nil {
				t.Fatal(err)
			}
		}
		if dc, err = verify.Refine(ctx, snap, tt, f, cc); err != nil {
			t.Fatal(err)
		}
		drill = f
	}
	in := map[uint32]bool{}
	for _, b := range dc.Differing() {
		in[b] = true
	}
	var keep [][]connectors.Value
	for _, r := range expected {
		if b, _ := drill.Bucket(r); in[b] {
			keep = append(keep, r)
		}
	}
	if err := verify.DrillDown(ctx, snap, tt, drill, dc, keep); err != nil {
		t.Fatal(err)
	}
	if f != nil {
		cc.Refined(dc)
	}
	if cc.Buckets != n || cc.DifferingBuckets > int(n) {
		t.Errorf("after the drill-down: %d of %d buckets differ, compared over %d", cc.DifferingBuckets, cc.Buckets, n)
	}
	if !cc.OK && len(cc.Differences) == 0 {
		t.Errorf("verify defect: %d buckets differ, but the drill-down names no record", cc.DifferingBuckets)
	}
	var out []string
	for _, d := range cc.Differences {
		out = append(out, fmt.Sprint(d.Key, " ", d.Kind, " ", d.Columns))
	}
	return cc, out, len(keep)
}

// A run's own end check compares over few buckets (verify.RunBuckets)
// and refines those that differ into BucketsFor's when more differ than a
// drill-down reads whole: every changed, missing and foreign record is
// still named with its columns, and a target with half its records
// changed still drills into a bounded number of rows. Here at a scale a
// test reaches (a drill-down reading 8 fine buckets, 4000 rows over 8
// buckets refined into 64); without the refinement the drill-down reads
// the first coarse bucket only and names one or two of the five.
func TestCoarseCheckRefinesDifferingBuckets(t *testing.T) {
	defer verify.SetMaxDrillBucketsForTest(8)()
	const rows = 4000
	const n, fine = 8, 64
	if verify.BucketsFor(rows) != fine {
		t.Fatalf("BucketsFor(%d) = %d", rows, verify.BucketsFor(rows))
	}
	exp := make([][]connectors.Value, rows)
	for i := range exp {
		exp[i] = []connectors.Value{fmt.Sprintf("k-%05d", i), float64(i) * 1.5, fmt.Sprintf("note %d", i)}
	}
	clone := func() [][]connectors.Value {
		act := make([][]connectors.Value, rows)
		for i := range exp {
			act[i] = slices.Clone(exp[i])
		}
		return act
	}
	t.Run("five changed", func(t *testing.T) {
		act := clone()
		var want []string
		for i := 0; i < 5; i++ {
			j := 17 + i*797
			act[j][2] = "other"
			want = append(want, fmt.Sprintf("[k-%05d] changed [note]", j))
		}
		act[3001][1] = 7.25 // a float beyond the tolerance
		want = append(want, "[k-03001] changed [x]")
		slices.Sort(want)
		cc, diffs, _ := coarseDrill(t, contentTable, exp, act, n, fine)
		if !slices.Equal(diffs, want) {
			t.Errorf("named\n%s\nwant\n%s", strings.Join(diffs, "\n"), strings.Join(want, "\n"))
		}
		if cc.OK || cc.DifferingBuckets == 0 {
			t.Errorf("the check passes: %+v", cc)
		}
	})
	t.Run("missing and foreign", func(t *testing.T) {
		act := clone()
		act = slices.Delete(act, 2500, 2501)
		act = slices.Delete(act, 1200, 1201)
		act = slices.Delete(act, 10, 11)
		act = append(act, []connectors.Value{"z-1", 1.0, "x"}, []connectors.Value{"z-2", 2.0, "y"})
		_, diffs, _ := coarseDrill(t, contentTable, exp, act, n, fine)
		want := []string{"[k-00010] missing []", "[k-01200] missing []", "[k-02500] missing []", "[z-1] foreign []", "[z-2] foreign []"}
		if !slices.Equal(diffs, want) {
			t.Errorf("named\n%s\nwant\n%s", strings.Join(diffs, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("half changed", func(t *testing.T) {
		act := clone()
		for i := 0; i < rows; i += 2 {
			act[i][2] = "other"
		}
		cc, diffs, kept := coarseDrill(t, contentTable, exp, act, n, fine)
		if cc.OK || cc.DifferingBuckets != n {
			t.Errorf("%d of %d buckets differ, want all", cc.DifferingBuckets, n)
		}
		// 8 fine buckets of about 62 rows: the drill-down's bound, as a
		// check over 64 buckets from the start would have it.
		if kept == 0 || kept > 3*8*rows/fine {
			t.Errorf("the drill-down was given %d expected rows of %d", kept, rows)
		}
		if len(diffs) == 0 || len(diffs) > kept {
			t.Errorf("%d differences named for %d rows drilled", len(diffs), kept)
		}
		for _, d := range diffs {
			if !strings.HasSuffix(d, " changed [note]") {
				t.Errorf("named %s", d)
			}
		}
	})
	t.Run("equal", func(t *testing.T) {
		cc, diffs, _ := coarseDrill(t, contentTable, exp, clone(), n, fine)
		if !cc.OK || len(diffs) > 0 {
			t.Errorf("equal contents differ: %+v", cc)
		}
	})
}
