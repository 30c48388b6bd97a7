package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/regflytt/regflytt/connectors"
)

// Read-back checksums: the rows a checksum needs are read with one
// COPY (SELECT …) TO STDOUT (FORMAT binary) in the snapshot's transaction
// (a large table's whole-table checksum in parts side by side:
// readback_parts.go),
// each value decoded by the decoder Scan uses for its type (decode, over
// the same bytes: a type's binary send format is what a binary result
// column carries), and hashed by connectors.SumRows, HashTable's own code.
// So the result is HashTable's by construction rather than by an SQL
// encoding written to agree with it; TestChecksumReadBack holds it to
// HashTable on every conformance edge value all the same.
//
// The rows come as connectors.EncodedRows: each field is turned straight
// into the canonical encoding of the value its decoder gives
// (readback_encode.go), which SumRows hashes as it is, so that no value
// is built only to be encoded again. BenchmarkChecksumPaths, 1M rows of
// the bench table in one bucket: 1.4 MB and 400 allocations per op in the
// client instead of 309 MB and 16.2 million, and 1.1 CPU-seconds of
// regflytt's instead of 2.5 (a shared, noisy host: the allocations are
// the firm figure). What remains is SHA-256, the COPY protocol, and
// numerics' and dates' arithmetic.
//
// Why not the pushdown for whole tables: see the figures at the top of
// checksum.go (about half the CPU in all, most of it moved off the server).
//
// Reading and decoding (the COPY's goroutine) overlap with hashing (the
// caller's) through a few reused batches of rows on a bounded channel, so
// at most readBackBatches batches of readBackRows rows are held at once,
// whatever the table's size. Per 1M rows the reading side takes ~1.1
// CPU-seconds (pgconn, then decoding: numerics and timestamps most) and
// the hashing ~0.5, so with a core to spare the overlap takes the hashing
// off the path the wall time follows. On this project's 2-core host,
// loaded by other work, it gained nothing measurable and cost a little
// CPU (2.96 s wall, 1.35 CPU-s with GOMAXPROCS 1 against 2.94–3.45 s,
// 1.6–1.8 CPU-s with 2, at load 6); it is not measured on an idle host.

// errNoReadBack says a column's type has no decoder here whose value is
// Scan's to the byte: the checksum takes the pushdown.
var errNoReadBack = errors.New("no exact binary read-back for this type")

// checksumPath chooses between read-back and pushdown. Production uses
// readBackWhole; tests force either path on every request (ReadBack or
// not) to hold each to HashTable.
type checksumPathKind uint8

const (
	readBackWhole  checksumPathKind = iota // read-back for whole-table checksums, pushdown else
	pushdownAlways                         // the SQL encoding for everything (tests)
	readBackAlways                         // read-back for everything, records included (tests)
)

var checksumPath = readBackWhole

const (
	readBackRows    = 512 // rows per batch
	readBackBatches = 4   // batches in flight: one decoding, two queued, one hashing
)

// copyDecoder decodes one binary COPY field, or encodes it
// (appendEncoded).
type copyDecoder struct {
	dec   decoder
	jsonb bool // a version byte (1) before jsonb's text
}

// copyDecoderFor gives the decoder of a column of type oid in binary
// COPY, giving what Scan gives for it: the types Scan reads in binary
// format have the same bytes here; of those Scan reads as text, only the
// ones whose send function is their output text (in the client encoding,
// converted by the server as in a text result) qualify.
func copyDecoderFor(oid uint32, domains map[uint32]domain) (copyDecoder, bool) {
	base := baseOID(oid, domains)
	if d, ok := binaryDecoders[base]; ok {
		return copyDecoder{dec: d}, true
	}
	switch base {
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.NameOID:
		return copyDecoder{dec: decText}, true
	case pgtype.BPCharOID:
		// bpcharsend sends the stored value, padding and all, as
		// bpcharout prints it.
		return copyDecoder{dec: decText}, true
	case pgtype.JSONOID:
		return copyDecoder{dec: decJSON}, true
	case pgtype.JSONBOID:
		return copyDecoder{dec: decJSON, jsonb: true}, true
	}
	return copyDecoder{}, false
}

// decode gives the value of a field: what appendEncoded encodes, and the
// reference TestReadBackEncodersAreAppendValue holds it to.
func (c copyDecoder) decode(src []byte) (connectors.Value, error) {
	if c.jsonb && src != nil {
		if len(src) == 0 || src[0] != 1 {
			return nil, errors.New("binary jsonb of an unknown version")
		}
		src = src[1:]
	}
	return decode(c.dec, src)
}

// readBackTable gives the narrow table a request reads (its hashed, key
// and float columns, in t's order), t's qualified name and the quoted
// list of those columns.
func (s *snapshot) readBackTable(t *connectors.Table, req connectors.ChecksumRequest) (narrow *connectors.Table, table, cols string, err error) {
	hashed, key, floats, err := req.ResolveRead(t)
	if err != nil {
		return nil, "", "", err
	}
	need := make([]bool, len(t.Columns))
	for _, i := range append(append(append([]int(nil), hashed...), key...), floats...) {
		need[i] = true
	}
	narrow = &connectors.Table{Name: t.Name, PrimaryKey: t.PrimaryKey, RowEstimate: t.RowEstimate}
	var names []string
	for i, c := range t.Columns {
		if !need[i] {
			continue
		}
		q, err := Dialect{}.QuoteIdent(c.Name)
		if err != nil {
			return nil, "", "", fmt.Errorf("checksum of %s: %w", t.Name, err)
		}
		narrow.Columns = append(narrow.Columns, c)
		names = append(names, q)
	}
	if table, err = s.db.qualified(t.Name); err != nil {
		return nil, "", "", fmt.Errorf("checksum of %s: %w", t.Name, err)
	}
	return narrow, table, joinComma(names), nil
}

func joinComma(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x)
	}
	return b.String()
}

// readBackPlan is what a read-back of a request asks of the server: the
// narrow table it reads, how to COPY it whole and as a query with a
// predicate, and each column's decoder.
type readBackPlan struct {
	narrow   *connectors.Table
	table    string // qualified
	query    string // SELECT the columns FROM table
	copyFrom string // the whole table's COPY source: the table itself where it may
	plain    bool   // an ordinary table without children
	decs     []copyDecoder
	names    []string
}

// planReadBack checks the request's columns against the catalogue and
// describes them. errNoReadBack, before anything is read, when a column's
// type has no exact decoder.
func (s *snapshot) planReadBack(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (*readBackPlan, error) {
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	narrow, table, cols, err := s.readBackTable(t, req)
	if err != nil {
		return nil, err
	}
	rp := &readBackPlan{narrow: narrow, table: table, query: "SELECT " + cols + " FROM " + table}
	// The columns must be the catalogue's, checked before the server
	// sees the statement: a statement it refuses would abort the
	// snapshot's transaction (the pushdown checks the same way).
	tables, err := readTables(ctx, s.tx, s.db.schema, s.domains)
	if err != nil {
		return nil, s.db.errorf(err, "checksum of %s: read catalogue", t.Name)
	}
	cat := connectors.FindTable(tables, t.Name)
	if cat == nil {
		return nil, fmt.Errorf("checksum of %s: no such table in schema %s", t.Name, s.db.schema)
	}
	for _, c := range narrow.Columns {
		if cat.ColumnIndex(c.Name) < 0 {
			return nil, fmt.Errorf("checksum of %s: column %s does not exist", t.Name, c.Name)
		}
	}
	rp.copyFrom = "(" + rp.query + ")"
	if rp.plain, err = s.plainTable(ctx, table); err != nil {
		return nil, s.db.errorf(err, "checksum of %s: read catalogue", t.Name)
	} else if rp.plain {
		// The table's form of COPY where it reads what the query does (a
		// plain table without children): the server skips the executor
		// and spends a twentieth less on the read (1M rows x 12 columns:
		// 1.23 against 1.31 CPU-s).
		rp.copyFrom = table + " (" + cols + ")"
	}
	// The statement's result columns, described by the server: their
	// real types choose the decoders, as they do Scan's.
	desc, err := s.tx.Conn().PgConn().Prepare(ctx, "", rp.query, nil)
	if err != nil {
		return nil, s.db.errorf(err, "checksum of %s", t.Name)
	}
	if len(desc.Fields) != len(narrow.Columns) {
		return nil, fmt.Errorf("checksum of %s: the server describes %d columns for %d", t.Name, len(desc.Fields), len(narrow.Columns))
	}
	rp.decs = make([]copyDecoder, len(desc.Fields))
	for i, f := range desc.Fields {
		d, ok := copyDecoderFor(f.DataTypeOID, s.domains)
		if !ok {
			return nil, fmt.Errorf("checksum of %s: column %s: %w", t.Name, narrow.Columns[i].Name, errNoReadBack)
		}
		rp.decs[i] = d
	}
	rp.names = make([]string, len(narrow.Columns))
	for i, c := range narrow.Columns {
		rp.names[i] = c.Name
	}
	return rp, nil
}

// readBack reads the request's columns of t with binary COPY and gives
// them to hash, which reads the rows to their end (or stops early with an
// error). errNoReadBack, before anything is read, when a column's type
// has no exact decoder.
func (s *snapshot) readBack(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest, hash func(*connectors.Table, connectors.Rows) error) error {
	rp, err := s.planReadBack(ctx, t, req)
	if err != nil {
		return err
	}
	return s.db.copyOut(ctx, s.tx.Conn().PgConn(), rp, "COPY "+rp.copyFrom+" TO STDOUT (FORMAT binary)", hash)
}

// copyOut runs one binary COPY of rp's columns on conn and gives its rows
// to hash; see readBack.
func (d *DB) copyOut(ctx context.Context, conn *pgconn.PgConn, rp *readBackPlan, stmt string, hash func(*connectors.Table, connectors.Rows) error) error {
	name := rp.narrow.Name
	p, full := newCopyParser(rp.decs, rp.names)
	done := make(chan error, 1)
	go func() {
		tag, err := conn.CopyTo(ctx, p, stmt)
		switch {
		case err != nil:
			err = d.errorf(err, "checksum of %s: read back", name)
		case p.err != nil:
			err = fmt.Errorf("checksum of %s: read back: %w", name, p.err)
		case !p.trailer && !p.stop.Load():
			err = fmt.Errorf("checksum of %s: read back: the COPY stream ended without its trailer", name)
		case !p.stop.Load() && tag.RowsAffected() != p.rows:
			err = fmt.Errorf("checksum of %s: read back: %d rows decoded of the %d the server sent", name, p.rows, tag.RowsAffected())
		}
		if p.cur != nil && p.cur.n > 0 && err == nil {
			full <- p.cur
		}
		done <- err
		close(full)
	}()
	rows := newBatchRows(rp.narrow.Columns, full, p.free, done)
	// Each batch that comes is progress (the stall watchdog's, when the
	// caller watches): a long read-back that moves is never a stall, and
	// a batch of rows costs one atomic addition, not one a row.
	rows.progress = connectors.ProgressOf(ctx)
	herr := hash(rp.narrow, rows)
	// Stop decoding and drain, so that the COPY ends cleanly and the
	// transaction stays usable, then take the reader's error.
	p.stop.Store(true)
	for b := range full {
		p.free <- b
	}
	rerr := rows.wait()
	if rerr != nil {
		return rerr
	}
	return herr
}

// rowBatch is rows encoded into reused memory: the canonical encodings
// of their values back to back, and where each ends.
type rowBatch struct {
	enc  []byte
	ends []int // row by row, field by field: the end of its encoding in enc
	n    int
}

// copyParser is the io.Writer CopyTo writes the binary COPY stream to, in
// pieces of any size. It never returns an error: pgconn closes the
// connection on a writer's error, and the snapshot's transaction must
// outlive a malformed value; it keeps the first error and discards the
// rest of the stream instead.
type copyParser struct {
	decs    []copyDecoder
	names   []string // the columns, for errors
	width   int
	scratch []byte // appendEncoded's
	pending []byte // an incomplete header or tuple from the last write
	header  bool
	trailer bool
	rows    int64
	err     error
	stop    atomic.Bool // the hashing side is done: discard
	cur     *rowBatch
	free    chan *rowBatch
	full    chan<- *rowBatch
}

// newCopyParser gives a parser of rows of the columns names, decoded by
// decs, with its batches and the channel it sends them full on.
func newCopyParser(decs []copyDecoder, names []string) (*copyParser, chan *rowBatch) {
	p := &copyParser{decs: decs, names: names, width: len(decs)}
	p.free = make(chan *rowBatch, readBackBatches)
	for i := 0; i < readBackBatches; i++ {
		p.free <- &rowBatch{ends: make([]int, 0, readBackRows*p.width)}
	}
	full := make(chan *rowBatch, readBackBatches)
	p.full = full
	return p, full
}

func (p *copyParser) Write(b []byte) (int, error) {
	if p.err != nil || p.trailer || p.stop.Load() {
		return len(b), nil
	}
	data := b
	if len(p.pending) > 0 {
		p.pending = append(p.pending, b...)
		data = p.pending
	}
	n, err := p.parse(data)
	if err != nil {
		p.err = err
		return len(b), nil
	}
	// The incomplete rest waits for the next write; b is the driver's
	// buffer, so it is copied.
	p.pending = append(p.pending[:0], data[n:]...)
	return len(b), nil
}

// parse decodes the complete tuples at the start of data and gives how
// many bytes they took.
func (p *copyParser) parse(data []byte) (int, error) {
	off := 0
	if !p.header {
		const fixed = 19 // signature, flags, extension length
		if len(data) < fixed {
			return 0, nil
		}
		if !bytes.Equal(data[:11], copySignature[:11]) {
			return 0, errors.New("no binary COPY signature")
		}
		ext := int(binary.BigEndian.Uint32(data[15:19]))
		if ext < 0 || ext > 1<<20 {
			return 0, errors.New("binary COPY header extension of an impossible length")
		}
		if len(data) < fixed+ext {
			return 0, nil
		}
		off = fixed + ext
		p.header = true
	}
	for {
		if len(data)-off < 2 {
			return off, nil
		}
		count := int16(binary.BigEndian.Uint16(data[off:]))
		if count == -1 {
			p.trailer = true
			return len(data), nil
		}
		if int(count) != p.width {
			return 0, fmt.Errorf("a tuple of %d fields for %d columns", count, p.width)
		}
		if p.cur == nil {
			p.cur = <-p.free
			p.cur.n, p.cur.enc, p.cur.ends = 0, p.cur.enc[:0], p.cur.ends[:0]
		}
		// Each field is decoded as it is reached, in one pass over the
		// tuple (a tuple is one CopyData message, so it is nearly always
		// whole); a tuple that is not all here yet is undone from the
		// batch and decoded again, whole, by a later write.
		b := p.cur
		encAt, endsAt := len(b.enc), len(b.ends)
		end := off + 2
		for j := 0; j < p.width; j++ {
			if len(data)-end < 4 {
				b.enc, b.ends = b.enc[:encAt], b.ends[:endsAt]
				return off, nil
			}
			n := int32(binary.BigEndian.Uint32(data[end:]))
			end += 4
			var src []byte
			if n >= 0 {
				if len(data)-end < int(n) {
					b.enc, b.ends = b.enc[:encAt], b.ends[:endsAt]
					return off, nil
				}
				src = data[end : end+int(n) : end+int(n)]
				end += int(n)
			} else if n != -1 {
				return 0, errField(p.names[j], errors.New("a field of negative length"))
			}
			var err error
			if b.enc, err = p.decs[j].appendEncoded(b.enc, src, &p.scratch); err != nil {
				return 0, errField(p.names[j], err)
			}
			b.ends = append(b.ends, len(b.enc))
		}
		off = end
		p.rows++
		p.cur.n++
		if p.cur.n == readBackRows {
			p.full <- p.cur
			p.cur = nil
		}
	}
}

// batchRows gives the batches of a copyParser as connectors.EncodedRows.
// A row is valid until the next call to Next (its batch is then reused).
type batchRows struct {
	cols   []connectors.Column
	width  int
	in     <-chan *rowBatch
	free   chan<- *rowBatch
	cur    *rowBatch
	i      int
	fields [][]byte
	rowBuf []byte // Row's
	rowErr error  // Row's, reported by the next Next
	done   <-chan error
	err    error
	ended  bool
	// progress, when set, is told of each batch taken.
	progress connectors.Progress
}

var _ connectors.EncodedSpans = (*batchRows)(nil)

func newBatchRows(cols []connectors.Column, in <-chan *rowBatch, free chan<- *rowBatch, done <-chan error) *batchRows {
	return &batchRows{cols: cols, width: len(cols), in: in, free: free, done: done, fields: make([][]byte, len(cols))}
}

func (r *batchRows) Columns() []connectors.Column { return r.cols }

func (r *batchRows) Next() bool {
	if r.rowErr != nil {
		r.err = r.rowErr
		return false
	}
	r.i++
	for r.cur == nil || r.i >= r.cur.n {
		if r.cur != nil {
			r.free <- r.cur
			r.cur = nil
		}
		b, ok := <-r.in
		if !ok {
			// The reader's error, if any, before the end is reported.
			r.err = r.wait()
			return false
		}
		r.cur, r.i = b, 0
		if r.progress != nil {
			r.progress.Progress()
		}
	}
	return true
}

func (r *batchRows) Encoded() [][]byte {
	at := r.i * r.width
	start := 0
	if at > 0 {
		start = r.cur.ends[at-1]
	}
	for j := range r.fields {
		end := r.cur.ends[at+j]
		r.fields[j] = r.cur.enc[start:end:end]
		start = end
	}
	return r.fields
}

// EncodedEnds gives the row's encodings as they lie in the batch, back
// to back, and where each ends.
func (r *batchRows) EncodedEnds() (enc []byte, start int, ends []int) {
	at := r.i * r.width
	if at > 0 {
		start = r.cur.ends[at-1]
	}
	return r.cur.enc, start, r.cur.ends[at : at+r.width : at+r.width]
}

// Row decodes the row's encodings, for a caller that takes no encodings
// (the hashing does): the values they encode, which are the decoders'.
// Encodings that do not decode, which AppendValue never gives, end the
// rows with an error at the next Next.
func (r *batchRows) Row() []connectors.Value {
	r.rowBuf = binary.AppendUvarint(r.rowBuf[:0], uint64(r.width))
	for _, f := range r.Encoded() {
		r.rowBuf = append(r.rowBuf, f...)
	}
	row, rest, err := connectors.DecodeRow(r.rowBuf)
	if err == nil && (len(rest) > 0 || len(row) != r.width) {
		err = errors.New("a row's encodings are not one value each")
	}
	if err != nil {
		r.rowErr = fmt.Errorf("read back: %w", err)
		return make([]connectors.Value, r.width)
	}
	return row
}

func (r *batchRows) Err() error { return r.err }

func (r *batchRows) Close() error { return nil }

// wait gives the reader's error once it has ended.
func (r *batchRows) wait() error {
	if !r.ended {
		r.ended = true
		r.err = <-r.done
	}
	return r.err
}

// plainTable says COPY of the table (qualified) reads the rows a SELECT
// from it does: an ordinary table no other inherits from. COPY of a
// table that has inheritance children reads only its own rows, and of a
// partitioned table none.
func (s *snapshot) plainTable(ctx context.Context, qualified string) (bool, error) {
	var plain bool
	err := s.tx.QueryRow(ctx, `SELECT relkind = 'r' AND NOT relhassubclass FROM pg_class WHERE oid = $1::regclass`, qualified).Scan(&plain)
	return plain, err
}
