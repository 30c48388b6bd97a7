// Command regflytt moves a Swedish national quality registry from its
// legacy platform to a receiving platform and proves that nothing was
// lost on the way. See README.md; `regflytt --help` lists the commands.
//
// This package is thin: flags, output and exit codes. The work is in
// plans, mappings, verify, archive and connectors.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// Exit codes, documented in `regflytt --help` and the README.
const (
	exitOK           = 0
	exitError        = 1
	exitUsage        = 2
	exitNotAccounted = 3
	exitInterrupted  = 130
)

const exitHelp = `Exit status:
  0    success; for run and demo: every source record is accounted for (PASS)
  1    an error stopped the command (the message says where and why), or
       its result could not be written to standard output
  2    the command line is wrong (an unknown command, subcommand or flag
       too, or a flag given an empty value), or a plan, mapping or schema
       file is invalid
  3    the run finished but verification FAILED (the verdict says what: records
       not accounted for, access, or other checks); for map test: a test of
       the mappings failed
  130  interrupted (Ctrl-C or SIGTERM)
`

func main() {
	tuneGC()
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go interrupts.watch(sigs, cancel, os.Stderr)
	// The signals stay caught until the process exits: an interrupt that
	// arrives while a stopped run is returning must not kill it halfway
	// through its report.
	stopProfile := startProfile(os.Stderr)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stopProfile()
	cancel()
	os.Exit(code)
}

// interrupts turns signals into stops: a command that can stop at a
// boundary (run: at the next batch) is asked to on the first signal, and
// cancelled on the second; any other command is cancelled at once.
var interrupts = &stopper{soft: make(chan struct{})}

type stopper struct {
	mu       sync.Mutex
	graceful bool
	soft     chan struct{}
	softDone bool
	// moved says the run's move is done: no batch is left to stop after,
	// and a first interrupt lets the run finish (stopping after the
	// current batch, as it said before, ended in exit 0 and PASS).
	moved bool
}

// afterMove says the running command's move is done (plans.Options.Moved).
func (s *stopper) afterMove() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.moved = true
}

// gracefully says the running command stops at a boundary when soft is
// closed, and returns soft.
func (s *stopper) gracefully() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.graceful = true
	return s.soft
}

func (s *stopper) watch(sigs <-chan os.Signal, cancel context.CancelFunc, stderr io.Writer) {
	for range sigs {
		s.mu.Lock()
		if s.graceful && !s.softDone {
			s.softDone = true
			close(s.soft)
			moved := s.moved
			s.mu.Unlock()
			if moved {
				fmt.Fprintln(stderr, "regflytt: the move is done; finishing the archive package and the verification (interrupt again to stop now; the run can resume)")
			} else {
				fmt.Fprintln(stderr, "regflytt: stopping after the current batch commits (interrupt again to stop at once; either way the run can resume)")
			}
			continue
		}
		s.mu.Unlock()
		cancel()
	}
}

// run executes one command line and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	out := &resultWriter{w: stdout}
	cmd := newRootCmd(out, stderr)
	finishTree(cmd)
	if err := unknownBeforeHelp(cmd, args); err != nil {
		return exitCode(ctx, err, stderr)
	}
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if out.err != nil && !errors.Is(err, out.err) {
		err = errors.Join(err, fmt.Errorf("standard output: %w", out.err))
	}
	return exitCode(ctx, err, stderr)
}

// resultWriter is standard output, remembering the first write that
// failed: what a command prints there is its result (an inventory, a
// check's warnings, a document), and a command whose result was lost on
// a full disk must not exit 0 as if it had been written, whether or not
// the command looked at the error.
type resultWriter struct {
	w   io.Writer
	err error
}

func (r *resultWriter) Write(b []byte) (int, error) {
	n, err := r.w.Write(b)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// usageError marks errors in how the command was called.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ue usageError
	cancelled := errors.Is(err, context.Canceled) || errors.Is(err, plans.ErrInterrupted)
	switch {
	case (errors.Is(err, plans.ErrNotAccounted) || errors.Is(err, errTestsFailed)) && !cancelled:
		// A verdict reached before an interrupt could stop it is the
		// command's result, interrupted or not.
		fmt.Fprintln(stderr, "regflytt:", err)
		return exitNotAccounted
	case ctx.Err() != nil || cancelled:
		// An interrupted run says how far it got and how to resume.
		var se *plans.StoppedError
		switch {
		case errors.As(err, &se) && strings.HasPrefix(err.Error(), "interrupted"):
			fmt.Fprintln(stderr, "regflytt:", err) // plans.ErrInterrupted says it
		case errors.As(err, &se):
			fmt.Fprintln(stderr, "regflytt: interrupted:", err)
		case err == context.Canceled:
			fmt.Fprintln(stderr, "regflytt: interrupted")
		default:
			// What the command says of the state it stopped in (an
			// erasure: "the package is as it was"), or what stopped it
			// while it was being interrupted.
			fmt.Fprintln(stderr, "regflytt: interrupted:", err)
		}
		return exitInterrupted
	case errors.Is(err, mappings.ErrDiagnostics):
		fmt.Fprintln(stderr, err)
		return exitUsage
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "regflytt:", err)
		return exitUsage
	}
	fmt.Fprintln(stderr, "regflytt:", err)
	return exitError
}
