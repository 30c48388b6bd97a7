package verify_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// driftDrill is a run's end check and drill-down (refinedDrill) where
// the expected side (expected, what the run wrote) and the drill-down's
// second reading of the source (again) need not agree, over n buckets
// refined into fine where more differ than a drill-down reads.
func driftDrill(t *testing.T, expected, again, actual [][]connectors.Value, n, fine uint32) *verify.ContentCheck {
	t.Helper()
	cc, _, refined := refinedDrill(t, contentTable, expected, again, actual, n, fine, func(cc *verify.ContentCheck) {
		if cc.OK {
			t.Fatalf("the premise: the target differs from the expected side, but the check passes")
		}
	})
	if refined != (fine > n) {
		t.Fatalf("the premise: refined %v, over %d buckets into %d", refined, n, fine)
	}
	return cc
}

// A drill-down compares the target with the source read again, and
// clears a bucket whose floats differ when every record agrees within the
// tolerance. Where the source changed since the expected side was read
// (a run's own end check: what the run wrote), alike with the target, the
// second reading agrees with the target, not with the expected side: the
// buckets stay differing, counted as SourceChanged, on the plain
// drill-down and on a refined one. Before, the plain drill-down cleared
// them (the check passed with floats the run never wrote) and the refined
// one left them without a word of why. Where the second reading is the
// expected side (regflytt verify), nothing changes: a float beyond the
// tolerance is named, and no bucket is said to have changed.
func TestDrillDownHoldsTheSourceReadAgainToTheExpectedSide(t *testing.T) {
	defer verify.SetMaxDrillBucketsForTest(8)()
	const rows = 4000
	exp := make([][]connectors.Value, rows)
	for i := range exp {
		exp[i] = []connectors.Value{fmt.Sprintf("k-%05d", i), float64(i) + 0.25, fmt.Sprintf("note %d", i)}
	}
	changed := func(every int) [][]connectors.Value {
		out := make([][]connectors.Value, rows)
		for i := range exp {
			out[i] = slices.Clone(exp[i])
			if i%every == every-1 {
				out[i][1] = out[i][1].(float64) * 10
			}
		}
		return out
	}
	for _, c := range []struct {
		name    string
		n, fine uint32
		every   int
	}{
		{name: "plain", n: 64, fine: 64, every: 997},
		{name: "refined", n: 8, fine: 64, every: 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			moved := changed(c.every)
			cc := driftDrill(t, exp, moved, moved, c.n, c.fine)
			if cc.OK || cc.SourceChanged == 0 || cc.SourceChanged != cc.DifferingBuckets {
				t.Errorf("%d of %d buckets differ (ok %v), %d of them with the source changed, want all of them", cc.DifferingBuckets, cc.Buckets, cc.OK, cc.SourceChanged)
			}
			if len(cc.Differences) > 0 {
				t.Errorf("named %v, which the source read again agrees with", cc.Differences)
			}
		})
		t.Run(c.name+" read again alike", func(t *testing.T) {
			cc := driftDrill(t, exp, exp, changed(c.every), c.n, c.fine)
			if cc.OK || cc.SourceChanged != 0 || len(cc.Differences) == 0 {
				t.Errorf("%d of %d buckets differ (ok %v), %d with the source changed, %d records named", cc.DifferingBuckets, cc.Buckets, cc.OK, cc.SourceChanged, len(cc.Differences))
			}
			for _, d := range cc.Differences {
				if d.Kind != "changed" || !slices.Equal(d.Columns, []string{"x"}) {
					t.Errorf("named %v", d)
				}
			}
		})
	}
}
