package connectors

import (
	"bytes"
	"math"
	"reflect"
	"testing"
	"time"
)

var encodingCases = []Value{
	nil, int64(0), int64(math.MinInt64), int64(math.MaxInt64), uint64(math.MaxUint64),
	0.1, math.Copysign(0, -1), true, false, "", "Åsa 😀", []byte{}, []byte{0, 255},
	Decimal("-12.50"), Date{2024, 2, 29}, Date{1, 1, 1},
	LocalDateTime{Date{9999, 12, 31}, 23, 59, 59, 999999999},
	time.Date(2024, 6, 1, 12, 0, 0, 1000, time.UTC), Duration(-838 * time.Hour),
	InvalidDate{"0000-00-00"}, UUID{1, 2, 3}, JSON(`{"a":1}`),
}

func TestEncodingRoundTrip(t *testing.T) {
	b, err := AppendRow(nil, encodingCases)
	if err != nil {
		t.Fatal(err)
	}
	got, rest, err := DecodeRow(b)
	if err != nil || len(rest) != 0 {
		t.Fatalf("decode: %v, %d bytes left", err, len(rest))
	}
	for i := range encodingCases {
		a, w := got[i], encodingCases[i]
		if f, ok := w.(float64); ok {
			if math.Float64bits(a.(float64)) != math.Float64bits(f) {
				t.Errorf("value %d: %v, want %v", i, a, w)
			}
			continue
		}
		if !reflect.DeepEqual(a, w) {
			t.Errorf("value %d: %#v, want %#v", i, a, w)
		}
	}
}

// No two different values encode alike: the encoding is what merge keys
// and, later, checksums compare.
func TestEncodingIsInjective(t *testing.T) {
	seen := map[string]int{}
	for i, v := range append(encodingCases, "1", int64(1), Decimal("1"), []byte("1"), JSON("1"), 1.0) {
		b, err := AppendValue(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		if j, dup := seen[string(b)]; dup {
			t.Fatalf("values %d and %d encode alike", j, i)
		}
		seen[string(b)] = i
	}
	// Length prefixes keep ("ab", "c") apart from ("a", "bc").
	x, _ := AppendRow(nil, []Value{"ab", "c"})
	y, _ := AppendRow(nil, []Value{"a", "bc"})
	if bytes.Equal(x, y) {
		t.Fatal("field boundaries are lost")
	}
}

func FuzzDecodeRow(f *testing.F) {
	b, _ := AppendRow(nil, encodingCases)
	f.Add(b)
	f.Add([]byte{3, tagText, 200})
	f.Fuzz(func(t *testing.T, b []byte) {
		row, _, err := DecodeRow(b)
		if err != nil {
			return
		}
		again, err := AppendRow(nil, row)
		if err != nil {
			t.Fatalf("a decoded row does not encode: %v", err)
		}
		if _, _, err := DecodeRow(again); err != nil {
			t.Fatalf("re-encoded row does not decode: %v", err)
		}
	})
}
