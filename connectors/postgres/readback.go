package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/regflytt/regflytt/connectors"
)

// Read-back checksums: the rows a checksum needs are read with one
// COPY (SELECT …) TO STDOUT (FORMAT binary) in the snapshot's transaction,
// each value decoded by the decoder Scan uses for its type (decode, over
// the same bytes: a type's binary send format is what a binary result
// column carries), and hashed by connectors.SumRows, HashTable's own code.
// So the result is HashTable's by construction rather than by an SQL
// encoding written to agree with it; TestChecksumReadBack holds it to
// HashTable on every conformance edge value all the same.
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

// copyDecoder decodes one binary COPY field.
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
	floats, rest, err := req.ResolveFloats(t)
	if err != nil {
		return nil, "", "", err
	}
	hashed, key, err := rest.Resolve(t)
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

// readBack reads the request's columns of t with binary COPY and gives
// them to hash, which reads the rows to their end (or stops early with an
// error). errNoReadBack, before anything is read, when a column's type
// has no exact decoder.
func (s *snapshot) readBack(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest, hash func(*connectors.Table, connectors.Rows) error) error {
	if err := s.load(ctx); err != nil {
		return err
	}
	narrow, table, cols, err := s.readBackTable(t, req)
	if err != nil {
		return err
	}
	query := "SELECT " + cols + " FROM " + table
	// The columns must be the catalogue's, checked before the server
	// sees the statement: a statement it refuses would abort the
	// snapshot's transaction (the pushdown checks the same way).
	tables, err := readTables(ctx, s.tx, s.db.schema, s.domains)
	if err != nil {
		return s.db.errorf(err, "checksum of %s: read catalogue", t.Name)
	}
	cat := connectors.FindTable(tables, t.Name)
	if cat == nil {
		return fmt.Errorf("checksum of %s: no such table in schema %s", t.Name, s.db.schema)
	}
	for _, c := range narrow.Columns {
		if cat.ColumnIndex(c.Name) < 0 {
			return fmt.Errorf("checksum of %s: column %s does not exist", t.Name, c.Name)
		}
	}
	copyFrom := "(" + query + ")"
	if plain, err := s.plainTable(ctx, table); err != nil {
		return s.db.errorf(err, "checksum of %s: read catalogue", t.Name)
	} else if plain {
		// The table's form of COPY where it reads what the query does (a
		// plain table without children): the server skips the executor
		// and spends a twentieth less on the read (1M rows x 12 columns:
		// 1.23 against 1.31 CPU-s).
		copyFrom = table + " (" + cols + ")"
	}
	conn := s.tx.Conn().PgConn()
	// The statement's result columns, described by the server: their
	// real types choose the decoders, as they do Scan's.
	desc, err := conn.Prepare(ctx, "", query, nil)
	if err != nil {
		return s.db.errorf(err, "checksum of %s", t.Name)
	}
	if len(desc.Fields) != len(narrow.Columns) {
		return fmt.Errorf("checksum of %s: the server describes %d columns for %d", t.Name, len(desc.Fields), len(narrow.Columns))
	}
	decs := make([]copyDecoder, len(desc.Fields))
	for i, f := range desc.Fields {
		d, ok := copyDecoderFor(f.DataTypeOID, s.domains)
		if !ok {
			return fmt.Errorf("checksum of %s: column %s: %w", t.Name, narrow.Columns[i].Name, errNoReadBack)
		}
		decs[i] = d
	}

	p := &copyParser{decs: decs, width: len(decs)}
	p.free = make(chan *rowBatch, readBackBatches)
	for i := 0; i < readBackBatches; i++ {
		p.free <- &rowBatch{vals: make([]connectors.Value, readBackRows*p.width)}
	}
	full := make(chan *rowBatch, readBackBatches)
	p.full = full
	done := make(chan error, 1)
	go func() {
		tag, err := conn.CopyTo(ctx, p, "COPY "+copyFrom+" TO STDOUT (FORMAT binary)")
		switch {
		case err != nil:
			err = s.db.errorf(err, "checksum of %s: read back", t.Name)
		case p.err != nil:
			err = fmt.Errorf("checksum of %s: read back: %w", t.Name, p.err)
		case !p.trailer && !p.stop.Load():
			err = fmt.Errorf("checksum of %s: read back: the COPY stream ended without its trailer", t.Name)
		case !p.stop.Load() && tag.RowsAffected() != p.rows:
			err = fmt.Errorf("checksum of %s: read back: %d rows decoded of the %d the server sent", t.Name, p.rows, tag.RowsAffected())
		}
		if p.cur != nil && p.cur.n > 0 && err == nil {
			full <- p.cur
		}
		done <- err
		close(full)
	}()
	rows := &batchRows{cols: narrow.Columns, width: p.width, in: full, free: p.free, done: done}
	herr := hash(narrow, rows)
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

// rowBatch is rows decoded into one reused slice of values.
type rowBatch struct {
	vals []connectors.Value
	n    int
}

// copyParser is the io.Writer CopyTo writes the binary COPY stream to, in
// pieces of any size. It never returns an error: pgconn closes the
// connection on a writer's error, and the snapshot's transaction must
// outlive a malformed value; it keeps the first error and discards the
// rest of the stream instead.
type copyParser struct {
	decs    []copyDecoder
	width   int
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
		// The whole tuple must be here before any of it is decoded.
		end := off + 2
		for j := 0; j < p.width; j++ {
			if len(data)-end < 4 {
				return off, nil
			}
			n := int32(binary.BigEndian.Uint32(data[end:]))
			end += 4
			if n == -1 {
				continue
			}
			if n < 0 {
				return 0, errors.New("a field of negative length")
			}
			if len(data)-end < int(n) {
				return off, nil
			}
			end += int(n)
		}
		if p.cur == nil {
			p.cur = <-p.free
			p.cur.n = 0
		}
		row := p.cur.vals[p.cur.n*p.width : (p.cur.n+1)*p.width]
		at := off + 2
		for j := range row {
			n := int32(binary.BigEndian.Uint32(data[at:]))
			at += 4
			var src []byte
			if n >= 0 {
				src = data[at : at+int(n) : at+int(n)]
				at += int(n)
			}
			v, err := p.decs[j].decode(src)
			if err != nil {
				// The type's trouble, never the value.
				return 0, fmt.Errorf("field %d: %w", j+1, err)
			}
			row[j] = v
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

// batchRows gives the batches of a copyParser as connectors.Rows. A row
// is valid until the next call to Next (its batch is then reused).
type batchRows struct {
	cols  []connectors.Column
	width int
	in    <-chan *rowBatch
	free  chan<- *rowBatch
	cur   *rowBatch
	i     int
	done  <-chan error
	err   error
	ended bool
}

func (r *batchRows) Columns() []connectors.Column { return r.cols }

func (r *batchRows) Next() bool {
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
	}
	return true
}

func (r *batchRows) Row() []connectors.Value {
	return r.cur.vals[r.i*r.width : (r.i+1)*r.width]
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
