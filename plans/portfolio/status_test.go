package portfolio

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// statusFixture writes four plans of the review fixture's shape into a
// plans directory, and their work directories into a reports directory:
// one archived, one migrated whose verification failed, one draft, one
// approved and changed since.
func statusFixture(t *testing.T) (plansDir, reportsDir string) {
	t.Helper()
	root := t.TempDir()
	plansDir, reportsDir = filepath.Join(root, "plans"), filepath.Join(root, "reports")
	text, err := os.ReadFile(reviewPlan)
	if err != nil {
		t.Fatal(err)
	}
	pf, _ := filepath.Abs("../../testdata/portfolio.yaml")
	base := strings.Replace(string(text), "../../../../testdata/portfolio.yaml", pf, 1)
	base = strings.Replace(base, "progress:\n  plan_approved: 2026-02-01\n  rehearsal: 2026-04-16\n", "", 1)
	for _, f := range []string{"schema.yaml", "m.yaml"} {
		b, _ := os.ReadFile(filepath.Join("testdata/review", f))
		mustWrite(t, filepath.Join(plansDir, f), string(b))
	}
	type fixture struct {
		id, name, progress string
		approve, change    bool
		pass               *bool
		archiveOwner       string
	}
	yes, no := true, false
	fixtures := []fixture{
		{"a-archived", "Svenska Cornearegistret", "progress:\n  rehearsal: 2027-04-16\n  cut_over: 2027-09-02\n  verified: 2027-09-09\n  archive_handed_over: 2027-10-01\n", true, false, &yes, "Västra Götalandsregionen"},
		{"b-failed", "Makularegistret", "progress:\n  rehearsal: 2027-05-02\n  cut_over: 2027-10-02\n  verified: 2027-10-09\n", true, false, &no, ""},
		{"c-draft", "Svenska Traumaregistret", "", false, false, nil, ""},
		{"d-changed", "Svenska BPSD-registret", "progress:\n  rehearsal: 2027-04-20\n", true, true, nil, ""},
	}
	for _, f := range fixtures {
		text := strings.Replace(strings.Replace(base, "id: review", "id: "+f.id, 1), "Granskningsregistret (synthetic)", f.name, 1)
		text = strings.Replace(text, "step: B\n", "step: B\n"+f.progress, 1)
		path := mustWrite(t, filepath.Join(plansDir, f.id+".yaml"), text)
		if f.approve {
			approveFixture(t, path, "Anna Andersson", "registerhållare")
		}
		if f.change {
			b, _ := os.ReadFile(path)
			mustWrite(t, path, strings.Replace(string(b), "sek: 420000", "sek: 480000", 1))
		}
		work := filepath.Join(reportsDir, f.id)
		if f.pass != nil {
			rep := verify.Report{Version: 1, Register: f.id, Pass: *f.pass, Started: time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC), PlanHash: fixtureHash(t, plansDir, f.id)}
			if !*f.pass {
				rep.Problems = []string{"target table visit holds 11949 rows, the run wrote 11950"}
			}
			mustWriteJSON(t, filepath.Join(work, "report.json"), rep)
		}
		if f.archiveOwner != "" {
			writeArchive(t, filepath.Join(work, "archive"), archive.Meta{Register: f.id, Owner: f.archiveOwner, Run: "20270902T080000Z"})
		}
	}
	return plansDir, reportsDir
}

// writeArchive writes an empty archive package with meta at dir, in place
// of any there.
func writeArchive(t *testing.T, dir string, meta archive.Meta) {
	t.Helper()
	os.RemoveAll(dir)
	w, err := archive.Create(dir, meta)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(time.Date(2027, 10, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
}

// mustWriteJSON writes v as JSON at path.
func mustWriteJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, path, string(b))
}

func mustWrite(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// Each plan's state follows from its approvals, progress and reports; the
// text and the HTML page are checked against golden files, the HTML for
// network references and in headless Chromium where installed.
func TestStatusGolden(t *testing.T) {
	plansDir, reportsDir, ps := loadedFixture(t)
	st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a-archived": "archived", "b-failed": "migrated", "c-draft": "draft", "d-changed": "draft"}
	for _, p := range st.Plans {
		if p.State != want[p.Register] {
			t.Errorf("%s: %s, want %s (%v)", p.Register, p.State, want[p.Register], p.Problems)
		}
	}
	var text, page bytes.Buffer
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	golden(t, "status.txt", text.Bytes())
	if err := st.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	golden(t, "status.html", page.Bytes())
	if m := networkRef.FindString(page.String()); m != "" {
		t.Errorf("the HTML refers to the network: %q", m)
	}
	if !strings.Contains(page.String(), "<svg") {
		t.Error("no chart")
	}
	openInChromium(t, page.Bytes(), "Portfolio status")

	// A rehearsal's report (started before the legacy system was frozen)
	// does not make a plan migrated, let alone verified.
	early := verify.Report{Version: 1, Register: "a-archived", Pass: true, Started: time.Date(2027, 4, 16, 8, 0, 0, 0, time.UTC), PlanHash: fixtureHash(t, plansDir, "a-archived")}
	b, _ := json.Marshal(early)
	good, _ := os.ReadFile(filepath.Join(reportsDir, "a-archived", "report.json"))
	mustWrite(t, filepath.Join(reportsDir, "a-archived", "report.json"), string(b))
	st, err = followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Plans[0]; a.State != "rehearsed" || !strings.Contains(strings.Join(a.Problems, ";"), "a rehearsal, not the migration") {
		t.Errorf("a rehearsal's report: %s %v", a.State, a.Problems)
	}
	mustWrite(t, filepath.Join(reportsDir, "a-archived", "report.json"), string(good))

	// An archive package owned by someone else is not archived.
	w, err := archive.Create(filepath.Join(reportsDir, "a-archived", "archive2"), archive.Meta{Register: "a-archived", Owner: "Region Skåne"})
	if err != nil {
		t.Fatal(err)
	}
	w.Close(time.Now())
	os.RemoveAll(filepath.Join(reportsDir, "a-archived", "archive"))
	os.Rename(filepath.Join(reportsDir, "a-archived", "archive2"), filepath.Join(reportsDir, "a-archived", "archive"))
	st, err = followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Plans[0]; a.State != "verified" || !strings.Contains(strings.Join(a.Problems, ";"), `owned by "Region Skåne", not the future CPUA`) {
		t.Errorf("a package of another owner: %s %v", a.State, a.Problems)
	}
}

// The follow-up counts a registry as migrated and verified only on the
// evidence of a run that finished and a verification that passes as
// regflytt verify judges it: a stopped run's report.json (written with
// status failed or interrupted) is no migration, a run whose report lists
// open alarms is not verified (regflytt verify fails until the plan
// acknowledges them) unless a later verify-report.json passes, and a
// later verify-report.json that fails undoes the run's PASS.
func TestStatusNeedsAFinishedRunAndAPassingVerify(t *testing.T) {
	plansDir, reportsDir, ps := loadedFixture(t)
	work := filepath.Join(reportsDir, "a-archived")
	runStart := time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC)
	sum := fixtureHash(t, plansDir, "a-archived")
	writeRun := func(fields map[string]any) {
		rep := map[string]any{"report_version": 1, "register": "a-archived", "started": runStart, "plan_hash": sum}
		for k, v := range fields {
			rep[k] = v
		}
		mustWriteJSON(t, filepath.Join(work, "report.json"), rep)
	}
	writeVerify := func(pass bool, started time.Time) {
		mustWriteJSON(t, filepath.Join(work, verify.JSONFile), verify.Summary{Register: "a-archived", Pass: pass, Started: started, PlanHash: sum})
	}
	state := func(what string) PlanStatus {
		t.Helper()
		st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range st.Plans {
			if p.Register == "a-archived" {
				t.Logf("%s: %s %s %v", what, p.State, p.Verification, p.Problems)
				return p
			}
		}
		t.Fatal("no plan a-archived")
		return PlanStatus{}
	}
	movedOut := func() int {
		st, _ := followUp(strategy(t), ps, reportsDir, fixtureDay)
		n := 0
		for _, s := range st.Systems {
			n += s.Out
		}
		return n
	}
	before := movedOut()

	writeRun(map[string]any{"status": "interrupted", "batches_committed": 3, "error": "interrupted", "pass": false,
		"problems": []string{"the run stopped before it finished: nothing is verified yet"}})
	if p := state("stopped run"); p.State != "rehearsed" || !strings.Contains(strings.Join(p.Problems, ";"), "stopped before it finished") {
		t.Errorf("a stopped run's report counts as the migration: %s %v", p.State, p.Problems)
	}
	if n := movedOut(); n != before-1 {
		t.Errorf("a stopped run counts as moved out: %d registries moved out, want %d", n, before-1)
	}
	// A stopped run whose resume was refused (the plan changed since) is
	// not to be resumed: resuming it is refused again.
	writeRun(map[string]any{"status": "interrupted", "batches_committed": 3, "error": "interrupted", "pass": false,
		"problems":       []string{"the run stopped before it finished: nothing is verified yet"},
		"resume_refused": "cannot resume: changed since the interrupted run: plan/mapping.yaml (put them back as they were to resume, or start over with --restart)"})
	if p := state("stopped run, resume refused"); !strings.Contains(strings.Join(p.Problems, ";"), "--restart") || strings.Contains(strings.Join(p.Problems, ";"), "resume it with regflytt run") {
		t.Errorf("a stopped run whose resume was refused is to be resumed: %s %v", p.State, p.Problems)
	}

	alarm := []verify.Finding{{ID: "archived_share.visit", Kind: "archived_share", Subject: "visit", Count: 90, Of: 1000}}
	writeRun(map[string]any{"pass": true, "alarms": alarm})
	if p := state("open alarm"); p.State != "migrated" || !strings.Contains(strings.Join(p.Problems, ";"), "archived_share.visit") {
		t.Errorf("a run with an open alarm counts as verified: %s %v", p.State, p.Problems)
	}
	writeVerify(true, runStart.Add(-time.Hour))
	if p := state("open alarm, an older verify PASS"); p.State != "migrated" {
		t.Errorf("a verify-report.json older than the run counts: %s %v", p.State, p.Problems)
	}
	writeVerify(true, runStart.Add(24*time.Hour))
	if p := state("open alarm, acknowledged and verified since"); p.State != "archived" {
		t.Errorf("a later verify PASS does not count: %s %v", p.State, p.Problems)
	}

	writeRun(map[string]any{"pass": true})
	writeVerify(false, runStart.Add(24*time.Hour))
	if p := state("run PASS, later verify FAIL"); p.State != "migrated" || p.Verification != "FAIL" {
		t.Errorf("a later verify FAIL is not seen: %s %s %v", p.State, p.Verification, p.Problems)
	}
}

// A report of a run of another version of the plan (a mapping or code
// list changed and approved again since) is not the migration of the plan
// as approved: the run's report.json and verify-report.json name the
// plan's hash, and a report of another hash is stale.
func TestStatusRefusesAReportOfAnotherPlanVersion(t *testing.T) {
	_, reportsDir, ps := loadedFixture(t)
	var p *plans.Plan
	for _, q := range ps {
		if q.RegisterID.Value == "a-archived" {
			p = q
		}
	}
	in, ids := p.LoadInputs()
	if ids.Err() != nil {
		t.Fatal(ids)
	}
	current, err := p.Hash(in)
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(reportsDir, "a-archived")
	runStart := time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC)
	state := func(runHash, verifyHash string) PlanStatus {
		t.Helper()
		mustWriteJSON(t, filepath.Join(work, "report.json"), verify.Report{Version: 1, Register: "a-archived", Pass: true, Started: runStart, PlanHash: runHash})
		os.Remove(filepath.Join(work, verify.JSONFile))
		if verifyHash != "" {
			mustWriteJSON(t, filepath.Join(work, verify.JSONFile), verify.Summary{Register: "a-archived", Pass: false, Started: runStart.Add(time.Hour), PlanHash: verifyHash})
		}
		st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
		if err != nil {
			t.Fatal(err)
		}
		return st.Plans[0]
	}
	other := strings.Repeat("0", len(current))
	if s := state(other, ""); s.State != "rehearsed" || !strings.Contains(strings.Join(s.Problems, ";"), "another version of the plan") {
		t.Errorf("a run of another version of the plan counts: %s %v", s.State, s.Problems)
	}
	if s := state(current, ""); s.State != "archived" {
		t.Errorf("a run of the plan as approved: %s %v", s.State, s.Problems)
	}
	// A failing verify of another version says nothing of this run; one
	// of this version does.
	if s := state(current, other); s.State != "archived" {
		t.Errorf("a verify of another version of the plan counts: %s %v", s.State, s.Problems)
	}
	if s := state(current, current); s.State != "migrated" || s.Verification != "FAIL" {
		t.Errorf("a failing verify of the plan as approved: %s %s %v", s.State, s.Verification, s.Problems)
	}
}

// An archive package of another register, though owned by the right
// CPUA and whole, is not this registry's archive handed over.
func TestStatusRefusesAnArchiveOfAnotherRegister(t *testing.T) {
	_, reportsDir, ps := loadedFixture(t)
	writeArchive(t, filepath.Join(reportsDir, "a-archived", "archive"), archive.Meta{Register: "b-failed", Owner: "Västra Götalandsregionen"})
	st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Plans[0]; a.State != "verified" || !strings.Contains(strings.Join(a.Problems, ";"), `of register "b-failed"`) {
		t.Errorf("another register's archive package counts as handed over: %s %v", a.State, a.Problems)
	}
}

// Two plans of one registry (a copy left beside the plan) move it once:
// the follow-up counted it moved out of its system twice.
func TestStatusCountsARegistryOnce(t *testing.T) {
	plansDir, reportsDir := statusFixture(t)
	count := func() (out, in int) {
		for _, s := range followUpDir(t, plansDir, reportsDir, fixtureDay).Systems {
			out, in = out+s.Out, in+s.In
		}
		return out, in
	}
	out, in := count()
	b, err := os.ReadFile(filepath.Join(plansDir, "a-archived.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(plansDir, "a-archived-copy.yaml"), string(b))
	if o, i := count(); o != out || i != in {
		t.Errorf("with a second plan of one registry: %d moved out and %d in, want %d and %d", o, i, out, in)
	}
	ps, _, _ := LoadPlans(plansDir)
	st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := st.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "a second plan of register a-archived") {
		t.Errorf("the second plan is not named:\n%s", text.String())
	}
}

// A plan approved as it stands by someone other than its registry holder
// (the CPUA's representative) is not approved, in the follow-up nor in
// the review document: the strategy has the registry holder approve it.
func TestApprovedOnlyByTheRegistryHolder(t *testing.T) {
	plansDir, _ := statusFixture(t)
	path := filepath.Join(plansDir, "c-draft.yaml")
	sum := approveFixture(t, path, "Bo Berg", "CPUA")
	if s := statusToday(t, plansDir, "c-draft"); s.State != "draft" || !strings.Contains(strings.Join(s.Problems, ";"), "registry holder") {
		t.Errorf("approved by the CPUA alone: %s %v", s.State, s.Problems)
	}
	p, in := fixturePlan(t, path)
	if md := reviewMarkdown(t, p, in, sum, Reports{}); strings.Contains(md, "State: approved") || !strings.Contains(md, "not by the registry holder") {
		t.Errorf("the review of a plan approved by the CPUA alone:\n%s", md[:400])
	}
}

// fixtureDay is the day the status fixture is followed up on: after its
// milestones, which are recorded done in 2027.
var fixtureDay = time.Date(2028, 6, 1, 0, 0, 0, 0, time.UTC)

// fixtureHash is the hash of the status fixture's plan of register id.
func fixtureHash(t *testing.T, plansDir, id string) string {
	t.Helper()
	p, in := fixturePlan(t, filepath.Join(plansDir, id+".yaml"))
	sum, err := p.Hash(in)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// fixturePlan loads the plan at path with the files it names.
func fixturePlan(t *testing.T, path string) (*plans.Plan, *plans.Inputs) {
	t.Helper()
	p, ds := plans.Load(path)
	if p == nil || ds.Err() != nil {
		t.Fatal(ds)
	}
	in, ids := p.LoadInputs()
	if ids.Err() != nil {
		t.Fatal(ids)
	}
	return p, in
}

// approveFixture records by's approval in role of the plan at path as it
// stands, dated 2026-01-20, and returns the plan's hash.
func approveFixture(t *testing.T, path, by, role string) string {
	t.Helper()
	p, in := fixturePlan(t, path)
	sum, err := p.Approve(in, by, role, time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// followUpDir is the follow-up on today of the plans in plansDir with the
// reports in reportsDir.
func followUpDir(t *testing.T, plansDir, reportsDir string, today time.Time) *Status {
	t.Helper()
	ps, ds, err := LoadPlans(plansDir)
	if err != nil || ds.Err() != nil {
		t.Fatal(err, ds)
	}
	st, err := followUp(strategy(t), ps, reportsDir, today)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// loadedFixture is statusFixture with its plans loaded.
func loadedFixture(t *testing.T) (plansDir, reportsDir string, ps []*plans.Plan) {
	t.Helper()
	plansDir, reportsDir = statusFixture(t)
	ps, ds, err := LoadPlans(plansDir)
	if err != nil || ds.Err() != nil {
		t.Fatal(err, ds)
	}
	return plansDir, reportsDir, ps
}

// The follow-up and the review take as evidence only reports that say
// they are of this plan's version and of the run's databases: a
// report.json that names no plan hash is no migration of the plan as it
// stands, a run of another version is no PASS of this one, a
// verify-report.json of another target (a rehearsal database verified
// after the run) says nothing of the run's, and a verify that fails on its
// equations alone (no problem line) is counted by what fails.
func TestStatusTakesOnlyEvidenceOfThisRun(t *testing.T) {
	plansDir, reportsDir, ps := loadedFixture(t)
	sum := fixtureHash(t, plansDir, "a-archived")
	work := filepath.Join(reportsDir, "a-archived")
	runStart := time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC)
	const prod, rehearsal = "postgres://db.example/prod", "postgres://db.example/rehearsal"
	alarm := []verify.Finding{{ID: "archived_share.visit", Kind: "archived_share", Subject: "visit", Count: 90, Of: 1000}}
	writeRun := func(rep verify.Report) {
		rep.Version, rep.Register, rep.Started, rep.Finished = 1, "a-archived", runStart, runStart.Add(time.Hour)
		mustWriteJSON(t, filepath.Join(work, "report.json"), rep)
	}
	writeVerify := func(s *verify.Summary) {
		os.Remove(filepath.Join(work, verify.JSONFile))
		if s == nil {
			return
		}
		s.Register, s.Started = "a-archived", runStart.Add(24*time.Hour)
		mustWriteJSON(t, filepath.Join(work, verify.JSONFile), s)
	}
	state := func(what string) PlanStatus {
		t.Helper()
		st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s %s %v", what, st.Plans[0].State, st.Plans[0].Verification, st.Plans[0].Problems)
		return st.Plans[0]
	}
	review := func() string {
		t.Helper()
		reps, err := LoadReports(work)
		if err != nil {
			t.Fatal(err)
		}
		return reviewMarkdown(t, ps[0], nil, sum, reps)
	}

	writeRun(verify.Report{Pass: true, Target: prod})
	writeVerify(nil)
	if s := state("no plan hash"); s.State != "rehearsed" || !strings.Contains(strings.Join(s.Problems, ";"), "plan_hash") {
		t.Errorf("a report.json naming no version of the plan counts as its migration: %s %v", s.State, s.Problems)
	}

	writeRun(verify.Report{Pass: true, Target: prod, PlanHash: strings.Repeat("0", 64)})
	if s := state("run of another version"); s.Verification == "PASS" {
		t.Errorf("a run of another version of the plan is shown as its PASS: %s %v", s.Verification, s.Problems)
	}
	if md := review(); strings.Contains(md, "Verification: PASS") {
		t.Errorf("the review shows a run of another version of the plan as a PASS:\n%s", md)
	}

	writeRun(verify.Report{Pass: true, Target: prod, PlanHash: sum, Alarms: alarm})
	writeVerify(&verify.Summary{Pass: true, Target: rehearsal, PlanHash: sum})
	if s := state("verify of another target"); s.State != "migrated" || s.Verification == "PASS" {
		t.Errorf("a verify of another target counts: %s %s %v", s.State, s.Verification, s.Problems)
	}
	if md := review(); strings.Contains(md, "Verification: PASS") {
		t.Errorf("the review shows a verify of another target as the run's PASS")
	}

	writeRun(verify.Report{Pass: true, Target: prod, PlanHash: sum})
	writeVerify(&verify.Summary{Pass: false, Target: prod, PlanHash: sum, Tables: []verify.TableEquation{{Source: "besok", SourceRecords: 10, Read: 9, Migrated: 9}}})
	s := state("verify failing on an equation")
	if s.Verification != "FAIL" || strings.Contains(strings.Join(s.Problems, ";"), "0 problem(s)") {
		t.Errorf("a verify failing on an equation: %s %v", s.Verification, s.Problems)
	}
	if md := review(); !strings.Contains(md, "source table besok") {
		t.Errorf("the review's open problems leave out verify's failed equation:\n%s", md)
	}
}

// The systems' counts move a registry the portfolio lists on the system
// its plan moves it from, once: a plan of a registry the portfolio does
// not list there (a synthetic one, or one on another system) took one of
// the system's real registries off its count, and two plans of one
// registry under two register ids moved it out twice, so that a system
// read empty while registries still lived on it.
func TestStatusCountsOnlyTheRegistriesThePortfolioLists(t *testing.T) {
	plansDir, reportsDir := statusFixture(t)
	pharos := func() SystemStatus {
		t.Helper()
		for _, s := range followUpDir(t, plansDir, reportsDir, fixtureDay).Systems {
			if s.ID == "pharos" {
				return s
			}
		}
		t.Fatal("no pharos")
		return SystemStatus{}
	}
	before := pharos()
	if before.Out != 2 || before.Now != 4 {
		t.Fatalf("the fixture: pharos %+v", before)
	}
	// b-failed becomes a plan of a registry the portfolio does not list:
	// pharos still carries its five listed registries and Kataraktregistret.
	path := filepath.Join(plansDir, "b-failed.yaml")
	text, _ := os.ReadFile(path)
	mustWrite(t, path, strings.Replace(string(text), "name: Makularegistret", "name: Granskningsregistret (synthetic)", 1))
	// Its run is of the plan as it stands now, approved again.
	ranAgain := func() {
		sum := approveFixture(t, path, "Anna Andersson", "registerhållare")
		mustWriteJSON(t, filepath.Join(reportsDir, "b-failed", "report.json"), verify.Report{Version: 1, Register: "b-failed", Pass: true, Started: time.Date(2027, 10, 2, 8, 0, 0, 0, time.UTC), PlanHash: sum})
	}
	ranAgain()
	if s := pharos(); s.Out != 1 || s.Now != 5 {
		t.Errorf("a plan of a registry pharos does not carry counts as moved out of it: %+v", s)
	}
	// A copy of a-archived under another register id is the same registry.
	mustWrite(t, path, strings.Replace(mustReadFile(t, filepath.Join(plansDir, "a-archived.yaml")), "id: a-archived", "id: b-failed", 1))
	ranAgain()
	if s := pharos(); s.Out != 1 || s.Now != 5 {
		t.Errorf("one registry with two plans moves out twice: %+v", s)
	}
}

func mustReadFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The archive package handed over is the migration's: one a rehearsal
// wrote (its run started before the legacy system was frozen), or that
// names no run, left at the plan's archive.dir passed its manifest with
// the right owner and made the registry archived.
func TestStatusArchiveOfTheMigration(t *testing.T) {
	_, reportsDir, ps := loadedFixture(t)
	for _, run := range []string{"20270416T080000Z", ""} {
		writeArchive(t, filepath.Join(reportsDir, "a-archived", "archive"), archive.Meta{Register: "a-archived", Owner: "Västra Götalandsregionen", Run: run})
		st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
		if err != nil {
			t.Fatal(err)
		}
		if a := st.Plans[0]; a.State != "verified" || !strings.Contains(strings.Join(a.Problems, ";"), "archive package") {
			t.Errorf("an archive package of run %q counts as the migration's: %s %v", run, a.State, a.Problems)
		}
	}
}

// A run that verified but did not finish (its report says unfinished:
// the seal, the lock or the last checkpoint failed) is no migration: its
// report.json was taken for one that finished, since only a stop report
// carries a status.
func TestStatusUnfinishedRunIsNoMigration(t *testing.T) {
	plansDir, reportsDir, ps := loadedFixture(t)
	b, _ := json.Marshal(verify.Report{Version: 1, Register: "a-archived", Started: time.Date(2027, 9, 2, 8, 0, 0, 0, time.UTC),
		PlanHash: fixtureHash(t, plansDir, "a-archived"), Unfinished: "seal the archive package: no space left on device"})
	mustWrite(t, filepath.Join(reportsDir, "a-archived", "report.json"), string(b))
	st, err := followUp(strategy(t), ps, reportsDir, fixtureDay)
	if err != nil {
		t.Fatal(err)
	}
	if a := st.Plans[0]; a.State != "rehearsed" || a.Verification != "STOPPED" {
		t.Errorf("an unfinished run: %s %s %v", a.State, a.Verification, a.Problems)
	}
}

// A milestone recorded done on a day still to come (a planned date
// copied into progress) is not done: the follow-up showed the legacy
// system decommissioned, or the registry rehearsed, on its say-so, and
// plan check passed it.
func TestProgressDatedAfterTodayIsNotDone(t *testing.T) {
	plansDir, _ := statusFixture(t)
	path := filepath.Join(plansDir, "c-draft.yaml")
	soon := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	mustWrite(t, path, strings.Replace(mustReadFile(t, path), "step: B\n", "step: B\nprogress:\n  rehearsal: "+soon+"\n", 1))
	approveFixture(t, path, "Anna Andersson", "registerhållare")
	p, in := fixturePlan(t, path)
	if tds := p.CheckTemplate(in); !strings.Contains(tds.Error(), "error P023: rehearsal is recorded done on "+soon+", after today") {
		t.Errorf("plan check of a rehearsal done %s: %v", soon, tds)
	}
	if s := statusToday(t, plansDir, "c-draft"); s.State != "approved" || !strings.Contains(strings.Join(s.Problems, ";"), "after today") {
		t.Errorf("a rehearsal recorded done %s: %s %v", soon, s.State, s.Problems)
	}
}

// statusToday is the follow-up's status of register id among the plans
// in plansDir, without reports, today.
func statusToday(t *testing.T, plansDir, id string) PlanStatus {
	t.Helper()
	for _, s := range followUpDir(t, plansDir, "", plans.Today()).Plans {
		if s.Register == id {
			return s
		}
	}
	t.Fatalf("no plan of %s", id)
	return PlanStatus{}
}

// A plan whose files cannot be read has no hash to judge its reports by:
// its run's PASS was shown in the verify column as this plan's.
func TestStatusUnreadablePlanShowsNoPass(t *testing.T) {
	plansDir, reportsDir := statusFixture(t)
	sum := fixtureHash(t, plansDir, "a-archived")
	mustWriteJSON(t, filepath.Join(reportsDir, "a-archived", verify.JSONFile), verify.Summary{Register: "a-archived", Pass: true,
		Started: time.Date(2027, 9, 3, 8, 0, 0, 0, time.UTC), PlanHash: sum})
	if err := os.Remove(filepath.Join(plansDir, "m.yaml")); err != nil {
		t.Fatal(err)
	}
	st := followUpDir(t, plansDir, reportsDir, fixtureDay)
	if a := st.Plans[0]; a.State != "draft" || a.Verification == "PASS" {
		t.Errorf("a plan whose mapping is gone: %s %s %v", a.State, a.Verification, a.Problems)
	}
}
