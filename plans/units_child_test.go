package plans_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A child that takes its parent's unit (unit: {parent: true}) but whose
// receiving table names a unit in the column its parent's unit is carried
// in (visit.care_unit_id beside patient.care_unit_id) is read by that
// unit's care provider on the receiving platform. Mapped through a code
// list that gave every visit its neighbour unit, the run PASSed (exit
// 0): nothing held the column, since the child declared no unit column.
// It is held to the parent's unit, as a unit column is.
func TestChildUnitColumnIsHeldToItsParentsUnit(t *testing.T) {
	childUnitColumnsHeld(t, func(visitUnit string) map[string]func(string) string {
		return map[string]func(string) string{"mapping.yaml": func(s string) string {
			return strings.Replace(s, "      patient_id: patient_id\n      care_unit_id: vardenhet_id\n      visit_date:", "      patient_id: patient_id\n      care_unit_id: "+visitUnit+"\n      visit_date:", 1)
		}}
	})
}

// A child that takes its parent's unit holds each receiving column its
// root parent carries the unit in: patient.care_unit_id and
// patient.reporting_unit here, so visit.reporting_unit too. Only the
// first was held, and a code list that gave every visit its neighbour
// unit in the second PASSed.
func TestChildHoldsEachOfItsParentsUnitColumns(t *testing.T) {
	childUnitColumnsHeld(t, func(visitUnit string) map[string]func(string) string {
		return map[string]func(string) string{
			"mapping.yaml": func(s string) string {
				s = strings.Replace(s, "      patient_id: id\n      care_unit_id: vardenhet_id\n", "      patient_id: id\n      care_unit_id: vardenhet_id\n      reporting_unit: vardenhet_id\n", 1)
				return strings.Replace(s, "      care_unit_id: vardenhet_id\n      visit_date", "      care_unit_id: vardenhet_id\n      reporting_unit: "+visitUnit+"\n      visit_date", 1)
			},
			"schema.yaml": func(s string) string {
				return strings.Replace(s, "      - {name: care_unit_id, type: integer, not_null: true}\n", "      - {name: care_unit_id, type: integer, not_null: true}\n      - {name: reporting_unit, type: integer}\n", 2)
			},
		}
	})
}

// childUnitColumnsHeld runs the demo with visits taking their patient's
// unit (unit: {parent: true}) and edits(visitUnit) carrying visitUnit in
// a visit's unit column: carried as it is, the run passes; through skift,
// a code list that gives every unit its neighbour's id, the run and
// verify fail naming the visits' changed owners.
func childUnitColumnsHeld(t *testing.T, edits func(visitUnit string) map[string]func(string) string) {
	t.Helper()
	const patients = 60
	units := demoUnits(patients)
	var shifted []string
	for i := 1; i <= units+60; i++ {
		shifted = append(shifted, fmt.Sprintf("%q: %d", fmt.Sprint(i), i%units+1))
	}
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, patients)
	run := func(name, visitUnit string) (*plans.Plan, plans.Options, error, bool) {
		edit := edits(visitUnit)
		mapping := edit["mapping.yaml"]
		edit["mapping.yaml"] = func(s string) string {
			s = strings.Replace(s, "codelists:\n", "codelists:\n  - name: skift\n    codes: {"+strings.Join(shifted, ", ")+"}\n", 1)
			s = strings.Replace(s, "    unit: vardenhet_id        # the unit that reported the visit\n", "    unit: {parent: true}\n", 1)
			return mapping(s)
		}
		path := writeDemoPlan(t, edit)
		opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, name+".db"), WorkDir: filepath.Join(dir, name)}
		p := loadPlan(t, path)
		rep, err := plans.Run(context.Background(), p, opts)
		return p, opts, err, rep != nil && rep.Pass
	}
	// Carried as it is, the visit keeps its own unit on the receiving
	// platform (the ledger counts it in its patient's).
	if _, _, err, pass := run("same", "vardenhet_id"); err != nil || !pass {
		t.Fatalf("visits carrying their own unit as it is: %v", err)
	}
	// Through a code list, or an expression that reads the visit's unit
	// column (units merged on the receiving platform): an expression was
	// not held, and the run and verify PASSed with the visits of units 3
	// and up given to unit 1.
	for _, tc := range []struct{ name, visitUnit string }{
		{"shifted", "{from: vardenhet_id, codelist: skift}"},
		{"merged_by_expression", "{expr: 'vardenhet_id > 2 ? 1 : vardenhet_id'}"},
	} {
		p, opts, err, pass := run(tc.name, tc.visitUnit)
		if err == nil || pass {
			t.Fatalf("%s: visits given another receiving unit, and the run passed: %v", tc.name, err)
		}
		sum, err := plans.Verify(context.Background(), p, opts)
		if err == nil || sum == nil || sum.Pass {
			t.Fatalf("%s: verify passed: %v", tc.name, err)
		}
		if !strings.Contains(strings.Join(sum.Failures(), "\n"), "besok: ") || !strings.Contains(strings.Join(sum.Failures(), "\n"), "carry another reporting unit") {
			t.Errorf("%s: verify does not name the visits' changed owners: %v", tc.name, sum.Failures())
		}
	}
}
