package sqlserver

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Pushdown checksums (connectors.Checksummer): the canonical row encoding
// of connectors.AppendRow built in T-SQL from varbinary pieces, hashed
// with HASHBYTES('SHA2_256', …) and summed in the server.
//
// NOT RUN AGAINST A SERVER: no SQL Server is available where this was
// written. The SQL text is pinned by TestChecksumSQL, and
// TestServerChecksumPushdown (under REGFLYTT_TEST_MSSQL) holds it to the
// Go hash on every conformance edge value the day a server runs it. Until
// then the pushed-down types are the ones whose T-SQL is plain arithmetic
// on documented conversions; decimals, money, datetime and smalldatetime,
// xml, sql_variant, json and the CLR types are hashed in Go (ErrNoPushdown).
//
// SUM over bigint overflows with an error, never wraps, so each 64-bit
// slice of a row hash is summed as two 32-bit halves (a binary(4) CAST to
// bigint is its unsigned value): exact for up to 2^31 rows per bucket,
// and combined modulo 2^64 in Go. Needs SQL Server 2019 or later (UTF-8
// collations, to turn text into UTF-8 bytes in the server) and
// HASHBYTES without the 8000-byte input limit of 2014 and before.

var _ connectors.Checksummer = (*snapshot)(nil)

// utf8Collation converts text to UTF-8 bytes: a CAST to varchar under a
// UTF-8 collation, then to varbinary.
const utf8Collation = "Latin1_General_100_BIN2_UTF8"

// Checksum computes the request's bucket aggregates in the server.
func (s *snapshot) Checksum(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, error) {
	q, err := s.checksumQuery(ctx, t, req, false)
	if err != nil {
		return connectors.Buckets{}, err
	}
	rows, err := s.conn.QueryContext(ctx, q)
	if err != nil {
		return connectors.Buckets{}, s.d.classify("checksum of "+t.Name, err)
	}
	defer rows.Close()
	out := connectors.Buckets{Version: connectors.ChecksumVersion, N: req.Buckets}
	for rows.Next() {
		var bucket, count, hi1, lo1, hi2, lo2 int64
		if err := rows.Scan(&bucket, &count, &hi1, &lo1, &hi2, &lo2); err != nil {
			return connectors.Buckets{}, s.d.cfg.errorf("checksum of %s: %w", t.Name, err)
		}
		out.Sums = append(out.Sums, connectors.BucketSum{Bucket: uint32(bucket), Aggregate: connectors.Aggregate{
			Count: uint64(count), Sum1: combineHalves(hi1, lo1), Sum2: combineHalves(hi2, lo2)}})
	}
	if err := rows.Err(); err != nil {
		return connectors.Buckets{}, s.d.classify("checksum of "+t.Name, err)
	}
	return out, nil
}

// combineHalves gives, modulo 2^64, the sum of 64-bit values from the sums
// of their high and low 32-bit halves.
func combineHalves(hi, lo int64) uint64 { return uint64(hi)<<32 + uint64(lo) }

// RecordHashes lists the request's records with their keys (decoded from
// the key's encoding, built by the same SQL) and row hashes.
func (s *snapshot) RecordHashes(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) ([]connectors.RecordHash, error) {
	q, err := s.checksumQuery(ctx, t, req, true)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.QueryContext(ctx, q)
	if err != nil {
		return nil, s.d.classify("record hashes of "+t.Name, err)
	}
	defer rows.Close()
	var out []connectors.RecordHash
	for rows.Next() {
		var key, hash []byte
		if err := rows.Scan(&key, &hash); err != nil {
			return nil, s.d.cfg.errorf("record hashes of %s: %w", t.Name, err)
		}
		r, ok := connectors.DecodeRecordHash(key, hash)
		if !ok {
			return nil, fmt.Errorf("record hashes of %s: the server's key or hash is malformed", t.Name)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.d.classify("record hashes of "+t.Name, err)
	}
	return out, nil
}

func (s *snapshot) checksumQuery(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest, records bool) (string, error) {
	if err := s.checkRowFilter(ctx, t.Name); err != nil {
		return "", err
	}
	cat, err := readCatalogue(ctx, s.conn, s.d.cfg.schema)
	if err != nil {
		return "", s.d.classify("catalogue", err)
	}
	tables := cat.build()
	tbl := connectors.FindTable(tables, t.Name)
	if tbl == nil {
		return "", fmt.Errorf("checksum of %s: no such table in schema %s", t.Name, s.d.cfg.schema)
	}
	if len(req.Key) == 0 {
		req.Key = t.PrimaryKey
	}
	return s.d.dialect().ChecksumQuery(tbl, req, records)
}

// ChecksumQuery gives the T-SQL of a checksum request over a table as the
// catalogue describes it: the bucket aggregates (bucket, count and the
// four 32-bit half sums), or with records each record's encoded key and
// row hash. A column type without an exact T-SQL encoding is an error
// wrapping ErrNoPushdown.
func (d Dialect) ChecksumQuery(t *connectors.Table, req connectors.ChecksumRequest, records bool) (string, error) {
	cols, key, err := req.Resolve(t)
	if err != nil {
		return "", err
	}
	rowEnc, err := encodeRowSQL(t, cols)
	if err != nil {
		return "", fmt.Errorf("checksum of %s: %w", t.Name, err)
	}
	keyEnc, err := encodeRowSQL(t, key)
	if err != nil {
		return "", fmt.Errorf("checksum of %s: key: %w", t.Name, err)
	}
	table, err := d.QualifiedName(t.Name)
	if err != nil {
		return "", fmt.Errorf("checksum of %s: %w", t.Name, err)
	}
	kh := "CAST(SUBSTRING(HASHBYTES('SHA2_256', " + keyEnc + "), 1, 4) AS bigint)"
	where := ""
	if req.Within != 0 {
		in := make([]string, len(req.In))
		for i, b := range req.In {
			in[i] = strconv.FormatUint(uint64(b), 10)
		}
		where = " WHERE " + kh + " % " + strconv.FormatUint(uint64(req.Within), 10) + " IN (" + strings.Join(in, ", ") + ")"
	}
	if records {
		return "SELECT " + keyEnc + ", HASHBYTES('SHA2_256', " + rowEnc + ") FROM " + table + where, nil
	}
	bucket := "CAST(0 AS bigint)"
	if req.Buckets > 1 {
		bucket = kh + " % " + strconv.FormatUint(uint64(req.Buckets), 10)
	}
	half := func(from int) string {
		return "SUM(CAST(SUBSTRING(h, " + strconv.Itoa(from) + ", 4) AS bigint))"
	}
	return "SELECT b, COUNT_BIG(*), " + half(1) + ", " + half(5) + ", " + half(9) + ", " + half(13) +
		" FROM (SELECT " + bucket + " AS b, HASHBYTES('SHA2_256', " + rowEnc + ") AS h FROM " + table + where + ") r" +
		" GROUP BY b ORDER BY b", nil
}

// encodeRowSQL gives the varbinary expression of AppendRow over columns
// cols of t: the count, then each value.
func encodeRowSQL(t *connectors.Table, cols []int) (string, error) {
	parts, err := connectors.RowEncodingSQL(t, cols, bytesLiteral, encodeValueSQL)
	if err != nil {
		return "", err
	}
	return "CAST(" + strings.Join(parts, " + ") + " AS varbinary(max))", nil
}

func bytesLiteral(b []byte) string { return "0x" + strings.ToUpper(hex.EncodeToString(b)) }

// The type tags of connectors/encoding.go.
const (
	tagNull      = 0
	tagInt       = 1
	tagBool      = 4
	tagText      = 5
	tagBytes     = 6
	tagDate      = 8
	tagDateTime  = 9
	tagTimestamp = 10
	tagDuration  = 11
	tagUUID      = 13
)

func tagLiteral(tag byte, rest ...byte) string { return bytesLiteral(append([]byte{tag}, rest...)) }

// be gives n bytes big-endian of an integer expression: a CAST of bigint
// to binary(8) is its two's complement, big-endian, and a shorter binary
// keeps the rightmost bytes.
func be(expr string, n int) string {
	return "CAST(CAST(" + expr + " AS bigint) AS binary(" + strconv.Itoa(n) + "))"
}

// encodeValueSQL gives the varbinary expression of AppendValue for the
// value Scan decodes from column c, NULL included.
func encodeValueSQL(c *connectors.Column) (string, error) {
	col, err := Dialect{}.QuoteIdent(c.Name)
	if err != nil {
		return "", err
	}
	st := parseSourceType(c.SourceType)
	var e string
	switch {
	case c.Type.Kind == connectors.KindInt && (st.name == "bigint" || st.name == "int" || st.name == "smallint" || st.name == "tinyint"):
		e = tagLiteral(tagInt) + " + " + be(col, 8)
	case c.Type.Kind == connectors.KindBool && st.name == "bit":
		e = "CASE WHEN " + col + " = 1 THEN " + tagLiteral(tagBool, 1) + " ELSE " + tagLiteral(tagBool, 0) + " END"
	case (c.Type.Kind == connectors.KindText) && (st.name == "nchar" || st.name == "nvarchar" || st.name == "sysname" ||
		st.name == "char" || st.name == "varchar" || st.name == "text" || st.name == "ntext"):
		// As Scan reads it: through nvarchar (code pages decoded by the
		// server), then to UTF-8; CHAR's padding is kept by both.
		utf8 := "CAST(CAST(CAST(" + col + " AS nvarchar(max)) COLLATE " + utf8Collation + " AS varchar(max)) AS varbinary(max))"
		e = tagLiteral(tagText) + " + " + uvarintSQL("DATALENGTH("+utf8+")") + " + " + utf8
	case c.Type.Kind == connectors.KindBytes && (st.name == "binary" || st.name == "varbinary" || st.name == "image"):
		b := "CAST(" + col + " AS varbinary(max))"
		e = tagLiteral(tagBytes) + " + " + uvarintSQL("DATALENGTH("+b+")") + " + " + b
	case c.Type.Kind == connectors.KindDate && st.name == "date":
		e = tagLiteral(tagDate) + " + " + dateBytes(col)
	case c.Type.Kind == connectors.KindDateTime && st.name == "datetime2":
		e = tagLiteral(tagDateTime) + " + " + dateBytes(col) + " + " + be("DATEPART(hour, "+col+")", 1) + " + " +
			be("DATEPART(minute, "+col+")", 1) + " + " + be("DATEPART(second, "+col+")", 1) + " + " + be("DATEPART(nanosecond, "+col+")", 4)
	case c.Type.Kind == connectors.KindTimestamp && st.name == "datetimeoffset":
		// The instant in UTC: DATEDIFF_BIG counts second boundaries, so
		// it floors before 1970 as the canonical encoding does.
		utc := "CAST(SWITCHOFFSET(" + col + ", '+00:00') AS datetime2(7))"
		e = tagLiteral(tagTimestamp) + " + " + be("DATEDIFF_BIG(second, CAST('1970-01-01' AS datetime2(7)), "+utc+")", 8) +
			" + " + be("DATEPART(nanosecond, "+utc+")", 4)
	case c.Type.Kind == connectors.KindTime && st.name == "time":
		e = tagLiteral(tagDuration) + " + " + be("DATEDIFF_BIG(nanosecond, CAST('00:00:00' AS time(7)), "+col+")", 8)
	case c.Type.Kind == connectors.KindUUID && st.name == "uniqueidentifier":
		// The text form is in RFC 4122 order, as Scan reorders the bytes.
		e = tagLiteral(tagUUID) + " + CONVERT(binary(16), REPLACE(CONVERT(char(36), " + col + "), '-', ''), 2)"
	default:
		return "", fmt.Errorf("%w: no T-SQL encoding for this type is proven exact", connectors.ErrNoPushdown)
	}
	if !c.Nullable {
		return "(" + e + ")", nil
	}
	return "CASE WHEN " + col + " IS NULL THEN " + tagLiteral(tagNull) + " ELSE " + e + " END", nil
}

// dateBytes gives a date's four bytes: year (int16), month, day.
func dateBytes(col string) string {
	return be("DATEPART(year, "+col+")", 2) + " + " + be("DATEPART(month, "+col+")", 1) + " + " + be("DATEPART(day, "+col+")", 1)
}

// uvarintSQL gives the varbinary of binary.AppendUvarint for a
// non-negative bigint expression below 2^35: seven bits a byte, low first,
// the high bit set on all but the last. T-SQL before 2022 has no shift,
// so the groups come by integer division.
func uvarintSQL(n string) string {
	var b strings.Builder
	b.WriteString("(CASE")
	for size := 1; size <= 5; size++ {
		var bytes []string
		for i := 0; i < size; i++ {
			v := "(" + n + " / " + strconv.FormatInt(1<<(7*i), 10) + ") % 128"
			if i < size-1 {
				v += " + 128"
			}
			bytes = append(bytes, be(v, 1))
		}
		expr := strings.Join(bytes, " + ")
		if size < 5 {
			fmt.Fprintf(&b, " WHEN %s < %d THEN %s", n, 1<<(7*size), expr)
		} else {
			b.WriteString(" ELSE " + expr)
		}
	}
	b.WriteString(" END)")
	return b.String()
}
