package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/plans"
)

// Receiving tables on MariaDB that a platform made by hand, in ways the
// catalogue's column types do not show: a run must refuse them before
// its first write, not find them at the end check with the target
// written. Each runs the same one-table plan (visit_id, weight from
// besok's id, vikt) into a fresh database where ddl has run.
func TestRunMariaDBReceivingTableMadeOtherwise(t *testing.T) {
	mytest.ServerURL(t)
	ctx := context.Background()
	cases := []struct {
		name string
		ddl  []string
		// want is in the refusal; written names the table the refused
		// run must have left empty.
		want, written string
	}{
		{
			// LOAD DATA stores the expression's value in a generated
			// column in place of the one written, without a warning
			// (INSERT refuses it: error 1906); the run PASSed nothing
			// but wrote every row with weight = visit_id * 10, and only
			// the end check found it.
			name:    "stored generated column",
			ddl:     []string{"CREATE TABLE visit (visit_id bigint NOT NULL PRIMARY KEY, weight bigint AS (visit_id * 10) PERSISTENT) ENGINE=InnoDB"},
			want:    "table visit, column weight: generated column",
			written: "visit",
		},
		{
			name:    "virtual generated column",
			ddl:     []string{"CREATE TABLE visit (visit_id bigint NOT NULL PRIMARY KEY, weight bigint AS (visit_id * 10) VIRTUAL) ENGINE=InnoDB"},
			want:    "table visit, column weight: generated column",
			written: "visit",
		},
		{
			// The catalogue lists base tables only, so a view named as a
			// receiving table looked absent; CREATE TABLE IF NOT EXISTS
			// left the view alone (a note), and the rows went through it
			// into another table, past that table's trigger.
			name: "view",
			ddl: []string{
				"CREATE TABLE base (visit_id bigint NOT NULL PRIMARY KEY, weight bigint) ENGINE=InnoDB",
				"CREATE TRIGGER base_scale BEFORE INSERT ON base FOR EACH ROW SET NEW.weight = NEW.weight * 10",
				"CREATE VIEW visit AS SELECT visit_id, weight FROM base",
			},
			want:    "visit is a VIEW",
			written: "base",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src := "sqlite://" + filepath.Join(dir, "legacy.db")
			writeTables(t, src, []connectors.Table{
				{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("vikt")}},
			}, map[string][][]connectors.Value{"besok": {{int64(1), int64(70)}, {int64(2), int64(80)}}})
			writeSchema(t, dir, "visit", "visit_id", "visit_id bigint not_null", "weight bigint")
			write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    columns: {visit_id: id, weight: vikt}\n")
			plan := writePlan(t, dir, "")
			tgt := mytest.NewDatabase(t)
			mytest.Exec(t, tgt, c.ddl...)
			rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w")})
			if err == nil {
				t.Fatalf("run into a table made otherwise succeeded (pass %v)", rep != nil && rep.Pass)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nothing was written") {
				t.Fatalf("run: %v\nwant a refusal before writing that says %q", err, c.want)
			}
			if c.name != "view" && !errors.Is(err, plans.ErrTargetDiffers) {
				t.Errorf("run: %v: want ErrTargetDiffers", err)
			}
			if n := countRows(t, tgt, c.written); n != 0 {
				t.Errorf("the refused run wrote %d rows into %s", n, c.written)
			}
		})
	}
}
