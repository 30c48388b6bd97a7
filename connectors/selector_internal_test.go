package connectors

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBucketSelectorAsIn: the bitmap selects exactly the key hashes whose
// bucket mod Within is listed in In, for Within not a multiple of 64 too,
// with In unsorted and repeated.
func TestBucketSelectorAsIn(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, within := range []uint32{0, 1, 16, 63, 64, 65, 1000, 1024, 65536} {
		var in []uint32
		if within > 0 {
			for range rng.IntN(int(min(within, 300))) + 1 {
				in = append(in, rng.Uint32N(within))
			}
			in = append(in, in[0])
		}
		req := ChecksumRequest{Within: within, In: in}
		sel := req.selector()
		for range 20000 {
			kh := rng.Uint32()
			want := within == 0 || slices.Contains(in, kh%within)
			if got := sel.selects(kh); got != want {
				t.Fatalf("within %d, in %v: key hash %d selected %v, want %v", within, in, kh, got, want)
			}
		}
	}
}
