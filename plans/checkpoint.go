package plans

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/mappings"
	"github.com/regflytt/regflytt/verify"
)

// The bookkeeping schema: two tables in the target, created by the run
// through the Target interface and written inside the batches' own
// transactions, so that a batch's rows and the checkpoint that says they
// are there commit together or not at all. Runs are only ever added; a
// checkpoint goes when the next one of its plan commits.
const (
	runTableName        = "regflytt_run"
	checkpointTableName = "regflytt_checkpoint"
	// lockName is the one lock per target: one run at a time.
	lockName = "regflytt_run"
)

func textCol(name string, length int) connectors.Column {
	return connectors.Column{Name: name, Type: connectors.Type{Kind: connectors.KindText, Length: length}}
}

var (
	runTable = connectors.Table{Name: runTableName, Columns: []connectors.Column{
		textCol("run_id", 64), textCol("register", 200), textCol("plan", 1000), textCol("host", 255),
		{Name: "pid", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "started", Type: connectors.Type{Kind: connectors.KindTimestamp, Precision: 6}},
		textCol("work_dir", 2000),
	}, PrimaryKey: []string{"run_id"}}
	checkpointTable = connectors.Table{Name: checkpointTableName, Columns: []connectors.Column{
		textCol("register", 200),
		{Name: "seq", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		textCol("run_id", 64),
		{Name: "at", Type: connectors.Type{Kind: connectors.KindTimestamp, Precision: 6}},
		textCol("stage", 20),
		textCol("state", 0),
	}, PrimaryKey: []string{"register", "seq"}}
)

// The stages of a run in its checkpoints.
const (
	stageMoving     = "moving"
	stageMoved      = "moved"
	stageFinished   = "finished"
	stageRestarting = "restarting"
)

// checkpoint is what one commit unit leaves in regflytt_checkpoint: how
// far the run of a plan got, enough to continue exactly there.
type checkpoint struct {
	Seq   int64  `json:"seq"`
	RunID string `json:"run_id"`
	// Started is when the run's first attempt began.
	Started    time.Time `json:"started"`
	Stage      string    `json:"stage"`
	WorkDir    string    `json:"work_dir"`
	ArchiveDir string    `json:"archive_dir"`
	// Files are the SHA-256 of each file the plan reads (plan, schema,
	// mappings, code lists, exclusion lists), KeyCheck a keyed hash that
	// tells whether the pseudonymisation key is the same.
	Files    map[string]string `json:"files"`
	KeyCheck string            `json:"key_check,omitempty"`
	// Read are the SHA-256 of what the run reads from the source besides
	// its records (sourceInputs: exclusion-list tables, lookup tables),
	// by what each is. They are not files, but a change to one between a
	// stop and a resume transforms the records on either side of it
	// differently all the same. nil in checkpoints written before they
	// were kept: then nothing is known, and nothing is compared.
	Read map[string]string `json:"read"`
	// ToolVersion is the regflytt version that wrote the rows so far ("" when
	// unknown): another version may map the same record otherwise.
	ToolVersion string `json:"tool_version,omitempty"`
	// Source names the source database the run read, by the server's own
	// identity (connectors.Identifier), never by its URL: a resume
	// reading another database would add its records to the first's.
	// "" in checkpoints written before it was kept, and when the
	// connector cannot say: then nothing is compared.
	Source string `json:"source,omitempty"`
	// FileKeys says how Files are keyed: fileKeysPlanDir, by each file's
	// path relative to the plan's directory (fileKey); "" in checkpoints
	// written before, by the path as the plan named it then, and compared
	// so.
	FileKeys string `json:"file_keys,omitempty"`
	// Done lists the finished units (programs and tables, see unitName);
	// Moving are the units in progress (one per job, run --jobs), each
	// with the position of its last committed source record in the
	// processing order (its scan key: the order_by values and the record
	// key, or the key alone). Unit, After and ValuesAfter are the one unit
	// in progress as checkpoints written before jobs said it; they are
	// read (as Moving), not written.
	Done        []string `json:"done,omitempty"`
	Moving      []unitAt `json:"moving,omitempty"`
	Unit        string   `json:"unit,omitempty"`
	After       []byte   `json:"after,omitempty"`
	ValuesAfter []byte   `json:"values_after,omitempty"`
	Ledger      *verify.Ledger
	// Matched are the exclusion lists' entries matched so far, by list.
	Matched map[string][]int `json:"matched,omitempty"`
	// Receiving are the receiving tables this plan's runs write: what a
	// restart may empty.
	Receiving []string `json:"receiving"`
	// NotResumable says why this run cannot continue after an
	// interruption ("" when it can). Every run resumes now; checkpoints of
	// earlier versions said so for plans that merged tables, and are
	// still refused.
	NotResumable string `json:"not_resumable,omitempty"`
	// Constrained says the schema's defaults, identities, indexes and
	// foreign keys were created after the load.
	Constrained bool `json:"constrained,omitempty"`
	Pass        bool `json:"pass,omitempty"`
}

// unitAt is a unit in progress: the key of its last committed source
// record (After), and of its last committed value record for a form
// store (ValuesAfter).
type unitAt struct {
	Unit        string `json:"unit"`
	After       []byte `json:"after,omitempty"`
	ValuesAfter []byte `json:"values_after,omitempty"`
}

func (c *checkpoint) done(unit string) bool {
	for _, d := range c.Done {
		if d == unit {
			return true
		}
	}
	return false
}

// moving gives the position of a unit in progress, nil when it is not.
func (c *checkpoint) moving(unit string) *unitAt {
	for i := range c.Moving {
		if c.Moving[i].Unit == unit {
			return &c.Moving[i]
		}
	}
	return nil
}

// moved gives the units in progress with unit at its new position (or,
// with at nil, no longer in progress), in a new slice.
func (c *checkpoint) moved(unit string, at *unitAt) []unitAt {
	out := make([]unitAt, 0, len(c.Moving)+1)
	for _, m := range c.Moving {
		if m.Unit != unit {
			out = append(out, m)
		}
	}
	if at != nil {
		out = append(out, *at)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}

// clone copies a checkpoint through JSON, ledger included.
func (c *checkpoint) clone() (*checkpoint, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	return decodeCheckpoint(b)
}

func decodeCheckpoint(b []byte) (*checkpoint, error) {
	var c checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	if c.Unit != "" {
		// A checkpoint of one unit in progress, as written before jobs.
		c.Moving = c.moved(c.Unit, &unitAt{Unit: c.Unit, After: c.After, ValuesAfter: c.ValuesAfter})
		c.Unit, c.After, c.ValuesAfter = "", nil, nil
	}
	if c.Ledger == nil {
		c.Ledger = verify.NewLedger()
	}
	if c.Ledger.Written == nil {
		c.Ledger.Written = map[string]int64{}
	}
	// JSON leaves empty maps out; the ledger's methods write into the
	// counting maps a new TableLedger has, so every nil map of counts is
	// made again (all of them, so that one verify adds later is not
	// forgotten here). Other maps stay nil: a nil Units says the table
	// has no reporting unit.
	counts := reflect.TypeOf(map[string]int64(nil))
	for _, t := range c.Ledger.Tables {
		v := reflect.ValueOf(t).Elem()
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.Type() == counts && f.IsNil() && f.CanSet() {
				f.Set(reflect.MakeMap(counts))
			}
		}
	}
	return &c, nil
}

// runRow is a row of regflytt_run: one attempt at a plan.
type runRow struct {
	RunID, Register, Plan, Host string
	PID                         int64
	Started                     time.Time
	WorkDir                     string
}

// bookkeeping reads and writes the two tables.
// bookkeeping gives the target's bookkeeping for the plan's register:
// its id, or the plan file where it names none.
func (r *runner) bookkeeping(tgt connectors.Target) *bookkeeping {
	bk := &bookkeeping{tgt: tgt, register: r.plan.RegisterID.Value}
	if bk.register == "" {
		bk.register = r.plan.File
	}
	return bk
}

type bookkeeping struct {
	tgt      connectors.Target
	register string
	// exists says the bookkeeping tables are known to exist.
	exists bool
	// lock, when set, is asked before every commit whether the run still
	// holds the target.
	lock *runLock
}

func (b *bookkeeping) create(ctx context.Context) error {
	if err := b.tgt.Create(ctx, []connectors.Table{runTable, checkpointTable}); err != nil {
		return fmt.Errorf("bookkeeping tables: %w", err)
	}
	b.exists = true
	return nil
}

// scan reads a bookkeeping table whole (it holds a few rows per batch of
// each run) in key order; a table not created yet has no rows.
func (b *bookkeeping) scan(ctx context.Context, t *connectors.Table, each func(row []connectors.Value) error) error {
	snap, err := b.tgt.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("read %s: %w", t.Name, err)
	}
	defer wrap.CloseContext(ctx, snap)
	if !b.exists {
		tables, err := snap.Tables(ctx)
		if err != nil {
			return fmt.Errorf("target catalogue: %w", err)
		}
		for _, x := range tables {
			if x.Name == t.Name {
				b.exists = true
			}
		}
		if !b.exists {
			return nil
		}
	}
	return scanIn(ctx, snap, t, each)
}

// scanIn calls each with every row of t in snap.
func scanIn(ctx context.Context, snap connectors.Snapshot, t *connectors.Table, each func(row []connectors.Value) error) error {
	rows, err := snap.Scan(ctx, t, connectors.ScanOptions{BatchSize: 1000})
	if err != nil {
		return fmt.Errorf("read %s: %w", t.Name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows.Row()); err != nil {
			return err
		}
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("read %s: %w", t.Name, err)
	}
	return nil
}

// lastCheckpointRow is a scan of checkpointTable that keeps in last the
// encoded checkpoint of register's last row.
func lastCheckpointRow(register string, last *[]byte) func(row []connectors.Value) error {
	return func(row []connectors.Value) error {
		if reg, _ := row[0].(string); reg == register {
			s, _ := row[5].(string)
			*last = []byte(s)
		}
		return nil
	}
}

// latest returns the plan's last checkpoint, nil when it has none.
func (b *bookkeeping) latest(ctx context.Context) (*checkpoint, error) {
	var last []byte
	err := b.scan(ctx, &checkpointTable, lastCheckpointRow(b.register, &last))
	if err != nil || last == nil {
		return nil, err
	}
	return decodeCheckpoint(last)
}

// latestSeq returns the plan's last committed sequence number, 0 when none.
func (b *bookkeeping) latestSeq(ctx context.Context) (int64, error) {
	var seq int64
	err := b.scan(ctx, &checkpointTable, func(row []connectors.Value) error {
		if reg, _ := row[0].(string); reg == b.register {
			seq, _ = row[1].(int64)
		}
		return nil
	})
	return seq, err
}

// lastRun returns the most recently started run of any plan in this
// target (who holds the lock when it is taken), or of this plan only.
func (b *bookkeeping) lastRun(ctx context.Context, thisPlan bool) (*runRow, error) {
	return b.lastRunBut(ctx, thisPlan, "")
}

// lastRunBut is lastRun leaving out the run with id but.
func (b *bookkeeping) lastRunBut(ctx context.Context, thisPlan bool, but string) (*runRow, error) {
	var last *runRow
	err := b.scan(ctx, &runTable, func(row []connectors.Value) error {
		r := &runRow{}
		r.RunID, _ = row[0].(string)
		r.Register, _ = row[1].(string)
		r.Plan, _ = row[2].(string)
		r.Host, _ = row[3].(string)
		r.PID, _ = row[4].(int64)
		r.Started, _ = row[5].(time.Time)
		r.WorkDir, _ = row[6].(string)
		if thisPlan && r.Register != b.register || r.RunID == but {
			return nil
		}
		if last == nil || r.Started.After(last.Started) {
			last = r
		}
		return nil
	})
	return last, err
}

// runCount is the number of rows of regflytt_run: every run adds one.
func (b *bookkeeping) runCount(ctx context.Context) (int, error) {
	n := 0
	err := b.scan(ctx, &runTable, func([]connectors.Value) error { n++; return nil })
	return n, err
}

func (b *bookkeeping) addRun(ctx context.Context, r runRow) error {
	tx, err := b.tgt.Begin(ctx)
	if err != nil {
		return fmt.Errorf("record the run: %w", err)
	}
	row := []connectors.Value{r.RunID, r.Register, r.Plan, r.Host, r.PID, r.Started.UTC().Truncate(time.Microsecond), r.WorkDir}
	if _, err := tx.Write(ctx, &runTable, [][]connectors.Value{row}); err != nil {
		tx.Rollback()
		return fmt.Errorf("record the run: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record the run: %w", err)
	}
	return nil
}

func (b *bookkeeping) checkpointRow(c *checkpoint, at time.Time) ([]connectors.Value, error) {
	return b.checkpointRowOf(c, c, at)
}

// checkpointRowOf is checkpointRow with the state given as v: c itself,
// or c with its ledger made of the jobs' (commitUnits.commit).
func (b *bookkeeping) checkpointRowOf(c *checkpoint, v any, at time.Time) ([]connectors.Value, error) {
	state, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	return []connectors.Value{b.register, c.Seq, c.RunID, at.UTC().Truncate(time.Microsecond), c.Stage, string(state)}, nil
}

// commit writes a batch's rows (into t; none when t is nil) and its
// checkpoint in one transaction. A transient fault undoes the
// transaction and the unit is tried again; a commit whose answer was lost
// is looked up by its sequence number, so it is never applied twice.
func (b *bookkeeping) commit(ctx context.Context, p wrap.Policy, t *connectors.Table, rows [][]connectors.Value, c *checkpoint, at time.Time) error {
	cp, err := b.checkpointRow(c, at)
	if err != nil {
		return err
	}
	var writes []tableRows
	if t != nil {
		writes = []tableRows{{t, rows}}
	}
	return b.commitRow(ctx, p, writes, cp, c.Seq, c.Seq-1, true, nil)
}

// tableRows are one batch's receiving rows, all of one table.
type tableRows struct {
	t    *connectors.Table
	rows [][]connectors.Value
}

// commitRow is commit with the checkpoint's row made already (seq is its
// sequence number), after the writes' rows: one batch's, or several
// batches' committed as one unit (commit.go), whose checkpoint is the
// last one's. prev is the checkpoint the target holds before this unit:
// seq-1, or below it by the batches committed with this one, whose own
// checkpoints are never written. A unit may commit without waiting for
// the disk (durable false, connectors.AsyncCommitter): the next unit's
// transaction requires its checkpoint (commitOnce), so a commit the
// server answered and then lost stops the run resumably instead of
// leaving a gap, and every stage commits durably, which makes the
// batches before it durable too. before, when set, is waited for after
// the unit's rows are written and before its checkpoint: the unit before
// it committing on another connection (commit.go); its error ends the
// unit, never retried.
func (b *bookkeeping) commitRow(ctx context.Context, p wrap.Policy, writes []tableRows, cp []connectors.Value, seq, prev int64, durable bool, before func(context.Context) error) error {
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = 6
	}
	// A unit whose attempt stalled and that then fails otherwise (its
	// lock's connection, cancelled with it, counts as lost) says it
	// stalled first: that is what the user has to look at.
	var stalled error
	fail := func(err error) error {
		var se *wrap.StalledError
		if stalled != nil && !errors.As(err, &se) {
			return fmt.Errorf("%w (after the batch's commit %v)", err, stalled)
		}
		return err
	}
	for n := 1; ; n++ {
		// Each attempt is watched whole: its begin, rows, checkpoint,
		// lock check and commit (a stalled one is cancelled at the stall
		// limit and counts as a lost connection).
		err := p.Watch.Do(ctx, "target", fmt.Sprintf("commit batch %d", seq), writtenTables(writes), func(ctx context.Context) error {
			return b.commitOnce(ctx, writes, cp, seq, prev, durable, before)
		})
		if err == nil {
			return nil
		}
		var se *wrap.StalledError
		if errors.As(err, &se) {
			stalled = err
		}
		if errors.Is(err, connectors.ErrLockLost) {
			// Nothing of the unit committed: it commits once the lock is
			// taken again, or the run stops.
			if n >= attempts {
				return fail(&LockLostError{Why: fmt.Sprintf("it was lost again each of %d times it was taken again", attempts-1), Err: err})
			}
			if rerr := b.lock.retake(ctx, err); rerr != nil {
				return fail(rerr)
			}
			continue
		}
		if !wrap.IsTransient(err) || n >= attempts {
			return fail(err)
		}
		if p.Log != nil {
			p.Log.Warn("transient fault in a batch's transaction: trying the batch again", "batch", seq, "attempt", n+1, "err", err)
		}
		if werr := p.Backoff(ctx, n); werr != nil {
			return fail(errors.Join(err, werr))
		}
		// Watched whole, its own retries inside: a target that stalls
		// costs a stall limit here, not one per attempt of each read.
		var last int64
		lerr := p.Watch.Do(ctx, "target", fmt.Sprintf("say whether batch %d committed", seq), "", func(ctx context.Context) (err error) {
			last, err = b.latestSeq(ctx)
			return err
		})
		if lerr != nil {
			if wrap.IsTransient(lerr) {
				continue
			}
			return fail(errors.Join(err, lerr))
		}
		if last >= seq {
			// The commit went through; only its answer was lost.
			return nil
		}
	}
}

// writtenTables names the receiving tables of a commit unit, for the
// watchdog's messages.
func writtenTables(writes []tableRows) string {
	var names []string
	for _, w := range writes {
		if len(w.rows) > 0 && !slices.Contains(names, w.t.Name) {
			names = append(names, w.t.Name)
		}
	}
	return strings.Join(names, ", ")
}

func (b *bookkeeping) commitOnce(ctx context.Context, writes []tableRows, cp []connectors.Value, seq, prev int64, durable bool, before func(context.Context) error) error {
	tx, err := b.tgt.Begin(ctx)
	if err != nil {
		return err
	}
	for _, w := range writes {
		if len(w.rows) == 0 {
			continue
		}
		// Every value was fitted by the mapping and checked by
		// checkTarget: the connector need not check it again
		// (connectors.CheckedWriter). The checkpoint row is checked.
		if _, err := connectors.WriteChecked(ctx, tx, w.t, w.rows); err != nil {
			tx.Rollback()
			return fmt.Errorf("write %s: %w", w.t.Name, err)
		}
	}
	// The checkpoint, its predecessor check and the commit come after
	// the unit before has committed: the predecessor's checkpoint must
	// be there to be found, and units commit in their order, so that the
	// target holds a prefix of them at any instant.
	if before != nil {
		if err := before(ctx); err != nil {
			tx.Rollback()
			return err
		}
	}
	if _, err := tx.Write(ctx, &checkpointTable, [][]connectors.Value{cp}); err != nil {
		tx.Rollback()
		return fmt.Errorf("write checkpoint: %w", err)
	}
	// Only the newest checkpoint is ever read (resume and the lost-answer
	// check take the plan's last), so the ones it supersedes go, in its
	// own transaction: the table stays a row per plan however many batches
	// a run commits. The older ones first, then the predecessor alone,
	// which must be there: the run knows which checkpoint it committed
	// last, so a missing predecessor is a commit the server answered and
	// lost (an asynchronous one, before a crash or a failover), and
	// writing this unit would leave its rows out for good.
	if d, ok := tx.(connectors.RowDeleter); ok {
		if _, err := d.DeleteBefore(ctx, checkpointTableName, "register", b.register, "seq", prev); err != nil {
			tx.Rollback()
			return fmt.Errorf("prune checkpoints: %w", err)
		}
		n, err := d.DeleteBefore(ctx, checkpointTableName, "register", b.register, "seq", seq)
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("prune checkpoints: %w", err)
		}
		if n != 1 && prev > 0 {
			tx.Rollback()
			return &LostCommitError{Seq: prev}
		}
	}
	// Asked last, so that the time between the answer and the commit is
	// one round trip.
	if err := b.lock.check(ctx); err != nil {
		tx.Rollback()
		return err
	}
	if err := connectors.CommitBatch(tx, !durable); err != nil {
		// A commit that failed should have ended its transaction; if a
		// connector's did not, its connection is never given back, and
		// closing the target waits for it forever (PostgreSQL's
		// CommitAsync once did so). After an ended one, Rollback does
		// nothing.
		tx.Rollback()
		return fmt.Errorf("commit batch: %w", err)
	}
	return nil
}

// LostCommitError says the target no longer holds a unit it had
// confirmed: its server lost a commit it answered (see
// connectors.AsyncCommitter), or someone removed the plan's checkpoint
// meanwhile. The run stops; the next run resumes from the checkpoint the
// target holds and moves the lost batches again.
type LostCommitError struct {
	// Seq is the unit whose checkpoint is missing.
	Seq int64
}

func (e *LostCommitError) Error() string {
	return fmt.Sprintf("the target no longer holds batch %d, which it had confirmed (its server restarted or failed over before writing the commit to disk, or the plan's checkpoint was removed): the run stopped before writing past the gap; run the plan again to resume from the last batch the target holds", e.Seq)
}

// fileKeysPlanDir is checkpoint.FileKeys for files keyed by fileKey.
const fileKeysPlanDir = "plan_dir"

// planFile is a file the plan reads: its path as the plan names it (for
// messages, and the key of checkpoints of older versions), its key, and
// the SHA-256 of its bytes (an exclusion list's secret: listdigest.go).
// The plan file's is of its text without its approvals and progress
// (hashedText, as Plan.Hash takes it), and raw of its bytes, which a
// checkpoint of an older version kept.
type planFile struct {
	path, key string
	inputSum
	raw string
}

// matchesKept says whether old, what a checkpoint kept of the file, is
// this file's.
func (f planFile) matchesKept(old string) bool {
	return f.matches(old) || (f.raw != "" && old == f.raw)
}

// planFiles hashes each file the plan reads.
func (r *runner) planFiles() ([]planFile, error) {
	p, in := r.plan, r.in
	files := append([]string{p.File}, in.reviewedFiles()...)
	reviewed := len(files)
	for _, l := range p.exclusionLists() {
		if l.file.IsSet() {
			files = append(files, p.Path(l.file.Value))
		}
	}
	dir := filepath.Dir(linkedDirResolved(p.File))
	var out []planFile
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("fingerprint: %w", err)
		}
		raw := sha256.Sum256(b)
		pf := planFile{path: f, key: fileKey(dir, f), inputSum: inputSum{sum: hex.EncodeToString(raw[:]), secret: i >= reviewed}}
		if i == 0 {
			// A registry holder approving the plan while its run is
			// stopped, or a milestone recorded done, changes nothing the
			// run writes: the resume compares the plan as its hash
			// does. An approval recorded meanwhile refused the resume.
			text, err := hashedText(b)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			sum := sha256.Sum256(text)
			pf.sum, pf.raw = hex.EncodeToString(sum[:]), pf.sum
		}
		out = append(out, pf)
	}
	return out, nil
}

// fileKey is how a checkpoint keys a file the plan reads: its path
// relative to the plan's directory dir (linkedDirResolved), in slashes,
// the file's own directory resolved too. The plan named at the resume
// by a relative path where the stopped run had an absolute one, with
// "./", or through a linked directory, keys the same files alike; keyed
// by the path as given, each was refused as "(new)" and "(no longer
// read)". A file reached through a linked file keeps its own name.
func fileKey(dir, f string) string {
	real := linkedDirResolved(f)
	rel, err := filepath.Rel(dir, real)
	if err != nil {
		return filepath.ToSlash(real)
	}
	return filepath.ToSlash(rel)
}

// linkedDirResolved is f made absolute with the symbolic links of its
// directory resolved (f cleaned when that cannot be done).
func linkedDirResolved(f string) string {
	abs, err := filepath.Abs(f)
	if err != nil {
		return filepath.Clean(f)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return abs
	}
	return filepath.Join(dir, filepath.Base(abs))
}

// filesByKey are the files' hashes as a checkpoint keys and keeps them
// (inputSum.stored): by fileKey, or (checkpoints of older versions) by
// the path as given.
func filesByKey(files []planFile, byKey bool) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		if byKey {
			out[f.key] = f.stored()
		} else {
			out[f.path] = f.stored()
		}
	}
	return out
}

// storedRead is what a checkpoint keeps of the source inputs read.
func storedRead(read map[string]inputSum) map[string]string {
	out := make(map[string]string, len(read))
	for what, s := range read {
		out[what] = s.stored()
	}
	return out
}

// sourceIdentity names the database snap reads (connectors.Identifier),
// "" when its connector cannot.
func sourceIdentity(ctx context.Context, snap connectors.Snapshot) (string, error) {
	id, ok := snap.(connectors.Identifier)
	if !ok {
		return "", nil
	}
	s, err := id.Identity(ctx)
	if err != nil {
		return "", fmt.Errorf("source: %w", err)
	}
	return s, nil
}

// keyCheck is a keyed hash of a fixed text: equal for equal keys, and no
// help in guessing the key.
func (r *runner) keyCheck() (string, error) {
	key, err := r.plan.pseudonymKey()
	if err != nil || key == nil {
		return "", err
	}
	defer clear(key)
	m := hmac.New(sha256.New, key)
	m.Write([]byte("regflytt resume: the same pseudonymisation key"))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// ChangedError refuses to resume a run whose plan changed since it was
// interrupted: the part already written would not match the rest.
type ChangedError struct {
	Changed []string
}

func (e *ChangedError) Error() string {
	return "cannot resume: changed since the interrupted run: " + strings.Join(e.Changed, ", ") +
		" (put them back as they were to resume, or start over with --restart)"
}

// runInputs are what a run reads besides its records, as a resume
// compares them with its stopped run's checkpoint.
type runInputs struct {
	// files are the plan's files, dir the plan's directory as the plan
	// is named (for a file no longer read).
	files []planFile
	dir   string
	// keyCheck tells the pseudonymisation key (runner.keyCheck).
	keyCheck string
	// read are the hashes of the source tables read besides the
	// records (see sourceInputs).
	read map[string]inputSum
	// tool is the regflytt version, "" when unknown.
	tool string
	// source names the source database (sourceIdentity), "" when unknown.
	source string
}

// compareInputs names what changed between an interrupted run and now:
// the source database, the files, the key, the source tables read
// besides the records and the regflytt version.
func compareInputs(prev *checkpoint, now runInputs) error {
	var changed []string
	if prev.Source != "" && now.source != "" && prev.Source != now.source {
		changed = append(changed, fmt.Sprintf("the source database (the stopped run read %s; this run reads %s)", prev.Source, now.source))
	}
	if prev.Read != nil {
		for what, h := range now.read {
			if old, ok := prev.Read[what]; !ok {
				changed = append(changed, what+" (newly read)")
			} else if !h.matches(old) {
				changed = append(changed, what+" (its rows in the source)")
			}
		}
		for what := range prev.Read {
			if _, ok := now.read[what]; !ok {
				changed = append(changed, what+" (no longer read)")
			}
		}
	}
	if prev.ToolVersion != "" && now.tool != "" && prev.ToolVersion != now.tool {
		changed = append(changed, fmt.Sprintf("the regflytt version (%s, now %s)", prev.ToolVersion, now.tool))
	}
	byKey := prev.FileKeys == fileKeysPlanDir
	current := map[string]planFile{}
	for _, f := range now.files {
		k := f.path
		if byKey {
			k = f.key
		}
		current[k] = f
	}
	for k, f := range current {
		old, ok := prev.Files[k]
		switch {
		case !ok:
			changed = append(changed, f.path+" (new)")
		case !f.matchesKept(old):
			changed = append(changed, f.path)
		}
	}
	for k := range prev.Files {
		if _, ok := current[k]; !ok {
			shown := k
			if byKey && !filepath.IsAbs(filepath.FromSlash(k)) {
				shown = filepath.Join(now.dir, filepath.FromSlash(k))
			}
			changed = append(changed, shown+" (no longer read)")
		}
	}
	if prev.KeyCheck != now.keyCheck {
		changed = append(changed, "the pseudonymisation key")
	}
	if len(changed) == 0 {
		return nil
	}
	sort.Strings(changed)
	return &ChangedError{Changed: changed}
}

// LockedError says another run holds the target.
type LockedError struct {
	Holder *runRow
	Err    error
}

func (e *LockedError) Error() string {
	if e.Holder == nil {
		return "another regflytt run is writing this target (it holds the run lock): wait for it to finish, or stop it first"
	}
	h := e.Holder
	return fmt.Sprintf("another regflytt run is writing this target: register %s (plan %s), process %d on host %s, started %s; wait for it to finish, or stop it first",
		h.Register, h.Plan, h.PID, h.Host, h.Started.UTC().Format(time.RFC3339))
}

func (e *LockedError) Unwrap() error { return e.Err }

// lock takes the target's run lock, or says who holds it.
func (r *runner) lock(ctx context.Context, tgt connectors.Target, bk *bookkeeping) (func(context.Context) error, error) {
	l, ok := tgt.(connectors.Locker)
	if !ok {
		return nil, fmt.Errorf("this target cannot hold a run lock")
	}
	unlock, err := l.Lock(ctx, lockName)
	if err == nil {
		return unlock, nil
	}
	if !errors.Is(err, connectors.ErrLocked) {
		return nil, fmt.Errorf("take the run lock: %w", err)
	}
	holder, _ := bk.lastRun(ctx, false)
	return nil, &LockedError{Holder: holder, Err: err}
}

// runLock is the run's hold on the target's run lock. The lock is a
// session's (PostgreSQL, MariaDB) and can end before the run does: the
// session is terminated, or the server restarts, while the run goes on
// through connections the retry seam opened again. So every commit unit
// asks first (connectors.LockChecker). A lost lock is taken again only
// when no other run can have written meanwhile: nobody holds it now, and
// the newest row of regflytt_run is still this run's (every run records
// itself there after taking the lock and before writing anything).
// Otherwise the run stops where it can resume: a resume reads the
// checkpoints again and continues exactly after the last unit that
// committed, while this run's memory of the target may be out of date.
//
// It is used by one goroutine at a time: the commit units' writer, or
// the run between stages with the writer drained.
type runLock struct {
	tgt    connectors.Target
	bk     *bookkeeping
	unlock func(context.Context) error
	// runID is this run's row in regflytt_run, once written, and runs
	// the number of rows there were then. Rows are counted, not their
	// start times compared: two hosts' clocks need not agree.
	runID string
	runs  int
	log   *slog.Logger
}

// LockLostError says the run lost the target's run lock and did not take
// it again, and why: it stopped so that two runs never write one target
// at once.
type LockLostError struct {
	Why string
	Err error
}

func (e *LockLostError) Error() string {
	return fmt.Sprintf("the run lost the target's run lock (%v), and did not take it again because %s: it stopped before its next commit, so that two runs never write this target at once", e.Err, e.Why)
}

func (e *LockLostError) Unwrap() error { return e.Err }

// tookOver gives the run that started after this one, working in dir,
// when one did (nil when none did, or the target does not say): it could
// only start once this run had lost its lock, and the report.json in dir
// is that run's (its "running" one, or its PASS). A stop of this run,
// for its lost lock or anything it failed at meanwhile (its archive
// parts removed by the other run's end), writes none over it.
func (l *runLock) tookOver(ctx context.Context, dir string) *runRow {
	if l == nil || l.runID == "" {
		return nil
	}
	if n, err := l.bk.runCount(ctx); err != nil || n == l.runs {
		return nil
	}
	h, err := l.bk.lastRunBut(ctx, false, l.runID)
	if err != nil || h == nil || h.WorkDir != dir {
		return nil
	}
	return h
}

// check asks whether the run still holds the lock.
func (l *runLock) check(ctx context.Context) error {
	if l == nil {
		return nil
	}
	c, ok := l.tgt.(connectors.LockChecker)
	if !ok {
		return nil
	}
	return c.CheckLock(ctx, lockName)
}

// lockCleanupWait is how long retake waits for the server to release an
// ended session's lock, asking every lockCleanupPoll.
const (
	lockCleanupWait = 3 * time.Second
	lockCleanupPoll = 50 * time.Millisecond
)

// retake takes a lost lock again, when that is safe (see runLock).
func (l *runLock) retake(ctx context.Context, lost error) error {
	locker, ok := l.tgt.(connectors.Locker)
	if !ok {
		return &LockLostError{Why: "this target cannot take it again", Err: lost}
	}
	unlock, err := locker.Lock(ctx, lockName)
	// The server releases an ended session's locks as it cleans the
	// session up, which may not be done yet: asked again for a while,
	// whatever the retry policy's backoff (a fast one, 7 ms in all, was
	// shorter than a loaded MariaDB took to clean up a killed session,
	// and the run stopped for a lock nobody held).
	for deadline := time.Now().Add(lockCleanupWait); errors.Is(err, connectors.ErrLocked) && time.Now().Before(deadline); {
		t := time.NewTimer(lockCleanupPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return &LockLostError{Why: "the run was cancelled", Err: errors.Join(lost, ctx.Err())}
		case <-t.C:
		}
		unlock, err = locker.Lock(ctx, lockName)
	}
	if errors.Is(err, connectors.ErrLocked) {
		why := "another session holds it now"
		// Named only when it recorded itself after this run did.
		if n, err := l.bk.runCount(ctx); err == nil && n != l.runs {
			if h, _ := l.bk.lastRunBut(ctx, false, l.runID); h != nil {
				why = fmt.Sprintf("another run holds it now (register %s, plan %s, process %d on host %s)", h.Register, h.Plan, h.PID, h.Host)
			}
		}
		return &LockLostError{Why: why, Err: lost}
	}
	if err != nil {
		return &LockLostError{Why: fmt.Sprintf("taking it failed (%v)", err), Err: lost}
	}
	n, err := l.bk.runCount(ctx)
	switch {
	case err != nil:
		_ = unlock(ctx)
		return &LockLostError{Why: fmt.Sprintf("whether another run started meanwhile could not be read (%v)", err), Err: lost}
	case n != l.runs:
		_ = unlock(ctx)
		who := "another run"
		if h, _ := l.bk.lastRunBut(ctx, false, l.runID); h != nil {
			who = fmt.Sprintf("another run (register %s, plan %s, process %d on host %s)", h.Register, h.Plan, h.PID, h.Host)
		}
		return &LockLostError{Why: who + " started meanwhile and may have written the target", Err: lost}
	}
	// The old session is gone; releasing it only returns its connection.
	_ = l.unlock(ctx)
	l.unlock = unlock
	l.log.Warn("the run lock was lost and is taken again: nobody held it and no other run started meanwhile", "cause", lost)
	return nil
}

// holdLock asks whether the run still holds the lock outside a commit
// unit, before work that writes the work directory without a checkpoint
// (assembling and sealing the archive package), and takes a lost lock
// again when that is safe.
func (b *bookkeeping) holdLock(ctx context.Context) error {
	err := b.lock.check(ctx)
	if errors.Is(err, connectors.ErrLockLost) {
		return b.lock.retake(ctx, err)
	}
	return err
}

// releaseLock is the watched operation that releases the run lock.
const releaseLock = "release the run lock"

// release releases the lock at the end of the run, however the run ended
// (ctx's cancellation is not the release's: a stopped run releases it
// too), watched as any operation on the target: a target that stops
// answering is warned of and, with a stall limit, given up on there (see
// runner.stalled). It waited on the connector's cleanup bound (30 s)
// without a word. Once ctx ends (a second Ctrl-C) it is given stopGrace
// more, not that bound: the server releases the lock with the session,
// whose connection ends with the process.
func (l *runLock) release(ctx context.Context, w *wrap.Watchdog) error {
	rctx, cancel := graceAfter(ctx)
	defer cancel()
	return w.Do(rctx, "target", releaseLock, "", l.unlock)
}

func newRunID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// listMatches gives the exclusion lists' matched entries, by list.
func (r *runner) listMatches(env *mappings.Env) map[string][]int {
	if env == nil {
		return nil
	}
	out := map[string][]int{}
	for _, spec := range r.plan.exclusionLists() {
		if l := *spec.env(env); l != nil {
			out[spec.name] = l.MatchedEntries()
		}
	}
	return out
}

// restoreMatches marks the entries matched before the interruption.
func (r *runner) restoreMatches(env *mappings.Env, m map[string][]int) error {
	if env == nil {
		return nil
	}
	for _, spec := range r.plan.exclusionLists() {
		if l := *spec.env(env); l != nil {
			if err := l.MarkMatched(m[spec.name]); err != nil {
				return fmt.Errorf("%s list: %w", spec.name, err)
			}
		}
	}
	return nil
}

// preloadKeys gives the receiving-keys set the primary keys of the rows
// written before the interruption, so that a duplicate of one of them is
// still archived as duplicate_key (its detail names the receiving row,
// not the source record: that is not kept).
func preloadKeys(ctx context.Context, tgt connectors.Target, prog *mappings.Program, written map[string]int64, keys *receivingKeys) error {
	keys.forTarget(tgt.Dialect())
	seen := map[string]bool{}
	snap, err := tgt.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("target: %w", err)
	}
	defer wrap.CloseContext(ctx, snap)
	for _, tp := range prog.Tables {
		t := tp.Target
		if seen[t.Name] || len(t.PrimaryKey) == 0 || written[t.Name] == 0 {
			continue
		}
		seen[t.Name] = true
		pk := &connectors.Table{Name: t.Name, PrimaryKey: t.PrimaryKey}
		for _, k := range t.PrimaryKey {
			pk.Columns = append(pk.Columns, *t.Column(k))
		}
		rows, err := snap.Scan(ctx, pk, connectors.ScanOptions{})
		if err != nil {
			return fmt.Errorf("read the keys of %s: %w", t.Name, err)
		}
		s := keys.set(t)
		for rows.Next() {
			key := copyRow(rows.Row())
			h, err := keys.hash(key)
			if err != nil {
				rows.Close()
				return fmt.Errorf("receiving key of %s: %w", t.Name, err)
			}
			if err := keys.give(s, h, t.Name+" as written before the run resumed", key); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("read the keys of %s: %w", t.Name, err)
		}
	}
	return nil
}
