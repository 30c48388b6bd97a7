package verify_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/verify"
)

// contentTable has a text key, a float measurement and a text column.
var contentTable = connectors.Table{Name: "m", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
	{Name: "k", Type: connectors.Type{Kind: connectors.KindText}},
	{Name: "x", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
	{Name: "note", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
}}

// compare writes actual into a fresh SQLite table, compares it with
// expected and drills down; it returns the differences as text.
func compare(t *testing.T, expected, actual [][]connectors.Value) (*verify.ContentCheck, []string) {
	t.Helper()
	return compareIn(t, contentTable, expected, actual)
}

// compareIn is compare for another receiving table.
func compareIn(t *testing.T, contentTable connectors.Table, expected, actual [][]connectors.Value) (*verify.ContentCheck, []string) {
	t.Helper()
	cc, out, _ := drillIn(t, contentTable, expected, actual)
	return cc, out
}

// drillIn is compareIn that also says how many expected rows the
// drill-down was given (those of the differing buckets).
func drillIn(t *testing.T, contentTable connectors.Table, expected, actual [][]connectors.Value) (*verify.ContentCheck, []string, int) {
	t.Helper()
	ctx := context.Background()
	db := sqliteHolding(t, contentTable, actual)
	defer db.Close()
	c := newContent(t, &contentTable, verify.BucketsFor(int64(len(expected))))
	addRows(t, c, expected)
	snap, tt := snapshotTable(t, db)
	defer snap.Close()
	cc, err := verify.CompareContent(ctx, snap, tt, c)
	if err != nil {
		t.Fatal(err)
	}
	keep := inDifferingBuckets(c, cc, expected)
	if err := verify.DrillDown(ctx, snap, tt, c, cc, keep); err != nil {
		t.Fatal(err)
	}
	if !cc.OK && len(cc.Differences) == 0 {
		t.Errorf("verify defect: %d buckets differ, but the drill-down names no record", cc.DifferingBuckets)
	}
	return cc, differencesText(cc), len(keep)
}

// sqliteHolding creates tbl in a fresh SQLite database, writes rows into
// it and gives the database open, for the caller to close.
func sqliteHolding(t *testing.T, tbl connectors.Table, rows [][]connectors.Value) *sqlite.DB {
	t.Helper()
	ctx := context.Background()
	loc, _ := connectors.ParseLocation("sqlite://" + filepath.Join(t.TempDir(), "t.db"))
	db, err := sqlite.OpenTarget(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Create(ctx, []connectors.Table{tbl}); err != nil {
		db.Close()
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &tbl, rows); err != nil {
		db.Close()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		db.Close()
		t.Fatal(err)
	}
	return db
}

// newContent is verify.NewContent, the test stopped where it fails.
func newContent(t *testing.T, tbl *connectors.Table, n uint32) *verify.Content {
	t.Helper()
	c, err := verify.NewContent(tbl, n)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// addRows adds rows to c.
func addRows(t *testing.T, c *verify.Content, rows [][]connectors.Value) {
	t.Helper()
	for _, r := range rows {
		if err := c.Add(r); err != nil {
			t.Fatal(err)
		}
	}
}

// snapshotTable opens a snapshot of db, for the caller to close, and
// gives it with the table db holds.
func snapshotTable(t *testing.T, db *sqlite.DB) (connectors.Snapshot, *connectors.Table) {
	t.Helper()
	ctx := context.Background()
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := snap.Tables(ctx)
	if err != nil {
		snap.Close()
		t.Fatal(err)
	}
	return snap, &tables[0]
}

// inDifferingBuckets gives the rows whose bucket of c differs in cc: what
// a drill-down is given of the expected side.
func inDifferingBuckets(c *verify.Content, cc *verify.ContentCheck, rows [][]connectors.Value) [][]connectors.Value {
	in := map[uint32]bool{}
	for _, b := range cc.Differing() {
		in[b] = true
	}
	var keep [][]connectors.Value
	for _, r := range rows {
		if b, _ := c.Bucket(r); in[b] {
			keep = append(keep, r)
		}
	}
	return keep
}

// differencesText gives cc's differences one a line: key, kind, columns.
func differencesText(cc *verify.ContentCheck) []string {
	var out []string
	for _, d := range cc.Differences {
		key := d.Key
		if d.NoKey {
			// Reports show none of it; the tests check which record.
			key = verify.ValuesKeyForTest(d)
		}
		out = append(out, fmt.Sprint(key, " ", d.Kind, " ", d.Columns))
	}
	return out
}

func rowsOf(n int) [][]connectors.Value {
	var out [][]connectors.Value
	for i := 0; i < n; i++ {
		out = append(out, []connectors.Value{fmt.Sprintf("k-%03d", i), float64(i) * 1.5, fmt.Sprintf("note %d", i)})
	}
	return out
}

func TestContentFloatsWithTolerance(t *testing.T) {
	exp := rowsOf(50)
	cases := []struct {
		name   string
		tamper func(rows [][]connectors.Value)
		want   []string
	}{
		{"equal", func([][]connectors.Value) {}, nil},
		// Within the tolerance: the last bits of a float as another
		// database may round it are the same measurement.
		{"rounded in the last bits", func(r [][]connectors.Value) { r[7][1] = r[7][1].(float64) * (1 + 1e-14) }, nil},
		{"changed float", func(r [][]connectors.Value) { r[7][1] = 99.0 }, []string{"[k-007] changed [x]"}},
		{"float made NULL", func(r [][]connectors.Value) { r[8][1] = nil }, []string{"[k-008] changed [x]"}},
		// A swap keeps every sum: the key-weighted sum moves.
		{"floats swapped", func(r [][]connectors.Value) { r[3][1], r[4][1] = r[4][1], r[3][1] }, []string{"[k-003] changed [x]", "[k-004] changed [x]"}},
		{"text and float changed", func(r [][]connectors.Value) { r[9][1], r[9][2] = 1.25, "other" }, []string{"[k-009] changed [note x]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			act := rowsOf(50)
			tc.tamper(act)
			cc, got := compare(t, exp, act)
			if !slices.Equal(got, tc.want) || cc.OK != (tc.want == nil) {
				t.Fatalf("differences %q (ok %v), want %q", got, cc.OK, tc.want)
			}
		})
	}
}

// Traps other diff tools fell into, through the content check: each
// tampered value must show as its key and column, and nothing else.
func TestContentTraps(t *testing.T) {
	base := [][]connectors.Value{
		{"a-b", 1.0, "x0"}, {"ab", 2.0, "y"}, {"A-B", 3.0, ""}, {"a b", 4.0, nil},
		{"null", 5.0, "NULL"}, {"pad", 6.0, "x"}, {"case", 7.0, "Ab"},
	}
	clone := func() [][]connectors.Value {
		out := make([][]connectors.Value, len(base))
		for i := range base {
			out[i] = slices.Clone(base[i])
		}
		return out
	}
	cases := []struct {
		name   string
		tamper func(r [][]connectors.Value)
		want   []string
	}{
		{"keys differing only by hyphen, case and space are distinct records", func([][]connectors.Value) {}, nil},
		{"NULL for ''", func(r [][]connectors.Value) { r[2][2] = nil }, []string{"[A-B] changed [note]"}},
		{"'' for NULL", func(r [][]connectors.Value) { r[3][2] = "" }, []string{"[a b] changed [note]"}},
		{"NULL for 'NULL'", func(r [][]connectors.Value) { r[4][2] = nil }, []string{"[null] changed [note]"}},
		{"trailing space", func(r [][]connectors.Value) { r[5][2] = "x " }, []string{"[pad] changed [note]"}},
		{"case only", func(r [][]connectors.Value) { r[6][2] = "AB" }, []string{"[case] changed [note]"}},
		{"a key by case only", func(r [][]connectors.Value) { r[2][0] = "a-B" }, []string{"[A-B] missing []", "[a-B] foreign []"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			act := clone()
			tc.tamper(act)
			cc, got := compare(t, base, act)
			if !slices.Equal(got, tc.want) || cc.OK != (tc.want == nil) {
				t.Fatalf("differences %q (ok %v), want %q", got, cc.OK, tc.want)
			}
		})
	}
}

// Float edge values compared as values, not as a bucket's sum: the
// largest doubles beside small ones, subnormals and infinities are no
// difference when equal, and a small change beside the largest double is
// named (a sum bounded by the bucket's magnitudes could not see it).
// SQLite holds no infinities (TestContentSameFloat compares them).
func TestContentFloatEdges(t *testing.T) {
	edges := []float64{math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64,
		0, 1e-300, 2.2250738585072014e-308}
	rows := func() [][]connectors.Value {
		var out [][]connectors.Value
		for i := 0; i < 64; i++ {
			x := float64(i) * 1.5
			if i%2 == 1 {
				x = edges[i/2%len(edges)]
			}
			out = append(out, []connectors.Value{fmt.Sprintf("k-%03d", i), x, "n"})
		}
		return out
	}
	cases := []struct {
		name   string
		tamper func(r [][]connectors.Value)
		want   []string
	}{
		{"equal", func([][]connectors.Value) {}, nil},
		{"small value beside the largest doubles", func(r [][]connectors.Value) { r[2][1] = 3.1 }, []string{"[k-002] changed [x]"}},
		{"largest double's sign flipped", func(r [][]connectors.Value) { r[1][1] = -math.MaxFloat64 }, []string{"[k-001] changed [x]"}},
		{"largest doubles swapped", func(r [][]connectors.Value) { r[1][1], r[3][1] = r[3][1], r[1][1] }, []string{"[k-001] changed [x]", "[k-003] changed [x]"}},
		{"subnormal flushed to zero", func(r [][]connectors.Value) { r[5][1] = 0.0 }, []string{"[k-005] changed [x]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			act := rows()
			tc.tamper(act)
			cc, got := compare(t, rows(), act)
			if !slices.Equal(got, tc.want) || cc.OK != (tc.want == nil) {
				t.Fatalf("differences %q (ok %v, %d buckets), want %q", got, cc.OK, cc.DifferingBuckets, tc.want)
			}
		})
	}
}

// Two values within the tolerance that round apart in the bucket's
// float hash differ in the bucket, not in any record: the drill-down
// compares them with the tolerance and clears the bucket.
func TestContentFloatsRoundingApartWithinTolerance(t *testing.T) {
	exp := rowsOf(20)
	act := rowsOf(20)
	// Either side of half a step of the kept mantissa above 1.
	bits := verify.FloatBits(verify.DefaultFloatTolerance)
	half := math.Ldexp(1, -bits-1)
	exp[4][1], act[4][1] = 1+half-0x1p-50, 1+half+0x1p-50
	if string(connectors.AppendRoundedFloat(nil, exp[4][1], bits)) == string(connectors.AppendRoundedFloat(nil, act[4][1], bits)) {
		t.Fatal("the two values round alike: the test no longer straddles a step")
	}
	cc, got := compare(t, exp, act)
	if !cc.OK || cc.DifferingBuckets != 0 || got != nil {
		t.Fatalf("differences %q (ok %v, %d buckets), want none", got, cc.OK, cc.DifferingBuckets)
	}
}

// NaN is one value and -0 is not 0 where the target holds them, for the
// record-by-record comparison the drill-down does.
func TestContentSameFloat(t *testing.T) {
	c, err := verify.NewContent(&contentTable, 16)
	if err != nil {
		t.Fatal(err)
	}
	pgNaN := math.Float64frombits(0x7ff8000000000000)
	for _, tc := range []struct {
		a, b connectors.Value
		same bool
	}{
		{math.NaN(), pgNaN, true},
		{math.NaN(), 1.0, false},
		{math.Copysign(0, -1), 0.0, false},
		{math.Copysign(0, -1), math.Copysign(0, -1), true},
		{math.Inf(1), math.MaxFloat64, false},
		{math.Inf(1), math.Inf(1), true},
		{math.MaxFloat64, math.MaxFloat64 * (1 - 1e-15), true},
		{math.MaxFloat64, -math.MaxFloat64, false},
		{nil, 0.0, false},
		{nil, nil, true},
	} {
		if got := verify.SameFloatForTest(c, tc.a, tc.b); got != tc.same {
			t.Errorf("sameFloat(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
}

// A table without a primary key is keyed by its hashed columns: two rows
// alike but for a float share a key, and a changed float among them is
// named, whatever order the target returns them in.
func TestContentFloatsWithoutPrimaryKey(t *testing.T) {
	noKey := connectors.Table{Name: "m", Columns: contentTable.Columns}
	exp := [][]connectors.Value{{"a", 1.5, "n"}, {"a", 2.5, "n"}, {"b", 3.5, "n"}}
	cases := []struct {
		name   string
		actual [][]connectors.Value
		want   []string
	}{
		{"equal, in another order", [][]connectors.Value{{"b", 3.5, "n"}, {"a", 2.5, "n"}, {"a", 1.5, "n"}}, nil},
		{"one of two changed", [][]connectors.Value{{"a", 1.5, "n"}, {"a", 2.75, "n"}, {"b", 3.5, "n"}}, []string{"[a n] changed [x]"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc, got := compareIn(t, noKey, exp, tc.actual)
			if !slices.Equal(got, tc.want) || cc.OK != (tc.want == nil) {
				t.Fatalf("differences %q (ok %v, %d buckets), want %q", got, cc.OK, cc.DifferingBuckets, tc.want)
			}
		})
	}
}

// The drill-down's work grows with the differing records, not with the
// table: with k records changed in a table of 50,000, the rows it hashes
// (in Go or in the target) stay within a few passes over the rows of the
// differing buckets. A drill-down that rehashed the whole table to find
// the rows of its buckets (as the float pass once did) fails at k = 1.
func TestDrillDownWorkGrowsWithDifferences(t *testing.T) {
	if testing.Short() {
		t.Skip("50,000 rows")
	}
	const rows = 50000
	exp := make([][]connectors.Value, rows)
	for i := range exp {
		exp[i] = []connectors.Value{fmt.Sprintf("k-%06d", i), float64(i) * 1.5, fmt.Sprintf("note %d", i)}
	}
	for _, k := range []int{1, 100, 10000} {
		t.Run(fmt.Sprint("k=", k), func(t *testing.T) {
			act := make([][]connectors.Value, rows)
			for i := range exp {
				act[i] = slices.Clone(exp[i])
			}
			// Every (rows/k)-th record changes its text.
			for i := 0; i < k; i++ {
				act[i*(rows/k)][2] = "other"
			}
			cc, diffs, kept := drillIn(t, contentTable, exp, act)
			if cc.OK {
				t.Fatal("a table with changed records passed")
			}
			rehashed := verify.RehashedRowsForTest(cc)
			// One pass each: the expected rows kept, the target's records
			// of the buckets, one per hashed column and the float pass.
			passes := int64(2 + len(cc.HashedColumns) - len(cc.KeyColumns) + 1)
			if rehashed == 0 || rehashed > passes*int64(kept) {
				t.Errorf("k=%d: the drill-down hashed %d rows for %d expected rows of %d differing buckets (at most %d passes)", k, rehashed, kept, cc.DifferingBuckets, passes)
			}
			if k == 1 && rehashed > rows/100 {
				t.Errorf("k=1: the drill-down hashed %d rows of a table of %d", rehashed, rows)
			}
			if k <= 100 && len(diffs) != k {
				t.Errorf("k=%d: %d differences named", k, len(diffs))
			}
			t.Logf("k=%d: %d differing buckets, %d expected rows kept, %d rows hashed", k, cc.DifferingBuckets, kept, rehashed)
		})
	}
}

// No missed difference: two values whose rounded floats are equal are
// equal within the tolerance (sameFloat), for tolerances from coarse to
// none, over values near each other at the size of the tolerance, around
// the binades' edges, the largest doubles and the subnormals.
func TestFloatRoundingMissesNoDifference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tol := range []float64{0.3, 1e-3, 1e-9, 1e-15, 0} {
		c, err := verify.NewContent(&contentTable, 16)
		if err != nil {
			t.Fatal(err)
		}
		c.FloatTolerance = tol
		bits := verify.FloatBits(tol)
		alike, apart := 0, 0
		for i := 0; i < 200000; i++ {
			var x float64
			switch i % 4 {
			case 0:
				x = math.Ldexp(1+rng.Float64(), rng.IntN(2000)-1000)
			case 1:
				x = math.Ldexp(1, rng.IntN(2040)-1020) // a binade's edge
			case 2:
				x = math.MaxFloat64 * (1 - rng.Float64()*1e-6)
			default:
				x = math.Float64frombits(rng.Uint64N(1 << 53)) // zero, subnormal or small normal
			}
			if rng.IntN(2) == 0 {
				x = -x
			}
			// y a few tolerances or ulps away, either side.
			y := x * (1 + (rng.Float64()*4-2)*max(tol, 1e-16))
			if rng.IntN(3) == 0 {
				y = math.Nextafter(x, math.Inf(rng.IntN(2)*2-1))
			}
			same := string(connectors.AppendRoundedFloat(nil, x, bits)) == string(connectors.AppendRoundedFloat(nil, y, bits))
			if same && !verify.SameFloatForTest(c, x, y) {
				t.Fatalf("tolerance %g: %v and %v round alike but differ beyond it", tol, x, y)
			}
			if same {
				alike++
			} else {
				apart++
			}
		}
		if alike == 0 || (tol > 0 && apart == 0) {
			t.Errorf("tolerance %g: %d pairs alike, %d apart: the test exercises nothing", tol, alike, apart)
		}
	}
}
