package connectors

import (
	"context"
	"fmt"
)

// BatchQuerier runs one keyset query and hands every row, decoded to
// canonical values in the order of cols, to emit. It reads the result to
// the end before returning, which frees the connection for the next query.
// emit may keep the row: the slice and its []byte values are the row's own
// memory, never reused (so keyset and streamed rows are OwnedRows).
type BatchQuerier interface {
	QueryBatch(ctx context.Context, query string, args []Value, cols []Column, emit func(row []Value)) error
}

// NewKeysetRows streams a table in key order through repeated keyset
// queries of opts.BatchSize rows, each one read to the end before its rows
// are returned. Memory is one batch; a scan resumes exactly after the last
// key it returned, which is also how a run resumes after an interruption.
//
// Dialects' placeholders are numbered (or the dialect uses row values), so
// each query takes the previous batch's last key once, in key order.
func NewKeysetRows(ctx context.Context, q BatchQuerier, d Dialect, t *Table, opts ScanOptions) (Rows, error) {
	return newKeysetRows(ctx, q, t, opts, func(columns, key []string, after bool, limit int) (string, error) {
		return d.SelectBatch(t.Name, columns, key, after, limit)
	})
}

func newKeysetRows(ctx context.Context, q BatchQuerier, t *Table, opts ScanOptions, build func(columns, key []string, after bool, limit int) (string, error)) (Rows, error) {
	key := opts.Key
	if len(key) == 0 {
		key = t.PrimaryKey
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("table %s has no primary key: name key columns that are unique and not null to scan it", t.Name)
	}
	keyIdx := make([]int, len(key))
	for i, k := range key {
		if keyIdx[i] = t.ColumnIndex(k); keyIdx[i] < 0 {
			return nil, fmt.Errorf("table %s: key column %s does not exist", t.Name, k)
		}
	}
	if opts.After != nil && len(opts.After) != len(key) {
		return nil, fmt.Errorf("table %s: resume key has %d values for %d key columns", t.Name, len(opts.After), len(key))
	}
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	first, err := build(names, key, false, size)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	next, err := build(names, key, true, size)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	return &keysetRows{ctx: ctx, q: q, t: t, keyIdx: keyIdx, size: size, first: first, next: next, after: opts.After}, nil
}

type keysetRows struct {
	ctx         context.Context
	q           BatchQuerier
	t           *Table
	keyIdx      []int
	size        int
	first, next string

	after []Value
	buf   [][]Value
	pos   int
	done  bool
	err   error
}

func (r *keysetRows) Columns() []Column { return r.t.Columns }

func (r *keysetRows) Next() bool {
	if r.err != nil {
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
	query := r.first
	if r.after != nil {
		query = r.next
	}
	err := r.q.QueryBatch(r.ctx, query, r.after, r.t.Columns, func(row []Value) {
		r.buf = append(r.buf, row)
	})
	if err != nil {
		r.err = fmt.Errorf("table %s: read batch after key %s: %w", r.t.Name, describeKey(r.after), err)
		return false
	}
	if len(r.buf) < r.size {
		r.done = true
	}
	if len(r.buf) == 0 {
		return false
	}
	last := r.buf[len(r.buf)-1]
	after := make([]Value, len(r.keyIdx))
	for i, ix := range r.keyIdx {
		if last[ix] == nil {
			r.err = fmt.Errorf("table %s: key column %s is NULL; a keyset scan needs a unique, non-null key", r.t.Name, r.t.Columns[ix].Name)
			return false
		}
		after[i] = last[ix]
	}
	r.after = after
	return true
}

func (r *keysetRows) Row() []Value {
	if r.pos < len(r.buf) {
		return r.buf[r.pos]
	}
	return nil
}

func (r *keysetRows) Err() error { return r.err }

// RowsOwned: each row is one BatchQuerier emitted, never reused.
func (r *keysetRows) RowsOwned() bool { return true }

func (r *keysetRows) Close() error {
	r.done, r.buf = true, nil
	return nil
}

// describeKey names a resume position without its values: key values can
// be personal identity numbers.
func describeKey(after []Value) string {
	if after == nil {
		return "(start)"
	}
	return fmt.Sprintf("(%d key values)", len(after))
}
