package connectors

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

// fakeStream emits n rows of one value, counting what it emitted, and
// fails at the end when err is set.
type fakeStream struct {
	n       int
	emitted atomic.Int64
	err     error
}

func (f *fakeStream) QueryBatch(ctx context.Context, query string, args []Value, cols []Column, emit func([]Value)) error {
	for i := 0; i < f.n; i++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f.emitted.Add(1)
		emit([]Value{int64(i)})
	}
	return f.err
}

// A streamed scan holds at most two pages ahead of its reader, whatever
// the table's size (the source read's memory stays flat), hands over every
// row in order, and passes on the query's error after the rows it read.
func TestStreamRowsHoldsTwoPages(t *testing.T) {
	tbl := &Table{Name: "v", Columns: []Column{{Name: "id"}}}
	const size = 10
	f := &fakeStream{n: 1000, err: errors.New("lost connection")}
	rows := NewStreamRows(context.Background(), f, tbl, "q", nil, size)
	read := 0
	for rows.Next() {
		if got := rows.Row()[0].(int64); got != int64(read) {
			t.Fatalf("row %d holds %d", read, got)
		}
		read++
		if ahead := f.emitted.Load() - int64(read); ahead > 2*size {
			t.Fatalf("after %d rows read, %d emitted: more than two pages ahead", read, f.emitted.Load())
		}
	}
	if read != 1000 || rows.Err() == nil || !errors.Is(rows.Err(), f.err) {
		t.Fatalf("read %d rows, error %v; want 1000 and the query's error", read, rows.Err())
	}
	rows.Close()
}

// Close stops the query early and returns once its goroutine is done.
func TestStreamRowsCloseStopsTheQuery(t *testing.T) {
	tbl := &Table{Name: "v", Columns: []Column{{Name: "id"}}}
	f := &fakeStream{n: 1_000_000}
	rows := NewStreamRows(context.Background(), f, tbl, "q", nil, 10)
	for i := 0; i < 15 && rows.Next(); i++ {
	}
	rows.Close()
	if n := f.emitted.Load(); n > 40 {
		t.Fatalf("the query went on to emit %d rows after Close", n)
	}
	if rows.Next() {
		t.Fatal("Next after Close")
	}
}
