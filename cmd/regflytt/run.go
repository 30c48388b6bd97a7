package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

type runFlags struct {
	source, target, work string
}

func newRunCmd(g *globals) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run PLAN",
		Short: "Execute a migration plan: migrate, archive, verify",
		Long: `run reads the source in one read-only snapshot, migrates every record the
plan's mappings can transform into the receiving tables, archives the rest with
their reasons, and verifies that source rows = migrated + archived + excluded.
It prints a summary and writes report.json and the archive package into the
work directory.

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
			rep, err := plans.Run(cmd.Context(), p, plans.Options{
				SourceURL:   f.source,
				TargetURL:   f.target,
				WorkDir:     f.work,
				Progress:    newProgress(g),
				Logger:      g.logger(),
				ToolVersion: toolVersion(),
			})
			return printReport(g, rep, err)
		},
	}
	cmd.Flags().StringVar(&f.source, "source", "", "source database URL, or env:NAME (default: the plan's source.url)")
	cmd.Flags().StringVar(&f.target, "target", "", "target database URL, or env:NAME (default: the plan's target.url)")
	cmd.Flags().StringVar(&f.work, "work", ".", "work directory for the archive package and report.json")
	return cmd
}

// printReport prints the summary of a run that got as far as verifying.
func printReport(g *globals, rep *verify.Report, err error) error {
	if rep != nil && !g.quiet {
		if werr := rep.WriteText(g.stdout); werr != nil {
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
