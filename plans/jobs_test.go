package plans_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"
	"github.com/regflytt/regflytt/verify"
)

// demoReceiving are every receiving table of the demo plan.
var demoReceiving = []string{"care_unit", "patient", "visit", "app_user", "app_grant", "app_appointment"}

// fixedClock makes two runs' archive packages comparable byte for byte:
// the package records when its run began and ended.
func fixedClock() time.Time { return time.Date(2027, 9, 1, 12, 0, 0, 0, time.UTC) }

// runJobs runs the plan with jobs and returns its report, failing the test
// when it does not pass.
func runJobs(t *testing.T, p *plans.Plan, src, tgt, work string, jobs int, progress plans.Progress) *verify.Report {
	t.Helper()
	if progress == nil {
		progress = plans.NoProgress{}
	}
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Jobs: jobs, Now: fixedClock, Progress: progress})
	if err != nil {
		t.Fatalf("--jobs %d: %v", jobs, err)
	}
	if !rep.Pass {
		t.Fatalf("--jobs %d: FAIL: %v", jobs, rep.Problems)
	}
	return rep
}

// packageFiles reads every file of an archive package, by path.
func packageFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files[rel] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("archive package %s has no files", dir)
	}
	return files
}

// comparePackages requires two archive packages to hold the same files,
// byte for byte.
func comparePackages(t *testing.T, a, b string) {
	t.Helper()
	fa, fb := packageFiles(t, a), packageFiles(t, b)
	for name, x := range fa {
		y, ok := fb[name]
		switch {
		case !ok:
			t.Errorf("archive file %s is only in %s", name, a)
		case !bytes.Equal(x, y):
			t.Errorf("archive file %s differs (%d and %d bytes)", name, len(x), len(y))
		}
	}
	for name := range fb {
		if _, ok := fa[name]; !ok {
			t.Errorf("archive file %s is only in %s", name, b)
		}
	}
}

// counts is a report's ledger and written counts, as JSON: what two runs
// of one plan must agree on.
func counts(t *testing.T, rep *verify.Report) string {
	t.Helper()
	tables := make([]verify.TableLedger, len(rep.Tables))
	for i, tc := range rep.Tables {
		tables[i] = tc.TableLedger
	}
	targets := slices.Clone(rep.Targets)
	b, err := json.MarshalIndent(struct {
		Tables  []verify.TableLedger
		Targets []verify.TargetCheck
		Archive verify.ArchiveCheck
		Lists   []verify.ListCheck
	}{tables, targets, rep.Archive, rep.Lists}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	// The package's directory is the run's own.
	return strings.ReplaceAll(string(b), rep.Archive.Dir, "ARCHIVE")
}

// The demo plan's receiving tables fall into independent groups (care
// units; patients and their visits; users with their grants and
// appointments) and unmapped source tables. Moved with three jobs they
// give the same archive package, byte for byte, the same receiving rows
// and the same report counts as with one job, into SQLite and into
// PostgreSQL.
func TestJobsGiveTheSameResult(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeDemo(t, src, 600)
	p := loadPlan(t, filepath.Join(copyDemoPlan(t, filepath.Join(dir, "plan"), 40), "plan.yaml"))
	targets := map[string]func(n int) string{
		"sqlite": func(n int) string { return "sqlite://" + filepath.Join(dir, "t"+string(rune('0'+n))+".db") },
	}
	if os.Getenv(pgtest.EnvVar) != "" {
		targets["postgres"] = func(int) string { return pgtest.NewDatabase(t) }
	}
	for name, newTarget := range targets {
		t.Run(name, func(t *testing.T) {
			one, three := newTarget(1), newTarget(3)
			w1, w3 := filepath.Join(dir, name, "one"), filepath.Join(dir, name, "three")
			rep1 := runJobs(t, p, src, one, w1, 1, nil)
			order := &tableOrder{}
			rep3 := runJobs(t, p, src, three, w3, 3, order)
			if got, want := counts(t, rep3), counts(t, rep1); got != want {
				t.Errorf("report counts with --jobs 3:\n%s\nwith --jobs 1:\n%s", got, want)
			}
			if got, want := targetDigest(t, three, demoReceiving).String(), targetDigest(t, one, demoReceiving).String(); got != want {
				t.Errorf("receiving tables with --jobs 3:\n%s\nwith --jobs 1:\n%s", got, want)
			}
			comparePackages(t, filepath.Join(w1, "archive"), filepath.Join(w3, "archive"))
			order.check(t)
		})
	}
}

// tableOrder records, across jobs, when each table started and finished
// and which job moved it.
type tableOrder struct {
	mu     sync.Mutex
	events []string
	jobs   map[int]bool
}

func (o *tableOrder) Table(string, int64) {}
func (o *tableOrder) Add(int)             {}
func (o *tableOrder) TableDone()          {}

func (o *tableOrder) Job(n int) plans.Progress {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.jobs == nil {
		o.jobs = map[int]bool{}
	}
	o.jobs[n] = true
	return &jobOrder{o: o}
}

type jobOrder struct {
	o       *tableOrder
	current string
}

func (j *jobOrder) log(e string) {
	j.o.mu.Lock()
	defer j.o.mu.Unlock()
	j.o.events = append(j.o.events, e)
}

func (j *jobOrder) Table(name string, _ int64) { j.current = name; j.log("start " + name) }
func (j *jobOrder) Add(int)                    {}
func (j *jobOrder) TableDone()                 { j.log("done " + j.current) }

// check requires more than one job, and every child table to start after
// its parent finished.
func (o *tableOrder) check(t *testing.T) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.jobs) < 2 {
		t.Errorf("the run used %d jobs, want 3", len(o.jobs))
	}
	at := func(e string) int {
		i := slices.Index(o.events, e)
		if i < 0 {
			t.Errorf("no %q in %v", e, o.events)
		}
		return i
	}
	// Some table started while another was moving: the jobs overlapped.
	overlap, moving := false, 0
	for _, e := range o.events {
		if strings.HasPrefix(e, "start ") {
			if moving > 0 {
				overlap = true
			}
			moving++
		} else {
			moving--
		}
	}
	if !overlap {
		t.Errorf("no two tables moved at the same time: %v", o.events)
	}
	for _, pc := range [][2]string{{"patient", "besok"}, {"anvandare", "behorighet"}, {"anvandare", "forordnande"}} {
		if done, start := at("done "+pc[0]), at("start "+pc[1]); done > start {
			t.Errorf("child %s started before its parent %s finished: %v", pc[1], pc[0], o.events)
		}
	}
}

// failingSource fails the read of one table after some of its rows, for
// good.
type failingSource struct {
	connectors.Source
	table string
	after int
}

var errInjected = errors.New("injected read failure")

func (f *failingSource) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	s, err := f.Source.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &failingSnapshot{Snapshot: s, f: f}, nil
}

type failingSnapshot struct {
	connectors.Snapshot
	f *failingSource
}

func (s *failingSnapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	rows, err := s.Snapshot.Scan(ctx, t, opts)
	if err != nil || t.Name != s.f.table {
		return rows, err
	}
	return &failingRows{Rows: rows, left: s.f.after}, nil
}

type failingRows struct {
	connectors.Rows
	left int
}

func (r *failingRows) Next() bool {
	if r.left <= 0 {
		return false
	}
	r.left--
	return r.Rows.Next()
}

func (r *failingRows) Err() error {
	if r.left <= 0 {
		return errInjected
	}
	return r.Rows.Err()
}

// A job that fails stops the others at their next batch, resumably: the
// error names the table, report.json says the run failed, and a run
// without the fault resumes to the result of a run that never failed.
func TestJobFailureStopsTheOthersResumably(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeDemo(t, src, 600)
	p := loadPlan(t, filepath.Join(copyDemoPlan(t, filepath.Join(dir, "plan"), 40), "plan.yaml"))
	clean, tgt := "sqlite://"+filepath.Join(dir, "clean.db"), "sqlite://"+filepath.Join(dir, "t.db")
	runJobs(t, p, src, clean, filepath.Join(dir, "clean"), 1, nil)
	work := filepath.Join(dir, "w")
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Jobs: 3, Now: fixedClock,
		WrapSource: func(s connectors.Source) connectors.Source {
			return &failingSource{Source: s, table: "besok", after: 300}
		}})
	var se *plans.StoppedError
	if !errors.As(err, &se) || !errors.Is(err, errInjected) {
		t.Fatalf("got %v, want a StoppedError for the injected failure", err)
	}
	if !strings.Contains(err.Error(), "moving besok into receiving table visit") || se.NotResumable != "" || se.Batches == 0 {
		t.Errorf("the stop names no table, or cannot resume, or committed nothing: %v", err)
	}
	b, rerr := os.ReadFile(filepath.Join(work, "report.json"))
	if rerr != nil || !strings.Contains(string(b), `"status": "failed"`) {
		t.Errorf("report.json: %v\n%s", rerr, b)
	}
	runJobs(t, p, src, tgt, work, 3, nil)
	if got, want := targetDigest(t, tgt, demoReceiving).String(), targetDigest(t, clean, demoReceiving).String(); got != want {
		t.Errorf("resumed after the failure:\n%s\nclean:\n%s", got, want)
	}
	comparePackages(t, filepath.Join(dir, "clean", "archive"), filepath.Join(work, "archive"))
}

// A run of several jobs stopped by Ctrl-C (Options.Stop) stops every job
// at its next batch, writes report.json, and resumes with one job to the
// same result as a run that was never stopped; and the other way round.
func TestJobsStopAndResumeAcrossJobCounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeDemo(t, src, 600)
	p := loadPlan(t, filepath.Join(copyDemoPlan(t, filepath.Join(dir, "plan"), 20), "plan.yaml"))
	clean := "sqlite://" + filepath.Join(dir, "clean.db")
	runJobs(t, p, src, clean, filepath.Join(dir, "clean"), 1, nil)
	for _, c := range []struct{ first, then int }{{3, 1}, {1, 3}, {2, 2}} {
		name := string(rune('0'+c.first)) + "-" + string(rune('0'+c.then))
		t.Run(name, func(t *testing.T) {
			tgt, work := "sqlite://"+filepath.Join(dir, name+".db"), filepath.Join(dir, name)
			stop := make(chan struct{})
			sa := &stopAfter{n: 5, stop: stop}
			_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Jobs: c.first, Now: fixedClock, Stop: stop, Progress: sa})
			if !errors.Is(err, plans.ErrInterrupted) {
				t.Fatalf("got %v, want ErrInterrupted", err)
			}
			b, rerr := os.ReadFile(filepath.Join(work, "report.json"))
			if rerr != nil || !strings.Contains(string(b), `"status": "interrupted"`) {
				t.Errorf("report.json: %v\n%s", rerr, b)
			}
			runJobs(t, p, src, tgt, work, c.then, nil)
			if got, want := targetDigest(t, tgt, demoReceiving).String(), targetDigest(t, clean, demoReceiving).String(); got != want {
				t.Errorf("resumed:\n%s\nclean:\n%s", got, want)
			}
			comparePackages(t, filepath.Join(dir, "clean", "archive"), filepath.Join(work, "archive"))
		})
	}
}

// The mainsub platform merges two sub-registers into one receiving table,
// each under a parent: the merge's members, the merge and their parent
// are one group. With three jobs, stopped midway and resumed, the result
// is a clean one-job run's, byte for byte.
func TestJobsWithMergesAndParents(t *testing.T) {
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "a test key, never a real one")
	dir := t.TempDir()
	src := makeSynthSQLite(t, dir, synth.MainSub, 400)
	p := loadPlan(t, "../testdata/plans/mainsub.yaml")
	p.BatchSize = 30
	receiving := []string{"care_unit", "patient", "visit", "app_user", "app_grant", "app_appointment"}
	clean := "sqlite://" + filepath.Join(dir, "clean.db")
	rep1 := runJobs(t, p, src, clean, filepath.Join(dir, "clean"), 1, nil)

	tgt, work := "sqlite://"+filepath.Join(dir, "t.db"), filepath.Join(dir, "w")
	stop := make(chan struct{})
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Jobs: 3, Now: fixedClock,
		Stop: stop, Progress: &stopAfter{n: 8, stop: stop}})
	if !errors.Is(err, plans.ErrInterrupted) {
		t.Fatalf("got %v, want ErrInterrupted", err)
	}
	rep3 := runJobs(t, p, src, tgt, work, 3, nil)
	if got, want := counts(t, rep3), counts(t, rep1); got != want {
		t.Errorf("report counts with --jobs 3:\n%s\nwith --jobs 1:\n%s", got, want)
	}
	if got, want := targetDigest(t, tgt, receiving).String(), targetDigest(t, clean, receiving).String(); got != want {
		t.Errorf("receiving tables with --jobs 3:\n%s\nwith --jobs 1:\n%s", got, want)
	}
	comparePackages(t, filepath.Join(dir, "clean", "archive"), filepath.Join(work, "archive"))
}

// run: {jobs: N} in the plan: a whole number from 1 to 64, else P071 at
// its line.
func TestPlanJobs(t *testing.T) {
	dir := t.TempDir()
	for extra, want := range map[string]string{
		"run: {jobs: 3}\n":  "",
		"run: {jobs: 0}\n":  "plan.yaml:9:13: error P071",
		"run: {jobs: 65}\n": "plan.yaml:9:13: error P071",
		"run: {jobs: x}\n":  "error Y001",
	} {
		p, ds := plans.Load(writePlan(t, dir, extra))
		err := ds.Err()
		switch {
		case want == "" && (err != nil || p.Jobs != 3):
			t.Errorf("%q: jobs %d, %v", extra, p.Jobs, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: %v, want %s", extra, err, want)
		}
	}
	p, _ := plans.Load(writePlan(t, dir, ""))
	for _, n := range []int{-1, 65} {
		_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: "sqlite://" + filepath.Join(dir, "none.db"), TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), Jobs: n})
		if err == nil || !strings.Contains(err.Error(), "--jobs must be from 1 to 64") {
			t.Errorf("--jobs %d: %v", n, err)
		}
	}
}
