package plans

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/regflytt/regflytt/connectors/wrap"
)

// watchdog makes the run's stall watchdog (connectors/wrap.Watchdog): it
// watches every operation on the source and the target, the reads row by
// row and each batch's commit whole, warns of one that makes no progress
// (and again while it lasts), and, with a stall limit (run.stall_timeout,
// --stall-timeout), cancels it there: the retries then try again on a new
// connection, and when they are spent the run stops where it can resume.
//
// A peer that stays connected and stops answering (a frozen server, a
// firewall that drops a flow's packets, a NAT that forgot it) is not seen
// by TCP keepalive and is bounded by no driver by default: without the
// watchdog the run waited for ever, its progress standing still.
func (r *runner) watchdog() *wrap.Watchdog {
	limit := r.plan.StallTimeout
	if r.opts.StallTimeout != 0 {
		limit = max(r.opts.StallTimeout, 0)
	}
	return &wrap.Watchdog{Warn: r.opts.StallWarning, Limit: limit, Stalled: r.stalled}
}

// stalled tells the user of a stall: a warning, which the command line
// prints without -v. The archive's are the disk's (a part written and
// synced), which nothing cancels.
func (r *runner) stalled(s wrap.Stall) {
	d := wrap.Round(s.For)
	on := ""
	if s.Table != "" {
		on = " of " + s.Table
	}
	// In a verification (a run's end check, regflytt verify) the warning
	// says so: the move is over, and what waits is the check.
	in := ""
	if r.checking != "" {
		in = r.checking + ": "
	}
	if s.Cancelled {
		then := "its connection counts as lost, and the retries try again on a new one"
		switch {
		case s.What == releaseLock:
			// The server ends a session's advisory lock with the session,
			// and the lock's connection is closed now.
			then = "the run gave up releasing the run lock; the target releases it as it ends the lock's session, whose connection is closed now"
		case s.What == wrap.CloseConnections || s.What == wrap.EndSnapshot:
			// Nothing waits on a close: what the run wrote is committed,
			// and its report written or still to come.
			then = "the run gave up closing them; they end with the process at the latest"
		case r.checking != "" && (s.Side == "target" || !r.plan.SourceFrozen):
			then = "the check stops (it reads the target at one moment); it can be done again"
		}
		r.log.Warn(fmt.Sprintf("%sstalled: no progress from the %s in %s%s for %v (the stall limit): cancelled; %s", in, s.Side, s.What, on, d, then),
			stallAttrs(s)...)
		return
	}
	if s.Side == "archive" {
		r.log.Warn(fmt.Sprintf("still waiting for the disk to write %s%s, for %v (its file system stopped answering?)", s.What, on, d), stallAttrs(s)...)
		return
	}
	var msg string
	switch {
	case s.What == "read" && s.Table != "":
		msg = fmt.Sprintf("%sstill waiting for the %s: table %s, no row for %v", in, s.Side, s.Table, d)
	case (s.What == "checksum" || s.What == "count") && s.Table != "":
		// Its answer, or its rows read back batch by batch: a read-back
		// that moves is not stalled.
		msg = fmt.Sprintf("%sstill waiting for the %s: %s of table %s, nothing read for %v", in, s.Side, s.What, s.Table, d)
	default:
		msg = fmt.Sprintf("%sstill waiting for the %s to %s%s, for %v", in, s.Side, s.What, on, d)
	}
	if s.Limit > 0 {
		msg += fmt.Sprintf(" (cancelled at the stall limit, %v)", wrap.Round(s.Limit))
	} else {
		msg += " (not an error: a query may sort for minutes before its first row; run.stall_timeout or --stall-timeout cancels a stall and retries on a new connection)"
	}
	r.log.Warn(msg, stallAttrs(s)...)
}

// stallAttrs are a stall's log attributes: the side, and the table when
// one is known.
func stallAttrs(s wrap.Stall) []any {
	if s.Table == "" {
		return []any{"side", s.Side}
	}
	return []any{"side", s.Side, "table", s.Table}
}

// stopGrace is how long what a run still does with a peer as it stops (the
// question what the target holds, the run lock's release) may take after
// ctx ended, a second Ctrl-C: a peer that answers answers in far less,
// and one that stopped answering is given up on, its connection closed
// with the process at the latest, instead of the whole of its own bound.
const stopGrace = time.Second

// graceAfter gives a context that does not end with ctx but stopGrace
// after it (and with cancel): for what a stopped run must still try.
func graceAfter(ctx context.Context) (context.Context, context.CancelFunc) {
	gctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	var mu sync.Mutex
	var timer *time.Timer
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		timer = time.AfterFunc(stopGrace, func() { cancel(context.Cause(ctx)) })
	})
	return gctx, func() {
		stop()
		mu.Lock()
		if timer != nil {
			timer.Stop()
		}
		mu.Unlock()
		cancel(context.Canceled)
	}
}

// askBound bounds a question to a peer at the end of a stopped run by the
// stall limit, when there is one shorter than d.
func (r *runner) askBound(d time.Duration) time.Duration {
	if r.watch != nil && r.watch.Limit > 0 && r.watch.Limit < d {
		return r.watch.Limit
	}
	return d
}
