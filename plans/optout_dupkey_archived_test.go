package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/plans"
)

// A record archived because its receiving key is taken goes into the
// archive package whole, its dropped identity columns with it: an
// opted-out mother's number in one went in clear, as the archived
// outcome carried none of the migrated one's warnings nor was asked.
func TestRunFlagsAListedNumberInARecordArchivedForADuplicateKey(t *testing.T) {
	if testing.Short() {
		t.Skip("real servers")
	}
	src, dst := mytest.NewDatabase(t), pgtest.NewDatabase(t)
	dir := t.TempDir()
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("nr"), textCol("personnr"), textCol("mor_pnr")}},
	}, map[string][][]connectors.Value{
		"besok": {
			{int64(1), int64(7), "20150606-3336", nil},
			{int64(2), int64(7), "20150606-3336", "19800101-1231"}, // the key taken: archived
		},
	})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}]
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    person: personnr
    columns: {visit_id: nr}
    drop: {id: the visit number is the key, mor_pnr: the mother is not registered}
`)
	write(t, filepath.Join(dir, "optout.txt"), "19800101-1231\n")
	plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification:\n  acknowledge:\n    archived_share.besok: a test\n")
	rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: dst, WorkDir: t.TempDir()})
	if rep == nil {
		t.Fatalf("no report: %v", err)
	}
	for _, tc := range rep.Tables {
		t.Logf("%s: migrated %d archived %d warnings %v", tc.Source, tc.Migrated, tc.Archived, tc.Warnings)
		if tc.Source == "besok" && tc.Warnings[mappings.WarnListedNumberKept] != 1 {
			t.Errorf("visits flagged %s: %d, want the one archived for its taken key", mappings.WarnListedNumberKept, tc.Warnings[mappings.WarnListedNumberKept])
		}
	}
	if rep.Pass {
		t.Errorf("the run passed with the listed mother's number in clear in the archive package: %v", err)
	}
}
