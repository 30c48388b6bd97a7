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
  1    an error stopped the command (the message says where and why)
  2    the command line is wrong (an unknown command, subcommand or flag
       too), or a plan, mapping or schema file is invalid
  3    the run finished but verification FAILED: not every record is accounted for;
       for map test: a test of the mappings failed
  130  interrupted (Ctrl-C or SIGTERM)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns its exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newRootCmd(stdout, stderr)
	finishTree(cmd)
	if err := unknownBeforeHelp(cmd, args); err != nil {
		return exitCode(ctx, err, stderr)
	}
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	return exitCode(ctx, err, stderr)
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
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		// An interrupted run says how far it got and how to resume.
		var se *plans.StoppedError
		if errors.As(err, &se) {
			fmt.Fprintln(stderr, "regflytt: interrupted:", err)
		} else {
			fmt.Fprintln(stderr, "regflytt: interrupted")
		}
		return exitInterrupted
	case errors.Is(err, plans.ErrNotAccounted), errors.Is(err, errTestsFailed):
		fmt.Fprintln(stderr, "regflytt:", err)
		return exitNotAccounted
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
