package postgres

import (
	"context"
	"fmt"
	"regexp"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
)

// A whole-table read-back of a large ordinary table is read in parts side
// by side, each part a range of the table's pages (ctid ranges, which the
// server reads with a TID range scan, PostgreSQL 14 and later) on its own
// connection, every connection in the snapshot's transaction snapshot
// (pg_export_snapshot): one server backend alone makes the COPY stream at
// about 1.2 CPU-seconds per 1M rows of 12 columns, the end of every run's
// check, and a second core can halve that. The parts' aggregates are added
// (Buckets.Merge): a record is in exactly one part, so the sum is the
// whole table's, as HashTable's (tested).

// readBackPartPages is the fewest pages (32 MB at the default block size)
// a part is given: below twice that, the table is read in one stream.
var readBackPartPages int64 = 4096

// readBackMaxParts bounds the parts (and the extra connections).
const readBackMaxParts = 4

// readBackParts is how many parts the processors allow: two a processor.
// Each part is a pipeline of three (the server's backend sending, the
// COPY reader decoding, SumRows hashing) that stalls whenever one of them
// waits for another; with as many parts as processors the cores idled in
// those stalls. Four parts on two cores took the 1M-row benchmark's
// read-back from 1.10–1.17 s to 0.95–0.96 s (medians of 5 and 6 runs,
// alternating with two parts of 64 MB at least, quiet host).
var readBackParts = func() int { return min(2*runtime.GOMAXPROCS(0), readBackMaxParts) }

// readBackPartsRead counts the parts read (tests: that a read-back was
// split).
var readBackPartsRead atomic.Int64

// pageRange is a part's pages [lo, hi); hi 0 means to the end.
type pageRange struct{ lo, hi int64 }

// where is the part's predicate on ctid.
func (r pageRange) where() string {
	switch {
	case r.lo == 0:
		return fmt.Sprintf("ctid < '(%d,0)'::tid", r.hi)
	case r.hi == 0:
		return fmt.Sprintf("ctid >= '(%d,0)'::tid", r.lo)
	}
	return fmt.Sprintf("ctid >= '(%d,0)'::tid AND ctid < '(%d,0)'::tid", r.lo, r.hi)
}

// pageRanges splits rp's table into parts, or gives none when it is read
// in one stream: not an ordinary table, a server without TID range scans,
// a standby, one processor, or too few pages.
func (s *snapshot) pageRanges(ctx context.Context, rp *readBackPlan) ([]pageRange, error) {
	parts := readBackParts()
	if !rp.plain || parts < 2 || serverVersion(s.tx.Conn().PgConn().ParameterStatus("server_version")) < 140000 {
		return nil, nil
	}
	var pages int64
	var standby bool
	err := s.tx.QueryRow(ctx, `SELECT pg_relation_size($1::regclass) / current_setting('block_size')::bigint, pg_is_in_recovery()`, rp.table).Scan(&pages, &standby)
	if err != nil {
		return nil, s.db.errorf(err, "checksum of %s: table size", rp.narrow.Name)
	}
	// A part beyond the first needs a connection of its own: never more
	// than the pool has free now (pool_max_conns may be 1, and the
	// caller may hold others), so that no part waits for one that only
	// this checksum's end would free.
	st := s.db.pool.Stat()
	free := int64(st.MaxConns() - st.AcquiredConns())
	n := min(int64(parts), pages/readBackPartPages, 1+free)
	// A standby is read in one stream: the parts' snapshot would be
	// exported during recovery, which not every version allows, and a
	// refusal would abort the snapshot's transaction.
	if n < 2 || standby {
		return nil, nil
	}
	ranges := make([]pageRange, n)
	for k := range ranges {
		ranges[k] = pageRange{lo: int64(k) * pages / n, hi: int64(k+1) * pages / n}
	}
	// The last part runs to the end, whatever the table has grown to
	// since its size was read: pages added since hold no row the
	// snapshot sees, but none is left out by a bound.
	ranges[n-1].hi = 0
	return ranges, nil
}

// snapshotID is what pg_export_snapshot gives ("00000003-0000001B-1").
var snapshotID = regexp.MustCompile(`^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$`)

// sumReadBack is the read-back's checksum of the whole of t: SumRows of
// its rows, read in parts side by side where the table is large enough.
func (s *snapshot) sumReadBack(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, error) {
	rp, err := s.planReadBack(ctx, t, req)
	if err != nil {
		return connectors.Buckets{}, err
	}
	ranges, err := s.pageRanges(ctx, rp)
	if err != nil {
		return connectors.Buckets{}, err
	}
	sum := func(out *connectors.Buckets) func(*connectors.Table, connectors.Rows) error {
		return func(narrow *connectors.Table, rows connectors.Rows) error {
			var err error
			*out, err = connectors.SumRows(narrow, req, rows)
			return err
		}
	}
	if len(ranges) == 0 {
		var out connectors.Buckets
		err := s.db.copyOut(ctx, s.tx.Conn().PgConn(), rp, "COPY "+rp.copyFrom+" TO STDOUT (FORMAT binary)", sum(&out))
		return out, err
	}
	var id string
	if err := s.tx.QueryRow(ctx, "SELECT pg_export_snapshot()").Scan(&id); err != nil {
		return connectors.Buckets{}, s.db.errorf(err, "checksum of %s: export the snapshot", t.Name)
	}
	if !snapshotID.MatchString(id) {
		return connectors.Buckets{}, fmt.Errorf("checksum of %s: the server exported a snapshot named %q", t.Name, id)
	}
	parts := make([]connectors.Buckets, len(ranges))
	errs := make([]error, len(ranges))
	var wg sync.WaitGroup
	for k, r := range ranges {
		stmt := "COPY (" + rp.query + " WHERE " + r.where() + ") TO STDOUT (FORMAT binary)"
		wg.Add(1)
		go func() {
			defer wg.Done()
			readBackPartsRead.Add(1)
			if k == 0 {
				errs[k] = s.db.copyOut(ctx, s.tx.Conn().PgConn(), rp, stmt, sum(&parts[k]))
				return
			}
			errs[k] = s.copyOutInSnapshot(ctx, id, rp, stmt, sum(&parts[k]))
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			return connectors.Buckets{}, fmt.Errorf("part %d of %d: %w", k+1, len(ranges), err)
		}
	}
	out := parts[0]
	for _, p := range parts[1:] {
		out.Merge(p)
	}
	return out, nil
}

// copyOutInSnapshot runs copyOut on a connection of its own, in the
// snapshot exported as id.
func (s *snapshot) copyOutInSnapshot(ctx context.Context, id string, rp *readBackPlan, stmt string, hash func(*connectors.Table, connectors.Rows) error) error {
	conn, err := s.db.pool.Acquire(ctx)
	if err != nil {
		return s.db.errorf(err, "checksum of %s: connect", rp.narrow.Name)
	}
	defer conn.Release()
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return s.db.errorf(err, "checksum of %s: begin", rp.narrow.Name)
	}
	defer rollback(tx)
	if _, err := tx.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+id+"'"); err != nil {
		return s.db.errorf(err, "checksum of %s: import the snapshot", rp.narrow.Name)
	}
	return s.db.copyOut(ctx, tx.Conn().PgConn(), rp, stmt, hash)
}
