package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/plans"
)

// checkOrphansArchived runs a registry whose rows of table hold one
// orphan the fold is sure of (stmts writes it for a key column's type
// and the orphan's key) on the sources whose collations join nothing
// folding does not: the run archives the orphan, counts one record
// migrated and one excluded (the opted-out person's), and verify
// passes. files writes the plan's schema and mapping, ack the
// archived_share acknowledgement, what names the rows in messages.
func checkOrphansArchived(t *testing.T, stmts func(col, orphan string) []string, files func(*testing.T, string), table, ack, what string) {
	t.Helper()
	for _, c := range []struct {
		name   string
		source func(t *testing.T, dir string) string
	}{
		{"MariaDB, ASCII", func(t *testing.T, dir string) string {
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, stmts("varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", "'sac'")...)
			return u
		}},
		// Swedish letters under a Swedish collation: folding takes 'å'
		// for 'a', which only sets more aside; the collation joins
		// nothing folding does not.
		{"MariaDB swedish_ci, Swedish letters", func(t *testing.T, dir string) string {
			u := mytest.NewDatabase(t)
			mytest.Exec(t, u, stmts("varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_swedish_ci", "'s\u00e5c'")...)
			return u
		}},
		{"SQLite BINARY", func(t *testing.T, dir string) string {
			path := filepath.Join(dir, "legacy.db")
			execSQLite(t, path, stmts("TEXT", "'\u00dfab'")...)
			return srcURL(path)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			src := c.source(t, dir)
			files(t, dir)
			write(t, filepath.Join(dir, "optout.txt"), "19121212-1212\n")
			plan := writePlan(t, dir, "run: {reference_date: 2026-01-01}\noptout: {file: optout.txt}\nverification: {acknowledge: {archived_share."+table+": "+ack+"}}\n")
			opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
			rep, err := plans.Run(ctx, loadPlan(t, plan), opts)
			if err != nil || !rep.Pass {
				t.Fatalf("run: %v", err)
			}
			if got, want := ledgerOf(rep, false)[table], summary(1, 1, 1, map[string]int64{"orphan": 1}); got != want {
				t.Fatalf("%s ledger %s, want %s", what, got, want)
			}
			if sum, err := plans.Verify(ctx, loadPlan(t, plan), opts); err != nil || !sum.Pass {
				t.Fatalf("verify of the run: %v", err)
			}
		})
	}
}
