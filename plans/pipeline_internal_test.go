package plans

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// reusing is a Rows that reuses its row and []byte memory, as connectors
// may, and fails after n rows when err is set.
type reusing struct {
	n, i   int
	err    error
	row    []connectors.Value
	b      []byte
	closed bool
}

func (r *reusing) Columns() []connectors.Column { return nil }
func (r *reusing) Next() bool {
	if r.i == r.n {
		return false
	}
	r.i++
	r.b = append(r.b[:0], byte(r.i))
	r.row[0], r.row[1] = int64(r.i), r.b
	return true
}
func (r *reusing) Row() []connectors.Value { return r.row }
func (r *reusing) Err() error {
	if r.i == r.n {
		return r.err
	}
	return nil
}
func (r *reusing) Close() error { r.closed = true; return nil }

// Read ahead, every row arrives once, in order, with bytes of its own;
// the reader's error comes after the last row.
func TestReadAheadKeepsRowsAndError(t *testing.T) {
	boom := errors.New("boom")
	in := &reusing{n: 23, err: boom, row: make([]connectors.Value, 2)}
	rows := readAheadOf(in, 5)
	var got [][]connectors.Value
	for rows.Next() {
		got = append(got, rows.Row())
	}
	if !errors.Is(rows.Err(), boom) {
		t.Errorf("Err %v, want boom", rows.Err())
	}
	if len(got) != 23 {
		t.Fatalf("%d rows, want 23", len(got))
	}
	for i, r := range got {
		if r[0] != int64(i+1) || r[1].([]byte)[0] != byte(i+1) {
			t.Fatalf("row %d is %v", i, r)
		}
	}
	rows.Close()
	if !in.closed {
		t.Error("the inner rows were not closed")
	}
}

// Closed early, the reader stops and Close waits for it.
func TestReadAheadCloseStopsTheReader(t *testing.T) {
	before := runtime.NumGoroutine()
	in := &heldSource{entered: make(chan int, 16), release: make(chan struct{})}
	rows := readAheadOf(in, 3)
	// A batch of three rows, handed over whole.
	go func() {
		for range 3 {
			in.release <- struct{}{}
		}
	}()
	if !rows.Next() {
		t.Fatal("no first row")
	}
	// The reader is inside the source's Next for the fourth row, held
	// there.
	for n := range in.entered {
		if n == 4 {
			break
		}
	}
	closed := make(chan struct{})
	go func() { rows.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while the reader was still inside the source's Next")
	case <-time.After(50 * time.Millisecond):
	}
	close(in.release) // the held Next returns; the reader must stop there
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return once the reader could stop")
	}
	in.mu.Lock()
	closedAt, calls := in.closedAt, in.calls
	in.mu.Unlock()
	if closedAt < 0 {
		t.Errorf("the source was closed with a Next still running (%d calls)", calls)
	}
	// The reader's goroutine ends with its function; the runtime counts
	// it a moment longer, so the count is asked until it drops.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

// heldSource is a source whose Next says it was entered (with its call
// number) and then waits for release; Close notes whether a Next was
// still running (closedAt -1).
type heldSource struct {
	mu       sync.Mutex
	entered  chan int
	release  chan struct{}
	calls    int
	returned int
	closedAt int
	row      []connectors.Value
}

func (g *heldSource) Columns() []connectors.Column { return nil }
func (g *heldSource) Next() bool {
	g.mu.Lock()
	g.calls++
	n := g.calls
	g.mu.Unlock()
	select {
	case g.entered <- n:
	default:
	}
	<-g.release
	g.mu.Lock()
	g.returned++
	g.mu.Unlock()
	g.row = []connectors.Value{int64(n)}
	return true
}
func (g *heldSource) Row() []connectors.Value { return g.row }
func (g *heldSource) Err() error              { return nil }
func (g *heldSource) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closedAt = g.returned
	if g.returned != g.calls {
		g.closedAt = -1
	}
	return nil
}

// owning is a Rows whose rows are its own (connectors.OwnedRows).
type owning struct {
	rows [][]connectors.Value
	i    int
}

func (r *owning) Columns() []connectors.Column { return nil }
func (r *owning) Next() bool                   { r.i++; return r.i <= len(r.rows) }
func (r *owning) Row() []connectors.Value      { return r.rows[r.i-1] }
func (r *owning) Err() error                   { return nil }
func (r *owning) Close() error                 { return nil }
func (r *owning) RowsOwned() bool              { return true }

// Rows that are their own pass through unchanged (not copied); the
// locked snapshot's rows say what the connector's say.
func TestReadAheadKeepsOwnedRows(t *testing.T) {
	in := &owning{}
	for i := range 7 {
		in.rows = append(in.rows, []connectors.Value{int64(i), []byte{byte(i)}})
	}
	locked := &lockedRows{Rows: in, l: &snapshotLock{}}
	if !connectors.RowsOwned(locked) {
		t.Fatal("a locked read of owned rows does not say so")
	}
	if connectors.RowsOwned(&lockedRows{Rows: &reusing{}, l: &snapshotLock{}}) {
		t.Fatal("a locked read of reused rows says they are owned")
	}
	rows := readAheadOf(locked, 3)
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		if got := rows.Row(); &got[0] != &in.rows[i][0] {
			t.Fatalf("row %d was copied", i)
		}
	}
	if i != len(in.rows) {
		t.Fatalf("%d rows, want %d", i, len(in.rows))
	}
}

// gated is a source whose reader the test steps: each Next waits
// (parked) until the test lets it read one more row (resume), so the test
// knows that the reader has done all it does with the rows before. Its
// rows are its own (owned) or one reused row, as connectors' may be.
type gated struct {
	n, i   int
	owned  bool
	parked chan struct{}
	resume chan struct{}
	// stop ends the reader when the test stops early.
	stop chan struct{}
	row  []connectors.Value
	b    []byte
}

func (g *gated) Columns() []connectors.Column { return nil }
func (g *gated) Next() bool {
	select {
	case g.parked <- struct{}{}:
	case <-g.stop:
		return false
	}
	select {
	case <-g.resume:
	case <-g.stop:
		return false
	}
	if g.i == g.n {
		return false
	}
	g.i++
	return true
}
func (g *gated) Row() []connectors.Value {
	if g.owned {
		return []connectors.Value{int64(g.i), []byte{byte(g.i), byte(g.i >> 8)}}
	}
	g.b = append(g.b[:0], byte(g.i), byte(g.i>>8))
	g.row[0], g.row[1] = int64(g.i), g.b
	return g.row
}
func (g *gated) Err() error      { return nil }
func (g *gated) Close() error    { return nil }
func (g *gated) RowsOwned() bool { return g.owned }

// isRow says whether r is the source's row i, bytes and all.
func isRow(r []connectors.Value, i int) bool {
	if len(r) != 2 || r[0] != int64(i) {
		return false
	}
	b, ok := r[1].([]byte)
	return ok && len(b) == 2 && b[0] == byte(i) && b[1] == byte(i>>8)
}

// The read-ahead hands a batch's slice back to its reader once every row
// of it was given (to fill with a later batch): the row being given, and
// every row given before (kept by the mapper across many batches), is
// still that row however far the reader has read ahead; and every row
// comes once, in order, while the reader refills the slices given back.
//
// The reader is stepped, not raced: between two rows the consumer takes,
// the test lets the reader read as far ahead as it can (a batch waiting
// in the channel, and all but one row of the slice it fills), so a slice
// handed back too early is always refilled before the test looks. With
// rows of the source's own and with rows the read-ahead copies.
func TestReadAheadReusedBatchesKeepGivenRows(t *testing.T) {
	t.Run("owned", func(t *testing.T) { readAheadKeepsGivenRows(t, true) })
	t.Run("copied", func(t *testing.T) { readAheadKeepsGivenRows(t, false) })
}

func readAheadKeepsGivenRows(t *testing.T, owned bool) {
	const n, batch = 40, 3
	g := &gated{n: n, owned: owned, parked: make(chan struct{}), resume: make(chan struct{}),
		stop: make(chan struct{}), row: make([]connectors.Value, 2)}
	rows := readAheadOf(g, batch)
	defer rows.Close()
	defer close(g.stop) // before Close: a parked reader ends
	ar := rows.(*aheadRows)

	parked := func() {
		select {
		case <-g.parked:
		case <-time.After(10 * time.Second):
			t.Fatal("the reader did not ask for its next row")
		}
	}
	// ahead lets the reader read until the row it would read next
	// completes a batch it could not hand over (the channel is full): it
	// would block in the hand-over, where the test cannot see it. At the
	// end of the source it lets the reader end.
	fed, ended := 0, false
	ahead := func() {
		for !ended {
			if fed == n {
				g.resume <- struct{}{}
				ended = true
				return
			}
			if fed%batch == batch-1 && len(ar.ch) == cap(ar.ch) {
				return
			}
			g.resume <- struct{}{}
			fed++
			parked()
		}
	}

	parked()
	ahead()
	var kept [][]connectors.Value
	seen := map[*[]connectors.Value]bool{}
	reused := 0
	for rows.Next() {
		i := len(kept) + 1
		r := rows.Row()
		if !isRow(r, i) {
			t.Fatalf("row %d is %v", i, r)
		}
		kept = append(kept, r)
		if ar.pos == 0 {
			// A batch's first row: is its slice one the reader filled before?
			first := &ar.cur[:1][0]
			if seen[first] {
				reused++
			}
			seen[first] = true
		}
		// The slice the rows are given from is not waiting to be refilled.
		// (Handed back at its last row, it would be refilled up to that row
		// only as the reader blocks handing the refill over, out of the
		// test's sight: so it is looked for where the reader takes it.)
		select {
		case b := <-ar.free:
			if &b[:1][0] == &ar.cur[:1][0] {
				t.Fatalf("row %d: the slice of its batch was handed back to the reader before its last row was given", i)
			}
			ar.free <- b
		default:
		}
		ahead()
		if r := rows.Row(); !isRow(r, i) {
			t.Fatalf("row %d is %v once the reader read ahead", i, r)
		}
		for j, r := range kept {
			if !isRow(r, j+1) {
				t.Fatalf("row %d, given before row %d, is now %v", j+1, i, r)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(kept) != n {
		t.Fatalf("%d rows, want %d", len(kept), n)
	}
	if reused == 0 {
		t.Fatal("the reader refilled no slice handed back: the test no longer tests the reuse")
	}
	t.Logf("%d of %d batches were given in a reused slice", reused, (n+batch-1)/batch)
}

// readAheadOf reads rows ahead that are open already.
func readAheadOf(rows connectors.Rows, batch int) connectors.Rows {
	r, _ := readAhead(context.Background(), batch, func(context.Context) (connectors.Rows, error) { return rows, nil })
	return r
}

// cutRows gives n rows, then blocks in Next as a page query on a silent
// source does until its context ends, and fails as a driver does whose
// connection the cancellation closed.
type cutRows struct {
	ctx     context.Context
	n, i    int
	blocked chan struct{}
	err     error
	row     []connectors.Value
}

func (r *cutRows) Columns() []connectors.Column { return nil }
func (r *cutRows) Next() bool {
	if r.i < r.n {
		r.i++
		r.row = []connectors.Value{int64(r.i)}
		return true
	}
	close(r.blocked)
	<-r.ctx.Done()
	r.err = errors.New("sql: connection is already closed")
	return false
}
func (r *cutRows) Row() []connectors.Value { return r.row }
func (r *cutRows) Err() error              { return r.err }
func (r *cutRows) Close() error            { return nil }

// A read stopped in the middle of its query (a job's read ahead closed
// when its job stopped) gives up the snapshot it shares with the other
// jobs: their next read says so instead of touching the connection, whose
// driver error ("connection is already closed"), reported first, hid why
// the run stopped (TestResumedRunCountsChoicesOnceIntoPostgreSQL/MariaDB
// failed so, 3 runs in 15 under -race).
func TestStoppedReadGivesUpTheSharedSnapshot(t *testing.T) {
	l := &snapshotLock{}
	blocked := make(chan struct{})
	a, err := readAhead(context.Background(), 2, func(ctx context.Context) (connectors.Rows, error) {
		return &lockedRows{Rows: &cutRows{ctx: ctx, n: 2, blocked: blocked}, l: l, ctx: ctx}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Next() || !a.Next() {
		t.Fatal("the first batch was not read")
	}
	<-blocked // the reader is in its next query, holding the lock
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	other := &reusing{n: 3, row: make([]connectors.Value, 2)}
	b := &lockedRows{Rows: other, l: l, ctx: context.Background()}
	if b.Next() {
		t.Fatal("a read went on on a snapshot whose connection a stopped read gave up")
	}
	if !errors.Is(b.Err(), errSnapshotLost) {
		t.Fatalf("the other read's error is %v, want errSnapshotLost", b.Err())
	}
	if other.i != 0 {
		t.Fatal("the other read used the given-up connection")
	}
	snap := &lockedSnapshot{l: l}
	if _, err := snap.Count(context.Background(), "t"); !errors.Is(err, errSnapshotLost) {
		t.Fatalf("a count on the given-up snapshot: %v, want errSnapshotLost", err)
	}

	// A read that ends at its end, or fails on its own, gives up nothing.
	l2 := &snapshotLock{}
	done := &lockedRows{Rows: &reusing{n: 1, row: make([]connectors.Value, 2), err: errors.New("bad value")}, l: l2, ctx: context.Background()}
	for done.Next() {
	}
	if l2.lost != nil {
		t.Fatalf("a read that failed on its own gave up the snapshot: %v", l2.lost)
	}
}

// The error a run with jobs reports is the cause, not its consequence.
func TestJobErrorsReportTheCause(t *testing.T) {
	lost := fmt.Errorf("moving enkat: read enkat: %w", errSnapshotLost)
	other := fmt.Errorf("moving b: %w", errors.New("value does not fit"))
	for _, c := range []struct {
		name        string
		first, then error
		want        error
	}{
		{"the stop after its consequence", lost, ErrInterrupted, ErrInterrupted},
		{"a failure after its consequence", lost, other, other},
		{"the stop first", ErrInterrupted, lost, ErrInterrupted},
		{"two failures", other, ErrInterrupted, other},
		{"two consequences", lost, fmt.Errorf("x: %w", errSnapshotLost), lost},
		{"the first error", nil, lost, lost},
	} {
		if got := causeOf(c.first, c.then); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
