package main

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/regflytt/regflytt/plans"
)

// barProgress draws one progress bar per table on stderr.
type barProgress struct {
	w   io.Writer
	bar *progressbar.ProgressBar
}

// newProgress gives bars when stderr is a terminal and the user did not
// ask for quiet or JSON; otherwise nothing, so logs and CI output stay clean.
func newProgress(g *globals) plans.Progress {
	f, ok := g.stderr.(*os.File)
	if g.quiet || g.json || !ok || !term.IsTerminal(int(f.Fd())) {
		return plans.NoProgress{}
	}
	return &barProgress{w: g.stderr}
}

func (p *barProgress) Table(name string, total int64) {
	p.bar = progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(name),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)
}

func (p *barProgress) Add(n int) {
	if p.bar != nil {
		p.bar.Add(n)
	}
}

func (p *barProgress) TableDone() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}
