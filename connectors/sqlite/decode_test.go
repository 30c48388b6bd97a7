package sqlite

import (
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// Every decimal of a declared scale s with at most 15 - s integer digits
// survives SQLite's NUMERIC affinity: stored as the nearest REAL, it
// reads back as the same number (its shortest form, trailing zeros gone).
func TestFloatDecimalRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 2))
	for scale := 0; scale <= 8; scale++ {
		typ := connectors.Type{Kind: connectors.KindDecimal, Precision: 15, Scale: scale}
		limit := int64(1)
		for i := 0; i < 15; i++ {
			limit *= 10
		}
		for i := 0; i < 20000; i++ {
			n := rng.Int64N(limit)
			if i%2 == 1 {
				n = -n
			}
			if i < 100 {
				n = limit - 1 - int64(i) // the largest the bound allows
			}
			want := new(big.Rat).SetFrac(big.NewInt(n), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
			f, _ := want.Float64()
			d, ok := floatDecimal(typ, f)
			got, okRat := new(big.Rat).SetString(string(d))
			if !ok || !okRat || got.Cmp(want) != 0 {
				t.Fatalf("scale %d: %s stored as %s reads %q, %v", scale, want.FloatString(scale), strconv.FormatFloat(f, 'g', -1, 64), d, ok)
			}
		}
	}
}

// A REAL that more than one decimal of the column's scale could have
// become is not read as a decimal.
func TestFloatDecimalRefusesTheAmbiguous(t *testing.T) {
	two := connectors.Type{Kind: connectors.KindDecimal, Precision: 20, Scale: 2}
	bare := connectors.Type{Kind: connectors.KindDecimal}
	for _, c := range []struct {
		typ connectors.Type
		f   float64
		ok  bool
	}{
		{two, 0.99, true},
		{two, 0.995, false},               // three decimals in a two-decimal column
		{two, 0.30000000000000004, false}, // 0.1 + 0.2 at run time
		{two, 9999999999999.99, true},     // 13 + 2 digits
		{two, 12345678901234567.0, false}, // 1.2345678901234568e16: its last digits are gone
		{two, 1e13, false},                // 10000000000000.00 is 16 digits at scale 2
		{bare, 1e-20, true},
		{bare, 123456789012345, true},
		{bare, 1234567890123456, false},
		{bare, 0.30000000000000004, false},
	} {
		if _, ok := floatDecimal(c.typ, c.f); ok != c.ok {
			t.Errorf("%v in %v: read as a decimal %v, want %v", c.f, c.typ, ok, c.ok)
		}
	}
}

// Read as written (a receiving database), a value is its column's type
// only in the form the writer stores it; any other form is passed up as
// stored, so that it differs from the value written. Read as a legacy
// file is read, the same forms are the value.
func TestDecodeAsWrittenPassesOtherFormsUp(t *testing.T) {
	text := connectors.Type{Kind: connectors.KindText}
	date := connectors.Type{Kind: connectors.KindDate}
	stamp := connectors.Type{Kind: connectors.KindTimestamp}
	for _, c := range []struct {
		typ     connectors.Type
		stored  any
		written bool
	}{
		{text, "Umeå", true},
		{text, []byte("Umeå"), false},
		{connectors.Type{Kind: connectors.KindBytes}, []byte{1, 2}, true},
		{connectors.Type{Kind: connectors.KindBytes}, "\x01\x02", false},
		{date, "2019-11-17", true},
		{date, "2019-11-17 00:00:00", false},
		{date, "2019-11-17T00:00", false},
		{connectors.Type{Kind: connectors.KindDateTime}, "2019-11-17 10:05:00", true},
		{connectors.Type{Kind: connectors.KindDateTime}, "2019-11-17T10:05", false},
		{stamp, "2019-11-17 10:05:00", true},
		{stamp, "2019-11-17 10:05:00Z", false},
		{connectors.Type{Kind: connectors.KindUUID}, "0b7f6f7e-3c1a-4d2b-9a8e-1f2e3d4c5b6a", true},
		{connectors.Type{Kind: connectors.KindUUID}, "0B7F6F7E-3C1A-4D2B-9A8E-1F2E3D4C5B6A", false},
		{connectors.Type{Kind: connectors.KindDecimal, Precision: 5, Scale: 1}, "72.5", true},
		{connectors.Type{Kind: connectors.KindInt}, int64(7), true},
	} {
		lenient, err := decode(c.typ, c.stored)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeAsWritten(c.typ, c.stored)
		if err != nil {
			t.Fatal(err)
		}
		if same := sameValue(got, lenient); same != c.written {
			t.Errorf("%v stored as %#v: read as written %#v, as a legacy file %#v", c.typ.Kind, c.stored, got, lenient)
		}
		if !c.written && !sameValue(got, c.stored) {
			t.Errorf("%v stored as %#v: read as written %#v, not as stored", c.typ.Kind, c.stored, got)
		}
	}
}
