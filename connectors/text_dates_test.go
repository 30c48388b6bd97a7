package connectors

import (
	"math/rand"
	"testing"
	"time"
)

// AppendText prints dates and wall clocks as their String methods do,
// on every edge of their fields and on random values (the String methods
// are the reference: fmt, obviously right, and slow).
func TestAppendTextDatesAsString(t *testing.T) {
	dates := []Date{{1, 1, 1}, {9999, 12, 31}, {2024, 2, 29}, {0, 0, 0}, {10000, 1, 1}, {-1, 1, 1}, {2024, 13, 40}, {2024, 100, 1}}
	clocks := []LocalDateTime{
		{Date{2024, 5, 1}, 0, 0, 0, 0}, {Date{2024, 5, 1}, 23, 59, 59, 999999999}, {Date{2024, 5, 1}, 12, 3, 4, 100000000},
		{Date{2024, 5, 1}, 12, 3, 4, 1}, {Date{2024, 5, 1}, 12, 3, 4, 120000}, {Date{2024, 5, 1}, 24, 0, 0, 0},
		{Date{2024, 5, 1}, 100, 0, 0, 0}, {Date{2024, 5, 1}, -1, 0, 0, 0}, {Date{2024, 5, 1}, 1, 2, 3, 1e9}, {Date{12345, 5, 1}, 1, 2, 3, 4},
	}
	rng := rand.New(rand.NewSource(1))
	for range 2000 {
		d := Date{rng.Intn(10001), time.Month(rng.Intn(13)), rng.Intn(32)}
		dates = append(dates, d)
		clocks = append(clocks, LocalDateTime{d, rng.Intn(24), rng.Intn(60), rng.Intn(60), rng.Intn(1e9) / (1 + rng.Intn(1000)) * (1 + rng.Intn(3))})
	}
	for _, d := range dates {
		if b, err := AppendText([]byte("x"), d); err != nil || string(b) != "x"+d.String() {
			t.Fatalf("AppendText(%#v) = %q, %v; want x%s", d, b, err, d.String())
		}
	}
	for _, c := range clocks {
		if b, err := AppendText(nil, c); err != nil || string(b) != c.String() {
			t.Fatalf("AppendText(%#v) = %q, %v; want %s", c, b, err, c.String())
		}
	}
	at := time.Date(2024, 3, 31, 2, 30, 0, 5000, time.FixedZone("x", 3600))
	if b, _ := AppendText(nil, at); string(b) != LocalDateTimeOf(at.UTC()).String() {
		t.Errorf("AppendText(time) = %q, want %s", b, LocalDateTimeOf(at.UTC()).String())
	}
}

func BenchmarkAppendTextLocalDateTime(b *testing.B) {
	v := LocalDateTime{Date{2024, 5, 1}, 12, 3, 4, 123456000}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = AppendText(buf[:0], v)
	}
}
