package main

import (
	"github.com/spf13/cobra"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/portfolio"
)

// checkPlanForReview is plan check: the technical run (plans.Check), the
// strategy's template (Plan.CheckTemplate) and the plan against the
// portfolio it names, or the one --portfolio gives (portfolio.CheckPlan).
func checkPlanForReview(path, portfolioFile string) (*plans.Plan, *portfolio.Portfolio, mappings.Diagnostics) {
	p, ds := plans.Check(path)
	if p == nil {
		return nil, nil, ds
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
}
