package verify

import (
	"strings"
	"testing"
	"time"
)

// A receiving grant for a region that no care unit of the units table
// carries ("Region Skåne" where the units say "Skåne": the receiving
// platform spells regions its own way) expands to no unit, so it reached
// nothing in the check — while on the receiving platform it reaches every
// unit of the region. A grant whose scope names a region (or all units)
// the check cannot see into proves nothing and must fail.
func TestCheckAccessRegionItCannotSee(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	units := map[string]string{"1": "Skåne", "2": "Skåne"}
	before := []Grant{{Account: "7", Unit: "1", Basis: BasisRole, Role: "LAS"}}
	after := []Grant{{Account: "7", Region: "Region Skåne", Basis: BasisRole, Role: "regional_reader"}}
	if c := checkAccessNow(units, before, after, day); c.OK {
		t.Fatalf("OK for a grant on a region the check cannot expand: %+v", c)
	}
}

// A grant that starts after the reference date was skipped by the check
// ("carried as it was"), whatever it reaches: an appointment for unit 1
// from February, carried as one for every unit from February, passed. A
// future grant must be compared with the legacy grants in force when it
// starts.
func TestCheckAccessFutureGrantThatWidens(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	from, to := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	units := map[string]string{"1": "Skåne", "2": "Skåne", "3": "Halland"}
	before := []Grant{{Account: "7", Unit: "1", Basis: BasisAppointment, Write: true, ValidFrom: from, ValidTo: to}}
	after := []Grant{{Account: "7", All: true, Basis: BasisAppointment, Write: true, ValidFrom: from, ValidTo: to}}
	if c := checkAccessNow(units, before, after, day); c.OK {
		t.Fatalf("OK for a future appointment widened to every unit: %+v", c)
	}
}

// A regional grant reaches the units its own platform puts in its
// region: unit 3, moved from Halland into Skåne on the receiving
// platform, is reached by Skåne's readers there, who did not reach it
// before. Both grants are "region Skåne", so only the receiving units
// show it.
func TestCheckAccessAcrossUnitMovedIntoARegion(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	units := map[string]string{"1": "Skåne", "2": "Skåne", "3": "Halland"}
	receiving := map[string]string{"1": "Skåne", "2": "Skåne", "3": "Skåne"}
	before := []Grant{{Account: "7", Region: "Skåne", Basis: BasisRole, Role: "LAS"}}
	after := []Grant{{Account: "7", Region: "Skåne", Basis: BasisRole, Role: "reader"}}
	if c := checkAccessAcrossNow(units, units, before, after, day); !c.OK {
		t.Fatalf("the same region on both platforms: %+v", c)
	}
	c := checkAccessAcrossNow(units, receiving, before, after, day)
	if c.OK || len(c.Widened) != 1 || c.Widened[0] != "7" || !strings.Contains(strings.Join(c.Problems, "; "), "read on unit 3") {
		t.Fatalf("unit 3 moved into Skåne: %+v", c)
	}
}

// An appointment carried as a role grant, which has no end, outlives it:
// account 7 writes on unit 1 until 2027 by appointment and reads unit 2
// by a role; a receiving role grant of write on unit 1 with no end gave
// it write on unit 1 for good. The proof checked the end only of grants
// from appointments, and the role basis it had (on unit 2) passed it.
func TestCheckAccessAppointmentCarriedAsARoleOutlivesIt(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	units := map[string]string{"1": "Skåne", "2": "Skåne"}
	before := []Grant{
		{Account: "7", Unit: "2", Basis: BasisRole, Role: "LAS"},
		{Account: "7", Unit: "1", Basis: BasisAppointment, Write: true, ValidTo: end},
	}
	for name, c := range map[string]struct {
		after []Grant
		ok    bool
	}{
		"a role without end":    {[]Grant{{Account: "7", Unit: "1", Basis: BasisRole, Role: "reporter", Write: true}}, false},
		"a role ending later":   {[]Grant{{Account: "7", Unit: "1", Basis: BasisRole, Role: "reporter", Write: true, ValidTo: end.AddDate(0, 0, 1)}}, false},
		"a role ending with it": {[]Grant{{Account: "7", Unit: "1", Basis: BasisRole, Role: "reporter", Write: true, ValidTo: end}}, true},
		"the role it had":       {[]Grant{{Account: "7", Unit: "2", Basis: BasisRole, Role: "reader"}}, true},
		"read on unit 1 for good, which only the appointment gave": {[]Grant{{Account: "7", Unit: "1", Basis: BasisRole, Role: "reader"}}, false},
	} {
		t.Run(name, func(t *testing.T) {
			if got := checkAccessNow(units, before, c.after, day); got.OK != c.ok {
				t.Errorf("OK %v, want %v: %+v", got.OK, c.ok, got)
			}
		})
	}
	// A role that reaches the unit without end keeps it open: an
	// appointment beside it does not shorten what the account may keep.
	withRole := append(before, Grant{Account: "7", Unit: "1", Basis: BasisRole, Role: "LAK", Write: true})
	if got := checkAccessNow(units, withRole, []Grant{{Account: "7", Unit: "1", Basis: BasisRole, Role: "reporter", Write: true}}, day); !got.OK {
		t.Errorf("a role on unit 1 without end, carried: %+v", got)
	}
}

// A role grant that ends on the legacy platform (its valid_to named),
// carried without its end, is widened; the problem named the legacy bound
// as an appointment's ("the legacy write (by appointment) ended"), sending
// the reader to look for an appointment the account never had. It names
// the role.
func TestCheckAccessRoleWithAnEndNamesTheRole(t *testing.T) {
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC)
	units := map[string]string{"1": "Skåne", "2": "Skåne"}
	before := []Grant{{Account: "7", Unit: "1", Basis: BasisRole, Role: "LAK", Write: true, ValidTo: end}}
	after := []Grant{{Account: "7", Unit: "1", Basis: BasisRole, Role: "reporter", Write: true}}
	got := checkAccessNow(units, before, after, day)
	if got.OK || len(got.Problems) != 1 {
		t.Fatalf("a role carried without its end: %+v", got)
	}
	if p := got.Problems[0]; strings.Contains(p, "appointment") || !strings.Contains(p, "the legacy write (by a role) ended 2027-12-31") {
		t.Errorf("problem %q, want it to name the legacy role's end", p)
	}
	// The legacy bound from an appointment is still named so.
	before[0].Basis, before[0].Role = BasisAppointment, ""
	before = append(before, Grant{Account: "7", Unit: "2", Basis: BasisRole, Role: "LAS"})
	if got := checkAccessNow(units, before, after, day); len(got.Problems) != 1 || !strings.Contains(got.Problems[0], "the legacy write (by appointment) ended 2027-12-31") {
		t.Errorf("an appointment carried as a role: %+v", got.Problems)
	}
}
