package plans_test

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
	return plantest.DemoCopy(t, "../testdata", edits...)
}

func templateDiags(t *testing.T, path string) mappings.Diagnostics {
	t.Helper()
	p, ds := plans.Check(path)
	if p == nil {
		t.Fatalf("load: %v", ds)
	}
	in, ids := p.LoadInputs()
	if ids.Err() != nil {
		t.Fatal(ids)
	}
	return append(ds, p.CheckTemplate(in)...)
}

// Every template rule, broken once, is named by its code at the place of
// the fault; the demo plan itself breaks none.
func TestTemplateRules(t *testing.T) {
	if ds := templateDiags(t, demoCopy(t)); len(ds) != 0 {
		t.Fatalf("the demo plan's template: %v", ds)
	}
	cases := []struct {
		name  string
		edits []string
		want  string // code and line:col
	}{
		{"a text field missing", []string{"practicalities: >-\n  Inrapporteringen stängs under ett dygn vid övergången; vårdgivarna meddelas en månad före.\n", ""}, "1:1: error P021: the template needs practicalities"},
		{"a milestone missing", []string{"  verified: 2027-09-10\n", ""}, ":34:3: error P021: the template needs timeline.verified"},
		{"sub-registers not stated", []string{"  sub_registers: []\n", ""}, ":17:7: error P021: the template needs register.sub_registers"},
		{"a date that is no date", []string{"rehearsal: 2027-04-15", "rehearsal: 15 april"}, ":35:14: error P022"},
		{"milestones out of order", []string{"cut_over: 2027-09-02", "cut_over: 2027-08-02"}, ":37:13: error P023: cut_over is planned for 2027-08-02, before legacy_frozen (2027-09-01)"},
		{"done out of order", []string{"step: B\n", "step: B\nprogress: {rehearsal: 2027-05-01, plan_approved: 2027-06-01}\n"}, "error P023: rehearsal is done for 2027-05-01, before plan_approved"},
		{"review before handover", []string{"review_date: 2032-10-01", "review_date: 2027-09-30"}, ":53:16: error P023: history.review_date 2027-09-30 is not after"},
		{"archive owner not the future CPUA", []string{"archive_owner: Västra Götalandsregionen", "archive_owner: RCO VGR"}, ":51:18: error P024: the archive owner \"RCO VGR\" is not the future CPUA"},
		{"a step that is no step", []string{"step: B", "step: E"}, ":32:7: error P030"},
		{"a cost that is no number", []string{"sek: 420000", "sek: 420 000 kr"}, ":55:8: error P030"},
		{"an approval without a hash", []string{"step: B\n", "step: B\napprovals:\n  - {by: A, role: registerhållare, date: 2026-01-01}\n"}, "error P030: an approval needs sha256"},
		{"a stale approval", []string{"step: B\n", "step: B\napprovals:\n  - {by: A, role: registerhållare, date: 2026-01-01, sha256: " + strings.Repeat("ab", 32) + "}\n"}, "error P025: the approval by A (registerhållare, 2026-01-01) is of another version of the plan"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := templateDiags(t, demoCopy(t, c.edits...))
			if !strings.Contains(ds.Error(), c.want) {
				t.Errorf("want %q in:\n%s", c.want, ds.Error())
			}
		})
	}
}

// The hash leaves out the approvals and progress sections, wherever they
// stand, and nothing else: recording an approval or a milestone done keeps
// it; changing the plan, a comment of it, or a mapping it names does not.
func TestHashCoversThePlanButNotItsRecords(t *testing.T) {
	hash := func(path string) string {
		t.Helper()
		p, ds := plans.Check(path)
		in, ids := p.LoadInputs()
		if ds.Err() != nil || ids.Err() != nil {
			t.Fatal(ds, ids)
		}
		h, err := p.Hash(in)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	base := hash(demoCopy(t))
	records := "approvals:\n  # signed on paper too\n  - by: A\n    role: registerhållare\n    date: 2026-01-01\n    sha256: " + base + "\nprogress:\n  rehearsal: 2027-04-16\n"
	same := map[string][]string{
		"records at the end":    {"run:\n  batch_size: 5000\n", "run:\n  batch_size: 5000\n" + records},
		"records in the middle": {"step: B\n", records + "step: B\n"},
	}
	for name, edits := range same {
		if got := hash(demoCopy(t, edits...)); got != base {
			t.Errorf("%s changed the hash", name)
		}
	}
	changed := map[string][]string{
		"a date":    {"cut_over: 2027-09-02", "cut_over: 2027-09-03"},
		"a comment": {"# The strategy's template", "# The template"},
		"the run":   {"batch_size: 5000", "batch_size: 4000"},
	}
	for name, edits := range changed {
		if got := hash(demoCopy(t, edits...)); got == base {
			t.Errorf("changing %s kept the hash", name)
		}
	}
	// A mapping the plan names is part of what is approved.
	path := demoCopy(t)
	m := filepath.Join(filepath.Dir(path), "m.yaml")
	b, err := os.ReadFile("demo/mapping.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, m, string(b))
	text, _ := os.ReadFile(path)
	repo, _ := filepath.Abs("..")
	write(t, path, strings.Replace(string(text), repo+"/plans/demo/mapping.yaml", m, 1))
	before := hash(path)
	write(t, m, string(b)+"\n# a changed mapping\n")
	if hash(path) == before {
		t.Error("changing a mapping kept the hash")
	}
}
