package wrap

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// Watchdog notices operations on a connection that make no progress: a
// peer that stays connected and stops answering (a frozen server, a
// firewall that drops a flow's packets, a NAT that forgot it) leaves a
// read or a commit waiting for ever, which TCP keepalive does not see
// (the host is alive) and no driver bounds by default.
//
// An operation is watched from Begin to End; it makes progress each time
// Progress is called (a row read), and stops being watched while it waits
// on its own caller (Pause: a reader whose consumer is busy is not
// stalled). A stall is not an error by default: a query may sort for
// minutes before its first row. Stalled is told of it after Warn, and
// every Warn again while it lasts; with a Limit, the operation's context
// is cancelled once it has gone that long without progress, and it fails
// with a *StalledError, which IsTransient takes for a broken connection:
// the retries try again on a new one.
//
// The zero Watchdog warns after a minute and never cancels; a nil one
// watches nothing.
type Watchdog struct {
	// Warn is how long an operation goes without progress before Stalled
	// is told; 0 means a minute.
	Warn time.Duration
	// Limit, when set, is how long before the operation is cancelled.
	Limit time.Duration
	// Stalled is told of each stall (from the watchdog's goroutine, so it
	// must not block for long); nil tells no one.
	Stalled func(Stall)

	mu      sync.Mutex
	ops     map[*Op]struct{}
	running bool
}

// Stall describes an operation that has made no progress for a while.
type Stall struct {
	// Side is "source" or "target"; What the operation ("read", "commit
	// batch 41", "begin"); Table the table, when one is known.
	Side, What, Table string
	// For is how long it has made no progress.
	For time.Duration
	// Cancelled says the limit was reached and the operation cancelled.
	Cancelled bool
	// Limit is the watchdog's limit (0: none).
	Limit time.Duration
}

// StalledError is the error of an operation the Watchdog cancelled.
type StalledError struct {
	Stall
	// Err is what the operation returned once cancelled.
	Err error
}

func (e *StalledError) Error() string {
	s := fmt.Sprintf("stalled: the %s made no progress in %s", e.Side, e.What)
	if e.Table != "" {
		s += " of " + e.Table
	}
	s += fmt.Sprintf(" for %v (the stall limit), and it was cancelled", Round(e.For))
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *StalledError) Unwrap() error { return e.Err }

// Round rounds a stall's length for a message: to the second, or to the
// millisecond below one (tests' limits).
func Round(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}

func (d *Watchdog) warn() time.Duration {
	if d.Warn <= 0 {
		return time.Minute
	}
	return d.Warn
}

// period is how often the watchdog looks: a tenth of the shorter of Warn
// and Limit, so that a stall is noticed within a tenth of either late.
func (d *Watchdog) period() time.Duration {
	p := d.warn()
	if d.Limit > 0 && d.Limit < p {
		p = d.Limit
	}
	return max(p/10, time.Millisecond)
}

// Op is one watched operation. Its methods may be called on a nil Op
// (nothing is watched) and from the goroutine that runs the operation;
// Progress and Pause are cheap enough to call for every row.
type Op struct {
	d      *Watchdog
	ctx    context.Context
	cancel context.CancelCauseFunc
	stall  Stall
	n      atomic.Int64
	paused atomic.Bool

	// Kept by the watchdog's goroutine only.
	seen      int64
	since     time.Time
	warned    time.Duration
	cancelled bool
}

type opKey struct{}

// OpOf is the watched operation ctx was given by Begin (or Do), nil when
// none: for work inside an operation that waits on something other
// than its connection for a while (Pause).
func OpOf(ctx context.Context) *Op {
	o, _ := ctx.Value(opKey{}).(*Op)
	return o
}

// Begin starts watching an operation of side on table (either may be
// ""), and gives the context to run it with. An operation begun within
// another (ctx carries one) is the outer one's part, and not watched
// apart: the outer one warns and is cancelled, and its context with it.
func (d *Watchdog) Begin(ctx context.Context, side, what, table string) (context.Context, *Op) {
	if d == nil {
		return ctx, nil
	}
	if _, ok := ctx.Value(opKey{}).(*Op); ok {
		return ctx, nil
	}
	o := &Op{d: d, stall: Stall{Side: side, What: what, Table: table, Limit: d.Limit}, since: time.Now()}
	// A connector that reads its answer in pieces beneath the caller's
	// sight (a checksum's rows read back) tells the operation of each.
	o.ctx, o.cancel = context.WithCancelCause(connectors.WithProgress(context.WithValue(ctx, opKey{}, o), o))
	d.add(o)
	return o.ctx, o
}

// Do runs f watched as an operation of side on table (Begin to End), and
// gives its error as Op.Err does.
func (d *Watchdog) Do(ctx context.Context, side, what, table string, f func(context.Context) error) error {
	ctx, op := d.Begin(ctx, side, what, table)
	defer op.End()
	return op.Err(f(ctx))
}

// CloseConnections and EndSnapshot are the watched operations that close
// a source's or a target's connections and end a snapshot (Close).
const (
	CloseConnections = "close its connections"
	EndSnapshot      = "end its snapshot"
)

// Close runs close, which no context stops (a pool's Close waits for
// every connection it gave out, one that a frozen peer holds too; a
// snapshot's ends its transaction on the server), watched as the
// operation what of side: a stall is told of, and at the limit, or when
// ctx ends (a second Ctrl-C), Close returns without waiting longer (a
// *StalledError, or ctx's error) and leaves close to its goroutine: the
// connections end with the process at the latest. Without a limit and
// with a ctx that does not end, it waits as long as close does, warning.
func (d *Watchdog) Close(ctx context.Context, side, what string, close func() error) error {
	if d == nil && ctx.Done() == nil {
		return close()
	}
	done := make(chan error, 1)
	go func() { done <- close() }()
	// Its own operation, never a part of one under way in ctx: a close
	// is not the progress of what opened the connection.
	wctx, op := d.Begin(context.Background(), side, what, "")
	defer op.End()
	select {
	case err := <-done:
		return err
	case <-wctx.Done():
		return op.Err(context.Cause(wctx))
	case <-ctx.Done():
		select {
		case err := <-done:
			return err
		default:
		}
		return fmt.Errorf("%s: %s: %w", side, what, context.Cause(ctx))
	}
}

// Observe starts watching work that no context stops (a file written
// and synced): a stall of it is told of, and never cancelled.
func (d *Watchdog) Observe(side, what, table string) *Op {
	if d == nil {
		return nil
	}
	o := &Op{d: d, stall: Stall{Side: side, What: what, Table: table}, since: time.Now()}
	d.add(o)
	return o
}

func (d *Watchdog) add(o *Op) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ops == nil {
		d.ops = map[*Op]struct{}{}
	}
	d.ops[o] = struct{}{}
	if !d.running {
		d.running = true
		go d.watch()
	}
}

// Progress says the operation advanced (a row came).
func (o *Op) Progress() {
	if o != nil {
		o.n.Add(1)
	}
}

// Pause says whether the operation waits on its caller (paused) rather
// than on the connection; a paused operation is not stalled.
func (o *Op) Pause(paused bool) {
	if o != nil {
		o.paused.Store(paused)
	}
}

// End stops watching the operation and releases its context.
func (o *Op) End() {
	if o == nil {
		return
	}
	o.Release()
	if o.cancel != nil {
		o.cancel(context.Canceled)
	}
}

// Release stops watching the operation and leaves its context to end
// with the caller's: for one whose result lives on with the context it
// was made with (a transaction begun, which commits with Begin's).
func (o *Op) Release() {
	if o == nil {
		return
	}
	o.d.mu.Lock()
	delete(o.d.ops, o)
	o.d.mu.Unlock()
}

// Err gives the error the operation returned, as a *StalledError when the
// watchdog cancelled it (whatever the driver made of the cancellation);
// nil stays nil.
func (o *Op) Err(err error) error {
	if o == nil || o.ctx == nil {
		return err
	}
	return stalledErr(o.ctx, err)
}

// stalledErr is err as a *StalledError when ctx (or an outer context) was
// cancelled for a stall.
func stalledErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if se, ok := context.Cause(ctx).(*StalledError); ok {
		if _, already := err.(*StalledError); already {
			return err
		}
		return &StalledError{Stall: se.Stall, Err: err}
	}
	return err
}

// watch looks at the operations every period, until none is left. A
// stall is told of before its operation is cancelled: the operation's
// caller may return at once (a close given up on, and the process ends),
// and the word of it must not come after, or never.
func (d *Watchdog) watch() {
	t := time.NewTicker(d.period())
	defer t.Stop()
	type told struct {
		o *Op
		s Stall
	}
	var tell []told
	for now := range t.C {
		tell = tell[:0]
		d.mu.Lock()
		if len(d.ops) == 0 {
			d.running = false
			d.mu.Unlock()
			return
		}
		for o := range d.ops {
			if s, ok := o.look(now); ok {
				tell = append(tell, told{o, s})
			}
		}
		d.mu.Unlock()
		for _, x := range tell {
			if d.Stalled != nil {
				d.Stalled(x.s)
			}
			if x.s.Cancelled {
				x.o.cancel(&StalledError{Stall: x.s})
			}
		}
	}
}

// look notes the operation's progress at now, marks it cancelled past
// the limit (watch cancels it), and says whether a stall is to be told.
func (o *Op) look(now time.Time) (Stall, bool) {
	d := o.d
	if n := o.n.Load(); n != o.seen || o.paused.Load() {
		o.seen, o.since, o.warned = n, now, 0
		return Stall{}, false
	}
	if o.cancelled {
		return Stall{}, false
	}
	s := o.stall
	s.For = now.Sub(o.since)
	if d.Limit > 0 && s.For >= d.Limit && o.cancel != nil {
		o.cancelled = true
		s.Cancelled = true
		// Cancelled by watch, once told of.
		return s, true
	}
	if s.For-o.warned >= d.warn() {
		o.warned = s.For
		return s, true
	}
	return Stall{}, false
}
