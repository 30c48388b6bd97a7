package verify

import (
	"context"
	"encoding/binary"
	"fmt"
	"sort"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// A migration must carry users, roles and scopes so that nobody sees more
// afterwards than before (DOMAIN.md, "Who may see what"). CheckAccess
// proves it from two lists of grants — the legacy platform's and the
// receiving platform's — and the care units that exist, as of the plan's
// reference date. It names accounts by their id only: never a user's name
// or e-mail, never health data.

// Grant is one user's access to a scope: a care unit, a region (every
// unit in it), or everything.
type Grant struct {
	// Account is the user's account id.
	Account string `json:"account"`
	// Exactly one of Unit, Region and All says the scope.
	Unit   string `json:"unit,omitempty"`
	Region string `json:"region,omitempty"`
	All    bool   `json:"all,omitempty"`
	// Write is read and write; false is read only.
	Write bool `json:"write"`
	// Role is the role the grant comes from (a legacy code, or the
	// receiving platform's role).
	Role string `json:"role,omitempty"`
	// Basis is why the grant exists: BasisRole (a role with a scope) or
	// BasisAppointment (a förordnande, valid from ValidFrom to ValidTo);
	// empty is no basis, which fails.
	Basis string `json:"basis"`
	// ValidFrom and ValidTo bound the grant, inclusive; zero is open.
	ValidFrom time.Time `json:"valid_from,omitzero"`
	ValidTo   time.Time `json:"valid_to,omitzero"`
	// AccountOff says the grant's account is disabled (a flag, on no
	// particular day): the grant reaches nothing. AccountFrom and
	// AccountTo are the days the account is enabled, inclusive (zero is
	// open): the grant reaches nothing outside them. A platform keeps a
	// disabled account's grant rows; only the account says they are dead.
	AccountOff  bool      `json:"account_off,omitempty"`
	AccountFrom time.Time `json:"account_from,omitzero"`
	AccountTo   time.Time `json:"account_to,omitzero"`
	// Revoked says the grant row itself is not in force (its platform's
	// flag on it): it reaches nothing on any day.
	Revoked bool `json:"revoked,omitempty"`
}

// The bases of a grant.
const (
	BasisRole        = "role"
	BasisAppointment = "appointment"
)

// ActiveOn says whether the grant is in force on day.
func (g Grant) ActiveOn(day time.Time) bool {
	if g.Revoked {
		return false
	}
	if !g.ValidFrom.IsZero() && day.Before(g.ValidFrom) {
		return false
	}
	if !g.ValidTo.IsZero() && day.After(g.ValidTo) {
		return false
	}
	return true
}

// AccountOn says whether the grant's account is enabled on day.
func (g Grant) AccountOn(day time.Time) bool {
	if g.AccountOff {
		return false
	}
	if !g.AccountFrom.IsZero() && day.Before(g.AccountFrom) {
		return false
	}
	if !g.AccountTo.IsZero() && day.After(g.AccountTo) {
		return false
	}
	return true
}

// end is the last day the grant reaches anything, its own end or its
// account's, whichever is first (zero: no end); byAccount says it is the
// account's.
func (g Grant) end() (end time.Time, byAccount bool) {
	switch {
	case g.AccountTo.IsZero():
		return g.ValidTo, false
	case g.ValidTo.IsZero() || g.AccountTo.Before(g.ValidTo):
		return g.AccountTo, true
	}
	return g.ValidTo, false
}

// AccessCheck is the proof that the migration widened no one's access.
type AccessCheck struct {
	// ReferenceDate is the day the grants are compared on.
	ReferenceDate string `json:"reference_date"`
	// Accounts and Grants count the receiving side; LegacyAccounts and
	// LegacyGrants the legacy side.
	Accounts       int `json:"accounts"`
	Grants         int `json:"grants"`
	LegacyAccounts int `json:"legacy_accounts"`
	LegacyGrants   int `json:"legacy_grants"`
	// Widened names the accounts that can read or write a unit after the
	// migration that they could not before; Expired those given an active
	// grant from an appointment not valid on the reference date;
	// Baseless those with a grant that has no basis.
	Widened  []string `json:"widened,omitempty"`
	Expired  []string `json:"expired,omitempty"`
	Baseless []string `json:"baseless,omitempty"`
	// Logins counts the accounts whose login identities were compared
	// (both platforms hold them, and the plan names the columns:
	// CheckLogins); LoginChanged names those whose identity on the
	// receiving platform is not the one they had on the legacy platform.
	Logins       int      `json:"logins,omitempty"`
	LoginChanged []string `json:"login_changed,omitempty"`
	// LoginShared names the accounts that share a login identity with
	// another receiving account although the legacy side did not give it
	// to them (an account the receiving platform already held, of the
	// same clinician from another registry); LoginTable is the receiving
	// accounts table. Unlike a changed identity, a share fails only
	// until the plan acknowledges it (AcknowledgeShared), which
	// LoginSharedReason then gives.
	LoginShared       []string `json:"login_shared,omitempty"`
	LoginTable        string   `json:"login_table,omitempty"`
	LoginSharedReason string   `json:"login_shared_acknowledged,omitempty"`
	// EndedSince names the accounts given a grant from an appointment in
	// force on the reference date that ended before verification ran
	// (EndedSinceDay), when the day is the run's as its own records say
	// it (no run.reference_date): whoever rewrote them could have moved
	// the day back to carry expired appointments (plans'
	// FindingAppointmentEndedSince asks a person).
	EndedSince    []string `json:"ended_since,omitempty"`
	EndedSinceDay string   `json:"ended_since_day,omitempty"`
	OK            bool     `json:"ok"`
	// Problems say, per account, what is wrong: unit ids and counts only.
	Problems []string `json:"problems,omitempty"`
	// shared are the problems of LoginShared, which an acknowledgement
	// takes out of Problems.
	shared map[string]bool
}

// level is what a grant allows on a unit.
type level int

const (
	none level = iota
	read
	write
)

func (l level) String() string {
	if l == write {
		return "write"
	}
	return "read"
}

// reach is, per account, per unit, the highest level.
type reach map[string]map[string]level

func (r reach) add(account, unit string, l level) {
	m := r[account]
	if m == nil {
		m = map[string]level{}
		r[account] = m
	}
	if l > m[unit] {
		m[unit] = l
	}
}

// expand gives the units a grant reaches: its unit (existing or not: a
// unit since removed is reached by nobody, but the grant still names it),
// its region's units, or all units.
func expand(g Grant, units map[string]string) []string {
	switch {
	case g.All:
		out := make([]string, 0, len(units))
		for u := range units {
			out = append(out, u)
		}
		return out
	case g.Region != "":
		var out []string
		for u, region := range units {
			if region == g.Region {
				out = append(out, u)
			}
		}
		return out
	case g.Unit != "":
		return []string{g.Unit}
	}
	return nil
}

// CheckAccess compares the receiving grants (after) with the legacy ones
// (before) on the reference date day; units maps every care unit that
// exists to its region. Per account, the units it can read or write
// after must be a subset of those before (write only where it could
// write); no grant may rest on an appointment that is not valid on day;
// every grant must have a basis in a legacy grant in force on day: a role
// with a scope, or a valid appointment. A grant that starts after day is
// held to the legacy grants in force on its first day; one whose region
// (or all units) expands to no care unit is a problem, as the check
// cannot see what it reaches. A grant whose account is disabled (Grant
// AccountOn) reaches nothing on its side: what a receiving grant reaches
// of an account disabled before is widened, and one that outlives its
// legacy account's last enabled day is too.
func CheckAccess(ctx context.Context, units map[string]string, before, after []Grant, day time.Time) (AccessCheck, error) {
	return CheckAccessAcross(ctx, units, units, before, after, day)
}

// CheckAccessAcross is CheckAccess where the receiving platform puts the
// care units in regions of its own: receiving maps each unit (by its
// legacy id) to its region there. A regional grant reaches the units of
// its region on its own platform, so the legacy grants expand by units
// and the receiving ones by receiving: a unit moved into another region
// is reached by that region's grants, which did not reach it before.
//
// The proof is CPU-bound (each grant expands to the units it reaches, for
// each day a grant starts on): it looks at ctx every few grants
// and returns ctx's error when it is done, so an interrupt stops it.
func CheckAccessAcross(ctx context.Context, units, receiving map[string]string, before, after []Grant, day time.Time) (AccessCheck, error) {
	c := AccessCheck{ReferenceDate: day.Format(time.DateOnly), LegacyGrants: len(before), Grants: len(after)}
	stop := &stopCheck{ctx: ctx}
	// A grant that starts after the reference date is judged against the
	// legacy grants in force on its first day: "carried as it was" is
	// what the check must prove, not assume.
	legacy := map[time.Time]*legacyOn{}
	// Days on which the same legacy grants are in force read alike: one
	// reading for each set of them, not for each day (grants that start
	// on hundreds of days rebuilt it for each: 40 s for 500 grants and
	// 2,000 units, BenchmarkAccessProofManyDays).
	bySet := map[string]*legacyOn{}
	on := func(d time.Time) (*legacyOn, error) {
		if l := legacy[d]; l != nil {
			return l, nil
		}
		key := inForce(before, d)
		l := bySet[key]
		if l == nil {
			var err error
			if l, err = legacyGrantsOn(stop, units, before, d); err != nil {
				return nil, err
			}
			bySet[key] = l
		}
		legacy[d] = l
		return l, nil
	}
	first, err := on(day)
	if err != nil {
		return AccessCheck{}, err
	}
	c.LegacyAccounts = len(first.was)

	is := map[time.Time]reach{}
	accounts := map[string]bool{}
	widened, expired, baseless := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var problems []string
	for _, g := range after {
		if err := stop.every(); err != nil {
			return AccessCheck{}, err
		}
		accounts[g.Account] = true
		judged := day
		if !g.ValidFrom.IsZero() && g.ValidFrom.After(day) {
			judged = g.ValidFrom
		}
		if !g.ActiveOn(judged) {
			// Ended before the reference date (or revoked): it gives
			// nothing now.
			if g.Basis == BasisAppointment && !g.Revoked {
				// Carried although it had ended: a dead appointment on the
				// new platform is one edit away from an active grant.
				expired[g.Account] = true
				problems = append(problems, fmt.Sprintf("account %s: a grant from an appointment that ended %s was carried", shownAccount(g.Account), g.ValidTo.Format(time.DateOnly)))
			}
			continue
		}
		if !g.AccountOn(judged) {
			// The account is disabled on the receiving platform: the grant
			// reaches nothing there. One whose account is enabled later is
			// judged on the account's first day, as a grant that starts
			// later is on its own.
			if g.AccountOff || g.AccountFrom.IsZero() || !g.AccountFrom.After(judged) || !g.ActiveOn(g.AccountFrom) || !g.AccountOn(g.AccountFrom) {
				continue
			}
			judged = g.AccountFrom
		}
		was, err := on(judged)
		if err != nil {
			return AccessCheck{}, err
		}
		judgedText := judged.Format(time.DateOnly)
		switch {
		case g.Basis != BasisRole && g.Basis != BasisAppointment:
			baseless[g.Account] = true
			problems = append(problems, fmt.Sprintf("account %s: a grant with no basis (neither a role with a scope nor an appointment)", shownAccount(g.Account)))
			continue
		case !was.bases[g.Account][g.Basis] && was.off[g.Account]:
			// The account is disabled on the legacy platform: its grants
			// there reached nothing, so every unit this one reaches is
			// widened (named below with why).
		case !was.bases[g.Account][g.Basis]:
			if g.Basis == BasisAppointment {
				expired[g.Account] = true
				problems = append(problems, fmt.Sprintf("account %s: an active grant from an appointment, but the account has no appointment valid on %s", shownAccount(g.Account), judgedText))
			} else {
				baseless[g.Account] = true
				problems = append(problems, fmt.Sprintf("account %s: a grant from a role, but the account had no role with a scope on %s", shownAccount(g.Account), judgedText))
			}
			continue
		}
		if !g.All && g.Unit == "" && g.Region == "" {
			// What a grant without a scope means is the receiving
			// platform's business: it may well be everything.
			baseless[g.Account] = true
			problems = append(problems, fmt.Sprintf("account %s: a grant with no scope (neither unit nor region)", shownAccount(g.Account)))
			continue
		}
		reached := expand(g, receiving)
		if len(reached) == 0 {
			// A region no care unit carries (the receiving platform may
			// spell it its own way) reaches every unit of that region
			// there, but nothing the check can see: it proves nothing.
			widened[g.Account] = true
			scope := "all units, but there are no care units"
			if !g.All {
				scope = fmt.Sprintf("region %q, which no care unit carries", g.Region)
			}
			problems = append(problems, fmt.Sprintf("account %s: a grant on %s: the check cannot see what it reaches", shownAccount(g.Account), scope))
			continue
		}
		l := read
		if g.Write {
			l = write
		}
		if is[judged] == nil {
			is[judged] = reach{}
		}
		gEnd, _ := g.end()
		for _, u := range reached {
			is[judged].add(g.Account, u, l)
			// Whatever its basis: an appointment carried as a role
			// grant, which has no end, outlives it as surely; so does a
			// grant of an account that ends (or is locked) on the legacy
			// platform, carried to an account that does not.
			if b, ok := was.until[g.Account][u][l]; ok && !b.end.IsZero() && (gEnd.IsZero() || gEnd.After(b.end)) {
				widened[g.Account] = true
				to := "without end"
				if !gEnd.IsZero() {
					to = "to " + gEnd.Format(time.DateOnly)
				}
				what, legacy := "an appointment", "the legacy one ended"
				if g.Basis != BasisAppointment {
					by := "appointment"
					if b.basis == BasisRole {
						by = "a role"
					}
					what, legacy = l.String()+" from a role", "the legacy "+l.String()+" (by "+by+") ended"
				}
				if b.byAccount {
					legacy = "the legacy account's last enabled day is"
				}
				problems = append(problems, fmt.Sprintf("account %s: access widened: %s on unit %s runs %s, %s %s", shownAccount(g.Account), what, u, to, legacy, b.end.Format(time.DateOnly)))
			}
		}
	}
	c.Accounts = len(accounts)
	days := make([]time.Time, 0, len(is))
	for d := range is {
		days = append(days, d)
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	for _, d := range days {
		l, err := on(d)
		if err != nil {
			return AccessCheck{}, err
		}
		was := l.was
		from := ""
		if d.After(day) {
			from = " from " + d.Format(time.DateOnly)
		}
		for _, account := range sortedAccounts(is[d]) {
			if err := stop.every(); err != nil {
				return AccessCheck{}, err
			}
			var gained []string
			for u, l := range is[d][account] {
				if was[account][u] < l {
					gained = append(gained, fmt.Sprintf("%s on unit %s", l, u))
				}
			}
			if len(gained) > 0 {
				sort.Strings(gained)
				widened[account] = true
				more := ""
				if len(gained) > 5 {
					gained, more = gained[:5], fmt.Sprintf(" and %d more", len(gained)-5)
				}
				why := ""
				if l.off[account] {
					why = ": the account is disabled on the legacy platform, so its grants there reach nothing"
				}
				problems = append(problems, fmt.Sprintf("account %s: access widened%s: %s%s, which it did not have before%s", shownAccount(account), from, joinComma(gained), more, why))
			}
		}
	}
	c.Widened, c.Expired, c.Baseless = accountList(widened), accountList(expired), accountList(baseless)
	sort.Strings(problems)
	c.Problems = problems
	c.OK = len(problems) == 0
	return c, nil
}

// stopCheck looks at a context every stopEvery calls: often enough that
// an interrupt stops the access proof within milliseconds (a call is one
// grant, expanded to at most every care unit), rarely enough to cost
// nothing.
type stopCheck struct {
	ctx context.Context
	n   int
}

const stopEvery = 16

func (s *stopCheck) every() error {
	s.n++
	if s.n%stopEvery != 0 {
		return nil
	}
	return s.ctx.Err()
}

// legacyOn is what the legacy grants in force on one day allow.
type legacyOn struct {
	was   reach
	bases map[string]map[string]bool // account -> basis in force
	// off names the accounts with grants in force whose account is
	// disabled on the day: they reach nothing.
	off map[string]bool
	// until is, per account, unit and level, the last day a legacy grant
	// in force reaches it at that level (zero: no end, as a role without
	// valid_to), its own or its account's; a grant carried must not
	// outlive it.
	until map[string]map[string]map[level]bound
}

// bound is the last day a legacy grant reaches a unit; byAccount says it
// is its account's last enabled day, not the grant's.
type bound struct {
	end       time.Time
	byAccount bool
	// basis is the basis of the legacy grant that ends there: a role's
	// end (valid_to on a role grant) is no appointment's.
	basis string
}

// legacyGrantsOn reads the legacy grants in force on day.
// inForce names the legacy grants legacyGrantsOn reads on day (those
// with a basis, in force on it) by their places in before: what its
// reading depends on besides the units.
func inForce(before []Grant, day time.Time) string {
	var key []byte
	for i, g := range before {
		if g.Basis != "" && g.ActiveOn(day) {
			// Whether its account is enabled changes the reading too.
			off := uint64(0)
			if !g.AccountOn(day) {
				off = 1
			}
			key = binary.AppendUvarint(key, uint64(i)<<1|off)
		}
	}
	return string(key)
}

func legacyGrantsOn(stop *stopCheck, units map[string]string, before []Grant, day time.Time) (*legacyOn, error) {
	l := &legacyOn{was: reach{}, bases: map[string]map[string]bool{}, off: map[string]bool{}, until: map[string]map[string]map[level]bound{}}
	for _, g := range before {
		if err := stop.every(); err != nil {
			return nil, err
		}
		if l.was[g.Account] == nil {
			l.was[g.Account] = map[string]level{}
		}
		if !g.ActiveOn(day) || g.Basis == "" {
			continue
		}
		if !g.AccountOn(day) {
			l.off[g.Account] = true
			continue
		}
		if l.bases[g.Account] == nil {
			l.bases[g.Account] = map[string]bool{}
		}
		l.bases[g.Account][g.Basis] = true
		lv := read
		if g.Write {
			lv = write
		}
		gEnd, byAccount := g.end()
		for _, u := range expand(g, units) {
			l.was.add(g.Account, u, lv)
			if l.until[g.Account] == nil {
				l.until[g.Account] = map[string]map[level]bound{}
			}
			if l.until[g.Account][u] == nil {
				l.until[g.Account][u] = map[level]bound{}
			}
			// A write grant reaches the unit for reading too.
			for at := read; at <= lv; at++ {
				if b, seen := l.until[g.Account][u][at]; !seen || (!b.end.IsZero() && (gEnd.IsZero() || gEnd.After(b.end))) {
					l.until[g.Account][u][at] = bound{end: gEnd, byAccount: byAccount, basis: g.Basis}
				}
			}
		}
	}
	return l, nil
}

func sortedAccounts(r reach) []string {
	out := make([]string, 0, len(r))
	for a := range r {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func setList(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// shownAccount is an account id as a message or report shows it: a
// registry may use identity numbers as user ids, whose last four digits
// are masked (connectors.MaskIdentityNumbers), as everywhere else.
func shownAccount(a string) string { return connectors.MaskIdentityNumbers(a) }

// accountList is setList of accounts as they are shown. Two accounts born
// on one day may then read alike; each is still one entry.
func accountList(m map[string]bool) []string {
	out := setList(m)
	for i, a := range out {
		out[i] = shownAccount(a)
	}
	return out
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}

// AddAccess puts an access check into the report: its problems fail it.
func (r *Report) AddAccess(c AccessCheck) {
	r.Access = &c
	if !c.OK {
		r.Pass = false
		for _, p := range c.Problems {
			r.Problems = append(r.Problems, "access: "+p)
		}
	}
}

// NoteEndedSince records in c the accounts of the receiving grants (after)
// from appointments in force on day, the day the check judged on, that
// ended before today: grants the check passed that would have failed had
// it judged on today. nothing when today is not after day.
func (c *AccessCheck) NoteEndedSince(after []Grant, day, today time.Time) {
	today = today.UTC().Truncate(24 * time.Hour)
	if !today.After(day) {
		return
	}
	ended := map[string]bool{}
	for _, g := range after {
		if g.Basis != BasisAppointment || g.Revoked || g.ValidTo.IsZero() || !g.ValidTo.Before(today) {
			continue
		}
		judged := day
		if !g.ValidFrom.IsZero() && g.ValidFrom.After(day) {
			judged = g.ValidFrom
		}
		if g.ActiveOn(judged) {
			ended[g.Account] = true
		}
	}
	if len(ended) > 0 {
		c.EndedSince, c.EndedSinceDay = accountList(ended), today.Format(time.DateOnly)
	}
}
