package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// besokPlan writes the demo's plan reading a mapping of besok whose
// person: joins fodd and sista4, and gives its path.
func besokPlan(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("schema.yaml", `platform: test
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: code, type: text}
`)
	write("besok.yaml", `tables:
  - target: visit
    source: besok
    person: {expr: 'string(fodd) + "-" + string(sista4)'}
    columns:
      visit_id: id
      code: kod
`)
	demo, err := os.ReadFile("../../plans/demo/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	plan := strings.Replace(string(demo), "  - mapping.yaml\n", "  - besok.yaml\n", 1)
	if plan == string(demo) {
		t.Fatal("the demo plan names no mapping.yaml")
	}
	// The acknowledgements name the demo's access tables, which this
	// plan reads none of (plan approve refuses a plan that does not check).
	if i := strings.Index(plan, "verification:\n"); i >= 0 {
		j := strings.Index(plan, "run:\n")
		plan = plan[:i] + plan[j:]
	}
	write("plan.yaml", plan)
	portfolio, err := os.ReadFile("../../plans/demo/portfolio.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write("portfolio.yaml", string(portfolio))
	return filepath.Join(dir, "plan.yaml")
}

// planVersion gives the plan's fingerprint and hash as a run records
// them in package.json.
func planVersion(t *testing.T, path string) (fingerprint, hash string) {
	t.Helper()
	p, ds := plans.Load(path)
	if p == nil {
		t.Fatal(ds)
	}
	in, ds := p.LoadInputs()
	if ds.Err() != nil {
		t.Fatal(ds)
	}
	fingerprint, err := p.Fingerprint(in)
	if err != nil {
		t.Fatal(err)
	}
	if hash, err = p.Hash(in); err != nil {
		t.Fatal(err)
	}
	return fingerprint, hash
}

// besokPackage archives the listed patient's visit (19121212-1212
// split over fodd and sista4) and another person's, recording meta's
// plan version as a run does.
func besokPackage(t *testing.T, meta archive.Meta) string {
	t.Helper()
	pkg := filepath.Join(t.TempDir(), "pkg")
	meta.Register, meta.Owner, meta.ReferenceDate = "t", "B", eraseRef.Format("2006-01-02")
	w, err := archive.Create(pkg, meta)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range [][]connectors.Value{
		{connectors.Date{Year: 1912, Month: 12, Day: 12}, "1212", "X9"},
		{connectors.Date{Year: 1946, Month: 1, Day: 1}, "0301", "X9"},
	} {
		if err := w.Add(visitsSplit(), archive.Record{Reason: "code_unknown", Values: append([]connectors.Value{int64(i + 1)}, v...)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.Close(eraseRef); err != nil {
		t.Fatal(err)
	}
	return pkg
}

// A registry holder's approval recorded after the run changes the plan's
// fingerprint but not the version of the plan (its plan_hash): erase
// --plan warned that the plan had changed since the package was written.
// It compares by plan_hash where the package records it, and still warns
// where the plan itself changed.
func TestArchiveErasePlanComparesByPlanHash(t *testing.T) {
	plan := besokPlan(t)
	fp, hash := planVersion(t, plan)
	pkg := besokPackage(t, archive.Meta{PlanFingerprint: fp, PlanHash: hash})
	if code, out, errs := cli(t, "plan", "approve", plan, "--by", "Anna Andersson", "--role", "registerhållare"); code != exitOK {
		t.Fatalf("plan approve: exit %d\n%s\n%s", code, out, errs)
	}
	if fp2, hash2 := planVersion(t, plan); fp2 == fp || hash2 != hash {
		t.Fatalf("the approval left the fingerprint (%v) or changed the hash (%v): the test no longer tells the two apart", fp2 == fp, hash2 != hash)
	}
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 30", "--plan", plan)
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(errs, "has changed") {
		t.Errorf("erase warns that an approved plan changed since the run:\n%s", errs)
	}
	if left := recordsLeft(t, pkg, "besok"); left != "2" {
		t.Fatalf("records left %q, want only 2 (another person)", left)
	}

	// Another version of the plan (its hash differs) is still told.
	other := besokPackage(t, archive.Meta{PlanFingerprint: fp, PlanHash: strings.Repeat("0", len(hash))})
	code, out, errs = cli(t, "archive", "erase", other, "--person-list", list, "--reference", "Dnr 31", "--plan", plan)
	if code != exitOK || !strings.Contains(errs, "has changed") {
		t.Errorf("erase of a package of another plan version: exit %d, no warning that the plan changed:\n%s\n%s", code, out, errs)
	}
	// A package written before packages recorded plan_hash is compared
	// by its fingerprint, as before.
	old := besokPackage(t, archive.Meta{PlanFingerprint: fp})
	code, out, errs = cli(t, "archive", "erase", old, "--person-list", list, "--reference", "Dnr 32", "--plan", plan)
	if code != exitOK || !strings.Contains(errs, "has changed") {
		t.Errorf("erase of an older package whose fingerprint differs: exit %d, no warning:\n%s\n%s", code, out, errs)
	}
}
