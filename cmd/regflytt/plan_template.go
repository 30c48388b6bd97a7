package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/portfolio"
)

// checkPlanForReview is plan check: the technical run (plans.Check), the
// strategy's template (Plan.CheckTemplate) and the plan against the
// portfolio it names, or the one --portfolio gives (portfolio.CheckPlan).
// A plan with no template field at all (a technical starter, as regflytt
// init writes) gets one warning instead, unless forReview: plan render and
// plan approve need the template whole.
func checkPlanForReview(path, portfolioFile string, forReview bool) (*plans.Plan, *portfolio.Portfolio, mappings.Diagnostics) {
	p, ds := plans.Check(path)
	if p == nil {
		return nil, nil, ds
	}
	if !forReview && !p.Template.Begun() {
		ds = append(ds, mappings.Diagnostic{Pos: mappings.Pos{File: path, Line: 1, Column: 1}, Code: "P021", Severity: mappings.Warning,
			Message: "the plan has no field of the strategy's template yet: it can run, but not be reviewed or approved; regflytt plan new writes a plan with the template"})
		ds.Sort()
		return p, nil, ds
	}
	in, ids := p.LoadInputs()
	if ids.Err() != nil {
		in = nil // reported by Check; the hash needs every file
	}
	ds = append(ds, p.CheckTemplate(in)...)
	pf, pds := portfolio.Of(p, portfolioFile)
	ds = append(ds, pds...)
	if pf != nil {
		ds = append(ds, portfolio.CheckPlan(pf, p)...)
	}
	ds.Sort()
	return p, pf, ds
}

// addPlanTemplateCmds adds the plan's review commands: render, approve, new.
func addPlanTemplateCmds(g *globals, plan *cobra.Command) {
	plan.AddCommand(newPlanApproveCmd(g))
	plan.AddCommand(newPlanRenderCmd(g))
	plan.AddCommand(newPlanNewCmd(g))
}

func newPlanNewCmd(g *globals) *cobra.Command {
	var register, to, portfolioFile, out string
	var force bool
	cmd := &cobra.Command{
		Use:   "new --register NAME --to SYSTEM --portfolio FILE [-o PLAN]",
		Short: "Write a plan pre-filled from the portfolio",
		Long: `new writes a migration plan for the registry NAME (as the portfolio lists it)
moving to the chosen receiving system SYSTEM (its id): the current system and
its consolidation step, the RCO where the portfolio names one, the receiving
system and the portfolio filled in; the CPUAs, the timeline, the texts and the
technical run left for the author, each with a comment. plan check names what
is still missing. The plan's portfolio: field is the portfolio's path relative
to the plan written with -o (absolute on standard output). An existing file
is not overwritten unless --force is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if register == "" || to == "" || portfolioFile == "" {
				return usageError{errors.New("plan new needs --register NAME, --to SYSTEM and --portfolio FILE")}
			}
			pf, err := portfolio.Load(portfolioFile)
			if err != nil {
				return err
			}
			ref, err := filepath.Abs(portfolioFile)
			if err != nil {
				return err
			}
			if out != "" {
				if dir, err := filepath.Abs(filepath.Dir(out)); err == nil {
					if rel, err := filepath.Rel(dir, ref); err == nil {
						ref = filepath.ToSlash(rel)
					}
				}
			}
			text, err := pf.NewPlan(register, to, ref)
			if err != nil {
				return usageError{err}
			}
			if out == "" {
				_, err := fmt.Fprint(g.stdout, text)
				return err
			}
			err = writeFile(out, 0o644, mayReplace{ok: force, flag: "--force"}, func(w io.Writer) error {
				_, err := io.WriteString(w, text)
				return err
			})
			if err != nil {
				return err
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "%s: written; fill it in, then run regflytt plan check %s\n", out, out)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&register, "register", "", "the registry's name, as the portfolio lists it")
	cmd.Flags().StringVar(&to, "to", "", "the id of the chosen receiving system")
	cmd.Flags().StringVar(&portfolioFile, "portfolio", "", "the portfolio file")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the plan to this new file instead of standard output")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing -o file")
	return cmd
}

// withoutStale drops the stale approvals (P025): they do not stop a plan
// being shown or approved again.
func withoutStale(ds mappings.Diagnostics) mappings.Diagnostics {
	var out mappings.Diagnostics
	for _, d := range ds {
		if d.Code != "P025" {
			out = append(out, d)
		}
	}
	return out
}

func newPlanRenderCmd(g *globals) *cobra.Command {
	var format, lang, reports, out, portfolioFile string
	cmd := &cobra.Command{
		Use:   "render PLAN [--format md|html] [--lang sv|en] [--reports DIR]",
		Short: "Render the plan as the review document the registry holder approves",
		Long: `render writes the review document of a plan for the registry holder: the
strategy's template (register, systems, CPUA, RCO, timeline, support,
practicalities, history, cost, measures), the outcome tables of the latest
dry run and run with their verification when --reports DIR holds them
(report.json, verify-report.json when regflytt verify ran after the run, and
dryrun.json saved from map dry-run --json) as regflytt verify judges it, the
open problems and alarms,
the mapping document (map doc), and a signature block with the plan's SHA-256
and its approvals, stale ones marked. Swedish by default (--lang en for
English; the mapping document is in English). HTML is one self-contained,
printable page with no network references.
A plan that plan check rejects is refused (exit 2), stale approvals aside.`,
		Args: exactArgs(1, "one plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "md" && format != "html" {
				return usageError{fmt.Errorf("--format must be md or html")}
			}
			if lang != portfolio.Swedish && lang != portfolio.English {
				return usageError{fmt.Errorf("--lang must be sv or en")}
			}
			p, _, ds := checkPlanForReview(args[0], portfolioFile, true)
			if err := reportDiagnostics(g, withoutStale(ds)); err != nil {
				return err
			}
			in, ids := p.LoadInputs()
			if err := ids.Err(); err != nil {
				return err
			}
			sum, err := p.Hash(in)
			if err != nil {
				return err
			}
			if err := reportsGiven(reports); err != nil {
				return err
			}
			reps, err := portfolio.LoadReports(reports)
			if err != nil {
				return err
			}
			if err := reps.Of(p); err != nil {
				return err
			}
			blocks := portfolio.Review(p, in, sum, reps, lang)
			write := func(w io.Writer) error {
				if format == "html" {
					return mappings.WriteHTMLLang(w, blocks, lang)
				}
				return mappings.WriteMarkdown(w, blocks)
			}
			if out != "" {
				return writeFile(out, 0o644, regenerated, write)
			}
			return write(g.stdout)
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "md or html")
	cmd.Flags().StringVar(&lang, "lang", portfolio.Swedish, "sv or en")
	cmd.Flags().StringVar(&reports, "reports", "", "a run's work directory holding report.json (and dryrun.json)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	cmd.Flags().StringVar(&portfolioFile, "portfolio", "", "check against this portfolio file instead of the one the plan names")
	return cmd
}

func newPlanApproveCmd(g *globals) *cobra.Command {
	var by, role, date, portfolioFile string
	cmd := &cobra.Command{
		Use:   "approve PLAN --by NAME --role ROLE",
		Short: "Record an approval of the plan as it stands, with its SHA-256",
		Long: `approve records in the plan file that NAME, in ROLE, approved the plan as it
stands: an entry under approvals with the date and the plan's SHA-256 hash.
The hash covers the plan file without its approvals and progress sections,
and the schema, mapping and code-list files it names: recording approvals
does not change it, and any other change makes the approval stale (plan check
reports it, P025) until it is approved again. Approving again replaces the
same person's earlier approval in the same role. The file is edited as text:
its comments and layout stay. The plan counts as approved (plan render,
portfolio status) once its registry holder approves it (role registerhållare,
or registry holder); others' approvals are recorded beside it. --date cannot
be after today.

A plan that plan check rejects is not approved (exit 2); stale approvals of
others do not stop it.`,
		Args: exactArgs(1, "one plan file"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if by == "" || role == "" {
				return usageError{fmt.Errorf("plan approve needs --by NAME and --role ROLE")}
			}
			when := plans.Today() // the local date, as --date is judged
			if date != "" {
				d, err := time.Parse(time.DateOnly, date)
				if err != nil {
					return usageError{fmt.Errorf("--date must be YYYY-MM-DD")}
				}
				if d.After(plans.Today()) {
					return usageError{fmt.Errorf("--date %s is after today (%s): an approval records the day it was given", date, plans.Today().Format(time.DateOnly))}
				}
				when = d
			}
			p, _, ds := checkPlanForReview(args[0], portfolioFile, true)
			if err := reportDiagnostics(g, withoutStale(ds)); err != nil {
				return err
			}
			in, ids := p.LoadInputs()
			if err := ids.Err(); err != nil {
				return err
			}
			sum, err := p.Approve(in, by, role, when)
			if err != nil {
				return err
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "%s: approved by %s (%s) on %s\nsha256 %s\n", args[0], by, role, when.Format(time.DateOnly), sum)
			}
			if !plans.HolderRole(role) {
				// Recorded, but it does not make the plan approved: say
				// so where a misspelt role would otherwise pass unseen.
				fmt.Fprintf(g.stderr, "%s: %q is not the registry holder's role: the plan counts as approved once its registry holder approves it (--role registerhållare)\n", args[0], role)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "", "the approver's name")
	cmd.Flags().StringVar(&role, "role", "", "the approver's role (registerhållare, CPUA, …)")
	cmd.Flags().StringVar(&date, "date", "", "the date of the approval, YYYY-MM-DD (default today; not after today)")
	cmd.Flags().StringVar(&portfolioFile, "portfolio", "", "check against this portfolio file instead of the one the plan names")
	return cmd
}
