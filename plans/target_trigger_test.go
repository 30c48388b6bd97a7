package plans_test

import (
	"context"
	"errors"
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
// with every weight ten times what the source holds. A receiving table
// with a trigger is refused before writing, naming the trigger; one added
// once the run has begun is caught by the end check, which compares the
// rows written by content.
func TestRunReceivingTableWithTrigger(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("vikt")}},
	}, map[string][][]connectors.Value{"besok": {{int64(1), int64(70)}, {int64(2), int64(80)}}})
	const (
		visit = `CREATE TABLE "visit" ("visit_id" INTEGER NOT NULL, "weight" INTEGER, PRIMARY KEY ("visit_id"))`
		scale = `CREATE TRIGGER scale AFTER INSERT ON visit BEGIN UPDATE visit SET weight = weight * 10 WHERE visit_id = NEW.visit_id; END`
	)
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

	before := filepath.Join(dir, "before.db")
	sqliteExec(t, before, visit, scale)
	_, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + before, WorkDir: filepath.Join(dir, "w0")})
	if want := "table visit: trigger scale: regflytt creates none"; !errors.Is(err, plans.ErrTargetDiffers) || !strings.Contains(err.Error(), want) {
		t.Fatalf("a receiving table with a trigger: got %v, want %q", err, want)
	}
	if n := countRows(t, "sqlite://"+before, "visit"); n != 0 {
		t.Errorf("the refused run wrote %d rows", n)
	}

	during := filepath.Join(dir, "during.db")
	sqliteExec(t, during, visit)
	trigger := sqliteAfterChecks(during, scale)
	rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: "sqlite://" + during, WorkDir: filepath.Join(dir, "w1"), Progress: trigger})
	if trigger.Err != nil {
		t.Fatal(trigger.Err)
	}
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
