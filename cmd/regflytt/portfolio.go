package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/portfolio"
)

func newPortfolioCmd(g *globals) *cobra.Command {
	pc := &cobra.Command{
		Use:   "portfolio",
		Short: "Check and follow up the national portfolio of register platforms",
	}
	pc.AddCommand(newPortfolioCheckCmd(g))
	pc.AddCommand(newPortfolioStatusCmd(g))
	return pc
}

func newPortfolioStatusCmd(g *globals) *cobra.Command {
	var f portfolioFlags
	var reports, format, out string
	cmd := &cobra.Command{
		Use:   "status --plans DIR --reports DIR [--format text|html]",
		Short: "The national follow-up: each registry's state and each system's registries",
		Long: `status shows where each plan in --plans DIR stands, and each system's
registries before and after:

  draft           no approval of the plan as it stands
  approved        approved in its current version
  rehearsed       progress.rehearsal recorded
  migrated        progress.cut_over recorded and the report.json of a run that
                  finished (not one that stopped), of the plan as it stands
                  (its plan_hash; a report naming none is not a migration)
  verified        progress.verified recorded and the verification PASSes:
                  verify-report.json when regflytt verify ran after the run
                  finished, on the plan's hash and the run's source and
                  target, else report.json with no open alarm
  archived        progress.archive_handed_over recorded and the archive package
                  of the register passes its manifest, owned by the future CPUA,
                  written by the migration's run (not a rehearsal's)
  decommissioned  progress.legacy_decommissioned recorded

A plan is in the furthest state whose evidence holds and every earlier one's
too; what stops it is listed under it. --reports DIR holds one work directory
per register, named by its register id (DIR/<id>/report.json, the archive
package at the plan's archive.dir). --format html writes one self-contained,
printable page with an SVG chart of registries cut over per month, planned
and done.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.plans == "" {
				return usageError{errors.New("portfolio status needs --plans DIR")}
			}
			if format != "text" && format != "html" {
				return usageError{errors.New("--format must be text or html")}
			}
			if err := reportsGiven(reports); err != nil {
				return err
			}
			pf, ps, err := f.load(g)
			if err != nil {
				return err
			}
			st, err := portfolio.FollowUp(pf, ps, reports)
			if err != nil {
				return err
			}
			write := st.WriteText
			if format == "html" {
				write = st.WriteHTML
			}
			if out != "" {
				return writeFile(out, 0o644, regenerated, write)
			}
			return write(g.stdout)
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&reports, "reports", "", "a directory with one work directory per register id")
	cmd.Flags().StringVar(&format, "format", "text", "text or html")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

// reportsGiven checks a --reports directory: one that is not there (a
// typo, an unmounted share) read as holding no report, and the document
// showed no registry migrated or verified.
func reportsGiven(dir string) error {
	if dir == "" {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("--reports: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("--reports %s: not a directory", dir)
	}
	return nil
}

// portfolioFlags are how a portfolio command finds its portfolio and plans.
type portfolioFlags struct {
	portfolio, plans string
}

func (f *portfolioFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.portfolio, "portfolio", "", "the portfolio file (default: the one the plans name)")
	cmd.Flags().StringVar(&f.plans, "plans", "", "a directory of migration plans (*.yaml)")
}

// load reads the plans and the portfolio: --portfolio, else the one the
// plans name (relative to each plan), which must then be one file. The
// current directory is never searched for one.
func (f *portfolioFlags) load(g *globals) (*portfolio.Portfolio, []*plans.Plan, error) {
	var ps []*plans.Plan
	if f.plans != "" {
		var ds mappings.Diagnostics
		var err error
		ps, ds, err = portfolio.LoadPlans(f.plans)
		if err != nil {
			return nil, nil, err
		}
		if err := reportDiagnostics(g, ds); err != nil {
			return nil, nil, err
		}
	}
	path := f.portfolio
	if path == "" {
		for _, p := range ps {
			if p.Template.Portfolio.Value == "" {
				continue
			}
			named, err := filepath.Abs(p.Path(p.Template.Portfolio.Value))
			if err != nil {
				return nil, nil, err
			}
			if path != "" && path != named {
				return nil, nil, usageError{fmt.Errorf("the plans name two portfolios (%s and %s, at %s): choose one with --portfolio", path, named, p.Template.Portfolio.Pos)}
			}
			path = named
		}
	}
	if path == "" {
		return nil, nil, usageError{errors.New("no portfolio: give --portfolio FILE (the strategy's is testdata/portfolio.yaml in regflytt's repository), or --plans DIR whose plans name one")}
	}
	pf, err := portfolio.Load(path)
	if err != nil {
		return nil, nil, err
	}
	return pf, ps, nil
}

// portfolioFailed is a check that found a rule broken: exit status 3,
// like a verification that failed.
type portfolioFailed struct{ err error }

func (e portfolioFailed) Error() string        { return e.err.Error() }
func (e portfolioFailed) Unwrap() error        { return e.err }
func (e portfolioFailed) Is(target error) bool { return target == plans.ErrNotAccounted }

func newPortfolioCheckCmd(g *globals) *cobra.Command {
	var f portfolioFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "check [--plans DIR] [--portfolio FILE]",
		Short: "Check the portfolio and its plans against the strategy's rules",
		Long: `check applies the register-platform strategy's rules to the portfolio and the
plans in --plans DIR, each a named check with PASS, WARN or FAIL:

  systems-after-consolidation   more than one and at most six systems after steps A–D
  private-receiver              probably at least one private supplier among the
                                chosen receivers (WARN when none)
  only-chosen-receivers         every plan moves its registry to a chosen receiver
  every-registry-has-a-plan     no registry left on a system slated for migration
                                (steps A–D) without a plan
  rco-on-few-systems            an RCO's registries on as few systems as possible
                                (WARN listing the RCOs that need more than one)
  archive-owner-is-future-cpua  each plan's archive owner is its future CPUA, one
                                of the portfolio's authorities
  plans-match-portfolio         each plan is of a registry the portfolio lists, on
                                the system it lists it on, one plan a registry

A plan counts for the registry whose name its register.name is. The portfolio
is --portfolio FILE, else the one the plans name (portfolio:, relative to
each plan); the current directory is never searched for one.
Exit status 0 when no check FAILs (WARNs are advice), 3 when one does, 2 when
a plan cannot be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			pf, ps, err := f.load(g)
			if err != nil {
				return err
			}
			rep := portfolio.Check(pf, ps)
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else if !g.quiet {
				fmt.Fprintf(g.stdout, "portfolio %s, %d plan(s)\n", pf.File, len(ps))
				if err := rep.WriteText(g.stdout); err != nil {
					return err
				}
			}
			if err := rep.Err(); err != nil {
				return portfolioFailed{err}
			}
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks as JSON")
	return cmd
}
