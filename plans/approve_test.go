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
	sum := approve(t, path, "Anna Andersson", "registerhållare", "2026-01-20")
	approve(t, path, "Bo Berg: CPUA", "CPUA-företrädare", "2026-01-21")
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
	approve(t, path, "Anna Andersson", "registerhållare", "2026-01-25")
	ds := templateDiags(t, path)
	if got := codes(ds); got != "P025" || !strings.Contains(ds.Error(), "approval by Bo Berg: CPUA") {
		t.Fatalf("after approving again: %v", ds)
	}
	p, _ = plans.Load(path)
	if len(p.Template.Approvals) != 2 || p.Template.Approvals[1].By.Value != "Anna Andersson" || p.Template.Approvals[1].Date.String() != "2026-01-25" {
		t.Fatalf("approvals: %+v", p.Template.Approvals)
	}
}

// An approvals section in the middle of the plan, or empty, is added to
// in place; a flow list with entries is refused and the plan left as it was.
func TestApproveEditsTheSectionWhereItIs(t *testing.T) {
	path := demoCopy(t, "step: B\n", "approvals: [] # none yet\n# The step\nstep: B\n")
	approve(t, path, "Anna", "registerhållare", "2026-01-20")
	text, _ := os.ReadFile(path)
	if !strings.Contains(string(text), "approvals:\n  - by: Anna\n    role: registerhållare\n    date: 2026-01-20\n    sha256: ") ||
		!strings.Contains(string(text), "# The step\nstep: B\n") {
		t.Fatalf("plan:\n%s", text)
	}
	if ds := templateDiags(t, path); len(ds) != 0 {
		t.Fatal(ds)
	}

	flow := demoCopy(t, "step: B\n", "approvals: [{by: A, role: r, date: 2026-01-01, sha256: "+strings.Repeat("0", 64)+"}]\nstep: B\n")
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

// A plan is approved when its registry holder approved it as it stands,
// on a day that has come: an approval of the same version by someone in
// another role (the CPUA, the RCO's technician) is recorded and shown but
// approves nothing, and an approval dated after today is refused by plan
// approve and an error of plan check (P030) when written by hand.
func TestApprovedNeedsTheRegistryHolderOnADayThatHasCome(t *testing.T) {
	path := demoCopy(t)
	sum := approve(t, path, "Bo Berg", "CPUA-företrädare", "2026-01-21")
	p, _ := plans.Load(path)
	if p.Approved(sum) {
		t.Error("an approval by the CPUA's representative alone counts as the registry holder's")
	}
	approve(t, path, "Anna Andersson", "Registerhållare", "2026-01-22")
	if p, _ = plans.Load(path); !p.Approved(sum) {
		t.Errorf("the registry holder's approval does not count: %+v", p.Template.Approvals)
	}

	future := time.Now().AddDate(0, 0, 3)
	p, _ = plans.Load(path)
	in, _ := p.LoadInputs()
	before, _ := os.ReadFile(path)
	if _, err := p.Approve(in, "Cecilia Ek", "registerhållare", future); err == nil || !strings.Contains(err.Error(), "after today") {
		t.Errorf("an approval dated %s: %v", future.Format(time.DateOnly), err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("a refused approval changed the plan")
	}

	dated := demoCopy(t)
	write(t, dated, strings.Replace(mustRead(t, dated), "step: B\n",
		"step: B\napprovals:\n  - {by: A, role: registerhållare, date: "+future.Format(time.DateOnly)+", sha256: "+strings.Repeat("0", 64)+"}\n", 1))
	p, _ = plans.Load(dated)
	in, _ = p.LoadInputs()
	sum, err := p.Hash(in)
	if err != nil {
		t.Fatal(err)
	}
	write(t, dated, strings.Replace(mustRead(t, dated), strings.Repeat("0", 64), sum, 1))
	ds := templateDiags(t, dated)
	if got := codes(ds); got != "P030" || !strings.Contains(ds.Error(), "after today") {
		t.Errorf("an approval dated in the future: %v", ds)
	}
	if p, _ = plans.Load(dated); p.Approved(sum) {
		t.Error("an approval dated in the future counts")
	}
	// Nobody's approval, written by hand, approves nothing either.
	write(t, dated, strings.Replace(mustRead(t, dated), "{by: A, role: registerhållare, date: "+future.Format(time.DateOnly), "{by: \"\", role: registerhållare, date: 2026-01-01", 1))
	if p, _ = plans.Load(dated); p.Approved(sum) {
		t.Errorf("an approval by nobody counts: %+v", p.Template.Approvals)
	}
}
