package portfolio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// demoCopy is plantest.DemoCopy of this package's demo plan.
func demoCopy(t *testing.T, edits ...string) string {
	t.Helper()
	return plantest.DemoCopy(t, "../../testdata", edits...)
}

func planDiags(t *testing.T, path string) mappings.Diagnostics {
	t.Helper()
	p, ds := plans.Load(path)
	if p == nil {
		t.Fatal(ds)
	}
	pf, pds := Of(p, "")
	if pf == nil {
		return append(ds, pds...)
	}
	return append(ds, CheckPlan(pf, p)...)
}

// Each rule that needs the portfolio, broken once, is named by its code
// at the place of the fault; every plan in testdata/plans breaks none.
func TestCheckPlanRules(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/plans/*.yaml")
	for _, f := range files {
		if ds := planDiags(t, f); len(ds) != 0 {
			t.Errorf("%s: %v", f, ds)
		}
	}
	cases := []struct {
		name  string
		edits []string
		want  string
	}{
		{"no portfolio named", []string{"\nportfolio: ", "\n#portfolio: "}, ":1:1: error P020: the plan names no portfolio"},
		{"a portfolio that is not there", []string{"portfolio.yaml\n", "no-such-portfolio.yaml\n"}, ":14:12: error P020: the portfolio cannot be read"},
		{"a future CPUA that is no authority", []string{"  future: Västra Götalandsregionen", "  future: Vastra Gotalandsregionen"}, ":25:11: error P026: the future CPUA \"Vastra Gotalandsregionen\" is not an authority the portfolio lists: only a healthcare authority may be CPUA (PDL 7 ch. 7 §); write its name as the portfolio's authorities do (did you mean \"Västra Götalandsregionen\"?)"},
		{"a company as CPUA", []string{"  future: Västra Götalandsregionen", "  future: Nasher AB"}, "error P026: the future CPUA \"Nasher AB\""},
		{"a receiver not in the portfolio", []string{"chosen: stratum", "chosen: receiving-demo"}, ":22:11: error P027: the chosen system \"receiving-demo\" is not in the portfolio; registries migrate only to the chosen receivers: medscinet, qreg5, stratum, inca"},
		{"a system that is not a chosen receiver", []string{"chosen: stratum", "chosen: 3c"}, "error P027: the chosen system 3c is not a chosen receiver (its step is receiver)"},
		{"a system slated for migration as receiver", []string{"chosen: stratum", "chosen: qreg4"}, "error P027: the chosen system qreg4 is not a chosen receiver (its step is C)"},
		{"an unknown current system", []string{"current: pharos", "current: legacy-demo"}, ":21:12: error P028: the current system \"legacy-demo\" is not in the portfolio"},
		{"a current system that remains", []string{"current: pharos", "current: inca"}, "error P028: inca remains after the consolidation"},
		{"the wrong step", []string{"step: B", "step: A"}, ":32:7: error P028: step A, but the portfolio puts pharos in step B"},
		{"a register listed elsewhere", []string{"name: Demoregistret (synthetic)", "name: Svenska Cornearegistret"}, ""},
		{"a register listed on another system", []string{"name: Demoregistret (synthetic)", "name: Swedvasc"}, "error P028: the portfolio lists \"Swedvasc\" on qreg4, not on pharos"},
		{"an unknown RCO", []string{"  future: RCO VGR", "  future: RCO Väst"}, ":28:11: error P029: \"RCO Väst\" is not an RCO of the portfolio"},
		{"a planned move elsewhere", []string{"current: pharos", "current: ndr", "chosen: stratum", "chosen: qreg5", "step: B", "step: A"}, "warning P027: the portfolio says ndr's registries are planned to move to stratum, not qreg5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := planDiags(t, demoCopy(t, c.edits...))
			if c.want == "" {
				if len(ds) != 0 {
					t.Errorf("want no diagnostics, got:\n%s", ds.Error())
				}
				return
			}
			if !strings.Contains(ds.Error(), c.want) {
				t.Errorf("want %q in:\n%s", c.want, ds.Error())
			}
		})
	}
}

// Every plan in the directory is read: one whose extension is written in
// capitals, or whose plan: key is misspelt, was skipped as if it were a
// schema or mapping kept beside the plans, and portfolio check passed the
// rules it broke. The mappings, schema and a portfolio kept beside the
// plans are still left alone.
func TestLoadPlansSkipsNoPlan(t *testing.T) {
	plansDir, _ := statusFixture(t)
	pf, _ := os.ReadFile("../../testdata/portfolio.yaml")
	mustWrite(t, filepath.Join(plansDir, "portfolio.yaml"), string(pf))
	ps, ds, err := LoadPlans(plansDir)
	if err != nil || ds.Err() != nil || len(ps) != 4 {
		t.Fatalf("the fixture: %d plans, %v %v", len(ps), err, ds)
	}
	draft := mustReadFile(t, filepath.Join(plansDir, "c-draft.yaml"))
	elsewhere := strings.Replace(strings.Replace(draft, "chosen: stratum", "chosen: pharos", 1), "id: c-draft", "id: e-capital", 1)
	mustWrite(t, filepath.Join(plansDir, "e-capital.YAML"), elsewhere)
	if ps, ds, err = LoadPlans(plansDir); err != nil || len(ps) != 5 {
		t.Errorf("a plan named .YAML: %d plans, %v %v", len(ps), err, ds)
	}
	if r := Check(strategy(t), ps).Result(RuleOnlyReceivers); r.Outcome != Fail {
		t.Errorf("the plan moving a registry to pharos: %s %s", r.Outcome, r.Summary)
	}
	os.Remove(filepath.Join(plansDir, "e-capital.YAML"))
	mustWrite(t, filepath.Join(plansDir, "f-typo.yaml"), strings.Replace(elsewhere, "plan: 1\n", "Plan: 1\n", 1))
	if ps, ds, err = LoadPlans(plansDir); err != nil || ds.Err() == nil {
		t.Errorf("a plan whose plan: key is misspelt is skipped: %d plans, %v %v", len(ps), err, ds)
	}
}
