package plans_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// ankomst == nil ? nil : (typ == "A" ? "akut" : ankomst) makes "akut" of
// typ. A visit without an arrival text but with typ A is an acute visit
// whose "akut" the guard dropped: it reached neither the target nor the
// archive, and run and verify passed (exit 0) with every record migrated
// and the value equation balanced (typ was taken to steer nothing). Now,
// MariaDB to PostgreSQL: without choice: the record is archived
// (values_differ), with it the value is lost (run and verify fail naming
// the column), and null_when: declares the guard's NULL (counted per
// rule). Typ B, which would choose the NULL arrival, is a NULL passed
// through in all three.
func TestRunConstantBranchValueIsNotDroppedSilently(t *testing.T) {
	if os.Getenv("REGFLYTT_TEST_MYSQL") == "" || os.Getenv("REGFLYTT_TEST_PG") == "" {
		t.Skip("REGFLYTT_TEST_MYSQL and REGFLYTT_TEST_PG name the servers")
	}
	ctx := context.Background()
	const rule = `ankomst == nil ? nil : (typ == "A" ? "akut" : ankomst)`
	for _, c := range []struct {
		name, column       string
		migrated, archived int64
		lost               int64
		equation           string
	}{
		{"no choice", `{expr: '` + rule + `'}`, 4, 1, 0,
			"visit.arrival source 2 = target 2 - made 0 + alone 0 + nulled map[] ok"},
		{"choice", `{expr: '` + rule + `', choice: the arrival text wins}`, 5, 0, 1,
			"visit.arrival source 3 = target 2 - made 0 + alone 0 + nulled map[] FAIL"},
		{"null_when", `{expr: '` + rule + `', null_when: 'ankomst == nil'}`, 5, 0, 0,
			"visit.arrival source 4 = target 2 - made 0 + alone 0 + nulled map[null_when arrival:2] ok"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := mytest.NewDatabase(t)
			mytest.Exec(t, src,
				"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, ankomst varchar(20), typ char(1)) ENGINE=InnoDB",
				"INSERT INTO besok VALUES (1, 'ambulans', 'A'), (2, NULL, 'A'), (3, 'egen', 'B'), (4, NULL, 'B'), (5, NULL, NULL)")
			dir := t.TempDir()
			writeSchema(t, dir, "visit", "id", "id bigint", "arrival text")
			write(t, filepath.Join(dir, "m.yaml"), "tables:\n  - target: visit\n    source: besok\n    columns:\n      id: id\n      arrival: "+c.column+"\n")
			extra := "run: {reference_date: 2026-01-01}\n"
			if c.archived > 0 {
				extra += "verification:\n  acknowledge:\n    archived_share.besok: the acute visits without an arrival text are looked into\n"
			}
			p := loadPlan(t, writePlan(t, dir, extra))
			opts := plans.Options{SourceURL: src, TargetURL: pgtest.NewDatabase(t), WorkDir: dir}
			rep, err := plans.Run(ctx, p, opts)
			if c.lost == 0 && err != nil || c.lost > 0 && !errors.Is(err, plans.ErrNotAccounted) {
				t.Fatalf("run: %v", err)
			}
			if rep == nil || rep.Pass != (c.lost == 0) {
				t.Fatalf("run pass %v, want %v: %v", rep != nil && rep.Pass, c.lost == 0, rep.Problems)
			}
			tc := tableCheck(rep, "besok")
			if tc.Migrated != c.migrated || tc.Archived != c.archived || tc.ValuesLostBy["arrival"] != c.lost {
				t.Errorf("migrated %d archived %d %v lost %v; want %d migrated, %d archived, %d lost", tc.Migrated, tc.Archived, tc.ArchivedBy, tc.ValuesLostBy, c.migrated, c.archived, c.lost)
			}
			if c.archived > 0 && tc.ArchivedBy["values_differ"] != c.archived {
				t.Errorf("archived by %v, want values_differ", tc.ArchivedBy)
			}
			if c.lost > 0 && !strings.Contains(strings.Join(rep.Problems, "\n"), fmt.Sprintf("%d values lost (arrival: %d)", c.lost, c.lost)) {
				t.Errorf("problems do not name the column: %v", rep.Problems)
			}
			sum, err := plans.Verify(ctx, p, opts)
			if c.lost == 0 && (err != nil || !sum.Pass) || c.lost > 0 && !errors.Is(err, plans.ErrNotAccounted) {
				t.Fatalf("verify: %v %v %v", err, sum.Problems, sum.Findings)
			}
			if got := valueEquations(sum); !slices.Contains(got, c.equation) {
				t.Errorf("value equations %q lack %q", got, c.equation)
			}
		})
	}
}
