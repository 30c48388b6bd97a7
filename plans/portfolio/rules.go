package portfolio

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// Outcomes of one rule.
const (
	Pass = "PASS"
	Warn = "WARN" // the strategy says "probably" or "as few as possible": advice, not a rule broken
	Fail = "FAIL"
)

// The rules Check applies, by name, in the order they are reported.
const (
	RuleSystemCount     = "systems-after-consolidation"
	RulePrivateReceiver = "private-receiver"
	RuleOnlyReceivers   = "only-chosen-receivers"
	RuleEveryRegistry   = "every-registry-has-a-plan"
	RuleRCOSystems      = "rco-on-few-systems"
	RuleArchiveOwner    = "archive-owner-is-future-cpua"
	RulePlansMatch      = "plans-match-portfolio"
)

// ErrRuleBroken is wrapped by the error of a check with a FAIL.
var ErrRuleBroken = errors.New("the portfolio breaks a rule of the strategy")

// Result is what one rule found.
type Result struct {
	Rule    string `json:"rule"`
	Outcome string `json:"outcome"`
	Summary string `json:"summary"`
	// Findings name each registry, system, RCO or plan the rule is about;
	// Where is a plan's file:line:col when a plan is at fault.
	Findings []Finding `json:"findings,omitempty"`
}

// Finding is one thing a rule names.
type Finding struct {
	Where string `json:"where,omitempty"`
	Text  string `json:"text"`
}

// Report is the outcome of Check: one Result per rule.
type Report struct {
	Plans   int      `json:"plans"`
	Results []Result `json:"results"`
}

// Err is nil unless a rule failed.
func (r *Report) Err() error {
	var failed []string
	for _, x := range r.Results {
		if x.Outcome == Fail {
			failed = append(failed, x.Rule)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrRuleBroken, strings.Join(failed, ", "))
}

// Result returns the result of the rule named, or nil.
func (r *Report) Result(rule string) *Result {
	for i := range r.Results {
		if r.Results[i].Rule == rule {
			return &r.Results[i]
		}
	}
	return nil
}

func slated(s *System) bool {
	switch s.Step {
	case StepA, StepB, StepC, StepD:
		return true
	}
	return false
}

// Remaining are the systems left after steps A–D (step receiver), and the
// ones that stay only under a condition (step D with one).
func (pf *Portfolio) Remaining() (remain, conditional []*System) {
	for i := range pf.Systems {
		s := &pf.Systems[i]
		switch {
		case s.Step == StepReceiver:
			remain = append(remain, s)
		case s.Step == StepD && strings.TrimSpace(s.Condition) != "":
			conditional = append(conditional, s)
		}
	}
	return remain, conditional
}

// planFor finds the plan of a registry: the plan whose register name is
// the registry's.
func planFor(ps []*plans.Plan, registry string) *plans.Plan {
	for _, p := range ps {
		if pfNorm(p.RegisterName.Value) == pfNorm(registry) {
			return p
		}
	}
	return nil
}

// Check applies the strategy's rules for the portfolio to the portfolio
// and its plans, each rule a named Result.
func Check(pf *Portfolio, ps []*plans.Plan) *Report {
	r := &Report{Plans: len(ps)}
	r.Results = append(r.Results,
		systemCount(pf), privateReceiver(pf), onlyReceivers(pf, ps), everyRegistry(pf, ps),
		rcoSystems(pf, ps), archiveOwner(pf, ps), plansMatch(pf, ps))
	return r
}

func systemCount(pf *Portfolio) Result {
	res := Result{Rule: RuleSystemCount, Outcome: Pass}
	var counted, outside []string
	for _, s := range pf.Systems {
		if s.NKRCount2021 > 0 {
			counted = append(counted, s.ID)
		} else {
			outside = append(outside, s.ID)
		}
	}
	remain, cond := pf.Remaining()
	lo, hi := len(remain), len(remain)+len(cond)
	today := fmt.Sprintf("today %d systems carry NKR in the strategy's count", len(counted))
	if len(outside) > 0 {
		today += fmt.Sprintf(", and %d outside it (%s)", len(outside), strings.Join(outside, ", "))
	}
	after := fmt.Sprintf("after steps A–D %d remain (%s)", lo, ids(remain))
	if hi > lo {
		after += fmt.Sprintf(", %d if %s stay under their condition", hi, ids(cond))
	}
	res.Summary = today + "; " + after + "; the strategy wants more than one and at most six"
	switch {
	case lo <= 1 || lo > 6:
		res.Outcome = Fail
	case hi > 6:
		res.Outcome = Warn
		res.Findings = append(res.Findings, Finding{Text: fmt.Sprintf("keeping all of %s as well makes %d systems: more than six", ids(cond), hi)})
	}
	return res
}

func privateReceiver(pf *Portfolio) Result {
	res := Result{Rule: RulePrivateReceiver, Outcome: Warn}
	var private []string
	for _, s := range pf.Receivers() {
		if s.OwnerKind == OwnerPrivate {
			private = append(private, fmt.Sprintf("%s (%s)", s.ID, s.Owner))
		}
	}
	if len(private) > 0 {
		res.Outcome = Pass
		res.Summary = "private suppliers among the chosen receivers: " + strings.Join(private, ", ")
	} else {
		res.Summary = fmt.Sprintf("no private supplier among the chosen receivers (%s): the strategy says there should probably be at least one, against lock-in", ids(pf.Receivers()))
	}
	return res
}

func onlyReceivers(pf *Portfolio, ps []*plans.Plan) Result {
	res := Result{Rule: RuleOnlyReceivers, Outcome: Pass}
	for _, p := range ps {
		s := pf.System(p.SystemChosen.Value)
		if s == nil || !s.ProposedReceiver {
			res.Findings = append(res.Findings, Finding{Where: p.SystemChosen.Pos.String(), Text: fmt.Sprintf("%s moves to %q, not a chosen receiver", p.RegisterName.Value, p.SystemChosen.Value)})
		}
	}
	res.Summary = fmt.Sprintf("every plan moves its registry to a chosen receiver (%s)", ids(pf.Receivers()))
	if len(res.Findings) > 0 {
		res.Outcome = Fail
		res.Summary = fmt.Sprintf("%d plan(s) move a registry elsewhere than to the chosen receivers (%s)", len(res.Findings), ids(pf.Receivers()))
	}
	return res
}

func everyRegistry(pf *Portfolio, ps []*plans.Plan) Result {
	res := Result{Rule: RuleEveryRegistry, Outcome: Pass}
	total, without := 0, 0
	for i := range pf.Systems {
		s := &pf.Systems[i]
		if !slated(s) {
			continue
		}
		var missing []string
		for _, reg := range s.Registries {
			total++
			if planFor(ps, reg) == nil {
				missing = append(missing, reg)
			}
		}
		without += len(missing)
		unnamed := s.NKRCount2021 - len(s.Registries)
		if len(missing) == 0 && unnamed <= 0 {
			continue
		}
		text := fmt.Sprintf("%s (step %s", s.ID, s.Step)
		if s.Step == StepD {
			text += ", unless kept as a receiver under its condition"
		}
		text += "): " + strings.Join(missing, "; ")
		if unnamed > 0 {
			if len(missing) > 0 {
				text += "; "
			}
			text += fmt.Sprintf("and %d registry the strategy counts but does not name", unnamed)
		}
		res.Findings = append(res.Findings, Finding{Text: text})
	}
	res.Summary = fmt.Sprintf("%d of the %d registries named on systems slated for migration (steps A–D) have no plan", without, total)
	if len(res.Findings) > 0 {
		res.Outcome = Fail
	}
	return res
}

func rcoSystems(pf *Portfolio, ps []*plans.Plan) Result {
	res := Result{Rule: RuleRCOSystems, Outcome: Pass}
	remain, _ := pf.Remaining()
	for _, rco := range pf.RCOs {
		today, after := map[string]bool{}, map[string]bool{}
		for _, s := range pf.Systems {
			for _, id := range s.RCOs {
				if id == rco.ID {
					today[s.ID] = true
				}
			}
		}
		for _, s := range remain {
			if today[s.ID] {
				after[s.ID] = true
			}
		}
		for _, p := range ps {
			if r := pf.RCO(p.RCOFuture.Value); r != nil && r.ID == rco.ID && p.SystemChosen.Value != "" {
				after[p.SystemChosen.Value] = true
			}
		}
		if len(after) > 1 {
			res.Findings = append(res.Findings, Finding{Text: fmt.Sprintf("%s: %d systems after (%s); %d today (%s)",
				rco.Name, len(after), sortedKeys(after), len(today), sortedKeys(today))})
		}
	}
	res.Summary = "every RCO's registries are on one system after the consolidation"
	if len(res.Findings) > 0 {
		res.Outcome = Warn
		res.Summary = fmt.Sprintf("%d RCO(s) need more than one system after the consolidation (remaining systems and plans' future RCOs): the strategy wants as few as possible", len(res.Findings))
	}
	return res
}

func sortedKeys(m map[string]bool) string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

func archiveOwner(pf *Portfolio, ps []*plans.Plan) Result {
	res := Result{Rule: RuleArchiveOwner, Outcome: Pass, Summary: "every plan's archive is owned by its future CPUA"}
	for _, p := range ps {
		owner := p.Template.ArchiveOwner
		switch {
		case strings.TrimSpace(owner.Value) == "":
			res.Findings = append(res.Findings, Finding{Where: mappings.Pos{File: p.File, Line: 1, Column: 1}.String(), Text: fmt.Sprintf("%s names no archive owner (history.archive_owner)", p.RegisterName.Value)})
		case pfNorm(owner.Value) != pfNorm(p.CPUAFuture.Value):
			res.Findings = append(res.Findings, Finding{Where: owner.Pos.String(), Text: fmt.Sprintf("%s: the archive owner %q is not the future CPUA %q", p.RegisterName.Value, owner.Value, p.CPUAFuture.Value)})
		case len(pf.Authorities) > 0 && !pf.IsAuthority(p.CPUAFuture.Value):
			// Only a healthcare authority may be CPUA (plan check's
			// P026): an owner that is none answers for nothing.
			res.Findings = append(res.Findings, Finding{Where: p.CPUAFuture.Pos.String(), Text: fmt.Sprintf("%s: the future CPUA and archive owner %q is not one of the portfolio's authorities, and only a healthcare authority may be CPUA", p.RegisterName.Value, p.CPUAFuture.Value)})
		}
	}
	if len(res.Findings) > 0 {
		res.Outcome = Fail
		res.Summary = fmt.Sprintf("%d plan(s) leave the history to someone other than the future CPUA, who is responsible for it, or to a CPUA that is no authority", len(res.Findings))
	}
	return res
}

func plansMatch(pf *Portfolio, ps []*plans.Plan) Result {
	res := Result{Rule: RulePlansMatch, Outcome: Pass, Summary: "every plan is of a registry the portfolio lists, on the system it lists it on, and no registry has two plans"}
	seen := map[string]*plans.Plan{}
	worst := Pass
	for _, p := range ps {
		name := p.RegisterName.Value
		key := pfNorm(name)
		if first, dup := seen[key]; dup {
			res.Findings = append(res.Findings, Finding{Where: p.RegisterName.Pos.String(), Text: fmt.Sprintf("%s has a second plan (the first: %s)", name, first.File)})
			worst = Fail
			continue
		}
		seen[key] = p
		home := pf.Home(name)
		switch {
		case home == nil:
			res.Findings = append(res.Findings, Finding{Where: p.RegisterName.Pos.String(), Text: fmt.Sprintf("%s is not a registry the portfolio lists (new, synthetic, or spelt otherwise): no registry counts it as its plan", name)})
			if worst == Pass {
				worst = Warn
			}
		case home.ID != p.SystemCurrent.Value:
			res.Findings = append(res.Findings, Finding{Where: p.SystemCurrent.Pos.String(), Text: fmt.Sprintf("%s is on %s in the portfolio, but its plan moves it from %s", name, home.ID, p.SystemCurrent.Value)})
			worst = Fail
		}
	}
	res.Outcome = worst
	if worst != Pass {
		res.Summary = fmt.Sprintf("%d plan(s) do not match the portfolio's registries", len(res.Findings))
	}
	return res
}

// WriteText writes the report for a reader: one line per rule, its
// findings indented under it.
func (r *Report) WriteText(w io.Writer) error {
	for _, x := range r.Results {
		if _, err := fmt.Fprintf(w, "%-4s  %s: %s\n", x.Outcome, x.Rule, x.Summary); err != nil {
			return err
		}
		for _, f := range x.Findings {
			where := ""
			if f.Where != "" {
				where = f.Where + ": "
			}
			if _, err := fmt.Fprintf(w, "      %s%s\n", where, f.Text); err != nil {
				return err
			}
		}
	}
	return nil
}
