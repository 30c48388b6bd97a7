package plans_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

func approve(t *testing.T, path, by, role, date string) string {
	t.Helper()
	p, ds := plans.Check(path)
	in, ids := p.LoadInputs()
	if ds.Err() != nil || ids.Err() != nil {
		t.Fatal(ds, ids)
	}
	d, _ := time.Parse(time.DateOnly, date)
	sum, err := p.Approve(in, by, role, d)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func codes(ds mappings.Diagnostics) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.Code)
	}
	return strings.Join(s, " ")
}

// An approval is recorded with the plan's hash, keeps every comment of
// the file, does not make the others stale, goes stale when the plan
// changes, and a second approval by the same person replaces the first.
func TestApproveRecordsAndGoesStale(t *testing.T) {
	path := demoCopy(t, "run:\n  batch_size: 5000\n", "run:\n  batch_size: 5000 # per transaction\n# trailing note\n")
	before, _ := os.ReadFile(path)
	sum := approve(t, path, "Anna Andersson", "registerhållare", "2027-01-20")
	approve(t, path, "Bo Berg: CPUA", "CPUA-företrädare", "2027-01-21")
	after, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(before), "\n") {
		if strings.Contains(line, "#") && !strings.Contains(string(after), line) {
			t.Errorf("the comment line %q was lost", line)
		}
	}
	if !strings.HasPrefix(string(after), string(before)) {
		t.Errorf("approving changed the plan's text:\n%s", after)
	}
	if ds := templateDiags(t, path); len(ds) != 0 {
		t.Fatalf("approved plan: %v", ds)
	}
	p, _ := plans.Load(path)
	if len(p.Template.Approvals) != 2 || p.Template.Approvals[0].SHA256.Value != sum || p.Template.Approvals[1].By.Value != "Bo Berg: CPUA" {
		t.Fatalf("approvals: %+v", p.Template.Approvals)
	}

	// The plan changes: both approvals are stale, each named at its hash.
	write(t, path, strings.Replace(string(after), "cut_over: 2027-09-02", "cut_over: 2027-09-03", 1))
	if got := codes(templateDiags(t, path)); got != "P025 P025" {
		t.Fatalf("after a change: %s", got)
	}
	// Anna approves again: her stale approval is replaced, Bo's stays stale.
	approve(t, path, "Anna Andersson", "registerhållare", "2027-01-25")
	ds := templateDiags(t, path)
	if got := codes(ds); got != "P025" || !strings.Contains(ds.Error(), "approval by Bo Berg: CPUA") {
		t.Fatalf("after approving again: %v", ds)
	}
	p, _ = plans.Load(path)
	if len(p.Template.Approvals) != 2 || p.Template.Approvals[1].By.Value != "Anna Andersson" || p.Template.Approvals[1].Date.String() != "2027-01-25" {
		t.Fatalf("approvals: %+v", p.Template.Approvals)
	}
}

// An approvals section in the middle of the plan, or empty, is added to
// in place; a flow list with entries is refused and the plan left as it was.
func TestApproveEditsTheSectionWhereItIs(t *testing.T) {
	path := demoCopy(t, "step: B\n", "approvals: [] # none yet\n# The step\nstep: B\n")
	approve(t, path, "Anna", "registerhållare", "2027-01-20")
	text, _ := os.ReadFile(path)
	if !strings.Contains(string(text), "approvals:\n  - by: Anna\n    role: registerhållare\n    date: 2027-01-20\n    sha256: ") ||
		!strings.Contains(string(text), "# The step\nstep: B\n") {
		t.Fatalf("plan:\n%s", text)
	}
	if ds := templateDiags(t, path); len(ds) != 0 {
		t.Fatal(ds)
	}

	flow := demoCopy(t, "step: B\n", "approvals: [{by: A, role: r, date: 2027-01-01, sha256: "+strings.Repeat("0", 64)+"}]\nstep: B\n")
	before, _ := os.ReadFile(flow)
	p, _ := plans.Load(flow)
	in, _ := p.LoadInputs()
	if _, err := p.Approve(in, "Anna", "registerhållare", time.Now()); err == nil || !strings.Contains(err.Error(), "block list") {
		t.Fatalf("flow list: %v", err)
	}
	if after, _ := os.ReadFile(flow); string(after) != string(before) {
		t.Fatal("a refused approval changed the plan")
	}
}
