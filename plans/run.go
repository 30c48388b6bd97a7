package plans

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"time"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// Progress is told how a run advances; the command line draws it. Calls
// come from the goroutine that runs the plan.
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
}

// ReasonTableNotMapped archives every record of a source table that no
// mapping reads: history is kept, never dropped for want of a mapping.
const ReasonTableNotMapped = "table_not_mapped"

// ErrNotAccounted is returned (wrapped) when a run finished but its
// verification failed: not every source record is accounted for.
var ErrNotAccounted = errors.New("not every source record is accounted for")

// Run executes a plan: it reads the source in one read-only snapshot,
// migrates what the mappings can transform, archives the rest, and
// verifies the counts. The report is returned (and written as
// report.json in the work directory) whenever the run got as far as
// verifying, together with ErrNotAccounted when verification failed.
func Run(ctx context.Context, p *Plan, opts Options) (*verify.Report, error) {
	r, err := newRunner(p, opts)
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
}

func newRunner(p *Plan, opts Options) (*runner, error) {
	if opts.Progress == nil {
		opts.Progress = NoProgress{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.WorkDir == "" {
		opts.WorkDir = "."
	}
	r := &runner{plan: p, opts: opts, log: opts.Logger, batch: p.BatchSize}
	if r.batch == 0 {
		r.batch = connectors.DefaultBatchSize
	}
	r.srcURL = firstSet(opts.SourceURL, p.SourceURL.Value)
	r.tgtURL = firstSet(opts.TargetURL, p.TargetURL.Value)
	if r.srcURL == "" {
		return nil, fmt.Errorf("%s: no source: give --source or source.url in the plan", p.File)
	}
	if r.tgtURL == "" {
		return nil, fmt.Errorf("%s: no target: give --target or target.url in the plan", p.File)
	}
	in, ds := p.LoadInputs()
	if err := ds.Err(); err != nil {
		return nil, err
	}
	r.in = in
	return r, nil
}

func firstSet(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (r *runner) run(ctx context.Context) (*verify.Report, error) {
	started := r.opts.Now()
	src, err := all.OpenSource(ctx, r.srcURL)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("source snapshot: %w", err)
	}
	defer snap.Close()
	catalog, err := snap.Tables(ctx)
	if err != nil {
		return nil, fmt.Errorf("source catalogue: %w", err)
	}
	env, err := r.mappingEnv(ctx, snap, catalog)
	if err != nil {
		return nil, err
	}
	prog, ds := mappings.Compile(r.in.Mappings, catalog, r.in.Schema, env)
	for _, d := range ds {
		if d.Severity == mappings.Warning {
			r.log.Warn("mapping", "at", d.Pos.String(), "code", d.Code, "msg", d.Message)
		}
	}
	if err := ds.Err(); err != nil {
		return nil, err
	}

	tgt, err := all.OpenTarget(ctx, r.tgtURL)
	if err != nil {
		return nil, err
	}
	defer tgt.Close()
	if err := tgt.Create(ctx, r.in.Schema.Tables); err != nil {
		return nil, fmt.Errorf("create receiving tables: %w", err)
	}
	if err := r.requireEmpty(ctx, tgt, prog); err != nil {
		return nil, err
	}

	arcDir := r.plan.ArchiveDir.Value
	if !filepath.IsAbs(arcDir) {
		arcDir = filepath.Join(r.opts.WorkDir, arcDir)
	}
	arc, err := archive.Create(arcDir, archive.Meta{
		Register:     r.plan.RegisterID.Value,
		Owner:        r.plan.CPUAFuture.Value,
		SourceSystem: r.plan.SystemCurrent.Value,
		Plan:         r.plan.File,
		ToolVersion:  r.opts.ToolVersion,
	})
	if err != nil {
		return nil, err
	}

	ledger := verify.NewLedger()
	sort.Slice(catalog, func(i, j int) bool { return catalog[i].Name < catalog[j].Name })
	consumed := map[string]bool{}
	var sp *spill
	for _, tp := range prog.Tables {
		if tp.Merge != nil && sp == nil {
			if sp, err = newSpill(ctx); err != nil {
				return nil, err
			}
			defer sp.Close()
		}
	}
	merges := map[*mappings.MergeProgram]bool{}
	var mergeOrder []*mappings.MergeProgram
	for _, tp := range prog.Tables {
		if tp.Merge != nil && !merges[tp.Merge] {
			merges[tp.Merge] = true
			mergeOrder = append(mergeOrder, tp.Merge)
		}
		w := &writer{r: r, ctx: ctx, snap: snap, tgt: tgt, arc: arc, ledger: ledger, tp: tp, spill: sp}
		if tp.EAV != nil {
			err = w.entities()
			consumed[tp.EAV.Entities.Name], consumed[tp.EAV.Values.Name] = true, true
		} else {
			err = w.table(tp.Source)
			consumed[tp.Source.Name] = true
		}
		if err != nil {
			return nil, err
		}
	}
	for _, m := range mergeOrder {
		w := &writer{r: r, ctx: ctx, snap: snap, tgt: tgt, arc: arc, ledger: ledger, tp: m.Members[0], spill: sp}
		if err := w.merge(m); err != nil {
			return nil, err
		}
	}
	for i := range catalog {
		if consumed[catalog[i].Name] {
			continue
		}
		w := &writer{r: r, ctx: ctx, snap: snap, tgt: tgt, arc: arc, ledger: ledger}
		if err := w.table(&catalog[i]); err != nil {
			return nil, err
		}
	}
	if _, err := arc.Close(r.opts.Now()); err != nil {
		return nil, fmt.Errorf("finish archive: %w", err)
	}

	rep := &verify.Report{
		Register:    r.plan.RegisterID.Value,
		Plan:        r.plan.File,
		Source:      redacted(r.srcURL),
		Target:      redacted(r.tgtURL),
		ToolVersion: r.opts.ToolVersion,
		Started:     started.UTC(),
	}
	if err := verify.Counts(ctx, snap, tgt, arcDir, ledger, rep); err != nil {
		return nil, err
	}
	rep.Finished = r.opts.Now().UTC()
	rep.Seconds = rep.Finished.Sub(rep.Started).Seconds()
	var read int64
	for _, t := range ledger.Tables {
		read += t.Read
	}
	if rep.Seconds > 0 {
		rep.RowsPerSecond = float64(read) / rep.Seconds
	}
	if err := rep.WriteJSON(filepath.Join(r.opts.WorkDir, "report.json")); err != nil {
		return rep, err
	}
	if !rep.Pass {
		return rep, ErrNotAccounted
	}
	return rep, nil
}

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
// some: the counts could not prove anything then. Resuming an interrupted
// run is a later feature; until then, start from empty tables.
func (r *runner) requireEmpty(ctx context.Context, tgt connectors.Target, prog *mappings.Program) error {
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer snap.Close()
	seen := map[string]bool{}
	for _, tp := range prog.Tables {
		if seen[tp.Target.Name] {
			continue
		}
		seen[tp.Target.Name] = true
		n, err := snap.Count(ctx, tp.Target.Name)
		if err != nil {
			return fmt.Errorf("target: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("receiving table %s already holds %d rows: regflytt migrates into empty tables (use a fresh database, or empty the table after checking what it holds)", tp.Target.Name, n)
		}
	}
	return nil
}

func (r *runner) write(ctx context.Context, tgt connectors.Target, t *connectors.Table, rows [][]connectors.Value) error {
	tx, err := tgt.Begin(ctx)
	if err != nil {
		return fmt.Errorf("write %s: %w", t.Name, err)
	}
	if _, err := tx.Write(ctx, t, rows); err != nil {
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
