package mysql

import (
	"unsafe"

	"github.com/regflytt/regflytt/connectors"
)

// A row's values are interfaces (connectors.Value), and Go's conversion of
// an integer, a float, a date or a string to an interface allocates each
// value on its own: ten allocations for a row of the 12-column benchmark
// table, nine in ten of all the move allocated, a tenth of its CPU with
// the collector's share. boxes gives a binary row's values their
// interfaces from two arrays of the row's own instead: one for its
// pointer-free values (integers, floats, dates, date-times) and one for
// its strings (texts, decimals), made at the row's first such value.
//
// The interface is built by hand (boxAt): the type word Go itself uses for
// the value's type, and a pointer into the row's array where Go's
// conversion would point at a fresh allocation. Go reads an interface's
// value through that pointer and never writes through it, and neither
// does this package after boxing: each value has its own slot, written
// once before it is boxed, and a row's arrays are never reused (the next
// row makes new ones). So the value is the one conversion would give
// (tests compare the two for every kind), and a value kept pins only its
// own row's arrays, as a text already pins its row's bytes (rowText).
type boxes struct {
	words []uint64
	strs  []string
	// wordsPerRow and strsPerRow size a row's arrays: what the row's
	// columns can take at most (sizeBoxes); a row needing more (never,
	// unless the sizes are wrong) gets a second array.
	wordsPerRow, strsPerRow int
}

// eface is the layout of an empty interface's two words.
type eface struct {
	typ, data unsafe.Pointer
}

// typeWord is the type word of v's interface.
func typeWord(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// The type words of the kinds boxed here. Each must be a type without
// pointers when it is kept in words (TestBoxedTypesHoldNoPointers).
var (
	int64Type         = typeWord(int64(0))
	float64Type       = typeWord(float64(0))
	dateType          = typeWord(connectors.Date{})
	localDateTimeType = typeWord(connectors.LocalDateTime{})
	stringType        = typeWord("")
	decimalType       = typeWord(connectors.Decimal(""))
)

// boxAt is the interface of type typ whose value is at data.
func boxAt(typ, data unsafe.Pointer) (v connectors.Value) {
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, data
	return v
}

// newRow starts a row: its values get arrays of their own.
func (b *boxes) newRow() { b.words, b.strs = nil, nil }

// word gives n words of the row's pointer-free array.
func (b *boxes) word(n int) unsafe.Pointer {
	if len(b.words)+n > cap(b.words) {
		b.words = make([]uint64, 0, max(b.wordsPerRow, n))
	}
	b.words = b.words[:len(b.words)+n]
	return unsafe.Pointer(&b.words[len(b.words)-n])
}

// boxWords boxes v, a value of a pointer-free type whose type word is typ,
// in the row's array.
func boxWords[T int64 | float64 | connectors.Date | connectors.LocalDateTime](b *boxes, typ unsafe.Pointer, v T) connectors.Value {
	p := b.word(int(unsafe.Sizeof(v)+7) / 8)
	*(*T)(p) = v
	return boxAt(typ, p)
}

// int64 boxes an integer. Go's own conversion allocates nothing for
// 0-255 (a static table), and neither does this.
func (b *boxes) int64(v int64) connectors.Value {
	if uint64(v) < 256 {
		return v
	}
	return boxWords(b, int64Type, v)
}

func (b *boxes) float64(v float64) connectors.Value { return boxWords(b, float64Type, v) }

func (b *boxes) date(v connectors.Date) connectors.Value { return boxWords(b, dateType, v) }

func (b *boxes) localDateTime(v connectors.LocalDateTime) connectors.Value {
	return boxWords(b, localDateTimeType, v)
}

// str boxes a string (typ stringType) or a decimal (decimalType), whose
// interfaces point at a string header.
func (b *boxes) str(typ unsafe.Pointer, s string) connectors.Value {
	if s == "" {
		// Go's conversion of an empty string allocates nothing either.
		if typ == decimalType {
			return connectors.Decimal("")
		}
		return ""
	}
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, max(b.strsPerRow, 1))
	}
	b.strs = append(b.strs, s)
	return boxAt(typ, unsafe.Pointer(&b.strs[len(b.strs)-1]))
}

// sizeBoxes sizes a row's arrays for columns of these kinds: the most
// words and strings a row of them can box.
func sizeBoxes(kinds []connectors.Kind) (words, strs int) {
	for _, k := range kinds {
		switch k {
		case connectors.KindInt, connectors.KindFloat:
			words++
		case connectors.KindDate:
			words += int(unsafe.Sizeof(connectors.Date{})+7) / 8
		case connectors.KindDateTime:
			words += int(unsafe.Sizeof(connectors.LocalDateTime{})+7) / 8
		case connectors.KindText, connectors.KindDecimal:
			strs++
		}
	}
	return words, strs
}
