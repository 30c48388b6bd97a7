package plans_test

import (
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// A null_when expression is over the source row (README, mapping
// reference): it may read a column the column's value does not. plan
// check, map check, map dry-run and run all accept such a mapping and the
// run counts the declared NULL; a null_when that reads a column the source
// does not have is refused by map check, dry-run and run alike, with the
// same code at the same place (plan check, which sees no database, cannot
// tell).
func TestNullWhenReadsAnotherColumnChecksAgree(t *testing.T) {
	cases := []struct {
		name, column string
		refused      string
	}{
		{"reads another column", `{from: vikt, null_when: 'rok == "9"'}`, ""},
		{"an expression's null_when reads another column", `{expr: 'vikt', null_when: 'rok == "9"'}`, ""},
		{"reads a column the source does not have", `{from: vikt, null_when: 'rok == "9" || rok2 == "9"'}`, "m.yaml:3:13: error M010, m.yaml:6:39: error M013"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
			writeTables(t, srcURL, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("vikt"), textCol("rok")}}},
				map[string][][]connectors.Value{"besok": {{int64(1), "70", "J"}, {int64(2), "-", "9"}, {int64(3), nil, nil}}})
			writeSchema(t, dir, "visit", "visit_id", "visit_id bigint", "weight text")
			write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    columns:\n      visit_id: id\n      weight: "+c.column+"\n")
			v := fourChecks(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {none: no patients}\n"), srcURL, dir)
			if v.plan != "" {
				t.Errorf("plan check refuses: %s", v.plan)
			}
			for what, got := range map[string]string{"map check": v.mapCheck, "dry run": v.dry, "run": v.run} {
				if got != c.refused {
					t.Errorf("%s: %q, want %q", what, got, c.refused)
				}
			}
			if c.refused != "" || v.rep == nil {
				return
			}
			if got := tableCheck(v.rep, "besok").ValuesNulledBy; !sameCounts(got, map[string]int64{"null_when weight": 1}) {
				t.Errorf("run: nulled %v, want null_when weight: 1", got)
			}
		})
	}
}
