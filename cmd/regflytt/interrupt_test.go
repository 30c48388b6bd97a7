package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
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
