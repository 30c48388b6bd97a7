package plans_test

import (
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// The hash cuts the approvals and progress sections by the lines YAML
// reads them on. YAML breaks a line at a lone carriage return and at
// NEL, LS and PS too (a comment pasted from a word processor, a file
// saved with old Mac line ends): counted only at newlines, the cut
// slid down one line per such break before the section, leaving the
// section's key hashed and cutting the line after it, so that the
// field there (the step, the opt-out list, the target) could change
// under an approval that still read as of this version.
func TestHashCutsTheLinesYAMLReadsAsTheSection(t *testing.T) {
	hash := func(path string) string {
		t.Helper()
		p, ds := plans.Check(path)
		if p == nil || ds.Err() != nil {
			t.Fatal(ds)
		}
		in, ids := p.LoadInputs()
		if ids.Err() != nil {
			t.Fatal(ids)
		}
		h, err := p.Hash(in)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	const progress = "progress:\n  rehearsal: 2027-04-16\nstep: B\n"
	for name, brk := range map[string]string{
		"a lone carriage return": "\r",
		"NEL":                    "\u0085",
		"LS":                     "\u2028",
		"PS":                     "\u2029",
	} {
		comment := "plan: 1\n# reviewed at the meeting" + brk + "# of 2026-12-01\n"
		base := hash(demoCopy(t, "plan: 1\n", comment, "step: B\n", progress))
		// The progress section is not hashed: recording a milestone done
		// keeps the approval.
		if got := hash(demoCopy(t, "plan: 1\n", comment, "step: B\n", "progress:\n  rehearsal: 2027-04-17\nstep: B\n")); got != base {
			t.Errorf("%s: a milestone recorded done changed the hash", name)
		}
		// plan approve edits the approvals by the same lines: it refused
		// such a plan ("does not read back").
		path := demoCopy(t, "plan: 1\n", comment, "step: B\n", "approvals:\n  - by: Anna Andersson\n    role: registerhållare\n    date: 2026-01-01\n    sha256: "+base+"\n"+progress)
		sum := approve(t, path, "Anna Andersson", "registerhållare", "2026-01-02")
		if p, ds := plans.Check(path); p == nil || ds.Err() != nil || sum != base || !p.Approved(sum) || len(p.Template.Approvals) != 1 {
			t.Errorf("%s: plan approve of a plan with it: %v, sum %.12s, base %.12s", name, ds, sum, base)
		}
		// The line after it is: another step is another plan.
		if got := hash(demoCopy(t, "plan: 1\n", comment, "step: B\n", "progress:\n  rehearsal: 2027-04-16\nstep: C\n")); got == base {
			t.Errorf("%s before the progress section: changing the field after it (step B to C) kept the hash, and the approval", name)
		}
	}
}
