package main

import (
	"bytes"
	"testing"
	"time"
)

// Off a terminal, progress is a line per interval with the table, rows,
// rate and time left, and a last line for a table that got one; a table
// done within the interval writes nothing.
func TestLineProgress(t *testing.T) {
	var b bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newLineProgress(&b, func() time.Time { return clock }, 5*time.Second)

	p.Table("snabb", 10)
	p.Add(10)
	p.TableDone()

	p.Table("besok", 1000)
	clock = clock.Add(4 * time.Second)
	p.Add(100) // within the interval: no line
	clock = clock.Add(1 * time.Second)
	p.Add(150) // 250 rows in 5 s: 50 rows/s, 750 left: 15 s
	clock = clock.Add(3 * time.Second)
	p.Add(150)
	clock = clock.Add(2 * time.Second)
	p.Add(600)
	p.TableDone()

	p.Table("okand", -1)
	clock = clock.Add(6 * time.Second)
	p.Add(42)
	p.TableDone()

	want := "progress: besok: 250 of 1000 rows (25%), 50 rows/s, ETA 15s\n" +
		"progress: besok: 1000 of 1000 rows (100%), 100 rows/s, ETA 0s\n" +
		"progress: besok: 1000 rows in 10s, 100 rows/s, done\n" +
		"progress: okand: 42 rows, 7 rows/s\n" +
		"progress: okand: 42 rows in 6s, 7 rows/s, done\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
