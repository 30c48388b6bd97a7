package plans

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings"
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
	// twin, when the source could give one, computes the database's own
	// checksum of each table read whole while it is read.
	twin *twinSums
	// selects names, per select: query, the table whose records its rows
	// stand for and the key they are read by (selectTables).
	selects map[string]selectOf
	// held names, per table, a select: whose key the checksum cannot
	// hold to the table (another kind in its result): its columns named
	// like the table's are held to it by key instead (holdSelectByKey).
	held map[string]*selectHold
}

// selectOf is the table a select: source stands for, as the catalogue
// describes it, and the key its records are read by.
type selectOf struct {
	table *connectors.Table
	key   []string
}

// selectTables gives, per select: query of the program, the table its
// rows stand for.
func selectTables(prog *mappings.Program, catalog []connectors.Table) map[string]selectOf {
	out := map[string]selectOf{}
	for _, tp := range prog.Tables {
		if tp.Select == "" {
			continue
		}
		if t := connectors.FindTable(catalog, tp.Source.Name); t != nil {
			out[tp.Select] = selectOf{table: t, key: tp.Key}
		}
	}
	return out
}

type tappedTable struct {
	table *connectors.Table // the part checked: no floats
	cols  []int             // its columns' positions in the rows read
	c     *verify.Content
	done  bool
	// query and qcols are the select: whose rows these were, of which
	// the columns named like the table's are checked (selectPart); empty
	// for a table read whole.
	query string
	qcols []connectors.Column
	// left names the select's columns named like the table's that are
	// not checked (selectPart); hold holds them to the table by key.
	left []string
	hold *selectHold
}

func newReadTap(snap connectors.Snapshot) *readTap {
	return &readTap{Snapshot: snap, read: map[string]*tappedTable{}, skipped: map[string]string{}, held: map[string]*selectHold{}}
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
	t.twin.start(part, connectors.ChecksumRequest{Columns: c.HashedNames, Key: c.KeyNames, Buckets: c.N})
	return &tappedRows{Rows: rows, tap: t, tt: &tappedTable{table: part, cols: cols, c: c}, row: make([]connectors.Value, len(cols))}, nil
}

// DescribeQuery and ScanQuery pass a select: through: its rows stand for
// a table but are not the table. A result column named like a column of
// that table claims to be it, so those columns, with the key, are hashed
// as read and held to the table's own checksum (selectPart): a select
// that gives the name to something else (another column renamed into
// it, a join's column, a cast) is caught, where M010, which goes by
// names, saw every column of the table selected.
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
	rows, err := q.ScanQuery(ctx, query, cols, opts)
	if err != nil || opts.After != nil {
		return rows, err
	}
	so, ok := t.selects[query]
	if !ok {
		return rows, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	name := so.table.Name
	if tt := t.read[name]; tt != nil && tt.done {
		return rows, nil
	}
	part, pos, left, why := selectPart(so, cols)
	if why != "" {
		t.skipped[name] = why
		if len(so.key) > 0 && keyNamed(so, cols) {
			// The key as another kind (a cast): every column named like
			// the table's is held to it by key, by their text.
			t.held[name] = &selectHold{so: so, query: query, qcols: cols, names: namedLikeTable(so.table, cols)}
		}
		return rows, nil
	}
	var hold *selectHold
	if len(left) > 0 {
		hold = &selectHold{so: so, query: query, qcols: cols, names: left}
	}
	c, err := verify.NewContent(part, verify.BucketsFor(so.table.RowEstimate))
	if err != nil {
		t.skipped[name] = err.Error()
		return rows, nil
	}
	t.twin.start(part, connectors.ChecksumRequest{Columns: c.HashedNames, Key: c.KeyNames, Buckets: c.N})
	return &tappedRows{Rows: rows, tap: t, tt: &tappedTable{table: part, cols: pos, c: c, query: query, qcols: cols, left: left, hold: hold}, row: make([]connectors.Value, len(pos))}, nil
}

// selectPart is the part of a select:'s table its result claims to give
// as the table holds it: the table's columns (floats aside, as in
// verify.SourceReadTable) that the result names, by their name and of
// the same kind, with the key; pos gives their positions in the result,
// left the columns it names like the table's but cannot check, and why
// says why nothing can be checked. A column of another kind in the
// result is not the table's value as the connector reads the table (a
// cast made it something else), and MariaDB's result metadata has no
// charset, ENUM or YEAR: such columns are left out, not failed.
func selectPart(so selectOf, cols []connectors.Column) (part *connectors.Table, pos []int, left []string, why string) {
	at := map[string]int{}
	for i, c := range cols {
		at[c.Name] = i
	}
	p := *so.table
	p.Columns = nil
	p.PrimaryKey = so.key
	for _, c := range so.table.Columns {
		i, ok := at[c.Name]
		if !ok {
			continue
		}
		if c.Type.Kind == connectors.KindFloat || cols[i].Type.Kind != c.Type.Kind || !plainText(c) {
			left = append(left, c.Name)
			continue
		}
		p.Columns = append(p.Columns, c)
		pos = append(pos, i)
	}
	if len(so.key) == 0 {
		return nil, nil, nil, "a select: reads it, by no key"
	}
	for _, k := range so.key {
		if p.ColumnIndex(k) < 0 {
			return nil, nil, nil, fmt.Sprintf("a select: reads it, and its result does not give key column %s as the table holds it", k)
		}
	}
	return &p, pos, left, ""
}

// keyNamed says every key column is a column of the table and of the
// select's result.
func keyNamed(so selectOf, cols []connectors.Column) bool {
	for _, k := range so.key {
		if so.table.ColumnIndex(k) < 0 || !slices.ContainsFunc(cols, func(c connectors.Column) bool { return c.Name == k }) {
			return false
		}
	}
	return true
}

// plainText says a column reads alike from a table and from a select:'s
// result: not text in a charset other than UTF-8 or ASCII, nor an ENUM,
// SET or YEAR, which the MariaDB connector reads exactly from the table
// only (see connectors/mysql's DescribeQuery).
func plainText(c connectors.Column) bool {
	switch strings.ToLower(c.Charset) {
	case "", "utf8", "utf8mb3", "utf8mb4", "ascii", "binary":
	default:
		return false
	}
	st := strings.ToLower(c.SourceType)
	return !strings.HasPrefix(st, "enum") && !strings.HasPrefix(st, "set(") && !strings.HasPrefix(st, "year")
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
// read in) or, computed while they were read, in its twin, which sees the
// same rows (twinSums); a difference is always confirmed in the tap's
// snapshot. It drills into the differing buckets: a second read of the
// table through the connector keeps the rows of those buckets only.
// Every source table of the ledger (tables) has a check: one not read
// whole by a single scan (a select:) or not hashable is listed as not
// checked. A source whose connector computes no checksum at all gives
// no checks and a note saying so.
func checkSourceReads(ctx context.Context, t *readTap, tables []string) (checks []*verify.SourceReadCheck, note string, err error) {
	const none = "the source tables as read were not held to the source database's own checksum: its connector computes none (verify's other checks read the source through the same connector as the run)"
	cs, ok := t.Snapshot.(connectors.Checksummer)
	if !ok {
		return t.holdSelectsOnly(ctx, none)
	}
	names := append([]string(nil), tables...)
	for name := range t.read {
		names = append(names, name)
	}
	sort.Strings(names)
	names = slices.Compact(names)
	for _, name := range names {
		tt := t.read[name]
		if h := t.held[name]; tt == nil && h != nil {
			// The checksum could hold nothing of it: its key is of
			// another kind in the select's result.
			kc, err := holdSelectByKey(ctx, t.Snapshot, h)
			if err != nil {
				return nil, "", err
			}
			checks = append(checks, &verify.SourceReadCheck{Table: name, RowsRead: kc.RowsSelected, NotChecked: t.skipped[name], BySelect: true, ByKey: kc, OK: kc.OK})
			continue
		}
		if tt == nil {
			why := t.skipped[name]
			if why == "" {
				why = "not read whole by one scan (a select: reads it)"
			}
			checks = append(checks, &verify.SourceReadCheck{Table: name, NotChecked: why, OK: true})
			continue
		}
		tc := &twinChecksummer{Checksummer: cs, w: t.twin}
		sc, err := verify.CompareSourceRead(ctx, tc, tt.table, tt.c)
		if tc.used && (err != nil || !sc.OK) {
			// The twin is shown to see the rows the tap read, but a
			// failure is always the tap's own snapshot's: the table is
			// compared again there, as without a twin.
			sc, err = verify.CompareSourceRead(ctx, cs, tt.table, tt.c)
		}
		if errors.Is(err, connectors.ErrNoChecksummer) {
			return t.holdSelectsOnly(ctx, none)
		}
		if err != nil {
			return nil, "", err
		}
		sc.BySelect, sc.ColumnsNotChecked = tt.query != "", tt.left
		if !sc.OK {
			if err := drillSourceRead(ctx, t.Snapshot, tt, sc.Check); err != nil {
				return nil, "", err
			}
		}
		if h := tt.hold; h != nil {
			// What the checksum leaves out (another kind in the
			// select's result, a float, text read exactly only from the
			// table) is held to the table by key, by its text.
			if sc.ByKey, err = holdSelectByKey(ctx, t.Snapshot, h); err != nil {
				return nil, "", err
			}
			sc.ColumnsNotChecked = nil
			sc.OK = sc.OK && sc.ByKey.OK
		}
		checks = append(checks, sc)
	}
	return checks, "", nil
}

// holdSelectsOnly is checkSourceReads of a source that computes no
// checksum: its select: sources are still held to their tables by key
// (holdSelects), or a select giving another column under a table
// column's name would pass verify; note says why nothing else is.
func (t *readTap) holdSelectsOnly(ctx context.Context, note string) ([]*verify.SourceReadCheck, string, error) {
	checks, err := holdSelects(ctx, t.Snapshot, t.selects, "the source's connector computes no checksum: the select's columns are held to the table by key only")
	if err != nil {
		return nil, "", err
	}
	return checks, note, nil
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
	var rows connectors.Rows
	var err error
	if tt.query != "" {
		// The select: again, its columns named like the table's.
		var q connectors.Querier
		if q, err = querierOf(snap); err == nil {
			rows, err = q.ScanQuery(ctx, tt.query, tt.qcols, connectors.ScanOptions{Key: tt.table.PrimaryKey})
		}
	} else {
		rows, err = snap.Scan(ctx, tt.table, opts)
	}
	if err != nil {
		return fmt.Errorf("verify: drill into source table %s: %w", tt.table.Name, err)
	}
	defer rows.Close()
	var expected [][]connectors.Value
	part := make([]connectors.Value, len(tt.cols))
	for rows.Next() {
		row := rows.Row()
		if tt.query != "" {
			for i, j := range tt.cols {
				part[i] = row[j]
			}
			row = part
		}
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

// twinSums computes the source database's own checksums in a twin of the
// tap's snapshot (connectors.Twinner), one table after another on the
// twin's connection, each begun when the re-application begins reading
// the table: the database hashes its rows while regflytt reads and maps
// them, instead of after. The twin sees exactly the rows of the tap's
// snapshot, or the source gives none and the checksums are computed in
// the tap's snapshot after the reading, as without it.
type twinSums struct {
	snap   connectors.Snapshot
	cs     connectors.Checksummer
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	one    chan struct{} // the twin's one connection
	mu     sync.Mutex
	sums   map[string]*twinSum // by table, the first whole read's
	once   sync.Once
}

type twinSum struct {
	table *connectors.Table
	req   connectors.ChecksumRequest
	got   connectors.Buckets
	err   error
	ready chan struct{}
}

// startTwinSums opens the twin of snap, or says why there is none.
func startTwinSums(ctx context.Context, snap connectors.Snapshot) (*twinSums, string) {
	tw, ok := snap.(connectors.Twinner)
	if !ok {
		return nil, "the source's connector opens no second snapshot of the same rows"
	}
	if _, ok := snap.(connectors.Checksummer); !ok {
		return nil, "the source's connector computes no checksum"
	}
	twin, err := tw.Twin(ctx)
	if err != nil {
		return nil, err.Error()
	}
	cs, ok := twin.(connectors.Checksummer)
	if !ok {
		twin.Close()
		return nil, "the source's second snapshot computes no checksum"
	}
	w := &twinSums{snap: twin, cs: cs, one: make(chan struct{}, 1), sums: map[string]*twinSum{}}
	w.ctx, w.cancel = context.WithCancel(ctx)
	return w, ""
}

// start begins the checksum of a table the first time it is read whole.
func (w *twinSums) start(t *connectors.Table, req connectors.ChecksumRequest) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sums[t.Name] != nil {
		return
	}
	s := &twinSum{table: t, req: req, ready: make(chan struct{})}
	w.sums[t.Name] = s
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer close(s.ready)
		select {
		case w.one <- struct{}{}:
			defer func() { <-w.one }()
		case <-w.ctx.Done():
			s.err = w.ctx.Err()
			return
		}
		s.got, s.err = w.cs.Checksum(w.ctx, s.table, s.req)
	}()
}

// result is the twin's checksum of table t as asked by req, once done;
// false when it has none of exactly that (another read of the table,
// another request) or it failed.
func (w *twinSums) result(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, bool) {
	if w == nil {
		return connectors.Buckets{}, false
	}
	w.mu.Lock()
	s := w.sums[t.Name]
	w.mu.Unlock()
	if s == nil || s.table != t || !reflect.DeepEqual(s.req, req) {
		return connectors.Buckets{}, false
	}
	select {
	case <-s.ready:
	case <-ctx.Done():
		return connectors.Buckets{}, false
	}
	return s.got, s.err == nil
}

// stop ends the checksums not done and closes the twin; it may be called
// more than once.
func (w *twinSums) stop() {
	if w == nil {
		return
	}
	w.once.Do(func() {
		w.cancel()
		w.wg.Wait()
		w.snap.Close()
	})
}

// twinChecksummer answers a checksum from the twin where it has it, else
// computes it in the tap's snapshot; used says whether the twin answered.
type twinChecksummer struct {
	connectors.Checksummer
	w    *twinSums
	used bool
}

func (c *twinChecksummer) Checksum(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, error) {
	if got, ok := c.w.result(ctx, t, req); ok {
		c.used = true
		return got, nil
	}
	return c.Checksummer.Checksum(ctx, t, req)
}
