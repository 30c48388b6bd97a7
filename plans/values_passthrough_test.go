package plans_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// A NULL an expression passes through from a NULL source value is no value
// lost, though a condition of a branch not taken reads a column that
// holds one (id): the run and verify pass, every account migrates, and
// the value equation balances. The same expression steering a non-NULL
// HSA-id to NULL still loses it: the run and verify fail naming the
// column. With and without a declared choice.
func TestRunNullPassThroughIsNoValueLost(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name, column string
		lost         int64
		equation     string
	}{
		{"pass-through", `{expr: "hsa_id == nil ? nil : (id == 1 ? 'x' : hsa_id)"}`, 0,
			"account.hsa_id source 2 = target 2 - made 0 + alone 0 + nulled map[] ok"},
		{"pass-through, choice declared", `{expr: "hsa_id == nil ? nil : (id == 1 ? 'x' : hsa_id)", choice: "the test account shows x"}`, 0,
			"account.hsa_id source 2 = target 2 - made 0 + alone 0 + nulled map[] ok"},
		{"steered to NULL", `{expr: "hsa_id == nil ? nil : (id == 1 ? nil : hsa_id)"}`, 1,
			"account.hsa_id source 2 = target 1 - made 0 + alone 0 + nulled map[] FAIL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			srcURL := "sqlite://" + filepath.Join(dir, "legacy.db")
			tables := []connectors.Table{{Name: "konto", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("hsa_id")}}}
			writeTables(t, srcURL, tables, map[string][][]connectors.Value{"konto": {
				{int64(1), "SE1"}, {int64(2), nil}, {int64(3), nil}, {int64(4), "SE4"}, {int64(5), nil},
			}})
			write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: account
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: hsa_id, type: text}
`)
			write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: account
    source: konto
    columns:
      id: id
      hsa_id: `+c.column+"\n")
			p := loadPlan(t, writePlan(t, dir, "run: {reference_date: 2026-01-01}\n"))
			opts := plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir}
			rep, err := plans.Run(ctx, p, opts)
			if c.lost == 0 && err != nil || c.lost > 0 && !errors.Is(err, plans.ErrNotAccounted) {
				t.Fatalf("run: %v", err)
			}
			if rep == nil || rep.Pass != (c.lost == 0) {
				t.Fatalf("run pass %v, want %v: %v", rep != nil && rep.Pass, c.lost == 0, rep.Problems)
			}
			tc := tableCheck(rep, "konto")
			if tc.Migrated != 5 || tc.Archived != 0 || tc.ValuesLostBy["hsa_id"] != c.lost || len(tc.ValuesNotChosenBy) != 0 {
				t.Errorf("migrated %d archived %d %v lost %v not chosen %v; want 5 migrated, %d lost", tc.Migrated, tc.Archived, tc.ArchivedBy, tc.ValuesLostBy, tc.ValuesNotChosenBy, c.lost)
			}
			if c.lost > 0 && !strings.Contains(strings.Join(rep.Problems, "\n"), fmt.Sprintf("%d values lost (hsa_id: %d)", c.lost, c.lost)) {
				t.Errorf("problems do not name the column: %v", rep.Problems)
			}
			sum, err := plans.Verify(ctx, p, opts)
			if c.lost == 0 && (err != nil || !sum.Pass) || c.lost > 0 && !errors.Is(err, plans.ErrNotAccounted) {
				t.Fatalf("verify: %v %v", err, sum.Problems)
			}
			if got := valueEquations(sum); !slices.Contains(got, c.equation) {
				t.Errorf("value equations %q lack %q", got, c.equation)
			}
		})
	}
}
