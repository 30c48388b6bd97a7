package wrap_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/connectors/wrap"
)

type sqlStateError string

func (e sqlStateError) Error() string    { return "server said " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

func TestIsTransient(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{driver.ErrBadConn, true},
		{fmt.Errorf("read batch: %w", driver.ErrBadConn), true},
		{sqlStateError("40001"), true},
		{sqlStateError("40P01"), true},
		{sqlStateError("57P01"), true},
		{sqlStateError("08006"), true},
		{sqlStateError("23505"), false}, // unique violation: never again
		{errors.New("Error 1213 (40001): Deadlock found when trying to get lock"), true},
		{errors.New("invalid connection"), true},
		{errors.New("table visit: row 3 of batch, column x: int_range"), false},
		{context.Canceled, false},
		{&wrap.SnapshotLostError{Err: driver.ErrBadConn}, false},
		// Lost to a stall, it is lost still: another attempt in it meets
		// its closed connection and hides the stall.
		{&wrap.SnapshotLostError{Err: &wrap.StalledError{Err: context.Canceled}}, false},
		// A lost run lock, though its text tells of a terminated session:
		// another attempt does not bring the lock back.
		{fmt.Errorf("lock regflytt_run: its session ended (FATAL: terminating connection due to administrator command): %w", connectors.ErrLockLost), false},
	} {
		if got := wrap.IsTransient(c.err); got != c.want {
			t.Errorf("IsTransient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// flaky fails a snapshot's reads with a lost connection after n rows,
// once per snapshot, as a killed connection would.
type flaky struct {
	connectors.Source
	after     int
	snapshots int
}

func (f *flaky) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	s, err := f.Source.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	f.snapshots++
	return &flakySnap{Snapshot: s, left: f.after}, nil
}

type flakySnap struct {
	connectors.Snapshot
	left int
}

func (s *flakySnap) Scan(ctx context.Context, t *connectors.Table, o connectors.ScanOptions) (connectors.Rows, error) {
	r, err := s.Snapshot.Scan(ctx, t, o)
	return &flakyRows{Rows: r, s: s}, err
}

type flakyRows struct {
	connectors.Rows
	s   *flakySnap
	err error
}

func (r *flakyRows) Next() bool {
	if r.s.left == 0 {
		r.err = fmt.Errorf("read batch: %w", driver.ErrBadConn)
		return false
	}
	r.s.left--
	return r.Rows.Next()
}

func (r *flakyRows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.Rows.Err()
}

func source(t *testing.T, n int) (connectors.Source, *connectors.Table) {
	t.Helper()
	loc, err := connectors.ParseLocation("sqlite://" + filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqlite.OpenTarget(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tb := connectors.Table{Name: "t", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	if err := db.Create(ctx, []connectors.Table{tb}); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]connectors.Value, n)
	for i := range rows {
		rows[i] = []connectors.Value{int64(i + 1)}
	}
	if _, err := tx.Write(ctx, &tb, rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return db, &tb
}

// A read that loses its connection continues in a new snapshot after the
// last key it returned, when the source is declared frozen: every row
// once, in order.
func TestFrozenSourceContinuesAfterTheLastKey(t *testing.T) {
	db, tb := source(t, 25)
	f := &flaky{Source: db, after: 7}
	src := wrap.Source(f, wrap.Policy{Reopen: true, Base: time.Millisecond})
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	rows, err := snap.Scan(context.Background(), tb, connectors.ScanOptions{BatchSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for rows.Next() {
		got = append(got, rows.Row()[0].(int64))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 25 {
		t.Fatalf("read %d rows, want 25: %v", len(got), got)
	}
	for i, id := range got {
		if id != int64(i+1) {
			t.Fatalf("row %d has id %d: %v", i, id, got)
		}
	}
	if f.snapshots < 4 {
		t.Errorf("%d snapshots for 25 rows failing every 7: the fault was not injected", f.snapshots)
	}
}

// Without a frozen source the read stops and says the snapshot was lost.
func TestLostSnapshotStops(t *testing.T) {
	db, tb := source(t, 10)
	src := wrap.Source(&flaky{Source: db, after: 3}, wrap.Policy{Base: time.Millisecond})
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	rows, err := snap.Scan(context.Background(), tb, connectors.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	var lost *wrap.SnapshotLostError
	if !errors.As(rows.Err(), &lost) || n != 3 {
		t.Fatalf("read %d rows, then %v; want 3 and a SnapshotLostError", n, rows.Err())
	}
}
