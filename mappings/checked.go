package mappings

import (
	"fmt"
	"math"
	"reflect"
	"time"
	"unicode/utf8"

	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/vm/runtime"

	"github.com/regflytt/regflytt/connectors"
)

// expr-lang's operators wrap integers on overflow (9223372036854775807 + 1
// is negative), clamp slices to the text (s[5:9] of "abc" is ""), slice
// text by byte (cutting a character in two) and index text to a byte (an
// integer). A mapping must never turn a value into another silently, so
// the compiler replaces them with these functions: the same results where
// they are right, expression_range where expr-lang would give a wrong one.
// Text is indexed and sliced by character.

func rangeErr(format string, args ...any) error {
	return &reasonError{Reason: ReasonExpressionRange, Detail: fmt.Sprintf(format, args...)}
}

// checkedFuncs gives the functions the compiler calls in place of
// expr-lang's operators (see resolver).
func checkedFuncs() map[string]func(...any) (any, error) {
	arith := func(op string) func(...any) (any, error) {
		return func(args ...any) (any, error) { return checkedArith(op, args[0], args[1]) }
	}
	out := map[string]func(...any) (any, error){
		fnCheckedIndex: func(args ...any) (any, error) { return checkedIndex(args[0], args[1]) },
		fnCheckedSlice: func(args ...any) (any, error) { return checkedSlice(args[0], args[1], args[2]) },
		fnCheckedNeg:   func(args ...any) (any, error) { return checkedNeg(args[0]) },
		"__int":        func(args ...any) (any, error) { return checkedInt(args[0]) },
		"__abs":        func(args ...any) (any, error) { return checkedAbs(args[0]) },
		"__sum":        func(args ...any) (any, error) { return checkedSum(args[0]) },
		"__len":        func(args ...any) (any, error) { return checkedLen(args[0]) },
		"__float":      func(args ...any) (any, error) { return checkedFloat(args[0]) },
		"__string":     func(args ...any) (any, error) { return checkedString(args[0]) },
	}
	for op, name := range checkedOps {
		out[name] = arith(op)
	}
	return out
}

// integer gives v as an int64 when it is a Go integer; ok is false for
// other kinds, err set for an unsigned integer beyond int64.
func integer(v any) (n int64, ok bool, err error) {
	switch x := v.(type) {
	case int:
		return int64(x), true, nil
	case int8:
		return int64(x), true, nil
	case int16:
		return int64(x), true, nil
	case int32:
		return int64(x), true, nil
	case int64:
		return x, true, nil
	case uint8:
		return int64(x), true, nil
	case uint16:
		return int64(x), true, nil
	case uint32:
		return int64(x), true, nil
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, true, rangeErr("an integer beyond the 64-bit range")
		}
		return int64(x), true, nil
	case uint64:
		if x > math.MaxInt64 {
			return 0, true, rangeErr("an integer beyond the 64-bit range")
		}
		return int64(x), true, nil
	}
	return 0, false, nil
}

// checkedArith applies an arithmetic operator: integers exactly or not at
// all, floats only to a finite result, everything else as expr-lang does.
func checkedArith(op string, a, b any) (out any, err error) {
	if a == nil || b == nil {
		// expr-lang fails on NULL operands too; say so as it would.
		return nil, fmt.Errorf("invalid operation: %s on NULL", op)
	}
	x, xi, err := integer(a)
	if err != nil {
		return nil, err
	}
	y, yi, err := integer(b)
	if err != nil {
		return nil, err
	}
	if xi && yi {
		switch op {
		case "+":
			if (y > 0 && x > math.MaxInt64-y) || (y < 0 && x < math.MinInt64-y) {
				return nil, rangeErr("the sum leaves the 64-bit integer range")
			}
			return int(x + y), nil
		case "-":
			if (y < 0 && x > math.MaxInt64+y) || (y > 0 && x < math.MinInt64+y) {
				return nil, rangeErr("the difference leaves the 64-bit integer range")
			}
			return int(x - y), nil
		case "*":
			if x != 0 && y != 0 {
				p := x * y
				if p/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
					return nil, rangeErr("the product leaves the 64-bit integer range")
				}
			}
			return int(x * y), nil
		case "%":
			if y == 0 {
				return nil, rangeErr("remainder of a division by zero")
			}
			return int(x % y), nil
		}
	}
	// What follows is floating-point arithmetic (a float operand, or /
	// and ** of integers): an integer a double cannot hold would lose its
	// last digits, and a decimal column would take the result as exact.
	if (xi && !exactAsFloat(x)) || (yi && !exactAsFloat(y)) {
		return nil, rangeErr("an integer beyond ±2^53 is not exact in floating-point arithmetic")
	}
	defer func() {
		// expr-lang's runtime panics on operands it cannot combine.
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("invalid operation %s: %v", op, p)
		}
	}()
	switch op {
	case "+":
		out = runtime.Add(a, b)
	case "-":
		out = runtime.Subtract(a, b)
	case "*":
		out = runtime.Multiply(a, b)
	case "/":
		out = runtime.Divide(a, b)
	case "%":
		out = runtime.Modulo(a, b)
	case "**", "^":
		out = runtime.Exponent(a, b)
	}
	switch f := out.(type) {
	case float64:
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, rangeErr("the result of %s is not a finite number", op)
		}
	case float32:
		if math.IsInf(float64(f), 0) || math.IsNaN(float64(f)) {
			return nil, rangeErr("the result of %s is not a finite number", op)
		}
	}
	return out, nil
}

// checkedNeg is -x: an integer exactly, anything else as expr-lang does
// (so a float keeps its sign rules).
func checkedNeg(x any) (any, error) {
	if x == nil {
		return nil, fmt.Errorf("invalid operation: - on NULL")
	}
	if _, ok, _ := integer(x); ok {
		return checkedArith("-", 0, x)
	}
	return runtimeCall(func() any { return runtime.Negate(x) })
}

// checkedAbs is abs(x): the most negative integer has no absolute value
// in 64 bits.
func checkedAbs(x any) (any, error) {
	if n, ok, err := integer(x); ok {
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return checkedArith("-", 0, n)
		}
		return int(n), nil
	}
	return runtimeCall(func() any { return builtin.Abs(x) })
}

// checkedSum is sum(list) with checked additions.
func checkedSum(list any) (any, error) {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice {
		return nil, fmt.Errorf("sum takes a list, not %s", kindName(list))
	}
	var total any = 0
	for i := 0; i < v.Len(); i++ {
		var err error
		if total, err = checkedArith("+", total, v.Index(i).Interface()); err != nil {
			return nil, err
		}
	}
	return total, nil
}

// checkedLen is len(x), text counted in characters as indexing and
// slicing count it (expr-lang counts bytes: len("åäö") would be 6).
func checkedLen(x any) (any, error) {
	if s, ok := x.(string); ok {
		return utf8.RuneCountInString(s), nil
	}
	return runtimeCall(func() any { return runtime.Len(x) })
}

// checkedInt is expr-lang's int() without wrapping: a float beyond the
// 64-bit range, infinite or not a number fails.
func checkedInt(v any) (any, error) {
	switch f := v.(type) {
	case float64:
		if math.IsNaN(f) || f >= math.MaxInt64 || f < math.MinInt64 {
			return nil, rangeErr("int() of a number beyond the 64-bit integer range")
		}
		if f != math.Trunc(f) {
			// expr-lang truncates: int(70.5) would be 70.
			return nil, rangeErr("int() would drop a fraction; say how with floor(), ceil() or round()")
		}
		return int(f), nil
	case float32:
		return checkedInt(float64(f))
	}
	if n, ok, err := integer(v); ok {
		return int(n), err
	}
	return runtimeCall(func() any { return runtime.ToInt(v) })
}

// checkedFloat is expr-lang's float() without rounding: an integer a
// double cannot hold fails, and text must be a decimal number (expr-lang
// also reads "1_0" as 10).
func checkedFloat(v any) (any, error) {
	if n, ok, err := integer(v); ok {
		if err != nil {
			return nil, err
		}
		if !exactAsFloat(n) {
			return nil, rangeErr("float() of an integer beyond ±2^53 would round it")
		}
		return float64(n), nil
	}
	if s, ok := v.(string); ok && !decimalFloatText(s) {
		return nil, fmt.Errorf("float() of text that is no decimal number")
	}
	return runtimeCall(func() any { return builtin.Float(v) })
}

// exactAsFloat reports whether a float64 holds n exactly (|n| <= 2^53).
func exactAsFloat(n int64) bool { return n >= -1<<53 && n <= 1<<53 }

func runtimeCall(fn func() any) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("%v", p)
		}
	}()
	return fn(), nil
}

// position turns an index into a position in a sequence of n elements:
// negative indexes count from the end, as in expr-lang; end allows n
// itself (the end of a slice).
func position(i any, n int, end bool) (int, error) {
	k, ok, err := integer(i)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, fmt.Errorf("an index must be an integer, not %s", kindName(i))
	}
	if k < 0 {
		k += int64(n)
	}
	limit := int64(n)
	if !end {
		limit--
	}
	if k < 0 || k > limit {
		return 0, rangeErr("index out of range for a length of %d", n)
	}
	return int(k), nil
}

// checkedIndex is x[i]: a character of text (as text), an element of a
// list, or what expr-lang fetches from a map or record; NULL gives NULL.
func checkedIndex(x, i any) (any, error) {
	if x == nil {
		return nil, nil
	}
	if s, ok := x.(string); ok {
		r := []rune(s)
		k, err := position(i, len(r), false)
		if err != nil {
			return nil, err
		}
		return string(r[k]), nil
	}
	v := reflect.ValueOf(x)
	if v.Kind() == reflect.Slice {
		k, err := position(i, v.Len(), false)
		if err != nil {
			return nil, err
		}
		return v.Index(k).Interface(), nil
	}
	return runtimeCall(func() any { return runtime.Fetch(x, i) })
}

// checkedSlice is x[from:to] of text (by character) or a list: both ends
// inside, from not after to; a missing end is the start or the end.
func checkedSlice(x, from, to any) (any, error) {
	if x == nil {
		return nil, nil
	}
	var n int
	s, isText := x.(string)
	var r []rune
	v := reflect.ValueOf(x)
	switch {
	case isText:
		r = []rune(s)
		n = len(r)
	case v.Kind() == reflect.Slice:
		n = v.Len()
	default:
		return nil, fmt.Errorf("cannot slice a %s", kindName(x))
	}
	lo, hi := 0, n
	var err error
	if from != nil {
		if lo, err = position(from, n, true); err != nil {
			return nil, err
		}
	}
	if to != nil {
		if hi, err = position(to, n, true); err != nil {
			return nil, err
		}
	}
	if lo > hi {
		return nil, rangeErr("slice from %d to %d", lo, hi)
	}
	if isText {
		return string(r[lo:hi]), nil
	}
	return v.Slice(lo, hi).Interface(), nil
}

// checkedString is expr-lang's string() without four silent changes: NULL
// stays NULL (expr-lang gives the text "<nil>", which a text column
// would take as a value), a float is written in plain digits as
// databases print it (expr-lang gives 1.234567e+06 for 1234567), bytes
// are read as cast: text reads them (expr-lang gives the list of their
// numbers, "[85 109 101]", for "Ume"), and an instant as cast: text
// writes it (expr-lang gives Go's "2024-03-31 01:30:00 +0000 UTC").
func checkedString(v any) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return plainFloat(x), nil
	case float32:
		return plainFloat(float64(x)), nil
	case []byte:
		// Bytes that are not UTF-8 are text in an encoding only the
		// mapping can name; guessing one would change the text.
		if !utf8.Valid(x) {
			return nil, fmt.Errorf("string() of bytes that are not valid UTF-8: say how they are encoded, as latin1(…)")
		}
		return string(x), nil
	case time.Time:
		s, _ := connectors.FormatValue(x)
		return s, nil
	}
	return runtimeCall(func() any { return builtin.String(v) })
}
