package plans_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"

	_ "modernc.org/sqlite" // the driver the fixture is written with
)

// A receiving table that already exists, exactly as declared, but with a
// trigger (an audit or normalising trigger of the receiving platform)
// that changes what is written: the run compared counts only, and PASSed
// with every weight ten times what the source holds. The run must refuse
// a receiving table with triggers before writing, or verify the rows it
// wrote by content.
func TestRunReceivingTableWithTrigger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("vikt")}},
	}, map[string][][]connectors.Value{"besok": {{int64(1), int64(70)}, {int64(2), int64(80)}}})
	tgtPath := filepath.Join(dir, "t.db")
	db, err := sql.Open("sqlite", "file:"+tgtPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		`CREATE TABLE "visit" ("visit_id" INTEGER NOT NULL, "weight" INTEGER, PRIMARY KEY ("visit_id"))`,
		`CREATE TRIGGER scale AFTER INSERT ON visit BEGIN UPDATE visit SET weight = weight * 10 WHERE visit_id = NEW.visit_id; END`,
	} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			t.Fatalf("%s: %v", s, err)
		}
	}
	db.Close()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint, not_null: true}, {name: weight, type: bigint}]
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns: {visit_id: id, weight: vikt}
`)
	plan := writePlan(t, dir, "")
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + tgtPath, WorkDir: dir})
	if err == nil && rep.Pass {
		t.Fatalf("PASS with a trigger multiplying every weight by ten (ledger %v)", ledgerOf(rep, false))
	}
	if rep == nil {
		t.Fatalf("run: %v, and no report", err)
	}
	// The problems name the table, each key and the column, never a value.
	problems := strings.Join(rep.Problems, "\n")
	for _, want := range []string{"visit key (1): columns weight differ", "visit key (2): columns weight differ"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems do not say %q:\n%s", want, problems)
		}
	}
	for _, value := range []string{"700", "800"} {
		if strings.Contains(problems, value) {
			t.Errorf("problems show the value %s:\n%s", value, problems)
		}
	}
}
