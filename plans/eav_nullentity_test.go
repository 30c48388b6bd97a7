package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A value row whose entity id is NULL belongs to no form, and no position
// of a keyset read can stand after it: it was refused mid-read as
// "different types" (SQLite sorts NULL first) or "not in entity order"
// (PostgreSQL sorts it last), neither of which says what is wrong. The run
// refuses it before anything is written, naming the table and the column
// and never the row's values; a read (verify's) says the same.
func TestRunEAVValueRowWithoutEntity(t *testing.T) {
	t.Parallel()
	stmts := []string{
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL, datum varchar(10))`,
		`CREATE TABLE varde (instans_id integer, variabel varchar(20) NOT NULL, varde varchar(40))`,
		`INSERT INTO instans VALUES (1, '2024-01-01'), (2, '2024-01-02')`,
		`INSERT INTO varde VALUES (1, 'vikt', '72'), (NULL, 'pnr', '19121212-1212'), (2, 'vikt', '80')`,
	}
	for _, c := range []struct {
		name   string
		source func(t *testing.T, dir string) string
	}{
		{"SQLite", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "legacy.db")
			execSQLite(t, path, stmts...)
			return srcURL(path)
		}},
		{"PostgreSQL", func(t *testing.T, dir string) string {
			u := pgtest.NewDatabase(t)
			pgtest.Exec(t, u, stmts...)
			return u
		}},
		{"MariaDB", func(t *testing.T, dir string) string {
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, stmts...)
			return u
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			src := c.source(t, dir)
			writeRegistrationSchema(t, dir, true)
			writeEAVMapping(t, dir, `    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
    drop: {pnr: not migrated}
`)
			plan := writePlan(t, dir, "")
			tgt := "sqlite://" + filepath.Join(dir, "t.db")
			_, err := plans.Run(ctx, loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if err == nil || !strings.Contains(err.Error(), "values table varde: 1 value row names no entity (its column instans_id is NULL)") {
				t.Fatalf("got %v, want the value row without an entity named", err)
			}
			if strings.Contains(err.Error(), "19121212") || strings.Contains(err.Error(), "pnr") {
				t.Errorf("the refusal shows the row's values: %v", err)
			}
			if strings.Contains(err.Error(), "different types") || strings.Contains(err.Error(), "entity order") {
				t.Errorf("the refusal says something else is wrong: %v", err)
			}
			if !strings.Contains(err.Error(), "nothing was written") {
				t.Errorf("the refusal came after writing: %v", err)
			}
			// Verification reads the value rows without the run's check
			// before writing: the read itself says the same.
			_, err = plans.Verify(ctx, loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if err == nil || !strings.Contains(err.Error(), "values table varde: a value row names no entity (its column instans_id is NULL)") {
				t.Errorf("verify: got %v, want the value row without an entity named", err)
			}
		})
	}
}
