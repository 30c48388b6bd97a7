package synth

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/regflytt/regflytt/connectors"
)

// The legacy side of who may see what: users, their roles with a scope
// (a care unit or a region), and appointments (förordnanden) through
// which a professional employed by a private company with a contract
// with the region gets access for a named time. See DOMAIN.md, "Who may
// see what", and the seeds it cites.
//
//	anvandare    users: name, e-mail, HSA-id (region staff; not every
//	             private employee has one), employer and whether it is a
//	             region or a company
//	behorighet   a role (LAK, SSK: read and write; LAS: read; ADM: every
//	             unit) with a scope: vardenhet_id or region
//	forordnande  an appointment: read and write for a unit or region,
//	             valid giltig_fran to giltig_till, issued by a head of
//	             department (verksamhetschef) of the region
//
// Defects, at fixed intervals so that every demo holds each (counted in
// DemoStats.Defects and listed in testdata/defects.yaml):
//
//	appointment_expired  an appointment that ended before the reference date
//	user_without_scope   a user with neither role nor appointment
//	scope_unit_removed   a role scoped to a care unit that no longer exists
//	duplicate_account    a second account of the same person (same HSA-id)

// AccessTables declares the legacy access tables.
func AccessTables() []connectors.Table {
	return []connectors.Table{
		table("anvandare", "id", "integer", "namn", "varchar(100)", "epost", "varchar(120)", "hsa_id", "varchar(30) null",
			"arbetsgivare", "varchar(100)", "anstallning", "varchar(10)"),
		table("behorighet", "id", "integer", "anvandare_id", "integer", "roll", "varchar(8)", "vardenhet_id", "integer null", "region", "varchar(40) null"),
		table("forordnande", "id", "integer", "anvandare_id", "integer", "vardenhet_id", "integer null", "region", "varchar(40) null",
			"giltig_fran", "date", "giltig_till", "date", "utfardad_av", "varchar(60)"),
	}
}

// AccessValidUntil is when the valid appointments end; the expired ones
// ended by AccessExpiredBy. A reference date between the two tells them
// apart; the demo plan names none, so its runs judge on the day they
// start, and the valid ones end far enough ahead for that to hold.
var (
	AccessValidUntil = connectors.Date{Year: 2099, Month: 12, Day: 31}
	AccessExpiredBy  = connectors.Date{Year: 2024, Month: 6, Day: 30}
)

var (
	firstNames = []string{"Anna", "Erik", "Maria", "Lars", "Karin", "Johan", "Eva", "Anders", "Sara", "Per", "Lena", "Mikael"}
	lastNames  = []string{"Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson", "Gustafsson"}
	companies  = []string{"Ortopedteknik Syd AB", "Ortosverkstaden AB", "Rörelse & Hjälpmedel AB"}
)

// accessUnit is a care unit as the access generator sees it.
type accessUnit struct {
	id     int64
	region string
}

// writeAccess writes the access tables for the care units given; st
// counts rows and defects.
func writeAccess(ctx context.Context, tgt connectors.Target, seed uint64, units []accessUnit, st *DemoStats) error {
	tables := AccessTables()
	r := rand.New(rand.NewPCG(seed, 0x7265676600000002))
	users := max(8, 2*len(units))

	type user struct {
		id                int64
		name, mail, hsa   connectors.Value
		employer, kind    string
		region            string
		private, no_scope bool
	}
	var list []user
	for i := 1; i <= users; i++ {
		u := user{id: int64(i)}
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		u.name = first + " " + last
		u.mail = fmt.Sprintf("%s.%s%d@example.se", lowerASCII(first), lowerASCII(last), i)
		home := units[r.IntN(len(units))]
		u.region = home.region
		u.private = i%5 == 0
		if u.private {
			u.employer, u.kind = companies[r.IntN(len(companies))], "bolag"
			if i%10 == 0 {
				u.hsa = fmt.Sprintf("SE5567%06d-%04d", r.IntN(1000000), i)
			}
		} else {
			u.employer, u.kind = home.region, "region"
			u.hsa = fmt.Sprintf("SE2321000016-%04d", i)
		}
		u.no_scope = !u.private && i%9 == 4
		list = append(list, u)
	}
	// A second account of user 1, as platforms get when someone applies
	// twice: the same person and HSA-id.
	dup := list[0]
	dup.id = int64(users + 1)
	list = append(list, dup)
	st.Defects["duplicate_account"]++

	w := newWriter(ctx, tgt, &tables[0])
	for _, u := range list {
		if u.no_scope {
			st.Defects["user_without_scope"]++
		}
		if err := w.add(u.id, u.name, u.mail, u.hsa, u.employer, u.kind); err != nil {
			return err
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	st.Rows["anvandare"] = w.n

	w = newWriter(ctx, tgt, &tables[1])
	scope := int64(0)
	for i, u := range list {
		if u.private || u.no_scope {
			continue
		}
		scope++
		role := []string{"LAK", "SSK", "LAS"}[r.IntN(3)]
		var unit, region connectors.Value
		switch {
		case i == 1:
			role = "ADM"
			region = u.region
		case u.id == dup.id:
			// The second account asks for what the first has, in a unit.
			unit = pickUnit(r, units, u.region)
		case scope%7 == 3:
			// A unit closed since: its id is above every existing one.
			unit = int64(len(units) + 1 + r.IntN(50))
			st.Defects["scope_unit_removed"]++
		case r.IntN(10) < 3:
			region = u.region
		default:
			unit = pickUnit(r, units, u.region)
		}
		if err := w.add(scope, u.id, role, unit, region); err != nil {
			return err
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	st.Rows["behorighet"] = w.n

	w = newWriter(ctx, tgt, &tables[2])
	appt := int64(0)
	for _, u := range list {
		if !u.private {
			continue
		}
		appt++
		var unit, region connectors.Value
		if appt%2 == 0 {
			region = u.region
		} else {
			unit = pickUnit(r, units, u.region)
		}
		from, until := connectors.Date{Year: 2024, Month: 1, Day: 1}, AccessValidUntil
		if appt%4 == 1 {
			from, until = connectors.Date{Year: 2021, Month: 7, Day: 1}, AccessExpiredBy
			st.Defects["appointment_expired"]++
		}
		if err := w.add(appt, u.id, unit, region, from, until, "verksamhetschef"); err != nil {
			return err
		}
	}
	if err := w.flush(); err != nil {
		return err
	}
	st.Rows["forordnande"] = w.n
	return nil
}

// pickUnit draws a unit of the region (any unit when it has none).
func pickUnit(r *rand.Rand, units []accessUnit, region string) int64 {
	var in []int64
	for _, u := range units {
		if u.region == region {
			in = append(in, u.id)
		}
	}
	if len(in) == 0 {
		return units[r.IntN(len(units))].id
	}
	return in[r.IntN(len(in))]
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
