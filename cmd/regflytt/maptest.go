package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// errTestsFailed is map test's result when a test failed: exit status 3.
var errTestsFailed = errors.New("a test of the mappings failed")

// mapTestResult is map test's result as --json prints it.
type mapTestResult struct {
	Plan string `json:"plan"`
	OK   bool   `json:"ok"`
	*mappings.TestReport
}

func newMapTestCmd(g *globals) *cobra.Command {
	var requireCoverage, allowNoTests bool
	cmd := &cobra.Command{
		Use:   "test PLAN",
		Short: "Run the tests the mapping files carry (tests:), without a database",
		Long: `test runs the test cases of the plan's mapping files (tests:): each gives source
rows and the outcome each must have — migrated with the receiving values it
names, archived or excluded with a reason. It needs no database: the mappings
are compiled against the receiving schema and the source as they name it,
with the plan's run.reference_date and a fixed test pseudonymisation key
(expected pseudonyms are written !pseudonym "number"). Each failure is printed
as file:line: the test, the row and what differed; then the receiving columns
and rules no passing row exercised (coverage).

Mappings that carry no tests do not pass: a suite that tests nothing is
reported as such and exits 3, unless --allow-no-tests accepts it.

Exit status: 0 when every test passes (gaps in coverage are listed, not
failed unless --require-coverage), 3 when a test fails, when there are no
tests (without --allow-no-tests) or, with --require-coverage, a column or
rule is not exercised, 2 when the plan or a mapping (its tests included) is
invalid.`,
		Args: exactArgs(1, "one plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, ds := plans.Check(args[0])
			if err := ds.Err(); err != nil {
				return err
			}
			in, ds := p.LoadInputs()
			if err := ds.Err(); err != nil {
				return err
			}
			rep, ds := mappings.RunTests(in.Mappings, in.Schema, p.ReferenceDate)
			if err := ds.Err(); err != nil {
				return err
			}
			// A suite that tests nothing has no failures, yet it must not
			// read as PASS in a script or CI.
			none := rep.Rows == 0
			res := mapTestResult{Plan: args[0], OK: len(rep.Failures) == 0 && (!requireCoverage || len(rep.Uncovered) == 0) && (!none || allowNoTests), TestReport: rep}
			if g.json {
				if err := writeJSON(g, res); err != nil {
					return err
				}
			} else {
				writeTestReport(g, args[0], rep, res.OK)
			}
			switch {
			case len(rep.Failures) > 0:
				return fmt.Errorf("%s: %d of %d test rows failed: %w", args[0], rep.Rows-rep.Passed, rep.Rows, errTestsFailed)
			case none && !allowNoTests:
				return fmt.Errorf("%s: the mappings carry no tests, so nothing was tested (write tests: in the mapping files, or give --allow-no-tests to accept none): %w", args[0], errTestsFailed)
			case !res.OK:
				return fmt.Errorf("%s: %d columns or rules no test exercises (--require-coverage): %w", args[0], len(rep.Uncovered), errTestsFailed)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&requireCoverage, "require-coverage", false, "fail (exit 3) when a receiving column or rule is not exercised by any passing test")
	cmd.Flags().BoolVar(&allowNoTests, "allow-no-tests", false, "exit 0 when the mappings carry no tests (without it, a suite that tests nothing fails, exit 3)")
	addJSONFlag(cmd, g)
	return cmd
}

// writeTestReport prints the failures, the gaps in coverage and the
// verdict; ok is the verdict the exit status gives (a gap fails it under
// --require-coverage).
func writeTestReport(g *globals, plan string, rep *mappings.TestReport, ok bool) {
	for _, f := range rep.Failures {
		fmt.Fprintf(g.stdout, "%s: FAIL %s, row %d: %s\n", f.Pos, f.Case, f.Row, f.Message)
	}
	if len(rep.Uncovered) > 0 {
		fmt.Fprintln(g.stdout, "Not exercised by any passing test:")
		for _, u := range rep.Uncovered {
			fmt.Fprintf(g.stdout, "  %s: %s\n", u.Pos, u.What)
		}
	}
	verdict := "PASS"
	if !ok {
		verdict = "FAIL"
	}
	if rep.Rows == 0 {
		// Neither PASS nor a count that reads like one: nothing ran.
		if ok {
			verdict = "accepted (--allow-no-tests)"
		}
		fmt.Fprintf(g.stdout, "%s: no tests: the mappings carry none, nothing was tested: %s\n", plan, verdict)
		return
	}
	fmt.Fprintf(g.stdout, "%s: %d tests, %d rows, %d passed: %s\n", plan, rep.Cases, rep.Rows, rep.Passed, verdict)
}
