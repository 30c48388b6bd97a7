package connectors

import "context"

// Progress is told that a long read advanced: a piece of its answer
// came (wrap.Watchdog's operation, which takes a read that stops
// advancing for a stall). Its Progress must be cheap and safe from any
// goroutine.
type Progress interface{ Progress() }

type progressKey struct{}

// WithProgress gives ctx carrying p, for a connector whose operation
// reads its answer in pieces below the Rows a caller sees (the
// PostgreSQL read-back of a checksum): without it such an operation
// shows no progress until it ends, and a legitimately long one would be
// taken for a stall.
func WithProgress(ctx context.Context, p Progress) context.Context {
	return context.WithValue(ctx, progressKey{}, p)
}

// ProgressOf is the Progress ctx carries, or nil. A connector looks it up
// once per operation and tells it per piece (a batch of rows), never per
// row: it costs an atomic addition.
func ProgressOf(ctx context.Context) Progress {
	p, _ := ctx.Value(progressKey{}).(Progress)
	return p
}
