package plans

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// Who may see what: the mappings' access: section (mappings/access.go)
// says which tables hold grants on both platforms. The run archives the
// legacy grants that must not be carried — an appointment that ended
// before the reference date, a scope naming a care unit that no longer
// exists — and at its end reads the grants back from the source and the
// target and proves with verify.CheckAccess that no account reaches more
// than before.

// Reasons the run archives a legacy grant with.
const (
	ReasonAppointmentExpired = "appointment_expired"
	ReasonUnitNotFound       = "unit_not_found"
)

// accessState is what the run knows of access, read once.
type accessState struct {
	spec *mappings.AccessSpec
	// units maps every care unit that exists to its region.
	units map[string]string
	// keyKind is the kind of the care units' key column, and byNumber
	// gives the unit whose key is a whole number by its integer's text
	// ("7" for a decimal key 7.00); "" when two keys are one integer. See
	// unitOf.
	keyKind  connectors.Kind
	byNumber map[string]string
	// folded gives the unit whose id folds (mappings.FoldText) to a
	// text, "" when two do: see spelledAs.
	folded map[string]string
	day    time.Time
}

// spelledAs gives the unit whose id is u in another spelling (case,
// accents, trailing spaces), which a case-blind collation joins with u:
// the legacy platform's own join may have reached that unit by u, where
// the receiving platform, and regflytt, compare ids exactly. Only for a
// text key, and only when one unit is spelled so.
func (st *accessState) spelledAs(u string) (string, bool) {
	if numeric(st.keyKind) {
		return "", false
	}
	if _, exact := st.units[u]; exact {
		return "", false
	}
	unit := st.folded[mappings.FoldText(u)]
	return unit, unit != ""
}

// access reads the care units once; nil when the plan has no access:.
func (r *runner) access(ctx context.Context, snap connectors.Snapshot) (*accessState, error) {
	if r.acc != nil || r.in == nil {
		return r.acc, nil
	}
	spec := mappings.Access(r.in.Mappings)
	if spec == nil {
		return nil, nil
	}
	st := &accessState{spec: spec, units: map[string]string{}, day: r.referenceDay()}
	t, err := tableOf(ctx, snap, spec.Units.Table.Value, true)
	if err != nil {
		return nil, err
	}
	if c := t.Column(spec.Units.Key.Value); c != nil {
		st.keyKind = c.Type.Kind
	}
	st.byNumber = map[string]string{}
	err = scanColumns(ctx, snap, t, []string{spec.Units.Key.Value, spec.Units.Region.Value}, func(v []connectors.Value) error {
		region, _ := connectors.FormatValue(v[1])
		unit := verify.UnitText(v[0])
		st.units[unit] = region
		if n, ok := unitNumber(unit); ok {
			if prev, seen := st.byNumber[n]; seen && prev != unit {
				unit = ""
			}
			st.byNumber[n] = unit
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Built once here: writers of several tables ask spelledAs at once.
	st.folded = map[string]string{}
	for unit := range st.units {
		k := mappings.FoldText(unit)
		if prev, seen := st.folded[k]; seen && prev != unit {
			unit = ""
		}
		st.folded[k] = unit
	}
	r.acc = st
	return st, nil
}

// referenceDay is the day grants are judged on: the plan's reference
// date, else the day the run started. A resumed run started when the
// stopped one did (its checkpoint says when, and so does the archive
// package verification reads the day from): judged on the resume's day,
// an appointment that ended in between was carried before the stop and
// archived after it, and the end check failed the run.
func (r *runner) referenceDay() time.Time {
	if !r.plan.ReferenceDate.IsZero() {
		return connectors.DateOf(r.plan.ReferenceDate).Time()
	}
	if !r.started.IsZero() {
		return connectors.DateOf(r.started.UTC()).Time()
	}
	return connectors.DateOf(r.opts.Now().UTC()).Time()
}

// accessOutcome archives a legacy grant that must not be carried. It is
// applied to every record of a mapped table after its mapping and parent.
func (w *writer) accessOutcome(t *connectors.Table, row []connectors.Value, o mappings.Outcome) (mappings.Outcome, error) {
	if o.Kind != mappings.Migrated || w.tp == nil {
		return o, nil
	}
	st, err := w.r.access(w.ctx, w.snap)
	if err != nil || st == nil {
		return o, err
	}
	for _, g := range st.spec.Legacy.Grants {
		if g.Table.Value != t.Name {
			continue
		}
		if g.Basis == "appointment" && g.ValidTo.IsSet() {
			if i := t.ColumnIndex(g.ValidTo.Value); i >= 0 {
				to, ok, err := dayOf(row[i])
				if err != nil {
					return o, fmt.Errorf("access: table %s (key %s), column %s: %w", t.Name, strings.Join(t.PrimaryKey, ", "), g.ValidTo.Value, err)
				}
				if ok && st.day.After(to) {
					return mappings.Outcome{Kind: mappings.Archived, Reason: ReasonAppointmentExpired, SourceColumn: g.ValidTo.Value,
						Detail: "the appointment ended before the reference date " + st.day.Format(time.DateOnly)}, nil
				}
			}
		}
		if g.Unit.IsSet() {
			if i := t.ColumnIndex(g.Unit.Value); i >= 0 && row[i] != nil {
				if _, ok := st.unitOf(row[i], t.Columns[i].Type.Kind); !ok {
					detail := "the grant's care unit is not in " + st.spec.Units.Table.Value
					if as, ok := st.spelledAs(verify.UnitText(row[i])); ok && !numeric(t.Columns[i].Type.Kind) {
						detail += fmt.Sprintf(" as it is spelled: it names unit %s in another spelling (case, accents or trailing spaces), which a case-blind collation (MariaDB's default) joins, so the account may have reached that unit on the legacy platform; the receiving platform compares unit ids exactly, and the grant loses it", as)
					}
					if numeric(t.Columns[i].Type.Kind) != numeric(st.keyKind) {
						how := "a text names the unit of the whole number it writes, and this one writes none of them"
						if numeric(t.Columns[i].Type.Kind) {
							how = "a number is not read as a text id (which text it stands for, such as one with leading zeros, is the legacy platform's convention)"
						}
						detail += fmt.Sprintf(" (column %s.%s is %s, the units' key %s.%s is %s: %s)",
							t.Name, g.Unit.Value, t.Columns[i].Type.Kind, st.spec.Units.Table.Value, st.spec.Units.Key.Value, st.keyKind, how)
					}
					return mappings.Outcome{Kind: mappings.Archived, Reason: ReasonUnitNotFound, SourceColumn: g.Unit.Value, Detail: detail}, nil
				}
			}
		}
	}
	return o, nil
}

// unitOf gives the care unit a legacy grant's unit value names, read
// from a column of kind: the unit whose key has its text, else, when the
// units' key holds numbers and the grant's column text, the unit whose
// key is the integer the text writes ("07", "7 " name unit 7). The
// legacy platform's own join compares them so: MariaDB and SQL Server
// convert the text to a number, and PostgreSQL refuses the comparison
// until a cast, which reads the text as that number; and the unit's
// receiving id comes from its number, so the access proof sees one unit
// on both sides. The other way round (a number against a text key
// "007") is not matched: which text the number stands for is the
// legacy platform's convention, and the receiving side would hold
// another id than the unit's; such a grant is archived (unit_not_found)
// with both columns' types in its detail. Two text columns are compared
// as text, as there: "07" is not "7". ok is false when no unit is named.
func (st *accessState) unitOf(v connectors.Value, kind connectors.Kind) (string, bool) {
	u := verify.UnitText(v)
	if _, ok := st.units[u]; ok {
		return u, true
	}
	if numeric(st.keyKind) && !numeric(kind) {
		if n, ok := unitNumber(u); ok && st.byNumber[n] != "" {
			return st.byNumber[n], true
		}
	}
	return u, false
}

// numeric says whether a column of kind holds numbers, which a database
// compares with text by converting the text.
func numeric(k connectors.Kind) bool {
	return k == connectors.KindInt || k == connectors.KindDecimal || k == connectors.KindFloat
}

// unitNumber reads a unit id as a whole number: digits, a sign, ASCII
// white space around them (a CHAR column's padding), leading zeros; a
// decimal's or a float's text with nothing but zeros after its point
// ("7.00").
func unitNumber(u string) (string, bool) {
	// Only what the databases' own text-to-number conversion skips
	// (MariaDB, PostgreSQL, SQLite): a no-break or ideographic space
	// leaves a text that is no number, and a grant naming unit 7 so
	// reached no unit on the legacy platform. strings.TrimSpace took it
	// for 7, and a grant carried to 7 passed as no wider than before.
	u = strings.Trim(u, asciiSpace)
	if whole, frac, ok := strings.Cut(u, "."); ok && frac != "" && strings.Trim(frac, "0") == "" {
		u = whole
	}
	return integerKey(u)
}

// asciiSpace is the white space a database skips around a number it
// reads from text.
const asciiSpace = " \t\n\v\f\r"

// checkAccess reads the grants of both platforms and adds the proof that
// none widened to the report.
func (r *runner) checkAccess(ctx context.Context, snap connectors.Snapshot, tgt connectors.Source, prog *mappings.Program, rep *verify.Report) error {
	st, err := r.access(ctx, snap)
	if err != nil || st == nil {
		return err
	}
	legacyAccounts, err := readAccounts(ctx, snap, st.spec.Legacy.Accounts, true)
	if err != nil {
		return fmt.Errorf("access: legacy accounts: %w", err)
	}
	before, err := readGrants(ctx, snap, st.spec.Legacy, st.units, nil, legacyAccounts, st)
	if err != nil {
		return fmt.Errorf("access: legacy grants: %w", err)
	}
	tsnap, err := tgt.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("access: target: %w", err)
	}
	defer wrap.CloseContext(ctx, tsnap)
	back := legacyUnits(prog, st.units)
	receiving, err := r.receivingUnits(ctx, tsnap, st, back)
	if err != nil {
		return fmt.Errorf("access: receiving care units: %w", err)
	}
	receivingAccounts, err := readAccounts(ctx, tsnap, st.spec.Receiving.Accounts, false)
	if err != nil {
		return fmt.Errorf("access: receiving accounts: %w", err)
	}
	after, err := readGrants(ctx, tsnap, st.spec.Receiving, receiving, back, receivingAccounts, nil)
	if err != nil {
		return fmt.Errorf("access: receiving grants: %w", err)
	}
	c, err := verify.CheckAccessAcross(ctx, st.units, receiving, before, after, st.day)
	if err != nil {
		return fmt.Errorf("access: %w", err)
	}
	if !r.verifyDay.IsZero() {
		// Verify judged on the run's day as the run's records say it
		// (no run.reference_date): see endedSinceFinding.
		c.NoteEndedSince(after, st.day, r.verifyDay)
	}
	if legacyAccounts != nil && receivingAccounts != nil {
		if err := c.CheckLogins(ctx, legacyAccounts.logins, receivingAccounts.logins); err != nil {
			return fmt.Errorf("access: %w", err)
		}
		acknowledgeShared(&c, r.plan.Verification.Acknowledge)
	}
	rep.AddAccess(c)
	return nil
}

// acknowledgeShared applies the plan's login_shared.<receiving accounts
// table> acknowledgement to the access check: the accounts it names as
// sharing a login identity pass with the plan's reason; a changed one
// still fails (verify.AccessCheck.AcknowledgeShared).
func acknowledgeShared(c *verify.AccessCheck, acks map[string]mappings.Str) {
	if len(c.LoginShared) == 0 {
		return
	}
	if reason, ok := acks[verify.FindingLoginShared+"."+c.LoginTable]; ok {
		c.AcknowledgeShared(reason.Value)
	}
}

// FindingAppointmentEndedSince is the finding of receiving grants from
// appointments in force on the day verification judged on, the run's
// start as its checkpoint in the target and its archive package record
// it (the plan names no run.reference_date), that have ended since,
// before verification ran. The two records agree, but whoever writes the
// target and the package (who carried expired appointments into the
// target) can write both: moved back together to before the
// appointments ended, they made verify pass them. A person checks the
// run's day (or the plan gives run.reference_date, which neither can
// move) and acknowledges it.
const FindingAppointmentEndedSince = "appointment_ended_since"

// endedSinceFinding is FindingAppointmentEndedSince of the access check,
// subject "grants"; none when no such grant was carried.
func endedSinceFinding(a *verify.AccessCheck) []verify.Finding {
	if a == nil || len(a.EndedSince) == 0 {
		return nil
	}
	return []verify.Finding{{Kind: FindingAppointmentEndedSince, Subject: "grants", Count: int64(len(a.EndedSince)), Of: int64(a.Accounts),
		Message: fmt.Sprintf("%d accounts hold grants from appointments in force on %s, the day judged on (the run's start as its checkpoint in the target and its archive package say it), that ended before %s: check that the run started that day, as whoever writes the target and the package can move both; give the plan run.reference_date, which neither can move",
			len(a.EndedSince), a.ReferenceDate, a.EndedSinceDay)}}
}

// loginSharedFinding is the finding, named login_shared.<receiving
// accounts table>, of the accounts that share a login identity with
// another; none when none do. It is what verification.acknowledge names
// (and what the review page and the report list as acknowledged); the
// access check itself fails on the share until then.
func loginSharedFinding(a *verify.AccessCheck) []verify.Finding {
	if a == nil || len(a.LoginShared) == 0 {
		return nil
	}
	n := int64(len(a.LoginShared))
	return []verify.Finding{{Kind: verify.FindingLoginShared, Subject: a.LoginTable, Count: n, Of: int64(a.Accounts),
		Message: fmt.Sprintf("%d %s of receiving %s (%s) share a login identity with another account there that the legacy platform did not give them: whoever logs in with it reaches either account's grants, which blocks the migration unless the platform already held the same person's account (from another registry)",
			n, map[bool]string{true: "account", false: "accounts"}[n == 1], a.LoginTable, strings.Join(a.LoginShared, ", "))}}
}

// receivingUnits reads the care units and their regions as the receiving
// platform holds them (mappings.AccessSpec.ReceivingUnits), keyed by
// legacy unit: a regional grant there reaches the units of its region
// there, and a mapping that moved a unit into another region gives that
// region's grants a unit they did not reach before. A receiving id no
// legacy unit translates to is keyed as readGrants keys it. When no
// receiving grant reaches by region, and no mapping carries the units'
// regions, the legacy units stand for both (else plan check's M063).
func (r *runner) receivingUnits(ctx context.Context, tsnap connectors.Snapshot, st *accessState, back *unitsBack) (map[string]string, error) {
	ru, ok := st.spec.ReceivingUnits(r.in.Mappings)
	if !ok || ru.Region == "" {
		if st.spec.NeedsReceivingRegions() {
			return nil, fmt.Errorf("the regions of care unit table %s reach no receiving table beside their units (M063)", st.spec.Units.Table.Value)
		}
		return st.units, nil
	}
	t, err := tableOf(ctx, tsnap, ru.Table, false)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	err = scanColumns(ctx, tsnap, t, []string{ru.Key, ru.Region}, func(v []connectors.Value) error {
		if v[0] == nil {
			return nil
		}
		unit := verify.UnitText(v[0])
		if ru.Translated && back != nil {
			unit = back.legacy(unit)
		}
		region, _ := connectors.FormatValue(v[1])
		if prev, seen := out[unit]; seen && prev != region {
			// Both regions' grants reach it: one region per unit is all
			// the proof can expand by.
			return fmt.Errorf("care unit %s is in two regions in %s (%s and %s): give each receiving unit one row", unit, ru.Table, prev, region)
		}
		out[unit] = region
		return nil
	})
	return out, err
}

// legacyUnits gives, when the mappings translate unit ids (unit:
// {translate: list}), the legacy unit of each receiving unit that one of
// units translates to (legacyUnit reads it): the receiving grants name
// their units by receiving ids, and are compared with the legacy ones by
// the legacy unit. The translation is one-to-one (M056), so a receiving
// unit has one legacy unit; one that none translates to reaches no legacy
// unit (readGrants). nil when units are not translated.
func legacyUnits(prog *mappings.Program, units map[string]string) *unitsBack {
	if prog == nil {
		return nil
	}
	for _, tp := range prog.Tables {
		if !tp.TranslatesUnits() {
			continue
		}
		back := &unitsBack{exact: map[string]string{}, number: map[string]string{}}
		for u := range units {
			r, ok := tp.UnitTranslation(u)
			if !ok {
				continue
			}
			back.exact[r] = u
			if n, ok := integerKey(r); ok {
				if prev, dup := back.number[n]; dup && prev != u {
					u = "" // "101" and "0101", two units in a text column
				}
				back.number[n] = u
			}
		}
		return back
	}
	return nil
}

// unitsBack maps receiving unit ids to legacy units: by their text, else
// by their integer value ("0101" in a text column is 101 in an integer
// grant column), unless two ids share the value.
type unitsBack struct {
	exact, number map[string]string
}

func (b *unitsBack) legacyUnit(receiving string) (string, bool) {
	if u, ok := b.exact[receiving]; ok {
		return u, true
	}
	if n, ok := integerKey(receiving); ok && b.number[n] != "" {
		return b.number[n], true
	}
	return "", false
}

// legacy is legacyUnit's unit, or, for a receiving id no legacy unit
// translates to, a key of its own: never the legacy unit that happens to
// have its text.
func (b *unitsBack) legacy(receiving string) string {
	if u, ok := b.legacyUnit(receiving); ok {
		return u
	}
	return "receiving " + receiving
}

func integerKey(u string) (string, bool) {
	n, err := strconv.ParseInt(u, 10, 64)
	if err != nil {
		return "", false
	}
	return strconv.FormatInt(n, 10), true
}

// readGrants reads one platform's grant tables as verify.Grants, each
// role's reach applied: a role that reaches the region of its unit is a
// grant for the region; one that reaches all, for all units. A grant by a
// role the section does not define has no basis (on the legacy side it
// gives nothing, so anything carried from it shows as widened). back,
// when not nil, gives the legacy unit of a receiving unit (legacyUnits).
// accounts, when not nil (the side names accounts:), gives each grant its
// account's state (readAccounts). legacy, on the legacy side, names each
// grant's unit as the run found it (accessState.unitOf).
func readGrants(ctx context.Context, snap connectors.Snapshot, side mappings.AccessSide, units map[string]string, back *unitsBack, accounts *accountStates, legacy *accessState) ([]verify.Grant, error) {
	var out []verify.Grant
	for _, g := range side.Grants {
		t, err := tableOf(ctx, snap, g.Table.Value, legacy != nil)
		if err != nil {
			return nil, err
		}
		cols := []string{g.Account.Value, g.Role.Value, g.Unit.Value, g.Region.Value, g.ValidFrom.Value, g.ValidTo.Value, g.Active.Value}
		var unitKind connectors.Kind
		if c := t.Column(g.Unit.Value); c != nil {
			unitKind = c.Type.Kind
		}
		row := 0
		err = scanColumns(ctx, snap, t, cols, func(v []connectors.Value) error {
			row++
			gr := verify.Grant{Account: verify.UnitText(v[0]), Basis: g.Basis, Write: g.Write}
			accounts.apply(&gr)
			if v[2] != nil {
				gr.Unit = verify.UnitText(v[2])
				if legacy != nil {
					gr.Unit, _ = legacy.unitOf(v[2], unitKind)
				}
				if back != nil {
					gr.Unit = back.legacy(gr.Unit)
				}
			} else if v[3] != nil {
				gr.Region, _ = connectors.FormatValue(v[3])
			}
			// A bound that is no date must not read as open-ended: that
			// would carry an expired appointment as active.
			for i, bound := range []*time.Time{&gr.ValidFrom, &gr.ValidTo} {
				var err error
				if *bound, _, err = dayOf(v[4+i]); err != nil {
					return fmt.Errorf("table %s (key %s), row %d in scan order, column %s: %w", t.Name, strings.Join(t.PrimaryKey, ", "), row, cols[4+i], err)
				}
			}
			if g.Active.IsSet() {
				// Read as an account's flag: NULL revoked on the legacy
				// side, in force on the receiving one.
				on, err := accountEnabled(v[6], g.Enabled, legacy != nil)
				if err != nil {
					return fmt.Errorf("table %s (key %s), row %d in scan order, column %s: %w", t.Name, strings.Join(t.PrimaryKey, ", "), row, g.Active.Value, err)
				}
				gr.Revoked = !on
			}
			reach := mappings.ReachScope
			if g.Basis == verify.BasisRole {
				gr.Role, _ = connectors.FormatValue(v[1])
				role, ok := side.Roles[gr.Role]
				if !ok {
					gr.Basis = ""
				}
				gr.Write, reach = role.Write, role.Reach
			}
			switch reach {
			case mappings.ReachAll:
				gr.All, gr.Unit, gr.Region = true, "", ""
			case mappings.ReachRegion:
				if gr.Unit != "" {
					gr.Region, gr.Unit = units[gr.Unit], ""
				}
			}
			// A grant with no scope is kept: on the legacy side it reaches
			// nothing, on the receiving side CheckAccess refuses it.
			out = append(out, gr)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// accountState is what a platform's accounts table says of one account:
// disabled by its flag (off), else enabled from..to (inclusive, zero open).
type accountState struct {
	off      bool
	from, to time.Time
}

// accountStates is one side's accounts by id (verify.UnitText of the key,
// as grants' accounts are read), and their login identities when the
// side names its login columns.
type accountStates struct {
	legacy bool
	byID   map[string]accountState
	logins verify.AccountLogins
}

// apply gives a grant its account's state. A legacy grant of an account
// the table does not hold reaches nothing (nobody can log in as it); a
// receiving one is read as enabled, as nothing says otherwise.
func (a *accountStates) apply(g *verify.Grant) {
	if a == nil {
		return
	}
	st, ok := a.byID[g.Account]
	if !ok {
		g.AccountOff = a.legacy
		return
	}
	g.AccountOff, g.AccountFrom, g.AccountTo = st.off, st.from, st.to
}

// readAccounts reads a side's accounts table (mappings.AccountTable);
// nil when the side names none. Two rows of one account are read as the
// side's proof needs them: on the legacy side the account is enabled
// only where both say so, on the receiving side wherever either does, so
// that a duplicate cannot hide a widening.
func readAccounts(ctx context.Context, snap connectors.Snapshot, at *mappings.AccountTable, legacy bool) (*accountStates, error) {
	if at == nil {
		return nil, nil
	}
	t, err := tableOf(ctx, snap, at.Table.Value, legacy)
	if err != nil {
		return nil, err
	}
	cols := at.Columns()
	out := &accountStates{legacy: legacy, byID: map[string]accountState{}}
	out.logins = verify.AccountLogins{Table: at.Table.Value, Of: map[string][][]string{}}
	for _, l := range at.Login {
		out.logins.Columns = append(out.logins.Columns, l.Value)
		// The legacy column's collation says whether two identities
		// apart only by case were two logins there (verify.CheckLogins).
		collation := ""
		if i := t.ColumnIndex(l.Value); i >= 0 && legacy {
			collation = t.Columns[i].Collation
		}
		out.logins.Collations = append(out.logins.Collations, collation)
	}
	row := 0
	err = scanColumns(ctx, snap, t, cols, func(v []connectors.Value) error {
		row++
		where := func(col string, err error) error {
			return fmt.Errorf("accounts table %s (key %s), row %d in scan order, column %s: %w", t.Name, strings.Join(t.PrimaryKey, ", "), row, col, err)
		}
		if v[0] == nil {
			return nil
		}
		var st accountState
		if at.Active.IsSet() {
			on, err := accountEnabled(v[1], at.Enabled, legacy)
			if err != nil {
				return where(at.Active.Value, err)
			}
			st.off = !on
		}
		for i, bound := range []*time.Time{&st.from, &st.to} {
			var err error
			if *bound, _, err = dayOf(v[2+i]); err != nil {
				return where(cols[2+i], err)
			}
		}
		locked, ok, err := dayOf(v[4])
		if err != nil {
			return where(cols[4], err)
		}
		if ok && (st.to.IsZero() || !locked.After(st.to)) {
			// Disabled from that day: its last enabled day is the one before.
			st.to = locked.AddDate(0, 0, -1)
		}
		id := verify.UnitText(v[0])
		if prev, seen := out.byID[id]; seen {
			st = mergeAccount(prev, st, legacy)
		}
		out.byID[id] = st
		if len(at.Login) > 0 {
			addLogins(out.logins.Of, id, v[5:])
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addLogins adds one accounts row's login identities (its login columns'
// values, vals) to the account's: NULL and an empty text are none. A
// value that is no text is compared by its text form (a number).
func addLogins(of map[string][][]string, id string, vals []connectors.Value) {
	cols := of[id]
	if cols == nil {
		cols = make([][]string, len(vals))
	}
	for i, v := range vals {
		s, ok := connectors.FormatValue(v)
		if v == nil || !ok || strings.TrimSpace(s) == "" || slices.Contains(cols[i], s) {
			continue
		}
		cols[i] = append(cols[i], s)
	}
	of[id] = cols
}

// mergeAccount joins two rows of one account: on the legacy side enabled
// only on the days both are, on the receiving side on the days either is
// (the span from the first's start to the last's end).
func mergeAccount(a, b accountState, legacy bool) accountState {
	if legacy {
		return accountState{off: a.off || b.off, from: boundOf(a.from, b.from, true, false), to: boundOf(a.to, b.to, false, false)}
	}
	return accountState{off: a.off && b.off, from: boundOf(a.from, b.from, false, true), to: boundOf(a.to, b.to, true, true)}
}

// boundOf takes the later (else the earlier) of two bounds, zero being
// open: when wide, an open bound wins; else the other does.
func boundOf(x, y time.Time, later, wide bool) time.Time {
	if x.IsZero() || y.IsZero() {
		if wide {
			return time.Time{}
		}
		if x.IsZero() {
			return y
		}
		return x
	}
	if x.After(y) == later {
		return x
	}
	return y
}

// accountEnabled reads an account's active: value: enabled when it is one
// of enabled (compared as text, on the receiving side blind to case and
// trailing spaces; a boolean as true/1 or false/0), else when
// it is true or a number other than 0. NULL is disabled on the legacy
// side and enabled on the receiving one: read either way, it cannot hide
// a widening. A value that is neither a boolean nor a number, with no
// enabled: list, is an error naming its shape, never the value.
func accountEnabled(v connectors.Value, enabled []mappings.Str, legacy bool) (bool, error) {
	if v == nil {
		return !legacy, nil
	}
	if len(enabled) > 0 {
		texts := []string{}
		if b, ok := v.(bool); ok {
			texts = append(texts, strconv.FormatBool(b), map[bool]string{true: "1", false: "0"}[b])
		} else if s, ok := connectors.FormatValue(v); ok {
			texts = append(texts, s)
		}
		for _, e := range enabled {
			for _, s := range texts {
				// The receiving side reads a value as a case-blind PAD
				// SPACE collation (MariaDB's default) may: "a" and "A "
				// are "A" there, and read disabled they would hide a
				// widening; the legacy side exactly, the narrower.
				if s == e.Value || !legacy && mappings.FoldText(s) == mappings.FoldText(e.Value) {
					return true, nil
				}
			}
		}
		return false, nil
	}
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case uint64:
		return x != 0, nil
	case float64:
		return x != 0, nil
	case []byte:
		// A BIT column: enabled when any bit is set.
		for _, b := range x {
			if b != 0 {
				return true, nil
			}
		}
		return false, nil
	case connectors.Decimal:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return false, fmt.Errorf("an active flag that is no number (a decimal of %d characters)", len(x))
		}
		return f != 0, nil
	case string:
		t := strings.TrimSpace(x)
		if legacy {
			// As the legacy database reads a number from text (aktiv =
			// 1): around ASCII white space only, in decimal digits. A
			// no-break space, NaN or a hexadecimal float is no 1 there,
			// and read as enabled it would hide a widening.
			t = strings.Trim(x, asciiSpace)
		}
		switch strings.ToLower(t) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil && (!legacy || !strings.ContainsAny(t, "xXnNiI_pP")) {
			return f != 0, nil
		}
		return false, fmt.Errorf("an active flag that is neither a boolean nor a number (text of %d characters): list the values that mean enabled (accounts: {active: …, enabled: [...]})", len([]rune(x)))
	}
	return false, fmt.Errorf("an active flag that is neither a boolean nor a number (a %T): list the values that mean enabled (accounts: {active: …, enabled: [...]})", v)
}

// tableOf finds a table in a snapshot's catalogue.
// tableOf gives table name of the source (legacy) or the target. A
// receiving table the target lacks is one no run of the plan wrote
// there: the error says so rather than naming a table alone.
func tableOf(ctx context.Context, snap connectors.Snapshot, name string, legacy bool) (*connectors.Table, error) {
	tables, err := snap.Tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	for i := range tables {
		if tables[i].Name == name {
			return &tables[i], nil
		}
	}
	if legacy {
		return nil, fmt.Errorf("no table %s in the source", name)
	}
	return nil, fmt.Errorf("no table %s in the target: has a run of this plan written into it? (run the plan, or name the target it ran into)", name)
}

// scanColumns reads a table and gives fn the named columns of each row
// ("" gives NULL).
func scanColumns(ctx context.Context, snap connectors.Snapshot, t *connectors.Table, cols []string, fn func([]connectors.Value) error) error {
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		if c != "" {
			if idx[i] = t.ColumnIndex(c); idx[i] < 0 {
				return fmt.Errorf("table %s has no column %s", t.Name, c)
			}
		}
	}
	rows, err := snap.Scan(ctx, t, connectors.ScanOptions{})
	if err != nil {
		return fmt.Errorf("read %s: %w", t.Name, err)
	}
	defer rows.Close()
	vals := make([]connectors.Value, len(cols))
	for rows.Next() {
		row := rows.Row()
		for i, j := range idx {
			vals[i] = nil
			if j >= 0 {
				vals[i] = row[j]
			}
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", t.Name, err)
	}
	return nil
}

// dayOf reads a validity bound as a day: false for NULL, an error for a
// value that is no date (a legacy format such as "31.12.2025" must not read
// as no bound at all). The error names the value's shape, never the value.
func dayOf(v connectors.Value) (time.Time, bool, error) {
	switch x := v.(type) {
	case nil:
		return time.Time{}, false, nil
	case connectors.Date:
		return x.Time(), true, nil
	case time.Time:
		return connectors.DateOf(x).Time(), true, nil
	case connectors.LocalDateTime:
		return x.Date.Time(), true, nil
	case string:
		for _, layout := range []string{time.DateOnly, time.DateTime, time.RFC3339Nano} {
			if t, err := time.Parse(layout, x); err == nil {
				return connectors.DateOf(t).Time(), true, nil
			}
		}
		return time.Time{}, false, fmt.Errorf("a validity bound that is not a date (text of %d characters; want YYYY-MM-DD): convert it in the mapping or the source", len([]rune(x)))
	}
	return time.Time{}, false, fmt.Errorf("a validity bound that is not a date (a %T)", v)
}
