package portfolio

import (
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// The states of a plan, in order. A plan is in the furthest state whose
// evidence holds and every earlier one's too:
//
//	approved        an approval of the plan as it stands
//	rehearsed       progress.rehearsal recorded
//	migrated        progress.cut_over recorded and the report.json of a run
//	                that finished (a stopped run's report is not a migration)
//	verified        progress.verified recorded and the verification PASSes:
//	                regflytt verify's report when it is of the run, else the
//	                run's report with no open alarm
//	archived        progress.archive_handed_over recorded and the archive
//	                package of the register passes its manifest, owned by
//	                the future CPUA
//	decommissioned  progress.legacy_decommissioned recorded
var States = []string{"draft", "approved", "rehearsed", "migrated", "verified", "archived", "decommissioned"}

// PlanStatus is where one registry's migration stands.
type PlanStatus struct {
	Register, Name string
	Plan           string // the plan file's name
	From, To       string
	State          string
	// Verification is PASS or FAIL from regflytt verify's report of the
	// run, else from the run's report; ALARMS for a run that passed with
	// alarms open, STOPPED for one that stopped; "" without a run.
	Verification string
	ArchiveOwner string
	// Problems say why the plan is not further: evidence missing for a
	// milestone recorded as done, a stale approval, a failed verification.
	Problems []string
	// Planned and Done are the cut-over dates, for the chart.
	Planned, Done time.Time
	// blocked is why the plan is not in the state after State, when its
	// evidence was looked for and did not hold.
	blocked string
	// second marks a plan of a register another plan is counted for;
	// uncounted one of a registry the portfolio does not list on the
	// plan's current system.
	second, uncounted bool
}

// SystemStatus counts one system's registries before and after.
type SystemStatus struct {
	ID, Step              string
	Today, Out, In, Now   int
	PlannedOut, PlannedIn int
}

// Status is the national follow-up: every plan's state and every system's
// registries.
type Status struct {
	Plans   []PlanStatus
	Systems []SystemStatus
}

// FollowUp computes the status of the plans from their approvals,
// progress and the reports in reports: one work directory per register,
// reports/<register id>/ (report.json, dryrun.json, the archive package
// at the plan's archive.dir).
func FollowUp(pf *Portfolio, ps []*plans.Plan, reports string) (*Status, error) {
	return followUp(pf, ps, reports, plans.Today())
}

// followUp is FollowUp on the day today: a milestone recorded done after
// it is not done.
func followUp(pf *Portfolio, ps []*plans.Plan, reports string, today time.Time) (*Status, error) {
	st := &Status{}
	// counted is, per registry, the plan the systems' counts take: a
	// second plan of one registry (a copy left beside it, under its own
	// register id or another) is listed, but the registry moves once, as
	// far as its furthest plan. A plan of a registry the portfolio does
	// not list on the system the plan moves it from moves none of that
	// system's registries, and is left out of the counts.
	first, counted := map[string]*plans.Plan{}, map[string]int{}
	keys := make([]string, len(ps))
	for i, p := range ps {
		s, err := planStatus(p, reports, today)
		if err != nil {
			return nil, err
		}
		key := "id:" + p.RegisterID.Value
		if home := pf.Home(p.RegisterName.Value); home != nil && home.ID == p.SystemCurrent.Value {
			key = "registry:" + pfNorm(p.RegisterName.Value)
		} else {
			s.Problems = append(s.Problems, fmt.Sprintf("the portfolio does not list %q on %s: the systems' counts leave the plan out (portfolio check, plans-match-portfolio)", p.RegisterName.Value, p.SystemCurrent.Value))
		}
		keys[i] = key
		if f := first[key]; f != nil {
			s.Problems = append(s.Problems, fmt.Sprintf("a second plan of register %s, %s (the first: %s): the systems count the registry once", p.RegisterID.Value, p.RegisterName.Value, filepath.Base(f.File)))
			if stateIndex(s.State) > stateIndex(st.Plans[counted[key]].State) {
				counted[key] = i
			}
		} else {
			first[key], counted[key] = p, i
		}
		st.Plans = append(st.Plans, s)
	}
	for i := range ps {
		st.Plans[i].second = counted[keys[i]] != i
		st.Plans[i].uncounted = strings.HasPrefix(keys[i], "id:")
	}
	for _, sys := range pf.Systems {
		ss := SystemStatus{ID: sys.ID, Step: sys.Step, Today: max(sys.NKRCount2021, len(sys.Registries))}
		for i, p := range ps {
			if st.Plans[i].second || st.Plans[i].uncounted {
				continue
			}
			moved := stateIndex(st.Plans[i].State) >= stateIndex("migrated")
			if p.SystemCurrent.Value == sys.ID {
				ss.PlannedOut++
				if moved {
					ss.Out++
				}
			}
			if p.SystemChosen.Value == sys.ID {
				ss.PlannedIn++
				if moved {
					ss.In++
				}
			}
		}
		ss.Now = ss.Today - ss.Out + ss.In
		st.Systems = append(st.Systems, ss)
	}
	return st, nil
}

func stateIndex(s string) int {
	for i, x := range States {
		if x == s {
			return i
		}
	}
	return -1
}

func planStatus(p *plans.Plan, reports string, today time.Time) (PlanStatus, error) {
	t := &p.Template
	s := PlanStatus{Register: p.RegisterID.Value, Name: p.RegisterName.Value, Plan: filepath.Base(p.File),
		From: p.SystemCurrent.Value, To: p.SystemChosen.Value, State: "draft", ArchiveOwner: t.ArchiveOwner.Value,
		Planned: t.Timeline["cut_over"].Time, Done: t.Progress["cut_over"].Time}
	in, ds := p.LoadInputs()
	sum := ""
	if ds.Err() == nil {
		h, err := p.Hash(in)
		if err == nil {
			sum = h
		}
	}
	if sum == "" {
		s.Problems = append(s.Problems, "its files cannot be read, so its hash cannot be computed (run plan check)")
	}
	var reps Reports
	if reports != "" {
		var err error
		if reps, err = LoadReports(filepath.Join(reports, p.RegisterID.Value)); err != nil {
			return s, err
		}
		if err := reps.Of(p); err != nil {
			return s, err
		}
	}
	s.evidence(p, sum, reps, today)
	return s, nil
}

// milestoneState is the state each milestone recorded done puts a plan
// in, once its evidence holds (legacy_frozen has none of its own).
var milestoneState = map[string]string{
	"plan_approved": "approved", "rehearsal": "rehearsed", "cut_over": "migrated", "verified": "verified",
	"archive_handed_over": "archived", "legacy_decommissioned": "decommissioned",
}

// evidence puts s in the furthest state whose evidence holds, from the
// plan p as it stands (its hash sum, "" when it cannot be computed) and
// the reports of its work directory (reps, loaded from it: an archive
// package is looked for there), on the day today.
func (s *PlanStatus) evidence(p *plans.Plan, sum string, reps Reports, today time.Time) {
	t := &p.Template
	work := reps.dir
	s.Problems = append(s.Problems, reps.Edited...)
	reps.planHash = sum
	s.Verification = reps.verification()
	// A milestone recorded done on a day still to come is not done (plan
	// check reports it, P023).
	done := func(m string) bool { return t.Progress[m].IsSet() && !t.Progress[m].Time.After(today) }
	for _, m := range plans.Milestones {
		if d := t.Progress[m]; d.IsSet() && !done(m) {
			s.Problems = append(s.Problems, fmt.Sprintf("progress.%s is recorded done on %s, after today: not counted until that day", m, d))
		}
	}
	frozen := t.Progress["legacy_frozen"]
	if !done("legacy_frozen") {
		frozen = t.Timeline["legacy_frozen"]
	}
	steps := []struct {
		state string
		ok    func() (bool, string)
	}{
		{"approved", func() (bool, string) {
			if sum == "" {
				return false, "" // said above: no hash to judge the approvals by
			}
			if p.Approved(sum) {
				return true, ""
			}
			if a := currentApproval(p, sum); a != nil {
				return false, fmt.Sprintf("this version is approved by %s (%s, %s), not by the registry holder (registerhållare) on a day that has come: the registry holder approves the plan", a.By.Value, a.Role.Value, a.Date)
			}
			if len(t.Approvals) > 0 {
				return false, "its approvals are of another version of the plan: approve it again"
			}
			return false, ""
		}},
		{"rehearsed", func() (bool, string) { return done("rehearsal"), "" }},
		{"migrated", func() (bool, string) {
			if !done("cut_over") {
				return false, ""
			}
			if reps.Run == nil && work == "" {
				return false, "cut_over is recorded, but no run's reports were given to judge it by (--reports DIR, the run's work directory)"
			}
			if reps.Run == nil {
				return false, fmt.Sprintf("cut_over is recorded, but the reports hold no %s", filepath.Join(p.RegisterID.Value, "report.json"))
			}
			if reps.Run.PlanHash == "" {
				// Every run's report names its plan's hash: one that
				// names none cannot say it ran the plan as it stands.
				return false, "report.json names no plan_hash, so not which version of the plan ran: run the plan as it stands"
			}
			if sum != "" && reps.Run.PlanHash != sum {
				return false, "report.json is of a run of another version of the plan (changed since it ran): run the plan as it stands"
			}
			if reps.RunStopped != "" {
				// A stopped run's report holds what committed before it
				// stopped: part of the registry at most.
				if reps.RunStopped == "running" {
					return false, "report.json is of a run that has not finished: it is running, or it stopped without writing its report; run the plan again to resume it, until it finishes"
				}
				if reps.ResumeRefused != "" {
					// Resumed as it stands, it is refused again.
					return false, fmt.Sprintf("report.json is of a run that stopped before it finished (%s), and resuming it was refused (%s): start over with regflytt run --restart, or put back what changed and resume it", reps.RunStopped, reps.ResumeRefused)
				}
				return false, fmt.Sprintf("report.json is of a run that stopped before it finished (%s): resume it with regflytt run until it finishes", reps.RunStopped)
			}
			// A rehearsal's report left in the work directory is not the
			// migration's: the migration runs once the legacy system is frozen.
			if started := reps.Run.Started.UTC(); frozen.IsSet() && started.Before(frozen.Time) {
				return false, fmt.Sprintf("report.json is of a run started %s, before the legacy system was frozen (%s): a rehearsal, not the migration", started.Format(time.DateOnly), frozen)
			}
			if why := recordedBefore(t, "cut_over", reps.Run.Started, "the run in report.json started"); why != "" {
				return false, why
			}
			return true, ""
		}},
		{"verified", func() (bool, string) {
			if v := reps.laterVerify(); v != nil {
				if !v.Pass {
					return false, fmt.Sprintf("regflytt verify FAILED: %s (%d problem(s) in %s)", failedWords(v.Failed()), len(v.Failures())+len(v.Alarms()), verify.JSONFile)
				}
				if why := recordedBefore(t, "verified", v.Started, "the verification in "+verify.JSONFile+" started"); why != "" {
					return false, why
				}
				return done("verified"), ""
			}
			// Why a verify-report.json beside the run was not taken, when
			// the run's own report does not pass.
			ignored := ""
			if why := reps.verifyNotOfRun(); why != "" {
				ignored = "; " + why
			}
			if reps.Run != nil && !reps.Run.Pass {
				return false, fmt.Sprintf("verification FAILED: %s (%d problem(s) in report.json)%s", failedWords(reps.Run.Failed()), len(reps.Run.Problems), ignored)
			}
			if open := reps.openAlarms(); len(open) > 0 {
				return false, fmt.Sprintf("report.json lists %d open alarm(s) (%s): regflytt verify fails until the plan acknowledges them; verify again once it does%s", len(open), strings.Join(open, ", "), ignored)
			}
			if reps.Run != nil {
				// The run's end check verified it as it ended.
				if why := recordedBefore(t, "verified", reps.Run.Started, "the run in report.json, whose end check verified it, started"); why != "" {
					return false, why
				}
			}
			return done("verified"), ""
		}},
		{"archived", func() (bool, string) {
			if !done("archive_handed_over") {
				return false, ""
			}
			dir := filepath.Join(work, p.ArchiveDir.Value)
			var meta archive.Meta
			sealed := false
			if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
				if _, err := os.Stat(dir + plans.SealedSuffix); err == nil {
					// The run sealed it (archive.encrypt_to) and removed the
					// clear folder: its owner, register and run are inside,
					// which only the key opens. The run's report names the
					// SHA-512 of what it checked and sealed, with those;
					// the sealed package that still has it is the run's.
					m, why := sealedOfRun(dir+plans.SealedSuffix, reps.Run)
					if why != "" {
						return false, why
					}
					meta, sealed = m, true
				}
			}
			if !sealed {
				sum, err := archive.Check(dir)
				if err != nil {
					return false, fmt.Sprintf("archive_handed_over is recorded, but the archive package does not check: %v", err)
				}
				meta = sum.Meta
			}
			if meta.Register != p.RegisterID.Value {
				return false, fmt.Sprintf("the archive package is of register %q, not %q", meta.Register, p.RegisterID.Value)
			}
			if normName(meta.Owner) != normName(p.CPUAFuture.Value) {
				return false, fmt.Sprintf("the archive package is owned by %q, not the future CPUA %q", meta.Owner, p.CPUAFuture.Value)
			}
			// The package is the migration's: its run (the first attempt
			// of the run in report.json) started once the legacy system
			// was frozen, and not after that run. A rehearsal's package
			// left at archive.dir passes its manifest with the same owner.
			run, err := time.Parse("20060102T150405Z", meta.Run)
			switch {
			case err != nil:
				return false, fmt.Sprintf("the archive package names no run (meta run %q): it cannot be told to be the migration's", meta.Run)
			case frozen.IsSet() && run.Before(frozen.Time):
				return false, fmt.Sprintf("the archive package is of a run started %s, before the legacy system was frozen (%s): a rehearsal's, not the migration's", run.Format(time.DateOnly), frozen)
			case run.After(reps.Run.Started.UTC()):
				return false, fmt.Sprintf("the archive package is of a run started %s, after the run in report.json (%s)", run.Format(time.RFC3339), reps.Run.Started.UTC().Format(time.RFC3339))
			}
			if why := recordedBefore(t, "archive_handed_over", run, "the run that wrote the archive package started"); why != "" {
				return false, why
			}
			return true, ""
		}},
		{"decommissioned", func() (bool, string) { return done("legacy_decommissioned"), "" }},
	}
	for _, step := range steps {
		ok, why := step.ok()
		if why != "" {
			s.Problems = append(s.Problems, why)
		}
		if !ok {
			s.blocked = why
			break
		}
		s.State = step.state
	}
}

// Uncounted says why milestone m, recorded done, does not count: its
// evidence (or an earlier milestone's) does not hold, or it is dated
// after today; "" when it counts, or is not recorded done, or has no
// evidence of its own (legacy_frozen).
func (s *PlanStatus) Uncounted(p *plans.Plan, m string, today time.Time) string {
	d := p.Template.Progress[m]
	state, ok := milestoneState[m]
	switch {
	case !d.IsSet() || !ok:
		return ""
	case d.Time.After(today):
		return "recorded done after today"
	case stateIndex(s.State) >= stateIndex(state):
		return ""
	case stateIndex(state) == stateIndex(s.State)+1 && s.blocked != "":
		return s.blocked
	case stateIndex(state) == stateIndex(s.State)+1:
		if m == "plan_approved" {
			return "the plan as it stands has no registry holder's approval"
		}
		return "an earlier milestone is not recorded done"
	}
	return fmt.Sprintf("an earlier milestone is not counted (the follow-up's state is %s)", s.State)
}

func normName(s string) string { return pfNorm(s) }

// recordedBefore says why milestone m, recorded done, is not backed by
// evidence that began at when (what names it): it is recorded done on a
// day before that day (UTC; a plan's dates are Swedish days, which begin
// before the UTC day does, so a milestone recorded the day its evidence
// began is never taken for one before it). "" when it is not.
func recordedBefore(t *plans.Template, m string, when time.Time, what string) string {
	d := t.Progress[m]
	if !d.IsSet() || when.IsZero() {
		return ""
	}
	u := when.UTC()
	day := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	if !d.Time.Before(day) {
		return ""
	}
	return fmt.Sprintf("progress.%s is recorded done on %s, before %s (%s): it is not backed by it; record the day it was done", m, d, what, day.Format(time.DateOnly))
}

// sealedOfRun is what package.json says of the sealed package at file,
// as the run in report.json recorded it when it sealed the package, and
// "" when the file is still what that run sealed (its SHA-512 the one
// the report names); else why it cannot be told to be the run's.
func sealedOfRun(file string, run *verify.Report) (archive.Meta, string) {
	verifyIt := fmt.Sprintf("regflytt archive verify %s --identity KEYFILE checks it", file)
	sealed := run.Archive.Sealed
	if sealed == nil || sealed.File != filepath.Base(file) {
		// A report of a regflytt that recorded no seal, or of a run that
		// sealed none here.
		return archive.Meta{}, fmt.Sprintf("archive_handed_over is recorded, but the archive package is sealed (%s) and report.json does not record the run sealing it: portfolio status cannot read its owner, register and run without the key; %s", filepath.Base(file), verifyIt)
	}
	sum, err := fileSHA512(file)
	if err != nil {
		return archive.Meta{}, fmt.Sprintf("archive_handed_over is recorded, but the sealed archive package cannot be read: %v", err)
	}
	if sum != strings.ToLower(sealed.SHA512) {
		return archive.Meta{}, fmt.Sprintf("archive_handed_over is recorded, but the sealed archive package %s is not the one the run sealed (its SHA-512 %.16s…, report.json's %.16s…): it was altered or replaced after the run (an erasure, regflytt archive erase, seals it anew); %s", filepath.Base(file), sum, sealed.SHA512, verifyIt)
	}
	return archive.Meta{Register: sealed.Register, Owner: sealed.Owner, Run: sealed.Run}, ""
}

// fileSHA512 is the SHA-512 of the file's bytes, in lower-case hex.
func fileSHA512(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// currentApproval is an approval of the plan as it stands (sum) that does
// not approve it (plans.Plan.Approved): another role's, or one dated after
// today. nil when there is none.
func currentApproval(p *plans.Plan, sum string) *plans.Approval {
	for i, a := range p.Template.Approvals {
		if sum != "" && a.SHA256.Value == sum {
			return &p.Template.Approvals[i]
		}
	}
	return nil
}

// laterVerify is regflytt verify's report when it is of the run in the
// reports: it judges the run as it stands now, with the plan's
// acknowledgements, and outranks the run's own end check. nil when there
// is none or it is not of the run (verifyNotOfRun says why).
func (r Reports) laterVerify() *verify.Summary {
	if r.Verify == nil || r.Run == nil || r.verifyNotOfRun() != "" {
		return nil
	}
	return r.Verify
}

// verifyNotOfRun says why verify-report.json is not of the run in
// report.json: it started before the run finished (an older verify, or
// one of a target still being written), it names another version of the
// plan or none, or it compared other databases (a rehearsal's target
// verified after the run says nothing of the run's). "" when it is of the
// run, or there is no verify or no run.
func (r Reports) verifyNotOfRun() string {
	v, run := r.Verify, r.Run
	if v == nil || run == nil {
		return ""
	}
	ended := run.Finished
	if ended.IsZero() {
		ended = run.Started
	}
	switch {
	case v.Started.Before(ended):
		return fmt.Sprintf("%s is of a verification started before the run in report.json finished: verify again", verify.JSONFile)
	case v.EndCheck:
		// Written by the run before its report.json: beside a report
		// that says the run is running, the run was killed after it.
		return fmt.Sprintf("%s is the run's own end check, not regflytt verify's: verify the run", verify.JSONFile)
	case r.planHash == "" || v.PlanHash != r.planHash:
		return fmt.Sprintf("%s is not of the plan as it stands (another plan_hash, none, or the plan's cannot be computed): verify again", verify.JSONFile)
	case v.Target != run.Target || v.Source != run.Source:
		return fmt.Sprintf("%s compared %s with %s, the run %s with %s: verify the run's databases", verify.JSONFile, v.Source, v.Target, run.Source, run.Target)
	}
	return ""
}

// openAlarms names the alarms of the run's report that need a person: the
// run passes with them, regflytt verify does not.
func (r Reports) openAlarms() []string {
	var out []string
	if r.Run != nil {
		for _, a := range r.Run.Alarms {
			if a.Fails() {
				out = append(out, a.ID)
			}
		}
	}
	return out
}

// openProblems lists what stands between the run and a PASS of regflytt
// verify: the problems and open alarms of verify's report when it is of
// the run, else of the run's report.
func (r Reports) openProblems() []string {
	var problems []string
	var alarms []verify.Finding
	switch v := r.laterVerify(); {
	case v != nil:
		// Summary.Problems leaves out the equations that failed.
		problems, alarms = v.Failures(), v.Alarms()
	case r.Run != nil:
		problems, alarms = r.Run.Problems, r.Run.Alarms
	}
	out := append([]string(nil), problems...)
	for _, a := range alarms {
		if a.Fails() {
			out = append(out, a.ID+": "+a.Message)
		}
	}
	return out
}

// verification is the state of the run's verification as the follow-up
// shows it: PASS or FAIL from regflytt verify's report when it is of the
// run, else from the run's report; ALARMS for a run that passed with
// alarms open, STOPPED for a run that stopped before it finished, STALE
// for a run of another version of the plan (or that names none), whose
// PASS is not this version's; "" with no run.
func (r Reports) verification() string {
	switch v := r.laterVerify(); {
	case r.Run != nil && r.RunStopped != "":
		// Before verify's verdict: a run stopped after it wrote the
		// target (interrupted as it sealed the archive, its unit reports
		// not written) can PASS regflytt verify, and is not finished.
		return "STOPPED"
	case v != nil && v.Pass:
		return "PASS"
	case v != nil:
		return "FAIL"
	case r.Run == nil:
		return ""
	case !r.Run.Pass:
		return "FAIL"
	case r.planHash == "" || r.Run.PlanHash != r.planHash:
		// Of another version, or naming none, or the plan's own hash
		// cannot be computed: no version its PASS is known to be of.
		return "STALE"
	case len(r.openAlarms()) > 0:
		return "ALARMS"
	}
	return "PASS"
}

// WriteText writes the status as plain text tables.
func (st *Status) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-28s %-16s %-22s %-15s %-6s %s\n", "register", "plan", "move", "state", "verify", "archive owner")
	for _, p := range st.Plans {
		fmt.Fprintf(&b, "%-28s %-16s %-22s %-15s %-6s %s\n", p.Register, p.Plan, p.From+" → "+p.To, p.State, dash(p.Verification), p.ArchiveOwner)
		for _, x := range p.Problems {
			// One line each: a problem quoting a report's status (an
			// error's text) with a line break would write a row of its
			// own into the table.
			fmt.Fprintf(&b, "    %s\n", reportLine(x))
		}
	}
	fmt.Fprintf(&b, "\n%-20s %-9s %6s %6s %6s %6s %s\n", "system", "step", "today", "out", "in", "now", "planned out/in")
	for _, s := range st.Systems {
		fmt.Fprintf(&b, "%-20s %-9s %6d %6d %6d %6d %d/%d\n", s.ID, s.Step, s.Today, s.Out, s.In, s.Now, s.PlannedOut, s.PlannedIn)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteHTML writes the follow-up page: one self-contained, printable HTML
// page with the chart drawn in inline SVG.
func (st *Status) WriteHTML(w io.Writer) error {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Portfolio status</title>\n")
	b.WriteString("<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#eee}td.n{text-align:right}.FAIL{color:#a00;font-weight:bold}@media print{body{max-width:none;margin:0}}</style></head><body>\n")
	b.WriteString("<h1>Portfolio status</h1>\n<h2>Registries</h2>\n<table><tr><th>register</th><th>plan</th><th>from</th><th>to</th><th>state</th><th>verification</th><th>archive owner</th><th>problems</th></tr>\n")
	for _, p := range st.Plans {
		fmt.Fprintf(&b, "<tr><td>%s (%s)</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td><td>%s</td><td>%s</td></tr>\n",
			e(p.Name), e(p.Register), e(p.Plan), e(p.From), e(p.To), e(p.State), e(p.Verification), e(dash(p.Verification)), e(p.ArchiveOwner), e(strings.Join(p.Problems, "; ")))
	}
	b.WriteString("</table>\n<h2>Systems</h2>\n<table><tr><th>system</th><th>step</th><th>registries today</th><th>moved out</th><th>moved in</th><th>now</th><th>planned out</th><th>planned in</th></tr>\n")
	for _, s := range st.Systems {
		fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n",
			e(s.ID), e(s.Step), s.Today, s.Out, s.In, s.Now, s.PlannedOut, s.PlannedIn)
	}
	b.WriteString("</table>\n<h2>The move over time</h2>\n<p>Registries cut over to their receiving system, by month: planned (timeline.cut_over) and done (progress.cut_over with the run's report).</p>\n")
	b.WriteString(st.chart())
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// chart draws the cumulative number of registries cut over, planned and
// done, per month, as inline SVG.
func (st *Status) chart() string {
	var planned, done []time.Time
	registries := 0
	for _, p := range st.Plans {
		if p.second {
			continue
		}
		registries++
		if !p.Planned.IsZero() {
			planned = append(planned, p.Planned)
		}
		if !p.Done.IsZero() && stateIndex(p.State) >= stateIndex("migrated") {
			done = append(done, p.Done)
		}
	}
	all := append(append([]time.Time{}, planned...), done...)
	if len(all) == 0 {
		return "<p>No plan has a cut-over date.</p>\n"
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Before(all[j]) })
	first := time.Date(all[0].Year(), all[0].Month(), 1, 0, 0, 0, 0, time.UTC)
	last := all[len(all)-1]
	months := (last.Year()-first.Year())*12 + int(last.Month()-first.Month()) + 1
	const w, h, left, bottom = 640, 240, 40, 30
	colW := float64(w-left-10) / float64(months)
	yMax := registries
	y := func(n int) float64 { return float64(h-bottom) - float64(n)*float64(h-bottom-10)/float64(max(yMax, 1)) }
	cum := func(ts []time.Time, m int) int {
		end := first.AddDate(0, m+1, 0)
		n := 0
		for _, t := range ts {
			if t.Before(end) {
				n++
			}
		}
		return n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Registries cut over per month\">\n", w, h, w, h)
	fmt.Fprintf(&b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", left, h-bottom, w-10, h-bottom)
	fmt.Fprintf(&b, "<line x1=\"%d\" y1=\"10\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", left, left, h-bottom)
	fmt.Fprintf(&b, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%d</text>\n", left-4, y(yMax)+4, yMax)
	fmt.Fprintf(&b, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">0</text>\n", left-4, y(0)+4)
	line := func(ts []time.Time, color, dash string) {
		var pts []string
		for m := range months {
			x0 := float64(left) + float64(m)*colW
			n := cum(ts, m)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f %.1f,%.1f", x0, y(n), x0+colW, y(n)))
		}
		fmt.Fprintf(&b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"%s\"/>\n", color, dash, strings.Join(pts, " "))
	}
	line(planned, "#888", " stroke-dasharray=\"5,3\"")
	line(done, "#06c", "")
	for m := 0; m < months; m += max(1, months/6) {
		fmt.Fprintf(&b, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s</text>\n", float64(left)+float64(m)*colW, h-bottom+16, first.AddDate(0, m, 0).Format("2006-01"))
	}
	fmt.Fprintf(&b, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#888\">planned</text><text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#06c\">done</text>\n", left+10, 20, left+70, 20)
	b.WriteString("</svg>\n")
	return b.String()
}
