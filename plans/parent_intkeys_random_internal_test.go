package plans

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// intOutcomes against a map: keys in runs up and down from a centre (0,
// the ends of int64, a random one), spread ones, ones near the ends, a
// key twice now and then, and indexes of one byte, two, or past two (the
// first of them too): every key held is found with its index, its
// neighbours not held are not, a duplicate is refused, and each gives
// the keys in ascending order, whichever forms the keys went through.
func TestIntOutcomesAgainstAMap(t *testing.T) {
seeds:
	for seed := uint64(0); seed < 1000; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		var o intOutcomes
		ref := map[int64]uint32{}
		centers := []int64{0, math.MinInt64, math.MaxInt64, -1, 1 << 40, int64(r.Uint64())}
		c := centers[r.IntN(len(centers))]
		n := r.IntN(3000)
		bigIdx := r.IntN(4) == 0
		for j := 0; j < n; j++ {
			var k int64
			switch r.IntN(10) {
			case 0:
				k = int64(r.Uint64())
			case 1, 2:
				if r.IntN(50) != 0 {
					k = c + int64(r.IntN(3000)) - 1500
					break
				}
				k = centers[r.IntN(len(centers))] + int64(r.IntN(5)) - 2
			default:
				if r.IntN(2) == 0 {
					k = c + int64(j)
				} else {
					k = c - int64(r.IntN(4000))
				}
			}
			i := uint32(r.IntN(5))
			if bigIdx {
				i = uint32(r.IntN(70000))
			}
			_, had := ref[k]
			if had && r.IntN(200) != 0 {
				continue
			}
			ok := o.put(k, i)
			if ok == had {
				t.Fatalf("seed %d: put %d: ok %v, held before %v (form %d)", seed, k, ok, had, o.form)
			}
			if had {
				continue seeds // the run stops on a duplicate key
			}
			ref[k] = i
		}
		for k, i := range ref {
			if got, ok := o.get(k); !ok || got != i {
				t.Fatalf("seed %d: get %d = %d %v, want %d (form %d)", seed, k, got, ok, i, o.form)
			}
			for _, d := range []int64{-1, 1} {
				q := k + d
				if _, held := ref[q]; !held {
					if _, ok := o.get(q); ok {
						t.Fatalf("seed %d: absent %d found", seed, q)
					}
				}
			}
		}
		var keys []int64
		o.each(func(k int64, i uint32) error {
			if ref[k] != i {
				t.Fatalf("seed %d: each %d %d", seed, k, i)
			}
			keys = append(keys, k)
			return nil
		})
		if len(keys) != len(ref) || !slices.IsSorted(keys) || o.n != len(ref) {
			t.Fatalf("seed %d: each gave %d keys sorted %v, held %d n %d", seed, len(keys), slices.IsSorted(keys), len(ref), o.n)
		}
	}
}
