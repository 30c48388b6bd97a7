package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"
	"github.com/regflytt/regflytt/verify"
)

// accountDisabled reports whether an account row, legacy or receiving,
// says the account is disabled, in any of the synthetic platforms' ways:
// a flag 0 or false, or a lock date.
func accountDisabled(row map[string]connectors.Value) bool {
	for _, c := range []string{"aktiv", "active"} {
		switch v := row[c].(type) {
		case int64:
			return v == 0
		case bool:
			return !v
		}
	}
	for _, c := range []string{"sparrad_fran", "locked_from"} {
		if _, ok := row[c].(connectors.Date); ok {
			return true
		}
	}
	return false
}

// checkCarriedDisabled checks the account_disabled defect of a run: the
// generator disabled n accounts, ids; the source keeps exactly those
// disabled, each with a grant row; the target carries exactly those, and
// disabled.
func checkCarriedDisabled(t *testing.T, id, src, tgt string, ids []int64, n int64) {
	t.Helper()
	if int64(len(ids)) != n {
		t.Fatalf("%s: the generator counted %d, listed %d", id, n, len(ids))
	}
	want := map[string]bool{}
	for _, a := range ids {
		want[verify.UnitText(a)] = true
	}
	withGrant := map[string]bool{}
	for _, table := range []string{"behorighet", "forordnande"} {
		for _, g := range readRows(t, src, table) {
			withGrant[verify.UnitText(g["anvandare_id"])] = true
		}
	}
	for _, u := range readRows(t, src, "anvandare") {
		a := verify.UnitText(u["id"])
		if accountDisabled(u) != want[a] {
			t.Errorf("%s: legacy account %s disabled %v, the generator listed it %v", id, a, accountDisabled(u), want[a])
		}
		if want[a] && !withGrant[a] {
			t.Errorf("%s: legacy account %s disabled without a grant row", id, a)
		}
	}
	carried := map[string]bool{}
	for _, u := range readRows(t, tgt, "app_user") {
		a := verify.UnitText(u["user_id"])
		carried[a] = true
		if accountDisabled(u) != want[a] {
			t.Errorf("%s: account %s carried disabled %v, want %v", id, a, accountDisabled(u), want[a])
		}
	}
	for a := range want {
		if !carried[a] {
			t.Errorf("%s: disabled account %s not carried", id, a)
		}
	}
}

// copySynthPlan copies a synthetic platform's plan, mapping and schema
// into a directory of their own, the mapping edited (and without its own
// tests, which describe it unedited), and gives the plan's path.
func copySynthPlan(t *testing.T, p synth.Platform, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	name := string(p)
	for _, f := range []string{"plans/" + name + ".yaml", "mappings/" + name + ".yaml", "platforms/" + name + "/schema.yaml", "portfolio.yaml"} {
		b, err := os.ReadFile(filepath.Join("../testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "mappings/"+name+".yaml" {
			changed := edit(string(b))
			if changed == string(b) {
				t.Fatalf("the edit of %s changed nothing", f)
			}
			b = []byte(withoutMappingTests(changed))
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "plans", name+".yaml")
}

// A mapping that drops the account state column carries every account
// enabled (the receiving column NULL reads as enabled): the disabled
// accounts regain their grants, and the run fails the access proof,
// naming exactly the disabled accounts that had a grant carried. With
// the column, the same platform passes (TestAccessDefects).
func TestDroppedAccountStateFailsNamingTheDisabledAccounts(t *testing.T) {
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "access accounts test: not a real key")
	for _, c := range []struct {
		p              synth.Platform
		mapped, column string // the line of the mapping that carries the state, and its legacy column
	}{
		{synth.EAV, "      active: {from: aktiv, cast: boolean}\n", "aktiv"},
		{synth.Wide, "      locked_from: sparrad_fran\n", "sparrad_fran"},
		{synth.MainSub, "      active: {from: aktiv, cast: boolean}\n", "aktiv"},
	} {
		t.Run(string(c.p), func(t *testing.T) {
			// Dropped as a mapping author would, with a reason (M010
			// refuses a column neither mapped nor dropped); the
			// access: section still names both sides' accounts.
			const users = "  - target: app_user\n    source: anvandare\n"
			plan := copySynthPlan(t, c.p, func(s string) string {
				if !strings.Contains(s, c.mapped) || !strings.Contains(s, users) {
					return s
				}
				s = strings.Replace(s, c.mapped, "", 1)
				return strings.Replace(s, users, users+"    drop:\n      "+c.column+": the receiving platform's accounts are all active\n", 1)
			})
			dir := t.TempDir()
			src := "sqlite://" + filepath.Join(dir, "legacy.db")
			db, err := all.OpenTarget(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			st, err := synth.Generate(context.Background(), db.(synth.Writer), synth.Config{Platform: c.p, Patients: 300, Seed: 5,
				Rates: map[synth.DefectID]float64{synth.AccountDisabled: 0.2}})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
			rep, err := plans.Run(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass || rep.Access == nil || rep.Access.OK {
				t.Fatalf("run: %v", err)
			}
			// Want: the disabled accounts (the generator's list) with a
			// grant carried; one whose every grant was archived (an
			// expired appointment, a removed unit) regains nothing.
			granted := map[string]bool{}
			for _, table := range []string{"app_grant", "app_appointment"} {
				for _, g := range readRows(t, tgt, table) {
					granted[verify.UnitText(g["user_id"])] = true
				}
			}
			var want []string
			for _, a := range st.DisabledAccounts {
				if granted[verify.UnitText(a)] {
					want = append(want, verify.UnitText(a))
				}
			}
			if len(want) < 2 {
				t.Fatalf("%d disabled accounts with a grant carried (of %d disabled): the test proves little", len(want), len(st.DisabledAccounts))
			}
			got := slices.Clone(rep.Access.Widened)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("widened %v, want the disabled accounts %v", got, want)
			}
			for _, a := range want {
				found := false
				for _, p := range rep.Problems {
					found = found || strings.HasPrefix(p, "access: account "+a+": access widened: ") &&
						strings.Contains(p, "disabled on the legacy platform")
				}
				if !found {
					t.Errorf("no problem names account %s disabled on the legacy platform: %v", a, rep.Problems)
				}
			}
		})
	}
}
