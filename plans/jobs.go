package plans

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// Jobs: the receiving tables that do not depend on each other are moved
// at the same time, up to run --jobs (or run: {jobs: N} in the plan).
//
// A run's work is a list of units in one order (moveUnits): the programs
// parents first, then the merges, then the source tables no mapping
// reads. Units that share something are joined into one group and move
// one after another in that order, as a run of one job moves them:
//
//   - a program and its declared parent (parent:): a child's outcome
//     follows its parent's, and the parents' outcomes are kept per group;
//   - programs writing one receiving table (merges, duplicate_key claims
//     on a shared table): the first record to claim a key wins;
//   - programs reading one source table: a source table has one ledger.
//
// Each group has its own mapping programs (a program belongs to one
// group), its own ledger, parents' outcomes, duplicates' decisions,
// receiving keys and merge spill; its jobs read the one source snapshot
// in turn (its lock), so that every table is read in the same consistent
// snapshot, while mapping runs side by side. The batches of every group
// are committed by the one writer of the commit units, in the order they
// were handed over, so that each checkpoint describes exactly the batches
// committed up to it: the checkpoint lists the units in progress, each
// with its position, and its ledger is every group's ledger as of that
// group's last batch handed over. The archive package is assembled from
// the parts in the units' order (replayPartsInOrder), and the ledger's
// tables are put in that order too, so a run of several jobs gives the
// same package and report as a run of one.

// JobProgress is a Progress that can draw several tables at once: Job
// gives the Progress of job n (0 ≤ n < jobs), whose calls come from that
// job's goroutine. A Progress that is not one gets the calls of all jobs,
// one at a time.
type JobProgress interface {
	Progress
	Job(n int) Progress
}

// maxJobs bounds run --jobs: each job holds about three batches in
// memory, and the source is read in one snapshot in turn.
const maxJobs = 64

// jobs is how many groups of units the run moves at the same time.
func (r *runner) jobs() int {
	n := r.opts.Jobs
	if n <= 0 {
		n = r.plan.Jobs
	}
	if n <= 0 {
		n = 1
	}
	return n
}

// moveUnit is one unit of a run: a program, a merge or a source table no
// mapping reads.
type moveUnit struct {
	name  string
	tp    *mappings.TableProgram
	merge *mappings.MergeProgram
	table *connectors.Table
}

// sources names the source tables a unit reads (and keeps a ledger of).
func (u *moveUnit) sources() []string {
	switch {
	case u.tp != nil && u.tp.EAV != nil:
		return []string{u.tp.EAV.Entities.Name, u.tp.EAV.Values.Name}
	case u.tp != nil:
		return []string{u.tp.Source.Name}
	case u.merge != nil:
		var out []string
		for _, m := range u.merge.Members {
			out = append(out, m.Source.Name)
		}
		return out
	default:
		return []string{u.table.Name}
	}
}

// target names the receiving table a unit writes, "" for none.
func (u *moveUnit) target() string {
	switch {
	case u.tp != nil:
		return u.tp.Target.Name
	case u.merge != nil:
		return u.merge.Target.Name
	}
	return ""
}

// describe names a unit in an error.
func (u *moveUnit) describe() string {
	switch {
	case u.merge != nil:
		return "merging into receiving table " + u.merge.Target.Name
	case u.tp != nil && u.tp.EAV != nil:
		return "moving " + u.tp.EAV.Entities.Name + " + " + u.tp.EAV.Values.Name + " into receiving table " + u.tp.Target.Name
	case u.tp != nil:
		return "moving " + u.tp.Source.Name + " into receiving table " + u.tp.Target.Name
	default:
		return "archiving source table " + u.table.Name
	}
}

// moveUnits lists a run's units in the order one job moves them.
func moveUnits(s *session) []moveUnit {
	var units []moveUnit
	merges := map[*mappings.MergeProgram]bool{}
	var mergeOrder []*mappings.MergeProgram
	// Parents first: a child's outcome follows its parent's.
	for _, tp := range s.prog.InParentOrder() {
		if tp.Merge != nil && !merges[tp.Merge] {
			merges[tp.Merge] = true
			mergeOrder = append(mergeOrder, tp.Merge)
		}
		units = append(units, moveUnit{name: "program:" + tp.Target.Name + "<-" + tp.Source.Name, tp: tp})
	}
	for _, m := range mergeOrder {
		units = append(units, moveUnit{name: "merge:" + m.Target.Name, merge: m})
	}
	consumed := readByPrograms(s.prog)
	for i := range s.catalog {
		if !consumed[s.catalog[i].Name] {
			units = append(units, moveUnit{name: "table:" + s.catalog[i].Name, table: &s.catalog[i]})
		}
	}
	return units
}

// unitOrder ranks the units and the source tables (by the first unit
// that reads each) in the order one job moves them.
type unitOrder struct {
	units, tables map[string]int
}

func orderOf(units []moveUnit) *unitOrder {
	o := &unitOrder{units: map[string]int{}, tables: map[string]int{}}
	for i := range units {
		o.units[units[i].name] = i
		for _, t := range units[i].sources() {
			if _, ok := o.tables[t]; !ok {
				o.tables[t] = i
			}
		}
	}
	return o
}

// unit ranks a unit by name; one it does not know comes last.
func (o *unitOrder) unit(name string) int {
	if i, ok := o.units[name]; ok {
		return i
	}
	return len(o.units)
}

func (o *unitOrder) table(name string) int {
	if i, ok := o.tables[name]; ok {
		return i
	}
	return len(o.units)
}

// sortTables puts a ledger's tables in the order one job adds them.
func (o *unitOrder) sortTables(tables []*verify.TableLedger) {
	sort.SliceStable(tables, func(i, j int) bool { return o.table(tables[i].Source) < o.table(tables[j].Source) })
}

// unitGroup is units that move one after another, in order.
type unitGroup struct {
	units []moveUnit
	// ledger is the group's share of the run's ledger.
	ledger *verify.Ledger
	// snap is the group's ledger as of its last batch handed over: its
	// tables as JSON, ranked, and its written counts.
	snap    []rankedJSON
	written map[string]int64
}

type rankedJSON struct {
	rank int
	raw  json.RawMessage
}

// groupUnits joins the units that share a source table, a receiving
// table, or a parent link; the groups are in the order of their first
// units, and each keeps its units in order.
func groupUnits(units []moveUnit) []*unitGroup {
	parent := make([]int, len(units))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	union := func(a, b int) {
		if ra, rb := find(a), find(b); ra != rb {
			if ra < rb {
				parent[rb] = ra
			} else {
				parent[ra] = rb
			}
		}
	}
	bySource, byTarget := map[string]int{}, map[string]int{}
	byProgram := map[*mappings.TableProgram]int{}
	for i := range units {
		if units[i].tp != nil {
			byProgram[units[i].tp] = i
		}
	}
	for i := range units {
		u := &units[i]
		for _, s := range u.sources() {
			if j, ok := bySource[s]; ok {
				union(i, j)
			} else {
				bySource[s] = i
			}
		}
		if t := u.target(); t != "" {
			if j, ok := byTarget[t]; ok {
				union(i, j)
			} else {
				byTarget[t] = i
			}
		}
		if u.tp != nil && u.tp.Parent != nil {
			if j, ok := byProgram[u.tp.Parent.Table]; ok {
				union(i, j)
			}
		}
		if u.merge != nil {
			for _, m := range u.merge.Members {
				if j, ok := byProgram[m]; ok {
					union(i, j)
				}
			}
		}
	}
	var groups []*unitGroup
	at := map[int]*unitGroup{}
	for i := range units {
		root := find(i)
		g := at[root]
		if g == nil {
			g = &unitGroup{}
			at[root] = g
			groups = append(groups, g)
		}
		g.units = append(g.units, units[i])
	}
	return groups
}

// programs are the group's programs, as a program for links.
func (g *unitGroup) programs() *mappings.Program {
	p := &mappings.Program{}
	for _, u := range g.units {
		if u.tp != nil {
			p.Tables = append(p.Tables, u.tp)
		}
	}
	return p
}

// owns says whether the group reads source table name.
func (g *unitGroup) ownsSource(name string) bool {
	for i := range g.units {
		for _, s := range g.units[i].sources() {
			if s == name {
				return true
			}
		}
	}
	return false
}

func (g *unitGroup) ownsTarget(name string) bool {
	for i := range g.units {
		if g.units[i].target() == name {
			return true
		}
	}
	return false
}

// snapshot keeps the group's ledger as it stands: called by the group's
// goroutine as it hands a batch over, when its ledger is still.
func (g *unitGroup) snapshot(o *unitOrder) error {
	snap := make([]rankedJSON, 0, len(g.ledger.Tables))
	for _, t := range g.ledger.Tables {
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		snap = append(snap, rankedJSON{rank: o.table(t.Source), raw: b})
	}
	written := make(map[string]int64, len(g.ledger.Written))
	for k, v := range g.ledger.Written {
		written[k] = v
	}
	g.snap, g.written = snap, written
	return nil
}

// ledgerJSON is a verify.Ledger in its JSON form, made of the groups'
// snapshots.
type ledgerJSON struct {
	Tables  []json.RawMessage `json:"tables"`
	Written map[string]int64  `json:"written"`
}

// checkpointJSON is a checkpoint whose ledger is the groups' snapshots.
type checkpointJSON struct {
	*checkpoint
	Ledger *ledgerJSON `json:"Ledger"`
}

// jobsLedger joins the groups' snapshots (and the tables no group owns)
// into one ledger, its tables in the order one job adds them.
func (u *commitUnits) jobsLedger() *ledgerJSON {
	var all []rankedJSON
	all = append(all, u.jobs.base...)
	l := &ledgerJSON{Written: map[string]int64{}}
	for k, v := range u.jobs.baseWritten {
		l.Written[k] = v
	}
	for _, g := range u.jobs.groups {
		all = append(all, g.snap...)
		for k, v := range g.written {
			l.Written[k] += v
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].rank < all[j].rank })
	l.Tables = make([]json.RawMessage, len(all))
	for i, t := range all {
		l.Tables[i] = t.raw
	}
	return l
}

// jobsState is what the commit units know of the groups of a run of
// several jobs.
type jobsState struct {
	order  *unitOrder
	groups []*unitGroup
	// base are the ledger's tables (and written counts) no group owns:
	// kept as they were resumed.
	base        []rankedJSON
	baseWritten map[string]int64
	// halted says a job failed: the others stop at their next batch.
	halted bool
}

// errHalted stops a job because another failed.
var errHalted = errors.New("stopped because another job failed")

// halt stops every job at its next batch boundary.
func (u *commitUnits) halt() {
	if u == nil {
		return
	}
	u.seqMu.Lock()
	defer u.seqMu.Unlock()
	if u.jobs != nil {
		u.jobs.halted = true
	}
}

// job is the state one group's units share while they move.
type job struct {
	r    *runner
	ctx  context.Context
	snap connectors.Snapshot
	sink rowSink
	arc  archiver
	// parts is where arc keeps the job's archive parts (nil in a dry
	// run): sealed with each batch.
	parts  *parts
	ledger *verify.Ledger
	spill  *spill
	links  *links
	keys   *receivingKeys
	check  connectors.ValueChecker
	// counts takes the source side of verify's value equations (nil in a
	// run).
	counts valueCounter
	group  *unitGroup
}

func (j *job) newWriter(tp *mappings.TableProgram) *writer {
	return &writer{r: j.r, ctx: j.ctx, snap: j.snap, sink: j.sink, arc: j.arc, ledger: j.ledger, tp: tp, spill: j.spill,
		check: j.check, keys: j.keys, links: j.links, counts: j.counts, job: j}
}

// open makes what the group's units need that lives for the group: the
// merge spill and the parents' links.
func (j *job) open(ctx context.Context, prog *mappings.Program) error {
	for _, tp := range prog.Tables {
		if tp.Merge != nil {
			var err error
			if j.spill, err = newSpill(ctx, j.r.scratch); err != nil {
				return err
			}
			break
		}
	}
	if needsLinks(prog) {
		var err error
		if j.links, err = newLinks(ctx, j.r.scratch, prog); err != nil {
			return err
		}
	}
	return nil
}

func (j *job) close() {
	if j.spill != nil {
		j.spill.Close()
	}
	if j.links != nil {
		j.links.Close()
	}
}

// moveUnit moves one unit.
func (j *job) moveUnit(ctx context.Context, mu *moveUnit) error {
	r := j.r
	if j.parts != nil {
		j.parts.unit = mu.name
	}
	switch {
	case mu.tp != nil:
		tp := mu.tp
		w := j.newWriter(tp)
		w.unit = mu.name
		switch skip, all, until := r.units.replaysUnit(w.unit); {
		case skip:
			return nil
		case all:
			w.startReplay(nil)
		case until != nil:
			w.startReplay(until)
		}
		var err error
		if tp.EAV != nil {
			err = w.entities()
		} else {
			err = w.moveTable()
		}
		if err == nil {
			err = j.links.tableDone(ctx, tp)
		}
		return err
	case mu.merge != nil:
		w := j.newWriter(mu.merge.Members[0])
		w.unit = mu.name
		// A merge that finished is not replayed: nothing after it needs
		// what it decided. One in progress is replayed up to its last
		// committed group, after its members were replayed whole.
		switch skip, _, until := r.units.replaysUnit(w.unit); {
		case skip || r.units.done(w.unit):
			return nil
		case until != nil:
			w.startReplay(until)
		}
		return w.merge(mu.merge)
	default:
		w := j.newWriter(nil)
		if w.unit = mu.name; r.units.done(w.unit) {
			return nil
		}
		return w.table(mu.table)
	}
}

// move gives every source record its outcome: programs first (merged
// ones through the spill), then the tables no mapping reads; with
// several jobs, the groups of units that do not depend on each other at
// the same time.
func (r *runner) move(ctx context.Context, s *session, sink rowSink, arc archiver, ledger *verify.Ledger) error {
	defer func() { ledger.Lists = r.listLedgers(s) }()
	r.centuries = newCenturyPairs()
	defer func() {
		ledger.CenturyPairs, ledger.CenturyPairsUnchecked = r.centuries.result()
		r.centuries = nil
	}()
	check, _ := sink.Dialect().(connectors.ValueChecker)
	keys := r.keysOnResume()
	keys.forTarget(sink.Dialect())
	keys.skipInjective(s.prog)
	defer func() { keys.Close(); r.keys = nil }()
	counts, _ := sink.(valueCounter)
	// Read ahead, a table is read in a goroutine of its own: every use of
	// the snapshot meanwhile goes through one lock (pipeline.go).
	snap := lockSnapshot(s.snap)
	units := moveUnits(s)
	n := r.jobs()
	pp, also := splitArchive(arc)
	if r.units == nil || pp == nil {
		// A dry run moves with one job.
		n = 1
	}
	if n == 1 {
		j := &job{r: r, ctx: ctx, snap: snap, sink: sink, arc: arc, parts: pp, ledger: ledger, keys: keys, check: check, counts: counts}
		if err := j.open(ctx, s.prog); err != nil {
			return err
		}
		defer j.close()
		for i := range units {
			if err := j.moveUnit(ctx, &units[i]); err != nil {
				return err
			}
		}
		return nil
	}

	// The care units are read once, before the jobs share them.
	if _, err := r.access(ctx, snap); err != nil {
		return err
	}
	order := orderOf(units)
	groups := groupUnits(units)
	js := &jobsState{order: order, groups: groups, baseWritten: map[string]int64{}}
	// The ledger (a resumed run's) is shared out among the groups.
	for _, g := range groups {
		g.ledger = verify.NewLedger()
	}
	for _, t := range ledger.Tables {
		owner := (*unitGroup)(nil)
		for _, g := range groups {
			if g.ownsSource(t.Source) {
				owner = g
				break
			}
		}
		if owner != nil {
			owner.ledger.Tables = append(owner.ledger.Tables, t)
			continue
		}
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		js.base = append(js.base, rankedJSON{rank: order.table(t.Source), raw: b})
	}
	for name, w := range ledger.Written {
		owner := (*unitGroup)(nil)
		for _, g := range groups {
			if g.ownsTarget(name) {
				owner = g
				break
			}
		}
		if owner != nil {
			owner.ledger.Written[name] = w
		} else {
			js.baseWritten[name] = w
		}
	}
	for _, g := range groups {
		if err := g.snapshot(order); err != nil {
			return err
		}
	}
	r.units.seqMu.Lock()
	r.units.jobs = js
	r.units.seqMu.Unlock()
	defer func() {
		r.units.seqMu.Lock()
		r.units.jobs = nil
		r.units.seqMu.Unlock()
		// The run's ledger is the groups', in the order of one job.
		var tables []*verify.TableLedger
		written := map[string]int64{}
		for k, v := range js.baseWritten {
			written[k] = v
		}
		for _, t := range ledger.Tables {
			if !ownedByAny(groups, t.Source) {
				tables = append(tables, t)
			}
		}
		for _, g := range groups {
			tables = append(tables, g.ledger.Tables...)
			for k, v := range g.ledger.Written {
				written[k] += v
			}
		}
		order.sortTables(tables)
		ledger.Tables, ledger.Written = tables, written
	}()
	if n > len(groups) {
		n = len(groups)
	}
	r.log.Info("moving with jobs", "jobs", n, "groups", jobsNote(groups))
	progress := make([]Progress, n)
	jp, multi := r.opts.Progress.(JobProgress)
	var shared Progress
	if !multi {
		shared = &syncProgress{p: r.opts.Progress}
	}
	for i := range progress {
		if multi {
			progress[i] = jp.Job(i)
		} else {
			progress[i] = shared
		}
	}
	next := make(chan *unitGroup)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		first = causeOf(first, err)
	}
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return first != nil
	}
	if also != nil {
		also = &lockedArchive{a: also}
	}
	for i := 0; i < n; i++ {
		jr := *r
		jr.opts.Progress = progress[i]
		jobParts := pp.job(i + 1)
		var jobArc archiver = jobParts
		if also != nil {
			jobArc = &alsoArchive{archiver: jobParts, also: also}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				for name, t := range jobParts.tables {
					mu.Lock()
					pp.tables[name] = t
					mu.Unlock()
				}
			}()
			defer jobParts.Close()
			for g := range next {
				if failed() {
					continue
				}
				if err := jr.moveGroup(ctx, g, snap, sink, jobArc, jobParts, keys, check); err != nil {
					if !errors.Is(err, errHalted) {
						fail(err)
					}
					r.units.halt()
				}
			}
		}()
	}
	for _, g := range groups {
		if failed() {
			break
		}
		next <- g
	}
	close(next)
	wg.Wait()
	return first
}

// causeOf gives the error a run with jobs reports of two: the first,
// unless it is a consequence of the second — a job whose read found the
// shared snapshot given up (errSnapshotLost) by another job's stopped
// read may report before that job reports why it stopped (a request to
// stop, a failed batch), which is the cause.
func causeOf(first, err error) error {
	if first == nil || errors.Is(first, errSnapshotLost) && !errors.Is(err, errSnapshotLost) {
		return err
	}
	return first
}

func ownedByAny(groups []*unitGroup, source string) bool {
	for _, g := range groups {
		if g.ownsSource(source) {
			return true
		}
	}
	return false
}

// moveGroup moves a group's units in order, with state of its own; r is
// the job's copy of the runner.
func (r *runner) moveGroup(ctx context.Context, g *unitGroup, snap connectors.Snapshot, sink rowSink, arc archiver, pp *parts, all *receivingKeys, check connectors.ValueChecker) error {
	// The receiving keys of the group's tables are the group's alone, and
	// so is its share of the keys kept in memory: each job spills its own
	// beyond it (a resume's preloaded sets come along, spilled runs and all).
	keys := &receivingKeys{tables: map[string]*keySet{}, injective: all.injective, budget: max(all.budget/r.jobs(), 1024), root: all.root}
	for i := range g.units {
		if t := g.units[i].target(); t != "" && all.tables[t] != nil {
			keys.tables[t] = all.tables[t]
			keys.inMemory += len(all.tables[t].seen)
		}
	}
	defer keys.Close()
	r.keys = keys
	j := &job{r: r, ctx: ctx, snap: snap, sink: sink, arc: arc, parts: pp, ledger: g.ledger, keys: keys, check: check, group: g}
	if err := j.open(ctx, g.programs()); err != nil {
		return err
	}
	defer j.close()
	for i := range g.units {
		if err := j.moveUnit(ctx, &g.units[i]); err != nil {
			if errors.Is(err, ErrInterrupted) || errors.Is(err, errHalted) || errors.Is(err, context.Canceled) {
				return err
			}
			return fmt.Errorf("%s: %w", g.units[i].describe(), err)
		}
	}
	return nil
}

// splitArchive finds the parts a run's archiver keeps the batches'
// archive parts in, and what else it tells of each archived record (the
// run's own end check, teeArchive); nil parts in a dry run.
func splitArchive(arc archiver) (*parts, archiver) {
	switch a := arc.(type) {
	case *parts:
		return a, nil
	case *teeArchive:
		if p, ok := a.archiver.(*parts); ok {
			return p, a.exp
		}
	}
	return nil, nil
}

// alsoArchive archives into a job's parts and tells also.
type alsoArchive struct {
	archiver
	also archiver
}

func (a *alsoArchive) Add(t *connectors.Table, rec archive.Record) error {
	if err := a.archiver.Add(t, rec); err != nil {
		return err
	}
	return a.also.Add(t, rec)
}

func (a *alsoArchive) AddValue(t *connectors.Table, v archive.Value) error {
	if err := a.archiver.AddValue(t, v); err != nil {
		return err
	}
	return a.also.AddValue(t, v)
}

// lockedArchive lets the jobs share an archiver that sums what it is told
// (in any order): one call at a time.
type lockedArchive struct {
	mu sync.Mutex
	a  archiver
}

func (l *lockedArchive) Add(t *connectors.Table, rec archive.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.a.Add(t, rec)
}

func (l *lockedArchive) AddValue(t *connectors.Table, v archive.Value) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.a.AddValue(t, v)
}

// syncProgress lets the jobs share a Progress that draws one table at a
// time: their calls are made one at a time.
type syncProgress struct {
	mu sync.Mutex
	p  Progress
}

func (s *syncProgress) Table(name string, total int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.Table(name, total)
}

func (s *syncProgress) Add(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.Add(n)
}

func (s *syncProgress) TableDone() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.p.TableDone()
}

// jobsNote says in the log how a run's units were grouped.
func jobsNote(groups []*unitGroup) string {
	var b strings.Builder
	for i, g := range groups {
		if i > 0 {
			b.WriteString("; ")
		}
		for k, u := range g.units {
			if k > 0 {
				b.WriteString(", ")
			}
			b.WriteString(u.name)
		}
	}
	return b.String()
}
