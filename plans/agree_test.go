package plans_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// plan check (no database) and map check (the live source) report the
// same codes at the same places for every rule both check; what only
// the source can tell (mappings.SourceDiagnostic) and what only its data
// shows (C006, C007, M019, M020) is map check's alone. Each mapping of
// the corpus breaks one thing.
func TestPlanCheckAndMapCheckAgree(t *testing.T) {
	dir := t.TempDir()
	srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, srcURL, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("datum"), textCol("rok"), intCol("ver"), textCol("personnr")}},
	}, map[string][][]connectors.Value{"besok": {{int64(1), "2020-01-01", "J", int64(1), "19121212-1212"}}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: visit_date, type: date}
      - {name: smoking, type: varchar(10)}
`)
	const head = `codelists:
  - {name: s, versions: {"1": {J: current}}, archive: {"9": obsolete_code}}
tables:
  - target: visit
    source: besok
`
	corpus := []string{
		// A code list's version column, read and dropped.
		`    columns: {visit_id: id, visit_date: {expr: date(datum)}, smoking: {from: rok, codelist: {name: s, version: ver}}}
    drop: {ver: x, personnr: x}
`,
		// The person's column, read and dropped.
		`    person: personnr
    columns: {visit_id: id, visit_date: {expr: date(datum)}, smoking: {from: rok, codelist: {name: s, version: ver}}}
    drop: {personnr: x}
`,
		// A rule with a built-in reason, and one reading an unknown column.
		`    rules: [{when: "visit_id > 0", archive: orphan}, {when: "nosuch > 0", archive: odd}]
    columns: {visit_id: id, visit_date: {expr: date(datum)}, smoking: {from: rok, codelist: {name: s, version: ver}}}
    drop: {personnr: x}
`,
		// A rule reading a source column that is neither mapped nor dropped.
		`    rules: [{when: 'src.personnr == "x"', archive: marked}]
    columns: {visit_id: id, visit_date: {expr: date(datum)}, smoking: {from: rok, codelist: {name: s, version: ver}}}
`,
		// A definition reading a column by itself, and open_ended on a
		// constant's column.
		`    columns: {visit_id: id, visit_date: {expr: "d(datum)", open_ended: [zero]}, smoking: {from: rok, codelist: {name: s, version: ver}}}
    drop: {personnr: x}
define: [{name: d, params: [x], expr: "date(x) ?? date(rok)"}]
`,
		// An unknown function and a code list named wrongly.
		`    columns: {visit_id: id, visit_date: {expr: dat(datum)}, smoking: {from: rok, codelist: {name: t, version: ver}}}
    drop: {personnr: x}
`,
	}
	for i, m := range corpus {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			write(t, filepath.Join(dir, "m.yaml"), head+m)
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\n")
			_, planDs := plans.Check(plan)
			// As regflytt map check does: a plan or mapping that does not
			// load is reported as it is, and checked no further.
			p, mapDs := plans.Load(plan)
			partial := mapDs.Err() != nil
			if !partial {
				more, err := plans.CheckMappings(context.Background(), p, plans.Options{SourceURL: srcURL})
				var stopped mappings.Diagnostics
				switch {
				case errors.As(err, &stopped):
					// The mappings do not load: reported, not checked further.
					more, partial = stopped, true
				case err != nil:
					t.Fatal(err)
				}
				mapDs = append(mapDs, more...)
			}
			codes := func(ds mappings.Diagnostics) string {
				var out []string
				for _, d := range ds {
					switch {
					case mappings.SourceDiagnostic(d), d.Code == "C006", d.Code == "C007", d.Code == "M019", d.Code == "M020":
						continue
					}
					out = append(out, fmt.Sprintf("%d:%d %s %s", d.Pos.Line, d.Pos.Column, d.Severity, d.Code))
				}
				sort.Strings(out)
				return strings.Join(out, ", ")
			}
			pc, mc := codes(planDs), codes(mapDs)
			if partial {
				// Map check stopped early: what it found, plan check found.
				for _, c := range strings.Split(mc, ", ") {
					if !strings.Contains(pc, c) {
						t.Errorf("map check found %s, plan check did not: %v / %v", c, planDs, mapDs)
					}
				}
				return
			}
			if pc != mc {
				t.Errorf("plan check: [%s]\nmap check:  [%s]\nplan check said: %v\nmap check said: %v", pc, mc, planDs, mapDs)
			}
			if mc == "" && len(mapDs) == 0 {
				t.Errorf("the mapping breaks nothing: not a case of the corpus")
			}
		})
	}
}
