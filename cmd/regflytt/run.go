package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

type runFlags struct {
	source, target, work string
	unitReports          string
	restart              bool
	jobs                 int
	stallTimeout         string
}

// stallFlag is --stall-timeout as plans.Options.StallTimeout: 0 when not
// given (the plan's run.stall_timeout), -1 for 0 or none (no limit,
// whatever the plan says).
func stallFlag(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	stall, err := plans.ParseStallTimeout(v)
	if err != nil {
		return 0, usageError{fmt.Errorf("--stall-timeout: %w", err)}
	}
	if stall == 0 {
		return -1, nil
	}
	return stall, nil
}

// runsDir holds the work directories of runs not given --work; .gitignore
// names it, so a run inside a checkout leaves nothing to commit.
const runsDir = "regflytt-runs"

func newRunCmd(g *globals) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run PLAN",
		Short: "Execute a migration plan: migrate, archive, verify",
		Long: `run reads the source in one read-only snapshot, migrates every record the
plan's mappings can transform into the receiving tables, archives the rest with
their reasons, and verifies that source rows = migrated + archived + excluded.
It prints a summary and writes report.json and the archive package into the
work directory: --work, or a new regflytt-runs/<register>-<time>/ under the
current directory for each run, printed before the run starts.

Before it writes anything, run checks all it can (the mappings against the
source, keys, the receiving tables, the work and archive directories); a
refused run leaves the target as it was.

Each batch commits as one unit: its receiving rows, its archive part and a
checkpoint in the target's regflytt_checkpoint table. A run that stopped for
any reason (Ctrl-C, a lost connection, a killed process) resumes where it
stopped when run again with the same plan, in the work directory it used;
--restart empties the receiving tables earlier runs of this plan wrote and
starts over. Resuming after the plan, a mapping, a code list, an exclusion
list or the pseudonymisation key changed is refused, naming what changed.
One run at a time writes a target: a second is refused, naming the first.
Ctrl-C stops after the current batch commits; a second Ctrl-C stops at once.

--jobs N moves up to N receiving tables at the same time (default: the plan's
run: {jobs: N}, else 1). Tables that depend on each other still move one after
another in one job: a child after its parent (parent:), the tables merged into
one receiving table, and the mappings that share a receiving or a source
table. Every table is read in the same source snapshot, and every batch still
commits as one unit; the archive package, the receiving tables and the report's
counts are the same as with one job. With more than one job, progress is
written as a line per table every few seconds.

A source or target that stays connected and stops answering (a frozen server,
a firewall or NAT that dropped the connection silently) is a stall: when a
read, or a batch's commit, makes no progress for a minute, run warns, naming
the side, the table and how long ("still waiting for the source: table besok,
no row for 2m0s"), and again every minute while it lasts. A stall is not an
error: a query may sort for minutes before its first row, and the run goes on
when the server answers. --stall-timeout D (or the plan's run:
{stall_timeout: D}) cancels an operation that made no progress for D (make
D longer than any query may take before its first row or its answer): its
connection counts as lost, and the batch is tried again on a new one; when
the retries are spent the run stops, saying what stalled and for how long,
with everything it committed kept; run the plan again to resume. The end
check after the move (the target read back and compared with what the run
wrote) is watched too ("the end check: still waiting for the target:
checksum of table besok, nothing read for 1m0s"); at the limit the run stops
with every record moved and committed, and running the plan again moves
nothing and does the end check again.

The source and target URLs come from --source/--target, or from the plan's
source.url/target.url (often env:NAME).`,
		Example: `  regflytt run testdata/plans/demo.yaml \
    --source mysql://root@127.0.0.1:3306/legacy \
    --target postgres://postgres@127.0.0.1:5432/receiving`,
		Args: exactArgs(1, "one plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, ds := plans.Load(args[0])
			if err := ds.Err(); err != nil {
				return err
			}
			work := f.work
			if f.jobs > 0 {
				tuneGCForJobs(f.jobs)
			} else {
				tuneGCForJobs(p.Jobs)
			}
			stall, err := stallFlag(f.stallTimeout)
			if err != nil {
				return err
			}
			rep, err := plans.Run(cmd.Context(), p, plans.Options{
				SourceURL: f.source,
				TargetURL: f.target,
				WorkDir:   f.work,
				// Without --work: the stopped run's directory when this
				// run resumes, a new one otherwise.
				NewWorkDir: func() (string, error) { return newRunDir(p.RegisterID.Value, time.Now()) },
				WorkDirChosen: func(dir string) {
					work = dir
					if !g.quiet {
						fmt.Fprintf(g.info(), "work directory: %s\n", dir)
					}
				},
				Restart:     f.restart,
				Jobs:        f.jobs,
				Stop:        interrupts.gracefully(),
				Moved:       interrupts.afterMove,
				Progress:    newRunProgress(g, f.jobs > 1 || (f.jobs == 0 && p.Jobs > 1)),
				Logger:      g.logger(),
				ToolVersion: toolVersion(),
				UnitReports: f.unitReports,
				// A stall is warned of in any case; this cancels it.
				StallTimeout: stall,
			})
			return printReport(g, rep, work, err)
		},
	}
	cmd.Flags().StringVar(&f.source, "source", "", "source database URL, or env:NAME (default: the plan's source.url)")
	cmd.Flags().StringVar(&f.target, "target", "", "target database URL, or env:NAME (default: the plan's target.url)")
	cmd.Flags().StringVar(&f.unitReports, "unit-reports", "", "write one report per reporting care unit, with only that unit's figures, into this directory (unit-<id>.json and .md), removing the unit reports an earlier run left there once it holds the target")
	cmd.Flags().StringVar(&f.work, "work", "", "work directory for the archive package and report.json (default: a new "+runsDir+"/<register>-<time>; on resume, the one the stopped run used)")
	cmd.Flags().IntVar(&f.jobs, "jobs", 0, "move up to this many independent receiving tables at the same time (default: the plan's run.jobs, else 1)")
	cmd.Flags().StringVar(&f.stallTimeout, "stall-timeout", "", "cancel a read or a batch's commit that made no progress for this long (90s, 10m, 1h; 0 or none: never), and retry it on a new connection; the run stops resumably when the retries are spent (default: the plan's run.stall_timeout, else none: a stall is warned of every minute and waited out)")
	cmd.Flags().BoolVar(&f.restart, "restart", false, "start over: empty the receiving tables earlier runs of this plan wrote (and nothing else), then run from the start")
	addJSONFlag(cmd, g)
	return cmd
}

// newRunDir names a work directory no run has used: the register and the
// time, with a counter when two runs start in the same second. It is not
// made here: the runner makes it after its checks, so a refused run
// leaves no directory behind.
func newRunDir(register string, now time.Time) (string, error) {
	name := strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			return r
		}
		return '_'
	}, register)
	if name == "" || strings.Trim(name, ".") == "" {
		name = "register"
	}
	base := filepath.Join(runsDir, name+"-"+now.UTC().Format("20060102-150405"))
	for i := 1; i < 1000; i++ {
		dir := base
		if i > 1 {
			dir = fmt.Sprintf("%s-%d", base, i)
		}
		if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
			return dir, nil
		} else if err != nil {
			return "", fmt.Errorf("work directory: %w", err)
		}
	}
	return "", fmt.Errorf("work directory: %s-1 … -999 all exist: give --work", base)
}

// runResult is what run --json prints.
type runResult struct {
	WorkDir    string         `json:"work_dir"`
	ReportFile string         `json:"report_file"`
	ArchiveDir string         `json:"archive_dir"`
	Pass       bool           `json:"pass"`
	Report     *verify.Report `json:"report"`
}

func newRunResult(rep *verify.Report, work string) runResult {
	// The verdict report.json has (verify.Report.WriteJSON).
	rep.Verdict = rep.VerdictLine()
	return runResult{WorkDir: work, ReportFile: filepath.Join(work, "report.json"), ArchiveDir: rep.Archive.Dir, Pass: rep.Pass, Report: rep}
}

// printReport prints the summary of a run that got as far as verifying,
// with where its report and archive are.
func printReport(g *globals, rep *verify.Report, work string, err error) error {
	if rep != nil {
		res := newRunResult(rep, work)
		var werr error
		switch {
		case g.json:
			werr = writeJSON(g, res)
		case !g.quiet:
			var b bytes.Buffer
			if werr = rep.WriteText(&b); werr == nil {
				// The archive's line above names its directory.
				fmt.Fprintf(&b, "report  %s\n", res.ReportFile)
				text := b.String()
				if useColour(g.stdout) {
					text = colourVerdicts(text)
				}
				_, werr = fmt.Fprint(g.stdout, text)
			}
		}
		if werr != nil {
			return errors.Join(err, werr)
		}
	}
	if err != nil {
		return err
	}
	if rep == nil {
		return fmt.Errorf("run gave no report")
	}
	return nil
}
