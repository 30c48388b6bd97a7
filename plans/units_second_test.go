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
//
// So is a column made by an expression that reads the unit column: with
// care_unit_id: {expr: 'vardenhet_id > 2 ? 1 : vardenhet_id'} (units
// merged on the receiving platform) beside reporting_unit: vardenhet_id,
// every visit of units 3 and up went to unit 1 and the run and verify
// PASSed (MariaDB to PostgreSQL as well), each unit's report saying its
// records migrated; only a code list was held.
func TestSecondUnitColumnIsHeld(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 60)
	const merged = "{expr: 'vardenhet_id > 2 ? 1 : vardenhet_id'}"
	for _, tc := range []struct{ name, first, second string }{
		{"recoded_second", "vardenhet_id", "{from: vardenhet_id, codelist: units}"},
		{"recoded_first", "{from: vardenhet_id, codelist: units}", "vardenhet_id"},
		{"expression_first", merged, "vardenhet_id"},
		{"expression_second", "vardenhet_id", merged},
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

// A receiving column derived from the unit (here its size class, by a
// code list) is not the unit: held to the record's unit, every record
// "changed owner" and the run failed with no way to say otherwise.
// unit: {derived: [size_class]} says so; the column that carries the unit
// as it is stays held.
func TestUnitDerivedColumnIsNotHeld(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 60)
	sizes := "codelists:\n  - name: unit_size\n    unmapped: default\n    default: large\n    codes: {\"1\": small, \"3\": small}\n"
	const byCodes, byExpr = "{from: vardenhet_id, codelist: unit_size}", "{expr: \"vardenhet_id in [1, 3] ? 'small' : 'large'\"}"
	for _, tc := range []struct {
		name, unit, careUnit, size string
		pass                       bool
	}{
		{"undeclared", "unit: vardenhet_id ", "vardenhet_id", byCodes, false},
		{"derived", "unit: {column: vardenhet_id, derived: [size_class]} ", "vardenhet_id", byCodes, true},
		// derived: frees only the column it names.
		{"derived_but_unit_recoded", "unit: {column: vardenhet_id, derived: [size_class]} ", "{from: vardenhet_id, codelist: units}", byCodes, false},
		// The size class by an expression of the unit, alike.
		{"undeclared_expression", "unit: vardenhet_id ", "vardenhet_id", byExpr, false},
		{"derived_expression", "unit: {column: vardenhet_id, derived: [size_class]} ", "vardenhet_id", byExpr, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeDemoPlan(t, map[string]func(string) string{
				"mapping.yaml": func(s string) string {
					lists := "codelists:\n"
					if tc.size == byCodes {
						lists = sizes
					}
					if strings.Contains(tc.careUnit, "codelist: units") {
						lists += unitOneCodes[len("codelists:\n"):]
					}
					s = strings.Replace(s, "codelists:\n", lists, 1)
					s = strings.Replace(s, "    unit: vardenhet_id        # the unit that reported the visit", "    "+tc.unit, 1)
					return strings.Replace(s, "      care_unit_id: vardenhet_id\n      visit_date", "      care_unit_id: "+tc.careUnit+"\n      size_class: "+tc.size+"\n      visit_date", 1)
				},
				"schema.yaml": func(s string) string {
					return strings.Replace(s, "      - {name: care_unit_id, type: integer, not_null: true}\n      - {name: visit_date", "      - {name: care_unit_id, type: integer, not_null: true}\n      - {name: size_class, type: varchar(10)}\n      - {name: visit_date", 1)
				},
			})
			opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, tc.name+".db"), WorkDir: filepath.Join(dir, tc.name)}
			if !tc.pass {
				visitsChangeOwner(t, loadPlan(t, path), opts)
				return
			}
			p := loadPlan(t, path)
			if rep, err := plans.Run(context.Background(), p, opts); err != nil || rep == nil || !rep.Pass {
				t.Fatalf("run: %v", err)
			}
			if sum, err := plans.Verify(context.Background(), p, opts); err != nil || !sum.Pass {
				t.Fatalf("verify: %v\n%v\n%v", err, sum.Problems, sum.Findings)
			}
		})
	}
}
