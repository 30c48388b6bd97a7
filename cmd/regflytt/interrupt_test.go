package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A first interrupt after a run's move says what happens then: the run
// finishes its package and verification. It said "stopping after the
// current batch commits", and then the run finished and exited 0.
func TestInterruptAfterTheMoveSaysTheRunFinishes(t *testing.T) {
	bin := regflyttBinary(t)
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	if out, err := exec.Command(bin, "synth", "--platform", "demo", "--patients", "10000", "--target", src).CombinedOutput(); err != nil {
		t.Fatalf("synth: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "run", "-v", "plans/demo/plan.yaml", "--source", src, "--target", "sqlite://"+filepath.Join(dir, "t.db"), "--work", filepath.Join(dir, "w"))
	cmd.Dir = filepath.Join("..", "..")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The first step after the move: the run is past every batch.
	var out strings.Builder
	lines := bufio.NewScanner(stderr)
	signalled := false
	for lines.Scan() {
		out.WriteString(lines.Text() + "\n")
		if !signalled && strings.Contains(lines.Text(), "constraints created") {
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			signalled = true
		}
	}
	err = cmd.Wait()
	if !signalled {
		t.Fatalf("the run logged no step after its move: %v\n%s", err, out.String())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("exit %d, want 0: the interrupt came after the move\n%s", ee.ExitCode(), out.String())
	} else if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "stopping after the current batch") || !strings.Contains(out.String(), "the move is done; finishing") {
		t.Fatalf("the interrupt's message does not say the run finishes:\n%s", out.String())
	}
}

// A Ctrl-C stops verify promptly, with exit status 130, also in its
// access proof (about 2 s at 30,000 patients and far longer for a real
// registry): the proof did not look at the interrupt, and a verify
// interrupted there ran to its end and exited 0. verify -v logs its
// steps with their seconds, as run -v does after its move.
func TestInterruptStopsVerifyInItsAccessProof(t *testing.T) {
	bin := regflyttBinary(t)
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	work := filepath.Join(dir, "w")
	root := filepath.Join("..", "..")
	if out, err := exec.Command(bin, "synth", "--platform", "demo", "--patients", "30000", "--target", src).CombinedOutput(); err != nil {
		t.Fatalf("synth: %v\n%s", err, out)
	}
	run := exec.Command(bin, "run", "--quiet", "plans/demo/plan.yaml", "--source", src, "--target", tgt, "--work", work)
	run.Dir = root
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "verify", "-v", "plans/demo/plan.yaml", "--source", src, "--target", tgt, "--work", work)
	cmd.Dir = root
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var signalled time.Time
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		out.WriteString(lines.Text() + "\n")
		// The step before the per-unit equations and the access proof,
		// which take 1.8 s here, the proof most of it: the interrupt
		// comes while the proof runs.
		if signalled.IsZero() && strings.Contains(lines.Text(), "verify: columns checked (seconds=") {
			time.Sleep(500 * time.Millisecond)
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			signalled = time.Now()
		}
	}
	err = cmd.Wait()
	took := time.Since(signalled)
	if signalled.IsZero() {
		t.Fatalf("verify -v logged no step \"columns checked\": %v\n%s", err, out.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Fatalf("verify interrupted in its access proof: %v, want exit %d\n%s", err, exitInterrupted, out.String())
	}
	if took > time.Second || strings.Contains(out.String(), "reporting units and access checked") {
		t.Errorf("verify took %v to stop and finished its access proof\n%s", took, out.String())
	}
}
