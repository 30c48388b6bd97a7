package plans

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/verify"
)

// readTap is the source snapshot verify re-applies the mappings through:
// it hashes the rows of every table read whole as the connector gives
// them, so that checkSourceReads can hold them to the source database's
// own checksum (verify.SourceReadCheck). Reads it does not understand
// (a select:, a scan resumed after a key) pass through unhashed.
type readTap struct {
	connectors.Snapshot
	mu sync.Mutex
	// read holds, per table, the first whole scan that reached its end.
	read map[string]*tappedTable
	// skipped says why a table read whole could not be hashed; such a
	// table is reported as not checked, never left out.
	skipped map[string]string
}

type tappedTable struct {
	table *connectors.Table // the part checked: no floats
	cols  []int             // its columns' positions in the rows read
	c     *verify.Content
	done  bool
}

func newReadTap(snap connectors.Snapshot) *readTap {
	return &readTap{Snapshot: snap, read: map[string]*tappedTable{}, skipped: map[string]string{}}
}

func (t *readTap) Scan(ctx context.Context, tb *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	rows, err := t.Snapshot.Scan(ctx, tb, opts)
	if err != nil || opts.After != nil {
		return rows, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if tt := t.read[tb.Name]; tt != nil && tt.done {
		return rows, nil
	}
	part, cols, ok := verify.SourceReadTable(tb)
	if !ok {
		t.skipped[tb.Name] = "only float columns, which the check leaves out"
		return rows, nil
	}
	c, err := verify.NewContent(part, verify.BucketsFor(tb.RowEstimate))
	if err != nil {
		t.skipped[tb.Name] = err.Error()
		return rows, nil
	}
	return &tappedRows{Rows: rows, tap: t, tt: &tappedTable{table: part, cols: cols, c: c}, row: make([]connectors.Value, len(cols))}, nil
}

// DescribeQuery and ScanQuery pass a select: through: its rows stand for
// a table but are not the table.
func (t *readTap) DescribeQuery(ctx context.Context, query string) ([]connectors.Column, error) {
	q, err := querierOf(t.Snapshot)
	if err != nil {
		return nil, err
	}
	return q.DescribeQuery(ctx, query)
}

func (t *readTap) ScanQuery(ctx context.Context, query string, cols []connectors.Column, opts connectors.ScanOptions) (connectors.Rows, error) {
	q, err := querierOf(t.Snapshot)
	if err != nil {
		return nil, err
	}
	return q.ScanQuery(ctx, query, cols, opts)
}

// tappedRows hashes each row as Next reads it; the table counts as read
// only when Next reached the end without an error.
type tappedRows struct {
	connectors.Rows
	tap    *readTap
	tt     *tappedTable
	row    []connectors.Value
	failed error
}

func (r *tappedRows) Next() bool {
	if !r.Rows.Next() {
		if r.Rows.Err() == nil {
			r.tap.finished(r.tt, r.failed)
		}
		return false
	}
	if r.failed == nil {
		src := r.Rows.Row()
		for i, j := range r.tt.cols {
			r.row[i] = src[j]
		}
		if err := r.tt.c.Add(r.row); err != nil {
			r.failed = err
		}
	}
	return true
}

func (r *tappedRows) RowsOwned() bool { return connectors.RowsOwned(r.Rows) }

func (t *readTap) finished(tt *tappedTable, failed error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if failed != nil {
		t.skipped[tt.table.Name] = "its rows could not be hashed as read: " + failed.Error()
		return
	}
	if prev := t.read[tt.table.Name]; prev == nil || !prev.done {
		tt.done = true
		t.read[tt.table.Name] = tt
	}
}

// checkSourceReads compares every table read whole with the source
// database's own checksum, in the tap's snapshot (the one the rows were
// read in), and drills into the differing buckets: a second read of the
// table through the connector keeps the rows of those buckets only.
// Every source table of the ledger (tables) has a check: one not read
// whole by a single scan (a select:) or not hashable is listed as not
// checked. A source whose connector computes no checksum at all gives
// no checks and a note saying so.
func checkSourceReads(ctx context.Context, t *readTap, tables []string) (checks []*verify.SourceReadCheck, note string, err error) {
	const none = "the source tables as read were not held to the source database's own checksum: its connector computes none (verify's other checks read the source through the same connector as the run)"
	cs, ok := t.Snapshot.(connectors.Checksummer)
	if !ok {
		return nil, none, nil
	}
	names := append([]string(nil), tables...)
	for name := range t.read {
		names = append(names, name)
	}
	sort.Strings(names)
	names = slices.Compact(names)
	for _, name := range names {
		tt := t.read[name]
		if tt == nil {
			why := t.skipped[name]
			if why == "" {
				why = "not read whole by one scan (a select: reads it)"
			}
			checks = append(checks, &verify.SourceReadCheck{Table: name, NotChecked: why, OK: true})
			continue
		}
		sc, err := verify.CompareSourceRead(ctx, cs, tt.table, tt.c)
		if errors.Is(err, connectors.ErrNoChecksummer) {
			return nil, none, nil
		}
		if err != nil {
			return nil, "", err
		}
		if !sc.OK {
			if err := drillSourceRead(ctx, t.Snapshot, tt, sc.Check); err != nil {
				return nil, "", err
			}
		}
		checks = append(checks, sc)
	}
	return checks, "", nil
}

// drillSourceRead names the records of a failed source-read check: the
// rows of the differing buckets as the connector reads them, against the
// database's own record hashes of the same buckets.
func drillSourceRead(ctx context.Context, snap connectors.Snapshot, tt *tappedTable, cc *verify.ContentCheck) error {
	in := map[uint32]bool{}
	for _, b := range cc.Differing() {
		in[b] = true
	}
	var opts connectors.ScanOptions
	if len(tt.table.PrimaryKey) == 0 {
		opts.Key = tt.c.KeyNames
	}
	rows, err := snap.Scan(ctx, tt.table, opts)
	if err != nil {
		return fmt.Errorf("verify: drill into source table %s: %w", tt.table.Name, err)
	}
	defer rows.Close()
	var expected [][]connectors.Value
	for rows.Next() {
		row := rows.Row()
		b, err := tt.c.Bucket(row)
		if err != nil {
			return err
		}
		if in[b] {
			expected = append(expected, copyValues(copyRow(row)))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify: drill into source table %s: %w", tt.table.Name, err)
	}
	return verify.DrillDown(ctx, snap, tt.table, tt.c, cc, expected)
}
