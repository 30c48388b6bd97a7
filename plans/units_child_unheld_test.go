package plans_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A child that takes its parent's unit (unit: {parent: true}) holds only
// a receiving column made from one source column and named as one its
// root parent carries the unit in. A unit column made by an expression
// reading two columns, or one named otherwise (visit.reporting_unit from
// the legacy unit column, which the parent does not have), was held by
// nothing: through a code list giving every visit its neighbour unit, run
// and verify PASSed, exit 0 (MariaDB to PostgreSQL). The run refuses it
// before writing (M092, at the column's line), naming how to have it
// held; a column the mapping names derived (unit: {parent: true,
// derived: [...]}) holds no care provider and passes.
func TestChildUnitColumnNobodyHoldsIsRefused(t *testing.T) {
	t.Parallel()
	const patients = 60
	units := demoUnits(patients)
	var shifted []string
	for i := 1; i <= units+60; i++ {
		shifted = append(shifted, fmt.Sprintf("%q: %d", fmt.Sprint(i), i%units+1))
	}
	for _, c := range []struct {
		name, unit, columns string
		refused             bool
	}{
		{"expression of two columns", "{parent: true}", "      care_unit_id: {expr: 'patient_id > 0 ? (vardenhet_id > 2 ? 1 : vardenhet_id) : vardenhet_id'}\n", true},
		{"another name", "{parent: true}", "      care_unit_id: vardenhet_id\n      reporting_unit: {from: vardenhet_id, codelist: skift}\n", true},
		{"another name, derived", "{parent: true, derived: [reporting_unit]}", "      care_unit_id: vardenhet_id\n      reporting_unit: {from: vardenhet_id, codelist: skift}\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := mytest.NewDatabase(t)
			tgt := pgtest.NewDatabase(t)
			writeDemo(t, src, patients)
			path := writeDemoPlan(t, map[string]func(string) string{
				"mapping.yaml": func(s string) string {
					s = strings.Replace(s, "codelists:\n", "codelists:\n  - name: skift\n    codes: {"+strings.Join(shifted, ", ")+"}\n", 1)
					s = strings.Replace(s, "    unit: vardenhet_id        # the unit that reported the visit\n", "    unit: "+c.unit+"\n", 1)
					return strings.Replace(s, "      patient_id: patient_id\n      care_unit_id: vardenhet_id\n", "      patient_id: patient_id\n"+c.columns, 1)
				},
				"schema.yaml": func(s string) string {
					// visit's unit column (the third table's), not patient's.
					i := strings.Index(s, "  - name: visit\n")
					return s[:i] + strings.Replace(s[i:], "      - {name: care_unit_id, type: integer, not_null: true}\n", "      - {name: care_unit_id, type: integer, not_null: true}\n      - {name: reporting_unit, type: integer}\n", 1)
				},
			})
			dir := t.TempDir()
			if !c.refused {
				rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
				if err != nil || rep == nil || !rep.Pass {
					t.Fatalf("run: %v, want pass", err)
				}
				return
			}
			// plan check and map check refuse it, and so does the run.
			_, ds := plans.Check(path)
			if err := ds.Err(); err == nil || !strings.Contains(err.Error(), "M092") || !strings.Contains(err.Error(), "mapping.yaml:") {
				t.Fatalf("plan check: %v, want M092 naming the mapping's line", err)
			}
			p, _ := plans.Load(path)
			if p == nil {
				t.Fatal("the plan does not load")
			}
			rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if err == nil || rep != nil && rep.Pass || !strings.Contains(err.Error(), "M092") {
				t.Fatalf("run: %v (pass %v), want M092", err, rep != nil && rep.Pass)
			}
		})
	}
}
