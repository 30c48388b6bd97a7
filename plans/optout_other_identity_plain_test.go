package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// A referral linked to its child by parent: alone, whose every column
// is copied as it is (a plain program), carries the opted-out mother's
// number in clear to the receiving platform. Such a program's rows were
// made without apply, which alone asks the lists about identity
// columns beside the person: listed_number_kept was never counted and
// the run passed (the mother, no patient of the register, her entry
// acknowledged as matching no person).
func TestRunFlagsAListedNumberKeptInAPlainCopy(t *testing.T) {
	for server, newDB := range serverDatabases(t) {
		t.Run(server, func(t *testing.T) {
			dir := t.TempDir()
			src := newDB(t)
			writeTables(t, src, []connectors.Table{
				{Name: "barn", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("personnr")}},
				{Name: "remiss", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("barn_id"), textCol("mor_pnr")}},
			}, map[string][][]connectors.Value{
				"barn": {{int64(2), "20050101-9871"}},
				"remiss": {
					{int64(30), int64(2), "19800101-1231"}, // the listed mother's number, copied
					{int64(31), int64(2), "19850303-1117"},
				},
			})
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: child
    primary_key: [child_id]
    columns: [{name: child_id, type: bigint}]
  - name: referral
    primary_key: [referral_id]
    columns: [{name: referral_id, type: bigint}, {name: barn_id, type: bigint}, {name: mor_pnr, type: text}]
`)
			write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: child
    source: barn
    person: personnr
    columns: {child_id: id}
  - target: referral
    source: remiss
    parent: {table: barn, key: [barn_id]}
    columns: {referral_id: id, barn_id: barn_id, mor_pnr: mor_pnr}
`)
			write(t, filepath.Join(dir, "optout.txt"), "19800101-1231\n")
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt, unmatched: {acknowledged: 1, reason: the mother is no patient of the register}}\n")
			work := t.TempDir()
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work})
			if rep == nil {
				t.Fatalf("no report: %v", err)
			}
			for _, tc := range rep.Tables {
				if tc.Source == "remiss" {
					if got := tc.Warnings[mappings.WarnListedNumberKept]; got != 1 || tc.Migrated != 2 {
						t.Errorf("referrals: %d migrated, %d flagged %s; want 2 migrated, the one with the listed mother's number flagged", tc.Migrated, got, mappings.WarnListedNumberKept)
					}
				}
			}
			if rep.Pass || !strings.Contains(strings.Join(rep.Problems, "\n"), mappings.WarnListedNumberKept+".remiss") {
				t.Errorf("got pass %v, problems %v; want the run failed naming %s.remiss", rep.Pass, rep.Problems, mappings.WarnListedNumberKept)
			}
		})
	}
}
