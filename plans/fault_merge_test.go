package plans_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// mergePlan writes a copy of the mainsub plan (merged sub-registers) with
// batches of batch rows and its files named by absolute paths.
func mergePlan(t *testing.T, dir string, batch int) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/plans/mainsub.yaml")
	if err != nil {
		t.Fatal(err)
	}
	testdata, err := filepath.Abs("../testdata")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(b), "../", testdata+"/")
	if !strings.Contains(text, "batch_size: 5000") {
		t.Fatal("mainsub.yaml no longer says batch_size: 5000: adjust the test")
	}
	text = strings.Replace(text, "batch_size: 5000", "batch_size: "+itoa(int64(batch)), 1)
	return write(t, filepath.Join(dir, "mainsub.yaml"), text)
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
					// The units in progress (one per job); checkpoints
					// before jobs named the one in progress as unit.
					var c struct {
						Unit   string `json:"unit"`
						Moving []struct {
							Unit string `json:"unit"`
						} `json:"moving"`
					}
					state, _ := r[5].(string)
					if err := json.Unmarshal([]byte(state), &c); err != nil {
						t.Fatal(err)
					}
					unit = c.Unit
					if len(c.Moving) > 0 {
						unit = c.Moving[0].Unit
					}
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
		}
	})
	return seq, unit
}

// A plan that merges tables, SIGKILLed every few batches through its
// member tables and its merge: each plain `regflytt run` resumes, and
// the end is the same target and archive as a clean run's, PASS. The old
// runner refused to resume a merge.
func TestKilledMergeRunResumesExactly(t *testing.T) { killedMergeRunResumes(t) }

// The same with three jobs: the merge, its members and their parent are
// one group, moving beside the others.
func TestKilledMergeRunResumesExactlyWithJobs(t *testing.T) { killedMergeRunResumes(t, "--jobs", "3") }

func killedMergeRunResumes(t *testing.T, extra ...string) {
	bin := buildRegflytt(t)
	dir := t.TempDir()
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "fault tests: not a real key")
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	if code, out := runBin(t, bin, "synth", "--platform", "mainsub", "--patients", "600", "--seed", "5", "--target", src); code != 0 {
		t.Fatalf("synth: exit %d\n%s", code, out)
	}
	plan := mergePlan(t, dir, 25)
	cleanTgt := "sqlite://" + filepath.Join(dir, "clean.db")
	if code, out := runBin(t, bin, "run", plan, "--source", src, "--target", cleanTgt, "--work", filepath.Join(dir, "clean")); code != 0 {
		t.Fatalf("clean run: exit %d\n%s", code, out)
	}
	tables := receivingTables(t, cleanTgt)
	want := targetDigest(t, cleanTgt, tables)
	for k, v := range archiveDigest(t, filepath.Join(dir, "clean", "archive")) {
		want[k] = v
	}

	tgtFile := filepath.Join(dir, "t.db")
	tgt := "sqlite://" + tgtFile
	work := filepath.Join(dir, "w")
	killed, inMerge := 0, 0
	alreadyFinished := false
	for k := int64(5); ; k += 5 {
		cmd := exec.Command(bin, append([]string{"run", plan, "--source", src, "--target", tgt, "--work", work}, extra...)...)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var finished bool
		startSeq := int64(-1)
		if _, err := os.Stat(tgtFile); err == nil {
			startSeq, _ = lastUnit(t, tgt)
		}
	wait:
		for {
			select {
			case err := <-done:
				// A kill after the last checkpoint but before the process
				// ended leaves a finished run: the next says so.
				if err != nil && !strings.Contains(out.String(), "already finished (verification PASS") {
					t.Fatalf("run %d: %v\n%s", killed, err, out.String())
				}
				alreadyFinished = err != nil
				finished = true
				break wait
			case <-time.After(2 * time.Millisecond):
				if _, err := os.Stat(tgtFile); err != nil {
					continue
				}
				// Past k, or at the first merge commit this run made: a loaded
				// machine polls slowly, and the merge's few units would
				// otherwise pass between two looks.
				if seq, unit := lastUnit(t, tgt); seq > startSeq && (seq >= k || strings.HasPrefix(unit, "merge:")) {
					if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
						t.Fatal(err)
					}
					<-done
					killed++
					if _, unit := lastUnit(t, tgt); strings.HasPrefix(unit, "merge:") {
						inMerge++
					}
					break wait
				}
			}
		}
		if finished {
			break
		}
	}
	if killed < 5 || inMerge < 2 {
		t.Fatalf("%d runs killed, %d in the merge: too few for the test to mean something", killed, inMerge)
	}
	t.Logf("%d runs killed, %d of them in the merge", killed, inMerge)
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
}
