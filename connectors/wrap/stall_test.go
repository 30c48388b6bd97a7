package wrap_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
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

// stalling blocks a snapshot's read after n rows until its context ends,
// once per snapshot, as a read on a connection whose server stopped
// answering does (the driver returning the context's error).
type stalling struct {
	connectors.Source
	after     int
	snapshots int
}

func (s *stalling) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	snap, err := s.Source.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	s.snapshots++
	return &stallingSnap{Snapshot: snap, left: s.after}, nil
}

type stallingSnap struct {
	connectors.Snapshot
	left int
}

func (s *stallingSnap) Scan(ctx context.Context, t *connectors.Table, o connectors.ScanOptions) (connectors.Rows, error) {
	r, err := s.Snapshot.Scan(ctx, t, o)
	return &stallingRows{Rows: r, s: s, ctx: ctx}, err
}

type stallingRows struct {
	connectors.Rows
	s   *stallingSnap
	ctx context.Context
	err error
}

func (r *stallingRows) Next() bool {
	if r.s.left == 0 {
		<-r.ctx.Done()
		r.err = fmt.Errorf("read batch: %w", r.ctx.Err())
		return false
	}
	r.s.left--
	return r.Rows.Next()
}

func (r *stallingRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.Rows.Err()
}

// A read that stalls is cancelled at the limit and, the source declared
// frozen, continues in a new snapshot after the last key it returned:
// every row once, in order. Not frozen, it stops saying it stalled.
func TestStalledReadContinuesOrStops(t *testing.T) {
	db, tb := source(t, 25)
	read := func(reopen bool) ([]int64, int, error) {
		s := &stalling{Source: db, after: 7}
		d := &wrap.Watchdog{Warn: 20 * time.Millisecond, Limit: 100 * time.Millisecond}
		src := wrap.Source(s, wrap.Policy{Reopen: reopen, Base: time.Millisecond, Watch: d})
		snap, err := src.Snapshot(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Close()
		rows, err := snap.Scan(context.Background(), tb, connectors.ScanOptions{BatchSize: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []int64
		for rows.Next() {
			got = append(got, rows.Row()[0].(int64))
		}
		return got, s.snapshots, rows.Err()
	}
	got, snaps, err := read(true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 25 || snaps < 4 {
		t.Fatalf("read %v in %d snapshots, want 1 to 25 in 4 or more", got, snaps)
	}
	for i, id := range got {
		if id != int64(i+1) {
			t.Fatalf("row %d has id %d: %v", i, id, got)
		}
	}
	got, _, err = read(false)
	var se *wrap.StalledError
	var lost *wrap.SnapshotLostError
	if !errors.As(err, &se) || !errors.As(err, &lost) || se.Side != "source" || se.Table != "t" || len(got) != 7 {
		t.Fatalf("read %d rows, %v; want 7 and a lost snapshot that says it stalled", len(got), err)
	}
}

// BenchmarkWatchedRead is the cost of watching a read row by row: a
// million rows of a source in memory, with and without a watchdog.
func BenchmarkWatchedRead(b *testing.B) {
	for _, watched := range []bool{false, true} {
		name := "unwatched"
		var d *wrap.Watchdog
		if watched {
			name, d = "watched", &wrap.Watchdog{}
		}
		b.Run(name, func(b *testing.B) {
			src := wrap.Source(memSource{}, wrap.Policy{Watch: d})
			snap, err := src.Snapshot(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			tb := &connectors.Table{Name: "t", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id"}}}
			b.ResetTimer()
			for range b.N {
				rows, err := snap.Scan(context.Background(), tb, connectors.ScanOptions{})
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				rows.Close()
			}
		})
	}
}

// memSource gives a million rows of one integer, from memory.
type memSource struct{ connectors.Source }

func (memSource) Snapshot(context.Context) (connectors.Snapshot, error) { return memSnap{}, nil }

type memSnap struct{ connectors.Snapshot }

func (memSnap) Scan(context.Context, *connectors.Table, connectors.ScanOptions) (connectors.Rows, error) {
	return &memRows{row: []connectors.Value{int64(0)}}, nil
}
func (memSnap) Close() error { return nil }

type memRows struct {
	connectors.Rows
	n   int64
	row []connectors.Value
}

func (r *memRows) Next() bool {
	if r.n == 1_000_000 {
		return false
	}
	r.n++
	r.row[0] = r.n
	return true
}
func (r *memRows) Row() []connectors.Value { return r.row }
func (r *memRows) Err() error              { return nil }
func (r *memRows) Close() error            { return nil }

// slowChecksum is a target whose checksum reads its answer in pieces
// beneath the caller's sight (as PostgreSQL's read-back does), telling
// the context's Progress of each, for moving; then it waits for its
// context, as a read from a server that stopped answering does.
type slowChecksum struct {
	connectors.Source
	moving time.Duration
}

func (s slowChecksum) Snapshot(context.Context) (connectors.Snapshot, error) {
	return slowChecksumSnap(s), nil
}

type slowChecksumSnap struct {
	connectors.Source
	moving time.Duration
}

func (slowChecksumSnap) Tables(context.Context) ([]connectors.Table, error) { return nil, nil }
func (slowChecksumSnap) Count(context.Context, string) (int64, error)       { return 0, nil }
func (slowChecksumSnap) Close() error                                       { return nil }
func (slowChecksumSnap) Scan(context.Context, *connectors.Table, connectors.ScanOptions) (connectors.Rows, error) {
	return nil, errors.New("not read")
}
func (slowChecksumSnap) RecordHashes(context.Context, *connectors.Table, connectors.ChecksumRequest) ([]connectors.RecordHash, error) {
	return nil, connectors.ErrNoChecksummer
}

func (s slowChecksumSnap) Checksum(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, error) {
	p := connectors.ProgressOf(ctx)
	if p == nil {
		return connectors.Buckets{}, errors.New("the watched checksum's context carries no Progress")
	}
	for end := time.Now().Add(s.moving); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		p.Progress()
		if ctx.Err() != nil {
			return connectors.Buckets{}, fmt.Errorf("read back: %w", ctx.Err())
		}
	}
	if s.moving > 0 {
		return connectors.Buckets{N: req.Buckets}, nil
	}
	<-ctx.Done()
	return connectors.Buckets{}, fmt.Errorf("read back: %w", ctx.Err())
}

// A target read for verification (TargetReads) whose checksum reads its
// answer in pieces: one that moves for three times the stall limit,
// telling the context's Progress, ends well; one that stops is cancelled
// at the limit, and fails for good (no new snapshot: verification reads
// the target at one moment), saying the target stalled in the checksum
// of its table.
func TestTargetReadProgressesOrStalls(t *testing.T) {
	tb := &connectors.Table{Name: "besok"}
	d := &wrap.Watchdog{Warn: 50 * time.Millisecond, Limit: 200 * time.Millisecond}
	p := wrap.Policy{Watch: d, Base: time.Millisecond, Max: time.Millisecond, Attempts: 3}
	moving, err := wrap.TargetReads(slowChecksum{moving: 600 * time.Millisecond}, p).Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := moving.(connectors.Checksummer).Checksum(context.Background(), tb, connectors.ChecksumRequest{Buckets: 4}); err != nil {
		t.Fatalf("a checksum that moved failed: %v", err)
	}
	stopped, err := wrap.TargetReads(slowChecksum{}, p).Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := stopped.(connectors.Checksummer).Checksum(context.Background(), tb, connectors.ChecksumRequest{Buckets: 4})
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("a stalled checksum was not cancelled")
	}
	var lost *wrap.SnapshotLostError
	var se *wrap.StalledError
	if !errors.As(err, &lost) || lost.Side != "target" || !errors.As(err, &se) || se.Side != "target" || se.What != "checksum" || se.Table != "besok" {
		t.Fatalf("got %v, want a lost target snapshot for a stall of the checksum of besok", err)
	}
}

// A close that hangs (a pool waiting for a connection a frozen peer
// holds) is warned of and given up on at the limit, or as soon as the
// caller's context ends; one that returns gives its error, and without
// a limit or a context that ends it is waited for.
func TestWatchdogClose(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hang := func() error { <-release; return nil }
	var mu sync.Mutex
	var told []wrap.Stall
	d := &wrap.Watchdog{Warn: 20 * time.Millisecond, Limit: 200 * time.Millisecond, Stalled: func(s wrap.Stall) {
		mu.Lock()
		told = append(told, s)
		mu.Unlock()
	}}
	err := d.Close(context.Background(), "target", wrap.CloseConnections, hang)
	var se *wrap.StalledError
	if !errors.As(err, &se) || se.What != wrap.CloseConnections || se.Side != "target" {
		t.Fatalf("got %v, want a *StalledError of the target's close", err)
	}
	mu.Lock()
	if len(told) < 2 || !told[len(told)-1].Cancelled {
		t.Errorf("told %v, want warnings, then the close given up", told)
	}
	mu.Unlock()

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if err := (&wrap.Watchdog{}).Close(ctx, "source", wrap.CloseConnections, hang); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the close given up when its context ended", err)
	}

	boom := errors.New("boom")
	if err := d.Close(context.Background(), "source", wrap.EndSnapshot, func() error { return boom }); err != boom {
		t.Fatalf("got %v, want the close's own error", err)
	}
	var nilDog *wrap.Watchdog
	slow := func() error { time.Sleep(300 * time.Millisecond); return boom }
	if err := nilDog.Close(context.Background(), "source", wrap.CloseConnections, slow); err != boom {
		t.Fatalf("got %v, want a close without a watchdog waited for", err)
	}
}

// hangingEnd is a source whose snapshots' Close waits until release: a
// rollback a frozen server never answers.
type hangingEnd struct {
	connectors.Source
	release chan struct{}
}

func (h *hangingEnd) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	s, err := h.Source.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &hangingEndSnap{Snapshot: s, release: h.release}, nil
}

type hangingEndSnap struct {
	connectors.Snapshot
	release chan struct{}
}

func (s *hangingEndSnap) Close() error { <-s.release; return s.Snapshot.Close() }

// A wrapped snapshot's end is given up on when the context of its
// CloseContext ends (a second Ctrl-C), as a connection's close is: with
// no stall limit, its Close waited as long as the server did not answer.
func TestSnapshotCloseContext(t *testing.T) {
	src, _ := source(t, 1)
	release := make(chan struct{})
	defer close(release)
	w := wrap.Source(&hangingEnd{Source: src, release: release}, wrap.Policy{Watch: &wrap.Watchdog{}})
	snap, err := w.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() { done <- wrap.CloseContext(ctx, snap) }()
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the snapshot's end was waited for after its context ended")
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), wrap.EndSnapshot) {
		t.Fatalf("got %v, want the snapshot's end given up when its context ended", err)
	}
}
