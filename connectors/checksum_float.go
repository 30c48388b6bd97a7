package connectors

import (
	"encoding/binary"
	"math"
)

// Float record hashes: how a verifier finds, without reading them, the
// buckets whose float values may differ beyond its tolerance. Per record,
// the SHA-256 of the key's encoding, a zero byte, and each float value
// rounded to a number of bits of mantissa; per bucket, the aggregate of
// those hashes (ChecksumRequest.Floats). A hash per record binds each
// value to its record, so that values swapped between records, or a
// duplicated record, do not cancel (a sum of the values would, and has
// no NaN).
//
// The rounding works on the IEEE 754 bits, not on decimal text, so that a
// database computes it exactly in integer arithmetic: two values that
// round alike are within one step of the kept mantissa of each other, so
// a verifier that keeps at least -log2(tolerance)+1 bits never misses a
// difference beyond its tolerance; two values within it may still round
// apart (they straddle a step), and its drill-down then compares the
// bucket's records value by value.

// The tags of a rounded float value.
const (
	floatNull   = 0
	floatNaN    = 1
	floatInf    = 2
	floatNegInf = 3
	// floatFinite is followed by the eight bytes of the rounded bits.
	floatFinite = 4
	// floatOther is a value that is no float64 (never from a database's
	// float column), followed by its length-prefixed text.
	floatOther = 5
)

// AppendFloatRecord appends what a float record hash hashes: encodedKey
// (the record key's AppendRow encoding), a zero byte, then each value of
// vals as AppendRoundedFloat gives it.
func AppendFloatRecord(b, encodedKey []byte, vals []Value, bits int) []byte {
	b = append(append(b, encodedKey...), 0)
	for _, v := range vals {
		b = AppendRoundedFloat(b, v, bits)
	}
	return b
}

// AppendRoundedFloat appends one float value rounded to bits bits of
// mantissa (0 to 52; 52 keeps every bit): a tag (NULL, NaN, +Inf, -Inf,
// finite), and for a finite value the eight big-endian bytes of its bits
// with the magnitude's low 52-bits bits rounded half up (a carry moves
// into the exponent, as it should). Zero and subnormal values keep all
// their bits: rounding them would merge values far apart relative to
// their size. The sign is kept, so -0 and 0 differ, as they do for a
// verifier. Every NaN is one.
func AppendRoundedFloat(b []byte, v Value, bits int) []byte {
	x, ok := v.(float64)
	switch {
	case v == nil:
		return append(b, floatNull)
	case !ok:
		s, _ := FormatValue(v)
		b = binary.AppendUvarint(append(b, floatOther), uint64(len(s)))
		return append(b, s...)
	}
	return appendRoundedFloat64(b, x, bits)
}

// appendRoundedFloat64 is AppendRoundedFloat of a float64 value.
func appendRoundedFloat64(b []byte, x float64, bits int) []byte {
	switch {
	case math.IsNaN(x):
		return append(b, floatNaN)
	case math.IsInf(x, 1):
		return append(b, floatInf)
	case math.IsInf(x, -1):
		return append(b, floatNegInf)
	}
	return binary.BigEndian.AppendUint64(append(b, floatFinite), RoundFloatBits(math.Float64bits(x), bits))
}

// RoundFloatBits rounds the bits of a finite float64 to bits bits of
// mantissa, as AppendRoundedFloat describes; what a dialect's SQL
// computes with integer operations on the same bits.
func RoundFloatBits(u uint64, bits int) uint64 {
	const sign, exp = 1 << 63, 0x7ff << 52
	m := 52 - min(max(bits, 0), 52)
	if m == 0 || u&exp == 0 {
		return u
	}
	mag := u &^ sign
	mag = (mag + 1<<(m-1)) &^ (1<<m - 1)
	return mag | u&sign
}
