package lexical

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// Sinks keep the compiler from optimising the calls away.
var (
	sinkErr     error
	sinkString  string
	sinkBool    bool
	sinkDecimal connectors.Decimal
)

func BenchmarkParseDate(b *testing.B) {
	cases := []struct {
		name    string
		in      string
		layouts []string
	}{
		{"default-iso", "2024-05-01", nil},
		{"default-basic", "20240501", nil}, // second default layout
		{"swedish-dots", "1.5.2024", []string{"YYYY-MM-DD", "D.M.YYYY"}},
		{"zero-date", "0000-00-00", nil}, // error path: one *Error
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, sinkErr = ParseDate(c.in, c.layouts)
			}
		})
	}
}

func BenchmarkParseDateTime(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, sinkErr = ParseDateTime("2024-05-01 13:45:59.123456", nil)
	}
}

func BenchmarkParseDecimal(b *testing.B) {
	for _, c := range []struct{ name, in string }{
		{"canonical", "-1234.50"},
		{"comma", "-1234,50"},
		{"grouped", " 1 234 567,89 "},
		{"bad", "1,234.5"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkDecimal, sinkErr = ParseDecimal(c.in)
			}
		})
	}
}

func BenchmarkParseInt(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, sinkErr = ParseInt(" +1234567 ")
	}
}

func BenchmarkRepairMojibake(b *testing.B) {
	for _, c := range []struct{ name, in string }{
		{"garbled", garble("Västra Götalandsregionen, Region Skåne", DecodeWindows1252)},
		{"correct-swedish", "Västra Götalandsregionen, Region Skåne"},
		{"ascii", "Vastra Gotalandsregionen, Region Skane"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkString, sinkBool = RepairMojibake(c.in)
			}
		})
	}
}

func BenchmarkDecodeWindows1252(b *testing.B) {
	in := []byte("V\xe4stra G\xf6talandsregionen \x80 12,50")
	b.ReportAllocs()
	for b.Loop() {
		sinkString = DecodeWindows1252(in)
	}
}
