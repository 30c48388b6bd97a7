package plans

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// writer moves the records of one program (or of one unmapped table):
// it applies the mapping, batches target rows, archives and counts.
type writer struct {
	r      *runner
	ctx    context.Context
	snap   connectors.Snapshot
	sink   rowSink
	arc    archiver
	ledger *verify.Ledger
	// tp is nil for a source table no mapping reads.
	tp *mappings.TableProgram
	// spill takes the migrated rows of a merged program.
	spill *spill
	// check is the receiving dialect's ValueChecker, nil when it has none
	// (or nothing is written).
	check connectors.ValueChecker
	// checkCols are the target columns check may refuse a fitted value
	// of (connectors.ValueCheckedColumns), nil until the first row.
	checkCols []int
	// keys holds the receiving primary keys given so far (dupkeys.go).
	keys *receivingKeys
	// links keeps parents' outcomes and duplicates' decisions (nil when
	// the mappings declare none); dups are this table's decisions.
	links *links
	dups  *duplicates
	own   map[*mappings.TableProgram]*ownership // units.go
	// merged is set while a merge counts its candidates: their outcome's
	// Row is then the merged row, whose unit unitOf holds each migrated
	// candidate's to (before, a candidate's row counts for nothing).
	merged bool
	// counts takes the source side of verify's value equations (nil in
	// a run).
	counts valueCounter

	out     [][]connectors.Value
	pending int

	// unit names what this writer moves in the checkpoints; at is the
	// position to record with the next batch (see position).
	unit string
	at   position
	// replay, when set, runs the unit again without writing: see
	// replay.go.
	replay *replay
	// job is the state the writer shares with its group's other units
	// (jobs.go); finishing says the batch being committed is the unit's
	// last.
	job       *job
	finishing bool
}

// flush writes the batch's target rows in one transaction: with its
// archive part and checkpoint in a run (commit.go), alone in a dry run.
func (w *writer) flush() error {
	if w.replay != nil {
		// Committed by the interrupted run already.
		w.out, w.pending = w.out[:0], 0
		return nil
	}
	if w.r.units != nil {
		return w.r.units.commit(w)
	}
	// The batch's archived records are durable before its rows commit.
	if s, ok := w.arc.(interface{ Sync() error }); ok && w.pending > 0 {
		if err := s.Sync(); err != nil {
			return err
		}
	}
	if w.tp != nil && len(w.out) > 0 {
		if err := w.sink.Write(w.ctx, w.tp.Target, w.out); err != nil {
			return err
		}
		w.ledger.Written[w.tp.Target.Name] += int64(len(w.out))
	}
	w.r.opts.Progress.Add(w.pending)
	w.out, w.pending = w.out[:0], 0
	return nil
}

// maybeFlush flushes when a batch of source records has an outcome.
func (w *writer) maybeFlush() error {
	if w.pending >= w.r.batch {
		return w.flush()
	}
	return nil
}

// notChecked counts a record whose person could not be read, kept as
// kind: person_not_checked counts every one migrated or archived, and
// person_not_checked_archived those archived, so that report.json splits
// them; an excluded one went nowhere and is not counted.
func notChecked(tl *verify.TableLedger, kind mappings.OutcomeKind) {
	switch kind {
	case mappings.Archived:
		tl.Warn(mappings.WarnPersonNotChecked)
		tl.Warn(mappings.WarnPersonNotCheckedArchived)
	case mappings.Migrated:
		tl.Warn(mappings.WarnPersonNotChecked)
	}
}

// record accounts for one source record's outcome: target row, archive,
// or a count only.
func (w *writer) record(t *connectors.Table, tl *verify.TableLedger, row []connectors.Value, keyIdx []int, o mappings.Outcome) error {
	w.pending++
	unchecked := false
	for _, code := range o.Warnings {
		if code == mappings.WarnPersonNotChecked {
			unchecked = true
			continue
		}
		tl.Warn(code)
	}
	if o.CenturyInferred {
		tl.CenturyInferred++
	}
	tl.CenturyUnread += int64(o.Centuries.Unread)
	w.r.centuries.add(t.Name, o.Centuries)
	if o.Kind == mappings.Migrated && o.Row != nil {
		o = w.checkTarget(o)
	}
	// A merged source's record its mapping archived is held for the
	// merge, which excludes it with an excluded registration (spill.hold),
	// and is counted there; one without a merge key is a registration of
	// its own, archived now.
	var hold []byte
	if o.Kind == mappings.Archived && w.tp != nil && w.tp.Merge != nil && t.Name == w.tp.Source.Name {
		mkey, ok, err := w.tp.ExcludedMergeKey(row)
		var failed *mappings.MergeKeyError
		switch {
		case errors.As(err, &failed):
			// Archived for its own reason, its key not known: a
			// registration of its own, archived now.
		case err != nil:
			return fmt.Errorf("merge key of %s, record %s: %w", t.Name, safeKey(t, keyIdx, row), err)
		case ok:
			hold = mkey
		}
	}
	if unchecked && hold == nil && (o.Kind == mappings.Archived || w.tp == nil || w.tp.Merge == nil || o.Row == nil) {
		// Counted by the outcome it ends with: one the receiving row's
		// checks archive goes into the archive package unchecked. A
		// merged registration's record is counted when the merge decides
		// (merge), which sees whether another of its records was
		// checked.
		notChecked(tl, o.Kind)
	}
	unit, err := w.classify(w.tp, t, tl, row, o)
	if err != nil {
		return err
	}
	if err := w.remember(t, row, keyIdx, o, unit); err != nil {
		return err
	}
	switch o.Kind {
	case mappings.Migrated:
		if w.tp != nil && w.tp.Merge != nil && o.Row != nil {
			// Counted when the merge decides its outcome.
			// Its values archived alone, nulled or lost go with it: they
			// count when it is merged, and not when it is archived whole.
			if err := w.spill.add(w.ctx, w.tp, o, copyRow(row), pick(row, keyIdx)); err != nil {
				return err
			}
			if vc := w.valueCounts(); vc != nil {
				vc.NotCounted = "merged registrations: several source records make one row"
			}
			break
		}
		if o.Row != nil {
			w.out = append(w.out, o.Row)
			if err := w.countValues(o); err != nil {
				return err
			}
		}
		tl.Migrate()
		// The key is picked only for values archived alone: most
		// records have none, and a key slice per record is garbage.
		var key []connectors.Value
		if len(o.Values) > 0 {
			key = pick(row, keyIdx)
		}
		if err := w.values(t, tl, key, o, unit); err != nil {
			return err
		}
	case mappings.Archived:
		if hold != nil {
			// Its person_not_checked, among o.Warnings, goes with it.
			return w.spill.hold(w.ctx, w.tp, hold, o, copyRow(row), pick(row, keyIdx))
		}
		rec := archivedRecord(pick(row, keyIdx), row, o, unit)
		if err := w.arc.Add(t, rec); err != nil {
			return err
		}
		tl.Archive(o.Reason)
	case mappings.Excluded:
		tl.Exclude(o.Reason)
		if w.tp != nil && w.tp.Merge != nil {
			mkey, ok, err := w.tp.ExcludedMergeKey(row)
			var failed *mappings.MergeKeyError
			if errors.As(err, &failed) {
				// Left out, the registration's other records (a
				// sub-register's, with no identity number of their own)
				// would migrate: an opted-out patient's data.
				return fmt.Errorf("table %s, record %s, excluded (%s): %w, so the records of its registration in the other merged sources cannot be found and excluded with it; make the merge key valid in the source for this record, or map it alike in every source of the merge", t.Name, safeKey(t, keyIdx, row), o.Reason, err)
			}
			if err != nil {
				return fmt.Errorf("merge key of %s, record %s: %w", t.Name, safeKey(t, keyIdx, row), err)
			}
			if ok {
				if err := w.spill.exclude(w.ctx, w.tp, mkey, o.Reason); err != nil {
					return err
				}
			}
		}
	default:
		return fmt.Errorf("table %s: the mapping gave no outcome", t.Name)
	}
	return nil
}

// values accounts for the values of a migrated record that did not
// migrate as they were: archived alone, made NULL by a declared rule, or
// lost (which fails the run). unit is the record's reporting care unit,
// whose the values are in the archive as its archived records are.
func (w *writer) values(t *connectors.Table, tl *verify.TableLedger, key []connectors.Value, o mappings.Outcome, unit string) error {
	if len(o.Values) > 0 {
		tl.ValuesArchivedRecords++
	}
	for _, vn := range o.Values {
		vr := archive.Value{Key: key, Column: vn.Column, SourceColumn: vn.SourceColumn, Reason: vn.Reason, Detail: vn.Detail, Value: vn.Value, CareUnit: unit}
		if err := w.arc.AddValue(t, vr); err != nil {
			return err
		}
		tl.ArchiveValue(vn.Reason)
	}
	for _, n := range o.Nulled {
		tl.NullValue(n.Rule)
	}
	for _, vn := range o.Lost {
		tl.LoseValue(vn.Column)
	}
	for _, c := range o.NotChosen {
		tl.NotChooseValue(c)
	}
	return nil
}

// valueCounter gives the source side of a receiving table's value
// equations, for verify's re-application (verify.ValueCounts).
type valueCounter interface {
	valueCounts(target string) *verify.ValueCounts
}

func (w *writer) valueCounts() *verify.ValueCounts {
	if w.counts == nil || w.tp == nil {
		return nil
	}
	return w.counts.valueCounts(w.tp.Target.Name)
}

// countValues counts a migrated record's values for the value equations:
// the source values it feeds each receiving column (from its source row,
// Outcome.SourceNonNull), the values made without one, and of the source
// values, those a declared rule made NULL or that were lost.
func (w *writer) countValues(o mappings.Outcome) error {
	vc := w.valueCounts()
	if vc == nil || vc.NotCounted != "" {
		return nil
	}
	if o.SourceNonNull == nil {
		return fmt.Errorf("verify: a migrated record of %s without its source values counted (a defect of verify: please report it)", w.tp.Source.Name)
	}
	if err := vc.Add(o.Row, o.SourceNonNull); err != nil {
		return err
	}
	t := w.tp.Target
	for _, n := range o.Nulled {
		if i := t.ColumnIndex(n.Column); i >= 0 && o.SourceNonNull[i] {
			vc.Null(i, n.Rule)
		}
	}
	for _, n := range o.Lost {
		if i := t.ColumnIndex(n.Column); i >= 0 {
			vc.Lose(i)
		}
	}
	return nil
}

// checkTarget turns a migrated row the receiving dialect cannot hold
// (what Type.Fit allows but, say, MariaDB does not) into an archived
// record naming the column and the rule, before it can fail a batch.
func (w *writer) checkTarget(o mappings.Outcome) mappings.Outcome {
	if w.check == nil {
		return o
	}
	t := w.tp.Target
	if w.checkCols == nil {
		w.checkCols = connectors.ValueCheckedColumns(w.check, t.Columns)
	}
	for _, i := range w.checkCols {
		if i >= len(o.Row) {
			break // a short row: the writer refuses its width
		}
		if err := w.check.CheckValue(&t.Columns[i], o.Row[i]); err != nil {
			reason, detail := "target_rejects", err.Error()
			var fe *connectors.FitError
			if errors.As(err, &fe) {
				reason, detail = string(fe.Rule), fe.Detail
			}
			return mappings.Outcome{Kind: mappings.Archived, Reason: reason, Column: t.Columns[i].Name,
				Detail: w.sink.Dialect().Name() + " cannot hold this value: " + detail}
		}
	}
	return o
}

// table moves one source table: through its program, or, with none,
// into the archive whole (or counted as an opt-out or erasure list).
func (w *writer) table(t *connectors.Table) error {
	r := w.r
	total := t.RowEstimate
	if total < 0 {
		if n, err := w.snap.Count(w.ctx, t.Name); err == nil {
			total = n
		}
	}
	r.opts.Progress.Table(t.Name, total)
	defer r.opts.Progress.TableDone()

	opts := connectors.ScanOptions{BatchSize: r.batch}
	target, keyIdx := "", primaryKeyIndex(t)
	listReason := ""
	if w.tp == nil {
		listReason = r.plan.listTableReason(t.Name)
	}
	switch {
	case w.tp != nil:
		// Read in the processing order (order_by, then the key); each
		// record keeps its own key (keyIdx) in outcomes and the archive,
		// and the resume position (w.at) is a value of the processing order.
		opts.Key, target, keyIdx = w.tp.ScanKey, w.tp.Target.Name, w.tp.KeyIndex
	case listReason != "":
	default:
		r.log.Warn("source table has no mapping: archiving all its records", "table", t.Name, "reason", ReasonTableNotMapped)
		if len(t.PrimaryKey) == 0 {
			return fmt.Errorf("source table %s has no mapping and no primary key: map it, or give it a key in a mapping so it can be read in order", t.Name)
		}
	}
	tl := w.ledger.Table(t.Name, target)
	w.at.keyIdx = scanKeyIndex(t, opts.Key)
	var err error
	if w.tp == nil {
		opts.After, err = w.r.units.wholeTableResumeAt(w.unit)
	} else {
		opts.After, err = w.r.units.resumeAt(w.unit, false)
	}
	if err != nil {
		return err
	}
	rows, err := w.openRows(t, opts)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		row := rows.Row()
		var o mappings.Outcome
		switch {
		case w.tp != nil:
			if o, err = w.follow(row, w.tp.ApplyKept(row)); err != nil {
				return err
			}
		case listReason != "":
			o = mappings.Outcome{Kind: mappings.Excluded, Reason: listReason}
		default:
			o = mappings.Outcome{Kind: mappings.Archived, Reason: ReasonTableNotMapped}
		}
		if o, err = w.accessOutcome(t, row, o); err != nil {
			return err
		}
		if o, err = w.claimKey(o, t, row, keyIdx); err != nil {
			return err
		}
		if err := w.record(t, tl, row, keyIdx, o); err != nil {
			return err
		}
		w.at.row = row
		if w.replay != nil && w.replay.reached(row, w.at.keyIdx) {
			w.endReplay()
			tl = w.ledger.Table(t.Name, target)
		}
		if err := w.maybeFlush(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", t.Name, err)
	}
	return w.finish()
}

// openRows reads a source table, or the select: standing for it.
func (w *writer) openRows(t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	var q connectors.Querier
	if w.tp != nil && w.tp.Select != "" {
		var err error
		if q, err = querierOf(w.snap); err != nil {
			return nil, err
		}
	}
	// Named for the stall watchdog: a select: query names no table.
	ctx := wrap.WithTable(w.ctx, t.Name)
	rows, err := readAhead(ctx, w.r.batch, func(ctx context.Context) (connectors.Rows, error) {
		if q != nil {
			return q.ScanQuery(ctx, w.tp.Select, t.Columns, opts)
		}
		return w.snap.Scan(ctx, t, opts)
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.Name, err)
	}
	return w.prefetched(checkOrderValues(checkKeyOrder(rows, w.tp), w.tp)), nil
}

// follow gives a record the outcome its declared parent and its
// table's duplicates rule allow.
func (w *writer) follow(row []connectors.Value, o mappings.Outcome) (mappings.Outcome, error) {
	if w.links == nil {
		return o, nil
	}
	o, err := w.followParent(row, o)
	if err != nil || w.dups == nil {
		return o, err
	}
	return w.dups.decide(w.ctx, row, o)
}

// entities moves a form store: the entities table and the values table,
// both read in entity order in one pass, each entity with its values.
// Memory holds one entity's values at a time.
func (w *writer) entities() error {
	e := w.tp.EAV
	r := w.r
	// The records counted are the entities' and the values' both, so the
	// total is too.
	total := w.rowTotal(e.Entities)
	if n := w.rowTotal(e.Values); total >= 0 && n >= 0 {
		total += n
	} else {
		total = -1
	}
	r.opts.Progress.Table(e.Entities.Name+" + "+e.Values.Name, total)
	defer r.opts.Progress.TableDone()

	etl := w.ledger.Table(e.Entities.Name, w.tp.Target.Name)
	vtl := w.ledger.Table(e.Values.Name, w.tp.Target.Name)
	entsAfter, err := w.r.units.resumeAt(w.unit, false)
	if err != nil {
		return err
	}
	valsAfter, err := w.r.units.resumeAt(w.unit, true)
	if err != nil {
		return err
	}
	w.at.keyIdx = scanKeyIndex(e.Entities, nil)
	w.at.valueKeyIdx = scanKeyIndex(e.Values, e.ValuesKey)
	// Read ahead in a goroutine of its own, beside the values' (a
	// streamed scan reads in one too): the locked snapshot runs their
	// queries in turn.
	ents, err := readAhead(w.ctx, r.batch, func(ctx context.Context) (connectors.Rows, error) {
		return w.snap.Scan(ctx, e.Entities, connectors.ScanOptions{BatchSize: r.batch, After: entsAfter})
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", e.Entities.Name, err)
	}
	ents = w.prefetched(ents)
	defer ents.Close()
	vals, err := w.snap.Scan(w.ctx, e.Values, connectors.ScanOptions{BatchSize: r.batch, Key: e.ValuesKey, After: valsAfter})
	if err != nil {
		return fmt.Errorf("read %s: %w", e.Values.Name, err)
	}
	defer vals.Close()

	vs := &valueStream{rows: vals, table: e.Values, entity: e.Entity}
	entKey := []int{e.EntityKey}
	fw := newFoldWindow(&e.Entities.Columns[e.EntityKey], &e.Values.Columns[e.Entity])
	recordOrphan := func(v []connectors.Value, o mappings.Outcome) error {
		return w.record(e.Values, vtl, v, e.ValuesKeyIndex, o)
	}
	// orphan takes a value row whose entity id matches no entity byte
	// for byte, to be decided with the other rows of its id.
	orphan := func(v []connectors.Value) error {
		if fw.orphan(v) {
			return fw.decide(w, true, recordOrphan)
		}
		return nil
	}
	var group [][]connectors.Value
	var prevID connectors.Value
	// A batch is batch_size entities (target rows, one COPY and commit
	// each), not batch_size source records: counting the value records
	// too made batches of about batch_size/8 rows. maxRecordsPerEntity
	// bounds a commit unit of entities with many values (or orphans).
	const maxRecordsPerEntity = 64
	entities := 0
	for ents.Next() {
		entity := copyRow(ents.Row())
		id := entity[e.EntityKey]
		// The merge with the values needs the entities in the order Go
		// compares ids, strictly: a database collation that orders text
		// ids otherwise (case-blind, accent-blind) would make a later
		// entity's values look like orphans. Checked, not assumed, as the
		// values' order is.
		if prevID != nil {
			if c, ok := mappings.Compare(prevID, id); !ok || c >= 0 {
				return fmt.Errorf("entities table %s is not in entity order as regflytt compares ids (an id follows one it does not sort after): entity ids must be integers or binary-collated text%s", e.Entities.Name, orderedBy(&e.Entities.Columns[e.EntityKey]))
			}
		}
		prevID = id
		// Values of ids below this entity's have no entity: orphans.
		group = group[:0]
		for {
			v, c, err := vs.peek(id)
			if err != nil {
				return err
			}
			if v == nil || c > 0 {
				break
			}
			vs.take()
			if c < 0 {
				if err := orphan(v); err != nil {
					return err
				}
				continue
			}
			group = append(group, v)
		}
		eo := w.tp.ApplyEntity(entity, group)
		// The parent first: a record its parent takes out of the
		// target claims no receiving key.
		if w.links != nil {
			if eo, err = w.followParentEntity(entity, group, eo); err != nil {
				return err
			}
		}
		if err := w.claimEntity(&eo, entity, group, entKey); err != nil {
			return err
		}
		if err := w.record(e.Entities, etl, entity, entKey, eo.Entity); err != nil {
			return err
		}
		for i, v := range group {
			vo := eo.Values[i]
			vo.Row = nil
			if err := w.record(e.Values, vtl, v, e.ValuesKeyIndex, vo); err != nil {
				return err
			}
		}
		// The orphans met since the last entity with value rows are
		// decided at the next one: their entity, to the source, is among
		// those (eavfold.go).
		if err := fw.add(id, eo.Entity); err != nil {
			return fmt.Errorf("values table %s: %w", e.Values.Name, err)
		}
		if len(group) > 0 {
			if err := fw.decide(w, false, recordOrphan); err != nil {
				return err
			}
			if err := fw.restart(id, eo.Entity); err != nil {
				return fmt.Errorf("values table %s: %w", e.Values.Name, err)
			}
		}
		w.at.row, w.at.valueRow = entity, vs.last
		if w.replay != nil && w.replay.reached(entity, w.at.keyIdx) {
			w.endReplay()
			etl = w.ledger.Table(e.Entities.Name, w.tp.Target.Name)
			vtl = w.ledger.Table(e.Values.Name, w.tp.Target.Name)
		}
		// Not while orphans wait: the position would pass them. Nor
		// while the next value row folds to a form of the window: it is
		// decided against that form, which a run resumed from here would
		// no longer hold (it archived an opted-out patient's value as an
		// orphan).
		if entities++; !fw.pending() && (entities >= r.batch || w.pending >= r.batch*maxRecordsPerEntity) {
			back, err := fw.foldsBack(vs, e.Entity)
			if err != nil {
				return err
			}
			if !back {
				if err := w.flush(); err != nil {
					return err
				}
				entities = 0
			}
		}
	}
	if err := ents.Err(); err != nil {
		return fmt.Errorf("read %s: %w", e.Entities.Name, err)
	}
	// What is left has no entity.
	for {
		v, _, err := vs.peek(nil)
		if err != nil {
			return err
		}
		if v == nil {
			break
		}
		vs.take()
		if err := orphan(v); err != nil {
			return err
		}
	}
	if err := fw.decide(w, false, recordOrphan); err != nil {
		return err
	}
	return w.finish()
}

// rowTotal is a table's row estimate, or its count where there is none;
// -1 when neither is known.
func (w *writer) rowTotal(t *connectors.Table) int64 {
	if t.RowEstimate >= 0 {
		return t.RowEstimate
	}
	if n, err := w.snap.Count(w.ctx, t.Name); err == nil {
		return n
	}
	return -1
}

// valueStream reads a values table one row ahead, so that the rows of one
// entity can be taken while the next entity's stay.
type valueStream struct {
	rows   connectors.Rows
	table  *connectors.Table
	entity int
	next   []connectors.Value
	last   []connectors.Value
	prev   connectors.Value
	done   bool
}

// peek returns the next value row and how its entity compares with id
// (-1 below, 0 equal, 1 above), or nil at the end. With id nil the
// comparison is 0.
func (s *valueStream) peek(id connectors.Value) ([]connectors.Value, int, error) {
	if s.next == nil && !s.done {
		if s.rows.Next() {
			s.next = copyRow(s.rows.Row())
			cur := s.next[s.entity]
			if cur == nil {
				// Found before writing where the source counts (see
				// checkValueEntities); a reader that cannot stops here.
				return nil, 0, noEntityError(s.table, s.entity, 0)
			}
			// The merge needs both tables in one order; a database
			// collation that orders text ids differently from Go would
			// silently misplace values, so it is checked, not assumed.
			if s.prev != nil {
				if c, ok := mappings.Compare(s.prev, cur); !ok || c > 0 {
					return nil, 0, fmt.Errorf("values table %s is not in entity order as regflytt compares ids; entity ids must be integers or binary-collated text%s", s.table.Name, orderedBy(&s.table.Columns[s.entity]))
				}
			}
			s.prev = cur
		} else {
			if err := s.rows.Err(); err != nil {
				return nil, 0, fmt.Errorf("read %s: %w", s.table.Name, err)
			}
			s.done = true
		}
	}
	if s.next == nil {
		return nil, 0, nil
	}
	if id == nil {
		return s.next, 0, nil
	}
	c, ok := mappings.Compare(s.next[s.entity], id)
	if !ok {
		return nil, 0, fmt.Errorf("values table %s: an entity id cannot be compared with the entities table's key (different types)", s.table.Name)
	}
	return s.next, c, nil
}

// orderedBy names a text id column and its collation, which orders it
// (a PostgreSQL database's default or an ICU one orders 'a' before 'B'
// and 'é' before 'f'; bytes the other way round), for the order errors.
func orderedBy(c *connectors.Column) string {
	if c.Type.Kind != connectors.KindText {
		return ""
	}
	coll := c.Collation
	if coll == "" {
		coll = "not named"
	}
	return fmt.Sprintf(" (column %s is text under collation %s: give it a byte-wise collation, COLLATE \"C\" on PostgreSQL, utf8mb4_bin on MariaDB, or read the store from a copy that has one)", c.Name, coll)
}

// noEntityError refuses the n value rows of a values table (n 0: one met
// while reading) whose entity id, at column entity, is NULL: such a row
// belongs to no form, and no keyset position can stand after it, so it
// can be neither merged with its form nor archived as an orphan and
// resumed past. It names the table and the column, never a value.
func noEntityError(t *connectors.Table, entity int, n int64) error {
	rows := "a value row names"
	switch {
	case n == 1:
		rows = "1 value row names"
	case n > 1:
		rows = fmt.Sprintf("%d value rows name", n)
	}
	return fmt.Errorf("values table %s: %s no entity (its column %s is NULL): a value row belongs to the form its entity id names, and one without cannot be migrated, nor archived as an orphan in an order a run can resume from; give such rows their form's id in the source, or leave them out of the copy regflytt reads", t.Name, rows, t.Columns[entity].Name)
}

// take consumes the row peek returned; last keeps it, for the
// checkpoint's position.
func (s *valueStream) take() { s.last, s.next = s.next, nil }

func copyRow(row []connectors.Value) []connectors.Value {
	return append([]connectors.Value(nil), row...)
}

// merge writes the merged rows of a merge program and accounts for every
// candidate record: migrated (merged), archived (merge_conflict,
// key_spelling), or excluded with an excluded record of its registration.
func (w *writer) merge(m *mappings.MergeProgram) error {
	w.r.opts.Progress.Table(m.Target.Name+" (merge)", -1)
	defer w.r.opts.Progress.TableDone()
	// A merge's position is the merge key of its last group: a resumed
	// run replays the groups up to it (replay.go).
	w.at.keyIdx = []int{0}
	err := w.spill.groups(w.ctx, m, func(mkey []byte, group []candidate) error {
		group, excluded, marked := excludedIn(group)
		group, held := heldIn(group)
		cands := make([]mappings.Candidate, len(group))
		for i, c := range group {
			cands[i] = mappings.Candidate{Member: c.member, Row: c.target}
		}
		var outs []mappings.Outcome
		if marked {
			// A record of the registration was excluded: the others are
			// the same patient's, and go nowhere either.
			outs = make([]mappings.Outcome, len(group))
			for i := range outs {
				outs[i] = mappings.Outcome{Kind: mappings.Excluded, Reason: excluded}
			}
		}
		// A record of the registration whose person was asked of the
		// lists checks the others, as an excluded one would have
		// excluded them: those without a number of their own count as
		// unchecked only when none was. A held record archived for a
		// number that could not be read was asked of nothing.
		checked := false
		for _, c := range slices.Concat(group, held) {
			checked = checked || matchedAgainstLists(m.Members[c.member]) && !slices.Contains(c.notes.Warnings, mappings.WarnPersonNotChecked) && !c.notes.PersonUnread
		}
		if !marked && len(group) > 0 {
			var row []connectors.Value
			row, outs = m.Merge(cands)
			w.out = append(w.out, row)
			for i := range outs {
				if outs[i].Kind == mappings.Migrated {
					outs[i].Row = row
				}
			}
		}
		for i, c := range group {
			tp := m.Members[c.member]
			tl := w.ledger.Table(tp.Source.Name, tp.Target.Name)
			o := outs[i]
			w.merged = true
			unit, err := w.classify(tp, tp.Source, tl, c.source, o)
			w.merged = false
			if err != nil {
				return err
			}
			if !checked && slices.Contains(c.notes.Warnings, mappings.WarnPersonNotChecked) {
				notChecked(tl, o.Kind) // an excluded record is not counted
			}
			switch o.Kind {
			case mappings.Migrated:
				tl.Migrate()
				if err := w.values(tp.Source, tl, c.key, c.notes, unit); err != nil {
					return err
				}
				continue
			case mappings.Excluded:
				tl.Exclude(o.Reason)
				continue
			}
			rec := archivedRecord(c.key, c.source, o, unit)
			if err := w.arc.Add(tp.Source, rec); err != nil {
				return err
			}
			tl.Archive(o.Reason)
		}
		// The records their mappings archived: archived as they said,
		// or excluded with the registration.
		for _, c := range held {
			tp := m.Members[c.member]
			tl := w.ledger.Table(tp.Source.Name, tp.Target.Name)
			o := *c.archived
			if marked {
				o = mappings.Outcome{Kind: mappings.Excluded, Reason: excluded}
			}
			unit, err := w.classify(tp, tp.Source, tl, c.source, o)
			if err != nil {
				return err
			}
			if !checked && slices.Contains(c.notes.Warnings, mappings.WarnPersonNotChecked) {
				notChecked(tl, o.Kind)
			}
			if o.Kind == mappings.Excluded {
				tl.Exclude(o.Reason)
				continue
			}
			o.Warnings = nil // counted when the record was read
			if err := w.arc.Add(tp.Source, archivedRecord(c.key, c.source, o, unit)); err != nil {
				return err
			}
			tl.Archive(o.Reason)
		}
		w.at.row = []connectors.Value{mkey}
		if w.replay != nil && w.replay.reached(w.at.row, w.at.keyIdx) {
			w.endReplay()
		}
		if len(w.out) >= w.r.batch {
			return w.flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return w.finish()
}

// heldIn takes the records their mappings archived (spill.hold) out of a
// registration's group.
func heldIn(group []candidate) (cands, held []candidate) {
	cands = group[:0:0]
	for _, c := range group {
		if c.archived != nil {
			held = append(held, c)
		} else {
			cands = append(cands, c)
		}
	}
	return cands, held
}

// excludedIn takes the marks of excluded records (spill.exclude) out of a
// registration's group, and gives the reason of the first and whether
// there was one.
func excludedIn(group []candidate) ([]candidate, string, bool) {
	reason, marked := "", false
	out := group[:0]
	for _, c := range group {
		if c.mark {
			if !marked {
				reason, marked = c.excluded, true
			}
			continue
		}
		out = append(out, c)
	}
	return out, reason, marked
}

// archivedRecord is the archive's record of a source row the mapping
// archived (o), under its key and reporting unit: one place, so that a
// merge's members are archived with every field a table's records are
// (the source column was left out of theirs).
func archivedRecord(key, row []connectors.Value, o mappings.Outcome, unit string) archive.Record {
	return archive.Record{Key: key, Reason: o.Reason, Column: o.Column, SourceColumn: o.SourceColumn, Detail: o.Detail, Values: row, CareUnit: unit}
}

// classify tells the table's ledger which control groups (groups.go) and
// which reporting unit (units.go) the record about to be counted belongs
// to, and gives the unit.
func (w *writer) classify(tp *mappings.TableProgram, t *connectors.Table, tl *verify.TableLedger, row []connectors.Value, o mappings.Outcome) (string, error) {
	if err := w.groupsOf(t, tl, row); err != nil {
		return "", err
	}
	return w.unitOf(tp, t, tl, row, o)
}

// safeKey names a source record by its key for a message: each key column
// with its value as mappings.SafeCode shows it (an identity number in a
// key is shown by its shape).
func safeKey(t *connectors.Table, keyIdx []int, row []connectors.Value) string {
	parts := make([]string, len(keyIdx))
	for i, j := range keyIdx {
		s, ok := connectors.FormatValue(row[j])
		if ok {
			s = mappings.SafeCode(s)
		} else {
			s = "NULL"
		}
		parts[i] = t.Columns[j].Name + "=" + s
	}
	return strings.Join(parts, ", ")
}
