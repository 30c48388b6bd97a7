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
	"github.com/regflytt/regflytt/verify"
)

// The disabled-account case MariaDB to PostgreSQL: the legacy flag a
// BOOLEAN (TINYINT(1)) and the lock a DATE, the receiving flag a
// PostgreSQL boolean. Dropped, the disabled account is widened; carried,
// it reaches nothing and the proof passes.
func TestDisabledAccountMariaDBToPostgreSQL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, fields, columns, drop, receiving string
		pass                                   bool
	}{
		{"flag dropped", "active: aktiv", "", "aktiv: not carried, sparrad: not carried", "", false},
		{"lock date dropped", "disabled_from: sparrad", "", "aktiv: not carried, sparrad: not carried", "", false},
		{"flag carried", "active: aktiv, disabled_from: sparrad", "      active: {from: aktiv, cast: boolean}\n", "sparrad: not carried", "active: active", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := mytest.NewDatabase(t)
			tgt := pgtest.NewDatabase(t)
			writeDemo(t, src, 200)
			account := disabledCandidate(t, src)
			mytest.Exec(t, src,
				"ALTER TABLE anvandare ADD COLUMN aktiv BOOLEAN NOT NULL DEFAULT TRUE",
				"ALTER TABLE anvandare ADD COLUMN sparrad DATE NULL",
				"UPDATE anvandare SET aktiv = FALSE, sparrad = '2020-01-01' WHERE id = "+account)
			path := writeDemoPlan(t, map[string]func(string) string{
				"schema.yaml": func(s string) string {
					return strings.Replace(s, "      - {name: employment, type: varchar(10)}\n", "      - {name: employment, type: varchar(10)}\n      - {name: active, type: boolean}\n", 1)
				},
				"mapping.yaml": func(s string) string {
					s = mapAccounts(c.fields, c.columns, c.receiving)(s)
					return strings.Replace(s, "    duplicates: {same: [hsa_id]", "    drop: {"+c.drop+"}\n    duplicates: {same: [hsa_id]", 1)
				},
			})
			dir := t.TempDir()
			rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			sum, verr := plans.Verify(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if c.pass {
				if err != nil || !rep.Pass || verr != nil || !sum.Pass {
					t.Fatalf("run %v, verify %v", err, verr)
				}
				granted := false
				for _, g := range readRows(t, tgt, "app_grant") {
					granted = granted || verify.UnitText(g["user_id"]) == account
				}
				for _, u := range readRows(t, tgt, "app_user") {
					if verify.UnitText(u["user_id"]) == account && (u["active"] != false || !granted) {
						t.Fatalf("account %s carried with active %v, grants carried %v: the test proves nothing", account, u["active"], granted)
					}
				}
				return
			}
			if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || strings.Join(rep.Access.Widened, ",") != account {
				t.Fatalf("run: %v, want account %s widened (report %+v)", err, account, rep)
			}
			if !errors.Is(verr, plans.ErrNotAccounted) || sum == nil || strings.Join(sum.Access.Widened, ",") != account {
				t.Fatalf("verify: %v, want account %s widened", verr, account)
			}
		})
	}
}

// disabledCandidate names an account of the demo at dbURL whose role
// grants the demo mapping carries: the first account of its person, with
// an LAK or LAS grant on a unit that exists.
func disabledCandidate(t *testing.T, dbURL string) string {
	t.Helper()
	units := map[string]bool{}
	for _, u := range readRows(t, dbURL, "vardenhet") {
		units[verify.UnitText(u["id"])] = true
	}
	first := map[string]string{}
	for _, u := range readRows(t, dbURL, "anvandare") {
		h, ok := u["hsa_id"].(string)
		id := verify.UnitText(u["id"])
		if ok && (first[h] == "" || len(id) < len(first[h]) || len(id) == len(first[h]) && id < first[h]) {
			first[h] = id
		}
	}
	kept := map[string]bool{}
	for _, id := range first {
		kept[id] = true
	}
	account := ""
	for _, g := range readRows(t, dbURL, "behorighet") {
		a := verify.UnitText(g["anvandare_id"])
		if (g["roll"] == "LAK" || g["roll"] == "LAS") && g["vardenhet_id"] != nil && units[verify.UnitText(g["vardenhet_id"])] && kept[a] && (account == "" || a < account) {
			account = a
		}
	}
	if account == "" {
		t.Fatal("no account with a carried role grant in the demo: the test proves nothing")
	}
	return account
}

// The login identity PostgreSQL to MariaDB. Carried from a legacy
// CHAR(30), which PostgreSQL reads back padded, through strip(): every
// account keeps its identity and the proof passes (the padding is no
// other identity). Two swapped by the mapping fail it, naming both.
func TestLoginIdentityPostgreSQLToMariaDB(t *testing.T) {
	t.Parallel()
	for _, swap := range []bool{false, true} {
		t.Run(map[bool]string{false: "carried from CHAR", true: "swapped"}[swap], func(t *testing.T) {
			src := pgtest.NewDatabase(t)
			tgt := mytest.NewDatabase(t)
			writeDemo(t, src, 200)
			a, b, hsaA, hsaB := loginCandidates(t, src)
			if !swap {
				pgtest.Exec(t, src, "ALTER TABLE anvandare ALTER COLUMN hsa_id TYPE char(30)")
			}
			path := writeDemoPlan(t, map[string]func(string) string{
				"mapping.yaml": func(s string) string {
					if !swap {
						return strings.Replace(s, "      hsa_id: hsa_id\n", "      hsa_id: {expr: strip(hsa_id)}\n", 1)
					}
					s = strings.Replace(s, "      hsa_id: hsa_id\n", "      hsa_id: {from: hsa_id, codelist: hsa}\n", 1)
					return strings.Replace(s, "codelists:\n", "codelists:\n"+hsaList(t, src, map[string]string{hsaA: hsaB, hsaB: hsaA}), 1)
				},
			})
			dir := t.TempDir()
			rep, err := plans.Run(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			sum, verr := plans.Verify(context.Background(), loadPlan(t, path), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: dir})
			if rep == nil || rep.Access == nil || sum == nil || sum.Access == nil {
				t.Fatalf("run %v, verify %v", err, verr)
			}
			if !swap {
				padded := false
				for _, u := range readRows(t, src, "anvandare") {
					h, _ := u["hsa_id"].(string)
					padded = padded || strings.HasSuffix(h, " ")
				}
				if !padded {
					t.Fatal("no legacy HSA-id read back padded from the CHAR(30) column: the test proves nothing of padding")
				}
				if err != nil || verr != nil || rep.Access.Logins == 0 || sum.Access.Logins == 0 {
					t.Fatalf("run %v, verify %v (%d, %d login identities compared)", err, verr, rep.Access.Logins, sum.Access.Logins)
				}
				return
			}
			want := []string{a, b}
			sort.Strings(want)
			if !errors.Is(err, plans.ErrNotAccounted) || strings.Join(rep.Access.LoginChanged, ",") != strings.Join(want, ",") {
				t.Fatalf("run: %v, login identity changed %v, want %v", err, rep.Access.LoginChanged, want)
			}
			if !errors.Is(verr, plans.ErrNotAccounted) || strings.Join(sum.Access.LoginChanged, ",") != strings.Join(want, ",") {
				t.Fatalf("verify: %v, login identity changed %v, want %v", verr, sum.Access.LoginChanged, want)
			}
		})
	}
}
