package portfolio

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// The review's verdict line of a failed verification says what failed, as
// regflytt verify's verdict does: the records, access, both, or other
// checks; in Swedish and in English. It said only "Verification: FAIL.",
// so a registry holder could not tell a lost record from a widened grant.
func TestReviewFailVerdictSaysWhatFailed(t *testing.T) {
	p, in, sum := reviewFixture(t)
	base, err := LoadReports("testdata/review/reports/review")
	if err != nil || base.Run == nil {
		t.Fatal(err)
	}
	swedish := func(reps Reports) string {
		t.Helper()
		var md bytes.Buffer
		if err := mappings.WriteMarkdown(&md, Review(p, in, sum, reps, Swedish)); err != nil {
			t.Fatal(err)
		}
		return md.String()
	}
	withRun := func(edit func(r *verify.Report)) Reports {
		reps := base
		run := *base.Run
		run.Tables = append([]verify.TableCheck(nil), base.Run.Tables...)
		run.PlanHash = sum
		edit(&run)
		reps.Run = &run
		return reps
	}
	recordsLost := func(r *verify.Report) { r.Tables[0].OK = false }
	accessWidened := func(r *verify.Report) {
		r.Access = &verify.AccessCheck{OK: false}
		r.Problems = []string{"access: account 7 reads unit 12 it could not before"}
	}
	cases := []struct {
		name   string
		reps   Reports
		en, sv string
	}{
		{"records", withRun(recordsLost),
			"Verification: FAIL: not every source record is accounted for; see Open alarms.",
			"Verifieringen: UNDERKÄND (FAIL): inte varje källpost är redovisad; se Öppna larm."},
		{"access", withRun(accessWidened),
			"Verification: FAIL: every source record is accounted for, but access is not as on the legacy platform (who may see what); see Open alarms.",
			"Verifieringen: UNDERKÄND (FAIL): varje källpost är redovisad, men behörigheterna är inte som i det gamla systemet (vem som får se vad); se Öppna larm."},
		{"both", withRun(func(r *verify.Report) { recordsLost(r); accessWidened(r) }),
			"Verification: FAIL: not every source record is accounted for, and access is not as on the legacy platform (who may see what); see Open alarms.",
			"Verifieringen: UNDERKÄND (FAIL): inte varje källpost är redovisad, och behörigheterna är inte som i det gamla systemet (vem som får se vad); se Öppna larm."},
		{"other", withRun(func(r *verify.Report) {}),
			"Verification: FAIL: checks other than the record equations and access failed (the contents, the target, the archive, the lists or findings); see Open alarms.",
			"Verifieringen: UNDERKÄND (FAIL): andra kontroller än postbalansen och behörigheterna underkändes (innehållet, målet, arkivet, listorna eller fynd); se Öppna larm."},
	}
	// regflytt verify's report of the run outranks the run's: a run whose
	// equations held, verified later failing on access.
	later := withRun(func(r *verify.Report) { r.Pass, r.Problems = true, nil })
	later.Verify = &verify.Summary{Register: later.Run.Register, Started: later.Run.Finished.Add(time.Hour), PlanHash: sum,
		Source: later.Run.Source, Target: later.Run.Target, Archive: verify.ArchiveEquation{OK: true},
		Tables: []verify.TableEquation{{OK: true}}, Access: &verify.AccessCheck{OK: false}}
	cases = append(cases, struct {
		name   string
		reps   Reports
		en, sv string
	}{"later verify", later,
		"Verification: FAIL: every source record is accounted for, but access is not as on the legacy platform (who may see what); see Open alarms.",
		"Verifieringen: UNDERKÄND (FAIL): varje källpost är redovisad, men behörigheterna är inte som i det gamla systemet (vem som får se vad); se Öppna larm."})
	// A row deleted from the target after the run fails verify's content
	// check, its equations holding: the verdict says no more than that
	// other checks failed, never that every record is accounted for.
	lost := later
	v := *later.Verify
	v.Access, v.Problems = nil, []string{"verify: visit key (1): expected from the source, missing in the target"}
	lost.Verify = &v
	cases = append(cases, struct {
		name   string
		reps   Reports
		en, sv string
	}{"a row missing from the target", lost,
		"Verification: FAIL: checks other than the record equations and access failed (the contents, the target, the archive, the lists or findings); see Open alarms.",
		"Verifieringen: UNDERKÄND (FAIL): andra kontroller än postbalansen och behörigheterna underkändes (innehållet, målet, arkivet, listorna eller fynd); se Öppna larm."})
	for _, c := range cases {
		if doc := reviewMarkdown(t, p, in, sum, c.reps); !strings.Contains(doc, c.en) {
			t.Errorf("%s: the English review does not say %q:\n%s", c.name, c.en, tail(doc))
		}
		if doc := swedish(c.reps); !strings.Contains(doc, c.sv) {
			t.Errorf("%s: the Swedish review does not say %q:\n%s", c.name, c.sv, doc[strings.Index(doc, "## Senaste körning"):])
		}
	}
}
