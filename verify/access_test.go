package verify

import (
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

var accessUnits = map[string]string{"11": "Region Skåne", "12": "Region Skåne", "21": "Region Uppsala"}

func TestCheckAccess(t *testing.T) {
	ref := day("2026-01-01")
	legacy := []Grant{
		{Account: "u1", Unit: "11", Write: true, Role: "LAK", Basis: BasisRole},
		{Account: "u2", Region: "Region Skåne", Role: "LAS", Basis: BasisRole},
		{Account: "u3", Region: "Region Uppsala", Write: true, Basis: BasisAppointment, ValidFrom: day("2025-01-01"), ValidTo: day("2026-06-30")},
		{Account: "u4", Unit: "21", Write: true, Basis: BasisAppointment, ValidFrom: day("2023-01-01"), ValidTo: day("2025-12-31")},
	}
	carried := []Grant{
		{Account: "u1", Unit: "11", Write: true, Role: "reporter", Basis: BasisRole},
		{Account: "u2", Unit: "12", Role: "reader", Basis: BasisRole},
		{Account: "u3", Unit: "21", Write: true, Basis: BasisAppointment, ValidFrom: day("2025-01-01"), ValidTo: day("2026-06-30")},
	}
	cases := []struct {
		name    string
		after   []Grant
		problem string // "" for OK
		widened []string
	}{
		{"carried as it was", carried, "", nil},
		{"nothing carried", nil, "", nil},
		{"a role that reaches the region", append(carried[1:3:3], Grant{Account: "u1", Region: "Region Skåne", Write: true, Basis: BasisRole}),
			"account u1: access widened: write on unit 12", []string{"u1"}},
		{"read becomes write", append(carried[:1:1], Grant{Account: "u2", Unit: "12", Write: true, Basis: BasisRole}),
			"account u2: access widened: write on unit 12", []string{"u2"}},
		{"all units", []Grant{{Account: "u2", All: true, Basis: BasisRole}},
			"account u2: access widened: read on unit 21", []string{"u2"}},
		{"expired appointment carried active", []Grant{{Account: "u4", Unit: "21", Write: true, Basis: BasisAppointment}},
			"account u4: an active grant from an appointment, but the account has no appointment valid on 2026-01-01", nil},
		{"expired appointment carried as it was", []Grant{{Account: "u4", Unit: "21", Write: true, Basis: BasisAppointment, ValidTo: day("2025-12-31")}},
			"account u4: a grant from an appointment that ended 2025-12-31 was carried", nil},
		{"no basis", []Grant{{Account: "u1", Unit: "11"}}, "account u1: a grant with no basis", nil},
		{"no scope", []Grant{{Account: "u1", Write: true, Basis: BasisRole}}, "account u1: a grant with no scope", nil},
		{"appointment extended", []Grant{{Account: "u3", Unit: "21", Write: true, Basis: BasisAppointment, ValidTo: day("2099-12-31")}},
			"account u3: access widened: an appointment on unit 21 runs to 2099-12-31, the legacy one ended 2026-06-30", []string{"u3"}},
		{"appointment without end", []Grant{{Account: "u3", Unit: "21", Basis: BasisAppointment}},
			"account u3: access widened: an appointment on unit 21 runs without end", []string{"u3"}},
		{"an account that had nothing", []Grant{{Account: "u9", Unit: "11", Basis: BasisRole}}, "account u9: a grant from a role, but the account had no role", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := checkAccessNow(accessUnits, legacy, c.after, ref)
			if c.problem == "" {
				if !got.OK {
					t.Fatalf("want OK, got %v", got.Problems)
				}
				return
			}
			if got.OK || len(got.Problems) == 0 || !strings.HasPrefix(got.Problems[0], c.problem) {
				t.Fatalf("want %q, got %v", c.problem, got.Problems)
			}
			if c.widened != nil && strings.Join(got.Widened, ",") != strings.Join(c.widened, ",") {
				t.Errorf("widened %v, want %v", got.Widened, c.widened)
			}
			r := &Report{Pass: true}
			r.AddAccess(got)
			if r.Pass || r.Access == nil {
				t.Error("a failed access check left the report passing")
			}
		})
	}
}
