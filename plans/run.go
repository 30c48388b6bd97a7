package plans

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// Progress is told how a run advances; the command line draws it. Calls
// come from the goroutine that runs the plan; with several jobs, from
// each job's goroutine to its own Progress (JobProgress, jobs.go).
type Progress interface {
	// Table says a table starts; total is its row count or -1.
	Table(name string, total int64)
	// Add says n more source records have an outcome.
	Add(n int)
	// TableDone says the current table is finished.
	TableDone()
}

// NoProgress draws nothing.
type NoProgress struct{}

func (NoProgress) Table(string, int64) {}
func (NoProgress) Add(int)             {}
func (NoProgress) TableDone()          {}

// Options are the run's settings that do not belong in the plan file.
type Options struct {
	// SourceURL and TargetURL override the plan's URLs (or env:NAME).
	SourceURL, TargetURL string
	// WorkDir is where the archive and the report are written; default
	// the current directory.
	WorkDir     string
	Progress    Progress
	Logger      *slog.Logger
	ToolVersion string
	// Now is the clock, for reports; default time.Now.
	Now func() time.Time
	// UnitReports, when set, is the directory for one report per
	// reporting unit (units.go).
	UnitReports string
	// Restart starts the plan over: the receiving tables its earlier runs
	// wrote are emptied first. Without it a run resumes where the last
	// one stopped.
	Restart bool
	// Stop, when closed, stops the run at the next batch boundary (a
	// first Ctrl-C); cancelling ctx stops it at once. Either way it can
	// resume.
	Stop <-chan struct{}
	// Moved, when set, is called once every batch has committed (or, on
	// resume, when the move was already done): from then on Stop is not
	// looked at, and what is left (constraints, the archive package, the
	// verification) stops only when ctx is cancelled. The CLI tells a
	// first Ctrl-C so, instead of promising a stop that never comes.
	Moved func()
	// EndCheckReadBack keeps a run's own end check on the target's
	// read-back where the target could sum its rows natively
	// (connectors.NativeSummer): to measure one against the other, and
	// for the tests of the read-back's drill-down.
	EndCheckReadBack bool
	// Jobs is how many groups of receiving tables that do not depend on
	// each other move at the same time (jobs.go); 0 takes the plan's
	// run: {jobs: N}, and without one 1.
	Jobs int
	// Retry is how transient faults are retried; its zero value is the
	// default policy.
	Retry wrap.Policy
	// StallTimeout, when set, overrides the plan's run.stall_timeout: how
	// long an operation on the source or the target (a read, a batch's
	// commit) may go without progress before it is cancelled, its
	// connection taken for lost and retried; a negative one sets none.
	// StallWarning is how long before a stall is warned of (and again
	// while it lasts); 0 means a minute.
	StallTimeout, StallWarning time.Duration
	// NewWorkDir, when set, names the work directory of a run not given
	// one (WorkDir "") that does not resume; WorkDirChosen, when set, is
	// told the work directory once the run has chosen it (a resumed run's
	// is the one it used before).
	NewWorkDir    func() (string, error)
	WorkDirChosen func(dir string)
	// WrapSource and WrapTarget, when set, wrap the connections as they
	// are opened, inside the retry: the seam where tests inject faults.
	WrapSource func(connectors.Source) connectors.Source
	WrapTarget func(connectors.Target) connectors.Target
}

// ReasonTableNotMapped archives every record of a source table that no
// mapping reads: history is kept, never dropped for want of a mapping.
const ReasonTableNotMapped = "table_not_mapped"

// ErrNotAccounted is returned (wrapped) when a run finished but its
// verification failed: not every source record is accounted for.
var ErrNotAccounted = errors.New("not every source record is accounted for")

// VerdictError is ErrNotAccounted saying what failed: the verdict of the
// report it comes with (verify.Report.FailVerdict, verify.Summary's
// Verdict). The bare sentinel's text sent whoever read the terminal
// looking for a lost record when only access (who may see what) failed.
type VerdictError struct{ Verdict string }

func (e *VerdictError) Error() string {
	return "verification FAILED: " + strings.TrimPrefix(e.Verdict, "FAIL: ")
}

// Is makes a VerdictError ErrNotAccounted (exit status 3).
func (e *VerdictError) Is(target error) bool { return target == ErrNotAccounted }

// Run executes a plan: it reads the source in one read-only snapshot,
// migrates what the mappings can transform, archives the rest, and
// verifies the counts. The report is returned (and written as
// report.json in the work directory) whenever the run got as far as
// verifying, together with ErrNotAccounted when verification failed.
func Run(ctx context.Context, p *Plan, opts Options) (*verify.Report, error) {
	r, err := newRunner(p, opts, true)
	if err != nil {
		return nil, err
	}
	return r.run(ctx)
}

type runner struct {
	plan   *Plan
	opts   Options
	log    *slog.Logger
	in     *Inputs
	srcURL string
	tgtURL string
	batch  int
	acc    *accessState // access.go
	// started is when the run began, a resumed run's as its checkpoint
	// records it (zero before the checkpoint is known, and outside a
	// run): the day grants are judged on without run.reference_date.
	started time.Time
	// verifyDay is the day regflytt verify runs on (its clock, before the
	// clock is set to the run's day); zero in a run.
	verifyDay time.Time
	// workGiven says the work directory was chosen for this run (--work),
	// not defaulted; units is nil in a dry run.
	workGiven bool
	units     *commitUnits
	// scratch is the directory of the run's temporary files ("" outside
	// a run: the system's temporary directory).
	scratch string
	// sourceRead are the hashes of the source tables the mappings read
	// besides their records (sourceInputs), made when the environment is
	// loaded; a resume compares them with the interrupted run's.
	sourceRead map[string]inputSum
	// keys are the receiving keys given so far (dupkeys.go).
	keys *receivingKeys
	// centuries finds ten digits read in two centuries during a move
	// (centurypairs.go).
	centuries *centuryPairs
	// watch watches every operation on the source and the target for
	// progress (stall.go).
	watch *wrap.Watchdog
	// checking names the verification under way for the stall
	// warnings ("the end check", "verify"); "" while a run moves.
	checking string
}

// archiveMeta describes the run's archive package; started is when the
// run began (its first attempt, when it resumed).
func (r *runner) archiveMeta(started time.Time, fingerprint string) archive.Meta {
	return archive.Meta{
		Register:        r.plan.RegisterID.Value,
		RegisterName:    r.plan.RegisterName.Value,
		Owner:           r.plan.CPUAFuture.Value,
		FormerOwner:     r.plan.CPUACurrent.Value,
		RCOFormer:       r.plan.RCOCurrent.Value,
		RCO:             r.plan.RCOFuture.Value,
		SourceSystem:    r.plan.SystemCurrent.Value,
		TargetSystem:    r.plan.SystemChosen.Value,
		Plan:            r.plan.File,
		PlanFingerprint: fingerprint,
		Run:             started.UTC().Format("20060102T150405Z"),
		ReferenceDate:   dateOrEmpty(r.plan.ReferenceDate),
		ToolVersion:     r.opts.ToolVersion,
	}
}

// newRunner prepares a run; needTarget is false for what reads only the
// source (dry run, map check).
func newRunner(p *Plan, opts Options, needTarget bool) (*runner, error) {
	if opts.Jobs < 0 || opts.Jobs > maxJobs {
		return nil, fmt.Errorf("--jobs must be from 1 to %d, not %d", maxJobs, opts.Jobs)
	}
	if opts.Progress == nil {
		opts.Progress = NoProgress{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	workGiven := opts.WorkDir != ""
	if opts.WorkDir == "" {
		opts.WorkDir = "."
	}
	r := &runner{plan: p, opts: opts, log: opts.Logger, batch: p.BatchSize, workGiven: workGiven}
	r.watch = r.watchdog()
	// A resume that stops before moving leaves its preloaded keys here.
	defer func() { r.keys.Close() }()
	if r.batch == 0 {
		r.batch = connectors.DefaultBatchSize
	}
	r.srcURL = firstSet(opts.SourceURL, p.SourceURL.Value)
	r.tgtURL = firstSet(opts.TargetURL, p.TargetURL.Value)
	if r.srcURL == "" {
		return nil, fmt.Errorf("%s: no source: give --source or source.url in the plan", p.File)
	}
	if r.tgtURL == "" && needTarget {
		return nil, fmt.Errorf("%s: no target: give --target or target.url in the plan", p.File)
	}
	in, ds := p.LoadInputs()
	if err := ds.Err(); err != nil {
		return nil, err
	}
	r.in = in
	if err := unitReportsPossible(opts.UnitReports, in); err != nil {
		return nil, err
	}
	return r, nil
}

func firstSet(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// session is an open source snapshot with the mappings compiled against
// it: what a run and a dry run share.
type session struct {
	src     connectors.Source
	snap    connectors.Snapshot
	catalog []connectors.Table
	prog    *mappings.Program
	env     *mappings.Env
}

// Close ends the snapshot and closes the source's connections, each
// watched for a stall (wrap.Watchdog.Close): a source that hangs on its
// close is warned of, given up on at the stall limit, and not waited for
// once ctx ends (a second Ctrl-C). The snapshot's end waited for a
// frozen source up to the connector's cleanup bound after it.
func (s *session) Close(ctx context.Context) {
	wrap.CloseContext(ctx, s.snap)
	wrap.CloseContext(ctx, s.src)
}

// open reads the source catalogue in a new snapshot and compiles the
// mappings against it.
func (r *runner) open(ctx context.Context) (*session, error) {
	src, err := all.OpenSource(ctx, r.srcURL)
	if err != nil {
		return nil, err
	}
	if r.opts.WrapSource != nil {
		src = r.opts.WrapSource(src)
	}
	pol := r.opts.Retry
	pol.Reopen = r.plan.SourceFrozen
	if pol.Log == nil {
		pol.Log = r.log
	}
	pol.Watch = r.watch
	src = wrap.Source(src, pol)
	snap, err := src.Snapshot(ctx)
	if err != nil {
		src.Close()
		return nil, fmt.Errorf("source snapshot: %w", err)
	}
	s := &session{src: src, snap: snap}
	if s.catalog, err = snap.Tables(ctx); err != nil {
		s.Close(ctx)
		return nil, fmt.Errorf("source catalogue: %w", err)
	}
	sort.Slice(s.catalog, func(i, j int) bool { return s.catalog[i].Name < s.catalog[j].Name })
	env, err := r.mappingEnv(ctx, snap, s.catalog)
	if err != nil {
		s.Close(ctx)
		return nil, err
	}
	prog, ds := mappings.Compile(r.in.Mappings, s.catalog, r.in.Schema, env)
	for _, d := range ds {
		if d.Severity == mappings.Warning {
			r.log.Warn("mapping", "at", d.Pos.String(), "code", d.Code, "msg", d.Message)
		}
	}
	if err := ds.Err(); err != nil {
		s.Close(ctx)
		return nil, err
	}
	if err := r.checkListTables(prog); err != nil {
		s.Close(ctx)
		return nil, err
	}
	s.prog, s.env = prog, env
	return s, nil
}

func dateOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// rowSink receives the migrated rows of a batch.
type rowSink interface {
	Write(ctx context.Context, t *connectors.Table, rows [][]connectors.Value) error
	// Dialect is the receiving dialect, for its ValueChecker; nil when
	// nothing is written.
	Dialect() connectors.Dialect
}

// archiver receives what cannot be transformed.
type archiver interface {
	Add(t *connectors.Table, r archive.Record) error
	AddValue(t *connectors.Table, v archive.Value) error
}

// targetSink writes batches into the receiving database, one transaction
// each.
type targetSink struct {
	tgt connectors.Target
	r   *runner
}

func (t *targetSink) Write(ctx context.Context, table *connectors.Table, rows [][]connectors.Value) error {
	return t.r.write(ctx, t.tgt, table, rows)
}

func (t *targetSink) Dialect() connectors.Dialect { return t.tgt.Dialect() }

// redacted names a connection for reports: the URL without its password,
// and for env:NAME the variable's name only.
func redacted(url string) string {
	loc, err := connectors.ParseLocation(url)
	if err != nil {
		return "(unparsable connection)"
	}
	return loc.String()
}

// requireEmpty refuses to add rows to receiving tables that already hold
// some: the counts could not prove anything then. Every table the
// receiving schema declares is asked, the ones no mapping fills too (the
// end check holds them to no rows, so a run into one that has some wrote
// every other table before it failed). Only the tables in existing are
// counted; the others are created empty.
func (r *runner) requireEmpty(ctx context.Context, snap connectors.Snapshot, existing map[string]*connectors.Table) error {
	for _, t := range r.in.Schema.Tables {
		if existing[t.Name] == nil {
			continue
		}
		n, err := snap.Count(ctx, t.Name)
		if err != nil {
			return fmt.Errorf("target: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("receiving table %s already holds %d rows: regflytt migrates into empty tables (use a fresh database, or empty the table after checking what it holds; nothing was written)", t.Name, n)
		}
	}
	return nil
}

func (r *runner) write(ctx context.Context, tgt connectors.Target, t *connectors.Table, rows [][]connectors.Value) error {
	tx, err := tgt.Begin(ctx)
	if err != nil {
		return fmt.Errorf("write %s: %w", t.Name, err)
	}
	// Every value was fitted by the mapping and checked by checkTarget:
	// the connector need not check it again (connectors.CheckedWriter).
	if _, err := connectors.WriteChecked(ctx, tx, t, rows); err != nil {
		tx.Rollback()
		return fmt.Errorf("write %s: %w", t.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("write %s: %w", t.Name, err)
	}
	return nil
}

func primaryKeyIndex(t *connectors.Table) []int {
	idx := make([]int, len(t.PrimaryKey))
	for i, k := range t.PrimaryKey {
		idx[i] = t.ColumnIndex(k)
	}
	return idx
}

func pick(row []connectors.Value, idx []int) []connectors.Value {
	out := make([]connectors.Value, len(idx))
	for i, j := range idx {
		if j >= 0 && j < len(row) {
			out[i] = row[j]
		}
	}
	return out
}
