package plans

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/regflytt/regflytt/connectors"
)

// readAhead reads a source table in a goroutine of its own, a batch ahead
// of the goroutine that maps it, so that reading overlaps mapping (and,
// with the commit units' writer, writing). Memory is bounded: one batch
// waits in the channel, one is being filled. Rows are copied (unless the
// connector's rows are its own, connectors.OwnedRows), so the reader may
// go on while the mapper holds the previous batch.
//
// The snapshot is shared through lockedSnapshot, whose lock each Next
// holds for a whole page query: so a form store's entities are read
// ahead beside its values. (Parents' outcomes and duplicates' decisions
// are looked up in the run's scratch database, not the snapshot.)
//
// open opens the read with the context it is given, which Close cancels:
// a reader blocked in a query (a source that stopped answering) is
// stopped by it, where Close waited for the query, and the connection it
// read on then counts as broken.
func readAhead(ctx context.Context, batch int, open func(context.Context) (connectors.Rows, error)) (connectors.Rows, error) {
	if batch <= 0 {
		batch = connectors.DefaultBatchSize
	}
	ctx, cancel := context.WithCancel(ctx)
	rows, err := open(ctx)
	if err != nil {
		cancel()
		return nil, err
	}
	r := &aheadRows{inner: rows, ch: make(chan [][]connectors.Value, 1), free: make(chan [][]connectors.Value, 1), cancel: cancel, pos: -1}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(r.ch)
		buf := make([][]connectors.Value, 0, batch)
		owned := connectors.RowsOwned(rows)
		// stopped keeps the reader honest: a read whose context ended
		// before its rows were all given has an error, never an end.
		stopped := func() {
			if r.err == nil {
				r.err = fmt.Errorf("the read was stopped before its end: %w", context.Cause(ctx))
			}
		}
		for rows.Next() {
			row := rows.Row()
			if !owned {
				row = copyValues(append([]connectors.Value(nil), row...))
			}
			buf = append(buf, row)
			if len(buf) == batch {
				select {
				case r.ch <- buf:
				case <-ctx.Done():
					stopped()
					return
				}
				select {
				case buf = <-r.free:
				default:
					buf = make([][]connectors.Value, 0, batch)
				}
			}
		}
		r.err = rows.Err()
		if r.err == nil && ctx.Err() != nil {
			// A connector whose Next gives false on a cancelled context
			// without an error must not end the table short.
			stopped()
			return
		}
		if len(buf) > 0 {
			select {
			case r.ch <- buf:
			case <-ctx.Done():
				stopped()
			}
		}
	}()
	return r, nil
}

// copyValues gives a copied row's []byte values memory of their own (the
// only values whose memory a connector may reuse).
func copyValues(row []connectors.Value) []connectors.Value {
	for i, v := range row {
		if b, ok := v.([]byte); ok {
			row[i] = append([]byte(nil), b...)
		}
	}
	return row
}

type aheadRows struct {
	inner connectors.Rows
	ch    chan [][]connectors.Value
	// free takes a batch's slice back from Next once its rows have all
	// been given, emptied, for the reader to fill again: the slice only,
	// whose rows the mapper may still hold (they are not reused).
	free   chan [][]connectors.Value
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// err is written by the reader before it closes ch.
	err    error
	cur    [][]connectors.Value
	pos    int
	closed bool
}

func (r *aheadRows) Columns() []connectors.Column { return r.inner.Columns() }

func (r *aheadRows) Next() bool {
	if r.pos++; r.pos < len(r.cur) {
		return true
	}
	if r.cur != nil {
		clear(r.cur)
		select {
		case r.free <- r.cur[:0]:
		default:
		}
	}
	b, ok := <-r.ch
	if !ok {
		r.cur = nil
		return false
	}
	r.cur, r.pos = b, 0
	return true
}

func (r *aheadRows) Row() []connectors.Value {
	if r.pos >= 0 && r.pos < len(r.cur) {
		return r.cur[r.pos]
	}
	return nil
}

// Err is valid once Next has returned false.
func (r *aheadRows) Err() error { return r.err }

// Close stops the reader and waits for it, so that the snapshot is free
// when Close returns. It cancels the read's context: a reader blocked in a
// query returns as soon as the connector heeds the cancellation.
func (r *aheadRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.cancel()
	for range r.ch {
	}
	r.wg.Wait()
	return r.inner.Close()
}

// lockedSnapshot serialises the use of a snapshot by the run's
// goroutines: a table's reader goroutine and the mapping goroutine (which
// may read the snapshot while a table is read ahead: the care units for
// access, for one), and the jobs of a run with --jobs, which share it. A
// snapshot is one connection, and a connection is one conversation at a
// time; a keyset query runs whole inside one Next.
type lockedSnapshot struct {
	connectors.Snapshot
	l *snapshotLock
}

// snapshotLock is a locked snapshot's lock, and what it knows of the
// connection beneath.
type snapshotLock struct {
	mu sync.Mutex
	// lost is set when a read was stopped by its own context in the
	// middle of a query: its connection counts as broken (a MariaDB or
	// PostgreSQL driver closes it), and the snapshot with it. Every later
	// use gives lost, so that another job reading on gets errSnapshotLost
	// rather than the driver's "connection is already closed" — which,
	// reported first, hid the stop or the error that ended the read.
	lost error
}

// errSnapshotLost is the error of a read on a snapshot whose connection a
// stopped read gave up: the consequence of what stopped that read, which
// a run reports instead (causeOf).
var errSnapshotLost = errors.New("the source snapshot was given up when another read on it was stopped in the middle of a query")

func lockSnapshot(s connectors.Snapshot) connectors.Snapshot {
	return &lockedSnapshot{Snapshot: s, l: &snapshotLock{}}
}

// lock takes the snapshot's lock, or gives the error of a lost snapshot
// (with the lock released).
func (l *snapshotLock) lock() error {
	l.mu.Lock()
	if l.lost != nil {
		l.mu.Unlock()
		return l.lost
	}
	return nil
}

func (s *lockedSnapshot) Tables(ctx context.Context) ([]connectors.Table, error) {
	if err := s.l.lock(); err != nil {
		return nil, err
	}
	defer s.l.mu.Unlock()
	return s.Snapshot.Tables(ctx)
}

func (s *lockedSnapshot) Count(ctx context.Context, table string) (int64, error) {
	if err := s.l.lock(); err != nil {
		return 0, err
	}
	defer s.l.mu.Unlock()
	return s.Snapshot.Count(ctx, table)
}

func (s *lockedSnapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	if err := s.l.lock(); err != nil {
		return nil, err
	}
	defer s.l.mu.Unlock()
	rows, err := s.Snapshot.Scan(ctx, t, opts)
	if err != nil {
		return nil, err
	}
	return &lockedRows{Rows: rows, l: s.l, ctx: ctx}, nil
}

// querierOf gives the snapshot's Querier, or the error of a connector
// that cannot read select: sources.
func querierOf(snap connectors.Snapshot) (connectors.Querier, error) {
	q, ok := snap.(connectors.Querier)
	if !ok {
		return nil, errors.New("this source's connector cannot read select: sources")
	}
	return q, nil
}

func (s *lockedSnapshot) DescribeQuery(ctx context.Context, query string) ([]connectors.Column, error) {
	q, err := querierOf(s.Snapshot)
	if err != nil {
		return nil, err
	}
	if err := s.l.lock(); err != nil {
		return nil, err
	}
	defer s.l.mu.Unlock()
	return q.DescribeQuery(ctx, query)
}

func (s *lockedSnapshot) ScanQuery(ctx context.Context, query string, cols []connectors.Column, opts connectors.ScanOptions) (connectors.Rows, error) {
	q, err := querierOf(s.Snapshot)
	if err != nil {
		return nil, err
	}
	if err := s.l.lock(); err != nil {
		return nil, err
	}
	defer s.l.mu.Unlock()
	rows, err := q.ScanQuery(ctx, query, cols, opts)
	if err != nil {
		return nil, err
	}
	return &lockedRows{Rows: rows, l: s.l, ctx: ctx}, nil
}

type lockedRows struct {
	connectors.Rows
	l *snapshotLock
	// ctx is the read's own, which tells a read stopped by its context
	// from one that failed.
	ctx context.Context
	// err is the lost snapshot's error, when that ended the read.
	err error
}

func (r *lockedRows) Next() bool {
	if err := r.l.lock(); err != nil {
		r.err = err
		return false
	}
	defer r.l.mu.Unlock()
	if r.Rows.Next() {
		return true
	}
	if r.Rows.Err() != nil && r.ctx.Err() != nil {
		// Stopped in the middle of a page's query, or as it began: the
		// connection is given up either way (one that survived costs
		// only the other readers of a run that is ending).
		r.l.lost = errSnapshotLost
	}
	return false
}

func (r *lockedRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.Rows.Err()
}

func (r *lockedRows) RowsOwned() bool { return connectors.RowsOwned(r.Rows) }

func (r *lockedRows) Close() error {
	r.l.mu.Lock()
	defer r.l.mu.Unlock()
	return r.Rows.Close()
}
