package pnr

import "testing"

// The mix a legacy column holds: mostly clean 10- and 12-digit values,
// some with whitespace, some co-ordination numbers, some broken.
var benchInputs = []string{
	"19121212-1212", "121212-1212", "191212121212", "1212121212",
	"701063-2391", " 811218-9876 ", "121212+1212", "19121212-1213",
}

func BenchmarkParse(b *testing.B) {
	for _, s := range benchInputs {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Parse(s, ref)
			}
		})
	}
}

func BenchmarkPseudonym(b *testing.B) {
	p := mustPseudonymiser(b, testKey)
	n := mustParse(b, "19121212-1212")
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = p.Pseudonym(n)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				_ = p.Pseudonym(n)
			}
		})
	})
}
