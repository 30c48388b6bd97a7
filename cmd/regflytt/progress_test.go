package main

import (
	"bytes"
	"strconv"
	"strings"
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

	// A catalogue's estimate the table outgrows: no "120 of 100 (120%)".
	p.Table("stor", 100)
	clock = clock.Add(5 * time.Second)
	p.Add(120)
	p.TableDone()

	want := "progress: besok: 250 of 1000 rows (25%), 50 rows/s, ETA 15s\n" +
		"progress: besok: 1000 of 1000 rows (100%), 100 rows/s, ETA 0s\n" +
		"progress: besok: 1000 rows in 10s, 100 rows/s, done\n" +
		"progress: okand: 42 rows, 7 rows/s\n" +
		"progress: okand: 42 rows in 6s, 7 rows/s, done\n" +
		"progress: stor: 120 rows (past the expected 100), 24 rows/s\n" +
		"progress: stor: 120 rows in 5s, 24 rows/s, done\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// With several jobs, each job's table has lines of its own: two tables
// moving at once keep their counts apart, and every line is whole.
func TestJobsProgress(t *testing.T) {
	var b bytes.Buffer
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	jp := &jobsProgress{w: &lockedWriter{w: &b}, now: func() time.Time { return clock }, interval: 5 * time.Second}
	one, two := jp.Job(0), jp.Job(1)
	one.Table("patient", 100)
	two.Table("vardenhet", -1)
	clock = clock.Add(5 * time.Second)
	one.Add(50)
	two.Add(7)
	clock = clock.Add(5 * time.Second)
	one.Add(50)
	one.TableDone()
	two.TableDone()
	want := "progress: patient: 50 of 100 rows (50%), 10 rows/s, ETA 5s\n" +
		"progress: vardenhet: 7 rows, 1 rows/s\n" +
		"progress: patient: 100 of 100 rows (100%), 10 rows/s, ETA 0s\n" +
		"progress: patient: 100 rows in 10s, 10 rows/s, done\n" +
		"progress: vardenhet: 7 rows in 10s, 1 rows/s, done\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}

	// From goroutines at once (go test -race): whole lines only.
	b.Reset()
	jp = &jobsProgress{w: &lockedWriter{w: &b}, now: time.Now, interval: 0}
	done := make(chan struct{})
	for n := 0; n < 3; n++ {
		go func() {
			defer func() { done <- struct{}{} }()
			p := jp.Job(n)
			p.Table("t"+strconv.Itoa(n), 200)
			for i := 0; i < 200; i++ {
				p.Add(1)
			}
			p.TableDone()
		}()
	}
	for n := 0; n < 3; n++ {
		<-done
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		if !strings.HasPrefix(line, "progress: t") || strings.Count(line, "progress:") != 1 {
			t.Fatalf("a torn line: %q", line)
		}
	}
}

// A bar whose total is an estimate the table outgrows keeps counting: it
// stood at the estimate while the rows went on (988,600 of 988,600 for a
// table of 1,000,000).
func TestBarProgressPastItsTotal(t *testing.T) {
	var b bytes.Buffer
	p := &barProgress{w: &b}
	p.Table("besok", 100)
	p.Add(60)
	p.Add(60)
	p.Add(30)
	p.TableDone()
	out := b.String()
	if !strings.Contains(out, "past the expected 100") || !strings.Contains(out, "150") {
		t.Errorf("the bar does not count past its total of 100 to 150:\n%q", out)
	}
}
