package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

func TestSourceGroupsSectionErrors(t *testing.T) {
	dir := t.TempDir()
	path := writePlan(t, dir, "verification:\n  source_groups: {besok: vardenhet_id, patient: [\"year(registrerad\"]}\n")
	_, ds := plans.Load(path)
	got := ds.Error()
	for _, want := range []string{"plan.yaml:10:26: error P043", "plan.yaml:10:50: error P043"} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, got)
		}
	}
}

// Control groups per source table on the demo: per care unit and per year
// of registration, every group's source records equal its migrated +
// archived + excluded, and the groups add up to the table.
func TestVerifySourceGroupsBalanceOnTheDemo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srcURL, _ := makeDemoSQLite(t, dir, 200)
	for _, name := range []string{"schema.yaml", "mapping.yaml"} {
		b, err := os.ReadFile(filepath.Join("demo", name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, name), string(b))
	}
	b, err := os.ReadFile(filepath.Join("demo", "plan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "verification:\n", "verification:\n  source_groups:\n    besok: [vardenhet_id]\n    patient: [\"year(registrerad)\", vardenhet_id]\n", 1)
	p := loadPlan(t, write(t, filepath.Join(dir, "plan.yaml"), text))
	opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	if _, err := plans.Run(context.Background(), p, opts); err != nil {
		t.Fatal(err)
	}
	sum, err := plans.Verify(context.Background(), p, opts)
	if err != nil {
		t.Fatal(err)
	}
	perGroup := map[string]int64{}
	values := map[string]int{}
	var archived int64
	for _, g := range sum.SourceGroups {
		if !g.OK || g.SourceRows != g.Migrated+g.Archived+g.Excluded || g.Read != g.SourceRows {
			t.Errorf("group %+v", g)
		}
		perGroup[g.Source+" "+g.Group] += g.SourceRows
		values[g.Source+" "+g.Group]++
		archived += g.Archived
	}
	var besok, patients int64
	for _, eq := range sum.Tables {
		switch eq.Source {
		case "besok":
			besok = eq.SourceRecords
		case "patient":
			patients = eq.SourceRecords
		}
	}
	if besok == 0 || patients == 0 || perGroup["besok vardenhet_id"] != besok || perGroup["patient year(registrerad)"] != patients || perGroup["patient vardenhet_id"] != patients {
		t.Fatalf("groups hold %v, the tables %d visits and %d patients", perGroup, besok, patients)
	}
	if values["besok vardenhet_id"] < 2 || values["patient year(registrerad)"] < 2 || archived == 0 {
		t.Fatalf("values per group %v, %d archived: want several groups and the demo's defects archived", values, archived)
	}
	var html strings.Builder
	if err := sum.WriteHTML(&html); err != nil || !strings.Contains(html.String(), `id="source-groups"`) {
		t.Fatalf("HTML report lacks the source groups table: %v", err)
	}

	var report strings.Builder
	if err := sum.WriteText(&report); err != nil || !strings.Contains(report.String(), "source table patient, control group year(registrerad) = ") {
		t.Fatalf("text report lacks the source groups: %v\n%s", err, report.String())
	}

	// year() of a column that holds no dates fails clearly, naming it.
	p = loadPlan(t, write(t, filepath.Join(dir, "plan.yaml"), strings.Replace(text, "besok: [vardenhet_id]", "besok: [\"year(id)\"]", 1)))
	if _, err := plans.Verify(context.Background(), p, opts); err == nil || !strings.Contains(err.Error(), "year(id)") {
		t.Fatalf("year() of an integer column: %v", err)
	}

	// A group of a column the source table lacks fails clearly, naming it:
	// in plan check (P043, the mapping neither maps nor drops it) and in
	// verify.
	text = strings.Replace(text, "besok: [vardenhet_id]", "besok: [no_such_column]", 1)
	path := write(t, filepath.Join(dir, "plan.yaml"), text)
	if _, ds := plans.Check(path); ds.Err() == nil || !strings.Contains(ds.Err().Error(), "P043: verification.source_groups.besok: the mapping of source table besok neither maps nor drops a column no_such_column") {
		t.Errorf("plan check of a group of no column: %v", ds)
	}
	p, _ = plans.Load(path)
	if _, err := plans.Verify(context.Background(), p, opts); err == nil || !strings.Contains(err.Error(), "no_such_column") {
		t.Fatalf("a group of no column: %v", err)
	}
}
