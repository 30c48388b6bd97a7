package plans

import (
	"context"
	"errors"
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
	rows := readAhead(context.Background(), in, 5)
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
	in := &reusing{n: 1 << 30, row: make([]connectors.Value, 2)}
	rows := readAhead(context.Background(), in, 3)
	rows.Next()
	rows.Close()
	read := in.i
	time.Sleep(10 * time.Millisecond)
	if in.i != read {
		t.Errorf("the reader went on after Close: %d rows, then %d", read, in.i)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
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
	locked := &lockedRows{Rows: in, mu: new(sync.Mutex)}
	if !connectors.RowsOwned(locked) {
		t.Fatal("a locked read of owned rows does not say so")
	}
	if connectors.RowsOwned(&lockedRows{Rows: &reusing{}, mu: new(sync.Mutex)}) {
		t.Fatal("a locked read of reused rows says they are owned")
	}
	rows := readAhead(context.Background(), locked, 3)
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

// The read-ahead hands a batch's slice back to its reader once every row
// of it was given (to fill with a later batch): a row given before, kept
// by the mapper across many batches, is still that row; and every row
// comes once, in order, while the reader refills the slices given back.
func TestReadAheadReusedBatchesKeepGivenRows(t *testing.T) {
	const n = 1000
	in := &owning{}
	for i := 1; i <= n; i++ {
		in.rows = append(in.rows, []connectors.Value{int64(i), []byte{byte(i), byte(i >> 8)}})
	}
	rows := readAhead(context.Background(), in, 7)
	defer rows.Close()
	var kept [][]connectors.Value
	for rows.Next() {
		r := rows.Row()
		if want := int64(len(kept) + 1); r[0] != want {
			t.Fatalf("row %d is %v", want, r)
		}
		kept = append(kept, r)
		if len(kept)%50 == 0 {
			// Let the reader run ahead and refill what it was given back.
			time.Sleep(time.Millisecond)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(kept) != n {
		t.Fatalf("%d rows, want %d", len(kept), n)
	}
	for i, r := range kept {
		b := r[1].([]byte)
		if r[0] != int64(i+1) || b[0] != byte(i+1) || b[1] != byte((i+1)>>8) {
			t.Fatalf("kept row %d is now %v", i+1, r)
		}
	}
}
