package postgres

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Checksums (connectors.Checksummer), by two paths that both give
// exactly HashTable's aggregates:
//
//   - The read-back (readback.go), for whole-table checksums (Within 0)
//     whose request allows it (ReadBack: a target's content check may, a
//     source-read check must not, since the read-back is the connector's
//     own decoding): the asked columns are read with one binary COPY in
//     the snapshot's transaction, each field encoded straight to its
//     canonical encoding (readback_encode.go, held to AppendValue of
//     Scan's decoded value type by type) and hashed by
//     connectors.SumRows, HashTable's code. TestChecksumReadBack holds it
//     to HashTable on every conformance edge value.
//   - The pushdown, for everything else (drill-downs, RecordHashes,
//     requests without ReadBack, and whole tables with a column the
//     read-back cannot decode exactly): the
//     canonical row encoding of connectors.AppendRow built in SQL, hashed
//     with sha256() and summed in the server, so that only the bucket
//     aggregates cross the wire. Every column's SQL gives exactly the
//     bytes AppendRow gives for the value this package's Scan decodes from
//     it; TestChecksumPushdown holds each type to that on every
//     conformance edge value. The encoding is chosen from the server's own
//     catalogue, never from the Table the caller passes (whose SourceType
//     may be a receiving schema's notation): the column's real type
//     decides what Scan decodes, so it decides the SQL too.
//
// Why the read-back where allowed: the SQL encoding costs the server
// an expression of dozens of nodes per value, and sending rows is cheaper
// than that. BenchmarkChecksumPaths, 1M rows of the bench table's 12
// columns in verify's 16384 buckets, on this project's 2-core host shared
// with other work (load 2–9): the pushdown took 3.7–6.7 s wall and 4.5–5.5
// CPU-seconds of the server (leader and two parallel workers; ~0.01 s of
// regflytt's), the read-back 2.1–3.4 s wall, 0.6–0.9 server CPU-seconds
// and 1.4–1.8 of regflytt's: about half the CPU in all, and a core the
// server does not need during a run's end check. A drill-down step (4 of
// 16384 buckets) stays with the pushdown: it hashes only the rows it
// keeps (1.1 server CPU-seconds, 1.2–3.1 s wall) where a read-back still
// reads the whole table (2.2–3.8 s).
//
// A run's own end check does neither where it can: the server sums its
// rows natively (nativesum.go, connectors.NativeSummer), hashing each
// stored value's binary send form with its own hash_record_extended,
// while regflytt hashed, as it wrote them, the bytes its COPY encoder
// sent, with a bit-exact Go twin of that hash (nativehash.go). No row
// crosses the wire and regflytt decodes nothing; a value the server
// stored otherwise than it was sent (rounded by a narrower numeric,
// truncated, changed by a trigger) makes the sums differ, which fails
// the run, and the end check then verifies again from the source to name
// the records. Only where every column's type is one whose round trip is
// proven exact on the server (TestNativeRowSumOfEveryEdgeValue), on
// PostgreSQL 14 or later with UTF8 as both encodings; elsewhere the
// read-back above, and the run's -v log says which.
//
// Figures. BenchmarkEndCheckSides (1M rows of the bench table, on this
// project's 2-core host at load 10–20, CPU-seconds inflated by the
// contention): the server spent 1.9 CPU-s on the native sum against
// 1.2–1.4 on the read-back's COPY TO; regflytt about 0.3 less on the
// target's side (nothing decoded) but 0.5–0.6 instead of 0.27 on the
// expected side during the move (each value encoded as COPY sends it and
// hashed per column, against one keyed maphash of the row). The whole run
// on the same host quiet tells otherwise, and it is what counts: `.ci/bench`
// identity only, three runs each, the read-back build (50b70e4) then the
// native one (43c2c9e) back to back, the end check (the run's wall less its
// move) took 2.27 s and 1.32 s, regflytt's CPU for the whole run 5.49 and
// 3.83 s, the run 0.88 and 0.90 of the limit (the host's speed drifted:
// the limit took 7.65 s and 6.50 s). Options.EndCheckReadBack gives the
// read-back for comparison.

var _ connectors.Checksummer = (*snapshot)(nil)

// Checksum computes the request's bucket aggregates: by reading the table
// back for a whole table when the request allows it (ReadBack), in the
// server otherwise (see above).
func (s *snapshot) Checksum(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, error) {
	if checksumPath == readBackAlways || checksumPath == readBackWhole && req.ReadBack && req.Within == 0 {
		out, err := s.sumReadBack(ctx, t, req)
		if !errors.Is(err, errNoReadBack) {
			out.ReadBack = true
			return out, err
		}
	}
	q, err := s.checksumQuery(ctx, t, req, false)
	if err != nil {
		return connectors.Buckets{}, err
	}
	rows, err := s.tx.Query(ctx, q.sql, q.args...)
	if err != nil {
		return connectors.Buckets{}, s.db.errorf(err, "checksum of %s", t.Name)
	}
	defer rows.Close()
	out := connectors.Buckets{Version: connectors.ChecksumVersion, N: req.Buckets}
	for rows.Next() {
		var bucket, count int64
		var sum1, sum2, fsum1, fsum2 string
		dest := []any{&bucket, &count, &sum1, &sum2}
		if len(req.Floats) > 0 {
			dest = append(dest, &fsum1, &fsum2)
		}
		if err := rows.Scan(dest...); err != nil {
			return connectors.Buckets{}, s.db.errorf(err, "checksum of %s", t.Name)
		}
		bs, err := connectors.ExactBucketSum(uint32(bucket), uint64(count), sum1, sum2)
		if err != nil {
			return connectors.Buckets{}, fmt.Errorf("checksum of %s: %w", t.Name, err)
		}
		out.Sums = append(out.Sums, bs)
		if len(req.Floats) > 0 {
			if bs, err = connectors.ExactBucketSum(uint32(bucket), uint64(count), fsum1, fsum2); err != nil {
				return connectors.Buckets{}, fmt.Errorf("checksum of %s: floats: %w", t.Name, err)
			}
			out.Floats = append(out.Floats, bs)
		}
	}
	if err := rows.Err(); err != nil {
		return connectors.Buckets{}, s.db.errorf(err, "checksum of %s", t.Name)
	}
	return out, nil
}

// RecordHashes lists the request's records with their keys (decoded from
// the key's encoding, built by the same SQL) and row hashes.
func (s *snapshot) RecordHashes(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) ([]connectors.RecordHash, error) {
	if checksumPath == readBackAlways {
		var out []connectors.RecordHash
		err := s.readBack(ctx, t, req, func(narrow *connectors.Table, rows connectors.Rows) error {
			var err error
			out, err = connectors.RecordRows(narrow, req, rows)
			return err
		})
		if !errors.Is(err, errNoReadBack) {
			return out, err
		}
	}
	q, err := s.checksumQuery(ctx, t, req, true)
	if err != nil {
		return nil, err
	}
	rows, err := s.tx.Query(ctx, q.sql, q.args...)
	if err != nil {
		return nil, s.db.errorf(err, "record hashes of %s", t.Name)
	}
	defer rows.Close()
	var out []connectors.RecordHash
	for rows.Next() {
		var key, hash []byte
		if err := rows.Scan(&key, &hash); err != nil {
			return nil, s.db.errorf(err, "record hashes of %s", t.Name)
		}
		r, ok := connectors.DecodeRecordHash(key, hash)
		if !ok {
			return nil, fmt.Errorf("record hashes of %s: the server's key or hash is malformed", t.Name)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.errorf(err, "record hashes of %s", t.Name)
	}
	return out, nil
}

type checksumSQL struct {
	sql  string
	args []any
}

// checksumQuery builds the aggregate query, or with records the query
// listing each record's encoded key and row hash.
func (s *snapshot) checksumQuery(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest, records bool) (checksumSQL, error) {
	if err := s.load(ctx); err != nil {
		return checksumSQL{}, err
	}
	tables, err := readTables(ctx, s.tx, s.db.schema, s.domains)
	if err != nil {
		return checksumSQL{}, s.db.errorf(err, "checksum of %s: read catalogue", t.Name)
	}
	cat := connectors.FindTable(tables, t.Name)
	if cat == nil {
		return checksumSQL{}, fmt.Errorf("checksum of %s: no such table in schema %s", t.Name, s.db.schema)
	}
	if len(req.Key) == 0 {
		// The caller's primary key, not the catalogue's: both sides of a
		// comparison must bucket by the same columns.
		req.Key = t.PrimaryKey
	}
	floats, rest, err := req.ResolveFloats(cat)
	if err != nil {
		return checksumSQL{}, err
	}
	cols, key, err := rest.Resolve(cat)
	if err != nil {
		return checksumSQL{}, err
	}
	ver := serverVersion(s.tx.Conn().PgConn().ParameterStatus("server_version"))
	if ver >= 110000 {
		// The encoding is one large expression: LLVM would compile it in
		// every parallel worker, for seconds, before the first row (11.7 s
		// against 2.7 s without, 1M rows of 12 columns). For the rest of
		// the snapshot's transaction only; its keyset scans are too
		// simple to gain from JIT.
		if _, err := s.tx.Exec(ctx, "SET LOCAL jit = off"); err != nil {
			return checksumSQL{}, s.db.errorf(err, "checksum of %s", t.Name)
		}
	}
	rowEnc, err := encodeRowSQL(cat, cols, ver)
	if err != nil {
		return checksumSQL{}, fmt.Errorf("checksum of %s: %w", t.Name, err)
	}
	keyEnc, err := encodeRowSQL(cat, key, ver)
	if err != nil {
		return checksumSQL{}, fmt.Errorf("checksum of %s: key: %w", t.Name, err)
	}
	table, err := s.db.qualified(t.Name)
	if err != nil {
		return checksumSQL{}, fmt.Errorf("checksum of %s: %w", t.Name, err)
	}
	floatEnc := ""
	if len(floats) > 0 {
		if floatEnc, err = encodeFloatsSQL(cat, floats, req.FloatBits); err != nil {
			return checksumSQL{}, fmt.Errorf("checksum of %s: %w", t.Name, err)
		}
		// A float record hash hashes the key's encoding, a zero byte and
		// the rounded floats.
		floatEnc = "(" + keyEnc + " || " + bytesLiteral([]byte{0}) + " || " + floatEnc + ")"
	}
	return buildChecksumSQL(table, rowEnc, keyEnc, floatEnc, req, records), nil
}

// encodeFloatsSQL gives the bytea expression of the rounded floats of
// connectors.AppendRoundedFloat over columns cols of t (double precision
// or real: a real widens to float8 exactly, as Scan reads it). The bits
// are the value's float8send read as an int8; the rounding is integer
// arithmetic on them, as connectors.RoundFloatBits does it.
func encodeFloatsSQL(t *connectors.Table, cols []int, bits int) (string, error) {
	m := 52 - min(max(bits, 0), 52)
	var parts []string
	for _, i := range cols {
		c := &t.Columns[i]
		switch typmod.ReplaceAllString(c.SourceType, "") {
		case "double precision", "real":
		default:
			return "", fmt.Errorf("%w: column %s (%s) is no float the rounding is written for", connectors.ErrNoPushdown, c.Name, c.SourceType)
		}
		col, err := Dialect{}.QuoteIdent(c.Name)
		if err != nil {
			return "", err
		}
		u := "('x' || encode(float8send(" + col + "::float8), 'hex'))::bit(64)::int8"
		rounded := u
		if m > 0 {
			// Zero and subnormals (below the smallest normal double,
			// 2^-1022, which the literal parses to exactly) keep their
			// bits; the magnitude of the others is rounded half up at bit
			// m. On the signed int8 one addition does it for both signs: a
			// negative value's bits are its magnitude minus 2^63, and a
			// finite magnitude plus the half stays below 2^63, so the
			// sign bit is kept and nothing overflows. Either branch reads
			// the bits once.
			half := strconv.FormatInt(1<<(m-1), 10)
			mask := strconv.FormatInt(^(int64(1)<<m - 1), 10)
			rounded = "CASE WHEN abs(" + col + "::float8) < '2.2250738585072014e-308'::float8 THEN " + u +
				" ELSE (" + u + " + " + half + ") & (" + mask + ") END"
		}
		parts = append(parts, "CASE WHEN "+col+" IS NULL THEN "+bytesLiteral([]byte{0})+
			" WHEN "+col+" = 'NaN' THEN "+bytesLiteral([]byte{1})+
			" WHEN "+col+" = 'Infinity' THEN "+bytesLiteral([]byte{2})+
			" WHEN "+col+" = '-Infinity' THEN "+bytesLiteral([]byte{3})+
			" ELSE "+bytesLiteral([]byte{4})+" || int8send("+rounded+") END")
	}
	return "(" + strings.Join(parts, " || ") + ")", nil
}

// serverVersion reads "15.20 (Debian …)" as 150000, and a beta or
// development server's "17beta1" or "18devel" as its major version, as
// server_version_num counts; 0 when unreadable, which keeps to what every
// version parses. (A beta read as 0 skipped the pre-write checks of
// collations and NULLS NOT DISTINCT, existing.go.)
func serverVersion(s string) int {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0
	}
	return n * 10000
}

// buildChecksumSQL puts the encodings into the query. Below an OFFSET 0
// fence each row's hash is computed once (without it the planner would
// put the expression into each of the two sums) and still in parallel
// workers. A drill-down filters on the key hash in an inner fenced query,
// so that only the rows it keeps are hashed; a whole-table checksum in one
// bucket hashes no key at all.
//
// floatEnc, when not empty, is the float record encoding: its hash is
// summed per bucket beside the row hash, in the same scan.
func buildChecksumSQL(table, rowEnc, keyEnc, floatEnc string, req connectors.ChecksumRequest, records bool) checksumSQL {
	const keyHash = "regflytt_kh"
	kh := "('x' || encode(substring(sha256(" + keyEnc + ") FROM 1 FOR 4), 'hex'))::bit(32)::int8"
	var q checksumSQL
	from := table
	if req.Within != 0 {
		in := make([]int64, len(req.In))
		for i, b := range req.In {
			in[i] = int64(b)
		}
		from = "(SELECT " + kh + " AS " + keyHash + ", * FROM " + table + " OFFSET 0) k WHERE " +
			keyHash + " % " + strconv.FormatUint(uint64(req.Within), 10) + " = ANY($1::int8[])"
		kh = keyHash
		q.args = []any{in}
	}
	if records {
		q.sql = "SELECT " + keyEnc + ", sha256(" + rowEnc + ") FROM " + from
		return q
	}
	bucket := "0::int8"
	if req.Buckets > 1 {
		bucket = kh + " % " + strconv.FormatUint(uint64(req.Buckets), 10)
	}
	slice := func(h string, from int) string {
		return "sum(('x' || encode(substring(" + h + " FROM " + strconv.Itoa(from) + " FOR 8), 'hex'))::bit(64)::int8)::text"
	}
	sums, hashes := slice("h", 1)+", "+slice("h", 9), "sha256("+rowEnc+") AS h"
	if floatEnc != "" {
		sums += ", " + slice("fh", 1) + ", " + slice("fh", 9)
		hashes += ", sha256(" + floatEnc + ") AS fh"
	}
	q.sql = "SELECT b, count(*), " + sums +
		" FROM (SELECT " + bucket + " AS b, " + hashes + " FROM " + from + " OFFSET 0) r" +
		" GROUP BY b ORDER BY b"
	return q
}

// encodeRowSQL gives the SQL bytea expression of AppendRow over columns
// cols of t: the count, then each value.
func encodeRowSQL(t *connectors.Table, cols []int, ver int) (string, error) {
	parts, err := connectors.RowEncodingSQL(t, cols, bytesLiteral, func(c *connectors.Column) (string, error) { return encodeValueSQL(c, ver) })
	if err != nil {
		return "", err
	}
	return "(" + strings.Join(parts, " || ") + ")", nil
}

func bytesLiteral(b []byte) string { return `'\x` + hex.EncodeToString(b) + `'::bytea` }

func tagLiteral(tag byte, rest ...byte) string { return bytesLiteral(append([]byte{tag}, rest...)) }

// The type tags of connectors/encoding.go. They are the encoding's, and
// TestChecksumPushdown fails if one drifts.
const (
	tagNull        = 0
	tagInt         = 1
	tagFloat       = 3
	tagBool        = 4
	tagText        = 5
	tagBytes       = 6
	tagDecimal     = 7
	tagDate        = 8
	tagDateTime    = 9
	tagTimestamp   = 10
	tagDuration    = 11
	tagInvalidDate = 12
	tagUUID        = 13
	tagJSON        = 14
)

// typmod strips "(6)" and "(38,10)" from format_type's text.
var typmod = regexp.MustCompile(`\(\d+(,\d+)?\)`)

// encodeValueSQL gives the bytea expression of AppendValue for the value
// Scan decodes from column c, NULL included. Types without one fail with
// ErrNoPushdown: the verifier hashes them in Go.
//
// The expressions are written for the executor's sake: every node costs
// per row, so fields come from date_part (float8, exact for these
// integers) rather than extract (numeric), fixed-size fields are packed
// into one int8send, and a NOT NULL column skips the NULL test.
func encodeValueSQL(c *connectors.Column, ver int) (string, error) {
	col, err := Dialect{}.QuoteIdent(c.Name)
	if err != nil {
		return "", err
	}
	e, isNull := "", " IS NULL"
	switch typmod.ReplaceAllString(c.SourceType, "") {
	case "smallint", "integer", "bigint":
		e = tagLiteral(tagInt) + " || int8send(" + col + "::int8)"
	case "boolean":
		e = "CASE WHEN " + col + " THEN " + tagLiteral(tagBool, 1) + " ELSE " + tagLiteral(tagBool, 0) + " END"
	case "text", "character varying", "name":
		e = textSQL(tagText, col+"::text", c.Charset)
	case "character":
		// Scan reads the padded value as stored; a cast to text would
		// strip the padding, the output function keeps it.
		e = textSQL(tagText, "textin(bpcharout("+col+"))", c.Charset)
	case "bytea":
		e = lengthPrefixed(tagBytes, col, col)
	case "numeric":
		// NaN and ±Infinity read as float64 (math.NaN()'s bits, ±Inf).
		// Only an unconstrained numeric holds infinities, and only from
		// PostgreSQL 14 on, which is also the first to parse them.
		nan := " WHEN 'NaN' THEN " + tagLiteral(tagFloat, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1)
		if c.SourceType == "numeric" && ver >= 140000 {
			nan += " WHEN 'Infinity' THEN " + tagLiteral(tagFloat, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0) +
				" WHEN '-Infinity' THEN " + tagLiteral(tagFloat, 0xff, 0xf0, 0, 0, 0, 0, 0, 0)
		}
		e = "CASE " + col + nan + " ELSE " + textSQL(tagDecimal, col+"::text", "SQL_ASCII") + " END"
	case "date":
		e = "CASE WHEN " + col + " BETWEEN '0001-01-01' AND '9999-12-31' THEN " + tagLiteral(tagDate) +
			" || int4send(" + packDate(col) + "::int4) ELSE " + invalidDateSQL(col) + " END"
	case "timestamp without time zone":
		// Date and clock in one int8 (its first byte is zero: year < 2^15),
		// then the nanoseconds.
		e = "CASE WHEN " + col + " >= '0001-01-01' AND " + col + " < '10000-01-01' THEN " + tagLiteral(tagDateTime) +
			" || substring(int8send(" + packDate(col) + "::int8 << 24 | (date_part('hour', " + col + ")::int8 << 16)" +
			" | (date_part('minute', " + col + ")::int8 << 8) | floor(date_part('second', " + col + "))::int8) FROM 2)" +
			" || " + nanosSQL(col) + " ELSE " + invalidDateSQL(col) + " END"
	case "timestamp with time zone":
		// The session's TimeZone is pinned to UTC, so the fields and the
		// text are UTC's, as Scan reads them.
		e = "CASE WHEN " + col + " >= '0001-01-01 00:00:00+00' AND " + col + " < '10000-01-01 00:00:00+00' THEN " + tagLiteral(tagTimestamp) +
			" || int8send(date_part('epoch', date_trunc('second', " + col + "))::int8) || " + nanosSQL(col) +
			" ELSE " + invalidDateSQL(col) + " END"
	case "time without time zone":
		// Microseconds of the day below 2^37: exact in a float8.
		e = tagLiteral(tagDuration) + " || int8send((date_part('epoch', " + col + ") * 1000000)::int8 * 1000)"
	case "uuid":
		e = tagLiteral(tagUUID) + " || uuid_send(" + col + ")"
	case "json", "jsonb":
		e = textSQL(tagJSON, col+"::text", c.Charset)
	default:
		if e, err = encodeByKindSQL(c, col, ver); err != nil {
			return "", err
		}
		if c.Type.Kind == connectors.KindText {
			// A composite whose fields are all NULL, '(,)', IS NULL
			// but is a value Scan reads as its text.
			isNull = " IS NOT DISTINCT FROM NULL"
		}
	}
	if !c.Nullable {
		return "(" + e + ")", nil
	}
	return "CASE WHEN " + col + isNull + " THEN " + tagLiteral(tagNull) + " ELSE " + e + " END", nil
}

// encodeByKindSQL encodes a column whose type encodeValueSQL does not
// name: a domain, an enum, an array, an extension's type (citext), and
// every other type Scan reads as its text (interval, timetz, money,
// inet, bit, xml, ranges). Its Type is TypeOf of the base type, and each
// kind but text has one base type (or, for int, three with one
// encoding), so the base type's expression applies through the domain.
// A text kind is Scan's text: the type's output function under the
// session's pinned settings, which format('%s', …) calls (a cast to text
// would not: inet's gives the mask length '/32', bpchar's drops the
// padding). Without it every table holding one such column, common on
// PostgreSQL, went unchecked as read.
func encodeByKindSQL(c *connectors.Column, col string, ver int) (string, error) {
	same := *c
	switch c.Type.Kind {
	case connectors.KindText:
		return textSQL(tagText, "format('%s', "+col+")", c.Charset), nil
	case connectors.KindInt:
		same.SourceType = "bigint"
	case connectors.KindBool:
		same.SourceType = "boolean"
	case connectors.KindBytes:
		same.SourceType = "bytea"
	case connectors.KindDecimal:
		// numeric(p,s) holds no infinity; an unconstrained one may.
		same.SourceType = "numeric(1,0)"
		if c.Type.Precision == 0 {
			same.SourceType = "numeric"
		}
	case connectors.KindDate:
		same.SourceType = "date"
	case connectors.KindDateTime:
		same.SourceType = "timestamp without time zone"
	case connectors.KindTimestamp:
		same.SourceType = "timestamp with time zone"
	case connectors.KindTime:
		same.SourceType = "time without time zone"
	case connectors.KindUUID:
		same.SourceType = "uuid"
	case connectors.KindJSON:
		same.SourceType = "json"
	default:
		return "", fmt.Errorf("%w: no exact encoding in SQL for this type", connectors.ErrNoPushdown)
	}
	// Not nullable here: the caller adds the NULL test once.
	same.Nullable = false
	e, err := encodeValueSQL(&same, ver)
	if err != nil {
		return "", err
	}
	return e, nil
}

// packDate gives a date's year << 16 | month << 8 | day, the four bytes of
// its encoding.
func packDate(col string) string {
	return "(date_part('year', " + col + ")::int4 << 16 | (date_part('month', " + col + ")::int4 << 8) | date_part('day', " + col + ")::int4)"
}

// nanosSQL gives the sub-second part as uint32 nanoseconds.
func nanosSQL(col string) string {
	return "int4send((date_part('microseconds', " + col + ")::int4 % 1000000) * 1000)"
}

// invalidDateSQL is what Scan reads for infinity and years outside
// 1..9999: InvalidDate with PostgreSQL's text (DateStyle ISO pinned).
func invalidDateSQL(col string) string {
	return textSQL(tagInvalidDate, col+"::text", "SQL_ASCII")
}

// textSQL gives a length-prefixed text value in UTF-8. The length is the
// text's own octet_length where the database's encoding is UTF-8 already
// (or bytes passed through: SQL_ASCII, also the encoding of what a
// server's output functions print for numbers and dates), saving a
// conversion per row.
func textSQL(tag byte, text, encoding string) string {
	bytes := "convert_to(" + text + ", 'UTF8')"
	if encoding == "UTF8" || encoding == "SQL_ASCII" {
		return lengthPrefixed(tag, bytes, text)
	}
	return lengthPrefixed(tag, bytes, bytes)
}

// lengthPrefixed gives tag, uvarint(length) and the bytes of a bytea
// expression; sized is an expression with the same octet_length.
func lengthPrefixed(tag byte, bytes, sized string) string {
	return tagLiteral(tag) + " || " + uvarintSQL("octet_length("+sized+")") + " || " + bytes
}

// uvarintSQL gives the bytea of binary.AppendUvarint for a non-negative
// integer expression below 2^35 (a bytea or text holds at most 1 GB):
// seven bits a byte, low first, the high bit set on all but the last.
func uvarintSQL(n string) string {
	var b strings.Builder
	b.WriteString("(CASE")
	for size := 1; size <= 5; size++ {
		// The bytes as one int8, first byte highest, sent big-endian and
		// cut to size.
		var groups []string
		for i := 0; i < size; i++ {
			g := "((" + n + " >> " + strconv.Itoa(7*i) + ") & 127)"
			if i < size-1 {
				g = "(" + g + " | 128)"
			}
			// Parenthesised: PostgreSQL gives <<, | and & one precedence.
			groups = append(groups, "("+g+"::int8 << "+strconv.Itoa(8*(size-1-i))+")")
		}
		expr := "substring(int8send(" + strings.Join(groups, " | ") + ") FROM " + strconv.Itoa(9-size) + ")"
		switch {
		case size == 1:
			// The common case, in one node.
			fmt.Fprintf(&b, " WHEN %s < 128 THEN set_byte('\\x00'::bytea, 0, %s)", n, n)
		case size < 5:
			fmt.Fprintf(&b, " WHEN %s < %d THEN %s", n, 1<<(7*size), expr)
		default:
			b.WriteString(" ELSE " + expr)
		}
	}
	b.WriteString(" END)")
	return b.String()
}
