package plans_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// Two legacy accounts whose login identities differ only in case are two
// logins on a legacy platform whose login column compares case
// (utf8mb4_bin): carried as they are to a receiving platform that may
// match logins blind to case, whoever logs in with either reaches both
// accounts' grants. The run and verify fail naming both accounts as
// sharing a login identity, and pass once the plan acknowledges
// login_shared.app_user. Under MariaDB's case-blind default the legacy
// platform took them for one login already: carried, they pass. Before,
// both passed, exit 0: each account had "its" identity on the legacy
// side, compared blind to case.
func TestLoginsApartOnlyByCaseOnACaseSensitiveLegacyColumn(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, collation string
		ack, pass       bool
	}{
		{"case-sensitive legacy", "utf8mb4_bin", false, false},
		{"case-sensitive legacy, acknowledged", "utf8mb4_bin", true, true},
		{"case-blind legacy", "utf8mb4_general_ci", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := mytest.NewDatabase(t)
			tgt := pgtest.NewDatabase(t)
			writeDemo(t, src, 200)
			a, b, hsaA, _ := loginCandidates(t, src)
			// b's identity becomes a's in other case: "se2321000016-…".
			mytest.Exec(t, src,
				"ALTER TABLE anvandare MODIFY hsa_id VARCHAR(40) CHARACTER SET utf8mb4 COLLATE "+c.collation+" NULL",
				"UPDATE anvandare SET hsa_id = '"+strings.ToLower(hsaA)+"' WHERE id = "+b)
			edit := map[string]func(string) string{}
			if c.ack {
				edit["plan.yaml"] = func(s string) string {
					return strings.Replace(s, "  acknowledge:\n", "  acknowledge:\n    login_shared.app_user: the receiving directory holds logins apart by case\n", 1)
				}
			}
			path := writeDemoPlan(t, edit)
			dir := t.TempDir()
			rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			sum, verr := plans.Verify(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if rep == nil || rep.Access == nil || sum == nil || sum.Access == nil {
				t.Fatalf("run %v, verify %v", err, verr)
			}
			carried := 0
			for _, u := range readRows(t, tgt, "app_user") {
				if h, _ := u["hsa_id"].(string); strings.EqualFold(h, hsaA) {
					carried++
				}
			}
			if carried != 2 {
				t.Fatalf("%d receiving accounts hold %s's identity in either case, want 2: the test proves nothing", carried, a)
			}
			if c.pass {
				if err != nil || verr != nil || !rep.Pass || !sum.Pass {
					t.Fatalf("run %v (shared %v), verify %v (shared %v), want pass", err, rep.Access.LoginShared, verr, sum.Access.LoginShared)
				}
				return
			}
			want := []string{a, b}
			sort.Strings(want)
			if !errors.Is(err, plans.ErrNotAccounted) || strings.Join(rep.Access.LoginShared, ",") != strings.Join(want, ",") {
				t.Fatalf("run: %v, login identity shared %v, want %v; problems %q", err, rep.Access.LoginShared, want, rep.Problems)
			}
			if !errors.Is(verr, plans.ErrNotAccounted) || strings.Join(sum.Access.LoginShared, ",") != strings.Join(want, ",") {
				t.Fatalf("verify: %v, login identity shared %v, want %v", verr, sum.Access.LoginShared, want)
			}
			found := false
			for _, p := range rep.Problems {
				found = found || strings.Contains(p, "account "+b+": login identity shared") && strings.Contains(p, c.collation)
				if strings.Contains(strings.ToLower(p), strings.ToLower(hsaA)) {
					t.Fatalf("a problem shows an HSA-id: %s", p)
				}
			}
			if !found {
				t.Fatalf("no problem names account %s's shared identity and the legacy column's collation %s: %q", b, c.collation, rep.Problems)
			}
		})
	}
}
