package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// A regional grant reaches the units the receiving platform puts in its
// region, not those the legacy one did: a mapping that moves every care
// unit into the region of a regional grant gives that grant units it
// never reached. The access proof expanded receiving grants by the legacy
// units' regions and passed; the run and verify must fail, naming the
// account.
func TestRunFailsWhenUnitsChangeRegion(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 200)
	region, account := "", ""
	for _, g := range readRows(t, src, "behorighet") {
		if r, ok := g["region"].(string); ok && g["vardenhet_id"] == nil && g["roll"] != "ADM" {
			region, account = r, verify.UnitText(g["anvandare_id"])
			break
		}
	}
	outside := 0
	for _, u := range readRows(t, src, "vardenhet") {
		if u["region"] != region {
			outside++
		}
	}
	if region == "" || outside == 0 {
		t.Fatalf("no regional role, or no unit outside its region %q: the test proves nothing", region)
	}
	path := writeDemoPlan(t, map[string]func(string) string{
		"mapping.yaml": func(s string) string {
			return strings.Replace(s, "      name: namn\n      region: region\n",
				"      name: namn\n      region: {expr: 'region == nil ? \""+region+"\" : \""+region+"\"'}\n", 1)
		},
	})
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: filepath.Join(dir, "work")}
	rep, err := plans.Run(context.Background(), loadPlan(t, path), opts)
	if rep == nil {
		t.Fatalf("run: %v", err)
	}
	if !errors.Is(err, plans.ErrNotAccounted) || rep.Pass || rep.Access == nil || rep.Access.OK || !strings.Contains(strings.Join(rep.Access.Widened, ","), account) {
		t.Fatalf("every unit moved into %s, and the run: %v, access %+v", region, err, rep.Access)
	}
	sum, err := plans.Verify(context.Background(), loadPlan(t, path), opts)
	if !errors.Is(err, plans.ErrNotAccounted) || sum == nil || sum.Pass || sum.Access == nil || strings.Join(sum.Access.Widened, ",") != strings.Join(rep.Access.Widened, ",") {
		t.Fatalf("verify: %v, access %+v", err, sum.Access)
	}
}

// The access proof reads back only the receiving grant tables the access
// section lists: with app_appointment left out of it, appointments moved
// to unit 1 by the mapping gave account 15 write on unit 1, and the run
// PASSed (exit 0). A legacy grant table mapped into a table the section
// does not list is refused before anything runs (M064).
func TestGrantsCarriedIntoAnUnlistedTableAreRefused(t *testing.T) {
	path := writeDemoPlan(t, map[string]func(string) string{
		"mapping.yaml": func(s string) string {
			s = strings.Replace(s, "      care_unit_id: vardenhet_id\n      region: region\n      valid_from: giltig_fran\n",
				"      care_unit_id: {expr: 'vardenhet_id == nil ? nil : 1'}\n      region: region\n      valid_from: giltig_fran\n", 1)
			return strings.Replace(s, "      - {table: app_appointment, account: user_id, unit: care_unit_id, region: region, valid_from: valid_from, valid_to: valid_to, basis: appointment, access: write}\n", "", 1)
		},
	})
	_, ds := plans.Check(path)
	if err := ds.Err(); err == nil || !strings.Contains(err.Error(), "M064") || !strings.Contains(err.Error(), "app_appointment") {
		t.Errorf("plan check: %v", err)
	}
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 200)
	p, _ := plans.Load(path)
	if p == nil {
		t.Fatal("the plan does not load")
	}
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: filepath.Join(dir, "work")}
	rep, err := plans.Run(context.Background(), p, opts)
	if err == nil || rep != nil && rep.Pass {
		t.Fatalf("appointments carried into a table the proof does not read: %v", err)
	}
	if !strings.Contains(err.Error(), "M064") {
		t.Errorf("run: %v, want M064", err)
	}
	if sum, err := plans.Verify(context.Background(), p, opts); err == nil || sum != nil && sum.Pass || !strings.Contains(err.Error(), "M064") {
		t.Errorf("verify: %v", err)
	}
}
