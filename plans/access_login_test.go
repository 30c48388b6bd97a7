package plans_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// loginCandidates names two accounts of the demo at dbURL whose role
// grants the demo mapping carries (the first account of their person, an
// LAK or LAS grant on a unit that exists), with different HSA-ids and,
// where the demo has such a pair, different units; and each one's HSA-id.
func loginCandidates(t *testing.T, dbURL string) (a, b, hsaA, hsaB string) {
	t.Helper()
	units := map[string]bool{}
	for _, u := range readRows(t, dbURL, "vardenhet") {
		units[verify.UnitText(u["id"])] = true
	}
	first := map[string]int64{}
	hsa := map[string]string{}
	for _, u := range readRows(t, dbURL, "anvandare") {
		h, ok := u["hsa_id"].(string)
		if !ok {
			continue
		}
		id := u["id"].(int64)
		if prev, seen := first[h]; !seen || id < prev {
			first[h] = id
		}
		hsa[verify.UnitText(id)] = h
	}
	kept := map[string]bool{}
	for _, id := range first {
		kept[verify.UnitText(id)] = true
	}
	scope := map[string]map[string]bool{}
	for _, g := range readRows(t, dbURL, "behorighet") {
		acc := verify.UnitText(g["anvandare_id"])
		if (g["roll"] == "LAK" || g["roll"] == "LAS") && g["vardenhet_id"] != nil && units[verify.UnitText(g["vardenhet_id"])] && kept[acc] {
			if scope[acc] == nil {
				scope[acc] = map[string]bool{}
			}
			scope[acc][verify.UnitText(g["vardenhet_id"])] = true
		}
	}
	var accounts []string
	for acc := range scope {
		accounts = append(accounts, acc)
	}
	sort.Slice(accounts, func(i, j int) bool {
		return len(accounts[i]) < len(accounts[j]) || len(accounts[i]) == len(accounts[j]) && accounts[i] < accounts[j]
	})
	if len(accounts) < 2 {
		t.Fatal("fewer than two accounts with a carried role grant in the demo: the test proves nothing")
	}
	a, b = accounts[0], accounts[1]
	for _, c := range accounts[1:] {
		if fmt.Sprint(scope[c]) != fmt.Sprint(scope[a]) {
			b = c
			break
		}
	}
	if hsa[a] == hsa[b] {
		t.Fatalf("accounts %s and %s share an HSA-id: the test proves nothing", a, b)
	}
	return a, b, hsa[a], hsa[b]
}

// A mapping that gives one account another's login identity (its HSA-id,
// which the person logs in with by SITHS card) keeps every grant on its
// account id: the access proof, comparing accounts by id, passed, exit 0,
// while after the migration B logs in as the account holding A's scope
// and reads A's patients. The run's end check and verify must fail,
// naming the accounts, the table and the column, and never an HSA-id.
// The HSA-ids go through a code list (as to a receiving directory's ids)
// with entries changed, or one is declared NULL (dropped).
func TestLoginIdentityChangedFails(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// change gives the code list's entries that differ from the
		// identity; nil drops A's HSA-id by null_when.
		change func(hsaA, hsaB string) map[string]string
		// want names the accounts whose login identity differs, and what
		// each one's problem must say (a regular expression).
		want func(a, b string) map[string]string
	}{
		{"swapped", func(hsaA, hsaB string) map[string]string {
			return map[string]string{hsaA: hsaB, hsaB: hsaA}
		}, func(a, b string) map[string]string {
			return map[string]string{a: `of legacy accounts? (\d+, )*` + b + `\b`, b: `of legacy accounts? (\d+, )*` + a + `\b`}
		}},
		{"changed", func(hsaA, hsaB string) map[string]string {
			return map[string]string{hsaA: "SE2321000016-0000"}
		}, func(a, b string) map[string]string {
			return map[string]string{a: "differs from legacy"}
		}},
		// Every account of A's person loses it: a second account, which
		// the demo archives as a duplicate by its HSA-id, is carried too.
		{"dropped", nil, func(a, b string) map[string]string {
			return map[string]string{a: "is empty"}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src, _ := makeDemoSQLite(t, dir, 200)
			a, b, hsaA, hsaB := loginCandidates(t, src)
			path := writeDemoPlan(t, map[string]func(string) string{
				"mapping.yaml": func(s string) string {
					if c.change == nil {
						return strings.Replace(s, "      hsa_id: hsa_id\n", fmt.Sprintf("      hsa_id: {from: hsa_id, null_when: [%q]}\n", hsaA), 1)
					}
					s = strings.Replace(s, "      hsa_id: hsa_id\n", "      hsa_id: {from: hsa_id, codelist: hsa}\n", 1)
					return strings.Replace(s, "codelists:\n", "codelists:\n"+hsaList(t, src, c.change(hsaA, hsaB)), 1)
				},
			})
			tgt := "sqlite://" + filepath.Join(dir, "receiving.db")
			rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			// The migration did what the mapping says: the grants are on
			// their accounts, the login identities changed.
			got := map[string]connectors.Value{}
			for _, u := range readRows(t, tgt, "app_user") {
				got[verify.UnitText(u["user_id"])] = u["hsa_id"]
			}
			if got[a] == hsaA || len(got) == 0 {
				t.Fatalf("account %s carried with its own HSA-id: the test proves nothing", a)
			}
			want := c.want(a, b)
			if c.change == nil {
				for _, u := range readRows(t, src, "anvandare") {
					acc := verify.UnitText(u["id"])
					if _, carried := got[acc]; carried && u["hsa_id"] == hsaA {
						want[acc] = "is empty"
					}
				}
			}
			check := func(what string, err error, access *verify.AccessCheck, problems []string) {
				t.Helper()
				if !errors.Is(err, plans.ErrNotAccounted) || access == nil || access.OK {
					t.Fatalf("%s: %v (access %+v), want the access proof to fail; problems %v", what, err, access, problems)
				}
				var accounts []string
				for acc := range want {
					accounts = append(accounts, acc)
				}
				sort.Strings(accounts)
				if strings.Join(access.LoginChanged, ",") != strings.Join(accounts, ",") {
					t.Errorf("%s: login identity changed for %v, want %v", what, access.LoginChanged, accounts)
				}
				for acc, says := range want {
					found := false
					for _, p := range problems {
						if strings.HasPrefix(p, "access: account "+acc+": login identity ") && strings.Contains(p, "app_user.hsa_id") && strings.Contains(p, "anvandare.hsa_id") && regexp.MustCompile(says).MatchString(p) {
							found = true
						}
					}
					if !found {
						t.Errorf("%s: no problem names account %s, app_user.hsa_id, anvandare.hsa_id and %q: %v", what, acc, says, problems)
					}
				}
				for _, p := range problems {
					if strings.Contains(p, hsaA) || strings.Contains(p, hsaB) || strings.Contains(p, "SE2321000016-0000") {
						t.Fatalf("%s: a problem shows an HSA-id: %s", what, p)
					}
				}
			}
			if rep == nil {
				t.Fatalf("run: %v", err)
			}
			check("run", err, rep.Access, rep.Problems)
			sum, err := plans.Verify(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if sum == nil {
				t.Fatalf("verify: %v", err)
			}
			check("verify", err, sum.Access, sum.Failures())
		})
	}
}

// hsaList is a code list named hsa mapping each HSA-id of the demo at
// dbURL to itself, but those change gives another.
func hsaList(t *testing.T, dbURL string, change map[string]string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("  - name: hsa\n    codes:\n")
	seen := map[string]bool{}
	for _, u := range readRows(t, dbURL, "anvandare") {
		h, ok := u["hsa_id"].(string)
		if !ok || seen[h] {
			continue
		}
		seen[h] = true
		to := h
		if c, ok := change[h]; ok {
			to = c
		}
		fmt.Fprintf(&b, "      %q: %q\n", h, to)
	}
	return b.String()
}
