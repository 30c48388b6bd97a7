// Package portfolio is the national register-platform portfolio of the NKR
// strategy: the IT systems that carry the registries, the consolidation
// step each is in, the regional registry-centre organisations, and the
// rules the strategy sets for where registries may move
// (testdata/portfolio.yaml holds the strategy's facts).
//
// It lives beside the runner, not inside it: nothing here runs a
// migration. Its neighbours: it reads plans (plans.Load) to check each
// plan against the portfolio and the portfolio against its plans, and the
// verification reports (verify.Report) that runs leave behind for the
// national follow-up; cmd/regflytt's plan and portfolio commands call it.
// plans never imports it, so the runner works on a plan whether or not a
// portfolio is at hand.
package portfolio
