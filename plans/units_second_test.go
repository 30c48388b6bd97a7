package plans_test

import (
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
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 60)
	for _, tc := range []struct{ name, first, second string }{
		{"recoded_second", "vardenhet_id", "{from: vardenhet_id, codelist: units}"},
		{"recoded_first", "{from: vardenhet_id, codelist: units}", "vardenhet_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeDemoPlan(t, map[string]func(string) string{
				"mapping.yaml": func(s string) string {
					s = strings.Replace(s, "codelists:\n", unitOneCodes, 1)
					return strings.Replace(s, "      care_unit_id: vardenhet_id\n      visit_date", "      care_unit_id: "+tc.first+"\n      reporting_unit: "+tc.second+"\n      visit_date", 1)
				},
				"schema.yaml": func(s string) string {
					return strings.Replace(s, "      - {name: care_unit_id, type: integer, not_null: true}\n      - {name: visit_date", "      - {name: care_unit_id, type: integer, not_null: true}\n      - {name: reporting_unit, type: integer}\n      - {name: visit_date", 1)
				},
			})
			visitsChangeOwner(t, loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, tc.name+".db"), WorkDir: filepath.Join(dir, tc.name)})
		})
	}
}
