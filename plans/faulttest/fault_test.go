package faulttest_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans/plantest"
)

// killsEnv sets the number of SIGKILLs of every fault test (default
// faultKills, and issueKills for the MariaDB to PostgreSQL run the issue
// names), e.g. REGFLYTT_FAULT_KILLS=20 for all.
const killsEnv = "REGFLYTT_FAULT_KILLS"

const faultKills = 8

// issueKills are the random moments the issue asks of the MariaDB to
// PostgreSQL run (TestKilledRunResumesExactly): affordable since the fault
// tests are a package of their own, with their own timeout.
const issueKills = 20

// buildRegflytt builds the command once for the package's tests.
func buildRegflytt(t *testing.T) string {
	t.Helper()
	return plantest.Regflytt(t, "../../cmd/regflytt")
}

// TestMain removes the built command and the merge tests' clean run
// after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	plantest.RemoveBuilt()
	if mergeRef.dir != "" {
		os.RemoveAll(mergeRef.dir)
	}
	os.Exit(code)
}

// smallBatchDemoPlan writes a copy of the demo plan with small batches
// and returns its plan file.
func smallBatchDemoPlan(t *testing.T, dir string, batch int) string {
	t.Helper()
	return filepath.Join(copyDemoPlan(t, filepath.Join(dir, "plan"), batch), "plan.yaml")
}

// runBin runs regflytt with args and returns its exit code and output.
func runBin(t *testing.T, bin string, args ...string) (int, string) {
	t.Helper()
	return plantest.RunBin(t, bin, args...)
}

// verifiedWhole runs `regflytt verify` for a run that finished without
// its report and fails the test unless every record is accounted for and
// nothing differs: alarms the plan does not acknowledge fail verify but
// did not fail the run, so they are not the question here.
func verifiedWhole(t *testing.T, bin, plan, src, tgt, work string) {
	t.Helper()
	// The run's end check may have left a report of its own there: only
	// what this verify writes is the answer.
	if err := os.Remove(filepath.Join(work, "verify-report.json")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	code, out := runBin(t, bin, "verify", plan, "--source", src, "--target", tgt, "--work", work)
	b, err := os.ReadFile(filepath.Join(work, "verify-report.json"))
	if err != nil {
		t.Fatalf("verify after the finished run: exit %d, %v\n%s", code, err, out)
	}
	var rep struct {
		Exceptions        []json.RawMessage `json:"exceptions"`
		ArchiveExceptions []json.RawMessage `json:"archive_exceptions"`
		Problems          []string          `json:"problems"`
		SourceReads       []struct {
			Table      string          `json:"table"`
			Check      json.RawMessage `json:"check"`
			NotChecked string          `json:"not_checked"`
		} `json:"source_reads"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Exceptions)+len(rep.ArchiveExceptions)+len(rep.Problems) > 0 {
		t.Errorf("verify after the finished run: exit %d, %d exceptions, %d archive exceptions, problems %q\n%s", code, len(rep.Exceptions), len(rep.ArchiveExceptions), rep.Problems, out)
	}
	// The synthetic registry's tables, garbled text and zero dates
	// included, are read as the database holds them. SQLite computes no
	// checksum of its own (the merge test's source): verify notes that.
	if strings.HasPrefix(src, "sqlite:") {
		return
	}
	for _, sr := range rep.SourceReads {
		if sr.Check == nil {
			t.Errorf("verify did not check source table %s as read: %s", sr.Table, sr.NotChecked)
		}
	}
	if len(rep.SourceReads) == 0 {
		t.Errorf("verify checked no source table as read (exit %d, notes %q)\n%s", code, rep.Notes, out)
	}
}

// reportPass says whether the run whose work directory is work wrote a
// passing report.
func reportPass(t *testing.T, work string) bool {
	t.Helper()
	return plantest.ReportPass(t, work)
}

// The fault test: `regflytt run` of a few thousand synthetic patients,
// MariaDB to PostgreSQL, SIGKILLed at random moments; after each kill a
// plain `regflytt run` resumes, and in the end the receiving tables and
// the archive are the same as a clean run's and the report says PASS.
func TestKilledRunResumesExactly(t *testing.T) { killedRunResumes(t, issueKills) }

// The same with two jobs moving the demo's independent tables at once:
// a kill lands while several units are in progress.
func TestKilledRunResumesExactlyWithJobs(t *testing.T) {
	killedRunResumes(t, faultKills, "--jobs", "2")
}

func killedRunResumes(t *testing.T, kills int, extra ...string) {
	src := mytest.NewDatabase(t)
	writeDemo(t, src, 4000)
	dir := t.TempDir()
	killedRunResumesInto(t, killCase{dir: dir, plan: smallBatchDemoPlan(t, dir, 100), src: src,
		cleanTgt: pgtest.NewDatabase(t), tgt: pgtest.NewDatabase(t), tables: demoTables, extra: extra, kills: kills})
}

// killCase is what a SIGKILL test runs: a plan, from a source into a
// clean target and into the target its runs are killed in, both of one
// kind (the kind decides the commit unit and how the test watches it).
type killCase struct {
	dir           string // the test's temporary directory
	plan, src     string
	cleanTgt, tgt string
	// tables are the receiving tables compared; nil: every table of the
	// clean target but the bookkeeping.
	tables []string
	extra  []string // the runs' further flags
	kills  int      // how many runs to kill; 0: faultKills
}

// killedRunResumesInto runs c's plan cleanly, then into c.tgt SIGKILLed
// at random moments, each kill followed by a plain resuming run, and
// requires the same target and archive as the clean run's, PASS, and no
// temporary file left behind.
func killedRunResumesInto(t *testing.T, c killCase) {
	bin := buildRegflytt(t)
	dir, plan, src, cleanTgt, tgt, extra := c.dir, c.plan, c.src, c.cleanTgt, c.tgt, c.extra
	// The clean run, timed: its startup (until it begins its batches)
	// and the whole.
	cleanWork := filepath.Join(dir, "clean")
	start := time.Now()
	clean := exec.Command(bin, append([]string{"run", plan, "--source", src, "--target", cleanTgt, "--work", cleanWork}, extra...)...)
	var cleanOut strings.Builder
	clean.Stdout, clean.Stderr = &cleanOut, &cleanOut
	if err := clean.Start(); err != nil {
		t.Fatal(err)
	}
	cleanDone := make(chan error, 1)
	go func() { cleanDone <- clean.Wait() }()
	var startup time.Duration
	var cleanErr error
	for waiting := true; waiting; {
		select {
		case cleanErr = <-cleanDone:
			waiting = false
		case <-time.After(2 * time.Millisecond):
			if _, err := os.Stat(filepath.Join(cleanWork, "archive-parts")); err == nil && startup == 0 {
				startup = time.Since(start)
			}
		}
	}
	if cleanErr != nil {
		t.Fatalf("clean run: %v\n%s", cleanErr, cleanOut.String())
	}
	cleanTime := time.Since(start)
	if startup == 0 || startup >= cleanTime {
		startup = cleanTime / 4
	}
	tables := c.tables
	if tables == nil {
		tables = receivingTables(t, cleanTgt)
	}
	want := resultDigest(t, cleanTgt, tables, filepath.Join(cleanWork, "archive"))

	total := checkpoints(t, cleanTgt)
	if total < 10 {
		t.Fatalf("the clean run committed %d batches: too few to kill it in between", total)
	}
	perBatch := (cleanTime - startup) / time.Duration(total)
	kills := c.kills
	if kills == 0 {
		kills = faultKills
	}
	if n, err := strconv.Atoi(os.Getenv(killsEnv)); err == nil && n > 0 {
		kills = n
	}
	seed := time.Now().UnixNano()
	t.Logf("%d kills, seed %d, a clean run takes %v (%v before its batches)", kills, seed, cleanTime, startup)
	rng := rand.New(rand.NewSource(seed))
	// goals[i] is the batch whose checkpoint the ith run waits for
	// before its kill: one in the ith of kills equal slices of 1..total.
	goals := make([]int64, kills)
	for i := range goals {
		lo, hi := 1+int64(i)*total/int64(kills), int64(i+1)*total/int64(kills)
		goals[i] = lo + rng.Int63n(max(hi-lo, 0)+1)
	}
	t.Logf("kills at the checkpoints of batches %v (of %d)", goals, total)
	work := filepath.Join(dir, "killed")
	// The killed runs' temporary files: none may stay behind in the
	// system's temporary directory, where nothing would ever remove them.
	sysTmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(sysTmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", sysTmp)
	checkpointsNow := checkpointWatch(t, tgt)
	finished, killed, midway := false, 0, 0
	var batches []int64
	// A resumed run first replays what is committed (parents, duplicates)
	// before it makes progress, so on a loaded machine the first kills
	// may all land before any: then it goes on killing, later each time,
	// until two kills have landed after progress (or three times the
	// kills were spent), instead of failing by chance.
	for i := 0; !finished && (i < kills || (midway < 2 && i < 3*kills)); i++ {
		// --work every time: a run killed before it recorded itself in
		// the target leaves nothing that names its work directory (the
		// resume's own lookup is TestRunResumesToTheSameResult's).
		cmd := exec.Command(bin, append([]string{"run", plan, "--source", src, "--target", tgt, "--work", work}, extra...)...)
		cmd.Dir = dir
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		done2 := make(chan struct{})
		go func() { done <- cmd.Wait(); close(done2) }()
		// One kill in five lands in a run's startup (checks, lock,
		// resume); the others once the target's checkpoints reach a batch
		// chosen in advance, a random part of a batch later. The batches
		// are drawn one in each of kills equal slices of the migration,
		// so the kills spread over all of it (the last slice's may be
		// its last batch: a kill in the archive's assembly or the
		// verification) whatever the machine's speed: following the
		// run's progress, not the clock, a slow run is killed at the
		// same batches as a fast one. A kill that landed late (the look
		// at the checkpoints lags on a loaded machine) moves no later
		// kill's batch; a run is killed one batch after its resume at
		// the earliest. Kills past the planned ones (no progress yet)
		// wait for the next batch.
		var killAt <-chan time.Time
		if rng.Intn(5) == 0 && i < kills {
			killAt = time.After(time.Duration(rng.Int63n(int64(startup))))
		} else {
			last := int64(0)
			if len(batches) > 0 {
				last = batches[len(batches)-1]
			}
			goal := last + 1
			if i < kills {
				goal = max(goal, goals[i])
			}
			goal = min(goal, total)
			after := time.Duration(rng.Int63n(int64(perBatch) + 1))
			if goal == total {
				after = time.Duration(rng.Int63n(int64(cleanTime-startup)/4 + 1))
			}
			ch := make(chan time.Time, 1)
			killAt = ch
			go func() {
				for {
					select {
					case <-done2:
						return
					case <-time.After(2 * time.Millisecond):
					}
					if n, err := checkpointsNow(); err == nil && n >= goal {
						// Seen past the goal: the look lagged, no more.
						if n == goal {
							time.Sleep(after)
						}
						ch <- time.Now()
						return
					}
				}
			}()
		}
		byItself := func(err error) {
			// A kill after the last checkpoint but before the process
			// ended leaves a finished run: the next says so.
			if err != nil && !strings.Contains(out.String(), "already finished (verification PASS") {
				t.Fatalf("run %d ended by itself with %v before it was killed:\n%s", i, err, out.String())
			}
			finished = true
		}
		select {
		case err := <-done:
			byItself(err)
		case <-killAt:
			// The run may have ended just before.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
				t.Fatal(err)
			}
			if err := <-done; !killedBySIGKILL(err) {
				byItself(err)
				break
			}
			killed++
			n := checkpoints(t, tgt)
			if len(batches) > 0 && n > batches[len(batches)-1] {
				midway++
			}
			batches = append(batches, n)
		}
	}
	t.Logf("checkpoints committed after each kill: %v", batches)
	if killed > 2 && midway < 2 {
		t.Fatalf("the kills landed where no run made progress (checkpoints after each kill: %v): the test proved too little", batches)
	}
	if killed < (kills+1)/2 {
		t.Fatalf("only %d of %d runs were killed before the migration finished: the test proved too little", killed, kills)
	}
	alreadyFinished := false
	if !finished {
		code, out := runBin(t, bin, append([]string{"run", plan, "--source", src, "--target", tgt, "--work", work}, extra...)...)
		// The last kill may land between the run's final record and the
		// end of the process: the resuming run then says it finished.
		alreadyFinished = code != 0 && strings.Contains(out, "already finished (verification PASS")
		if code != 0 && !alreadyFinished {
			t.Fatalf("the resuming run: exit %d\n%s", code, out)
		}
	}
	t.Logf("%d runs killed", killed)
	if !alreadyFinished && !reportPass(t, work) {
		t.Error("the resumed run's report does not PASS")
	}
	// The run's own end check aside, an independent verification of
	// what the killed runs and their resumptions left.
	verifiedWhole(t, bin, plan, src, tgt, work)
	if left, _ := os.ReadDir(sysTmp); len(left) > 0 {
		t.Errorf("the killed runs left %d entries in the temporary directory, e.g. %s", len(left), left[0].Name())
	}
	if _, err := os.Stat(filepath.Join(work, "regflytt-scratch")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the finished run left its scratch directory: %v", err)
	}
	// The work directory holds the files a clean run's holds, no part,
	// spill or half-written file of a killed run besides.
	if got, want := workFiles(t, work), workFiles(t, cleanWork); got != want {
		t.Errorf("the killed and resumed runs' work directory holds other files than a clean run's:\n got %s\nwant %s", got, want)
	}
	if file, ok := strings.CutPrefix(tgt, "sqlite://"); ok {
		// Beside a target file: its WAL and lock files, nothing else.
		beside, err := filepath.Glob(file + "?*")
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range beside {
			if rest := strings.TrimPrefix(f, file); rest != "-wal" && rest != "-shm" && !strings.HasSuffix(rest, ".lock") {
				t.Errorf("the killed runs left %s beside the target file", f)
			}
		}
	}
	// What the schema declares beyond columns and primary keys is
	// created after the load, by statements a target may commit one by
	// one (MariaDB's DDL): all of it, once.
	if got, want := catalogue(t, tgt, tables), catalogue(t, cleanTgt, tables); got != want {
		t.Errorf("after %d kills the receiving tables are not made as a clean run's:\n got %s\nwant %s", killed, got, want)
	}
	if got := resultDigest(t, tgt, tables, filepath.Join(work, "archive")); got.String() != want.String() {
		t.Errorf("after %d kills the target or archive differs from a clean run's:\n got %s\nwant %s", killed, got, want)
	}
}

// catalogue describes the named tables of a database as its catalogue
// gives them: columns, keys, indexes, foreign keys, defaults.
func catalogue(t *testing.T, url string, names []string) string {
	t.Helper()
	var b strings.Builder
	inTarget(t, url, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for _, tb := range tables {
			if slices.Contains(names, tb.Name) {
				tb.RowEstimate = 0
				fmt.Fprintf(&b, "%+v\n", tb)
			}
		}
	})
	return b.String()
}

// workFiles lists the files under a work directory, by relative path.
func workFiles(t *testing.T, dir string) string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		files = append(files, rel)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(files, " ")
}

// Two runs into one target at once, as two processes: the second is
// refused while the first holds the target, naming it; the first
// completes. On PostgreSQL (advisory lock) and MariaDB (GET_LOCK).
func TestConcurrentRunsRefused(t *testing.T) {
	src := mytest.NewDatabase(t)
	writeDemo(t, src, 3000)
	bin := buildRegflytt(t)
	for name, newTarget := range map[string]func(testing.TB) string{"postgres": pgtest.NewDatabase, "mariadb": mytest.NewDatabase} {
		t.Run(name, func(t *testing.T) {
			tgt := newTarget(t)
			dir := t.TempDir()
			plan := smallBatchDemoPlan(t, dir, 25)
			first := exec.Command(bin, "run", plan, "--source", src, "--target", tgt, "--work", filepath.Join(dir, "one"))
			var out1 strings.Builder
			first.Stdout, first.Stderr = &out1, &out1
			if err := first.Start(); err != nil {
				t.Fatal(err)
			}
			defer first.Process.Kill()
			// Wait until the first run has recorded itself and holds the
			// lock (its first batch committed).
			deadline := time.Now().Add(30 * time.Second)
			for {
				if _, err := os.Stat(filepath.Join(dir, "one", "archive-parts")); err == nil {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the first run did not start writing:\n%s", out1.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			// Frozen while the second starts, so that it cannot finish
			// first however loaded the machine is.
			if err := first.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			code, out2 := runBin(t, bin, "run", plan, "--source", src, "--target", tgt, "--work", filepath.Join(dir, "two"))
			if err := first.Process.Signal(syscall.SIGCONT); err != nil {
				t.Fatal(err)
			}
			if code != 1 || !strings.Contains(out2, "another regflytt run is writing this target: register demo") ||
				!strings.Contains(out2, fmt.Sprintf("process %d", first.Process.Pid)) {
				t.Errorf("second run: exit %d\n%s\nwant exit 1 and a refusal naming the first (process %d)", code, out2, first.Process.Pid)
			}
			if err := first.Wait(); err != nil {
				t.Fatalf("the first run: %v\n%s", err, out1.String())
			}
			if !reportPass(t, filepath.Join(dir, "one")) {
				t.Error("the first run did not PASS")
			}
		})
	}
}

// Ctrl-C, as a process sees it: the first SIGINT stops `regflytt run`
// after the current batch commits, saying how to resume, with exit 130
// and report.json; a plain run then resumes to PASS. A second SIGINT
// stops at once, still resumably.
func TestInterruptedRunResumes(t *testing.T) { interruptedRunResumes(t) }

// The same with three jobs: every job stops at its next batch.
func TestInterruptedRunResumesWithJobs(t *testing.T) { interruptedRunResumes(t, "--jobs", "3") }

func interruptedRunResumes(t *testing.T, extra ...string) {
	bin := buildRegflytt(t)
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	if code, out := runBin(t, bin, "synth", "--platform", "demo", "--patients", "3000", "--target", src); code != 0 {
		t.Fatalf("synth: exit %d\n%s", code, out)
	}
	plan := smallBatchDemoPlan(t, dir, 20)
	work := filepath.Join(dir, "w")
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	for _, signals := range []int{1, 2} {
		cmd := exec.Command(bin, append([]string{"run", plan, "--source", src, "--target", tgt, "--work", work}, extra...)...)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Interrupt once the run has written a new archive part: it has
		// caught signals since it started, and is among its batches.
		lastPart := func() string {
			parts, _ := filepath.Glob(filepath.Join(work, "archive-parts", "*.part"))
			if len(parts) == 0 {
				return ""
			}
			return parts[len(parts)-1]
		}
		before := lastPart()
		deadline := time.Now().Add(30 * time.Second)
		for {
			if p := lastPart(); p > before {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the run did not start writing:\n%s", out.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
		for i := 0; i < signals; i++ {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Millisecond)
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 130 {
			t.Fatalf("%d interrupts: %v, want exit 130\n%s", signals, err, out.String())
		}
		for _, want := range []string{"stopping after the current batch commits", "again to resume where it stopped"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%d interrupts: the output lacks %q:\n%s", signals, want, out.String())
			}
		}
		b, err := os.ReadFile(filepath.Join(work, "report.json"))
		if err != nil || !strings.Contains(string(b), `"status": "interrupted"`) {
			t.Errorf("%d interrupts: report.json %v\n%s", signals, err, b)
		}
	}
	if code, out := runBin(t, bin, append([]string{"run", plan, "--source", src, "--target", tgt}, extra...)...); code != 0 {
		t.Fatalf("the resuming run: exit %d\n%s", code, out)
	}
	if !reportPass(t, work) {
		t.Error("the resumed run does not PASS")
	}
}

// checkpointWatch gives a function that reads the sequence number of
// the last checkpoint committed in the target at url, for a goroutine
// that is not the test's (it fails no test: an error, such as no
// bookkeeping yet, is the caller's to wait out), straight from the
// database and without the connector, whose open and catalogue would
// make each look slow.
func checkpointWatch(t *testing.T, url string) func() (int64, error) {
	t.Helper()
	const q = "SELECT coalesce(max(seq), 0) FROM regflytt_checkpoint"
	switch {
	case strings.HasPrefix(url, "postgres"):
		// One connection kept between looks (a new one each time took
		// the server a process start, which lagged the kills behind the
		// run on a loaded machine), made again after an error.
		var mu sync.Mutex
		var conn *pgx.Conn
		t.Cleanup(func() {
			mu.Lock()
			defer mu.Unlock()
			if conn != nil {
				conn.Close(context.Background())
			}
		})
		return func() (int64, error) {
			mu.Lock()
			defer mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if conn == nil {
				c, err := pgx.Connect(ctx, url)
				if err != nil {
					return 0, err
				}
				conn = c
			}
			var n int64
			if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
				conn.Close(ctx)
				conn = nil
				return 0, err
			}
			return n, nil
		}
	case strings.HasPrefix(url, "mysql") || strings.HasPrefix(url, "mariadb"):
		db := mytest.Open(t, url)
		return func() (int64, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			var n int64
			err := db.QueryRowContext(ctx, q).Scan(&n)
			return n, err
		}
	case strings.HasPrefix(url, "sqlite://"):
		path := strings.TrimPrefix(url, "sqlite://")
		// Read-only, and no connection kept between looks: the runs own
		// the file, and the last of them to close it removes its WAL.
		db, err := sql.Open("sqlite", "file:"+(&neturl.URL{Path: path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(200)")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxIdleConns(0)
		t.Cleanup(func() { db.Close() })
		return func() (int64, error) {
			if _, err := os.Stat(path); err != nil {
				return 0, err // not made yet: read-only, a look would not make it
			}
			var n int64
			err := db.QueryRow(q).Scan(&n)
			return n, err
		}
	}
	t.Fatalf("checkpointWatch: no way to watch %s", url)
	return nil
}

// checkpoints gives the sequence number of the last checkpoint committed
// in a target (plantest.Checkpoints).
func checkpoints(t *testing.T, url string) int64 {
	t.Helper()
	return plantest.Checkpoints(t, url)
}
