package mysql

import (
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// Pushdown checksums (connectors.Checksummer): the canonical row encoding
// of connectors.AppendRow built in SQL from binary strings, hashed with
// SHA2(…, 256) and summed in the server. Each column's SQL gives exactly
// the bytes AppendRow gives for the value this package's Scan decodes;
// TestChecksumPushdown holds every type to that on every conformance edge
// value, and TestChecksumSourceTypes on the legacy source types.
//
// MariaDB has no unsigned 64-bit modular sum. The two 64-bit slices of
// each row hash are read with CONV as BIGINT UNSIGNED and summed with
// SUM, which over integers is an exact DECIMAL (DECIMAL(42,0) for BIGINT
// UNSIGNED: room for 2^64 · 10^22 rows); Go reduces the exact sum modulo
// 2^64 (connectors.SumMod64). Nothing is rounded through a DOUBLE.
//
// The encoding is chosen from the server's own catalogue (with the
// connector's COMMENT markers), never from the Table the caller passes.

var _ connectors.Checksummer = (*snapshot)(nil)

// Checksum computes the request's bucket aggregates in the server.
func (s *snapshot) Checksum(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) (connectors.Buckets, error) {
	q, err := s.checksumQuery(ctx, t, req, false)
	if err != nil {
		return connectors.Buckets{}, err
	}
	rows, err := s.conn.QueryContext(ctx, q)
	if err != nil {
		return connectors.Buckets{}, s.db.errorf("checksum of %s: %w", t.Name, withoutValues(err))
	}
	defer rows.Close()
	out := connectors.Buckets{Version: connectors.ChecksumVersion, N: req.Buckets}
	for rows.Next() {
		var bucket, count uint64
		var sum1, sum2 string
		if err := rows.Scan(&bucket, &count, &sum1, &sum2); err != nil {
			return connectors.Buckets{}, s.db.errorf("checksum of %s: %w", t.Name, err)
		}
		bs, err := connectors.ExactBucketSum(uint32(bucket), count, sum1, sum2)
		if err != nil {
			return connectors.Buckets{}, fmt.Errorf("checksum of %s: %w", t.Name, err)
		}
		out.Sums = append(out.Sums, bs)
	}
	if err := rows.Err(); err != nil {
		return connectors.Buckets{}, s.db.errorf("checksum of %s: %w", t.Name, withoutValues(err))
	}
	return out, nil
}

// RecordHashes lists the request's records with their keys (decoded from
// the key's encoding, built by the same SQL) and row hashes.
func (s *snapshot) RecordHashes(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest) ([]connectors.RecordHash, error) {
	q, err := s.checksumQuery(ctx, t, req, true)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.QueryContext(ctx, q)
	if err != nil {
		return nil, s.db.errorf("record hashes of %s: %w", t.Name, withoutValues(err))
	}
	defer rows.Close()
	var out []connectors.RecordHash
	for rows.Next() {
		var key, hash []byte
		if err := rows.Scan(&key, &hash); err != nil {
			return nil, s.db.errorf("record hashes of %s: %w", t.Name, err)
		}
		r, ok := connectors.DecodeRecordHash(key, hash)
		if !ok {
			return nil, fmt.Errorf("record hashes of %s: the server's key or hash is malformed", t.Name)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.errorf("record hashes of %s: %w", t.Name, withoutValues(err))
	}
	return out, nil
}

// checksumQuery builds the aggregate query, or with records the query
// listing each record's encoded key and binary row hash.
func (s *snapshot) checksumQuery(ctx context.Context, t *connectors.Table, req connectors.ChecksumRequest, records bool) (string, error) {
	if s.conn == nil {
		return "", s.db.errorf("snapshot is closed")
	}
	tables, err := tables(ctx, s.conn, s.db.schema)
	if err != nil {
		return "", s.db.errorf("checksum of %s: read catalogue: %w", t.Name, err)
	}
	cat := connectors.FindTable(tables, t.Name)
	if cat == nil {
		return "", fmt.Errorf("checksum of %s: no such table in database %s", t.Name, s.db.schema)
	}
	if len(req.Key) == 0 {
		// The caller's primary key: both sides of a comparison must
		// bucket by the same columns.
		req.Key = t.PrimaryKey
	}
	cols, key, err := req.Resolve(cat)
	if err != nil {
		return "", err
	}
	rowEnc, err := encodeRowSQL(cat, cols)
	if err != nil {
		return "", fmt.Errorf("checksum of %s: %w", t.Name, err)
	}
	keyEnc, err := encodeRowSQL(cat, key)
	if err != nil {
		return "", fmt.Errorf("checksum of %s: key: %w", t.Name, err)
	}
	table, err := Dialect{}.QuoteIdent(t.Name)
	if err != nil {
		return "", fmt.Errorf("checksum of %s: %w", t.Name, err)
	}
	return buildChecksumSQL(table, rowEnc, keyEnc, req, records), nil
}

// buildChecksumSQL puts the encodings into the query. The row hash goes
// through a derived table that the server materialises instead of merging
// (derived_merge=off for this statement only), so SHA2 runs once per row,
// not once per slice; a whole-table checksum in one bucket hashes no key.
func buildChecksumSQL(table, rowEnc, keyEnc string, req connectors.ChecksumRequest, records bool) string {
	kh := "CAST(CONV(LEFT(SHA2(" + keyEnc + ", 256), 8), 16, 10) AS UNSIGNED)"
	where := ""
	if req.Within != 0 {
		in := make([]string, len(req.In))
		for i, b := range req.In {
			in[i] = strconv.FormatUint(uint64(b), 10)
		}
		where = " WHERE MOD(" + kh + ", " + strconv.FormatUint(uint64(req.Within), 10) + ") IN (" + strings.Join(in, ", ") + ")"
	}
	if records {
		return "SELECT " + keyEnc + ", UNHEX(SHA2(" + rowEnc + ", 256)) FROM " + table + where
	}
	bucket := "0"
	if req.Buckets > 1 {
		bucket = "MOD(" + kh + ", " + strconv.FormatUint(uint64(req.Buckets), 10) + ")"
	}
	slice := func(from int) string {
		return "CAST(SUM(CAST(CONV(SUBSTRING(h, " + strconv.Itoa(from) + ", 16), 16, 10) AS UNSIGNED)) AS CHAR)"
	}
	return "SET STATEMENT optimizer_switch = 'derived_merge=off' FOR " +
		"SELECT b, COUNT(*), " + slice(1) + ", " + slice(17) +
		" FROM (SELECT " + bucket + " AS b, SHA2(" + rowEnc + ", 256) AS h FROM " + table + where + ") r" +
		" GROUP BY b ORDER BY b"
}

// encodeRowSQL gives the SQL binary-string expression of AppendRow over
// columns cols of t: the count, then each value.
func encodeRowSQL(t *connectors.Table, cols []int) (string, error) {
	parts, err := connectors.RowEncodingSQL(t, cols, bytesLiteral, encodeValueSQL)
	if err != nil {
		return "", err
	}
	return "CONCAT(" + strings.Join(parts, ", ") + ")", nil
}

// bytesLiteral is a binary string literal (a hex literal is binary).
func bytesLiteral(b []byte) string { return "X'" + hex.EncodeToString(b) + "'" }

func tagLiteral(tag byte, rest ...byte) string { return bytesLiteral(append([]byte{tag}, rest...)) }

// The type tags of connectors/encoding.go; TestChecksumPushdown fails if
// one drifts.
const (
	tagNull        = 0
	tagInt         = 1
	tagUint        = 2
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

// fixedHex gives n bytes big-endian of an integer expression: HEX prints a
// negative BIGINT as its 64-bit two's complement, and LPAD widens.
func fixedHex(expr string, n int) string {
	return "LPAD(HEX(" + expr + "), " + strconv.Itoa(2*n) + ", '0')"
}

// encodeValueSQL gives the binary-string expression of AppendValue for the
// value Scan decodes from column c, NULL included. Types without an exact
// one fail with ErrNoPushdown: the verifier hashes them in Go.
func encodeValueSQL(c *connectors.Column) (string, error) {
	col, err := Dialect{}.QuoteIdent(c.Name)
	if err != nil {
		return "", err
	}
	base := baseType(c.SourceType)
	lower := strings.ToLower(c.SourceType)
	var e string
	switch c.Type.Kind {
	case connectors.KindInt:
		switch {
		case base == "bit":
			// BIT(n) reads as its bits, an unsigned integer.
			col = "(" + col + " + 0)"
			e = uintSQL(col)
		case strings.Contains(lower, "unsigned"):
			e = uintSQL(col)
		case isYearTwo(c):
			e = "CONCAT(" + tagLiteral(tagInt) + ", UNHEX(" + fixedHex("CAST("+yearTwoSQL(col)+" AS SIGNED)", 8) + "))"
		case base == "year" || base == "tinyint" || base == "smallint" || base == "mediumint" || base == "int" || base == "integer" || base == "bigint":
			e = "CONCAT(" + tagLiteral(tagInt) + ", UNHEX(" + fixedHex("CAST("+col+" AS SIGNED)", 8) + "))"
		default:
			return "", noPushdown()
		}
	case connectors.KindBool:
		// Scan fails on anything but 0 and 1; here it gets a tag no value
		// has, so the checksum differs and a drill-down reads the row.
		e = "CASE " + col + " WHEN 1 THEN " + tagLiteral(tagBool, 1) + " WHEN 0 THEN " + tagLiteral(tagBool, 0) + " ELSE X'FF' END"
	case connectors.KindDecimal:
		if strings.Contains(lower, "zerofill") {
			// Scan drops the padding zeros; not worth redoing in SQL.
			return "", noPushdown()
		}
		e = shortText(tagDecimal, "CAST(CAST("+col+" AS CHAR) AS BINARY)")
	case connectors.KindText:
		switch base {
		case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
			e = textSQL(tagText, col, c)
			if isEmptyMemberEnum(c) {
				// Scan reads the invalid value 0 as int64(0) (enumzero.go).
				e = "IF(" + col + " + 0 = 0, " + tagLiteral(tagInt, 0, 0, 0, 0, 0, 0, 0, 0) + ", " + e + ")"
			}
		default:
			return "", noPushdown()
		}
	case connectors.KindJSON:
		e = textSQL(tagJSON, col, c)
	case connectors.KindBytes:
		switch base {
		case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
			e = lengthPrefixed(tagBytes, col, col)
		default:
			return "", noPushdown() // geometry: Scan reads the storage bytes
		}
	case connectors.KindUUID:
		switch base {
		case "binary":
			e = "CONCAT(" + tagLiteral(tagUUID) + ", " + col + ")"
		case "uuid":
			e = "CONCAT(" + tagLiteral(tagUUID) + ", UNHEX(REPLACE(CAST(" + col + " AS CHAR), '-', '')))"
		default:
			return "", noPushdown()
		}
	case connectors.KindDate:
		e = "CASE WHEN " + validDate(col) + " THEN CHAR(" + strconv.Itoa(tagDate) + ", " + dateBytes(col) + " USING binary) ELSE " + invalidDate(col) + " END"
	case connectors.KindDateTime:
		e = "CASE WHEN " + validDate(col) + " THEN CONCAT(CHAR(" + strconv.Itoa(tagDateTime) + ", " + dateBytes(col) +
			", HOUR(" + col + "), MINUTE(" + col + "), SECOND(" + col + ") USING binary), UNHEX(" + fixedHex("MICROSECOND("+col+") * 1000", 4) + "))" +
			" ELSE " + invalidDate(col) + " END"
	case connectors.KindTimestamp:
		// Sessions run with time_zone '+00:00', so a TIMESTAMP reads as
		// its UTC wall clock, as Scan reads it; a datetime marked
		// timestamptz holds one. TO_SECONDS counts the clock's whole
		// seconds from year 0 (the fraction is left out, so the count is
		// floored before 1970 too); 62167219200 of them precede the epoch.
		e = "CASE WHEN " + validDate(col) + " THEN CONCAT(" + tagLiteral(tagTimestamp) + ", UNHEX(CONCAT(" +
			fixedHex("CAST(TO_SECONDS("+col+") - 62167219200 AS SIGNED)", 8) + ", " + fixedHex("MICROSECOND("+col+") * 1000", 4) + ")))" +
			" ELSE " + invalidDate(col) + " END"
	case connectors.KindTime:
		e = "CONCAT(" + tagLiteral(tagDuration) + ", UNHEX(" + fixedHex("CAST(TIME_TO_SEC("+col+") * 1000000000 AS SIGNED)", 8) + "))"
	default:
		return "", noPushdown()
	}
	if !c.Nullable {
		return e, nil
	}
	return "CASE WHEN " + col + " IS NULL THEN " + tagLiteral(tagNull) + " ELSE " + e + " END", nil
}

func noPushdown() error {
	return fmt.Errorf("%w: no exact encoding in SQL for this type", connectors.ErrNoPushdown)
}

// uintSQL encodes an unsigned integer as Scan reads it: int64 up to
// 9223372036854775807, uint64 above.
func uintSQL(col string) string {
	return "CONCAT(IF(" + col + " > 9223372036854775807, " + tagLiteral(tagUint) + ", " + tagLiteral(tagInt) + "), UNHEX(" + fixedHex(col, 8) + "))"
}

// validDate is what connectors.Date.Valid checks, for a date or the date
// of a datetime: years 1..9999 and a day the month has. Zero dates, zero
// days and ALLOW_INVALID_DATES' 2023-02-30 are InvalidDate to Scan. A
// day count maps such a date to another one (2023-03-02) or to NULL, so
// the round trip through TO_DAYS and FROM_DAYS keeps exactly the dates of
// the calendar; the years MariaDB stores never pass 9999.
func validDate(col string) string {
	return "(YEAR(" + col + ") >= 1 AND FROM_DAYS(TO_DAYS(" + col + ")) = DATE(" + col + "))"
}

// dateBytes gives a date's four bytes, year (int16), month and day, as
// CHAR's bytes: one for each argument below 256.
func dateBytes(col string) string {
	return "YEAR(" + col + ") >> 8, YEAR(" + col + ") & 255, MONTH(" + col + "), DAYOFMONTH(" + col + ")"
}

// invalidDate is an InvalidDate holding the text the server prints.
func invalidDate(col string) string {
	return shortText(tagInvalidDate, "CAST(CAST("+col+" AS CHAR) AS BINARY)")
}

// textSQL gives a length-prefixed text value in UTF-8, as the connection
// (utf8mb4) receives it. A utf8mb4 column is sent as stored, so it is
// hashed as stored, without a conversion per row; any other character set
// is converted as the server converts the result set. A value of a
// checked character set that does not convert exactly is the bytes Scan
// reads instead (charset.go).
func textSQL(tag byte, col string, c *connectors.Column) string {
	if c.Charset == "utf8mb4" {
		return lengthPrefixed(tag, "CAST("+col+" AS BINARY)", col)
	}
	bytes := "CAST(CONVERT(" + col + " USING utf8mb4) AS BINARY)"
	e := lengthPrefixed(tag, bytes, bytes)
	if cs := checkedCharset(c); cs != "" {
		raw := "CAST(" + col + " AS BINARY)"
		e = "IF(" + exactTextSQL(col, cs) + ", " + e + ", " + lengthPrefixed(tagBytes, raw, raw) + ")"
	}
	return e
}

// shortText gives a length-prefixed text known to be shorter than 128
// bytes (a decimal's 65 digits, a date's text), whose length is one byte.
func shortText(tag byte, bytes string) string {
	return "CONCAT(" + tagLiteral(tag) + ", CHAR(LENGTH(" + bytes + ") USING binary), " + bytes + ")"
}

// lengthPrefixed gives tag, uvarint(length) and the bytes of a binary
// string expression; sized is an expression with the same LENGTH in bytes.
func lengthPrefixed(tag byte, bytes, sized string) string {
	return "CONCAT(" + tagLiteral(tag) + ", " + uvarintSQL("LENGTH("+sized+")") + ", " + bytes + ")"
}

// uvarintSQL gives the binary string of binary.AppendUvarint for a
// non-negative integer expression below 2^35 (max_allowed_packet bounds
// any value far below): seven bits a byte, low first, the high bit set on
// all but the last. CHAR(v USING binary) is one byte for v < 256.
func uvarintSQL(n string) string {
	var b strings.Builder
	b.WriteString("(CASE")
	for size := 1; size <= 5; size++ {
		var bytes []string
		for i := 0; i < size; i++ {
			v := "((" + n + " >> " + strconv.Itoa(7*i) + ") & 127)"
			if i < size-1 {
				v = "(" + v + " | 128)"
			}
			bytes = append(bytes, "CHAR("+v+" USING binary)")
		}
		expr := "CONCAT(" + strings.Join(bytes, ", ") + ")"
		if size < 5 {
			fmt.Fprintf(&b, " WHEN %s < %d THEN %s", n, 1<<(7*size), expr)
		} else {
			b.WriteString(" ELSE " + expr)
		}
	}
	b.WriteString(" END)")
	return b.String()
}
