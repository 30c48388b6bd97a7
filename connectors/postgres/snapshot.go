package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
)

// positionQuery reads the WAL position the snapshot was taken at. On a
// replica pg_current_wal_lsn fails ("recovery is in progress"), so it asks
// for the replay position there.
const positionQuery = `SELECT (CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_replay_lsn()
  ELSE pg_catalog.pg_current_wal_lsn() END)::text`

// Snapshot begins a REPEATABLE READ READ ONLY transaction on a dedicated
// connection and takes its snapshot at once (by reading the WAL position),
// so everything read through it is as of this call, not of the first scan.
func (d *DB) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	tx, err := d.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, d.errorf(err, "begin snapshot")
	}
	s := &snapshot{db: d, tx: tx}
	// The position is a convenience: a server without these functions (or
	// a role without rights to them) still gives a snapshot. The savepoint
	// keeps a failure from aborting the transaction.
	if _, err := tx.Exec(ctx, "SAVEPOINT regflytt_position"); err != nil {
		rollback(tx)
		return nil, d.errorf(err, "begin snapshot")
	}
	var pos *string
	if err := tx.QueryRow(ctx, positionQuery).Scan(&pos); err != nil {
		_, err = tx.Exec(ctx, "ROLLBACK TO SAVEPOINT regflytt_position")
		if err != nil {
			rollback(tx)
			return nil, d.errorf(err, "begin snapshot")
		}
	} else if pos != nil {
		s.position = *pos
	}
	// Released, so that the rest of the transaction is no subtransaction
	// (one cannot export its snapshot, which a read-back in parts does).
	if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT regflytt_position"); err != nil {
		rollback(tx)
		return nil, d.errorf(err, "begin snapshot")
	}
	return s, nil
}

// snapshot is one read-only transaction. It implements connectors.Snapshot
// and, optionally, Position.
type snapshot struct {
	db       *DB
	tx       pgx.Tx
	position string
	domains  map[uint32]domain // loaded at first use
	formats  pgx.QueryResultFormatsByOID
	closed   bool
	cursors  int // cursors declared so far, for their names
}

// Position is the WAL position (LSN, "0/16B3748") of the snapshot, on a
// replica its replay position; empty when the server could not say. A run
// records it to tell later which state of the source it read.
func (s *snapshot) Position() string { return s.position }

// Close rolls the transaction back and returns the connection to the pool.
func (s *snapshot) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if err := rollback(s.tx); err != nil && err != pgx.ErrTxClosed {
		return s.db.errorf(err, "end snapshot")
	}
	return nil
}

// load reads what a snapshot needs to decode columns: the domain types and
// the result format per type OID.
func (s *snapshot) load(ctx context.Context) error {
	if s.domains != nil {
		return nil
	}
	domains, err := readDomains(ctx, s.tx)
	if err != nil {
		return s.db.errorf(err, "read catalogue")
	}
	s.formats = resultFormats(domains)
	s.domains = domains
	return nil
}

// resultFormats asks for binary results for the types decoded from binary
// (and the domains over them); every other OID maps to 0, text.
func resultFormats(domains map[uint32]domain) pgx.QueryResultFormatsByOID {
	f := pgx.QueryResultFormatsByOID{}
	for oid := range binaryDecoders {
		f[oid] = 1
	}
	for oid := range domains {
		_, f[oid] = decoderFor(oid, domains)
	}
	return f
}

func (s *snapshot) Tables(ctx context.Context) ([]connectors.Table, error) {
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	t, err := readTables(ctx, s.tx, s.db.schema, s.domains)
	if err != nil {
		return nil, s.db.errorf(err, "schema %s", s.db.schema)
	}
	return t, nil
}

func (s *snapshot) Count(ctx context.Context, table string) (int64, error) {
	q, err := s.db.qualified(table)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	// In a savepoint: a caller may take a failed count for an unknown
	// size (a progress total) and read on, and a failure outside one
	// would abort the transaction, so that the read then failed with
	// "current transaction is aborted" instead of the count's reason (a
	// row-level security policy, a missing privilege).
	if _, err := s.tx.Exec(ctx, "SAVEPOINT regflytt_count"); err != nil {
		return 0, s.db.errorf(err, "count %s", table)
	}
	var n int64
	if err := s.tx.QueryRow(ctx, "SELECT count(*) FROM "+q).Scan(&n); err != nil {
		if _, rerr := s.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT regflytt_count"); rerr != nil {
			return 0, s.db.errorf(errors.Join(err, rerr), "count %s", table)
		}
		return 0, s.db.errorf(err, "count %s", table)
	}
	// Released, so that the rest of the transaction is no subtransaction
	// (see Snapshot).
	if _, err := s.tx.Exec(ctx, "RELEASE SAVEPOINT regflytt_count"); err != nil {
		return 0, s.db.errorf(err, "count %s", table)
	}
	return n, nil
}

// Scan reads by the primary key in keyset pages, and by any other key
// (connectors.StreamedScan) through one cursor in the snapshot's
// transaction: the server plans and sorts the query once (or walks an
// index that serves the key), and each page is a FETCH from it, so no
// page sorts the table again and the connection stays free between pages.
func (s *snapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	streamed := connectors.StreamedScan(t, opts)
	if !streamed || opts.After != nil {
		key := opts.Key
		if len(key) == 0 {
			key = t.PrimaryKey
		}
		if err := s.checkTableKeyOrder(ctx, t.Name, key); err != nil {
			return nil, err
		}
	}
	if !streamed {
		return connectors.NewKeysetRows(ctx, &querier{s: s}, Dialect{}, t, opts)
	}
	return s.cursor(ctx, t, opts)
}

// cursor declares a cursor over the ordered query and reads it in pages.
func (s *snapshot) cursor(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	if opts.After != nil && len(opts.After) != len(opts.Key) {
		return nil, fmt.Errorf("table %s: resume key has %d values for %d key columns", t.Name, len(opts.After), len(opts.Key))
	}
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	query, err := Dialect{}.SelectOrdered(t.Name, names, opts.Key, opts.After != nil)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.Name, err)
	}
	if s.cursors == 0 {
		// Every cursor is read to its end: plan for all rows, not for
		// the first tenth (the default fraction favours a fast start).
		if _, err := s.tx.Exec(ctx, "SET LOCAL cursor_tuple_fraction = 1"); err != nil {
			return nil, s.db.errorf(err, "read %s", t.Name)
		}
	}
	s.cursors++
	name := fmt.Sprintf("regflytt_scan_%d", s.cursors)
	args := make([]any, len(opts.After))
	for i, v := range opts.After {
		args[i] = v
	}
	if _, err := s.tx.Exec(ctx, "DECLARE "+name+" NO SCROLL CURSOR FOR "+query, args...); err != nil {
		return nil, s.db.errorf(err, "read %s", t.Name)
	}
	size := opts.BatchSize
	if size <= 0 {
		size = connectors.DefaultBatchSize
	}
	fetch := fmt.Sprintf("FETCH FORWARD %d FROM %s", size, name)
	// The FETCH's text is the same for the first cursor of every snapshot,
	// whatever table it reads, and pgx would keep the result description
	// of its first run on the connection: a later snapshot's FETCH of
	// another table would then be decoded by the first one's column types
	// (a bytea read as its hex text, a date as a string). Each page is
	// described afresh instead: one more round trip per page.
	q := &querier{s: s, mode: pgx.QueryExecModeDescribeExec}
	return connectors.NewPagedRows(ctx, q, t, fetch, size, func() error {
		if s.closed {
			return nil
		}
		cctx, cancel := cleanupContext()
		defer cancel()
		if _, err := s.tx.Exec(cctx, "CLOSE "+name); err != nil {
			return s.db.errorf(err, "close the scan of %s", t.Name)
		}
		return nil
	}), nil
}

// querier runs keyset batches for one scan. Its decoders are chosen from
// the first batch's result columns and kept for the rest.
type querier struct {
	s    *snapshot
	args []any
	dec  []decoder
	// mode, when set, is how pgx runs the query instead of its default
	// (a statement prepared and described once per connection).
	mode pgx.QueryExecMode
}

// rowsPerChunk rows share one backing array of values: one allocation per
// chunk instead of one per row, while each row stays a separate slice the
// caller may keep.
const rowsPerChunk = 256

func (q *querier) QueryBatch(ctx context.Context, query string, args []connectors.Value, cols []connectors.Column, emit func([]connectors.Value)) error {
	// The formats option goes first; the key values are canonical and the
	// connection's codecs encode them (see registerCodecs).
	q.args = append(q.args[:0], q.s.formats)
	if q.mode != 0 {
		q.args = append(q.args, q.mode)
	}
	q.args = append(q.args, args...)
	rows, err := q.s.tx.Query(ctx, query, q.args...)
	if err != nil {
		return q.s.db.errorf(err, "query")
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	if len(fields) != len(cols) {
		// A statement the server refused before its first row describes
		// no columns: its error says why, not the count.
		rows.Close()
		if err := rows.Err(); err != nil {
			return q.s.db.errorf(err, "query")
		}
		return fmt.Errorf("query returned %d columns for %d", len(fields), len(cols))
	}
	if q.dec == nil {
		q.dec = make([]decoder, len(fields))
		for i, f := range fields {
			q.dec[i], _ = decoderFor(f.DataTypeOID, q.s.domains)
		}
	}
	n := len(cols)
	var chunk []connectors.Value
	for rows.Next() {
		raw := rows.RawValues()
		if len(chunk) < n {
			chunk = make([]connectors.Value, n*rowsPerChunk)
		}
		row := chunk[:n:n]
		chunk = chunk[n:]
		for i, b := range raw {
			v, err := decode(q.dec[i], b)
			if err != nil {
				// The error names the type's trouble, never the value.
				return fmt.Errorf("column %s (%s): %w", cols[i].Name, cols[i].SourceType, err)
			}
			row[i] = v
		}
		emit(row)
	}
	if err := rows.Err(); err != nil {
		return q.s.db.errorf(err, "read rows")
	}
	return nil
}
