package portfolio

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const reviewPlan = "testdata/review/plan.yaml"

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./plans/portfolio -run %s -update, then read the diff):\n%s", path, t.Name(), got)
	}
}

func reviewFixture(t *testing.T) (*plans.Plan, *plans.Inputs, string) {
	t.Helper()
	p, ds := plans.Check(reviewPlan)
	in, ids := p.LoadInputs()
	if ds.Err() != nil || ids.Err() != nil {
		t.Fatal(ds, ids)
	}
	sum, err := p.Hash(in)
	if err != nil {
		t.Fatal(err)
	}
	return p, in, sum
}

// reviewMarkdown is the English review document of p in Markdown.
func reviewMarkdown(t *testing.T, p *plans.Plan, in *plans.Inputs, sum string, reps Reports) string {
	t.Helper()
	var md bytes.Buffer
	if err := mappings.WriteMarkdown(&md, Review(p, in, sum, reps, English)); err != nil {
		t.Fatal(err)
	}
	return md.String()
}

var networkRef = regexp.MustCompile(`(?i)https?:|src\s*=|href\s*=|@import|url\(|//[a-z0-9.-]+\.[a-z]{2,}/`)

// The review document, in Swedish as Markdown and in English as HTML, with
// the fixture's reports, one current and one stale approval.
func TestReviewGolden(t *testing.T) {
	p, in, sum := reviewFixture(t)
	date, _ := time.Parse(time.DateOnly, "2026-01-20")
	p.Template.Approvals = []plans.Approval{
		{By: mappings.Str{Value: "Anna Andersson"}, Role: mappings.Str{Value: "registerhållare"}, Date: plans.Date{Time: date}, SHA256: mappings.Str{Value: sum}},
		{By: mappings.Str{Value: "Bo Berg"}, Role: mappings.Str{Value: "CPUA"}, Date: plans.Date{Time: date}, SHA256: mappings.Str{Value: strings.Repeat("ab", 32)}},
	}
	reps, err := LoadReports("testdata/review/reports/review")
	if err != nil || reps.Of(p) != nil || reps.Run == nil || reps.Dry == nil {
		t.Fatalf("reports: %v %v", err, reps.Of(p))
	}
	var md, page bytes.Buffer
	if err := mappings.WriteMarkdown(&md, Review(p, in, sum, reps, Swedish)); err != nil {
		t.Fatal(err)
	}
	golden(t, "review.sv.md", withoutFunctions(t, md.Bytes(), "### Functions\n", "### Outcomes\n"))
	if err := mappings.WriteHTMLLang(&page, Review(p, in, sum, reps, English), English); err != nil {
		t.Fatal(err)
	}
	golden(t, "review.en.html", withoutFunctions(t, page.Bytes(), "<h3>Functions</h3>\n", "<h3>Outcomes</h3>\n"))
	for _, s := range []string{"Status: godkänd i denna version.", "INAKTUELL: en annan version", "Planens SHA-256: " + sum, "| besok | visit | 12000 | 11950 | 40 | 10 |", "target table visit holds 11949 rows"} {
		if !strings.Contains(md.String(), s) {
			t.Errorf("the Swedish review lacks %q", s)
		}
	}
	if m := networkRef.FindString(page.String()); m != "" {
		t.Errorf("the HTML refers to the network: %q", m)
	}
	openInChromium(t, page.Bytes(), "Migration plan: Granskningsregistret")

	// Reports of another register are refused, not shown as this one's.
	p.RegisterID.Value = "another"
	if err := reps.Of(p); err == nil {
		t.Error("the reports of register review were accepted for register another")
	}
}

// withoutFunctions cuts the mapping document's reference of all functions
// (from start to end) out of a rendered document: it grows with every
// function added to the mapping language, and is map doc's to check, not
// the review's. That it is there is checked here.
func withoutFunctions(t *testing.T, doc []byte, start, end string) []byte {
	t.Helper()
	s := string(doc)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("the document lacks the mapping document's %q before %q", start, end)
	}
	return []byte(s[:i+len(start)] + "(the function reference, as map doc writes it)\n" + s[j:])
}

// openInChromium loads page in headless Chromium, with the network
// refused, and checks that it renders text; skipped where Chromium is not
// installed.
func openInChromium(t *testing.T, page []byte, want string) {
	t.Helper()
	bin := "/usr/bin/chromium"
	if _, err := os.Stat(bin); err != nil {
		t.Logf("skipping the headless browser check: %s is not installed", bin)
		return
	}
	path := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(path, page, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9", "--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+path).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if !strings.Contains(string(out), want) {
		t.Errorf("chromium's DOM lacks %q", want)
	}
}

// The review document a registry holder approves from says what
// regflytt verify would: a run that passed with alarms open is not
// "PASS: every source record is accounted for" with "No open alarms", a
// stopped run is not a verification, and a later verify-report.json that
// failed is the verdict.
func TestReviewShowsTheVerificationAsVerifyJudgesIt(t *testing.T) {
	p, in, sum := reviewFixture(t)
	base, err := LoadReports("testdata/review/reports/review")
	if err != nil || base.Run == nil {
		t.Fatal(err)
	}
	render := func(reps Reports) string { return reviewMarkdown(t, p, in, sum, reps) }
	const pass = "Verification: PASS: every source record is accounted for."

	alarmed := base
	run := *base.Run
	run.Pass, run.Problems = true, nil
	run.Alarms = []verify.Finding{{ID: "archived_share.besok", Kind: "archived_share", Subject: "besok", Count: 90, Of: 1000, Message: "90 of 1000 records of besok archived"}}
	alarmed.Run = &run
	if doc := render(alarmed); strings.Contains(doc, pass) || strings.Contains(doc, "No open alarms.") || !strings.Contains(doc, "archived_share.besok") {
		t.Errorf("a run with an open alarm reads as verified:\n%s", tail(doc))
	}

	stopped := base
	stopped.RunStopped = "interrupted"
	if doc := render(stopped); !strings.Contains(doc, "stopped before it finished") {
		t.Errorf("a stopped run reads as a verification:\n%s", tail(doc))
	}
	// A run writes report.json saying "running" before it changes the
	// target; killed, it leaves that report.
	running := base
	running.RunStopped = "running"
	if doc := render(running); strings.Contains(doc, pass) || !strings.Contains(doc, "The run has not finished") {
		t.Errorf("a run under way (or killed) reads as a verification:\n%s", tail(doc))
	}

	failed := base
	clean := *base.Run
	clean.Pass, clean.Problems, clean.Alarms, clean.PlanHash = true, nil, nil, sum
	failed.Run = &clean
	if doc := render(failed); !strings.Contains(doc, pass) {
		t.Errorf("a clean run does not read as PASS:\n%s", tail(doc))
	}
	staleRun := clean
	staleRun.PlanHash = strings.Repeat("0", len(sum))
	stale := base
	stale.Run = &staleRun
	if doc := render(stale); !strings.Contains(doc, "another version of the plan") {
		t.Errorf("a run of another version of the plan reads as this one's:\n%s", tail(doc))
	}
	failed.Verify = &verify.Summary{Register: clean.Register, Started: clean.Finished.Add(time.Hour), Pass: false, Problems: []string{"target table visit holds 11949 rows"},
		PlanHash: sum, Source: clean.Source, Target: clean.Target}
	if doc := render(failed); strings.Contains(doc, pass) || !strings.Contains(doc, "target table visit holds 11949 rows") {
		t.Errorf("a later failing verify does not show:\n%s", tail(doc))
	}
}

func tail(s string) string {
	if i := strings.Index(s, "## Latest run"); i >= 0 {
		return s[i:]
	}
	return s
}

// The review shows the registry holder each decision on patients' data as
// the plan makes it, and a missing opt-out decision as undecided.
func TestReviewShowsPrivacyDecisions(t *testing.T) {
	p, in, sum := reviewFixture(t)
	render := func() string { return reviewMarkdown(t, p, in, sum, Reports{}) }
	if s := render(); !strings.Contains(s, "| patients who opted out | NOT DECIDED") {
		t.Errorf("an undecided opt-out list is not shown as such:\n%s", s)
	}
	set := func(v string) mappings.Str {
		return mappings.Str{Value: v, Pos: mappings.Pos{File: p.File, Line: 1, Column: 1}}
	}
	p.OptOutTable, p.OptOutColumn, p.OptOutFile = set("sparr"), set("personnr"), set("optout.txt")
	p.KeyEnv = set("REGFLYTT_PSEUDONYM_KEY")
	p.ArchiveEncryptTo = []mappings.Str{{Value: "age1a"}, {Value: "age1b"}}
	s := render()
	for _, want := range []string{
		"| patients who opted out | table sparr.personnr and file optout.txt (its entries are read when the run starts; ",
		"| pseudonymisation | no: no mapping calls pseudonym() (the plan names the key in the environment variable REGFLYTT_PSEUDONYM_KEY) |",
		"| the archive package | encrypted to 2 recipients (age) |",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("review lacks %q", want)
		}
	}
	p.OptOutTable, p.OptOutColumn, p.OptOutFile = mappings.Str{}, mappings.Str{}, mappings.Str{}
	p.OptOutNone = set("the register never kept opt-outs")
	if s := render(); !strings.Contains(s, "| patients who opted out | no list: the register never kept opt-outs |") {
		t.Errorf("optout none's reason not shown")
	}
}

// Whether identity numbers are pseudonymised is what the mappings do, not
// whether the plan names a key: a key named beside mappings that call
// pseudonym() nowhere read "yes" to the registry holder approving it,
// while every identity number migrated in clear.
func TestReviewPseudonymisationIsWhatTheMappingsDo(t *testing.T) {
	row := func(p *plans.Plan, in *plans.Inputs) string {
		t.Helper()
		var md bytes.Buffer
		if err := mappings.WriteMarkdown(&md, Review(p, in, "", Reports{}, English)); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(md.String(), "\n") {
			if strings.HasPrefix(l, "| pseudonymisation |") {
				return l
			}
		}
		t.Fatalf("no pseudonymisation row:\n%s", md.String())
		return ""
	}
	p, in, _ := reviewFixture(t)
	p.KeyEnv = mappings.Str{Value: "REGFLYTT_PSEUDONYM_KEY", Pos: mappings.Pos{File: p.File, Line: 1, Column: 1}}
	if got := row(p, in); strings.Contains(got, "| yes") || !strings.Contains(got, "no mapping calls pseudonym()") {
		t.Errorf("a key named, no pseudonym() in the mappings: %s", got)
	}
	eav, ds := plans.Check("../../testdata/plans/eav.yaml")
	eavIn, ids := eav.LoadInputs()
	if ds.Err() != nil || ids.Err() != nil {
		t.Fatal(ds, ids)
	}
	if got := row(eav, eavIn); !strings.HasPrefix(got, "| pseudonymisation | yes, ") {
		t.Errorf("the eav plan pseudonymises: %s", got)
	}
}

// The review's dry run is of the plan as it stands: a dryrun.json of
// another version (a code list changed since) showed its outcomes as this
// version's, and the problems it found (an opt-out list whose unmatched
// entries the plan does not acknowledge, which fails the run) were left
// out.
func TestReviewDryRunOfThisVersion(t *testing.T) {
	p, in, sum := reviewFixture(t)
	base, err := LoadReports("testdata/review/reports/review")
	if err != nil || base.Dry == nil {
		t.Fatal(err)
	}
	section := func(reps Reports) string {
		doc := reviewMarkdown(t, p, in, sum, reps)
		i, j := strings.Index(doc, "## Latest dry run"), strings.Index(doc, "## Latest run")
		if i < 0 || j < i {
			t.Fatalf("no dry run section:\n%s", doc)
		}
		return doc[i:j]
	}
	if s := section(base); strings.Contains(s, "STALE") {
		t.Errorf("the fixture's dry run, of this version, reads stale:\n%s", s)
	}
	dry := *base.Dry
	dry.PlanHash = strings.Repeat("0", 64)
	dry.Problems = []string{"list optout: 3 entries match no source person, 0 acknowledged"}
	stale := base
	stale.Dry = &dry
	if s := section(stale); !strings.Contains(s, "STALE") || !strings.Contains(s, "3 entries match no source person") {
		t.Errorf("a dry run of another version, with a problem:\n%s", s)
	}
	dry.PlanHash = ""
	if s := section(stale); !strings.Contains(s, "STALE") {
		t.Errorf("a dry run naming no version of the plan:\n%s", s)
	}
	// An alarm the dry run foresees, which the plan does not accept.
	alarmed := *base.Dry
	alarmed.Alarms = []verify.Finding{{ID: "archived_share.besok", Kind: "archived_share", Subject: "besok", Count: 90, Of: 1000, Message: "90 of 1000 records of besok archived, more than the plan's 5.0%"}}
	withAlarm := base
	withAlarm.Dry = &alarmed
	if s := section(withAlarm); !strings.Contains(s, "until the plan acknowledges it: archived_share.besok: 90 of 1000 records") {
		t.Errorf("a dry run foreseeing an alarm verification fails on reads as fine:\n%s", s)
	}
}

// A mapping that pseudonymises the identity number in one column and
// copies it in clear in another does not pseudonymise it: the review said
// "yes" because some mapping calls pseudonym(), and the registry holder
// approved a migration putting identity numbers in clear on the receiving
// platform. The row names the columns and how each carries the number.
func TestReviewPseudonymisationNamesClearCopies(t *testing.T) {
	p, in, _ := reviewFixture(t)
	p.KeyEnv = mappings.Str{Value: "REGFLYTT_PSEUDONYM_KEY", Pos: mappings.Pos{File: p.File, Line: 1, Column: 1}}
	mapping := func(columns string) []*mappings.File {
		t.Helper()
		path := filepath.Join(t.TempDir(), "visit.yaml")
		src := "version: 1\ntables:\n  - target: visit\n    source: besok\n    person: personnr\n    columns:\n      visit_id: id\n" + columns
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		f, ds := mappings.ParseFile(path)
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		return []*mappings.File{f}
	}
	row := func(lang, prefix string) string {
		t.Helper()
		var md bytes.Buffer
		if err := mappings.WriteMarkdown(&md, Review(p, in, "", Reports{}, lang)); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(md.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		t.Fatalf("no %q row:\n%s", prefix, md.String())
		return ""
	}
	for _, c := range []struct {
		name, columns string
		want, wantSV  []string
		yes           bool
	}{
		{"a copy in clear", "      patient: {expr: \"pseudonym(personnr)\"}\n      pnr_copy: personnr\n",
			[]string{"IN CLEAR: visit.pnr_copy (personnr)", "pseudonymised: visit.patient"},
			[]string{"I KLARTEXT: visit.pnr_copy (personnr)", "pseudonymiserade: visit.patient"}, false},
		{"a normalised copy", "      patient: {expr: \"pseudonym(personnr)\"}\n      pnr_norm: {expr: \"pnr(personnr)\"}\n",
			[]string{"IN CLEAR: visit.pnr_norm (expr pnr(personnr))"}, []string{"I KLARTEXT: visit.pnr_norm (expr pnr(personnr))"}, false},
		{"a birth date cut from it", "      patient: {expr: \"pseudonym(personnr)\"}\n      born: {expr: \"personnr[0:8]\"}\n",
			[]string{"yes, the key in the environment variable REGFLYTT_PSEUDONYM_KEY", "pseudonymised: visit.patient", "part of the number (too short to be it): visit.born (expr personnr[0:8])"},
			[]string{"ja, nyckeln i miljövariabeln REGFLYTT_PSEUDONYM_KEY", "del av numret (för kort för att vara det): visit.born (expr personnr[0:8])"}, true},
		{"pseudonymised only", "      patient: {expr: \"pseudonym(personnr)\"}\n",
			[]string{"yes, the key in the environment variable REGFLYTT_PSEUDONYM_KEY; pseudonymised: visit.patient"}, nil, true},
	} {
		in.Mappings = mapping(c.columns)
		got := row(English, "| pseudonymisation |")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the row lacks %q: %s", c.name, w, got)
			}
		}
		if yes := strings.HasPrefix(got, "| pseudonymisation | yes"); yes != c.yes {
			t.Errorf("%s: says yes %v, want %v: %s", c.name, yes, c.yes, got)
		}
		sv := row(Swedish, "| pseudonymisering |")
		for _, w := range c.wantSV {
			if !strings.Contains(sv, w) {
				t.Errorf("%s: the Swedish row lacks %q: %s", c.name, w, sv)
			}
		}
	}
}

// The review's pseudonymisation row names every receiving column holding
// an identity number in clear, the number known by what the mappings do
// to a column or by its name: a personnummer copied as it is, a column
// given to pnr() and written in clear. Only what a person: reads and
// pseudonym() is given counted, and such a plan read "yes" (with a key)
// or "no" with no column named, the registry holder not told where the
// numbers go. A staff number (personal_id) is none.
func TestReviewNamesNumbersKnownByStepOrName(t *testing.T) {
	p, in, _ := reviewFixture(t)
	const visit = "version: 1\ntables:\n  - target: visit\n    source: besok\n    person: personnr\n    columns:\n      visit_id: id\n"
	const patient = "  - target: patient\n    source: patient\n    no_person: the test's patients\n    columns:\n      patient_id: id\n      staff: personal_id\n"
	mapping := func(src string) []*mappings.File {
		t.Helper()
		path := filepath.Join(t.TempDir(), "m.yaml")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		f, ds := mappings.ParseFile(path)
		if ds.Err() != nil {
			t.Fatal(ds)
		}
		return []*mappings.File{f}
	}
	row := func(lang, prefix string) string {
		t.Helper()
		var md bytes.Buffer
		if err := mappings.WriteMarkdown(&md, Review(p, in, "", Reports{}, lang)); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(md.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		t.Fatalf("no %q row:\n%s", prefix, md.String())
		return ""
	}
	for _, c := range []struct {
		name, key, src string
		want           []string
	}{
		{"with a key", "REGFLYTT_PSEUDONYM_KEY", visit + "      patient: {expr: \"pseudonym(personnr)\"}\n" + patient +
			"      number: personnummer\n      checked: {expr: \"let n = nummer; pnr(n)\"}\n",
			[]string{"| pseudonymisation | NO: identity numbers IN CLEAR: patient.checked (expr let n = nummer; pnr(n)), patient.number (personnummer); pseudonymised: visit.patient"}},
		{"with no key", "", visit + patient + "      number: personnummer\n      checked: {expr: \"upper(pnr(nummer))\"}\n",
			[]string{"| pseudonymisation | NO: identity numbers IN CLEAR: patient.checked (expr upper(pnr(nummer))), patient.number (personnummer) |"}},
	} {
		p.KeyEnv = mappings.Str{}
		if c.key != "" {
			p.KeyEnv = mappings.Str{Value: c.key, Pos: mappings.Pos{File: p.File, Line: 1, Column: 1}}
		}
		in.Mappings = mapping(c.src)
		got := row(English, "| pseudonymisation |")
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: the row lacks %q: %s", c.name, w, got)
			}
		}
		if strings.Contains(got, "staff") || strings.Contains(got, "personal_id") {
			t.Errorf("%s: a staff number named as an identity number: %s", c.name, got)
		}
		if sv := row(Swedish, "| pseudonymisering |"); !strings.Contains(sv, "I KLARTEXT: patient.checked") || !strings.Contains(sv, "patient.number (personnummer)") {
			t.Errorf("%s: the Swedish row lacks the columns in clear: %s", c.name, sv)
		}
	}
}
