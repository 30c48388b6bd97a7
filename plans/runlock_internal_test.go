package plans

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
)

// A lost run lock is taken again only when no other run recorded itself
// in regflytt_run since this one did: another run may have taken the
// lock, written, and released it meanwhile.
func TestRunLockRetakenOnlyWhenNoOtherRunStarted(t *testing.T) {
	ctx := context.Background()
	tgt, err := all.OpenTarget(ctx, "sqlite://"+filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	bk := &bookkeeping{tgt: tgt, register: "r"}
	if err := bk.create(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := bk.addRun(ctx, runRow{RunID: "mine", Register: "r", Plan: "p.yaml", Started: now}); err != nil {
		t.Fatal(err)
	}
	lost := errors.Join(errors.New("session ended"), connectors.ErrLockLost)
	take := func() *runLock {
		unlock, err := tgt.(connectors.Locker).Lock(ctx, lockName)
		if err != nil {
			t.Fatal(err)
		}
		n, err := bk.runCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return &runLock{tgt: tgt, bk: bk, unlock: unlock, runID: "mine", runs: n, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	}

	// Lost, nobody else: taken again.
	l := take()
	if err := l.unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.retake(ctx, lost); err != nil {
		t.Fatalf("retake with no other run: %v", err)
	}
	if _, err := tgt.(connectors.Locker).Lock(ctx, lockName); !errors.Is(err, connectors.ErrLocked) {
		t.Fatalf("after retake the lock is not held: %v", err)
	}

	// Lost, another run came and went (its start time equal to ours:
	// clocks are not compared): not taken again, and left free.
	if err := l.release(ctx, nil); err != nil {
		t.Fatal(err)
	}
	l = take()
	if err := l.unlock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bk.addRun(ctx, runRow{RunID: "other", Register: "r2", Plan: "q.yaml", Host: "h", PID: 7, Started: now}); err != nil {
		t.Fatal(err)
	}
	err = l.retake(ctx, lost)
	var le *LockLostError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "started meanwhile") || !strings.Contains(err.Error(), "register r2") {
		t.Fatalf("got %v, want a LockLostError naming the run that started meanwhile", err)
	}
	unlock, err := tgt.(connectors.Locker).Lock(ctx, lockName)
	if err != nil {
		t.Fatalf("the refused retake kept the lock: %v", err)
	}
	_ = unlock(ctx)
}
