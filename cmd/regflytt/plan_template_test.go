package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// demoPlanCopy copies testdata/plans/demo.yaml into a fresh directory with
// its relative paths made absolute, each old replaced by new.
func demoPlanCopy(t *testing.T, edits ...string) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/plans/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "../../", wdRoot(t)+"/")
	text = strings.ReplaceAll(text, " ../", " "+filepath.Join(wdRoot(t), "testdata")+"/")
	for i := 0; i+1 < len(edits); i += 2 {
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// plan approve records an approval plan check accepts; a change to the
// plan makes plan check fail on it until it is approved again; a plan
// plan check rejects is not approved.
func TestPlanApproveCommand(t *testing.T) {
	path := demoPlanCopy(t)
	code, out, errs := cli(t, "plan", "approve", path, "--by", "Anna Andersson", "--role", "registerhållare", "--date", "2026-01-20")
	if code != exitOK || !strings.Contains(out, "approved by Anna Andersson") {
		t.Fatalf("approve: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := cli(t, "plan", "check", path); code != exitOK {
		t.Fatalf("check after approve: exit %d\n%s%s", code, out, errs)
	}
	b, _ := os.ReadFile(path)
	os.WriteFile(path, []byte(strings.Replace(string(b), "sek: 420000", "sek: 520000", 1)), 0o600)
	code, out, errs = cli(t, "plan", "check", path)
	if code != exitUsage || !strings.Contains(errs, "error P025: the approval by Anna Andersson (registerhållare, 2026-01-20) is of another version") {
		t.Fatalf("check after a change: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := cli(t, "plan", "approve", path, "--by", "Anna Andersson", "--role", "registerhållare"); code != exitOK {
		t.Fatalf("approve again: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := cli(t, "plan", "check", path); code != exitOK {
		t.Fatalf("check after approving again: exit %d\n%s%s", code, out, errs)
	}

	// Another role's approval is recorded with a note; a date to come is refused.
	if code, out, errs := cli(t, "plan", "approve", path, "--by", "Bo Berg", "--role", "CPUA"); code != exitOK || !strings.Contains(errs, "not the registry holder's role") {
		t.Fatalf("approve as CPUA: exit %d\n%s%s", code, out, errs)
	}
	before, _ := os.ReadFile(path)
	tomorrow := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	if code, out, errs := cli(t, "plan", "approve", path, "--by", "Anna Andersson", "--role", "registerhållare", "--date", tomorrow); code != exitUsage || !strings.Contains(errs, "after today") {
		t.Fatalf("approve dated %s: exit %d\n%s%s", tomorrow, code, out, errs)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatal("a refused approval changed the plan")
	}

	bad := demoPlanCopy(t, "archive_owner: Västra Götalandsregionen", "archive_owner: RCO VGR")
	before, _ = os.ReadFile(bad)
	code, _, errs = cli(t, "plan", "approve", bad, "--by", "A", "--role", "registerhållare")
	if after, _ := os.ReadFile(bad); code != exitUsage || !strings.Contains(errs, "P024") || string(after) != string(before) {
		t.Fatalf("approving a rejected plan: exit %d\n%s", code, errs)
	}
	if code, _, errs := cli(t, "plan", "check", path, "--portfolio", filepath.Join(t.TempDir(), "none.yaml")); code != exitUsage || !strings.Contains(errs, "P020") {
		t.Fatalf("--portfolio naming no file: exit %d\n%s", code, errs)
	}
}

// portfolio check on the strategy's portfolio names the rule it breaks
// and exits 3; without a portfolio it asks for one rather than guess.
func TestPortfolioCheckCommand(t *testing.T) {
	code, out, errs := cli(t, "portfolio", "check", "--plans", "testdata/plans")
	if code != exitNotAccounted || !strings.Contains(out, "portfolio "+filepath.Join(wdRoot(t), "testdata", "portfolio.yaml")+", 4 plan(s)") ||
		!strings.Contains(out, "FAIL  every-registry-has-a-plan: 36 of the 36 registries") ||
		!strings.Contains(out, "WARN  plans-match-portfolio") || !strings.Contains(errs, "breaks a rule of the strategy: every-registry-has-a-plan") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := cli(t, "portfolio", "check"); code != exitUsage || !strings.Contains(errs, "give --portfolio FILE") {
		t.Fatalf("no portfolio: exit %d %s", code, errs)
	}
}

// plan render and portfolio status run from the command line.
func TestRenderAndStatusCommands(t *testing.T) {
	out := filepath.Join(t.TempDir(), "review.html")
	code, _, errs := cli(t, "plan", "render", "plans/portfolio/testdata/review/plan.yaml", "--format", "html", "--reports", "plans/portfolio/testdata/review/reports/review", "-o", out)
	page, _ := os.ReadFile(out)
	if code != exitOK || !strings.Contains(string(page), `<html lang="sv">`) || !strings.Contains(string(page), "Verifieringen: UNDERKÄND (FAIL): andra kontroller än postbalansen") {
		t.Fatalf("render: exit %d %s\n%s", code, errs, page)
	}
	code, _, errs = cli(t, "plan", "render", "testdata/plans/demo.yaml", "--reports", "plans/portfolio/testdata/review/reports/review")
	if code != exitError || !strings.Contains(errs, `report.json is of register "review", the plan of "demo"`) {
		t.Fatalf("render with another register's reports: exit %d %s", code, errs)
	}
	code, stdout, errs := cli(t, "portfolio", "status", "--plans", "testdata/plans", "--reports", t.TempDir())
	if code != exitOK || !strings.Contains(stdout, "demo                         demo.yaml        pharos → stratum       draft") {
		t.Fatalf("status: exit %d %s\n%s", code, errs, stdout)
	}
	// A --reports directory that is not there (a typo) is an error, not a
	// follow-up or review document in which no registry has any report.
	missing := filepath.Join(t.TempDir(), "no-such-reports")
	for _, args := range [][]string{
		{"portfolio", "status", "--plans", "testdata/plans", "--reports", missing},
		{"plan", "render", "testdata/plans/demo.yaml", "--reports", missing},
	} {
		if code, stdout, errs := cli(t, args...); code == exitOK || !strings.Contains(errs, missing) {
			t.Errorf("%v: exit %d, want an error naming %s\n%s%s", args, code, missing, stdout, errs)
		}
	}
}

// plan new writes a plan whose portfolio: field resolves from the plan's
// directory, and does not overwrite a file.
func TestPlanNewCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "sub", "cornea.yaml")
	os.MkdirAll(filepath.Dir(out), 0o700)
	code, _, errs := cli(t, "plan", "new", "--register", "Svenska Cornearegistret", "--to", "stratum", "--portfolio", "testdata/portfolio.yaml", "-o", out)
	if code != exitOK {
		t.Fatalf("exit %d %s", code, errs)
	}
	text, _ := os.ReadFile(out)
	rel, _ := filepath.Rel(filepath.Dir(out), filepath.Join(wdRoot(t), "testdata", "portfolio.yaml"))
	if !strings.Contains(string(text), "portfolio: "+filepath.ToSlash(rel)+"\n") {
		t.Fatalf("plan:\n%s", text)
	}
	code, _, errs = cli(t, "plan", "check", out)
	if code != exitUsage || strings.Contains(errs, "P020") || !strings.Contains(errs, "P021") {
		t.Fatalf("check of a new plan: exit %d\n%s", code, errs)
	}
	if code, _, _ := cli(t, "plan", "new", "--register", "Svenska Cornearegistret", "--to", "stratum", "--portfolio", "testdata/portfolio.yaml", "-o", out); code != exitError {
		t.Fatalf("overwrote: exit %d", code)
	}
	if code, _, errs := cli(t, "plan", "new", "--register", "Svenska Cornearegistret", "--to", "pharos", "--portfolio", "testdata/portfolio.yaml"); code != exitUsage || !strings.Contains(errs, "not a chosen receiver") {
		t.Fatalf("to pharos: exit %d %s", code, errs)
	}
}

// Every plan in testdata/plans passes plan check, template and portfolio
// included.
func TestEveryTestdataPlanPassesPlanCheck(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/plans/*.yaml")
	if len(files) == 0 {
		t.Fatal("no plans")
	}
	for _, f := range files {
		rel, _ := filepath.Rel("../..", f)
		if code, out, errs := cli(t, "plan", "check", rel); code != exitOK || errs != "" {
			t.Errorf("%s: exit %d\n%s%s", rel, code, out, errs)
		}
	}
}

// A plan without any template field (a technical starter) passes plan
// check with one warning, and can be neither approved nor rendered.
func TestStarterPlanWithoutTemplate(t *testing.T) {
	b, _ := os.ReadFile("../../testdata/plans/demo.yaml")
	text := string(b)
	start, end := strings.Index(text, "# The strategy's template"), strings.Index(text, "source:\n")
	text = text[:start] + text[end:]
	text = strings.Replace(text, "portfolio: ../portfolio.yaml\n", "", 1)
	text = strings.Replace(text, "  sub_registers: []\n", "", 1)
	path := demoPlanCopy(t)
	text = strings.ReplaceAll(text, "../../", wdRoot(t)+"/")
	os.WriteFile(path, []byte(text), 0o600)
	code, _, errs := cli(t, "plan", "check", path)
	if code != exitOK || !strings.Contains(errs, "warning P021: the plan has no field of the strategy's template yet") {
		t.Fatalf("check: exit %d\n%s", code, errs)
	}
	for _, args := range [][]string{{"plan", "approve", path, "--by", "A", "--role", "r"}, {"plan", "render", path}} {
		if code, _, errs := cli(t, args...); code != exitUsage || !strings.Contains(errs, "error P021: the template needs timeline") {
			t.Errorf("%v: exit %d\n%s", args[:2], code, errs)
		}
	}
}
