package plans

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// position is where a writer stands in its source: the key columns of its
// scan and the last row recorded (valid until the next read), for the
// checkpoint of the batch being committed.
type position struct {
	keyIdx, valueKeyIdx []int
	row, valueRow       []connectors.Value
}

// scanKeyIndex gives the positions of a scan's key columns (the table's
// primary key when key is empty).
func scanKeyIndex(t *connectors.Table, key []string) []int {
	if len(key) == 0 {
		key = t.PrimaryKey
	}
	idx := make([]int, len(key))
	for i, k := range key {
		idx[i] = t.ColumnIndex(k)
	}
	return idx
}

func encodeKey(row []connectors.Value, idx []int) ([]byte, error) {
	if row == nil {
		return nil, nil
	}
	return connectors.AppendRow(nil, pick(row, idx))
}

// finish commits a writer's last batch and marks its unit done.
func (w *writer) finish() error {
	if w.replay != nil {
		if w.replay.until != nil {
			return fmt.Errorf("%s: the last key the interrupted run committed is no longer in the source: the source changed since; start over with --restart", w.unit)
		}
		w.out, w.pending = w.out[:0], 0
		return nil
	}
	w.finishing = true
	defer func() { w.finishing = false }()
	return w.flush()
}

// StoppedError is returned when a run stops before it finished, by an
// interrupt or an error, with everything it committed kept: it says how
// far it got and how to go on.
type StoppedError struct {
	// Batches is how many batches have committed, in all runs of the plan.
	Batches int64
	// Plan is the plan file, for the command that resumes.
	Plan string
	// NotResumable says why the run cannot resume ("" when it can).
	NotResumable string
	// Moved says every record was moved and committed before the stop
	// (the checkpoint's stage is moved): what is left is the end of the
	// run, its end check first, which a resume does again.
	Moved bool
	// Restarting says a restart (--restart) stopped before its first
	// batch committed: the receiving tables earlier runs wrote are
	// emptied, or being emptied, and a plain run goes on with the
	// restart.
	Restarting bool
	Err        error
}

func (e *StoppedError) Error() string {
	var b strings.Builder
	b.WriteString(e.Err.Error())
	if e.Moved && e.NotResumable == "" {
		fmt.Fprintf(&b, "\nthe run stopped after its move, every record moved: %d batches committed (each with its rows, archive part and checkpoint); what is left is the end of the run, its end check first. Run `regflytt run %s` again to resume where it stopped, or with --restart to start over: a resume moves nothing again and does the end check again, holding the target and the archive to the source re-read through the mappings", e.Batches, e.Plan)
		return b.String()
	}
	if e.Restarting && e.NotResumable == "" {
		fmt.Fprintf(&b, "\nthe restart stopped before its first batch: the receiving tables earlier runs of this plan wrote are emptied, or were being emptied, and nothing is moved yet. Run `regflytt run %s` again to go on with the restart (it empties them again and starts from the beginning)", e.Plan)
		return b.String()
	}
	fmt.Fprintf(&b, "\nthe run stopped with %d batches committed (each with its rows, archive part and checkpoint); ", e.Batches)
	if e.NotResumable != "" {
		fmt.Fprintf(&b, "it cannot resume because %s: run `regflytt run --restart %s` to start over", e.NotResumable, e.Plan)
	} else {
		fmt.Fprintf(&b, "run `regflytt run %s` again to resume where it stopped, or with --restart to start over", e.Plan)
	}
	return b.String()
}

func (e *StoppedError) Unwrap() error { return e.Err }

// ErrInterrupted is the cause of a run stopped at a batch boundary on
// request (Options.Stop).
var ErrInterrupted = errors.New("interrupted: stopped at a batch boundary")

// commitUnits makes each batch one commit unit: its target rows, its
// archive part (synced first) and its checkpoint.
//
// The run overlaps mapping with writing: the goroutine that reads and
// maps hands each finished batch to a writer goroutine that holds the
// commit unit, and goes on with the next batch meanwhile. A few batches
// wait in the queue at most (unitsPerCommit), so memory stays at a few
// batches a job. The checkpoint is made when the batch is handed over
// (one hand-over at a time: seqMu), so it describes exactly the batches
// up to it; the writer commits them in order, the batches waiting
// together in one transaction with the last one's checkpoint, and a
// failed commit stops the run at the next hand-over.
type commitUnits struct {
	r      *runner
	ctx    context.Context
	bk     *bookkeeping
	parts  *parts
	env    *mappings.Env
	ledger *verify.Ledger
	// seqMu makes the hand-overs one at a time; it guards last and jobs.
	seqMu sync.Mutex
	// last is the checkpoint of the last batch handed over; resume the
	// one the run started from (nil for a fresh run).
	last, resume *checkpoint
	// start is the last checkpoint committed without the writer (the
	// run's first, or the last stage's).
	start *checkpoint
	// jobs is set while several jobs move (jobs.go).
	jobs *jobsState
	// replays says the units committed before the interruption are run
	// again without writing, to rebuild what a run keeps in memory
	// (replay.go); replayFrom is the checkpoint the run resumed from.
	replays    bool
	replayFrom *checkpoint

	queue    chan *pendingUnit
	finished chan struct{}
	// free holds the target-row slices of committed batches, emptied, for
	// the next batches to fill (reuse): a batch's slice is about the same
	// size each time, and growing a new one per batch was a tenth of the
	// bytes a move allocated. Only the slice is reused, never a row.
	free chan [][]connectors.Value
	mu   sync.Mutex
	werr error
	// committed is the last committed checkpoint's row state, for the
	// stop report.
	committed     []byte
	writerStarted bool
	// tap, when set, takes every batch's target rows before they are
	// written: the expected side of the run's own end check (the run
	// stops if a batch fails to commit, and nothing is compared then).
	tap *hashingSink
	// tapMu makes the expected side's hashing one group at a time: the
	// groups in flight would take it side by side, and its sums do not
	// depend on the order.
	tapMu sync.Mutex
}

// pendingUnit is a batch handed to the writer.
type pendingUnit struct {
	seq    int64
	target *connectors.Table
	rows   [][]connectors.Value
	cp     []connectors.Value
	state  []byte
}

// unitsPerCommit bounds the batches one transaction commits together.
// The writer takes the batch waiting in the queue when it turns to the
// next: when the target is the slower side, a batch's transaction costs
// some ten round trips after its rows (begin, the checkpoint, its pruning
// and the predecessor check, the lock check, commit), which a target
// across a network pays in milliseconds each. Committed together, the
// batches pay them once; the rows are the same, each batch's archive
// part is sealed before (commit), and the checkpoint written is the last
// batch's, which describes them all. When the target keeps up, the queue
// is empty and each batch commits alone, as soon as it is handed over.
//
// Two, not more: through a proxy delaying each direction by 0.5 ms, the
// 1M-row benchmark's move took 6.3-6.8 s with two and 5.8-5.9 s with
// four, against 8.6-8.9 s with one; but four needs a longer queue, and
// the rows it holds cost the collector 0.3-0.5 CPU-seconds of 4.1 on
// one machine (three processes on two cores), where the move is bound
// by CPU and the wall time rose with it.
const unitsPerCommit = 2

// commitLanes is how many commit units are in flight at once on a
// target whose transactions may overlap (connectors.OverlappingCommitter):
// one unit's rows are sent on a connection of its own while the unit
// before it finishes its COPY and commits on another. With one, the
// server's backend finished each unit's COPY and committed while the
// runner, its queue full, waited: on two cores shared by the three
// processes, a core idled for a fifth of the move. Two, not more: a unit
// in flight holds its rows, and a third found the cores busy already.
const commitLanes = 2

// lanes is how many commit units may be in flight at once.
func (u *commitUnits) lanes() int {
	oc, ok := u.bk.tgt.Dialect().(connectors.OverlappingCommitter)
	if !ok || !oc.OverlapsCommits() || u.foreignKeysHeld() {
		return 1
	}
	return commitLanes
}

// foreignKeysHeld says whether a receiving table holds a foreign key in
// the target already: declared and made by an earlier run that a run
// started over (--restart) loads again, or by whoever made the tables.
// Its check does not see the rows of a transaction not yet committed
// (PostgreSQL does not wait for them), so a child table's unit sent while
// the unit before it, holding the parents it refers to, commits was
// refused. Tables the run creates get their foreign keys after the load
// (constraints.go). A catalogue that cannot be read says yes: one unit
// at a time is always right.
func (u *commitUnits) foreignKeysHeld() bool {
	snap, err := u.bk.tgt.Snapshot(u.ctx)
	if err != nil {
		return true
	}
	defer snap.Close()
	tables, err := snap.Tables(u.ctx)
	if err != nil {
		return true
	}
	declared := map[string]bool{}
	if u.r.in != nil && u.r.in.Schema != nil {
		for _, t := range u.r.in.Schema.Tables {
			declared[t.Name] = true
		}
	}
	for _, t := range tables {
		if len(t.ForeignKeys) > 0 && (len(declared) == 0 || declared[t.Name]) {
			return true
		}
	}
	return false
}

// errUnitBefore ends a commit unit whose predecessor did not commit: the
// run stops with the predecessor's error, and this unit's rows are
// rolled back, so that the target never holds a unit without the one
// before it.
var errUnitBefore = errors.New("the commit unit before this one did not commit")

// inFlightGroup is the batches one transaction commits, and its place in
// the order of commits.
type inFlightGroup struct {
	units []*pendingUnit
	// prev is the checkpoint the target holds before this group: the
	// last batch of the group before.
	prev int64
	// before is closed once the group before has committed or failed;
	// done is this group's, closed when it has.
	before <-chan struct{}
	done   chan struct{}
}

// startWriter starts the goroutine that hands the batches to commit
// units, each committed by a goroutine of its own, lanes of them at a
// time, in order.
func (u *commitUnits) startWriter() {
	lanes := u.lanes()
	// The queue holds the batches one transaction takes besides the one
	// the writer turns to (unitsPerCommit-1), or one per job when more
	// jobs hand batches over.
	u.queue = make(chan *pendingUnit, max(u.r.jobs(), unitsPerCommit-1))
	u.free = make(chan [][]connectors.Value, cap(u.queue)+lanes*unitsPerCommit)
	u.finished = make(chan struct{})
	u.writerStarted = true
	go func() {
		defer close(u.finished)
		var inFlight sync.WaitGroup
		defer inFlight.Wait()
		// A lane is taken before a batch is, so that the batches waiting
		// are in the queue, bounded, and not held here.
		lane := make(chan struct{}, lanes)
		prev := u.start.Seq
		before := make(chan struct{})
		close(before)
		for {
			lane <- struct{}{}
			p, ok := <-u.queue
			if !ok {
				return
			}
			group := append(make([]*pendingUnit, 0, unitsPerCommit), p)
		waiting:
			for len(group) < unitsPerCommit {
				select {
				case q, ok := <-u.queue:
					if !ok {
						break waiting
					}
					group = append(group, q)
				default:
					break waiting
				}
			}
			if u.err() != nil {
				// The run stops: what is left of the queue is drained.
				<-lane
				continue
			}
			g := &inFlightGroup{units: group, prev: prev, before: before, done: make(chan struct{})}
			prev, before = group[len(group)-1].seq, g.done
			inFlight.Add(1)
			go func() {
				defer inFlight.Done()
				defer func() { <-lane }()
				u.commitInOrder(g)
			}()
		}
	}()
}

// commitInOrder commits a group's batches in one transaction, after the
// group before it (g.before), and closes g.done when it has committed or
// failed.
func (u *commitUnits) commitInOrder(g *inFlightGroup) {
	defer close(g.done)
	writes := make([]tableRows, 0, len(g.units))
	for _, q := range g.units {
		if q.target != nil {
			writes = append(writes, tableRows{q.target, q.rows})
		}
	}
	// The expected side is taken while the target stores the batches:
	// the two read the rows and change none of them, and the target's
	// backend, the run's slowest stage, does not wait for the hashing.
	var tapped chan error
	if u.tap != nil && len(writes) > 0 {
		tapped = make(chan error, 1)
		go func() {
			u.tapMu.Lock()
			defer u.tapMu.Unlock()
			var err error
			for _, w := range writes {
				if err = u.tap.Write(u.ctx, w.t, w.rows); err != nil {
					break
				}
			}
			tapped <- err
		}()
	}
	// Waited for paused: the group before is watched itself, and this
	// one is not stalled while it waits for that one's commit.
	before := func(ctx context.Context) error {
		op := wrap.OpOf(ctx)
		op.Pause(true)
		defer op.Pause(false)
		select {
		case <-g.before:
		case <-ctx.Done():
			return ctx.Err()
		}
		if u.err() != nil {
			return errUnitBefore
		}
		return nil
	}
	last := g.units[len(g.units)-1]
	err := u.bk.commitRow(u.ctx, u.r.opts.Retry, writes, last.cp, last.seq, g.prev, false, before)
	if tapped != nil {
		err = errors.Join(err, <-tapped)
	}
	if err != nil {
		u.mu.Lock()
		// The first failure is the run's: a group after it fails
		// because of it (errUnitBefore).
		if u.werr == nil {
			u.werr = err
		}
		u.mu.Unlock()
		return
	}
	u.mu.Lock()
	u.committed = last.state
	u.mu.Unlock()
	for _, q := range g.units {
		u.recycle(q)
	}
}

// recycle offers a committed batch's row slice for reuse. The tap and the
// target are done with it (Write does not keep its rows argument); the
// rows in it are cleared, so that the slice holds none of them alive.
func (u *commitUnits) recycle(p *pendingUnit) {
	if cap(p.rows) == 0 {
		return
	}
	clear(p.rows)
	select {
	case u.free <- p.rows[:0]:
	default:
	}
	p.rows = nil
}

// reuse gives an empty row slice for a writer's next batch: a committed
// batch's (recycle) when there is one, else nil (append allocates).
func (u *commitUnits) reuse() [][]connectors.Value {
	select {
	case s := <-u.free:
		return s
	default:
		return nil
	}
}

func (u *commitUnits) err() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.werr
}

// drain waits until every batch handed over has committed (or the first
// failure), and stops the writer.
func (u *commitUnits) drain() error {
	if !u.writerStarted {
		return nil
	}
	u.writerStarted = false
	close(u.queue)
	<-u.finished
	return u.err()
}

// lastCommitted is the checkpoint of the last batch that committed.
func (u *commitUnits) lastCommitted() *checkpoint {
	u.mu.Lock()
	state := u.committed
	u.mu.Unlock()
	if state == nil {
		return u.start
	}
	c, err := decodeCheckpoint(state)
	if err != nil {
		return u.start
	}
	return c
}

// done says whether a unit finished in an earlier run.
func (u *commitUnits) done(unit string) bool {
	if u == nil {
		return false
	}
	u.seqMu.Lock()
	defer u.seqMu.Unlock()
	return u.last.done(unit)
}

// resumeAt gives the key to continue a unit's scan after (of its values
// scan with values), nil to start at the beginning.
func (u *commitUnits) resumeAt(unit string, values bool) ([]connectors.Value, error) {
	if u != nil && u.replays {
		// The programs are replayed from their start (replay.go).
		return nil, nil
	}
	return u.committedAt(unit, values)
}

// wholeTableResumeAt gives the key to continue a source table no mapping
// reads after: it feeds nothing a run keeps in memory, so it is never
// replayed, and continues after its last committed key also when the
// programs replay. It started over, and its committed batches were
// archived and counted twice.
func (u *commitUnits) wholeTableResumeAt(unit string) ([]connectors.Value, error) {
	return u.committedAt(unit, false)
}

// committedAt gives the key of a unit's last committed record (of its
// values with values), nil when it has none.
func (u *commitUnits) committedAt(unit string, values bool) ([]connectors.Value, error) {
	if u == nil || u.resume == nil {
		return nil, nil
	}
	at := u.resume.moving(unit)
	if at == nil {
		return nil, nil
	}
	b := at.After
	if values {
		b = at.ValuesAfter
	}
	if b == nil {
		return nil, nil
	}
	key, rest, err := connectors.DecodeRow(b)
	if err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("checkpoint: the resume key of %s is damaged", unit)
	}
	return key, nil
}

// commit hands a writer's pending batch over: archive part synced, then
// rows and checkpoint to the writer goroutine for one transaction.
func (u *commitUnits) commit(w *writer) error {
	u.seqMu.Lock()
	defer u.seqMu.Unlock()
	if err := u.err(); err != nil {
		return err
	}
	if u.jobs != nil && u.jobs.halted {
		return errHalted
	}
	next := *u.last
	next.Seq = u.last.Seq + 1
	next.Stage = stageMoving
	next.Unit, next.After, next.ValuesAfter = "", nil, nil
	if w.finishing {
		next.Done = append(append([]string(nil), u.last.Done...), w.unit)
		next.Moving = u.last.moved(w.unit, nil)
	} else {
		at := unitAt{Unit: w.unit}
		var err error
		if at.After, err = encodeKey(w.at.row, w.at.keyIdx); err != nil {
			return fmt.Errorf("checkpoint key: %w", err)
		}
		if at.ValuesAfter, err = encodeKey(w.at.valueRow, w.at.valueKeyIdx); err != nil {
			return fmt.Errorf("checkpoint key: %w", err)
		}
		next.Moving = u.last.moved(w.unit, &at)
	}
	j := w.job
	var target *connectors.Table
	if w.tp != nil && len(w.out) > 0 {
		target = w.tp.Target
		j.ledger.Written[target.Name] += int64(len(w.out))
	}
	next.Matched = u.r.listMatches(u.env)
	var row []connectors.Value
	var err error
	if u.jobs != nil {
		// The ledger is every group's as of its last hand-over: the
		// others' batches being mapped meanwhile are not in it.
		next.Ledger = u.ledger
		if err := j.group.snapshot(u.jobs.order); err != nil {
			return err
		}
		row, err = u.bk.checkpointRowOf(&next, checkpointJSON{checkpoint: &next, Ledger: u.jobsLedger()}, u.r.opts.Now())
	} else {
		next.Ledger = j.ledger
		row, err = u.bk.checkpointRow(&next, u.r.opts.Now())
	}
	if err != nil {
		return err
	}
	if j.parts == nil {
		return fmt.Errorf("batch %d: no archive part to seal (a bug in the runner)", next.Seq)
	}
	// A disk that hangs (a network file system gone) is warned of as a
	// peer's stall is; nothing can cancel a file's write.
	op := u.r.watch.Observe("archive", fmt.Sprintf("the archive part of batch %d", next.Seq), w.unit)
	err = j.parts.seal(next.Seq)
	op.End()
	if err != nil {
		return err
	}
	p := &pendingUnit{seq: next.Seq, target: target, rows: w.out, cp: row, state: []byte(row[5].(string))}
	select {
	case u.queue <- p:
	case <-u.ctx.Done():
		return u.ctx.Err()
	}
	u.last = &next
	w.r.opts.Progress.Add(w.pending)
	// The rows now belong to the writer.
	w.out, w.pending = u.reuse(), 0
	if u.stopRequested() {
		return ErrInterrupted
	}
	return nil
}

func (u *commitUnits) stopRequested() bool {
	if u.r.opts.Stop == nil {
		return false
	}
	select {
	case <-u.r.opts.Stop:
		return true
	default:
		return false
	}
}

// stage commits a checkpoint without rows: the run moved to stage. The
// writer must be drained first.
func (u *commitUnits) stage(stage string, pass bool) error {
	next := *u.last
	next.Seq++
	next.Stage, next.Pass = stage, pass
	next.Unit, next.After, next.ValuesAfter, next.Moving = "", nil, nil, nil
	next.Ledger = u.ledger
	if err := u.bk.commit(u.ctx, u.r.opts.Retry, nil, nil, &next, u.r.opts.Now()); err != nil {
		return err
	}
	u.last = &next
	u.mu.Lock()
	u.committed = nil
	u.start = &next
	u.mu.Unlock()
	return nil
}

// constrained commits a checkpoint that says the constraints were
// created after the load.
func (u *commitUnits) constrained() error {
	prev := u.last
	c := *prev
	c.Constrained = true
	u.last = &c
	if err := u.stage(stageMoved, false); err != nil {
		u.last = prev
		return err
	}
	return nil
}

// stopReport is report.json of a run that stopped before it finished:
// the report's shape with how far the run got.
type stopReport struct {
	*verify.Report
	Status  string `json:"status"`
	Batches int64  `json:"batches_committed"`
	Resume  string `json:"resume,omitempty"`
	// ResumeRefused says why the last resume of the stopped run was
	// refused (resumeRefused), when one was: Resume then says how to go
	// on instead.
	ResumeRefused string `json:"resume_refused,omitempty"`
	Error         string `json:"error"`
}

// writeStopReport writes report.json for a run that stopped: the ledger
// of what committed, and how to go on.
func (r *runner) writeStopReport(dir string, started time.Time, last *checkpoint, err error) {
	if dir == "" || last == nil {
		return
	}
	rep := &verify.Report{Version: verify.ReportVersion, Register: r.plan.RegisterID.Value, Plan: r.plan.File,
		Source: redacted(r.srcURL), Target: redacted(r.tgtURL), ToolVersion: r.opts.ToolVersion,
		Started: started.UTC(), Finished: r.opts.Now().UTC()}
	// Which version of the plan stopped, as a finished run's report says
	// (a plan that cannot be hashed now leaves it out: the report of a
	// stop is written whatever else failed).
	if h, err := r.plan.Hash(r.in); err == nil {
		rep.PlanHash = h
	}
	if last.Ledger != nil {
		for _, t := range last.Ledger.Tables {
			rep.Tables = append(rep.Tables, verify.TableCheck{TableLedger: *t})
		}
		for t, n := range last.Ledger.Written {
			rep.Targets = append(rep.Targets, verify.TargetCheck{Table: t, Written: n})
		}
	}
	status := "failed"
	if errors.Is(err, ErrInterrupted) || errors.Is(err, context.Canceled) {
		status = "interrupted"
	}
	sr := stopReport{Report: rep, Status: status, Batches: last.Seq, Error: err.Error()}
	if last.NotResumable == "" {
		sr.Resume = "regflytt run " + r.plan.File
	}
	rep.Problems = []string{"the run stopped before it finished: nothing is verified yet"}
	if last.Stage == stageRestarting {
		rep.Problems = append(rep.Problems, "the restart stopped before its first batch: the receiving tables earlier runs of this plan wrote are emptied, or were being emptied; run the plan again to go on with the restart")
	}
	if werr := writeJSONFile(filepath.Join(dir, "report.json"), sr); werr != nil {
		r.log.Warn("could not write report.json", "err", werr)
	}
}

// statusRunning is the status of the report.json a run writes before it
// changes the target: a run killed before it writes its own report (kill
// -9, a power cut) leaves this one, so that the work directory holds no
// earlier run's report, PASS, beside a target this run has changed.
const statusRunning = "running"

// writeRunningReport writes report.json into dir for the run that starts
// now: it names the plan's version and the databases, and says nothing
// is verified. The run's own report replaces it when the run finishes or
// stops.
func (r *runner) writeRunningReport(dir string, started time.Time) error {
	rep := &verify.Report{Version: verify.ReportVersion, Register: r.plan.RegisterID.Value, Plan: r.plan.File,
		Source: redacted(r.srcURL), Target: redacted(r.tgtURL), ToolVersion: r.opts.ToolVersion,
		Started: started.UTC()}
	if h, err := r.plan.Hash(r.in); err == nil {
		rep.PlanHash = h
	}
	rep.Problems = []string{"the run has not finished (it is running, or was killed before it wrote its report): nothing is verified yet; run the plan again to resume"}
	sr := stopReport{Report: rep, Status: statusRunning}
	if err := writeJSONFile(filepath.Join(dir, "report.json"), sr); err != nil {
		return fmt.Errorf("work directory: report.json: %w (nothing was written)", err)
	}
	return nil
}

// moveReportAside renames an earlier run's report.json in dir out of the
// way (never deletes it), before --restart empties the target it
// reports on.
func moveReportAside(dir string, now time.Time) (string, error) {
	from := filepath.Join(dir, "report.json")
	if _, err := os.Stat(from); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	to := from + ".replaced-" + now.UTC().Format("20060102T150405Z")
	if err := os.Rename(from, to); err != nil {
		return "", fmt.Errorf("move the earlier run's report.json aside: %w", err)
	}
	return to, nil
}

// absDir makes a work directory absolute, so that a resume from another
// directory finds it.
func absDir(dir string) (string, error) {
	a, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("work directory: %w", err)
	}
	return a, nil
}

// moveAside renames a directory out of the way (never deletes it): an
// archive package of an earlier run that --restart replaces.
func moveAside(dir string, now time.Time) (string, error) {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	to := dir + ".replaced-" + now.UTC().Format("20060102T150405Z")
	if err := os.Rename(dir, to); err != nil {
		return "", fmt.Errorf("move the earlier archive package aside: %w", err)
	}
	return to, nil
}
