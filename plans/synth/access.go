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
//
// The platforms Generate builds also keep whether an account may log in
// (the demo does not): the eav and mainsub platforms a flag aktiv (1 or
// 0), the wide one a lock date sparrad_fran (NULL when not locked). Their
// account_disabled defect is an account disabled that way whose grant
// rows the platform kept, as legacy platforms do: it reaches nothing, and
// a migration that carries it enabled gives it back every unit those rows
// name.

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

// The access defects: Generate draws them at DefaultRates (they are listed
// in testdata/defects.yaml under access_defects, and checked by plans'
// TestAccessDefects, not by the form defects' test); the demo puts them
// at fixed intervals.
const (
	AppointmentExpired DefectID = "appointment_expired"
	UserWithoutScope   DefectID = "user_without_scope"
	ScopeUnitRemoved   DefectID = "scope_unit_removed"
	DuplicateAccount   DefectID = "duplicate_account"
	// AccountDisabled: an account disabled on the legacy platform (its
	// flag aktiv 0, or a lock date passed) that still has grant rows.
	// Only the platforms Generate builds have it: the demo keeps no
	// account state.
	AccountDisabled DefectID = "account_disabled"
)

// AccountLockedFrom is the lock date of the wide platform's disabled
// accounts: before the synthetic plans' reference date, so that the
// access proof judges them disabled.
var AccountLockedFrom = connectors.Date{Year: 2025, Month: 9, Day: 1}

// accountState says how a platform keeps whether an account may log in.
type accountState int

const (
	stateNone     accountState = iota // no column: every account is enabled (the demo)
	stateFlag                         // aktiv: 1 enabled, 0 disabled
	stateLockDate                     // sparrad_fran: NULL, or the day the account was locked
)

// AccessDefectIDs lists the access defects.
func AccessDefectIDs() []DefectID {
	return []DefectID{AppointmentExpired, UserWithoutScope, ScopeUnitRemoved, DuplicateAccount, AccountDisabled}
}

// accessPolicy decides the platform-specific parts of the access tables:
// which rows get a defect (by their number: user i, the n-th scope, the
// n-th appointment), and whether users have an HSA-id at all.
type accessPolicy struct {
	users int
	// hsa: the platform keeps HSA-ids; without it, duplicate accounts
	// share an e-mail address instead.
	hsa bool
	// state: how the platform keeps an account's state; disabled says
	// which users (by number) it disabled, asked only of users with
	// grants and never of a second account.
	state       accountState
	disabled    func(i int64) bool
	noScope     func(i int64) bool
	duplicate   func(i int64) bool
	unitRemoved func(scope int64) bool
	expired     func(appt int64) bool
}

// accessSink takes the rows of the three access tables, in order: all
// users, then all scopes, then all appointments. The users' row holds
// hsa_id only when the policy has HSA-ids, and the account's state last
// when the policy keeps one.
type accessSink struct {
	user, scope, appointment func(row ...connectors.Value) error
	// done is told when a table is complete.
	done func(table string) error
	// hit is told of each row that got a defect.
	hit func(id DefectID, table string, key int64)
}

// accessRows generates the legacy access tables for the care units given.
func accessRows(r *rand.Rand, units []accessUnit, pol accessPolicy, out accessSink) error {
	type user struct {
		id                int64
		name, mail, hsa   connectors.Value
		employer, kind    string
		region            string
		private, no_scope bool
		dup, disabled     bool
	}
	var list, dups []user
	for i := 1; i <= pol.users; i++ {
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
		u.no_scope = !u.private && pol.noScope(int64(i))
		// Private employees all have an appointment, region staff a
		// role unless without scope: a disabled account keeps grants.
		u.disabled = pol.state != stateNone && !u.no_scope && pol.disabled(int64(i))
		list = append(list, u)
		// A second account of a region employee with a scope, as
		// platforms get when someone applies twice: the same person, and
		// the same HSA-id (or e-mail, where there is none).
		if !u.private && !u.no_scope && pol.duplicate(int64(i)) {
			dups = append(dups, u)
		}
	}
	for k := range dups {
		dups[k].id = int64(pol.users + 1 + k)
		dups[k].dup = true
		// A second account is a new application: enabled.
		dups[k].disabled = false
	}
	list = append(list, dups...)

	for _, u := range list {
		if u.dup {
			out.hit(DuplicateAccount, "anvandare", u.id)
		}
		if u.no_scope {
			out.hit(UserWithoutScope, "anvandare", u.id)
		}
		if u.disabled {
			out.hit(AccountDisabled, "anvandare", u.id)
		}
		row := []connectors.Value{u.id, u.name, u.mail}
		if pol.hsa {
			row = append(row, u.hsa)
		}
		row = append(row, u.employer, u.kind)
		switch {
		case pol.state == stateFlag && u.disabled:
			row = append(row, int64(0))
		case pol.state == stateFlag:
			row = append(row, int64(1))
		case pol.state == stateLockDate && u.disabled:
			row = append(row, AccountLockedFrom)
		case pol.state == stateLockDate:
			row = append(row, nil)
		}
		if err := out.user(row...); err != nil {
			return err
		}
	}
	if err := out.done("anvandare"); err != nil {
		return err
	}

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
		case u.dup:
			// The second account asks for what the first has, in a unit.
			unit = pickUnit(r, units, u.region)
		case pol.unitRemoved(scope):
			// A unit closed since: its id is above every existing one.
			unit = int64(len(units) + 1 + r.IntN(50))
			out.hit(ScopeUnitRemoved, "behorighet", scope)
		case r.IntN(10) < 3:
			region = u.region
		default:
			unit = pickUnit(r, units, u.region)
		}
		if err := out.scope(scope, u.id, role, unit, region); err != nil {
			return err
		}
	}
	if err := out.done("behorighet"); err != nil {
		return err
	}

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
		if pol.expired(appt) {
			from, until = connectors.Date{Year: 2021, Month: 7, Day: 1}, AccessExpiredBy
			out.hit(AppointmentExpired, "forordnande", appt)
		}
		if err := out.appointment(appt, u.id, unit, region, from, until, "verksamhetschef"); err != nil {
			return err
		}
	}
	return out.done("forordnande")
}

// writeAccess writes the demo's access tables for the care units given,
// with its defects at fixed intervals; st counts rows and defects.
func writeAccess(ctx context.Context, tgt connectors.Target, seed uint64, units []accessUnit, st *DemoStats) error {
	tables := AccessTables()
	r := rand.New(rand.NewPCG(seed, 0x7265676600000002))
	users := max(8, 2*len(units))
	pol := accessPolicy{
		users:       users,
		hsa:         true,
		noScope:     func(i int64) bool { return i%9 == 4 },
		duplicate:   func(i int64) bool { return i%10 == 1 },
		unitRemoved: func(scope int64) bool { return scope%7 == 3 },
		expired:     func(appt int64) bool { return appt%4 == 1 },
	}
	writers := map[string]*writer{}
	for i := range tables {
		writers[tables[i].Name] = newWriter(ctx, tgt, &tables[i])
	}
	return accessRows(r, units, pol, accessSink{
		user:        writers["anvandare"].add,
		scope:       writers["behorighet"].add,
		appointment: writers["forordnande"].add,
		done: func(table string) error {
			w := writers[table]
			if err := w.flush(); err != nil {
				return err
			}
			st.Rows[table] = w.n
			return nil
		},
		hit: func(id DefectID, _ string, _ int64) { st.Defects[string(id)]++ },
	})
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

// accessLTables declares the access tables of a platform Generate builds;
// hsa says whether its users carry an HSA-id, text is the option of its
// text columns (Latin-1 on the wide platform), state how it keeps an
// account's state.
func accessLTables(hsa bool, text colOpt, state accountState) []ltable {
	users := []lcol{col("id", "integer", 0), col("namn", "varchar(100)", text), col("epost", "varchar(120)", text)}
	if hsa {
		users = append(users, col("hsa_id", "varchar(30)", optNull))
	}
	users = append(users, col("arbetsgivare", "varchar(100)", text), col("anstallning", "varchar(10)", 0))
	switch state {
	case stateFlag:
		users = append(users, col("aktiv", "tinyint", 0))
	case stateLockDate:
		users = append(users, col("sparrad_fran", "date", optNull))
	}
	return []ltable{
		{"anvandare", users},
		{"behorighet", []lcol{
			col("id", "integer", 0), col("anvandare_id", "integer", 0), col("roll", "varchar(8)", 0),
			col("vardenhet_id", "integer", optNull), col("region", "varchar(40)", optNull|text),
		}},
		{"forordnande", []lcol{
			col("id", "integer", 0), col("anvandare_id", "integer", 0), col("vardenhet_id", "integer", optNull),
			col("region", "varchar(40)", optNull|text), col("giltig_fran", "date", 0), col("giltig_till", "date", 0),
			col("utfardad_av", "varchar(60)", 0),
		}},
	}
}

// hasAccess reports whether Generate writes a platform's access tables.
func hasAccess(p Platform) bool { return p == EAV || p == MainSub || p == Wide }

// AccessTablesOf names the access tables Generate writes on a platform
// (none on a platform without them).
func AccessTablesOf(p Platform) []string {
	if !hasAccess(p) {
		return nil
	}
	return []string{"anvandare", "behorighet", "forordnande"}
}

// isAccessDefect reports whether a defect is one of the access tables'.
func isAccessDefect(id DefectID) bool {
	for _, a := range AccessDefectIDs() {
		if a == id {
			return true
		}
	}
	return false
}

// accessUsers gives the number of legacy users of a platform with n care
// units: two per unit, at least 20.
func accessUsers(units int) int { return max(20, 2*units) }

// accessRows writes a platform's access tables: users, scopes and
// appointments over its care units (recomputed from their streams, as
// careUnitRows draws them), with the access defects at the configured
// rates, each drawn from the row's own stream. hsa says whether users
// carry an HSA-id; text renders text values as the platform keeps them;
// state is how it keeps an account's state (as accessLTables declared).
func (g *gen) accessRows(t map[string]*connectors.Table, hsa bool, text func(string) connectors.Value, state accountState) error {
	n := unitCount(g.cfg.Patients)
	s := newStream()
	units := make([]accessUnit, 0, n)
	for i := 1; i <= n; i++ {
		r := s.at(g.cfg.Seed, kindUnit, uint64(i))
		pickString(r, clinics)
		pickString(r, towns)
		units = append(units, accessUnit{id: int64(i), region: pickString(r, regionNames)})
	}
	ds := newStream()
	drawn := func(id DefectID, kind int) func(int64) bool {
		rate := g.accessRates[id]
		return func(i int64) bool {
			return rate > 0 && ds.at(g.cfg.Seed, kindAccess, uint64(kind), uint64(i)).Float64() < rate
		}
	}
	pol := accessPolicy{
		users:       accessUsers(n),
		hsa:         hsa,
		state:       state,
		disabled:    drawn(AccountDisabled, 5),
		noScope:     drawn(UserWithoutScope, 1),
		duplicate:   drawn(DuplicateAccount, 2),
		unitRemoved: drawn(ScopeUnitRemoved, 3),
		expired:     drawn(AppointmentExpired, 4),
	}
	// One table at a time, in accessRows' order, so that progress sees
	// each start and end.
	names := []string{"anvandare", "behorighet", "forordnande"}
	cur, next := g.emitter(t[names[0]], int64(pol.users)), 1
	add := func(vals ...connectors.Value) error {
		row, err := cur.add()
		if err != nil {
			return err
		}
		for i, v := range vals {
			if str, ok := v.(string); ok {
				v = text(str)
			}
			row[i] = v
		}
		return nil
	}
	done := func(string) error {
		if err := cur.close(); err != nil {
			return err
		}
		if next < len(names) {
			cur, next = g.emitter(t[names[next]], -1), next+1
		}
		return nil
	}
	r := rand.New(rand.NewPCG(g.cfg.Seed, 0x7265676600000003))
	return accessRows(r, units, pol, accessSink{
		user: add, scope: add, appointment: add, done: done,
		hit: func(id DefectID, table string, key int64) {
			if id == AccountDisabled {
				g.stats.DisabledAccounts = append(g.stats.DisabledAccounts, key)
			}
			g.hit(id, table, key, "", nil)
		},
	})
}
