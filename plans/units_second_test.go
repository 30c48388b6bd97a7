package plans_test

import (
	"context"
	"fmt"
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

// A child that takes its parent's unit holds each receiving column its
// root parent carries the unit in: patient.care_unit_id and
// patient.reporting_unit here, so visit.reporting_unit too. Only the
// first was held, and a code list that gave every visit its neighbour
// unit in the second PASSed.
func TestChildHoldsEachOfItsParentsUnitColumns(t *testing.T) {
	const patients = 60
	units := demoUnits(patients)
	var shifted []string
	for i := 1; i <= units+60; i++ {
		shifted = append(shifted, fmt.Sprintf("%q: %d", fmt.Sprint(i), i%units+1))
	}
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, patients)
	run := func(name, second string) (*plans.Plan, plans.Options, error, bool) {
		path := writeDemoPlan(t, map[string]func(string) string{
			"mapping.yaml": func(s string) string {
				s = strings.Replace(s, "codelists:\n", "codelists:\n  - name: skift\n    codes: {"+strings.Join(shifted, ", ")+"}\n", 1)
				s = strings.Replace(s, "      patient_id: id\n      care_unit_id: vardenhet_id\n", "      patient_id: id\n      care_unit_id: vardenhet_id\n      reporting_unit: vardenhet_id\n", 1)
				s = strings.Replace(s, "    unit: vardenhet_id        # the unit that reported the visit\n", "    unit: {parent: true}\n", 1)
				return strings.Replace(s, "      care_unit_id: vardenhet_id\n      visit_date", "      care_unit_id: vardenhet_id\n      reporting_unit: "+second+"\n      visit_date", 1)
			},
			"schema.yaml": func(s string) string {
				s = strings.Replace(s, "      - {name: care_unit_id, type: integer, not_null: true}\n", "      - {name: care_unit_id, type: integer, not_null: true}\n      - {name: reporting_unit, type: integer}\n", 2)
				return s
			},
		})
		opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, name+".db"), WorkDir: filepath.Join(dir, name)}
		p := loadPlan(t, path)
		rep, err := plans.Run(context.Background(), p, opts)
		return p, opts, err, rep != nil && rep.Pass
	}
	if _, _, err, pass := run("same", "vardenhet_id"); err != nil || !pass {
		t.Fatalf("visits carrying their own unit as it is in both columns: %v", err)
	}
	p, opts, err, pass := run("shifted", "{from: vardenhet_id, codelist: skift}")
	if err == nil || pass {
		t.Fatalf("every visit's second unit column its neighbour's, and the run passed: %v", err)
	}
	sum, err := plans.Verify(context.Background(), p, opts)
	if err == nil || sum == nil || sum.Pass || !strings.Contains(strings.Join(sum.Failures(), "\n"), "carry another reporting unit") {
		t.Fatalf("verify: %v %v", err, sum)
	}
}
