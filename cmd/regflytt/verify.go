package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

func newVerifyCmd(g *globals) *cobra.Command {
	var f runFlags
	var archiveDir string
	cmd := &cobra.Command{
		Use:   "verify PLAN",
		Short: "Prove a finished migration from the source, the target and the archive, trusting no run",
		Long: `verify opens its own read-only snapshots of the source and the target, re-reads
every source record through the plan's mappings, and proves per source table that
source records = migrated + archived + excluded; that every receiving table holds
exactly the rows the mappings give (checksums per bucket of the receiving key,
computed in the database where it can), naming the records and columns that
differ; that every receiving column's values balance: source values of the
migrated records = non-NULL in the target - made without a source value +
archived alone + NULL by a declared rule (a value NULLed by no rule fails, named
by table and column); that the archive package is whole and holds the records the
mappings archive; and it raises the findings that need a person (archived share above the
plan's limit, opt-out entries that match nobody, identity numbers whose century
was resolved), which the plan acknowledges under verification.acknowledge.
Where the mappings name a reporting unit (unit:), it proves the equation per
unit from its own source count; where the plan has an access: section, that no
account can read or write more units after the migration than before.

It writes verify-report.json and verify-report.html (one self-contained file
for the auditor) into the work directory, beside the run's report.json, which it
never reads; the run's archive package is read from the plan's archive.dir under it.

A source or target that stops answering (a frozen server, a firewall that
drops the connection's packets) is warned of as run warns of it ("verify:
still waiting for the target: checksum of table besok, nothing read for
1m0s"); with --stall-timeout D (or the plan's run: {stall_timeout: D}) a
read without progress for D is cancelled and verify stops (a source declared
frozen is read on in a new snapshot): verify again.

Exit status: 0 PASS, 3 FAIL, 1 an error stopped it.`,
		Example: `  regflytt verify testdata/plans/demo.yaml \
    --source mysql://root@127.0.0.1:3306/legacy \
    --target postgres://postgres@127.0.0.1:5432/receiving --work run1`,
		Args: exactArgs(1, "one plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, ds := plans.Load(args[0])
			if err := ds.Err(); err != nil {
				return err
			}
			work := f.work
			if work != "" && archiveDir == "" {
				// A typo would be verified against a package that is not
				// there: FAIL, exit 3, as if the run had lost records.
				fi, err := os.Stat(work)
				if err == nil && !fi.IsDir() {
					err = fmt.Errorf("%s is not a directory", work)
				}
				if err != nil {
					return fmt.Errorf("work directory: %w: give the run's work directory, where its report.json and archive package are", err)
				}
			}
			if work == "" {
				var err error
				if work, err = latestRunDir(p.RegisterID.Value); err != nil {
					return err
				}
				fmt.Fprintf(g.info(), "work directory: %s\n", work)
			}
			stall, err := stallFlag(f.stallTimeout)
			if err != nil {
				return err
			}
			return runVerify(cmd, g, p, plans.VerifyOptions{ArchiveDir: archiveDir, UnitReports: f.unitReports}, plans.Options{
				SourceURL:    f.source,
				TargetURL:    f.target,
				WorkDir:      work,
				Logger:       g.logger(),
				ToolVersion:  toolVersion(),
				StallTimeout: stall,
			})
		},
	}
	cmd.Flags().StringVar(&f.source, "source", "", "source database URL, or env:NAME (default: the plan's source.url)")
	cmd.Flags().StringVar(&f.target, "target", "", "target database URL, or env:NAME (default: the plan's target.url)")
	addJSONFlag(cmd, g)
	cmd.Flags().StringVar(&archiveDir, "archive", "", "the archive package to read (default: the plan's archive.dir in the work directory); a sealed package is decrypted first with regflytt archive decrypt")
	cmd.Flags().StringVar(&f.unitReports, "unit-reports", "", "write one report per reporting care unit, with only that unit's figures, into this directory (unit-<id>.json and .md), from verify's own counts, removing the unit reports an earlier run left there as it starts; refused while a run holds the target (DIR is that run's), and none written when a run started meanwhile")
	cmd.Flags().StringVar(&f.stallTimeout, "stall-timeout", "", "stop verifying when a read of the source or the target made no progress for this long (90s, 10m, 1h; 0 or none: never), exit 1: verify again (default: the plan's run.stall_timeout, else none: a stall is warned of every minute and waited out)")
	cmd.Flags().StringVar(&f.work, "work", "", "the run's work directory: its archive package is read, verify-report.json and verify-report.html written into it (default: the register's newest "+runsDir+"/<register>-<time>)")
	return cmd
}

// runVerify verifies and prints the summary; the error carries FAIL
// (plans.ErrNotAccounted, exit 3).
func runVerify(cmd *cobra.Command, g *globals, p *plans.Plan, vo plans.VerifyOptions, opts plans.Options) error {
	sum, err := plans.VerifyWith(cmd.Context(), p, opts, vo)
	if sum != nil {
		var werr error
		switch {
		case g.json:
			werr = writeJSON(g, sum)
		case !g.quiet:
			werr = sum.WriteText(g.stdout)
		}
		if werr != nil && err == nil {
			err = werr
		}
	}
	return err
}

// latestRunDir is the newest work directory run made for a register
// without --work: the names sort by time.
func latestRunDir(register string) (string, error) {
	base, err := newRunDir(register, time.Time{})
	if err != nil {
		return "", err
	}
	prefix := strings.TrimSuffix(base, time.Time{}.UTC().Format("20060102-150405"))
	dirs, _ := filepath.Glob(prefix + "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]*")
	if len(dirs) == 0 {
		return "", fmt.Errorf("no run of register %s under %s: give the run's work directory with --work", register, runsDir)
	}
	slices.Sort(dirs)
	return dirs[len(dirs)-1], nil
}

// demoVerify ends the demo with the proof: verify, independent of the
// run, with its reports beside the databases.
func demoVerify(cmd *cobra.Command, g *globals, p *plans.Plan, opts plans.Options) error {
	if !g.quiet {
		fmt.Fprintln(g.stdout)
	}
	if err := runVerify(cmd, g, p, plans.VerifyOptions{}, opts); err != nil {
		return err
	}
	if !g.quiet {
		fmt.Fprintf(g.stdout, "verification report: %s\n", filepath.Join(opts.WorkDir, verify.HTMLFile))
	}
	return nil
}
