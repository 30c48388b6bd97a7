package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/regflytt/regflytt/plans"
)

// cli runs one command line from the repository root, as a user would.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	wd, _ := os.Getwd()
	if err := os.Chdir("../.."); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDemoTwiceInARow(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	for i := 0; i < 2; i++ {
		code, out, errs := cli(t, "demo", "--work", work)
		if code != exitOK {
			t.Fatalf("run %d: exit %d\n%s\n%s", i+1, code, out, errs)
		}
		if !strings.Contains(out, "PASS") || !strings.Contains(out, "work directory: "+work) {
			t.Fatalf("run %d: summary lacks PASS or the work directory:\n%s", i+1, out)
		}
	}
}

// TestDemoAcknowledgesOnlyItsFindings holds the demo plan's
// acknowledgements to what the demo's defects give at any size: an
// acknowledgement that names no finding is printed as a note asking the
// user to remove it, which the first run a newcomer sees must not carry.
// (Its one duplicate account was under 5% of the users above about 150
// patients.)
func TestDemoAcknowledgesOnlyItsFindings(t *testing.T) {
	for _, patients := range []string{"8", "300", "2000"} {
		code, out, errs := cli(t, "demo", "--work", filepath.Join(t.TempDir(), "demo"), "--patients", patients)
		if code != exitOK {
			t.Fatalf("%s patients: exit %d\n%s\n%s", patients, code, out, errs)
		}
		if strings.Contains(out+errs, "which is no finding of this verification") {
			t.Errorf("%s patients: the demo plan acknowledges a finding the demo does not give:\n%s", patients, out)
		}
		// The records of no unit ("(none)": the default demo's visits
		// without a care unit) are counted as no reporting unit.
		if patients == "300" && (!strings.Contains(out, "\n  (none) ") || !strings.Contains(out, "reporting units: 20 ")) {
			t.Errorf("300 patients: the summary does not count its 20 care units beside (none):\n%s", out)
		}
		for _, id := range []string{"archived_share.anvandare", "archived_share.behorighet", "archived_share.forordnande"} {
			if !strings.Contains(out, "finding "+id+":") {
				t.Errorf("%s patients: no finding %s in the summary", patients, id)
			}
		}
	}
}

func TestDemoQuietPrintsNothing(t *testing.T) {
	code, out, _ := cli(t, "demo", "--quiet", "--work", filepath.Join(t.TempDir(), "d"))
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q; want 0 and nothing", code, out)
	}
}

func TestDemoRefusesForeignWorkDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := cli(t, "demo", "--work", dir)
	if code != exitError || !strings.Contains(errs, "not made by regflytt demo") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "precious.txt")); err != nil {
		t.Fatal("the demo removed a file it did not make")
	}
}

func TestExitCodes(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("plan: 1\nregister: {id: x}\n"), 0o600)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"version"}, exitOK, "regflytt "},
		{[]string{"plan", "check", "testdata/plans/demo.yaml"}, exitOK, "ok"},
		{[]string{"plan", "check", bad}, exitUsage, "bad.yaml:2:11: error Y003: missing field \"name\""},
		{[]string{"run"}, exitUsage, "takes one plan file"},
		{[]string{"demo", "--no-such-flag"}, exitUsage, "unknown flag"},
		{[]string{"run", "testdata/plans/demo.yaml", "--source", "oracle://x", "--target", "sqlite:///tmp/x.db"}, exitError, "unknown database scheme"},
	}
	for _, c := range cases {
		code, out, errs := cli(t, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d with %q", c.args, code, out+errs, c.code, c.want)
		}
	}
}

func TestHelpListsExitCodes(t *testing.T) {
	_, out, _ := cli(t, "--help")
	if !strings.Contains(out, "Exit status:") || !strings.Contains(out, "demo") || !strings.Contains(out, "run") {
		t.Fatalf("help lacks commands or exit codes:\n%s", out)
	}
}

// A run that finished but failed verification exits 3, whatever wraps the
// error on its way up.
func TestExitCodeNotAccounted(t *testing.T) {
	var stderr bytes.Buffer
	err := fmt.Errorf("run demo: %w", plans.ErrNotAccounted)
	if code := exitCode(context.Background(), err, &stderr); code != exitNotAccounted {
		t.Fatalf("exit %d, want %d", code, exitNotAccounted)
	}
	if code := exitCode(context.Background(), fmt.Errorf("open source: refused"), &stderr); code != exitError {
		t.Fatalf("an ordinary error exits %d, want %d", code, exitError)
	}
}

// A run interrupted after it started writing says how to resume.
func TestInterruptedRunSaysHowToResume(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := &plans.StoppedError{Batches: 3, Plan: "plan.yaml", Err: context.Canceled}
	var stderr bytes.Buffer
	if code := exitCode(ctx, err, &stderr); code != exitInterrupted {
		t.Fatalf("exit %d, want %d", code, exitInterrupted)
	}
	if !strings.Contains(stderr.String(), "interrupted") || !strings.Contains(stderr.String(), "run `regflytt run plan.yaml` again to resume") {
		t.Fatalf("stderr %q", stderr.String())
	}
}

// fullWriter is standard output on a full disk (or a closed pipe whose
// signal is ignored): every write fails.
type fullWriter struct{}

func (fullWriter) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// A command whose result could not be written to standard output does
// not exit 0: `regflytt archive ls PKG > inventory.txt` on a full disk
// left an empty inventory, and `map check PLAN > check.txt` no warnings,
// with exit 0 as if they were written.
func TestUnwrittenOutputIsAnError(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--work", work, "--patients", "30"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	src := "sqlite://" + filepath.Join(work, "legacy.db")
	for _, args := range [][]string{
		{"archive", "ls", filepath.Join(work, "archive")},
		{"archive", "verify", "--no-log", filepath.Join(work, "archive")},
		{"plan", "check", "testdata/plans/demo.yaml"},
		{"map", "check", "testdata/plans/demo.yaml", "--source", src},
		{"map", "test", "testdata/plans/demo.yaml"},
		{"version"},
		{"run", "--help"},
	} {
		wd, _ := os.Getwd()
		if err := os.Chdir("../.."); err != nil {
			t.Fatal(err)
		}
		var errb bytes.Buffer
		code := run(context.Background(), args, fullWriter{}, &errb)
		os.Chdir(wd)
		if code != exitError || !strings.Contains(errb.String(), "no space left on device") {
			t.Errorf("%v with standard output unwritable: exit %d, want %d naming the write's error\n%s", args, code, exitError, errb.String())
		}
	}
}

// A verification that finished and FAILed exits 3 though an interrupt
// arrived while it finished (verify's CPU-bound access proof does not
// stop for one): it exited 130 with "interrupted" and nothing of the
// FAIL, as if it had not finished. An error that stopped a command while
// it was interrupted is still named.
func TestFailedVerdictOutlivesALateInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stderr bytes.Buffer
	if code := exitCode(ctx, fmt.Errorf("verification FAILED: %w", plans.ErrNotAccounted), &stderr); code != exitNotAccounted {
		t.Errorf("a FAIL finished under an interrupt: exit %d, want %d (%s)", code, exitNotAccounted, stderr.String())
	}
	stderr.Reset()
	if code := exitCode(ctx, errors.Join(fmt.Errorf("verification FAILED: %w", plans.ErrNotAccounted), context.Canceled), &stderr); code != exitInterrupted {
		t.Errorf("a FAIL whose ending was cancelled: exit %d, want %d", code, exitInterrupted)
	}
	stderr.Reset()
	if code := exitCode(ctx, fmt.Errorf("verification report x: disk full"), &stderr); code != exitInterrupted || !strings.Contains(stderr.String(), "disk full") {
		t.Errorf("an error under an interrupt: exit %d, stderr %q; want %d naming it", code, stderr.String(), exitInterrupted)
	}
}

// A flag given an empty value is refused, not taken for its default: in
// a script, `--target "$TARGET"` with TARGET unset ran against the plan's
// target.url, and `--unit-reports "$DIR"` wrote no unit report, exit 0.
func TestEmptyFlagValueIsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"run", "testdata/plans/demo.yaml", "--source", "sqlite:///nonexistent/x.db", "--target", ""},
		{"run", "testdata/plans/demo.yaml", "--unit-reports=", "--source", "sqlite:///nonexistent/x.db"},
		{"verify", "testdata/plans/demo.yaml", "--work", ""},
	} {
		code, out, errs := cli(t, args...)
		name := ""
		for _, a := range args {
			if strings.HasPrefix(a, "--") && a != "--source" {
				name = strings.TrimSuffix(a, "=")
			}
		}
		if code != exitUsage || !strings.Contains(errs, name) {
			t.Errorf("%q: exit %d, want %d naming %s\n%s%s", args, code, exitUsage, name, out, errs)
		}
	}
}

// A demo does not clear the work directory of a demo still running in
// it: the second removed the first's databases, reports and run lock
// while it ran, the first retook the lock ("no other run started") and
// both exited 0 with one directory holding a mix of their files.
func TestDemoRefusesAWorkDirectoryInUse(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	first := make(chan int, 1)
	var firstErr bytes.Buffer
	go func() {
		first <- run(context.Background(), []string{"demo", "--work", work, "--patients", "5000", "--quiet"}, io.Discard, &firstErr)
	}()
	// Once the first demo is writing its target, start the second.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(work, "receiving.db")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first demo never made its target")
		}
		time.Sleep(5 * time.Millisecond)
	}
	var errb bytes.Buffer
	code := run(context.Background(), []string{"demo", "--work", work, "--patients", "30", "--quiet"}, io.Discard, &errb)
	if code == exitOK || !strings.Contains(errb.String(), "in use") {
		t.Errorf("a second demo in a running demo's work directory: exit %d, want an error saying it is in use\n%s", code, errb.String())
	}
	if code := <-first; code != exitOK {
		t.Errorf("the first demo: exit %d\n%s", code, firstErr.String())
	}
	// The first demo's directory is its own: a third demo clears it.
	if code, out, errs := cli(t, "demo", "--work", work, "--patients", "30", "--quiet"); code != exitOK {
		t.Errorf("a demo after the first ended: exit %d\n%s%s", code, out, errs)
	}
}
