package verify

import (
	"strings"
	"testing"
)

// An account's state bounds what its grants reach, on either platform: a
// disabled account reaches nothing, one that ends or is locked reaches
// nothing after, one that starts later nothing before.
func TestCheckAccessAccounts(t *testing.T) {
	ref := day("2026-01-01")
	role := func(account, unit string) Grant {
		return Grant{Account: account, Unit: unit, Write: true, Role: "LAK", Basis: BasisRole}
	}
	off := func(g Grant) Grant { g.AccountOff = true; return g }
	to := func(g Grant, d string) Grant { g.AccountTo = day(d); return g }
	from := func(g Grant, d string) Grant { g.AccountFrom = day(d); return g }
	cases := []struct {
		name          string
		before, after []Grant
		problem       string // "" for OK
		widened       []string
	}{
		{"disabled before, carried enabled", []Grant{off(role("u1", "11")), role("u2", "12")}, []Grant{role("u1", "11"), role("u2", "12")},
			"account u1: access widened: write on unit 11, which it did not have before: the account is disabled on the legacy platform", []string{"u1"}},
		{"disabled before, carried disabled", []Grant{off(role("u1", "11"))}, []Grant{off(role("u1", "11"))}, "", nil},
		{"enabled before, disabled after", []Grant{role("u1", "11")}, []Grant{off(role("u1", "11"))}, "", nil},
		// Disabled on the receiving side, a grant reaches nothing there,
		// whatever it names.
		{"disabled after, a unit it never had", []Grant{role("u1", "11")}, []Grant{off(role("u1", "21")), role("u1", "11")}, "", nil},
		{"ended before the reference day, carried enabled", []Grant{to(role("u1", "11"), "2025-06-30")}, []Grant{role("u1", "11")},
			"account u1: access widened: write on unit 11, which it did not have before: the account is disabled", []string{"u1"}},
		{"ends later, carried without end", []Grant{to(role("u1", "11"), "2026-06-30")}, []Grant{role("u1", "11")},
			"account u1: access widened: write from a role on unit 11 runs without end, the legacy account's last enabled day is 2026-06-30", []string{"u1"}},
		{"ends later, carried with its end", []Grant{to(role("u1", "11"), "2026-06-30")}, []Grant{to(role("u1", "11"), "2026-06-30")}, "", nil},
		{"ends later, carried with an earlier end", []Grant{to(role("u1", "11"), "2026-06-30")}, []Grant{to(role("u1", "11"), "2026-03-31")}, "", nil},
		// An account enabled from a later day is judged on that day.
		{"starts later, carried as it was", []Grant{from(role("u1", "11"), "2026-03-01")}, []Grant{from(role("u1", "11"), "2026-03-01")}, "", nil},
		{"starts later, carried enabled now", []Grant{from(role("u1", "11"), "2026-03-01")}, []Grant{role("u1", "11")},
			"account u1: access widened: write on unit 11, which it did not have before: the account is disabled", []string{"u1"}},
		{"starts later, another unit from then", []Grant{from(role("u1", "11"), "2026-03-01")}, []Grant{from(role("u1", "21"), "2026-03-01")},
			"account u1: access widened from 2026-03-01: write on unit 21, which it did not have before", []string{"u1"}},
		{"an appointment of a disabled account, carried enabled", []Grant{off(Grant{Account: "u3", Unit: "21", Basis: BasisAppointment, ValidTo: day("2026-06-30")})},
			[]Grant{{Account: "u3", Unit: "21", Basis: BasisAppointment, ValidTo: day("2026-06-30")}},
			"account u3: access widened: read on unit 21, which it did not have before: the account is disabled", []string{"u3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := checkAccessNow(accessUnits, c.before, c.after, ref)
			if c.problem == "" {
				if !got.OK {
					t.Fatalf("want OK, got %v", got.Problems)
				}
				return
			}
			if got.OK || len(got.Problems) != 1 || !strings.HasPrefix(got.Problems[0], c.problem) {
				t.Fatalf("want %q, got %v", c.problem, got.Problems)
			}
			if strings.Join(got.Widened, ",") != strings.Join(c.widened, ",") {
				t.Errorf("widened %v, want %v", got.Widened, c.widened)
			}
		})
	}
}
