// Package wrap decorates a connector without changing it: retry of
// transient faults (a dropped connection, a deadlock, a serialization
// failure, a server restart) with backoff, and the seam where tests inject
// faults. It sits between the dialect packages and the runner in plans,
// which opens every connection through it (restic wraps its backends the
// same way: internal/backend/retry).
//
// What is retried where:
//   - Target.Begin, Target.Create and every read are retried here.
//   - A write transaction is not: a Tx that failed is gone with its rows.
//     The runner holds the commit unit (rows and checkpoint together) and
//     redoes it whole; IsTransient and Backoff are exported for that.
//   - A source read that loses its connection loses its snapshot with it.
//     With Policy.Reopen (a source declared frozen) a new snapshot is
//     opened and the read continues after the last key it returned;
//     without it the read fails with a *SnapshotLostError, and the run
//     stops where it can resume.
package wrap

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Policy says how transient faults are retried.
type Policy struct {
	// Attempts is how many times one operation is tried in all; 0 means 6.
	Attempts int
	// Base and Max bound the backoff between attempts (doubling from
	// Base); 0 means 250ms and 8s.
	Base, Max time.Duration
	// Reopen allows a lost snapshot to be replaced by a new one. Only
	// safe when nothing changes the database meanwhile (a frozen source,
	// or a target the run holds the lock of).
	Reopen bool
	// Log is told of every retry; nil logs nothing.
	Log *slog.Logger
	// Watch, when set, watches every attempt of an operation for
	// progress (see Watchdog): a read's rows, a begin, a snapshot's
	// opening, a catalogue query. One it cancels fails with a
	// *StalledError, which is retried as a lost connection.
	Watch *Watchdog
	// side is "source" or "target", for the watchdog's messages.
	side string
}

func (p Policy) attempts() int {
	if p.Attempts <= 0 {
		return 6
	}
	return p.Attempts
}

func (p Policy) log() *slog.Logger {
	if p.Log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return p.Log
}

// Backoff waits before attempt n (1 for the first retry) and returns
// ctx's error if it ends first.
func (p Policy) Backoff(ctx context.Context, n int) error {
	base, max := p.Base, p.Max
	if base <= 0 {
		base = 250 * time.Millisecond
	}
	if max <= 0 {
		max = 8 * time.Second
	}
	d := base
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// transientStates are SQLSTATE classes and codes worth another attempt:
// connection exceptions (08), serialization failure and deadlock (40001,
// 40P01), operator intervention (57P01-57P03: terminated backend, server
// shutting down or starting).
var transientStates = []string{"08", "40001", "40P01", "57P01", "57P02", "57P03"}

// transientTexts are how the drivers word the same faults when no code
// survives (database/sql's bad connection, MariaDB's gone-away and
// deadlock messages, pgx's closed connection).
var transientTexts = []string{
	"bad connection", "invalid connection", "server has gone away", "lost connection",
	"connection reset", "broken pipe", "connection refused", "unexpected eof",
	"conn closed", "deadlock found", "lock wait timeout",
	"terminating connection", "server closed the connection", "connection was killed",
	"the database system is starting up", "the database system is shutting down",
	"could not serialize access",
}

// IsTransient says whether err is a fault another attempt may not meet: a
// lost connection, a deadlock, a serialization failure, a restarting
// server. Cancellation, a lost snapshot or run lock (which another
// attempt does not bring back) and everything else are not.
func IsTransient(err error) bool {
	// Before the stall below: a snapshot lost to a stall is lost still,
	// and another attempt in it meets its closed connection, which hid
	// the stall from the error it ended with.
	var lost *SnapshotLostError
	if errors.As(err, &lost) {
		return false
	}
	// Before the cancellation below: a stalled operation was cancelled
	// by the watchdog, and its connection is as good as lost.
	var stalled *StalledError
	if errors.As(err, &stalled) {
		return true
	}
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, connectors.ErrLockLost) {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var st interface{ SQLState() string }
	if errors.As(err, &st) {
		for _, s := range transientStates {
			if strings.HasPrefix(st.SQLState(), s) {
				return true
			}
		}
	}
	msg := strings.ToLower(err.Error())
	for _, s := range transientTexts {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// SnapshotLostError says a read lost its connection and with it the
// consistent snapshot, and the source was not declared frozen, so the
// read was not continued in a new one.
type SnapshotLostError struct {
	Err error
	// Side is "target" for a target read in a snapshot of its own
	// (verification's, TargetReads); "" is the source.
	Side string
}

func (e *SnapshotLostError) Error() string {
	if e.Side == "target" {
		return "the target connection was lost, and with it verification's read snapshot of the target (a new one is not opened: verification reads the target at one moment): " + e.Err.Error()
	}
	return "the source connection was lost, and with it the read snapshot (the source is not declared frozen, so the read was not continued in a new snapshot): " + e.Err.Error()
}

func (e *SnapshotLostError) Unwrap() error { return e.Err }

// retry runs f until it succeeds, fails for good, or the attempts are
// spent.
func retry(ctx context.Context, p Policy, what string, f func(context.Context) error) error {
	return retryWith(ctx, p, what, false, f)
}

// retryKeep is retry for an operation whose result lives on with the
// context it was made with (a transaction, a snapshot's): the attempt
// that succeeds leaves its context to end with ctx.
func retryKeep(ctx context.Context, p Policy, what string, f func(context.Context) error) error {
	return retryWith(ctx, p, what, true, f)
}

func retryWith(ctx context.Context, p Policy, what string, keep bool, f func(context.Context) error) error {
	var err error
	for n := 1; ; n++ {
		if err = p.attempt(ctx, what, "", keep, f); err == nil || !IsTransient(err) || n >= p.attempts() {
			return err
		}
		p.log().Warn("transient fault: retrying", "op", what, "attempt", n+1, "of", p.attempts(), "err", err)
		if werr := p.Backoff(ctx, n); werr != nil {
			return errors.Join(err, werr)
		}
	}
}

// attempt runs one attempt of an operation, watched by p.Watch.
// With keep, one that succeeds keeps its context (Op.Release).
func (p Policy) attempt(ctx context.Context, what, table string, keep bool, f func(context.Context) error) error {
	if !keep {
		return p.Watch.Do(ctx, p.side, what, table, f)
	}
	actx, op := p.Watch.Begin(ctx, p.side, what, table)
	err := op.Err(f(actx))
	if err == nil {
		op.Release()
	} else {
		op.End()
	}
	return err
}

// Source wraps a source: its snapshots' reads are retried as p says.
func Source(s connectors.Source, p Policy) connectors.Source {
	p.side = "source"
	return &source{inner: s, p: p}
}

// TargetReads wraps a target opened for reading only, in a snapshot
// (verification's, a run's end check): as Source, its reads are watched
// and retried as p says, and named the target's. Without p.Reopen a
// read whose connection is lost (or stalled past the watchdog's limit)
// fails with a *SnapshotLostError instead of hanging or going on in a
// snapshot of another moment.
func TargetReads(s connectors.Source, p Policy) connectors.Source {
	p.side = "target"
	return &source{inner: s, p: p}
}

type source struct {
	inner connectors.Source
	p     Policy
}

func (s *source) Dialect() connectors.Dialect { return s.inner.Dialect() }
func (s *source) Close() error                { return s.CloseContext(context.Background()) }

// CloseContext closes the source's connections watched for a stall
// (Watchdog.Close): it returns at the stall limit, or when ctx ends,
// whether or not they closed.
func (s *source) CloseContext(ctx context.Context) error {
	return s.p.Watch.Close(ctx, s.p.side, CloseConnections, s.inner.Close)
}

// ContextCloser is a connection closed with CloseContext: one that stops
// waiting for its close when ctx ends.
type ContextCloser interface {
	CloseContext(ctx context.Context) error
}

// CloseContext closes c with its CloseContext when it has one (a wrapped
// source or target), else with Close.
func CloseContext(ctx context.Context, c io.Closer) error {
	if cc, ok := c.(ContextCloser); ok {
		return cc.CloseContext(ctx)
	}
	return c.Close()
}

// ReadAsWritten forwards to the wrapped source's AsWrittenReader; one
// without it reads as it always does.
func (s *source) ReadAsWritten() {
	if aw, ok := s.inner.(connectors.AsWrittenReader); ok {
		aw.ReadAsWritten()
	}
}

func (s *source) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	var snap connectors.Snapshot
	err := retryKeep(ctx, s.p, "open a snapshot", func(ctx context.Context) (err error) {
		snap, err = s.inner.Snapshot(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	w := &snapshot{src: s.inner, cur: snap, p: s.p}
	// As for a target's extras: one a caller falls back from when it is
	// missing is offered only when the wrapped snapshot has it.
	if _, ok := snap.(connectors.NonNullCounter); ok {
		return &countingSnapshot{w}, nil
	}
	return w, nil
}

// countingSnapshot is a wrapped snapshot that counts non-NULL values in
// the database (connectors.NonNullCounter), retried as every read. Its
// snapshot, replaced or not, comes from one connector: it counts too.
type countingSnapshot struct{ *snapshot }

func (s *countingSnapshot) CountNonNull(ctx context.Context, table string, columns []string) (n []int64, err error) {
	err = s.do(ctx, "count non-NULL values", table, func(ctx context.Context, c connectors.Snapshot) error {
		nc, ok := c.(connectors.NonNullCounter)
		if !ok {
			return fmt.Errorf("count non-NULL values of %s: the reopened snapshot cannot", table)
		}
		n, err = nc.CountNonNull(ctx, table, columns)
		return err
	})
	return n, err
}

// Target wraps a target: Begin, Create and reads are retried as p says
// (reads reopen their snapshot: the run holds the target's lock).
func Target(t connectors.Target, p Policy) connectors.Target {
	p.Reopen = true
	p.side = "target"
	w := &target{source: source{inner: t, p: p}, inner: t}
	// An extra found by type assertion is offered only when the wrapped
	// target has it: the runner asks for it that way.
	if cc, ok := t.(connectors.ConstraintCreator); ok {
		return &constraintTarget{target: w, cc: cc}
	}
	return w
}

// constraintTarget is a wrapped target that creates constraints after the
// load (connectors.ConstraintCreator). Part of an attempt may have
// committed (MariaDB commits each DDL statement on its own), and that is
// why it can be retried: every connector asks the database what it
// lacks first (connectors.PendingConstraints) and creates only that, as
// a resumed run's attempt does after a stop.
type constraintTarget struct {
	*target
	cc connectors.ConstraintCreator
}

func (t *constraintTarget) CreateConstraints(ctx context.Context, tables []connectors.Table) error {
	return retry(ctx, t.p, "create constraints", func(ctx context.Context) error {
		return t.cc.CreateConstraints(ctx, tables)
	})
}

type target struct {
	source
	inner connectors.Target
}

func (t *target) Create(ctx context.Context, tables []connectors.Table) error {
	return retry(ctx, t.p, "create tables", func(ctx context.Context) error { return t.inner.Create(ctx, tables) })
}

func (t *target) Begin(ctx context.Context) (connectors.Tx, error) {
	var tx connectors.Tx
	// A transaction begun keeps its context: it commits with Begin's
	// (database/sql's, PostgreSQL's).
	err := retryKeep(ctx, t.p, "begin", func(ctx context.Context) (err error) {
		tx, err = t.inner.Begin(ctx)
		return err
	})
	return tx, err
}

// Lock forwards to the wrapped target's Locker.
func (t *target) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	l, ok := t.inner.(connectors.Locker)
	if !ok {
		return nil, fmt.Errorf("%s targets cannot hold a run lock", t.inner.Dialect().Name())
	}
	var unlock func(context.Context) error
	err := retry(ctx, t.p, "lock", func(ctx context.Context) (err error) {
		unlock, err = l.Lock(ctx, name)
		return err
	})
	return unlock, err
}

// CheckLock forwards to the wrapped target's LockChecker, and is never
// retried: a lock whose session ended is not brought back by another
// attempt. A target without one has nothing to ask: nil.
func (t *target) CheckLock(ctx context.Context, name string) error {
	if c, ok := t.inner.(connectors.LockChecker); ok {
		return c.CheckLock(ctx, name)
	}
	return nil
}

// Truncate forwards to the wrapped target's Truncater.
func (t *target) Truncate(ctx context.Context, tables []string) error {
	tr, ok := t.inner.(connectors.Truncater)
	if !ok {
		return fmt.Errorf("%s targets cannot empty tables", t.inner.Dialect().Name())
	}
	return retry(ctx, t.p, "truncate", func(ctx context.Context) error { return tr.Truncate(ctx, tables) })
}

// Unwrap returns the wrapped target.
func (t *target) Unwrap() connectors.Target { return t.inner }

// NativeRowSum forwards to the wrapped target's NativeSummer, retried as
// a read; ErrNoNativeSum when it has none, so that the end check takes
// its other path.
func (t *target) NativeRowSum(ctx context.Context, tb *connectors.Table, seed uint64) (h connectors.NativeRowHasher, err error) {
	ns, ok := t.inner.(connectors.NativeSummer)
	if !ok {
		return nil, fmt.Errorf("%w: %s targets have none", connectors.ErrNoNativeSum, t.inner.Dialect().Name())
	}
	err = retry(ctx, t.p, "native row sum", func(ctx context.Context) (err error) {
		h, err = ns.NativeRowSum(ctx, tb, seed)
		return err
	})
	return h, err
}

// snapshot replaces its inner snapshot when it is lost (Policy.Reopen);
// gen counts the replacements so that each open Rows notices it reads an
// old one.
type snapshot struct {
	src connectors.Source
	cur connectors.Snapshot
	p   Policy
	gen int
}

// recover handles a transient fault of a read made on generation gen: a
// new snapshot when that one is still current, or nothing when another
// read has replaced it already.
func (s *snapshot) recover(ctx context.Context, gen, n int, cause error) error {
	if gen < s.gen {
		return nil
	}
	if !s.p.Reopen {
		return &SnapshotLostError{Err: cause, Side: s.p.side}
	}
	s.p.log().Warn("source snapshot lost: continuing in a new snapshot after the last key read (the source is declared frozen)", "attempt", n+1, "err", cause)
	if err := s.p.Backoff(ctx, n); err != nil {
		return errors.Join(cause, err)
	}
	_ = s.cur.Close()
	var next connectors.Snapshot
	err := retryKeep(ctx, s.p, "open a new snapshot", func(ctx context.Context) (err error) {
		next, err = s.src.Snapshot(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("reopen snapshot: %w", err)
	}
	s.cur, s.gen = next, s.gen+1
	return nil
}

// do runs a read (what, of table when it reads one), recovering from
// transient faults.
func (s *snapshot) do(ctx context.Context, what, table string, f func(context.Context, connectors.Snapshot) error) error {
	for n := 1; ; n++ {
		gen := s.gen
		cur := s.cur
		err := s.p.attempt(ctx, what, table, false, func(ctx context.Context) error { return f(ctx, cur) })
		if err == nil || !IsTransient(err) || n >= s.p.attempts() {
			return err
		}
		if rerr := s.recover(ctx, gen, n, err); rerr != nil {
			if IsTransient(rerr) && n+1 < s.p.attempts() {
				continue
			}
			return rerr
		}
	}
}

func (s *snapshot) Tables(ctx context.Context) (ts []connectors.Table, err error) {
	err = s.do(ctx, "read the catalogue", "", func(ctx context.Context, c connectors.Snapshot) error { ts, err = c.Tables(ctx); return err })
	return ts, err
}

func (s *snapshot) Count(ctx context.Context, table string) (n int64, err error) {
	err = s.do(ctx, "count", table, func(ctx context.Context, c connectors.Snapshot) error { n, err = c.Count(ctx, table); return err })
	return n, err
}

func (s *snapshot) Close() error { return s.CloseContext(context.Background()) }

// CloseContext ends the snapshot watched for a stall (Watchdog.Close): it
// returns at the stall limit, or when ctx ends (a second Ctrl-C), whether
// or not the snapshot ended; the server ends its transaction with the
// session at the latest.
func (s *snapshot) CloseContext(ctx context.Context) error {
	return s.p.Watch.Close(ctx, s.p.side, EndSnapshot, s.cur.Close)
}

// Position forwards to the current snapshot's Positioner, if any.
func (s *snapshot) Position() string {
	if p, ok := s.cur.(interface{ Position() string }); ok {
		return p.Position()
	}
	return ""
}

// forwardOptional runs f on the current snapshot when it implements I,
// retried as every read; the zero T when it does not (the connector has
// nothing of the kind to list). Each attempt starts from the zero T, so a
// failed attempt's partial answer never survives a retry.
func forwardOptional[I, T any](ctx context.Context, s *snapshot, f func(context.Context, I) (T, error)) (out T, err error) {
	err = s.do(ctx, "read the catalogue", "", func(ctx context.Context, c connectors.Snapshot) error {
		var zero T
		out = zero
		i, ok := c.(I)
		if !ok {
			return nil
		}
		out, err = f(ctx, i)
		return err
	})
	return out, err
}

// OtherSchemas forwards to the current snapshot's SchemaLister, retried
// as every read; a connector without one lists none (its catalogue is
// the whole database).
func (s *snapshot) OtherSchemas(ctx context.Context) ([]connectors.SchemaTables, error) {
	return forwardOptional(ctx, s, func(ctx context.Context, l connectors.SchemaLister) ([]connectors.SchemaTables, error) {
		return l.OtherSchemas(ctx)
	})
}

// History forwards to the current snapshot's HistoryLister, retried as
// every read; a connector without one lists none.
func (s *snapshot) History(ctx context.Context) ([]connectors.TableHistory, error) {
	return forwardOptional(ctx, s, func(ctx context.Context, l connectors.HistoryLister) ([]connectors.TableHistory, error) {
		return l.History(ctx)
	})
}

// LargeObjects forwards to the current snapshot's LargeObjectLister,
// retried as every read; a connector without one lists none.
func (s *snapshot) LargeObjects(ctx context.Context) ([]connectors.ColumnObjects, error) {
	return forwardOptional(ctx, s, func(ctx context.Context, l connectors.LargeObjectLister) ([]connectors.ColumnObjects, error) {
		return l.LargeObjects(ctx)
	})
}

// CatalogueLimited forwards to the current snapshot's
// CatalogueScopeChecker, retried as every read; a connector without one
// has a catalogue of every table.
func (s *snapshot) CatalogueLimited(ctx context.Context) (bool, error) {
	return forwardOptional(ctx, s, func(ctx context.Context, c connectors.CatalogueScopeChecker) (bool, error) {
		return c.CatalogueLimited(ctx)
	})
}

// Inherited forwards to the current snapshot's InheritanceLister,
// retried as every read; a connector without one lists none.
func (s *snapshot) Inherited(ctx context.Context) ([]connectors.Inheritance, error) {
	return forwardOptional(ctx, s, func(ctx context.Context, l connectors.InheritanceLister) ([]connectors.Inheritance, error) {
		return l.Inherited(ctx)
	})
}

// Checksum forwards to the current snapshot's Checksummer, retried as
// every read; ErrNoPushdown when it has none, so that
// connectors.Checksum hashes the rows in Go. verify asks the source's own
// checksum of a table to compare with the rows its connector read.
func (s *snapshot) Checksum(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (b connectors.Buckets, err error) {
	err = s.do(ctx, "checksum", nameOf(t), func(ctx context.Context, c connectors.Snapshot) error {
		cs, err := checksummerOf(c)
		if err == nil {
			b, err = cs.Checksum(ctx, t, req)
		}
		return err
	})
	return b, err
}

// NativeSums forwards to the current snapshot's NativeSumReader, retried
// as every read; ErrNoNativeSum when it has none.
func (s *snapshot) NativeSums(ctx context.Context, t *connectors.Table, seed uint64) (n connectors.NativeTotals, err error) {
	err = s.do(ctx, "native row sum", nameOf(t), func(ctx context.Context, c connectors.Snapshot) error {
		nr, ok := c.(connectors.NativeSumReader)
		if !ok {
			return fmt.Errorf("%w: the snapshot has none", connectors.ErrNoNativeSum)
		}
		n, err = nr.NativeSums(ctx, t, seed)
		return err
	})
	return n, err
}

// nameOf is a table's name for the watchdog, "" for none.
func nameOf(t *connectors.Table) string {
	if t == nil {
		return ""
	}
	return t.Name
}

func checksummerOf(c connectors.Snapshot) (connectors.Checksummer, error) {
	cs, ok := c.(connectors.Checksummer)
	if !ok {
		return nil, connectors.ErrNoChecksummer
	}
	return cs, nil
}

// RecordHashes forwards as Checksum does.
func (s *snapshot) RecordHashes(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (r []connectors.RecordHash, err error) {
	err = s.do(ctx, "checksum", nameOf(t), func(ctx context.Context, c connectors.Snapshot) error {
		cs, err := checksummerOf(c)
		if err == nil {
			r, err = cs.RecordHashes(ctx, t, req)
		}
		return err
	})
	return r, err
}

func (s *snapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	key := opts.Key
	if len(key) == 0 {
		key = t.PrimaryKey
	}
	return s.rows(ctx, nameOf(t), t.Columns, key, opts, func(ctx context.Context, c connectors.Snapshot, o connectors.ScanOptions) (connectors.Rows, error) {
		return c.Scan(ctx, t, o)
	})
}

func (s *snapshot) DescribeQuery(ctx context.Context, query string) (cols []connectors.Column, err error) {
	err = s.do(ctx, "describe a select: query", TableOf(ctx), func(ctx context.Context, c connectors.Snapshot) error {
		q, ok := c.(connectors.Querier)
		if !ok {
			return errors.New("this source's connector cannot read select: sources")
		}
		cols, err = q.DescribeQuery(ctx, query)
		return err
	})
	return cols, err
}

func (s *snapshot) ScanQuery(ctx context.Context, query string, cols []connectors.Column, opts connectors.ScanOptions) (connectors.Rows, error) {
	return s.rows(ctx, TableOf(ctx), cols, opts.Key, opts, func(ctx context.Context, c connectors.Snapshot, o connectors.ScanOptions) (connectors.Rows, error) {
		q, ok := c.(connectors.Querier)
		if !ok {
			return nil, errors.New("this source's connector cannot read select: sources")
		}
		return q.ScanQuery(ctx, query, cols, o)
	})
}

type tableKey struct{}

// WithTable names the table a read stands for, for the watchdog's
// messages where the read itself names none (a select: query).
func WithTable(ctx context.Context, table string) context.Context {
	return context.WithValue(ctx, tableKey{}, table)
}

// TableOf is the table WithTable named, or "".
func TableOf(ctx context.Context) string {
	t, _ := ctx.Value(tableKey{}).(string)
	return t
}

func (s *snapshot) rows(ctx context.Context, table string, cols []connectors.Column, key []string, opts connectors.ScanOptions, open func(context.Context, connectors.Snapshot, connectors.ScanOptions) (connectors.Rows, error)) (connectors.Rows, error) {
	r := &rows{s: s, ctx: ctx, table: table, open: open, opts: opts, after: opts.After}
	for _, k := range key {
		i := -1
		for j, c := range cols {
			if c.Name == k {
				i = j
			}
		}
		if i < 0 {
			return nil, fmt.Errorf("key column %s is not among the columns read", k)
		}
		r.keyIdx = append(r.keyIdx, i)
	}
	for n := 1; ; n++ {
		gen := s.gen
		err := r.attempt(opts)
		if err == nil {
			return r, nil
		}
		if !IsTransient(err) || n >= s.p.attempts() {
			return nil, err
		}
		if rerr := s.recover(ctx, gen, n, err); rerr != nil {
			if IsTransient(rerr) && n+1 < s.p.attempts() {
				continue
			}
			return nil, rerr
		}
	}
}

// rows continues a keyset read after the last key it returned when its
// snapshot is replaced.
type rows struct {
	s      *snapshot
	ctx    context.Context
	table  string
	open   func(context.Context, connectors.Snapshot, connectors.ScanOptions) (connectors.Rows, error)
	opts   connectors.ScanOptions
	keyIdx []int
	gen    int
	cur    connectors.Rows
	// actx and op are the current attempt's context and watch: they last
	// as long as the read it opened.
	actx  context.Context
	op    *Op
	after []connectors.Value
	last  []connectors.Value
	row   []connectors.Value
	err   error
	// ended says the read reached its end (Next gave false without an
	// error).
	ended bool
}

// attempt opens the read on the current snapshot with opts, watched from
// its query to its last row.
func (r *rows) attempt(opts connectors.ScanOptions) error {
	actx, op := r.s.p.Watch.Begin(r.ctx, r.s.p.side, "read", r.table)
	r.gen = r.s.gen
	cur, err := r.open(actx, r.s.cur, opts)
	if err != nil {
		err = op.Err(err)
		op.End()
		return err
	}
	// Until Next is called the read waits on its caller.
	op.Pause(true)
	r.cur, r.actx, r.op = cur, actx, op
	return nil
}

func (r *rows) Columns() []connectors.Column { return r.cur.Columns() }

func (r *rows) Next() bool {
	if r.err != nil || r.ended {
		return false
	}
	for n := 1; ; n++ {
		r.op.Pause(false)
		if r.cur.Next() {
			r.op.Progress()
			r.op.Pause(true)
			r.row = r.cur.Row()
			// The last key is kept in a slice of this reader's own,
			// reused row after row (a read opened again gets a copy).
			r.last = r.last[:0]
			for _, j := range r.keyIdx {
				r.last = append(r.last, copyValue(r.row[j]))
			}
			r.after = r.last
			return true
		}
		r.op.Pause(true)
		err := r.cur.Err()
		if err == nil && r.actx.Err() != nil {
			// A read whose context ended (the watchdog, or the caller)
			// and that says nothing of it has not reached the end: its
			// end is no end of the table.
			err = context.Cause(r.actx)
		}
		err = r.op.Err(err)
		if err == nil {
			r.ended = true
			r.op.End()
			return false
		}
		if !IsTransient(err) || n >= r.s.p.attempts() {
			r.err = err
			r.op.End()
			return false
		}
		_ = r.cur.Close()
		r.op.End()
		for {
			if rerr := r.s.recover(r.ctx, r.gen, n, err); rerr != nil {
				r.err = rerr
				return false
			}
			o := r.opts
			o.After = append([]connectors.Value(nil), r.after...)
			oerr := r.attempt(o)
			if oerr == nil {
				break
			}
			if n++; !IsTransient(oerr) || n >= r.s.p.attempts() {
				r.err = oerr
				return false
			}
			err = oerr
		}
	}
}

func copyValue(v connectors.Value) connectors.Value {
	if b, ok := v.([]byte); ok {
		return append([]byte(nil), b...)
	}
	return v
}

func (r *rows) Row() []connectors.Value { return r.row }

// RowsOwned: rows come from the current read, and a read opened again
// after a fault is opened the same way.
func (r *rows) RowsOwned() bool { return connectors.RowsOwned(r.cur) }
func (r *rows) Err() error      { return r.err }
func (r *rows) Close() error {
	err := r.cur.Close()
	r.op.End()
	return err
}

// OtherEngines forwards to the current snapshot's EngineChecker, retried
// as every read; a connector without one has a single engine.
func (s *snapshot) OtherEngines(ctx context.Context, tables []string) (map[string]string, string, error) {
	type engines struct {
		other map[string]string
		want  string
	}
	e, err := forwardOptional(ctx, s, func(ctx context.Context, ec connectors.EngineChecker) (engines, error) {
		other, want, err := ec.OtherEngines(ctx, tables)
		return engines{other, want}, err
	})
	return e.other, e.want, err
}

// CheckExistingTables forwards to the current snapshot's
// ExistingTableChecker, retried as every read; a connector without one
// has no differences its catalogue does not read.
func (s *snapshot) CheckExistingTables(ctx context.Context, tables []string) ([]connectors.Difference, error) {
	return forwardOptional(ctx, s, func(ctx context.Context, c connectors.ExistingTableChecker) ([]connectors.Difference, error) {
		return c.CheckExistingTables(ctx, tables)
	})
}

// Identity forwards to the current snapshot's Identifier, retried as
// every read; "" when it has none: the run then records no source, and
// a resume compares none.
// Twin opens the current snapshot's twin, once: a retry would open a
// snapshot of another moment, and a caller without one reads in this
// snapshot instead. A snapshot replaced later (a lost connection, the
// source declared frozen) is taken to see what the twin sees, as the
// rest of the read takes it.
func (s *snapshot) Twin(ctx context.Context) (connectors.Snapshot, error) {
	t, ok := s.cur.(connectors.Twinner)
	if !ok {
		return nil, connectors.ErrNoTwin
	}
	return t.Twin(ctx)
}

func (s *snapshot) Identity(ctx context.Context) (string, error) {
	return forwardOptional(ctx, s, func(ctx context.Context, i connectors.Identifier) (string, error) {
		return i.Identity(ctx)
	})
}

// CountKey forwards to the wrapped snapshot's connectors.KeyCounter,
// retried as every read; one without it gives errors.ErrUnsupported.
func (s *snapshot) CountKey(ctx context.Context, table string, key []string) (n connectors.KeyCount, err error) {
	if _, ok := s.cur.(connectors.KeyCounter); !ok {
		return n, fmt.Errorf("count the keys of %s: %w", table, errors.ErrUnsupported)
	}
	err = s.do(ctx, "count the keys", table, func(ctx context.Context, c connectors.Snapshot) error {
		kc, ok := c.(connectors.KeyCounter)
		if !ok {
			return fmt.Errorf("count the keys of %s: the reopened snapshot cannot", table)
		}
		n, err = kc.CountKey(ctx, table, key)
		return err
	})
	return n, err
}

// CountQueryKey forwards to the wrapped snapshot's
// connectors.QueryKeyCounter, as CountKey does.
func (s *snapshot) CountQueryKey(ctx context.Context, query string, key []string) (n connectors.KeyCount, err error) {
	if _, ok := s.cur.(connectors.QueryKeyCounter); !ok {
		return n, fmt.Errorf("count the keys of a select: %w", errors.ErrUnsupported)
	}
	err = s.do(ctx, "count the keys of a select", "", func(ctx context.Context, c connectors.Snapshot) error {
		kc, ok := c.(connectors.QueryKeyCounter)
		if !ok {
			return fmt.Errorf("count the keys of a select: the reopened snapshot cannot")
		}
		n, err = kc.CountQueryKey(ctx, query, key)
		return err
	})
	return n, err
}

// CountBeyondDay forwards to the wrapped snapshot's
// connectors.BeyondDayCounter, as CountKey does.
func (s *snapshot) CountBeyondDay(ctx context.Context, table string, columns []string) (n []int64, err error) {
	if _, ok := s.cur.(connectors.BeyondDayCounter); !ok {
		return nil, fmt.Errorf("count time values beyond a day in %s: %w", table, errors.ErrUnsupported)
	}
	err = s.do(ctx, "count time values beyond a day", table, func(ctx context.Context, c connectors.Snapshot) error {
		bc, ok := c.(connectors.BeyondDayCounter)
		if !ok {
			return fmt.Errorf("count time values beyond a day in %s: the reopened snapshot cannot", table)
		}
		n, err = bc.CountBeyondDay(ctx, table, columns)
		return err
	})
	return n, err
}

// CheckKeyOrder forwards to the wrapped snapshot's
// connectors.KeyOrderChecker; one without it has nothing to refuse.
func (s *snapshot) CheckKeyOrder(ctx context.Context, table string, key []string) error {
	return s.do(ctx, "check the key order", table, func(ctx context.Context, c connectors.Snapshot) error {
		if kc, ok := c.(connectors.KeyOrderChecker); ok {
			return kc.CheckKeyOrder(ctx, table, key)
		}
		return nil
	})
}

// CheckQueryKeyOrder forwards as CheckKeyOrder does.
func (s *snapshot) CheckQueryKeyOrder(ctx context.Context, query string, key []string) error {
	return s.do(ctx, "check the key order", "", func(ctx context.Context, c connectors.Snapshot) error {
		if kc, ok := c.(connectors.KeyOrderChecker); ok {
			return kc.CheckQueryKeyOrder(ctx, query, key)
		}
		return nil
	})
}
