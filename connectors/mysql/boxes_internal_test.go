package mysql

import (
	"fmt"
	"math"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// TestBoxedTypesHoldNoPointers: the values boxes keeps in its word array
// are of types without pointers. A pointer kept there would be invisible
// to the collector (the array is scanned as plain words), and what it
// points at could be freed under the value.
func TestBoxedTypesHoldNoPointers(t *testing.T) {
	for _, v := range []any{int64(0), float64(0), connectors.Date{}, connectors.LocalDateTime{}} {
		if typ := reflect.TypeOf(v); holdsPointers(typ) {
			t.Errorf("%v holds a pointer: it cannot be boxed in the word array", typ)
		}
	}
}

func holdsPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return holdsPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
}

// TestBoxesAreGoConversions: a value boxed by boxes is the value Go's own
// conversion gives, for every kind and for values beside each other in a
// row's arrays: equal (==, as the run's comparisons use), of the same
// dynamic type, printed the same, and unchanged by the values boxed after
// it and by collections in between (the arrays are kept alive by the
// interfaces alone).
func TestBoxesAreGoConversions(t *testing.T) {
	b := &boxes{}
	b.wordsPerRow, b.strsPerRow = sizeBoxes([]connectors.Kind{connectors.KindInt, connectors.KindDate, connectors.KindText})
	type pair struct{ got, want connectors.Value }
	var pairs []pair
	for row := 0; row < 300; row++ {
		b.newRow()
		d := connectors.Date{Year: 1900 + row, Month: time.Month(1 + row%12), Day: 1 + row%28}
		dt := connectors.LocalDateTime{Date: d, Hour: row % 24, Minute: row % 60, Second: 59, Nanosecond: row * 1000}
		text := fmt.Sprintf("Åsa Öberg %d", row)
		pairs = append(pairs,
			pair{b.int64(int64(row)), int64(row)},
			pair{b.int64(int64(row) * 1_000_003), int64(row) * 1_000_003},
			pair{b.int64(-int64(row) - 1), -int64(row) - 1},
			pair{b.int64(math.MinInt64), int64(math.MinInt64)},
			pair{b.float64(float64(row) / 7), float64(row) / 7},
			pair{b.float64(math.Copysign(0, -1)), math.Copysign(0, -1)},
			pair{b.date(d), d},
			pair{b.localDateTime(dt), dt},
			pair{b.str(stringType, text), text},
			pair{b.str(stringType, ""), ""},
			pair{b.str(decimalType, fmt.Sprintf("%d.25", row)), connectors.Decimal(fmt.Sprintf("%d.25", row))},
			pair{b.str(decimalType, ""), connectors.Decimal("")},
		)
		if row%50 == 0 {
			runtime.GC()
		}
	}
	runtime.GC()
	for i, p := range pairs {
		if reflect.TypeOf(p.got) != reflect.TypeOf(p.want) {
			t.Fatalf("value %d: boxed as %T, Go converts to %T", i, p.got, p.want)
		}
		if p.got != p.want {
			if f, ok := p.want.(float64); !ok || !math.IsNaN(f) {
				t.Fatalf("value %d: boxed %v, Go's conversion %v", i, p.got, p.want)
			}
		}
		if fmt.Sprintf("%#v", p.got) != fmt.Sprintf("%#v", p.want) {
			t.Fatalf("value %d: printed %#v, Go's conversion %#v", i, p.got, p.want)
		}
	}
	// Negative zero stays negative: the same bits, not only an equal value.
	for _, p := range pairs {
		if f, ok := p.want.(float64); ok && f == 0 && math.Signbit(f) != math.Signbit(p.got.(float64)) {
			t.Fatalf("negative zero boxed with another sign bit")
		}
	}
}

// TestBoxesAllocateOncePerRow: the row's values take two allocations (its
// word array and its string array), where Go's conversions took one per
// value: the point of boxes.
func TestBoxesAllocateOncePerRow(t *testing.T) {
	kinds := []connectors.Kind{connectors.KindInt, connectors.KindInt, connectors.KindFloat, connectors.KindDecimal,
		connectors.KindDate, connectors.KindDateTime, connectors.KindDateTime, connectors.KindText, connectors.KindText}
	b := &boxes{}
	b.wordsPerRow, b.strsPerRow = sizeBoxes(kinds)
	d := connectors.Date{Year: 2020, Month: 2, Day: 29}
	dt := connectors.LocalDateTime{Date: d, Hour: 23, Minute: 59, Second: 59, Nanosecond: 999999000}
	row := make([]connectors.Value, len(kinds))
	allocs := testing.AllocsPerRun(100, func() {
		b.newRow()
		row[0] = b.int64(1_000_001)
		row[1] = b.int64(105_000)
		row[2] = b.float64(142857.25)
		row[3] = b.str(decimalType, "99999.99")
		row[4] = b.date(d)
		row[5] = b.localDateTime(dt)
		row[6] = b.localDateTime(dt)
		row[7] = b.str(stringType, "Åsa Öberg 1000000")
		row[8] = b.str(stringType, "K00001")
	})
	if allocs != 2 {
		t.Errorf("a row of %d values took %v allocations, want 2 (its two arrays)", len(kinds), allocs)
	}
}
