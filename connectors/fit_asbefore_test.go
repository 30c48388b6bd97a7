package connectors

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fitTypes are the receiving types Fit is held to its reference on: every
// notation ParseType reads at its edges, and Types built without it.
func fitTypes(t testing.TB) []Type {
	var types []Type
	for _, s := range []string{
		"tinyint", "smallint", "mediumint", "integer", "bigint",
		"tinyint unsigned", "smallint unsigned", "mediumint unsigned", "integer unsigned", "bigint unsigned",
		"real", "double", "decimal(1,0)", "decimal(1,1)", "decimal(5,2)", "decimal(12,2)", "decimal(38,10)", "decimal(38,0)",
		"boolean", "text", "varchar(1)", "varchar(2)", "varchar(7)", "varchar(8)", "varchar(9)", "varchar(10)", "varchar(16)", "varchar(64)",
		"bytes", "varbinary(1)", "varbinary(16)", "date", "uuid", "json",
		"datetime", "timestamptz", "time",
	} {
		ty, err := ParseType(s)
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ty)
	}
	for f := 0; f <= 7; f++ {
		for _, k := range []Kind{KindDateTime, KindTimestamp, KindTime} {
			types = append(types, Type{Kind: k, Precision: f})
		}
	}
	return append(types,
		Type{Kind: KindInt}, Type{Kind: KindInt, Unsigned: true},
		Type{Kind: KindDecimal}, Type{Kind: KindDateTime, Precision: 9}, Type{Kind: KindDateTime, Precision: 12},
		Type{Kind: KindTime, Precision: -1}, Type{Kind: KindTimestamp, Precision: 8}, Type{})
}

// fitTexts are texts at the edges of the one-pass scan: each length
// around its eight-byte blocks with a NUL, a byte above 0x7F, a
// multi-byte character and each kind of invalid UTF-8 at each position,
// and a NUL before and after invalid UTF-8 (whose reason comes first).
func fitTexts() []string {
	texts := []string{
		"", "a", "\x00", "a\x00b", "åäö", "Åsa Öberg 12345", "Patienten besökte mottagningen; inga komplikationer noterades.",
		"\xff", "\xc3", "\xc3\x28", "\xed\xa0\x80", "\xc0\x80", "\xf4\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbd",
		"a\x00\xff", "\xffa\x00", "12345678\x00\xff", "\xff1234567\x00", "\x80\x80\x80\x80\x80\x80\x80\x80",
		"\x01\x01\x01\x01\x01\x01\x01\x01", "\xc3\xe9", "\xc3\xc3", "a\xc3\xff", "\xdf\xbf", "\xc2\x80", "\xc2\x7f", "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", "𝄞𝄞𝄞", strings.Repeat("é", 33), strings.Repeat("x", 100),
	}
	insert := []string{"\x00", "\x80", "\xff", "é", "€", "𝄞", "\xc3", "\xe2\x82", "\xed\xbf\xbf", "\x01", "\x7f", "\xc3\xc3", "\xdf\xc0", "\x80\x00"}
	for n := 0; n <= 18; n++ {
		base := strings.Repeat("k", n)
		texts = append(texts, base)
		for pos := 0; pos <= n; pos++ {
			for _, x := range insert {
				texts = append(texts, base[:pos]+x+base[pos:])
			}
		}
	}
	return texts
}

// fitValues are values of every canonical kind at the edges of some
// type's rule, and a few that are no canonical value.
func fitValues() []Value {
	vals := []Value{
		nil,
		int64(0), int64(-1), int64(1), int64(127), int64(128), int64(-128), int64(-129), int64(255), int64(256),
		int64(32767), int64(32768), int64(-32768), int64(-32769), int64(65535), int64(65536),
		int64(1<<23 - 1), int64(1 << 23), int64(-1 << 23), int64(-1<<23 - 1), int64(1<<24 - 1), int64(1 << 24),
		int64(math.MaxInt32), int64(math.MaxInt32 + 1), int64(math.MinInt32), int64(math.MinInt32 - 1),
		int64(math.MaxUint32), int64(math.MaxUint32 + 1), int64(math.MaxInt64), int64(math.MinInt64),
		uint64(math.MaxInt64 + 1), uint64(math.MaxUint64),
		0.0, math.Copysign(0, -1), 0.1, 1.5, -2.5, 1e308, 5e-324, 2.2250738585072014e-308, math.MaxFloat32, 3.4028235677973366e+38,
		math.NaN(), math.Inf(1), math.Inf(-1), float64(float32(0.1)),
		true, false,
		[]byte(nil), []byte{}, []byte{0}, make([]byte, 16), make([]byte, 17),
		Date{1, 1, 1}, Date{0, 1, 1}, Date{9999, 12, 31}, Date{10000, 1, 1}, Date{2024, 2, 29}, Date{2023, 2, 29}, Date{2019, 5, 0}, Date{2019, 13, 1},
		InvalidDate{"0000-00-00"}, InvalidDate{"2019-05-00"}, InvalidDate{"1980-00-00 00:00:00"}, InvalidDate{"infinity"}, InvalidDate{""},
		UUID{1, 2, 3}, JSON(`{}`), JSON(`[1,"å"]`), JSON(`1`), JSON(`"a\u0000"`), JSON("\"a\x00\""), JSON("\"\xff\""), JSON(`{`), JSON(``),
		Duration(0), Duration(24 * time.Hour), Duration(24*time.Hour + 1), Duration(-1), Duration(time.Second + time.Millisecond), Duration(1),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC), time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)),
		int(1), int32(1), float32(1), struct{}{},
	}
	for _, d := range []string{"0", "-0", "0.00", "-0.00", "1", "999.99", "-999.99", "1000", "1234.5", "1.234", "000123.4", "-000.10",
		"99999", "100000", "0.1", "0.123456789", "9999999999.99", "10000000000.00", "12345678901234567890123456789012345678",
		"1.2.3", "", "-", ".5", "5.", "1e5", "+1", " 1", "1 ", "--1", "0x1", "१"} {
		vals = append(vals, Decimal(d))
	}
	for _, ns := range []int{0, 1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 999999999, 123456000, 1e9} {
		vals = append(vals, LocalDateTime{Date{2024, 1, 2}, 23, 59, 59, ns}, Duration(time.Second+time.Duration(ns)),
			time.Date(2024, 1, 2, 3, 4, 5, ns, time.UTC))
	}
	vals = append(vals, LocalDateTime{Date{2024, 1, 2}, 24, 0, 0, 0}, LocalDateTime{Date{0, 1, 1}, 0, 0, 0, 0}, LocalDateTime{Date{2024, 1, 2}, 0, 60, 0, 0})
	for _, s := range fitTexts() {
		vals = append(vals, s, JSON(s), []byte(s))
	}
	return vals
}

// TestFitAsBefore holds Fit to the Fit it replaced (fit_before_test.go):
// for every type and value, the same answer, rule and detail alike.
// Reading text in one pass, the type in place and a bytes column's kind
// without its length must change no outcome.
func TestFitAsBefore(t *testing.T) {
	n := 0
	for _, ty := range fitTypes(t) {
		for _, v := range fitValues() {
			n++
			got, want := ty.Fit(v), fitBefore(ty, v)
			col := &Column{Type: ty, Nullable: true}
			if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
				t.Fatalf("%v.Fit(%#v) = %v, before %v", ty, v, got, want)
			}
			if got, want := col.Fit(v), fitBefore(ty, v); (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
				t.Fatalf("Column %v Fit(%#v) = %v, before %v", ty, v, got, want)
			}
			var fe *FitError
			if got != nil && !errors.As(got, &fe) {
				t.Fatalf("%v.Fit(%#v) = %T, want a *FitError", ty, v, got)
			}
		}
	}
	t.Logf("%d type and value pairs", n)
}

// scanText says what the three passes it replaces would, for any text.
func FuzzScanText(f *testing.F) {
	for _, s := range fitTexts() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		valid, nul, runes := scanText(s)
		if valid != utf8.ValidString(s) {
			t.Fatalf("scanText(%q) valid %v", s, valid)
		}
		if valid && (nul != (strings.IndexByte(s, 0) >= 0) || runes != utf8.RuneCountInString(s)) {
			t.Fatalf("scanText(%q) = nul %v, %d runes", s, nul, runes)
		}
		for _, ty := range []Type{{Kind: KindText}, {Kind: KindText, Length: max(1, runes-1)}, {Kind: KindText, Length: runes + 1}, {Kind: KindJSON}} {
			v := Value(s)
			if ty.Kind == KindJSON {
				v = JSON(s)
			}
			if got, want := ty.Fit(v), fitBefore(ty, v); (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
				t.Fatalf("%v.Fit(%q) = %v, before %v", ty, s, got, want)
			}
		}
	})
}

// BenchmarkFit fits the values of one row of the 12-column table
// to their columns, with Fit and with the Fit it replaced.
//
//	go test ./connectors/ -run '^$' -bench BenchmarkFit -benchmem -count 5
func BenchmarkFit(b *testing.B) {
	var cols []Column
	for _, s := range strings.Fields("bigint integer varchar(64) text decimal(12,2) double date datetime(6) datetime(6) boolean varchar(10) bytes") {
		ty, err := ParseType(s)
		if err != nil {
			b.Fatal(err)
		}
		cols = append(cols, Column{Type: ty, Nullable: true})
	}
	row := []Value{int64(123456), int64(104567), "Åsa Öberg 123456", "Patienten besökte mottagningen; inga komplikationer noterades.",
		Decimal("23456.56"), 17636.571428571428, Date{1980, 5, 17}, LocalDateTime{Date{2020, 1, 24}, 6, 12, 52, 123456000},
		LocalDateTime{Date{2020, 2, 5}, 10, 35, 36, 0}, true, "K23456", make([]byte, 16)}
	b.Run("now", func(b *testing.B) {
		for b.Loop() {
			for i := range cols {
				if err := cols[i].Fit(row[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("before", func(b *testing.B) {
		for b.Loop() {
			for i := range cols {
				if err := fitBefore(cols[i].Type, row[i]); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
