package connectors

import (
	"context"
	"fmt"
	"slices"
)

// StreamedScan reports whether a scan by key reads its table in one
// ordered query instead of keyset pages. A page of a keyset scan costs one
// index range read when an index serves the key, but when none does each
// page sorts the whole table again (MariaDB's EXPLAIN: type ALL, Using
// filesort), so a table read in pages costs the square of its size. The
// primary key always has an index; any other key (the values table of a
// form store read by entity, a table without a primary key read by a key
// its mapping names) is read in one query, sorted once by the server, or
// read through an index the server finds for it.
func StreamedScan(t *Table, opts ScanOptions) bool {
	return len(opts.Key) > 0 && !slices.Equal(opts.Key, t.PrimaryKey)
}

// SelectOrdered builds "SELECT cols FROM t [WHERE key > after] ORDER BY
// key": SelectBatchLimit's query without a limit, for a streamed scan.
func SelectOrdered(d Dialect, table string, columns, key []string, after bool, bq BatchQuery) (string, error) {
	qt, err := d.QuoteIdent(table)
	if err != nil {
		return "", err
	}
	return selectLimit(d, qt, columns, key, after, 0, bq)
}

// NewStreamRows streams one query's rows through q in a goroutine that
// hands them over a page of size rows at a time, so that memory holds at
// most two pages whatever the table's size. q's QueryBatch must read its
// result row by row as it arrives (not buffer it first) and must not share
// a connection with a query another goroutine runs at the same time,
// unless the driver serialises them (database/sql does). The order is the
// server's: a caller that merges by it checks it (plans does).
func NewStreamRows(ctx context.Context, q BatchQuerier, t *Table, query string, args []Value, size int) Rows {
	if size <= 0 {
		size = DefaultBatchSize
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &streamRows{t: t, cancel: cancel, pages: make(chan [][]Value, 1), free: make(chan [][]Value, 2), done: make(chan struct{}), pos: -1}
	r.free <- make([][]Value, 0, size)
	r.free <- make([][]Value, 0, size)
	go func() {
		defer close(r.done)
		defer close(r.pages)
		var page [][]Value
		take := func() bool {
			select {
			case page = <-r.free:
				page = page[:0]
				return true
			case <-ctx.Done():
				return false
			}
		}
		if !take() {
			r.err = ctx.Err()
			return
		}
		stopped := false
		err := q.QueryBatch(ctx, query, args, t.Columns, func(row []Value) {
			if stopped {
				return
			}
			page = append(page, row)
			if len(page) < size {
				return
			}
			select {
			case r.pages <- page:
			case <-ctx.Done():
				stopped = true
				return
			}
			if !take() {
				stopped = true
			}
		})
		if err == nil && stopped {
			err = ctx.Err()
		}
		if err == nil && len(page) > 0 {
			select {
			case r.pages <- page:
			case <-ctx.Done():
				err = ctx.Err()
			}
		}
		if err != nil {
			r.err = fmt.Errorf("table %s: streamed read: %w", t.Name, err)
		}
	}()
	return r
}

type streamRows struct {
	t      *Table
	cancel context.CancelFunc
	pages  chan [][]Value
	free   chan [][]Value
	done   chan struct{}
	// err is written by the goroutine before it closes pages and read
	// only after that.
	err    error
	page   [][]Value
	pos    int
	failed error
	closed bool
}

func (r *streamRows) Columns() []Column { return r.t.Columns }

func (r *streamRows) Next() bool {
	if r.failed != nil || r.closed {
		return false
	}
	r.pos++
	if r.pos < len(r.page) {
		return true
	}
	if r.page != nil {
		// The caller is done with the previous page: its rows were valid
		// only until this call.
		r.free <- r.page
		r.page = nil
	}
	page, ok := <-r.pages
	if !ok {
		r.failed = r.err
		return false
	}
	r.page, r.pos = page, 0
	return len(page) > 0
}

func (r *streamRows) Row() []Value {
	if r.pos >= 0 && r.pos < len(r.page) {
		return r.page[r.pos]
	}
	return nil
}

func (r *streamRows) Err() error { return r.failed }

// RowsOwned: each row is one BatchQuerier emitted (pages are reused, the
// rows in them are not).
func (r *streamRows) RowsOwned() bool { return true }

// Close stops the query and waits for its goroutine, so that the
// connection is free when Close returns.
func (r *streamRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.cancel()
	for range r.pages {
	}
	<-r.done
	r.page = nil
	return nil
}

// NewPagedRows reads an open server-side cursor a page at a time: each
// call of q runs fetch (PostgreSQL's FETCH FORWARD n FROM c), which gives
// the next size rows of one query the server runs once. Memory is one
// page; the connection is free between pages, so other scans of the same
// snapshot go on beside it. closeCursor runs once, on Close.
func NewPagedRows(ctx context.Context, q BatchQuerier, t *Table, fetch string, size int, closeCursor func() error) Rows {
	return &pagedRows{ctx: ctx, q: q, t: t, fetch: fetch, size: size, closeCursor: closeCursor}
}

type pagedRows struct {
	ctx         context.Context
	q           BatchQuerier
	t           *Table
	fetch       string
	size        int
	closeCursor func() error

	buf    [][]Value
	pos    int
	done   bool
	err    error
	closed bool
}

func (r *pagedRows) Columns() []Column { return r.t.Columns }

func (r *pagedRows) Next() bool {
	if r.err != nil || r.closed {
		return false
	}
	r.pos++
	if r.pos < len(r.buf) {
		return true
	}
	if r.done {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return false
	}
	r.buf, r.pos = r.buf[:0], 0
	err := r.q.QueryBatch(r.ctx, r.fetch, nil, r.t.Columns, func(row []Value) { r.buf = append(r.buf, row) })
	if err != nil {
		r.err = fmt.Errorf("table %s: streamed read: %w", r.t.Name, err)
		return false
	}
	if len(r.buf) < r.size {
		r.done = true
	}
	return len(r.buf) > 0
}

func (r *pagedRows) Row() []Value {
	if r.pos < len(r.buf) {
		return r.buf[r.pos]
	}
	return nil
}

func (r *pagedRows) Err() error { return r.err }

func (r *pagedRows) Close() error {
	if r.closed {
		return nil
	}
	r.closed, r.buf = true, nil
	return r.closeCursor()
}
