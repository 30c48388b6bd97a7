package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/mappings"
)

func newPlanCmd(g *globals) *cobra.Command {
	plan := &cobra.Command{
		Use:   "plan",
		Short: "Work with migration plans",
	}
	var portfolioFile string
	check := &cobra.Command{
		Use:   "check PLAN",
		Short: "Validate a plan and the schema and mapping files it names",
		Long: `check reads a migration plan and every file it names, compiles the mappings
against the receiving schema (with the source columns as the mappings name
them: unknown receiving columns, unknown functions, casts and constants the
receiving types cannot take, columns and code lists given twice), and reports
each problem as file:line:col: severity code: message. It needs no database;
map check compares the mappings with the source itself.

It also checks the strategy's template: every field present, the milestones
in order, the archive owner the future CPUA, each approval made on the plan
as it stands; and the plan against the national portfolio it names
(portfolio: PATH, relative to the plan; --portfolio overrides): the future
CPUA an authority, the chosen system a chosen receiver, the current system,
step and RCOs those of the portfolio. A plan with no template field at all
(a technical starter, as init writes) gets one warning instead: it can run,
but plan render and plan approve refuse it.
Exit status 0 when there is no error (warnings are printed), 2 otherwise.`,
		Args: exactArgs(1, "one plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, _, ds := checkPlanForReview(args[0], portfolioFile, false)
			return reportCheck(g, args[0], "ok", ds)
		},
	}
	addJSONFlag(check, g)
	check.Flags().StringVar(&portfolioFile, "portfolio", "", "check against this portfolio file instead of the one the plan names")
	plan.AddCommand(check)
	addPlanTemplateCmds(g, plan)
	return plan
}

// checkResult is what plan check --json and map check --json print.
type checkResult struct {
	Plan        string           `json:"plan"`
	OK          bool             `json:"ok"`
	Errors      int              `json:"errors"`
	Warnings    int              `json:"warnings"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
}

// reportCheck prints a check's diagnostics once each: warnings on stderr
// and the errors as the returned error (printed by main, exit status 2),
// or, with --json, all of them in the JSON document.
func reportCheck(g *globals, plan, okText string, ds mappings.Diagnostics) error {
	res := checkResult{Plan: plan, Diagnostics: jsonDiagnostics(ds)}
	for _, d := range ds {
		switch d.Severity {
		case mappings.Warning:
			res.Warnings++
		case mappings.Error:
			res.Errors++
		}
	}
	res.OK = res.Errors == 0
	if g.json {
		if err := writeJSON(g, res); err != nil {
			return err
		}
		if !res.OK {
			return usageError{fmt.Errorf("%s: %d error(s), listed in the JSON on stdout", plan, res.Errors)}
		}
		return nil
	}
	if err := reportDiagnostics(g, ds); err != nil {
		return err
	}
	if !g.quiet {
		fmt.Fprintf(g.stdout, "%s: %s\n", plan, okText)
	}
	return nil
}

// reportDiagnostics prints the warnings on stderr and returns the errors,
// all of them and only them, as one error (printed by main with exit
// status 2): ds.Err() holds the warnings too, which main printed a second
// time.
func reportDiagnostics(g *globals, ds mappings.Diagnostics) error {
	var errs mappings.Diagnostics
	for _, d := range ds {
		if d.Severity != mappings.Error {
			fmt.Fprintln(g.stderr, d)
		} else {
			errs = append(errs, d)
		}
	}
	return errs.Err()
}
