package plans

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// Ownership of records: every record keeps the care unit that reported it
// (the mapping's unit:, see mappings/access.go). The writer asks unitOf
// before it counts a record's outcome, so that the ledger counts per unit
// and the archive's outcome row names the unit; at the end the run counts
// the source per unit itself (verify.CheckUnits).

// ownership is a writer's view of its table's unit column, worked out on
// its first record.
type ownership struct {
	ready bool
	// src is the unit column's position in a record's row (for a form
	// store, in an entity row), -1 when the table declares none.
	src    int
	column string
	// held are the receiving columns that carry the unit (a receiving
	// table may name it in more than one, and the platform may read any
	// of them as the record's care provider), each held to the record's
	// unit.
	held []heldUnit
	// entity and entityUnit are the last entity of a form store and its
	// unit: its value rows are its unit's.
	entity     connectors.Value
	entityUnit string
	// translated caches the receiving unit each legacy unit translates
	// to, for a table whose units are translated (receiving).
	translated map[string]string
	// root is, for a child that takes its parent's unit, the ancestor
	// whose unit column it inherits (childUnitColumn).
	root *mappings.TableProgram
}

// heldUnit is one receiving column that carries a record's unit.
type heldUnit struct {
	// src is the position in a record's row of the source column whose
	// unit it carries (a child's own column, for a child that takes its
	// parent's unit; else ownership.src), tgt its position in a target
	// row.
	src, tgt int
	// translated says it must hold the receiving unit the legacy unit
	// translates to (ownership.receiving), not the legacy unit itself.
	translated bool
}

// hold counts a migrated record whose receiving unit columns lost or
// changed its unit (each record once, lost before changed): unit reads a
// held column's legacy unit from the record's row. The receiving unit is
// compared as the ledger keys units (their text), so that an integer id
// carried into a text column is the same unit.
func (own *ownership) hold(tp *mappings.TableProgram, tl *verify.TableLedger, target []connectors.Value, unit func(h heldUnit) (string, bool)) {
	lost, changed := false, false
	for _, h := range own.held {
		if h.tgt < 0 || h.tgt >= len(target) {
			continue
		}
		u, ok := unit(h)
		if !ok {
			continue
		}
		want := u
		if h.translated {
			want = own.receiving(tp, u)
		}
		switch got := target[h.tgt]; {
		case got == nil && u != verify.NoUnit:
			lost = true
		case got != nil && verify.UnitText(got) != want:
			changed = true
		}
	}
	switch {
	case lost:
		tl.LoseOwner()
	case changed:
		tl.ChangeOwner()
	}
}

// receiving is the receiving unit a record of the legacy unit must carry:
// the unit itself, or what the mapping's unit translation gives it. A
// unit the translation does not list has none ("\x00", which no unit's
// text is), so a record of it that migrated anyway changed its owner.
func (own *ownership) receiving(tp *mappings.TableProgram, unit string) string {
	if !tp.TranslatesUnits() {
		return unit
	}
	if r, ok := own.translated[unit]; ok {
		return r
	}
	r, ok := tp.UnitTranslation(unit)
	if !ok {
		r = "\x00"
	}
	if own.translated == nil {
		own.translated = map[string]string{}
	}
	own.translated[unit] = r
	return r
}

// unitOf tells tl which unit reported the record whose outcome o is about
// to be counted, and returns it ("" when the table declares no unit
// column or the record names none). A migrated record whose receiving
// unit column is empty though the source named one is counted as having
// lost its owner, one whose receiving unit is another as having changed
// it (a merged record is held to the merged row's unit; a translated
// unit to what the translation gives it, ownership.receiving). A table with
// unit: {parent: true} takes each record's
// unit from its parent record, as the parent links remembered it.
func (w *writer) unitOf(tp *mappings.TableProgram, t *connectors.Table, tl *verify.TableLedger, row []connectors.Value, o mappings.Outcome) (string, error) {
	if tp != nil && tp.Mapping != nil && tp.Mapping.Unit != nil && tp.Mapping.Unit.Parent {
		return w.parentUnit(tp, t, tl, row, o)
	}
	if tp == nil || tp.Mapping == nil || tp.Mapping.Unit == nil || tp.Mapping.Unit.Column.Value == "" {
		return "", nil
	}
	own := w.owner(tp)
	if own.src < 0 {
		return "", nil
	}
	tl.UnitColumn = own.column
	var unit string
	switch {
	case tp.EAV != nil && t == tp.EAV.Values:
		// A value row is its entity's, when it has one: orphans belong
		// to no unit.
		if c, ok := mappings.Compare(row[tp.EAV.Entity], own.entity); own.entity != nil && ok && c == 0 {
			unit = own.entityUnit
		}
	default:
		unit = verify.UnitText(row[own.src])
		if tp.EAV != nil {
			own.entity, own.entityUnit = row[tp.EAV.EntityKey], unit
		}
	}
	tl.ForUnit(unit)
	if o.Kind == mappings.Migrated && o.Row != nil && (tp.Merge == nil || w.merged) {
		own.hold(tp, tl, o.Row, func(heldUnit) (string, bool) { return unit, true })
	}
	return unit, nil
}

// parentUnit is unitOf for a table whose records take their parent
// record's unit: a record with no parent (an orphan) belongs to no unit.
// The source cannot be counted per unit by a second scan (the unit is in
// another table), so the ledger's counts of the records read are the
// table's source rows per unit, and its equations say so.
func (w *writer) parentUnit(tp *mappings.TableProgram, t *connectors.Table, tl *verify.TableLedger, row []connectors.Value, o mappings.Outcome) (string, error) {
	tl.UnitFromParent = true
	own := w.owner(tp)
	defer w.holdChildUnit(tp, t, tl, row, o, own)
	if tp.EAV != nil && t == tp.EAV.Values {
		unit := verify.NoUnit
		if c, ok := mappings.Compare(row[tp.EAV.Entity], own.entity); own.entity != nil && ok && c == 0 {
			unit = own.entityUnit
		}
		tl.ForUnit(unit)
		return unit, nil
	}
	unit := verify.NoUnit
	if st := w.links.parents[tp.Parent.Table]; st != nil {
		key := pick(row, tp.Parent.KeyIndex)
		if !slices.Contains(key, nil) {
			po, found, err := st.lookup(w.ctx, key)
			if err != nil {
				return "", err
			}
			if found {
				unit = po.unit
			}
		}
	}
	if tp.EAV != nil {
		own.entity, own.entityUnit = row[tp.EAV.EntityKey], unit
	}
	tl.ForUnit(unit)
	return unit, nil
}

// holdChildUnit holds the receiving unit columns of a child that takes
// its parent's unit, when it has them: the columns its root parent
// carries the unit in, each mapped from a column of the child's own. The receiving
// platform gives the child's record to the unit that column names, so it
// must be that source column's unit (through the plan's translation):
// a code list or cast on it changed the record's owner, though the
// ledger counts the record in its parent's unit. A column made by an
// expression that reads one source column is held to that column's unit
// (an expression that merges units changes the owner as a code list
// does); one that reads more is not held (its source unit is not known).
func (w *writer) holdChildUnit(tp *mappings.TableProgram, t *connectors.Table, tl *verify.TableLedger, row []connectors.Value, o mappings.Outcome, own *ownership) {
	if len(own.held) == 0 || t.Name != tp.Source.Name || o.Kind != mappings.Migrated || o.Row == nil || (tp.Merge != nil && !w.merged) {
		return
	}
	tl.UnitColumn = own.column
	own.hold(own.root, tl, o.Row, func(h heldUnit) (string, bool) {
		if h.src < 0 || h.src >= len(row) {
			return "", false
		}
		return verify.UnitText(row[h.src]), true
	})
}

// childUnitColumn finds, for a child that takes its parent's unit, the
// receiving columns holdChildUnit holds: those its root parent carries
// the unit in, when the child makes them from one source column (from:
// it, or an expression that reads it alone).
func childUnitColumn(tp *mappings.TableProgram, own *ownership) {
	root := tp
	for i := 0; root.Mapping != nil && root.Mapping.Unit != nil && root.Mapping.Unit.Parent && root.Parent != nil && i < 64; i++ {
		root = root.Parent.Table
	}
	if root == tp || root.Mapping == nil || tp.EAV != nil {
		return
	}
	carriers, _ := root.Mapping.UnitColumns()
	for _, carrier := range carriers {
		for _, c := range tp.Mapping.Columns {
			if c.Target.Value != carrier.Target {
				continue
			}
			if from, ok := c.OnlySource(); ok {
				h := heldUnit{src: tp.Source.ColumnIndex(from), tgt: tp.Target.ColumnIndex(carrier.Target), translated: carrier.Translated}
				if h.src < 0 || h.tgt < 0 {
					break
				}
				if len(own.held) == 0 {
					own.src, own.column, own.root = h.src, from, root
				}
				own.held = append(own.held, h)
				break
			}
		}
	}
}

func (w *writer) owner(tp *mappings.TableProgram) *ownership {
	if w.own == nil {
		w.own = map[*mappings.TableProgram]*ownership{}
	}
	own := w.own[tp]
	if own != nil {
		return own
	}
	own = &ownership{src: -1}
	w.own[tp] = own
	if tp.Mapping.Unit != nil && tp.Mapping.Unit.Parent {
		childUnitColumn(tp, own)
		return own
	}
	carriers, source := tp.Mapping.UnitColumns()
	own.column = source
	rowTable := tp.Source
	if tp.EAV != nil {
		rowTable = tp.EAV.Entities
	}
	own.src = rowTable.ColumnIndex(source)
	for _, c := range carriers {
		if tgt := tp.Target.ColumnIndex(c.Target); tgt >= 0 {
			own.held = append(own.held, heldUnit{src: own.src, tgt: tgt, translated: c.Translated})
		}
	}
	return own
}

// unitSources names, per source table with a unit column, where the
// unit check counts it in the source.
func unitSources(prog *mappings.Program, catalog []connectors.Table) map[string]verify.UnitSource {
	byName := map[string]*connectors.Table{}
	for i := range catalog {
		byName[catalog[i].Name] = &catalog[i]
	}
	out := map[string]verify.UnitSource{}
	for _, tp := range prog.Tables {
		if tp.Mapping == nil || tp.Mapping.Unit == nil || tp.Mapping.Unit.Column.Value == "" {
			continue
		}
		name := tp.Source.Name
		if tp.EAV != nil {
			name = tp.EAV.Entities.Name
		}
		t := byName[name]
		col := tp.Mapping.Unit.Column.Value
		if t == nil || t.ColumnIndex(col) < 0 {
			// A select: adding the unit by a join: only the run's counts.
			continue
		}
		var key []string
		if len(t.PrimaryKey) == 0 {
			key = tp.Key
		}
		out[name] = verify.UnitSource{Table: t, Column: col, Key: key}
	}
	return out
}

// checkOwnership adds the per-unit equations and the proof that no
// access widened (access.go) to the report.
func (r *runner) checkOwnership(ctx context.Context, s *session, tgt connectors.Source, ledger *verify.Ledger, rep *verify.Report) error {
	if err := verify.CheckUnits(ctx, s.snap, unitSources(s.prog, s.catalog), ledger, rep); err != nil {
		return err
	}
	nameReceivingUnits(s.prog, rep)
	return r.checkAccess(ctx, s.snap, tgt, s.prog, rep)
}

// nameReceivingUnits names, beside each legacy unit of the per-unit
// checks, the receiving unit the mapping's unit translation gives it.
// A table whose units come from its parent reads them by another
// table's translation: a plan translates units by one list (M054).
func nameReceivingUnits(prog *mappings.Program, rep *verify.Report) {
	var first *mappings.TableProgram
	bySource := map[string]*mappings.TableProgram{}
	for _, tp := range prog.Tables {
		if !tp.TranslatesUnits() {
			continue
		}
		if first == nil {
			first = tp
		}
		bySource[tp.Source.Name] = tp
		if tp.EAV != nil {
			bySource[tp.EAV.Entities.Name], bySource[tp.EAV.Values.Name] = tp, tp
		}
	}
	if first == nil {
		return
	}
	for i := range rep.Units {
		c := &rep.Units[i]
		tp := bySource[c.Source]
		if tp == nil {
			tp = first
		}
		c.ReceivingUnit, _ = tp.UnitTranslation(c.Unit)
	}
}

// unitReportsPossible refuses --unit-reports DIR when no mapping names a
// reporting unit column: there is no unit to report to, and the run or
// verification would end with DIR empty and exit 0, the care providers'
// reports silently never made. DIR must not lie in an archive package.
func unitReportsPossible(dir string, in *Inputs) error {
	if dir == "" {
		return nil
	}
	if err := outsidePackages("--unit-reports", dir); err != nil {
		return err
	}
	// A merged target's members may each name the unit of their own
	// source: theirs count as the table's.
	var names func(tms []*mappings.TableMapping) bool
	names = func(tms []*mappings.TableMapping) bool {
		for _, tm := range tms {
			if tm.Unit != nil && tm.Unit.Column.Value != "" || names(tm.Members) {
				return true
			}
		}
		return false
	}
	for _, f := range in.Mappings {
		if names(f.Tables) {
			return nil
		}
	}
	return fmt.Errorf("--unit-reports %s: no mapping names a reporting unit (unit: COLUMN), so there is no unit to write a report for: name each table's unit, or leave --unit-reports out (nothing was written)", dir)
}

// clearUnitReports removes the unit reports in dir (--unit-reports DIR)
// before a run or verification does anything else; it writes its own at
// its end. A care provider's report saying PASS, "every record the unit
// reported is migrated", is sent on as it lies in DIR: one that stopped
// before its end (its move failed, it was interrupted or refused, its
// verification stopped) left the earlier run's there, PASS, for a target
// a --restart had emptied or a resume or a new run had changed. Removed
// rather than rewritten as not passing: a superseded report would still
// be sent, as a FAIL the unit's records did not earn; the earlier run's
// report.json keeps its figures, and `regflytt verify PLAN --unit-reports
// DIR` writes them again for the target as it is. A report that cannot
// be removed refuses the run, before it has done anything.
func (r *runner) clearUnitReports(dir string) error {
	if dir == "" {
		return nil
	}
	n, err := verify.RemoveUnitReports(dir)
	if err != nil {
		return fmt.Errorf("--unit-reports %s: the unit reports an earlier run left there are removed first, and could not be (the run stopped before its move): %w", dir, err)
	}
	if n > 0 {
		r.log.Info("removed the unit reports an earlier run wrote; this one writes its own when it finishes", "dir", dir, "files", n)
	}
	return nil
}

// unitReportsClaim is verify's hold on --unit-reports DIR. DIR is the
// run's while a run holds the target's run lock: it removes the reports
// it finds and writes its own at its end. So verify clears DIR only while
// it holds the lock (a run holding it refuses verify, named), and writes
// its own reports only while it holds the lock again and no run started
// in between: those would describe a target a run has changed since, and
// would replace that run's. The lock is not held for the whole
// verification, which reads the target and may take long; a run may
// start meanwhile and is not refused for it.
type unitReportsClaim struct {
	dir string
	// runs is the number of runs the target had recorded when DIR was
	// cleared (regflytt_run's rows: a run adds one once it holds the lock).
	runs int
}

// claimUnitReports takes the target's run lock, clears DIR
// (clearUnitReports) and notes the runs recorded, then releases the lock.
func (r *runner) claimUnitReports(ctx context.Context, dir string) (*unitReportsClaim, error) {
	if dir == "" {
		return nil, nil
	}
	c := &unitReportsClaim{dir: dir}
	err := r.withRunLock(ctx, func(bk *bookkeeping) error {
		n, err := bk.runCount(ctx)
		if err != nil {
			return err
		}
		c.runs = n
		return r.clearUnitReports(dir)
	})
	if err != nil {
		return nil, fmt.Errorf("--unit-reports %s: verify empties DIR and writes its own unit reports only while it holds the target's run lock, as a run does: %w", dir, err)
	}
	return c, nil
}

// write writes verify's unit reports under the run lock, unless a run
// holds it now or started since DIR was cleared.
func (c *unitReportsClaim) write(ctx context.Context, r *runner, rep *verify.Report) error {
	err := r.withRunLock(ctx, func(bk *bookkeeping) error {
		n, err := bk.runCount(ctx)
		if err != nil {
			return err
		}
		if n != c.runs {
			who := "a run"
			if h, _ := bk.lastRun(ctx, false); h != nil {
				who = fmt.Sprintf("a run (register %s, plan %s, process %d on host %s, started %s)", h.Register, h.Plan, h.PID, h.Host, h.Started.UTC().Format(time.RFC3339))
			}
			return fmt.Errorf("%s wrote the target since this verification began: its figures may no longer be the target's", who)
		}
		_, err = verify.WriteUnitReports(c.dir, rep)
		return err
	})
	if err != nil {
		return fmt.Errorf("verify: no unit report written into %s: %w; verify again for the target as it is", c.dir, err)
	}
	return nil
}

// withRunLock opens the target, takes its run lock (or says who holds
// it, LockedError), calls fn and releases the lock.
func (r *runner) withRunLock(ctx context.Context, fn func(bk *bookkeeping) error) error {
	tgt, err := all.OpenTarget(ctx, r.tgtURL)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer tgt.Close()
	bk := r.bookkeeping(tgt)
	unlock, err := r.lock(ctx, tgt, bk)
	if err != nil {
		return err
	}
	defer func() { _ = r.watch.Do(context.WithoutCancel(ctx), "target", releaseLock, "", unlock) }()
	return fn(bk)
}

// writeUnitReports writes one report per reporting unit when the run was
// asked to (--unit-reports DIR).
func (r *runner) writeUnitReports(rep *verify.Report) error {
	if r.opts.UnitReports == "" {
		return nil
	}
	if _, err := verify.WriteUnitReports(r.opts.UnitReports, rep); err != nil {
		return fmt.Errorf("unit reports: %w", err)
	}
	return nil
}

// FindingUnitUnknown is the finding of migrated records whose reporting
// unit the access section's units table does not list:
// unit_unknown.<source table> in verification.acknowledge.
const FindingUnitUnknown = "unit_unknown"

// unknownUnitFindings raises, per source table, a finding for the
// migrated records whose reporting unit is not in the access section's
// units table (none without an access: section). Such a record is
// carried with its unit as it is, and every equation holds, but no care
// provider's grant reaches that unit on the receiving platform (only
// the CPUA sees the record), and a unit report is written for a unit
// nobody is. A closed unit's history is a reason a person gives.
func (r *runner) unknownUnitFindings(ctx context.Context, snap connectors.Snapshot, ledger *verify.Ledger) ([]verify.Finding, error) {
	st, err := r.access(ctx, snap)
	if err != nil || st == nil {
		return nil, err
	}
	var out []verify.Finding
	for _, tl := range ledger.Tables {
		var n int64
		var unknown []string
		for u, c := range tl.Units {
			if _, ok := st.units[u]; ok || u == verify.NoUnit || c.Migrated == 0 {
				continue
			}
			n += c.Migrated
			unknown = append(unknown, u)
		}
		if n == 0 {
			continue
		}
		slices.Sort(unknown)
		// A unit the table lists in another spelling is named with it:
		// the legacy platform's case-blind join gave its care provider
		// those records, which it loses, not a unit that is gone.
		spelled := 0
		for i, u := range unknown {
			if as, ok := st.spelledAs(u); ok {
				unknown[i] = u + " as " + as
				spelled++
			}
		}
		more := ""
		if len(unknown) > 5 {
			unknown, more = unknown[:5], fmt.Sprintf(" and %d more", len(unknown)-5)
		}
		msg := fmt.Sprintf("%d migrated records of %s name a reporting unit that %s does not list (%s%s): no care provider's grant reaches them on the receiving platform", n, tl.Source, st.spec.Units.Table.Value, strings.Join(unknown, ", "), more)
		if spelled > 0 {
			msg += fmt.Sprintf("; %d of these units %s there in another spelling (case, accents or trailing spaces), which a case-blind collation (MariaDB's default) joins: on such a legacy platform that unit's care provider read the records, and loses them", spelled, map[bool]string{true: "is", false: "are"}[spelled == 1])
		}
		out = append(out, verify.Finding{Kind: FindingUnitUnknown, Subject: tl.Source, Count: n, Of: tl.Migrated, Message: msg})
	}
	return out, nil
}
