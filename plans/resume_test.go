package plans_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/plans/synth"
)

// digest is what a run leaves behind, reduced to compare two runs
// (plantest.Digest).
type digest = plantest.Digest

// targetDigest hashes the rows of the named tables of a database.
func targetDigest(t *testing.T, url string, tables []string) digest {
	t.Helper()
	return plantest.TargetDigest(t, url, tables)
}

// archiveDigest hashes an archive package's record sets.
func archiveDigest(t *testing.T, dir string) digest {
	t.Helper()
	return plantest.ArchiveDigest(t, dir)
}

var demoTables = []string{"care_unit", "patient", "visit"}

// resultDigest is what a run left: the receiving tables of the target at
// url and the archive package in archiveDir.
func resultDigest(t *testing.T, url string, tables []string, archiveDir string) digest {
	t.Helper()
	return plantest.ResultDigest(t, url, tables, archiveDir)
}

// cleanDemoRun runs plan p of the demo from src into a new target in
// dir, uninterrupted, and gives what it left: what any interrupted,
// faulted or resumed run of the same plan must leave too.
func cleanDemoRun(t *testing.T, dir, src string, p *plans.Plan) digest {
	t.Helper()
	cleanTgt := "sqlite://" + filepath.Join(dir, "clean.db")
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: cleanTgt, WorkDir: filepath.Join(dir, "clean")}); err != nil {
		t.Fatal(err)
	}
	return resultDigest(t, cleanTgt, demoTables, filepath.Join(dir, "clean", "archive"))
}

// stopAfter closes stop when the run has committed n batches.
type stopAfter struct {
	plans.NoProgress
	mu    sync.Mutex
	n     int
	stop  chan struct{}
	calls int
}

func (s *stopAfter) Add(int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls++; s.calls == s.n {
		close(s.stop)
	}
}

// A run stopped at a batch boundary resumes where it stopped, by a plain
// run, and ends with the same target rows and archive as a run that was
// never stopped; a resume from another directory finds its work
// directory in the bookkeeping. On the old runner the second run was
// refused (the target held rows).
func TestRunResumesToTheSameResult(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 300)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 40

	want := cleanDemoRun(t, dir, src, p)

	tgt := "sqlite://" + filepath.Join(dir, "resumed.db")
	work := filepath.Join(dir, "resumed")
	stops := 0
	for _, n := range []int{3, 7, 11, 2} {
		s := &stopAfter{n: n, stop: make(chan struct{})}
		opts := plans.Options{SourceURL: src, TargetURL: tgt, Stop: s.stop, Progress: s}
		if stops == 0 {
			opts.WorkDir = work
		}
		_, err := plans.Run(context.Background(), p, opts)
		if err == nil {
			break
		}
		if !errors.Is(err, plans.ErrInterrupted) {
			t.Fatalf("stop %d: %v", stops, err)
		}
		stops++
	}
	if stops < 3 {
		t.Fatalf("the run was stopped %d times, want at least 3 for this test to mean something", stops)
	}
	// Each checkpoint supersedes the one before: one row, whatever the
	// number of batches (the old runner kept one per batch).
	if n := checkpointRows(t, tgt); n != 1 {
		t.Errorf("regflytt_checkpoint holds %d rows after %d stops, want 1", n, stops)
	}
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	got := resultDigest(t, tgt, demoTables, filepath.Join(work, "archive"))
	if got.String() != want.String() {
		t.Errorf("resumed run differs from a clean run:\n got %s\nwant %s", got, want)
	}
	if _, err := os.Stat(filepath.Join(work, "archive-parts")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the archive parts are left behind after the run finished: %v", err)
	}
}

// Resuming with a changed mapping is refused, naming the file; --restart
// starts over and ends like a clean run.
func TestRunResumeRefusesChangedMappingAndRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 150)
	// A copy of the demo plan and its files, so the mapping can change.
	root := copyDemoPlan(t, filepath.Join(dir, "plan"), 30)
	planFile := filepath.Join(root, "plan.yaml")
	p := loadPlan(t, planFile)
	p.BatchSize = 30
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	s := &stopAfter{n: 4, stop: make(chan struct{})}
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"), Stop: s.stop, Progress: s}); !errors.Is(err, plans.ErrInterrupted) {
		t.Fatalf("got %v, want an interrupted run", err)
	}
	mapping := filepath.Join(root, "mapping.yaml")
	b, _ := os.ReadFile(mapping)
	write(t, mapping, string(b)+"\n# changed\n")
	p = loadPlan(t, planFile)
	p.BatchSize = 30
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
	var ce *plans.ChangedError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), mapping) || strings.Contains(err.Error(), "schema.yaml") {
		t.Fatalf("got %v, want a refusal naming %s only", err, mapping)
	}
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, Restart: true})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	if entries, _ := filepath.Glob(filepath.Join(dir, "w", "archive.replaced-*")); len(entries) != 0 {
		t.Errorf("an archive package that was never assembled was moved aside: %v", entries)
	}
}

// A second run into a target another run holds is refused, naming the
// holder; nothing is written.
func TestRunRefusedWhileAnotherHoldsTheTarget(t *testing.T) {
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 40)
	p := loadPlan(t, demoPlan)
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	// The first run stops after its first batch, so its run row is there;
	// the lock is then taken as a running process would hold it.
	p.BatchSize = 10
	s := &stopAfter{n: 1, stop: make(chan struct{})}
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"), Stop: s.stop, Progress: s}); !errors.Is(err, plans.ErrInterrupted) {
		t.Fatalf("got %v, want an interrupted run", err)
	}
	db, err := all.OpenTarget(context.Background(), tgt)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	unlock, err := db.(connectors.Locker).Lock(context.Background(), "regflytt_run")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unlock(context.Background()) }()
	before := targetDigest(t, tgt, demoTables)
	// The first run's report (its stop's): the refused run writes none
	// over it, nor over the report of a run that holds the target.
	firstReport, err := os.ReadFile(filepath.Join(dir, "w", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w")})
	if b, rerr := os.ReadFile(filepath.Join(dir, "w", "report.json")); rerr != nil || !bytes.Equal(b, firstReport) {
		t.Errorf("the refused run changed the first run's report.json (%v):\n%s", rerr, b)
	}
	var le *plans.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a LockedError", err)
	}
	for _, w := range []string{"another regflytt run is writing this target", "register demo", fmt.Sprintf("process %d", os.Getpid())} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q lacks %q", err, w)
		}
	}
	if after := targetDigest(t, tgt, demoTables); after.String() != before.String() {
		t.Errorf("the refused run wrote: %s, before %s", after, before)
	}
}

// faultyTarget fails chosen commits with a transient fault: before the
// commit (nothing kept) or after it (the answer lost, the batch kept).
type faultyTarget struct {
	connectors.Target
	mu      sync.Mutex
	commits int
	failAt  map[int]string // commit number -> "before", "after", "disk" (for good) or "lose"
	// lost is the checkpoint number of the commit "lose" lost: rolled
	// back and answered as done, as a server does with an asynchronous
	// commit it had not written to disk when it crashed.
	lost int64
	// failWithPart, when set, is an archive-parts folder: the first batch
	// that has a part there fails for good.
	failWithPart string
	// delay, when set, is how long each commit takes: a slow target,
	// which the batches handed over meanwhile wait for.
	delay time.Duration
	// held are the checkpoints of the commits that went through, in
	// order: what the target holds after each.
	held []int64
}

func (f *faultyTarget) Begin(ctx context.Context) (connectors.Tx, error) {
	tx, err := f.Target.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &faultyTx{Tx: tx, f: f}, nil
}

// Lock and Truncate reach the wrapped target's extras.
func (f *faultyTarget) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	return f.Target.(connectors.Locker).Lock(ctx, name)
}

type faultyTx struct {
	connectors.Tx
	f   *faultyTarget
	seq int64
}

func (t *faultyTx) Write(ctx context.Context, tb *connectors.Table, rows [][]connectors.Value) (int64, error) {
	if tb.Name == "regflytt_checkpoint" && len(rows) == 1 {
		t.seq, _ = rows[0][1].(int64)
	}
	return t.Tx.Write(ctx, tb, rows)
}

func (t *faultyTx) Commit() error {
	t.f.mu.Lock()
	t.f.commits++
	how := t.f.failAt[t.f.commits]
	if t.f.failWithPart != "" && t.seq > 0 {
		if _, err := os.Stat(filepath.Join(t.f.failWithPart, fmt.Sprintf("%010d.part", t.seq))); err == nil {
			how, t.f.failWithPart = "disk", ""
		}
	}
	if how == "lose" {
		t.f.lost = t.seq
	}
	if how == "" || how == "after" {
		t.f.held = append(t.f.held, t.seq)
	}
	t.f.mu.Unlock()
	time.Sleep(t.f.delay)
	switch how {
	case "lose":
		return t.Tx.Rollback()
	case "before":
		t.Tx.Rollback()
		return errors.New("write: connection reset by peer")
	case "after":
		if err := t.Tx.Commit(); err != nil {
			return err
		}
		return errors.New("read: connection reset by peer")
	case "disk":
		t.Tx.Rollback()
		return errors.New("could not extend file: No space left on device")
	}
	return t.Tx.Commit()
}

// Transient faults at commit are retried: a batch whose commit failed is
// written again, and one whose commit went through but whose answer was
// lost is found by its checkpoint and not written twice. The old runner
// stopped at the first fault.
func TestRunRetriesTransientCommitFaults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 200)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 40
	want := cleanDemoRun(t, dir, src, p)
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	ft := &faultyTarget{failAt: map[int]string{3: "before", 6: "after", 7: "before", 12: "after"}}
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"),
		Retry:      wrapPolicyFast,
		WrapTarget: func(tg connectors.Target) connectors.Target { ft.Target = tg; return ft }})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	got := resultDigest(t, tgt, demoTables, filepath.Join(dir, "w", "archive"))
	if got.String() != want.String() {
		t.Errorf("a run with commit faults differs from a clean run:\n got %s\nwant %s", got, want)
	}
	if ft.commits < 12 {
		t.Fatalf("only %d commits: the faults were not all injected", ft.commits)
	}
}

// copyDemoPlan is plantest.CopyDemoPlan of this package's demo plan.
func copyDemoPlan(t *testing.T, dir string, batch int) string {
	return plantest.CopyDemoPlan(t, "demo", dir, batch)
}

// A receiving schema that names a table like the run's bookkeeping is
// refused before anything is written (the exact round trip's second leg
// met it: a database a run wrote holds the bookkeeping tables).
func TestRunRefusesBookkeepingTableName(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: regflytt_checkpoint
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: regflytt_checkpoint
    source: besok
    columns:
      id: id
`)
	src := "sqlite://" + filepath.Join(dir, "src.db")
	writeTables(t, src, []connectors.Table{{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id")}}},
		map[string][][]connectors.Value{"besok": {{int64(1)}}})
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	_, err := plans.Run(context.Background(), loadPlan(t, writePlan(t, dir, "")), plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w")})
	if err == nil || !strings.Contains(err.Error(), "receiving table regflytt_checkpoint has the name of regflytt's own bookkeeping table") {
		t.Fatalf("got %v, want a refusal naming the table", err)
	}
	if _, serr := os.Stat(filepath.Join(dir, "t.db")); serr == nil {
		if d := targetDigest(t, tgt, []string{"regflytt_checkpoint"}); d["table regflytt_checkpoint"] != "missing" {
			t.Errorf("the refused run wrote: %s", d)
		}
	}
}

// receivingTables lists a target's tables but the bookkeeping.
func receivingTables(t *testing.T, url string) []string {
	t.Helper()
	return plantest.ReceivingTables(t, url)
}

// The synthetic form store (entities and values read side by side, a
// pseudonymisation key, an opt-out list matched across the whole run),
// stopped five times: the resumed run ends like a clean one, the
// opt-out list's matches carried over (without them its entries would be
// unmatched and the run would FAIL).
func TestRunResumesAFormStore(t *testing.T) {
	dir := t.TempDir()
	src := makeSynthSQLite(t, dir, synth.EAV, 250)
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "resume tests: not a real key")
	p := loadPlan(t, "../testdata/plans/eav.yaml")
	// A form store's batch counts entities (about eight records each), so
	// that the run stops inside the entities as often as before.
	p.BatchSize = 8

	cleanTgt := "sqlite://" + filepath.Join(dir, "clean.db")
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: cleanTgt, WorkDir: filepath.Join(dir, "clean")})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Lists) == 0 || rep.Lists[0].Matched == 0 {
		t.Fatalf("the clean run matched no opt-out entry: the test would prove nothing (%+v)", rep.Lists)
	}
	tables := receivingTables(t, cleanTgt)
	want := targetDigest(t, cleanTgt, tables)
	for k, v := range archiveDigest(t, filepath.Join(dir, "clean", "archive")) {
		want[k] = v
	}

	tgt := "sqlite://" + filepath.Join(dir, "resumed.db")
	work := filepath.Join(dir, "resumed")
	stops := 0
	for _, n := range []int{2, 9, 4, 13, 6} {
		s := &stopAfter{n: n, stop: make(chan struct{})}
		_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Stop: s.stop, Progress: s})
		if err == nil {
			break
		}
		if !errors.Is(err, plans.ErrInterrupted) {
			t.Fatalf("stop %d: %v", stops, err)
		}
		stops++
	}
	if stops < 4 {
		t.Fatalf("the run was stopped %d times, want at least 4", stops)
	}
	rep2, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rep2.Lists) != fmt.Sprint(rep.Lists) {
		t.Errorf("lists after resuming %+v, clean %+v", rep2.Lists, rep.Lists)
	}
	got := targetDigest(t, tgt, tables)
	for k, v := range archiveDigest(t, filepath.Join(work, "archive")) {
		got[k] = v
	}
	if got.String() != want.String() {
		t.Errorf("resumed run differs from a clean run:\n got %s\nwant %s", got, want)
	}
}

// A plan that merges tables (merged sub-registers) keeps its merge
// candidates in one process's scratch storage: a resumed run spills them
// again by replaying the member programs, and a merge in progress replays
// its groups up to the last committed one. Stopped every few batches,
// through the members and the merge, it ends with the same target and
// archive as a clean run. The old runner refused to resume and asked for
// --restart.
func TestRunResumesAMerge(t *testing.T) {
	dir := t.TempDir()
	src := makeSynthSQLite(t, dir, synth.MainSub, 200)
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "resume tests: not a real key")
	p := loadPlan(t, "../testdata/plans/mainsub.yaml")
	p.BatchSize = 30

	cleanTgt := "sqlite://" + filepath.Join(dir, "clean.db")
	var mergeBatches countMerge
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: cleanTgt, WorkDir: filepath.Join(dir, "clean"), Progress: &mergeBatches})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("clean run FAIL: %v", rep.Problems)
	}
	if mergeBatches.inMerge < 3 {
		t.Fatalf("the merge commits %d batches: too few for a stop inside it to mean something", mergeBatches.inMerge)
	}
	tables := receivingTables(t, cleanTgt)
	want := targetDigest(t, cleanTgt, tables)
	for k, v := range archiveDigest(t, filepath.Join(dir, "clean", "archive")) {
		want[k] = v
	}

	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	work := filepath.Join(dir, "w")
	stops, stopsInMerge := 0, 0
	for {
		s := &stopInMerge{stopAfter: stopAfter{n: 4, stop: make(chan struct{})}}
		opts := plans.Options{SourceURL: src, TargetURL: tgt, Stop: s.stop, Progress: s}
		if stops == 0 {
			opts.WorkDir = work
		}
		rep, err = plans.Run(context.Background(), p, opts)
		if err == nil {
			break
		}
		if !errors.Is(err, plans.ErrInterrupted) || strings.Contains(err.Error(), "cannot resume") {
			t.Fatalf("stop %d: %v", stops, err)
		}
		stops++
		if s.stoppedInMerge() {
			stopsInMerge++
		}
	}
	if stopsInMerge < 2 {
		t.Fatalf("%d stops, %d of them inside the merge: want at least 2 there for this test to mean something", stops, stopsInMerge)
	}
	if !rep.Pass {
		t.Fatalf("resumed run FAIL: %v", rep.Problems)
	}
	got := targetDigest(t, tgt, tables)
	for k, v := range archiveDigest(t, filepath.Join(work, "archive")) {
		got[k] = v
	}
	if got.String() != want.String() {
		t.Errorf("a merge resumed %d times (%d inside the merge) differs from a clean run:\n got %s\nwant %s", stops, stopsInMerge, got, want)
	}
}

// countMerge counts the batches committed while a merge is in progress.
type countMerge struct {
	plans.NoProgress
	merging bool
	inMerge int
}

func (c *countMerge) Table(name string, total int64) { c.merging = strings.HasSuffix(name, " (merge)") }
func (c *countMerge) Add(int) {
	if c.merging {
		c.inMerge++
	}
}

// stopInMerge is stopAfter that remembers whether the stop came while a
// merge was in progress.
type stopInMerge struct {
	stopAfter
	merging, inMerge bool
}

func (s *stopInMerge) Table(name string, total int64) {
	s.mu.Lock()
	s.merging = strings.HasSuffix(name, " (merge)")
	s.mu.Unlock()
}

func (s *stopInMerge) Add(n int) {
	s.mu.Lock()
	if s.calls+1 == s.n {
		s.inMerge = s.merging
	}
	s.mu.Unlock()
	s.stopAfter.Add(n)
}

func (s *stopInMerge) stoppedInMerge() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inMerge
}

// source: {frozen: true} is read from the plan; absent, it is false.
func TestPlanSourceFrozen(t *testing.T) {
	for extra, want := range map[string]bool{"": false, "source: {frozen: true}\n": true, "source: {frozen: false}\n": false} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "schema.yaml"), "platform: t\ntables: []\n")
		write(t, filepath.Join(dir, "m.yaml"), "tables: []\n")
		p, ds := plans.Load(writePlan(t, dir, extra))
		if err := ds.Err(); err != nil {
			t.Fatalf("%q: %v", extra, err)
		}
		if p.SourceFrozen != want {
			t.Errorf("%q: SourceFrozen %v, want %v", extra, p.SourceFrozen, want)
		}
	}
}

// A commit that fails for good stops the run after its archive part was
// written: the parts of batches that did not commit (and of the one
// mapped meanwhile) are removed on resume (and would be rewritten with
// the same batch numbers anyway), and the archive ends like a clean
// run's, no record twice.
func TestRunResumeDropsPartsOfUncommittedBatches(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, st := makeDemoSQLite(t, dir, 200)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 15
	want := cleanDemoRun(t, dir, src, p)
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	work := filepath.Join(dir, "w")
	ft := &faultyTarget{failWithPart: filepath.Join(work, "archive-parts")}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work,
		WrapTarget: func(tg connectors.Target) connectors.Target { ft.Target = tg; return ft }})
	var se *plans.StoppedError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a stopped run", err)
	}
	parts, _ := filepath.Glob(filepath.Join(work, "archive-parts", "*.part"))
	var beyond int
	for _, f := range parts {
		if n, _ := strconv.ParseInt(strings.TrimSuffix(filepath.Base(f), ".part"), 10, 64); n > se.Batches {
			beyond++
		}
	}
	if beyond == 0 || ft.failWithPart != "" {
		t.Fatalf("no archive part beyond the %d committed batches (%v): the test would prove nothing", se.Batches, parts)
	}
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt})
	if err != nil {
		t.Fatal(err)
	}
	checkDemoReport(t, rep, st)
	got := resultDigest(t, tgt, demoTables, filepath.Join(work, "archive"))
	if got.String() != want.String() {
		t.Errorf("differs from a clean run:\n got %s\nwant %s", got, want)
	}
}

// The archive parts a stopped run left are the package's only copy of
// what its committed batches archived. A part removed, or another's copy
// put in its place, before the run resumes: the resumed run (whose end
// check re-reads the source) and regflytt verify fail, naming the
// records; parts renamed into another order give the same package.
func TestRunResumeFindsTamperedArchiveParts(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, parts []string)
		pass   bool
	}{
		{"removed", func(t *testing.T, parts []string) {
			if err := os.Remove(parts[0]); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"another's copy", func(t *testing.T, parts []string) {
			b, err := os.ReadFile(parts[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(parts[1], b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"reordered", func(t *testing.T, parts []string) {
			tmp := parts[0] + ".swap"
			for _, mv := range [][2]string{{parts[0], tmp}, {parts[1], parts[0]}, {tmp, parts[1]}} {
				if err := os.Rename(mv[0], mv[1]); err != nil {
					t.Fatal(err)
				}
			}
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			src, _ := makeDemoSQLite(t, dir, 200)
			p := loadPlan(t, demoPlan)
			p.BatchSize = 15
			tgt := "sqlite://" + filepath.Join(dir, "t.db")
			work := filepath.Join(dir, "w")
			s := &stopAfter{n: 30, stop: make(chan struct{})}
			if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Stop: s.stop, Progress: s}); !errors.Is(err, plans.ErrInterrupted) {
				t.Fatalf("the first run: %v, want it stopped", err)
			}
			parts, _ := filepath.Glob(filepath.Join(work, "archive-parts", "*.part"))
			if len(parts) < 2 {
				t.Fatalf("%d archive parts after the stop: the test would prove nothing", len(parts))
			}
			c.tamper(t, parts)
			opts := plans.Options{SourceURL: src, TargetURL: tgt}
			rep, err := plans.Run(context.Background(), p, opts)
			if c.pass {
				if err != nil {
					t.Fatalf("resumed: %v %v", err, rep.Problems)
				}
				return
			}
			if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass {
				t.Fatalf("a run resumed from tampered archive parts: %v", err)
			}
			opts.WorkDir = work
			sum, err := plans.Verify(context.Background(), p, opts)
			if sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) || len(sum.ArchiveExceptions) == 0 {
				t.Fatalf("verify of a package assembled from tampered parts: %v", err)
			}
		})
	}
}
