package scan

import (
	"math"
	"math/bits"
)

// hllPrecision gives 2^12 registers (4 KiB): a standard error of about
// 1.6 %, enough to tell a code column from a key column, and small enough
// to keep one per column of a wide table.
const hllPrecision = 12

// hll is a HyperLogLog distinct-count estimator (Flajolet et al. 2007),
// written here because the estimate must be deterministic (the same
// source gives the same report) and small.
type hll struct {
	reg [1 << hllPrecision]uint8
}

// add records one 64-bit hash. The hash must be well mixed (see mix64).
func (h *hll) add(x uint64) {
	idx := x >> (64 - hllPrecision)
	w := x<<hllPrecision | 1<<(hllPrecision-1) // the guard bit bounds the rank
	rank := uint8(bits.LeadingZeros64(w) + 1)
	if rank > h.reg[idx] {
		h.reg[idx] = rank
	}
}

// estimate gives the distinct count, with linear counting for small
// cardinalities, where the raw estimate is biased. A 64-bit hash needs no
// large-range correction.
func (h *hll) estimate() int64 {
	m := float64(len(h.reg))
	sum, zeros := 0.0, 0
	for _, r := range h.reg {
		sum += 1 / float64(uint64(1)<<r)
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros))
	}
	return int64(e + 0.5)
}

// hashString is FNV-1a over s, finished by mix64 so that HyperLogLog's
// leading bits are uniform. Deterministic across runs, unlike maphash.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

// mix64 is the splitmix64 finaliser.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
