package verify_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// coarseDrill compares expected with actual (written into a fresh SQLite
// table) over n buckets, with a run's keyed hash, refining into fine as
// a run's drill-down does (refinedDrill, the expected rows read again).
// It gives the check, its differences as text, and how many expected
// rows the drill-down was given.
func coarseDrill(t *testing.T, tbl connectors.Table, expected, actual [][]connectors.Value, n, fine uint32) (*verify.ContentCheck, []string, int) {
	t.Helper()
	cc, kept, _ := refinedDrill(t, tbl, expected, expected, actual, n, fine, func(cc *verify.ContentCheck) {
		if cc.Buckets != n {
			t.Errorf("the check says %d buckets, compared over %d", cc.Buckets, n)
		}
	})
	if cc.Buckets != n || cc.DifferingBuckets > int(n) {
		t.Errorf("after the drill-down: %d of %d buckets differ, compared over %d", cc.DifferingBuckets, cc.Buckets, n)
	}
	if !cc.OK && len(cc.Differences) == 0 {
		t.Errorf("verify defect: %d buckets differ, but the drill-down names no record", cc.DifferingBuckets)
	}
	return cc, differencesText(cc), kept
}

// refinedDrill is a run's end check and drill-down (plans: drillDown):
// actual is written into a fresh SQLite table and compared with expected
// over n buckets with a run's keyed hash (compared, the test's premise,
// sees that check); where it asks for it (Refinement), a refinement
// into fine filled from again is compared (Refine); the rows of again in
// the buckets that differ are drilled down (DrillDown), and the
// refinement's outcome given to the check (Refined). It gives the check,
// how many rows the drill-down was given, and whether it refined.
func refinedDrill(t *testing.T, tbl connectors.Table, expected, again, actual [][]connectors.Value, n, fine uint32, compared func(*verify.ContentCheck)) (*verify.ContentCheck, int, bool) {
	t.Helper()
	ctx := context.Background()
	db := sqliteHolding(t, tbl, actual)
	defer db.Close()
	c := newContent(t, &tbl, n)
	c.Fine, c.Hasher = fine, connectors.NewRunHasher()
	addRows(t, c, expected)
	snap, tt := snapshotTable(t, db)
	defer snap.Close()
	cc, err := verify.CompareContent(ctx, snap, tt, c)
	if err != nil {
		t.Fatal(err)
	}
	compared(cc)
	drill, dc := c, cc
	f, err := cc.Refinement(c)
	if err != nil {
		t.Fatal(err)
	}
	if f != nil {
		addRows(t, f, again)
		if dc, err = verify.Refine(ctx, snap, tt, f, cc); err != nil {
			t.Fatal(err)
		}
		drill = f
	}
	keep := inDifferingBuckets(drill, dc, again)
	if err := verify.DrillDown(ctx, snap, tt, drill, dc, keep); err != nil {
		t.Fatal(err)
	}
	if f != nil {
		cc.Refined(dc)
	}
	return cc, len(keep), f != nil
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
