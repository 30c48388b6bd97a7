package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/regflytt/regflytt/plans"
)

// barProgress draws one progress bar per table on stderr. A finished
// table's bar stays on screen with its count and rate, so the run leaves a
// per-table summary behind it.
type barProgress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
	// The table's name, its total and the rows counted: a total is the
	// catalogue's estimate where the database keeps one (MariaDB's
	// TABLE_ROWS, PostgreSQL's reltuples), which a table can outgrow.
	name        string
	total, done int64
}

// lineInterval is how often a progress line is written when stderr is not
// a terminal: often enough for CI and nohup logs to show the run moving,
// seldom enough not to flood them.
const lineInterval = 5 * time.Second

// newProgress gives bars when stderr is a terminal, a progress line every
// few seconds when it is a file or a pipe (CI, nohup), and nothing when
// the user asked for quiet or JSON, or stderr is not a file at all (tests).
func newProgress(g *globals) plans.Progress {
	f, ok := g.stderr.(*os.File)
	switch {
	case g.quiet || g.json || !ok:
		return plans.NoProgress{}
	case term.IsTerminal(int(f.Fd())):
		return &barProgress{w: g.stderr}
	}
	return newLineProgress(g.stderr, time.Now, lineInterval)
}

// newRunProgress is newProgress for a run; with several jobs (multi),
// tables move side by side, and one bar per table would overwrite each
// other's line: then each job writes progress lines, a terminal too.
func newRunProgress(g *globals, multi bool) plans.Progress {
	p := newProgress(g)
	if _, none := p.(plans.NoProgress); none || !multi {
		return p
	}
	return &jobsProgress{w: &lockedWriter{w: g.stderr}, now: time.Now, interval: lineInterval}
}

// jobsProgress gives each job of a run (plans.JobProgress) progress lines
// of its own on one writer; a line names its table, so the lines of
// several tables read apart.
type jobsProgress struct {
	w        io.Writer
	now      func() time.Time
	interval time.Duration
	// lineProgress is what calls not made by a job draw on.
	lineProgress
	once sync.Once
}

func (p *jobsProgress) init() {
	p.once.Do(func() { p.lineProgress = *newLineProgress(p.w, p.now, p.interval) })
}

func (p *jobsProgress) Table(name string, total int64) { p.init(); p.lineProgress.Table(name, total) }
func (p *jobsProgress) Add(n int)                      { p.init(); p.lineProgress.Add(n) }
func (p *jobsProgress) TableDone()                     { p.init(); p.lineProgress.TableDone() }

func (p *jobsProgress) Job(int) plans.Progress { return newLineProgress(p.w, p.now, p.interval) }

// lockedWriter writes one line at a time for several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (p *barProgress) Table(name string, total int64) {
	p.name, p.total, p.done = name, total, 0
	p.bar = p.newBar(name, total)
}

func (p *barProgress) newBar(description string, total int64) *progressbar.ProgressBar {
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
	)
}

func (p *barProgress) Add(n int) {
	if p.bar == nil {
		return
	}
	p.done += int64(n)
	if p.total >= 0 && p.done > p.total {
		// Past its total, a bar stops counting (it stood at the estimate
		// while the rows went on): the rest is counted without a total,
		// and the bar says it went past it.
		p.bar = p.newBar(fmt.Sprintf("%s (past the expected %d)", p.name, p.total), -1)
		p.total = -1
		p.bar.Add64(p.done)
		return
	}
	p.bar.Add(n)
}

func (p *barProgress) TableDone() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// lineProgress writes "progress: TABLE: N of M rows (P%), R rows/s, ETA D"
// lines, at most one per interval, and a last line for a table that took
// long enough to get one, so a log shows where a run is and that each long
// table ended.
type lineProgress struct {
	w        io.Writer
	now      func() time.Time
	interval time.Duration

	table        string
	total, done  int64
	start, last  time.Time
	printedTable bool
}

func newLineProgress(w io.Writer, now func() time.Time, interval time.Duration) *lineProgress {
	return &lineProgress{w: w, now: now, interval: interval}
}

func (p *lineProgress) Table(name string, total int64) {
	t := p.now()
	p.table, p.total, p.done, p.start, p.last, p.printedTable = name, total, 0, t, t, false
}

func (p *lineProgress) Add(n int) {
	p.done += int64(n)
	if t := p.now(); t.Sub(p.last) >= p.interval {
		p.last = t
		p.printedTable = true
		p.line(t, false)
	}
}

func (p *lineProgress) TableDone() {
	if p.printedTable {
		p.line(p.now(), true)
	}
	p.table = ""
}

func (p *lineProgress) line(t time.Time, finished bool) {
	elapsed := t.Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed
	}
	switch {
	case finished:
		fmt.Fprintf(p.w, "progress: %s: %d rows in %s, %.0f rows/s, done\n", p.table, p.done, round(t.Sub(p.start)), rate)
	case p.total > 0 && p.done > p.total:
		// A total is the catalogue's estimate where the database keeps
		// one: a table can hold more rows than it said.
		fmt.Fprintf(p.w, "progress: %s: %d rows (past the expected %d), %.0f rows/s\n", p.table, p.done, p.total, rate)
	case p.total > 0:
		eta := "unknown"
		if rate > 0 && p.done <= p.total {
			eta = round(time.Duration(float64(p.total-p.done) / rate * float64(time.Second)))
		}
		fmt.Fprintf(p.w, "progress: %s: %d of %d rows (%.0f%%), %.0f rows/s, ETA %s\n", p.table, p.done, p.total, 100*float64(p.done)/float64(p.total), rate, eta)
	default:
		fmt.Fprintf(p.w, "progress: %s: %d rows, %.0f rows/s\n", p.table, p.done, rate)
	}
}

func round(d time.Duration) string { return d.Round(time.Second).String() }
