package portfolio

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// Of loads the portfolio a plan names (its portfolio: field, relative to
// the plan), or override when not empty. A plan that names none, or a file
// that cannot be read, is a P020 diagnostic.
func Of(p *plans.Plan, override string) (*Portfolio, mappings.Diagnostics) {
	path := override
	at := mappings.Pos{File: p.File, Line: 1, Column: 1}
	if path == "" {
		if p.Template.Portfolio.Value == "" {
			return nil, mappings.Diagnostics{{Pos: at, Code: "P020", Message: "the plan names no portfolio: write portfolio: PATH (relative to the plan) or give --portfolio"}}
		}
		path, at = p.Path(p.Template.Portfolio.Value), p.Template.Portfolio.Pos
	}
	pf, err := Load(path)
	if err != nil {
		return nil, mappings.Diagnostics{{Pos: at, Code: "P020", Message: fmt.Sprintf("the portfolio cannot be read: %v", err)}}
	}
	return pf, nil
}

// System returns the system with id, or nil.
func (pf *Portfolio) System(id string) *System {
	for i := range pf.Systems {
		if pf.Systems[i].ID == id {
			return &pf.Systems[i]
		}
	}
	return nil
}

// RCO returns the RCO written as its id or its name, or nil.
func (pf *Portfolio) RCO(s string) *RCO {
	for i := range pf.RCOs {
		if pf.RCOs[i].ID == s || pfNorm(pf.RCOs[i].Name) == pfNorm(s) {
			return &pf.RCOs[i]
		}
	}
	return nil
}

// IsAuthority reports whether name is one of the portfolio's authorities.
func (pf *Portfolio) IsAuthority(name string) bool {
	for _, a := range pf.Authorities {
		if pfNorm(a) == pfNorm(name) {
			return true
		}
	}
	return false
}

// Receivers are the chosen receiving systems: until the national decision
// is recorded in the portfolio, the ones the strategy proposes
// (proposed_receiver: true). Registries migrate only to these.
func (pf *Portfolio) Receivers() []*System {
	var out []*System
	for i := range pf.Systems {
		if pf.Systems[i].ProposedReceiver {
			out = append(out, &pf.Systems[i])
		}
	}
	return out
}

// Home finds the system whose registries list names register (compared
// as people write names: case and spaces do not matter).
func (pf *Portfolio) Home(register string) *System {
	for i := range pf.Systems {
		for _, r := range pf.Systems[i].Registries {
			if pfNorm(r) == pfNorm(register) {
				return &pf.Systems[i]
			}
		}
	}
	return nil
}

func ids(systems []*System) string {
	var s []string
	for _, x := range systems {
		s = append(s, x.ID)
	}
	return strings.Join(s, ", ")
}

// CheckPlan checks one plan against the portfolio: the future CPUA an
// authority, the chosen system a chosen receiver, the current system and
// step those of the portfolio, the RCOs known.
func CheckPlan(pf *Portfolio, p *plans.Plan) mappings.Diagnostics {
	var ds mappings.Diagnostics
	add := func(at mappings.Pos, code, format string, args ...any) {
		ds = append(ds, mappings.Diagnostic{Pos: at, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	if f := p.CPUAFuture; f.Value != "" && !pf.IsAuthority(f.Value) {
		add(f.Pos, "P026", "the future CPUA %q is not an authority the portfolio lists: only a healthcare authority may be CPUA (PDL 7 ch. 7 §); write its name as the portfolio's authorities do%s", f.Value, closest(f.Value, pf.Authorities))
	}
	if c := p.SystemChosen; c.Value != "" {
		s := pf.System(c.Value)
		switch {
		case s == nil:
			add(c.Pos, "P027", "the chosen system %q is not in the portfolio; registries migrate only to the chosen receivers: %s", c.Value, ids(pf.Receivers()))
		case !s.ProposedReceiver:
			add(c.Pos, "P027", "the chosen system %s is not a chosen receiver (its step is %s); registries migrate only to: %s", s.ID, s.Step, ids(pf.Receivers()))
		}
	}
	if c := p.SystemCurrent; c.Value != "" {
		s := pf.System(c.Value)
		switch {
		case s == nil:
			add(c.Pos, "P028", "the current system %q is not in the portfolio (its ids: %s)", c.Value, allIDs(pf))
		case s.ID == p.SystemChosen.Value:
			add(c.Pos, "P028", "the register already lives on %s: a plan moves it to another system", s.ID)
		case s.Step == StepReceiver:
			add(c.Pos, "P028", "%s remains after the consolidation (step receiver): its registries are not slated to move", s.ID)
		default:
			if st := p.Template.Step; st.Value != "" && st.Value != s.Step {
				add(st.Pos, "P028", "step %s, but the portfolio puts %s in step %s", st.Value, s.ID, s.Step)
			}
			if s.PlannedMoveTo != "" && p.SystemChosen.Value != "" && s.PlannedMoveTo != p.SystemChosen.Value {
				ds = append(ds, mappings.Diagnostic{Pos: p.SystemChosen.Pos, Code: "P027", Severity: mappings.Warning,
					Message: fmt.Sprintf("the portfolio says %s's registries are planned to move to %s, not %s", s.ID, s.PlannedMoveTo, p.SystemChosen.Value)})
			}
		}
		if home := pf.Home(p.RegisterName.Value); home != nil && s != nil && home.ID != s.ID {
			add(p.RegisterName.Pos, "P028", "the portfolio lists %q on %s, not on %s", p.RegisterName.Value, home.ID, s.ID)
		}
	}
	for _, r := range []mappings.Str{p.RCOCurrent, p.RCOFuture} {
		if r.Value != "" && pf.RCO(r.Value) == nil {
			var names []string
			for _, x := range pf.RCOs {
				names = append(names, x.Name)
			}
			add(r.Pos, "P029", "%q is not an RCO of the portfolio (by id or name: %s)", r.Value, strings.Join(names, ", "))
		}
	}
	return ds
}

func allIDs(pf *Portfolio) string {
	var s []string
	for _, x := range pf.Systems {
		s = append(s, x.ID)
	}
	return strings.Join(s, ", ")
}

// closest suggests the nearest of names to got, for a typo.
func closest(got string, names []string) string {
	best, bestD := "", 4
	for _, n := range names {
		if d := distance(pfNorm(got), pfNorm(n)); d < bestD {
			best, bestD = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// planKeys are top-level keys only a plan has (none of them is a mapping
// file's, a receiving schema's, a code-list file's or a portfolio's).
var planKeys = map[string]bool{"plan": true, "register": true, "system": true, "cpua": true, "rco": true,
	"step": true, "timeline": true, "approvals": true, "progress": true, "source": true, "target": true, "mappings": true}

// isPlan reports whether a YAML file is a plan: a mapping with the key
// plan, or any other key only a plan has, at its top (a plan whose plan:
// is misspelt is read, so that plans.Load says what is wrong with it,
// rather than skipped as a file kept beside the plans). A file that does
// not parse is taken for a plan, so that its errors are reported.
func isPlan(path string) bool {
	root, _ := mappings.ParseYAML(path)
	if root == nil {
		return true
	}
	if root.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if planKeys[root.Content[i].Value] {
			return true
		}
	}
	return false
}

// LoadPlans loads every plan (*.yaml, *.yml in any case, isPlan) directly
// in dir, sorted by file name, with every problem of shape found in them.
func LoadPlans(dir string) ([]*plans.Plan, mappings.Diagnostics, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read plans: %w", err)
	}
	var out []*plans.Plan
	var ds mappings.Diagnostics
	for _, e := range entries {
		// .YAML and .Yml are plans too: skipped, a plan's registry had
		// no plan and the rules it broke passed.
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || ext != ".yaml" && ext != ".yml" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if !isPlan(path) {
			continue // a schema or mapping kept beside the plans
		}
		p, pds := plans.Load(path)
		ds = append(ds, pds...)
		if p != nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, ds, nil
}
