package portfolio

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

func strategy(t *testing.T) *Portfolio {
	t.Helper()
	pf, err := Load("../../testdata/portfolio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return pf
}

func outcome(t *testing.T, r *Report, rule string) *Result {
	t.Helper()
	x := r.Result(rule)
	if x == nil {
		t.Fatalf("no result for %s", rule)
	}
	return x
}

func findings(x *Result) string {
	var s []string
	for _, f := range x.Findings {
		s = append(s, f.Where+" "+f.Text)
	}
	return strings.Join(s, "\n")
}

// The strategy's own portfolio, with no plan yet, reads as the strategy
// says: 17 systems in its count (Q-bup outside it), 5 after steps A–D or
// 7 with the conditional two, MedSciNet a private receiver, and every
// registry on a system slated for migration without a plan.
func TestCheckTheStrategysPortfolio(t *testing.T) {
	r := Check(strategy(t), nil)
	want := map[string]string{
		RuleSystemCount:     Warn,
		RulePrivateReceiver: Pass,
		RuleOnlyReceivers:   Pass,
		RuleEveryRegistry:   Fail,
		RuleRCOSystems:      Warn,
		RuleArchiveOwner:    Pass,
		RulePlansMatch:      Pass,
	}
	for rule, o := range want {
		if got := outcome(t, r, rule); got.Outcome != o {
			t.Errorf("%s: %s, want %s: %s", rule, got.Outcome, o, got.Summary)
		}
	}
	sc := outcome(t, r, RuleSystemCount)
	for _, s := range []string{"today 17 systems carry NKR in the strategy's count, and 1 outside it (q-bup)",
		"after steps A–D 5 remain (3c, medscinet, qreg5, stratum, inca), 7 if carmona, health-solutions stay under their condition"} {
		if !strings.Contains(sc.Summary, s) {
			t.Errorf("%s: %q lacks %q", sc.Rule, sc.Summary, s)
		}
	}
	if pr := outcome(t, r, RulePrivateReceiver); !strings.Contains(pr.Summary, "medscinet (MedSciNet AB (CSAM))") {
		t.Errorf("private receiver: %s", pr.Summary)
	}
	ev := outcome(t, r, RuleEveryRegistry)
	if !strings.HasPrefix(ev.Summary, "36 of the 36 registries") {
		t.Errorf("every registry: %s", ev.Summary)
	}
	text := findings(ev)
	for _, s := range []string{"pharos (step B): Nationella Kataraktregistret; Svenska Cornearegistret",
		"carmona (step D, unless kept as a receiver under its condition): Barn Obesitas",
		"and 1 registry the strategy counts but does not name", "q-bup (step A): Nationellt kvalitetsregister för barn- och ungdomspsykiatri (Q-bup)"} {
		if !strings.Contains(text, s) {
			t.Errorf("every registry: findings lack %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "stratum") || strings.Contains(text, "Svenska ryggregistret") {
		t.Errorf("a registry on a remaining system is asked for a plan:\n%s", text)
	}
	rc := findings(outcome(t, r, RuleRCOSystems))
	if !strings.Contains(rc, "RCO UCR: 3 systems after (inca, qreg5, stratum); 4 today (inca, qreg4, qreg5, stratum)") || strings.Contains(rc, "RCO Norr") {
		t.Errorf("RCO systems:\n%s", rc)
	}
}

// With plans for every registry of a system, that system is off the list;
// each rule broken once is named with the plan at fault.
func TestCheckRulesBrokenOnce(t *testing.T) {
	plan := func(edits ...string) *plans.Plan {
		p, ds := plans.Load(demoCopy(t, edits...))
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		return p
	}
	named := func(reg, from string, more ...string) *plans.Plan {
		return plan(append([]string{"name: Demoregistret (synthetic)", "name: " + reg, "current: pharos", "current: " + from}, more...)...)
	}
	pf := strategy(t)
	// The six of Pharos planned: it leaves the list.
	var ps []*plans.Plan
	for _, reg := range pf.System("pharos").Registries {
		ps = append(ps, named(reg, "pharos"))
	}
	r := Check(pf, ps)
	if text := findings(outcome(t, r, RuleEveryRegistry)); strings.Contains(text, "pharos") {
		t.Errorf("pharos is planned, yet listed:\n%s", text)
	}
	if err := r.Err(); err == nil || !strings.Contains(err.Error(), RuleEveryRegistry) {
		t.Errorf("Err: %v", err)
	}

	cases := []struct {
		rule string
		pf   func(*Portfolio)
		ps   []*plans.Plan
		want string
	}{
		{RuleOnlyReceivers, nil, []*plans.Plan{plan("chosen: stratum", "chosen: 3c")}, "plan.yaml:22:11 Demoregistret (synthetic) moves to \"3c\", not a chosen receiver"},
		{RuleArchiveOwner, nil, []*plans.Plan{plan("archive_owner: Västra Götalandsregionen", "archive_owner: Region Skåne")}, "plan.yaml:51:18 Demoregistret (synthetic): the archive owner \"Region Skåne\" is not the future CPUA \"Västra Götalandsregionen\""},
		// The archive owner is the future CPUA, but that is no authority
		// (only a healthcare authority may be CPUA): the history is owned
		// by no data controller there can be.
		{RuleArchiveOwner, nil, []*plans.Plan{plan("future: Västra Götalandsregionen", "future: Västra Götalands registercentrum", "archive_owner: Västra Götalandsregionen", "archive_owner: Västra Götalands registercentrum")},
			"plan.yaml:25:11 Demoregistret (synthetic): the future CPUA and archive owner \"Västra Götalands registercentrum\" is not one of the portfolio's authorities"},
		{RulePlansMatch, nil, []*plans.Plan{named("Swedvasc", "pharos")}, "Swedvasc is on qreg4 in the portfolio, but its plan moves it from pharos"},
		{RulePlansMatch, nil, []*plans.Plan{named("Swedvasc", "qreg4"), named("swedvasc", "qreg4")}, "swedvasc has a second plan"},
		{RuleSystemCount, func(pf *Portfolio) {
			for i := range pf.Systems {
				if pf.Systems[i].Step == StepReceiver && pf.Systems[i].ID != "inca" {
					pf.Systems[i].Step = StepC
				}
			}
		}, nil, ""},
		{RulePrivateReceiver, func(pf *Portfolio) { pf.System("medscinet").ProposedReceiver = false }, nil, ""},
		{RuleRCOSystems, nil, []*plans.Plan{plan("  future: RCO VGR", "  future: RCO Norr")}, "RCO Norr: 2 systems after (inca, stratum); 3 today (inca, its-gynop, its-riksstroke)"},
	}
	for _, c := range cases {
		pf := strategy(t)
		if c.pf != nil {
			c.pf(pf)
		}
		x := outcome(t, Check(pf, c.ps), c.rule)
		wantOutcome := Fail
		if c.rule == RulePrivateReceiver || c.rule == RuleRCOSystems {
			wantOutcome = Warn
		}
		if x.Outcome != wantOutcome || !strings.Contains(findings(x), c.want) {
			t.Errorf("%s: %s %s, want %s with %q:\n%s", c.rule, x.Outcome, x.Summary, wantOutcome, c.want, findings(x))
		}
	}
}

// plan new pre-fills from the portfolio what it knows, and the plan reads
// (plan check then names every field still to fill); it refuses a
// registry the portfolio does not list and a system that is no receiver.
func TestNewPlan(t *testing.T) {
	pf := strategy(t)
	text, err := pf.NewPlan("svenska cornearegistret", "stratum", "../../testdata/portfolio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"name: Svenska Cornearegistret\n", "id: svenska-cornearegistret\n", "current: pharos\n", "chosen: stratum\n", "step: B ", "current: RCO Syd\n", `future: "" # one of: RCO UCR, RCO VGR`} {
		if !strings.Contains(text, s) {
			t.Errorf("plan lacks %q:\n%s", s, text)
		}
	}
	path := mustWrite(t, filepath.Join(t.TempDir(), "plan.yaml"), text)
	p, ds := plans.Load(path)
	if p == nil {
		t.Fatalf("the new plan does not read: %v", ds)
	}
	// Only the CPUAs and the RCO the portfolio cannot tell are empty, and
	// the opt-out list is a decision the portfolio cannot make (P012).
	if len(ds) != 4 || !strings.Contains(ds.Error(), `:14:12: error Y003: field "current" is empty`) || !strings.Contains(ds.Error(), "warning P012") {
		t.Errorf("the new plan: %v", ds)
	}
	tds := p.CheckTemplate(nil)
	for _, d := range tds {
		if d.Code != "P021" {
			t.Errorf("unexpected: %v", d)
		}
	}
	if !strings.Contains(tds.Error(), "the template needs timeline.cut_over") {
		t.Errorf("missing milestones not named:\n%s", tds.Error())
	}
	if _, err := pf.NewPlan("Nytt register", "stratum", "x"); err == nil {
		t.Error("a registry the portfolio does not list got a plan")
	}
	if _, err := pf.NewPlan("Swedvasc", "3c", "x"); err == nil || !strings.Contains(err.Error(), "not a chosen receiver") {
		t.Errorf("a plan to 3c: %v", err)
	}
}
