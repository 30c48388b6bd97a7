package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A receiving table may carry the reporting unit in two columns (here
// visit.care_unit_id and visit.reporting_unit, both mapped from
// vardenhet_id); the receiving platform may read either as the record's
// care provider. The run held only the first: a code list that gave
// every visit unit 1 in the second column PASSed, run and verify alike.
// Every column that carries the unit is held, in either order.
func TestSecondUnitColumnIsHeld(t *testing.T) {
	const recode = "codelists:\n  - name: units\n    unmapped: default\n    default: \"1\"\n    codes: {\"1\": \"1\"}\n"
	schema := func(s string) string {
		return strings.Replace(s, "      - {name: care_unit_id, type: integer, not_null: true}\n      - {name: visit_date", "      - {name: care_unit_id, type: integer, not_null: true}\n      - {name: reporting_unit, type: integer}\n      - {name: visit_date", 1)
	}
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 60)
	for _, tc := range []struct{ name, first, second string }{
		{"recoded second", "vardenhet_id", "{from: vardenhet_id, codelist: units}"},
		{"recoded first", "{from: vardenhet_id, codelist: units}", "vardenhet_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeDemoPlan(t, map[string]func(string) string{
				"mapping.yaml": func(s string) string {
					s = strings.Replace(s, "codelists:\n", recode, 1)
					return strings.Replace(s, "      care_unit_id: vardenhet_id\n      visit_date", "      care_unit_id: "+tc.first+"\n      reporting_unit: "+tc.second+"\n      visit_date", 1)
				},
				"schema.yaml": schema,
			})
			name := strings.ReplaceAll(tc.name, " ", "_")
			opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, name+".db"), WorkDir: filepath.Join(dir, name)}
			p := loadPlan(t, path)
			rep, err := plans.Run(context.Background(), p, opts)
			if err == nil || rep == nil || rep.Pass {
				t.Fatalf("a run that gave the visits another unit in one of their two unit columns passed: %v", err)
			}
			changed := func(problems []string) bool {
				for _, p := range problems {
					if strings.Contains(p, "besok") && strings.Contains(p, "another reporting unit") {
						return true
					}
				}
				return false
			}
			if !changed(rep.Problems) {
				t.Errorf("run problems: %v", rep.Problems)
			}
			sum, err := plans.Verify(context.Background(), p, opts)
			if err == nil || sum == nil || sum.Pass || !changed(sum.Problems) {
				t.Fatalf("verify: %v %+v", err, sum)
			}
		})
	}
}
