package faulttest_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/regflytt/regflytt/connectors"
)

// testdataPlan writes a copy of the plan testdata/plans/<name> with
// batches of batch rows and its files named by absolute paths, and gives
// the copy's file.
func testdataPlan(t *testing.T, dir, name string, batch int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../../testdata/plans", name))
	if err != nil {
		t.Fatal(err)
	}
	testdata, err := filepath.Abs("../../testdata")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "../", testdata+"/")
	if !strings.Contains(text, "batch_size: 5000") {
		t.Fatalf("%s no longer says batch_size: 5000: adjust the test", name)
	}
	text = strings.Replace(text, "batch_size: 5000", "batch_size: "+itoa(int64(batch)), 1)
	return write(t, filepath.Join(dir, name), text)
}

// unitOfState gives the unit in progress of a checkpoint's state: of the
// units in progress (one per job), a merge if one is, else the first;
// checkpoints before jobs named the one in progress as unit.
func unitOfState(t *testing.T, state string) string {
	t.Helper()
	var c struct {
		Unit   string `json:"unit"`
		Moving []struct {
			Unit string `json:"unit"`
		} `json:"moving"`
	}
	if err := json.Unmarshal([]byte(state), &c); err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Moving {
		if strings.HasPrefix(m.Unit, "merge:") {
			return m.Unit
		}
	}
	if len(c.Moving) > 0 {
		return c.Moving[0].Unit
	}
	return c.Unit
}

// lastUnit gives the sequence number and unit of a target's last
// checkpoint.
func lastUnit(t *testing.T, url string) (int64, string) {
	t.Helper()
	var seq int64
	var unit string
	inTarget(t, url, func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table) {
		for i, tb := range tables {
			if tb.Name != "regflytt_checkpoint" {
				continue
			}
			rows, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				r := rows.Row()
				if s, _ := r[1].(int64); s > seq {
					seq = s
					state, _ := r[5].(string)
					unit = unitOfState(t, state)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	return seq, unit
}

// checkpointLook reads the last checkpoint of a SQLite target straight
// from its file, in one query on a connection kept open: a look at a
// frozen run is short. A target file not made yet, or without the
// bookkeeping tables yet, has no checkpoint (seq -1).
type checkpointLook struct {
	path string
	db   *sql.DB
}

// last gives the last checkpoint's sequence number and unit in progress;
// ok is false when the look could not be made now, to look again later: a
// run frozen while it held a lock of the WAL's index (publishing a commit,
// or checkpointing the WAL) makes a reader give up, busy or "locking
// protocol".
func (l *checkpointLook) last(t *testing.T) (seq int64, unit string, ok bool) {
	t.Helper()
	if l.db == nil {
		if _, err := os.Stat(l.path); err != nil {
			return -1, "", true
		}
		db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: l.path}).EscapedPath()+"?mode=ro&_pragma=busy_timeout(200)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		l.db = db
	}
	var state string
	var se *sqlite.Error
	err := l.db.QueryRow(`SELECT seq, state FROM regflytt_checkpoint ORDER BY seq DESC LIMIT 1`).Scan(&seq, &state)
	switch {
	case errors.Is(err, sql.ErrNoRows) || err != nil && strings.Contains(err.Error(), "no such table"):
		return -1, "", true
	case errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_PROTOCOL):
		return 0, "", false
	case err != nil:
		t.Fatalf("look at the checkpoint: %v", err)
	}
	return seq, unitOfState(t, state), true
}

// freeze stops a process (SIGSTOP) and waits until every thread of it
// has stopped: from then on it does nothing until SIGCONT or SIGKILL.
// False when the process ended first.
func freeze(t *testing.T, p *os.Process) bool {
	t.Helper()
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		return false
	}
	dir := filepath.Join("/proc", itoa(int64(p.Pid)), "task")
	deadline := time.Now().Add(10 * time.Second)
	for {
		tasks, err := os.ReadDir(dir)
		if err != nil {
			return false
		}
		stopped := 0
		for _, task := range tasks {
			b, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
			if err != nil {
				continue // a thread that ended
			}
			// The state follows the command name, in parentheses.
			i := strings.LastIndexByte(string(b), ')')
			if i < 0 || i+2 >= len(b) {
				t.Fatalf("%s/%s/stat: %q", dir, task.Name(), b)
			}
			switch b[i+2] {
			case 'T', 't':
				stopped++
			case 'Z', 'X':
				return false
			}
		}
		if stopped == len(tasks) {
			return true
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d did not stop", p.Pid)
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// killedBySIGKILL says whether a process's end (cmd.Wait) was SIGKILL.
func killedBySIGKILL(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// A plan that merges tables, SIGKILLed every few batches through its
// member tables and its merge: each plain `regflytt run` resumes, and
// the end is the same target and archive as a clean run's, PASS. The old
// runner refused to resume a merge.
func TestKilledMergeRunResumesExactly(t *testing.T) { killedMergeRunResumes(t) }

// The same with three jobs: the merge, its members and their parent are
// one group, moving beside the others.
func TestKilledMergeRunResumesExactlyWithJobs(t *testing.T) { killedMergeRunResumes(t, "--jobs", "3") }

// The test looks at a run every lookEvery, frozen (freeze): the run does
// nothing while the test looks, so a kill leaves exactly the checkpoint
// the test saw, however slow the look on a loaded machine. Each run is
// killed at the first look that shows a checkpoint of its own past k, or
// one of the merge: every run that commits in the merge is killed in it.
//
// (The test used to look at a running process, through the connector,
// and kill after the look: on a loaded machine a look took as long as
// twenty merge batches, and a run went through the whole merge between
// two looks: "too few in the merge". The count was checked before the
// result, so a failed count hid whether the result was right; in every
// reproduction it was.)
const lookEvery = 2 * time.Millisecond

// minMergeKills is how many runs must be killed in the merge. Between two
// looks a run runs for lookEvery and the time the test takes to wake and
// freeze it: at most 10 merge batches seen with two busy loops on two
// cores, 8 with four, 1 to 6 on an idle machine; the merge has 35.
const minMergeKills = 2

// mergeKey is the pseudonym key of the merge tests' runs.
const mergeKey = "fault tests: not a real key"

// cleanReference is a clean run that killed runs compare with: the
// source it read, its receiving tables and what it left.
type cleanReference struct {
	source string // the synthetic source's SQLite file
	tables []string
	want   digest
}

// mergeRef is the clean run both merge tests compare with: their plan and
// source are its own, and it runs without their flags (--jobs), so one
// serves both.
var mergeRef struct {
	once sync.Once
	dir  string
	cleanReference
	err error
}

// mergeReference synthesizes the merge tests' source and runs the plan
// into a clean target once for the package, uninterrupted, and gives the
// source, receiving tables and digest. TestMain removes its folder.
func mergeReference(t *testing.T, bin string) cleanReference {
	t.Helper()
	mergeRef.once.Do(func() {
		dir, err := os.MkdirTemp("", "regflytt-merge-ref-")
		if err != nil {
			mergeRef.err = err
			return
		}
		mergeRef.dir = dir
		// The reference is made inside the first merge test; a failure
		// fails it and, through err, the other.
		ok := t.Run("clean reference run", func(t *testing.T) {
			src := "sqlite://" + filepath.Join(dir, "legacy.db")
			if code, out := runBin(t, bin, "synth", "--platform", "mainsub", "--patients", "600", "--seed", "5", "--target", src); code != 0 {
				t.Fatalf("synth: exit %d\n%s", code, out)
			}
			plan := testdataPlan(t, dir, "mainsub.yaml", 25)
			cleanTgt := "sqlite://" + filepath.Join(dir, "clean.db")
			if code, out := runBin(t, bin, "run", plan, "--source", src, "--target", cleanTgt, "--work", filepath.Join(dir, "clean")); code != 0 {
				t.Fatalf("clean run: exit %d\n%s", code, out)
			}
			mergeRef.source = filepath.Join(dir, "legacy.db")
			mergeRef.tables = receivingTables(t, cleanTgt)
			mergeRef.want = resultDigest(t, cleanTgt, mergeRef.tables, filepath.Join(dir, "clean", "archive"))
		})
		if !ok {
			mergeRef.err = errors.New("the clean reference run failed (see the first merge test)")
		}
	})
	if mergeRef.err != nil {
		t.Fatal(mergeRef.err)
	}
	return mergeRef.cleanReference
}

func killedMergeRunResumes(t *testing.T, extra ...string) {
	if runtime.GOOS != "linux" {
		t.Skip("the test freezes runs and reads their threads' states in /proc: Linux only")
	}
	bin := buildRegflytt(t)
	dir := t.TempDir()
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", mergeKey)
	ref := mergeReference(t, bin)
	// A copy of the source the clean run read (its WAL too, should one be
	// left): the killed runs read their own.
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(ref.source + suffix)
		if suffix != "" && errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, "legacy.db"+suffix), string(b))
	}
	plan := testdataPlan(t, dir, "mainsub.yaml", 25)
	tables, want := ref.tables, ref.want

	tgtFile := filepath.Join(dir, "t.db")
	tgt := "sqlite://" + tgtFile
	work := filepath.Join(dir, "w")
	look := &checkpointLook{path: tgtFile}
	killed, inMerge := 0, 0
	var kills []string
	alreadyFinished := false
	for k := int64(5); ; k += 5 {
		// The run before is dead: its last checkpoint is final, and any
		// after it are this run's.
		startSeq, startUnit, ok := look.last(t)
		if !ok {
			t.Fatal("the target is busy with no run")
		}
		cmd := exec.Command(bin, append([]string{"run", plan, "--source", src, "--target", tgt, "--work", work}, extra...)...)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// A run the test leaves frozen when it fails must not stay so.
		t.Cleanup(func() { cmd.Process.Kill() })
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// ended handles the end of a run the test did not kill.
		ended := func(err error) {
			// A kill after the last checkpoint but before the process
			// ended leaves a finished run: the next says so.
			if err != nil && !strings.Contains(out.String(), "already finished (verification PASS") {
				t.Fatalf("run %d: %v\n%s", killed, err, out.String())
			}
			alreadyFinished = err != nil
		}
		finished := false
	run:
		for {
			select {
			case err := <-done:
				ended(err)
				finished = true
				break run
			case <-time.After(lookEvery):
			}
			if !freeze(t, cmd.Process) {
				continue // it ended: done says how
			}
			seq, unit, ok := look.last(t)
			merging := strings.HasPrefix(unit, "merge:")
			if !ok || seq <= startSeq || seq < k && !merging {
				cmd.Process.Signal(syscall.SIGCONT)
				continue
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			if err := <-done; !killedBySIGKILL(err) {
				// It had ended before it was frozen.
				ended(err)
				finished = true
				break run
			}
			killed++
			kills = append(kills, itoa(startSeq)+" "+startUnit+" -> "+itoa(seq)+" "+unit)
			// Exactly what the frozen run showed, read by the connector.
			if s, u := lastUnit(t, tgt); s != seq || u != unit {
				t.Fatalf("the kill left checkpoint %d (unit %q), the frozen run showed %d (unit %q)", s, u, seq, unit)
			}
			if merging {
				inMerge++
			}
			break run
		}
		if finished {
			break
		}
	}
	t.Logf("%d runs killed, %d of them in the merge (first and last checkpoint of each):\n%s", killed, inMerge, strings.Join(kills, "\n"))
	if alreadyFinished {
		// The last kill took the run between its final record and its
		// report: the independent verification stands in for it.
		verifiedWhole(t, bin, plan, src, tgt, work)
	} else if !reportPass(t, work) {
		t.Error("the resumed run's report does not PASS")
	}
	got := targetDigest(t, tgt, tables)
	for k, v := range archiveDigest(t, filepath.Join(work, "archive")) {
		got[k] = v
	}
	if got.String() != want.String() {
		t.Errorf("after %d kills (%d in the merge) the target or archive differs from a clean run's:\n got %s\nwant %s", killed, inMerge, got, want)
	}
	// What the test is for, checked after the result so that it never
	// hides a wrong one: runs resumed in the merge (and so one that
	// resumed in it and went past it, killed or to the end).
	if killed < 5 || inMerge < minMergeKills {
		t.Errorf("%d runs killed, %d in the merge: too few for the test to mean something (want 5 and %d)", killed, inMerge, minMergeKills)
	}
}
