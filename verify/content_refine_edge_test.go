package verify_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// noKeyTable is contentTable without a primary key: its record key is
// every hashed column (k, note), the float left out.
var noKeyTable = connectors.Table{Name: "m", Columns: contentTable.Columns}

// The refinement of a run's coarse check (verify.ContentCheck.Refinement)
// in the cases a coarse bucket may hide or mis-clear: floats that round
// apart within the tolerance (float-only buckets cleared by the fine
// drill-down), beside one beyond it; a record missing and a foreign one in
// the same coarse buckets; a table without a primary key with a duplicated
// row, a row lost of two alike and NULLs in its key. Each needs more
// differing coarse buckets than the drill-down reads whole (8 buckets
// refined into 64, reading one coarse bucket's worth: 8 fine ones).
func TestCoarseCheckRefinementEdges(t *testing.T) {
	defer verify.SetMaxDrillBucketsForTest(8)()
	const rows = 4000
	const n, fine = 8, 64
	// Values whose float aggregate rounds them half up at FloatBits(1e-9)
	// bits, so that one ulp below rounds down: apart in the aggregate,
	// within the tolerance.
	drop := uint(52 - verify.FloatBits(verify.DefaultFloatTolerance))
	half := func(i int) float64 { return math.Float64frombits(math.Float64bits(float64(1000+i)) | 1<<(drop-1)) }
	exp := make([][]connectors.Value, rows)
	for i := range exp {
		exp[i] = []connectors.Value{fmt.Sprintf("k-%05d", i), half(i), fmt.Sprintf("note %d", i)}
	}
	clone := func() [][]connectors.Value {
		act := make([][]connectors.Value, len(exp))
		for i := range exp {
			act[i] = slices.Clone(exp[i])
		}
		return act
	}
	below := func(x connectors.Value) float64 { return math.Nextafter(x.(float64), 0) }

	t.Run("floats within the tolerance in every coarse bucket", func(t *testing.T) {
		act := clone()
		// Every 700th: six records, in more coarse buckets than the
		// drill-down reads whole, in no more fine ones than it reads.
		for i := 0; i < rows; i += 700 {
			act[i][1] = below(act[i][1])
		}
		cc, diffs, _ := coarseDrill(t, contentTable, exp, act, n, fine)
		if !cc.OK || len(diffs) > 0 || cc.DifferingBuckets != 0 {
			t.Errorf("values within the tolerance: %d buckets differ, named %q", cc.DifferingBuckets, diffs)
		}
	})
	t.Run("floats within the tolerance beside one beyond it", func(t *testing.T) {
		act := clone()
		for i := 0; i < rows; i += 700 {
			act[i][1] = below(act[i][1])
		}
		act[1234][1] = act[1234][1].(float64) * (1 + 1e-6)
		cc, diffs, _ := coarseDrill(t, contentTable, exp, act, n, fine)
		if want := []string{"[k-01234] changed [x]"}; !slices.Equal(diffs, want) {
			t.Errorf("named %q, want %q", diffs, want)
		}
		if cc.OK || cc.DifferingBuckets != 1 {
			t.Errorf("one value beyond the tolerance: ok %v, %d buckets differ, want 1", cc.OK, cc.DifferingBuckets)
		}
	})
	t.Run("missing and foreign alike in many buckets", func(t *testing.T) {
		act := clone()
		var want []string
		// Four records missing and four foreign ones of the same columns:
		// the coarse buckets' counts may agree.
		for i := 0; i < 4; i++ {
			j := 3 + i*991
			want = append(want, fmt.Sprintf("[k-%05d] missing []", j), fmt.Sprintf("[x-%05d] foreign []", j))
			act[j] = []connectors.Value{fmt.Sprintf("x-%05d", j), exp[j][1], exp[j][2]}
		}
		slices.Sort(want)
		cc, diffs, _ := coarseDrill(t, contentTable, exp, act, n, fine)
		if !slices.Equal(diffs, want) {
			t.Errorf("named\n%s\nwant\n%s", strings.Join(diffs, "\n"), strings.Join(want, "\n"))
		}
		if cc.OK {
			t.Errorf("the check passes")
		}
	})
	t.Run("without a primary key", func(t *testing.T) {
		e := clone()
		// Two rows alike, and NULL notes (part of the record key).
		e = append(e, slices.Clone(e[77]))
		for i := 500; i < rows; i += 500 {
			e[i][2] = nil
		}
		exp := e
		act := make([][]connectors.Value, 0, len(exp))
		for i, r := range exp {
			if i == rows { // the second of visit 77's two rows is lost
				continue
			}
			act = append(act, slices.Clone(r))
		}
		var want []string
		for i := 250; i < rows; i += 1000 {
			act = append(act, slices.Clone(exp[i])) // duplicated
			want = append(want, fmt.Sprintf("[k-%05d note %d] duplicate []", i, i))
		}
		act[1000][1] = act[1000][1].(float64) * 3 // a NULL key's float beyond the tolerance
		act[1500][1] = below(act[1500][1])        // within it
		act[2500][1] = below(act[2500][1])
		want = append(want, "[k-00077 note 77] missing []", "[k-01000 NULL] changed [x]")
		slices.Sort(want)
		cc, diffs, _ := coarseDrill(t, noKeyTable, exp, act, n, fine)
		if !slices.Equal(diffs, want) {
			t.Errorf("named\n%s\nwant\n%s", strings.Join(diffs, "\n"), strings.Join(want, "\n"))
		}
		if cc.OK {
			t.Errorf("the check passes")
		}
	})
	t.Run("without a primary key, within the tolerance", func(t *testing.T) {
		act := clone()
		for i := 0; i < rows; i += 700 {
			act[i][1] = below(act[i][1])
		}
		cc, diffs, _ := coarseDrill(t, noKeyTable, exp, act, n, fine)
		if !cc.OK || len(diffs) > 0 {
			t.Errorf("values within the tolerance: %d buckets differ, named %q", cc.DifferingBuckets, diffs)
		}
	})
}
