package plans

import (
	"context"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
)

// queryRows gives n rows, then blocks in its next page query until the
// context it was opened with ends, as a driver's query on a connection
// whose server stopped answering does. honest says whether Err then tells
// of the cancellation (a connector that does not would end the table
// short).
type queryRows struct {
	ctx     context.Context
	n, i    int
	honest  bool
	blocked chan struct{}
	closed  bool
}

func (r *queryRows) Columns() []connectors.Column { return nil }
func (r *queryRows) Row() []connectors.Value      { return []connectors.Value{int64(r.i)} }
func (r *queryRows) Close() error                 { r.closed = true; return nil }
func (r *queryRows) Next() bool {
	if r.i < r.n {
		r.i++
		return true
	}
	close(r.blocked)
	<-r.ctx.Done()
	return false
}
func (r *queryRows) Err() error {
	if r.honest && r.ctx.Err() != nil {
		return r.ctx.Err()
	}
	return nil
}

func openQueryRows(t *testing.T, ctx context.Context, n int, honest bool) (connectors.Rows, *queryRows) {
	t.Helper()
	var q *queryRows
	rows, err := readAhead(ctx, 3, func(ctx context.Context) (connectors.Rows, error) {
		q = &queryRows{ctx: ctx, n: n, honest: honest, blocked: make(chan struct{})}
		return q, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, q
}

// Closing a pipeline whose reader is blocked in a page query cancels the
// query and returns: Close waited for the query (for ever, with a source
// that stopped answering), as its cancel did not reach the read.
func TestReadAheadCloseStopsABlockedQuery(t *testing.T) {
	rows, q := openQueryRows(t, context.Background(), 0, true)
	select {
	case <-q.blocked:
	case <-time.After(30 * time.Second):
		t.Fatal("the reader never queried")
	}
	done := make(chan error, 1)
	go func() { done <- rows.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the blocked query: its context was not cancelled")
	}
	if !q.closed {
		t.Error("the read was not closed")
	}
}

// A read stopped by its context before its end has an error, also where
// the connector's Next gives false without one: its end is not the end
// of the table (a silent short read, the worst defect: a run that commits
// fewer records and calls its unit done).
func TestReadAheadStoppedReadIsNoEnd(t *testing.T) {
	for _, honest := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		rows, q := openQueryRows(t, ctx, 3, honest)
		got := 0
		for rows.Next() {
			got++
			if got == 3 {
				<-q.blocked
				cancel()
			}
		}
		if rows.Err() == nil {
			t.Errorf("honest %v: the read stopped after %d rows and Next said the table ended, with no error", honest, got)
		}
		rows.Close()
		cancel()
	}
}
