package verify

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
)

// Every account both platforms hold keeps the login identities it had:
// one swapped, changed, added or dropped fails, naming the account ids,
// the tables and the columns, never an identity. Two rows of one legacy
// account (or two legacy accounts of one person) give it either identity;
// a CHAR column's padding is not part of it; an account only one side
// holds is not compared.
func TestCheckLogins(t *testing.T) {
	const hsaA, hsaB, pnr = "SE2321000016-0001", "SE2321000016-0002", "191212121212"
	one := func(ids ...string) [][]string { return [][]string{ids} }
	legacy := map[string][][]string{"1": one(hsaA), "2": one(hsaB), "3": one(), "4": one(hsaA, "SE2321000016-0004"), "5": one(pnr)}
	cases := []struct {
		name    string
		after   map[string][][]string
		changed []string
		says    []string // what the problems say, in order
	}{
		{"kept", map[string][][]string{"1": one(hsaA), "2": one(hsaB), "3": one(), "4": one("SE2321000016-0004"), "5": one(pnr + "  "), "9": one("SE2321000016-0009")}, nil, nil},
		{"swapped", map[string][][]string{"1": one(hsaB), "2": one(hsaA)}, []string{"1", "2"}, []string{
			"account 1: login identity changed: receiving app_user.hsa_id holds the anvandare.hsa_id of legacy account 2, not its own: whoever logged in to legacy account 2 reaches account 1's grants",
			"account 2: login identity changed: receiving app_user.hsa_id holds the anvandare.hsa_id of legacy accounts 1, 4, not its own",
		}},
		{"changed", map[string][][]string{"5": one("191010101010")}, []string{"5"}, []string{
			"account 5: login identity changed: receiving app_user.hsa_id differs from legacy anvandare.hsa_id (and is no legacy account's)",
		}},
		{"dropped", map[string][][]string{"1": one()}, []string{"1"}, []string{
			"account 1: login identity dropped: receiving app_user.hsa_id is empty, legacy anvandare.hsa_id is set",
		}},
		{"added", map[string][][]string{"3": one(hsaB)}, []string{"3"}, []string{
			"account 3: login identity added: receiving app_user.hsa_id holds the anvandare.hsa_id of legacy account 2, where the account had none",
		}},
		{"added, no legacy account's", map[string][][]string{"3": one("SE2321000016-0099")}, []string{"3"}, []string{
			"account 3: login identity added: receiving app_user.hsa_id is set where legacy anvandare.hsa_id is empty",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ac := AccessCheck{OK: true}
			err := ac.CheckLogins(context.Background(),
				AccountLogins{Table: "anvandare", Columns: []string{"hsa_id"}, Of: legacy},
				AccountLogins{Table: "app_user", Columns: []string{"hsa_id"}, Of: c.after})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(ac.LoginChanged, ",") != strings.Join(c.changed, ",") || ac.OK != (len(c.changed) == 0) || len(ac.Problems) != len(c.says) {
				t.Fatalf("changed %v, ok %v, problems %q; want changed %v, problems %q", ac.LoginChanged, ac.OK, ac.Problems, c.changed, c.says)
			}
			for i, want := range c.says {
				if !strings.HasPrefix(ac.Problems[i], want) {
					t.Errorf("problem %q, want it to begin %q", ac.Problems[i], want)
				}
			}
			for _, p := range ac.Problems {
				for _, id := range []string{"SE2321", "19121212", "19101010"} {
					if strings.Contains(p, id) {
						t.Fatalf("a problem shows an identity: %s", p)
					}
				}
			}
			if ac.Logins == 0 {
				t.Errorf("no account compared")
			}
		})
	}
}

// Two login columns are compared in order, each with its own; the check
// refuses sides naming different numbers of them, and stops when its
// context ends.
func TestCheckLoginsColumns(t *testing.T) {
	legacy := AccountLogins{Table: "anvandare", Columns: []string{"hsa_id", "anvnamn"}, Of: map[string][][]string{"1": {{"SE1"}, {"anna"}}, "2": {{"SE2"}, {"bo"}}}}
	after := AccountLogins{Table: "app_user", Columns: []string{"hsa_id", "username"}, Of: map[string][][]string{"1": {{"SE1"}, {"bo"}}, "2": {{"SE2"}, {"bo"}}}}
	ac := AccessCheck{OK: true}
	if err := ac.CheckLogins(context.Background(), legacy, after); err != nil {
		t.Fatal(err)
	}
	if strings.Join(ac.LoginChanged, ",") != "1" || len(ac.Problems) != 1 || !strings.Contains(ac.Problems[0], "receiving app_user.username holds the anvandare.anvnamn of legacy account 2") {
		t.Fatalf("changed %v, problems %q", ac.LoginChanged, ac.Problems)
	}
	if err := ac.CheckLogins(context.Background(), legacy, AccountLogins{Table: "app_user", Columns: []string{"hsa_id"}}); err == nil {
		t.Error("sides of different numbers of login columns compared")
	}
	many := AccountLogins{Table: "app_user", Columns: []string{"hsa_id", "username"}, Of: map[string][][]string{}}
	for i := 0; i < 100; i++ {
		many.Of[string(rune('a'+i%26))+strings.Repeat("x", i)] = [][]string{{"SE1"}, {"anna"}}
		legacy.Of[string(rune('a'+i%26))+strings.Repeat("x", i)] = [][]string{{"SE1"}, {"anna"}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (&AccessCheck{}).CheckLogins(ctx, legacy, many); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// Two receiving accounts holding one login identity let its holder log in
// to either: a migration that gives a second account (one the legacy side
// does not hold too, or one that had another identity) an identity is
// caught, however the copy differs in case, padding or Unicode form. A
// duplicate the legacy side had on the same accounts is carried as it
// was.
func TestCheckLoginsSharedIdentity(t *testing.T) {
	const hsaA, hsaB = "SE2321000016-000A", "SE2321000016-000B"
	one := func(ids ...string) [][]string { return [][]string{ids} }
	legacy := map[string][][]string{"1": one(hsaA), "2": one(hsaB), "3": one(hsaA), "4": one("åsa"), "5": one("anna berg")}
	for _, c := range []struct {
		name    string
		after   map[string][][]string
		changed []string
	}{
		{"legacy's own duplicate", map[string][][]string{"1": one(hsaA), "2": one(hsaB), "3": one(hsaA)}, nil},
		{"a receiving-only account", map[string][][]string{"1": one(hsaA), "2": one(hsaB), "9": one(hsaA)}, []string{"9"}},
		{"lower case", map[string][][]string{"1": one(hsaA), "9": one(strings.ToLower(hsaA))}, []string{"9"}},
		{"padded", map[string][][]string{"2": one(hsaB), "9": one(" " + hsaB + " ")}, []string{"9"}},
		{"decomposed", map[string][][]string{"4": one("åsa"), "9": one("a\u030asa")}, []string{"9"}},
		// MariaDB's utf8mb4_unicode_ci and uca1400 take a full-width
		// letter for its ASCII one, a no-break space for a space.
		{"full-width", map[string][][]string{"1": one(hsaA), "9": one("ＳＥ2321000016-000Ａ")}, []string{"9"}},
		{"no-break space inside", map[string][][]string{"5": one("anna berg"), "9": one("anna\u00a0berg")}, []string{"9"}},
		{"an account that had another", map[string][][]string{"1": one(hsaA), "2": one(hsaA)}, []string{"2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ac := AccessCheck{OK: true}
			if err := ac.CheckLogins(context.Background(),
				AccountLogins{Table: "anvandare", Columns: []string{"hsa_id"}, Of: legacy},
				AccountLogins{Table: "app_user", Columns: []string{"hsa_id"}, Of: c.after}); err != nil {
				t.Fatal(err)
			}
			// A share is named apart from a change (which no
			// acknowledgement passes): either fails until acknowledged.
			failed := append(append([]string(nil), ac.LoginChanged...), ac.LoginShared...)
			sort.Strings(failed)
			if strings.Join(failed, ",") != strings.Join(c.changed, ",") || ac.OK != (len(c.changed) == 0) {
				t.Fatalf("changed %v, shared %v, ok %v, problems %q; want changed or shared %v", ac.LoginChanged, ac.LoginShared, ac.OK, ac.Problems, c.changed)
			}
			for _, p := range ac.Problems {
				if strings.Contains(p, "SE2321") || strings.Contains(strings.ToLower(p), "se2321") || strings.Contains(p, "sa") && strings.Contains(p, "åsa") {
					t.Fatalf("a problem shows an identity: %s", p)
				}
			}
		})
	}
}

// A receiving platform that already holds accounts may hold the same
// clinician's account from another registry, under the HSA-id a migrated
// account carries: the plan acknowledges that sharing with its reason, and
// the check passes naming the accounts. A changed or swapped identity
// gives one account another's login and no acknowledgement passes it,
// nor does one acknowledged for sharing pass a share it does not cover.
func TestCheckLoginsSharedAcknowledged(t *testing.T) {
	const hsaA, hsaB = "SE2321000016-000A", "SE2321000016-000B"
	one := func(ids ...string) [][]string { return [][]string{ids} }
	legacy := map[string][][]string{"1": one(hsaA), "2": one(hsaB)}
	for _, c := range []struct {
		name           string
		after          map[string][][]string
		ok             bool
		changed, share []string
	}{
		{"a receiving-only account", map[string][][]string{"1": one(hsaA), "2": one(hsaB), "9": one(hsaA)}, true, nil, []string{"9"}},
		{"swapped", map[string][][]string{"1": one(hsaB), "2": one(hsaA)}, false, []string{"1", "2"}, nil},
		{"an account that had another", map[string][][]string{"1": one(hsaA), "2": one(hsaA)}, false, []string{"2"}, nil},
		{"swapped beside a receiving-only account", map[string][][]string{"1": one(hsaB), "2": one(hsaA), "9": one(hsaA)}, false, []string{"1", "2"}, []string{"9"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ac := AccessCheck{OK: true}
			if err := ac.CheckLogins(context.Background(),
				AccountLogins{Table: "anvandare", Columns: []string{"hsa_id"}, Of: legacy},
				AccountLogins{Table: "app_user", Columns: []string{"hsa_id"}, Of: c.after}); err != nil {
				t.Fatal(err)
			}
			if ac.OK || ac.LoginTable != "app_user" {
				t.Fatalf("unacknowledged: ok %v, table %q, problems %q; want a failure on app_user", ac.OK, ac.LoginTable, ac.Problems)
			}
			ac.AcknowledgeShared("the platform holds the clinicians' accounts of other registries")
			if ac.OK != c.ok || strings.Join(ac.LoginChanged, ",") != strings.Join(c.changed, ",") || strings.Join(ac.LoginShared, ",") != strings.Join(c.share, ",") {
				t.Fatalf("acknowledged: ok %v, changed %v, shared %v, problems %q; want ok %v, changed %v, shared %v", ac.OK, ac.LoginChanged, ac.LoginShared, ac.Problems, c.ok, c.changed, c.share)
			}
			if len(c.share) > 0 && ac.LoginSharedReason == "" {
				t.Fatalf("the acknowledgement's reason is not kept")
			}
			for _, p := range ac.Problems {
				if strings.Contains(p, "login identity shared") {
					t.Fatalf("an acknowledged share is still a problem: %s", p)
				}
			}
			if !c.ok && len(ac.Problems) == 0 {
				t.Fatal("fails without a problem saying why")
			}
		})
	}
}

// Two legacy accounts whose identities differ only in case or Unicode
// form were two logins where the legacy column compares them apart
// (utf8mb4_bin, PostgreSQL's deterministic collations, SQLite's BINARY):
// carried, a receiving platform blind to case joins them, and both are
// named shared. Where the legacy column was blind to case (or its
// collation is unknown), the legacy platform joined them already: carried
// as it had them. Padding is no other login under a PAD SPACE collation.
func TestCheckLoginsApartOnlyByCaseOnTheLegacySide(t *testing.T) {
	one := func(ids ...string) [][]string { return [][]string{ids} }
	for _, c := range []struct {
		name, collation string
		of              map[string][][]string
		shared          []string
	}{
		{"binary", "utf8mb4_bin", map[string][][]string{"1": one("anna"), "2": one("Anna")}, []string{"1", "2"}},
		{"deterministic", "default (deterministic)", map[string][][]string{"1": one("åsa"), "2": one("a\u030asa")}, []string{"1", "2"}},
		{"sqlite binary", "BINARY", map[string][][]string{"1": one("anna"), "2": one("ANNA"), "3": one("ANNA")}, []string{"1", "2", "3"}},
		{"binary, padding only", "utf8mb4_bin", map[string][][]string{"1": one("anna"), "2": one("anna  ")}, nil},
		{"case-blind", "utf8mb4_general_ci", map[string][][]string{"1": one("anna"), "2": one("Anna")}, nil},
		{"unknown", "", map[string][][]string{"1": one("anna"), "2": one("Anna")}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ac := AccessCheck{OK: true}
			if err := ac.CheckLogins(context.Background(),
				AccountLogins{Table: "anvandare", Columns: []string{"login"}, Collations: []string{c.collation}, Of: c.of},
				AccountLogins{Table: "app_user", Columns: []string{"login"}, Of: c.of}); err != nil {
				t.Fatal(err)
			}
			if strings.Join(ac.LoginShared, ",") != strings.Join(c.shared, ",") || len(ac.LoginChanged) > 0 || ac.OK != (len(c.shared) == 0) {
				t.Fatalf("shared %v, changed %v, ok %v, problems %q; want shared %v", ac.LoginShared, ac.LoginChanged, ac.OK, ac.Problems, c.shared)
			}
			for _, p := range ac.Problems {
				if !strings.Contains(p, c.collation) || strings.Contains(strings.ToLower(p), "anna") {
					t.Fatalf("a problem does not name the collation or shows an identity: %s", p)
				}
			}
			ac.AcknowledgeShared("the receiving directory matches logins by case")
			if !ac.OK {
				t.Fatalf("acknowledged, still failing: %q", ac.Problems)
			}
		})
	}
}
