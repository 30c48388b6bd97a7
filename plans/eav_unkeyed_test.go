package plans_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A values table without a primary key is read in (entity, attribute)
// order only: two value rows of one variable for one form have no order
// of their own. Which one is kept (the other archived as duplicate_value)
// must not depend on how the read breaks the tie, or verification, whose
// read can break it otherwise, fails a run that was right with a
// difference of content.
func TestRunEAVDuplicateValuesWithoutValuesKey(t *testing.T) {
	t.Parallel()
	stmts := []string{
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL, datum varchar(10))`,
		`CREATE TABLE varde (instans_id integer NOT NULL, variabel varchar(20) NOT NULL, varde varchar(40))`,
		`INSERT INTO instans VALUES (1, '2024-01-01'), (2, '2024-01-02'), (3, '2024-01-03')`,
		`INSERT INTO varde VALUES (1, 'vikt', '80'), (1, 'vikt', '72'), (2, 'vikt', '61'), (2, 'langd', '170'), (2, 'vikt', '66'), (2, 'vikt', '64'), (3, 'vikt', '90')`,
	}
	// The same rows stored in another order (each of the first value
	// rows of a variable deleted and written again, last): a read breaks
	// the ties otherwise, as a PostgreSQL cursor's sort can on a large
	// table whose scan starts where another's is (synchronize_seqscans).
	reorder := []string{
		`DELETE FROM varde WHERE instans_id = 1 AND varde = '80'`, `INSERT INTO varde VALUES (1, 'vikt', '80')`,
		`DELETE FROM varde WHERE instans_id = 2 AND varde = '61'`, `INSERT INTO varde VALUES (2, 'vikt', '61')`,
	}
	for _, c := range []struct {
		name   string
		source func(t *testing.T, dir string) (url string, exec func(...string))
	}{
		{"SQLite", func(t *testing.T, dir string) (string, func(...string)) {
			path := filepath.Join(dir, "legacy.db")
			execSQLite(t, path, stmts...)
			return srcURL(path), func(s ...string) { execSQLite(t, path, s...) }
		}},
		{"PostgreSQL", func(t *testing.T, dir string) (string, func(...string)) {
			u := pgtest.NewDatabase(t)
			pgtest.Exec(t, u, stmts...)
			return u, func(s ...string) { pgtest.Exec(t, u, s...) }
		}},
		{"MariaDB", func(t *testing.T, dir string) (string, func(...string)) {
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, stmts...)
			return u, func(s ...string) { mytest.Exec(t, u, s...) }
		}},
	} {
		for _, batch := range []string{"1", "2", "1000"} {
			t.Run(c.name+"Batch"+batch, func(t *testing.T) {
				ctx := context.Background()
				dir := t.TempDir()
				src, exec := c.source(t, dir)
				writeRegistrationSchema(t, dir, true)
				writeEAVMapping(t, dir, `    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
    drop: {langd: not migrated}
`)
				plan := writePlan(t, dir, "run: {batch_size: "+batch+"}\nverification: {acknowledge: {archived_share.varde: a test of duplicate values}}\n")
				tgt := "sqlite://" + filepath.Join(dir, "t.db")
				rep, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				got := ledgerOf(rep, false)
				if want := summary(3, 4, 0, map[string]int64{"duplicate_value": 3, "variable_not_mapped": 1}); got["varde"] != want {
					t.Errorf("values ledger %s, want %s", got["varde"], want)
				}
				exec(reorder...)
				sum, err := plans.Verify(ctx, loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
				if err != nil || sum == nil || !sum.Pass {
					if sum != nil {
						b, _ := json.MarshalIndent(sum, "", " ")
						t.Log(string(b))
					}
					t.Fatalf("verify: %v (pass %v)", err, sum != nil && sum.Pass)
				}
			})
		}
	}
}
