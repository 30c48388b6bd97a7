package wrap_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors/wrap"
)

// An operation without progress is told of after Warn, again while it
// lasts, and cancelled at Limit with an error the retries take for a
// lost connection; one that waits on its caller (paused) is neither.
func TestWatchdogWarnsThenCancelsAStalledOperation(t *testing.T) {
	var mu sync.Mutex
	var told []wrap.Stall
	d := &wrap.Watchdog{Warn: 20 * time.Millisecond, Limit: 200 * time.Millisecond, Stalled: func(s wrap.Stall) {
		mu.Lock()
		told = append(told, s)
		mu.Unlock()
	}}
	ctx, op := d.Begin(context.Background(), "source", "read", "besok")
	paused, pop := d.Begin(context.Background(), "source", "read", "patient")
	pop.Pause(true)
	defer pop.End()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the stalled operation was not cancelled")
	}
	err := op.Err(ctx.Err())
	op.End()
	var se *wrap.StalledError
	if !errors.As(err, &se) || se.Table != "besok" || se.For < 200*time.Millisecond || !wrap.IsTransient(err) {
		t.Fatalf("got %v, want a transient *StalledError of besok after the limit", err)
	}
	if paused.Err() != nil {
		t.Error("an operation waiting on its caller was cancelled")
	}
	mu.Lock()
	defer mu.Unlock()
	warned, cancelled := 0, 0
	for _, s := range told {
		if s.Table != "besok" {
			t.Errorf("told of %s, which waited on its caller", s.Table)
		}
		if s.Cancelled {
			cancelled++
		} else {
			warned++
		}
	}
	if warned < 2 || cancelled != 1 {
		t.Errorf("told %d warnings and %d cancellations, want warnings repeated and one cancellation", warned, cancelled)
	}
}

// Progress keeps an operation alive past the limit.
func TestWatchdogSparesAnOperationThatProgresses(t *testing.T) {
	d := &wrap.Watchdog{Warn: 500 * time.Millisecond, Limit: 500 * time.Millisecond}
	ctx, op := d.Begin(context.Background(), "target", "commit batch 1", "")
	defer op.End()
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		op.Progress()
	}
	if ctx.Err() != nil {
		t.Fatal("an operation that made progress was cancelled")
	}
}
