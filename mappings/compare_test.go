package mappings

import (
	"math"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// TestCompareExactAcrossKinds: the same-kind integer fast path must not
// change how mixed kinds order: an int64 against a decimal or a uint64
// beyond int64 still compares exactly.
func TestCompareExactAcrossKinds(t *testing.T) {
	cases := []struct {
		a, b connectors.Value
		want int
	}{
		{int64(3), int64(7), -1},
		{int64(7), int64(7), 0},
		{int64(math.MinInt64), int64(math.MaxInt64), -1},
		{uint64(math.MaxUint64), uint64(math.MaxUint64 - 1), 1},
		{int64(math.MaxInt64), uint64(math.MaxInt64 + 1), -1},
		{uint64(math.MaxInt64 + 1), int64(math.MaxInt64), 1},
		{int64(-1), uint64(0), -1},
		{int64(5), connectors.Decimal("5.000"), 0},
		{int64(5), connectors.Decimal("5.0000000000000000001"), -1},
		{connectors.Decimal("9223372036854775807.5"), int64(math.MaxInt64), 1},
		{int64(2), float64(2.5), -1},
		{"abc", "abd", -1},
		{"b", "b", 0},
	}
	for _, c := range cases {
		got, ok := Compare(c.a, c.b)
		if !ok || got != c.want {
			t.Errorf("Compare(%#v, %#v) = %d, %v; want %d, true", c.a, c.b, got, ok, c.want)
		}
	}
	if _, ok := Compare(int64(1), "1"); ok {
		t.Error("Compare(int64, string) claims an order")
	}
}

// TestCompareSameKindIntegersAllocateNothing: an entity id comparison per
// value record must not build big.Rat.
func TestCompareSameKindIntegersAllocateNothing(t *testing.T) {
	a, b := connectors.Value(int64(1001)), connectors.Value(int64(1002))
	if n := testing.AllocsPerRun(100, func() { Compare(a, b) }); n != 0 {
		t.Errorf("Compare(int64, int64) allocates %v times, want 0", n)
	}
	s1, s2 := connectors.Value("x1"), connectors.Value("x2")
	if n := testing.AllocsPerRun(100, func() { Compare(s1, s2) }); n != 0 {
		t.Errorf("Compare(string, string) allocates %v times, want 0", n)
	}
}

func BenchmarkCompareInt64(b *testing.B) {
	x, y := connectors.Value(int64(1001)), connectors.Value(int64(1002))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Compare(x, y)
	}
}
