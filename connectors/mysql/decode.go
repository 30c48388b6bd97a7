package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/regflytt/regflytt/connectors"
)

// Every value arrives as the text the server printed (the text protocol),
// or as raw bytes for binary strings and BIT; a keyset batch, a prepared
// statement, arrives in binary rows, whose numbers and dates binrows.go
// (or the driver) reads, the rest being the same bytes. A decoder, chosen
// once per column from its catalogue entry, turns those bytes into a
// canonical value.

// decoder decodes one non-NULL value. b belongs to the driver and is valid
// only during the call: a decoder copies what it keeps.
type decoder func(b []byte) (connectors.Value, error)

// decoderFor chooses the decoder of a column.
func decoderFor(c *connectors.Column) decoder {
	if checkedCharset(c) != "" {
		return decodeMarked(c.Type.Kind)
	}
	if isEmptyMemberEnum(c) {
		return decodeEnumZero
	}
	switch c.Type.Kind {
	case connectors.KindInt:
		if baseType(c.SourceType) == "bit" {
			return decodeBit
		}
		return decodeInt
	case connectors.KindFloat:
		// FLOAT columns are selected as CAST(col AS DOUBLE) (see
		// floatSelect), so both widths arrive as a double's shortest text.
		return decodeFloat
	case connectors.KindDecimal:
		return decodeDecimal
	case connectors.KindBool:
		return decodeBool
	case connectors.KindBytes:
		return decodeBytes
	case connectors.KindDate:
		return decodeDate
	case connectors.KindDateTime:
		return decodeDateTime
	case connectors.KindTimestamp:
		return decodeTimestamp
	case connectors.KindTime:
		return decodeTime
	case connectors.KindUUID:
		return decodeUUID
	case connectors.KindJSON:
		return func(b []byte) (connectors.Value, error) { return connectors.JSON(b), nil }
	}
	// Text, and every type read as its text (enum, set, inet6, …).
	return decodeText
}

// unsafeString views b as a string without copying, for parsers that keep
// nothing of their input. Never store the result.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func decodeText(b []byte) (connectors.Value, error) { return string(b), nil }

func decodeBytes(b []byte) (connectors.Value, error) {
	// A copy, never nil: an empty BLOB is not NULL.
	return append(make([]byte, 0, len(b)), b...), nil
}

// decodeInt reads a signed or unsigned decimal integer (ZEROFILL columns
// print leading zeros) without allocating for the text.
func decodeInt(b []byte) (connectors.Value, error) {
	neg := len(b) > 0 && b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 {
		return nil, fmt.Errorf("not an integer")
	}
	var u uint64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, fmt.Errorf("not an integer")
		}
		d := uint64(c - '0')
		if u > (math.MaxUint64-d)/10 {
			return nil, fmt.Errorf("integer out of 64-bit range")
		}
		u = u*10 + d
	}
	switch {
	case neg && u <= 1<<63:
		return int64(-u), nil // two's complement: -(1<<63) is MinInt64
	case neg:
		return nil, fmt.Errorf("integer out of 64-bit range")
	case u <= math.MaxInt64:
		return int64(u), nil
	}
	return u, nil
}

// decodeBit reads BIT(n), which the server sends as big-endian bytes, as
// an unsigned integer: int64, or uint64 above MaxInt64 (BIT(64) only).
func decodeBit(b []byte) (connectors.Value, error) {
	if len(b) > 8 {
		return nil, fmt.Errorf("BIT value of %d bytes", len(b))
	}
	var u uint64
	for _, c := range b {
		u = u<<8 | uint64(c)
	}
	if u <= math.MaxInt64 {
		return int64(u), nil
	}
	return u, nil
}

func decodeFloat(b []byte) (connectors.Value, error) {
	f, err := strconv.ParseFloat(unsafeString(b), 64)
	if err != nil {
		return nil, fmt.Errorf("not a floating-point number")
	}
	return f, nil
}

// decodeDecimal keeps the text, scale included, dropping the leading zeros
// a ZEROFILL column prints so that equal numbers are equal values.
func decodeDecimal(b []byte) (connectors.Value, error) {
	d, err := plainDecimal(string(b))
	if err != nil {
		return nil, err
	}
	return d, nil
}

// plainDecimal is decodeDecimal's decimal, of a text the caller gives
// up, before it is boxed.
func plainDecimal(s string) (connectors.Decimal, error) {
	if _, _, ok := connectors.DecimalDigits(connectors.Decimal(s)); !ok {
		return "", fmt.Errorf("not a plain decimal number")
	}
	if len(s) > 1 && s[0] == '0' && s[1] != '.' {
		t := strings.TrimLeft(s, "0")
		if t == "" || t[0] == '.' {
			t = "0" + t
		}
		s = t
	}
	return connectors.Decimal(s), nil
}

func decodeBool(b []byte) (connectors.Value, error) {
	switch unsafeString(b) {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	// Only another writer than regflytt can have put it there.
	return nil, fmt.Errorf("a boolean column (marked %s) holds another value than 0 or 1", markBoolean)
}

// keepRaw copies the text of an InvalidDate, which the parsers take from
// their (unsafe, borrowed) input.
func keepRaw(v connectors.Value, err error) (connectors.Value, error) {
	if d, ok := v.(connectors.InvalidDate); ok {
		d.Raw = strings.Clone(d.Raw)
		return d, nil
	}
	return v, err
}

func decodeDate(b []byte) (connectors.Value, error) {
	return keepRaw(connectors.ParseDateText(unsafeString(b)))
}

func decodeDateTime(b []byte) (connectors.Value, error) {
	return keepRaw(connectors.ParseDateTimeText(unsafeString(b)))
}

// decodeTimestamp reads a TIMESTAMP (printed in the session's +00:00) or a
// datetime marked timestamptz (stored as a UTC wall clock) as an instant.
func decodeTimestamp(b []byte) (connectors.Value, error) {
	v, err := keepRaw(connectors.ParseDateTimeText(unsafeString(b)))
	if dt, ok := v.(connectors.LocalDateTime); ok {
		return dt.Time(), nil
	}
	return v, err
}

func decodeTime(b []byte) (connectors.Value, error) {
	return connectors.ParseDurationText(unsafeString(b))
}

// decodeUUID reads this connector's binary(16) or MariaDB's uuid type,
// which prints the hyphenated text.
func decodeUUID(b []byte) (connectors.Value, error) {
	if len(b) == 16 {
		return connectors.UUID(b), nil
	}
	return connectors.ParseUUID(unsafeString(b))
}

// decodeValue decodes one non-NULL value as the driver returned it: bytes
// for most types (valid only until the driver reads the next row: the
// decoders copy what they keep), but integer and floating-point columns
// the driver parses itself, even in the text protocol.
func decodeValue(src driver.Value, kind connectors.Kind, dec decoder, scratch *[]byte) (connectors.Value, error) {
	switch x := src.(type) {
	case []byte:
		return dec(x)
	case string:
		return dec([]byte(x))
	case int64:
		if kind == connectors.KindInt {
			return src, nil // already boxed: no second allocation
		}
		*scratch = strconv.AppendInt((*scratch)[:0], x, 10)
		return dec(*scratch)
	case uint64:
		if kind == connectors.KindInt {
			if x > math.MaxInt64 {
				return src, nil
			}
			return int64(x), nil
		}
		*scratch = strconv.AppendUint((*scratch)[:0], x, 10)
		return dec(*scratch)
	case float64:
		if kind == connectors.KindFloat {
			return src, nil
		}
		*scratch = strconv.AppendFloat((*scratch)[:0], x, 'g', -1, 64)
		return dec(*scratch)
	case float32:
		// Only a FLOAT selected without the CAST of Scan: the driver
		// parsed the server's six digits.
		if kind == connectors.KindFloat {
			return float64(x), nil
		}
		*scratch = strconv.AppendFloat((*scratch)[:0], float64(x), 'g', -1, 32)
		return dec(*scratch)
	}
	return nil, fmt.Errorf("driver returned %T", src)
}

// querier runs one keyset batch on a snapshot's connection and decodes it.
type querier struct {
	conn     *sql.Conn
	decoders []decoder
	keyCols  []*connectors.Column // in the order of the query's parameters
	// keyNums is, for each of keyCols that is an ENUM or SET, the numbers
	// its labels are stored as (see keyNumbers); nil for the others.
	keyNums []*keyNumbers
	// sortedKeys are the indexes of the key columns whose values are text,
	// bytes or JSON, each checked against sortedKeyBytes (see
	// sortedKeyLength).
	sortedKeys     []int
	sortedKeyNames []string
	dest           []driver.Value
	// text marks the columns decoded as text; prev holds each one's last
	// value, given again for an equal text.
	text []bool
	prev []connectors.Value
	// prevCut marks a prev cut from a binary row's array (rowText),
	// copied before it is given for a later row (decodeWireValue).
	prevCut []bool
	// bytes marks the columns decoded by decodeBytes; arena is where a
	// binary row's texts and byte strings are copied (rowText).
	bytes []bool
	arena []byte
	// bx boxes a binary row's values (boxes.go).
	bx boxes
	// decimal marks the columns decoded by decodeDecimal, which binary
	// rows cut from the arena too.
	decimal []bool
	// warnings: fail a batch the server read with warnings (select:
	// sources, whose SQL is the user's: see noReadWarnings).
	warnings bool
	// quiet says the batch just read by binrows.go was answered with no
	// warning: noReadWarnings need not ask.
	quiet bool
	// scratch holds a number's text for a decoder that reads text (the
	// decoders copy what they keep).
	scratch []byte

	// For the reader of binrows.go: the table (for errors), the command
	// being sent, the column definitions of the prepare and the execute,
	// and where to count which reader ran a batch.
	table              string
	cmd                []byte
	prepCols, execCols []wireColumn
	counts             *readerCounts
}

// readerCounts counts the batches each reader read: binrows.go's on the
// wire, or the driver's; and the batches whose warnings were asked for
// with a round trip of their own (noReadWarnings).
type readerCounts struct{ wire, driver, askedWarnings atomic.Int64 }

// rowSlab is how many rows' values are allocated together: one allocation
// per slab instead of one per row.
const rowSlab = 256

func newQuerier(conn *sql.Conn, counts *readerCounts, t *connectors.Table, key []string) (*querier, error) {
	q := &querier{conn: conn, counts: counts, table: t.Name, decoders: make([]decoder, len(t.Columns))}
	for i := range t.Columns {
		q.decoders[i] = decoderFor(&t.Columns[i])
	}
	if len(key) == 0 {
		key = t.PrimaryKey
	}
	cols := make([]*connectors.Column, len(key))
	for i, k := range key {
		if cols[i] = t.Column(k); cols[i] == nil {
			return nil, fmt.Errorf("table %s: key column %s does not exist", t.Name, k)
		}
	}
	q.keyCols = ExpandKeyArgs(cols)
	nums := make([]*keyNumbers, len(cols))
	for i, c := range cols {
		n, err := enumKeyNumbers(c)
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", t.Name, err)
		}
		nums[i] = n
	}
	q.keyNums = ExpandKeyArgs(nums)
	for _, c := range cols {
		if c.Type.Kind == connectors.KindText || c.Type.Kind == connectors.KindBytes || c.Type.Kind == connectors.KindJSON {
			q.sortedKeys = append(q.sortedKeys, t.ColumnIndex(c.Name))
			q.sortedKeyNames = append(q.sortedKeyNames, c.Name)
		}
	}
	q.dest = make([]driver.Value, len(t.Columns))
	q.prev = make([]connectors.Value, len(t.Columns))
	q.text, q.bytes, q.decimal, q.prevCut = make([]bool, len(t.Columns)), make([]bool, len(t.Columns)), make([]bool, len(t.Columns)), make([]bool, len(t.Columns))
	kinds := make([]connectors.Kind, len(t.Columns))
	for i := range t.Columns {
		// A marked text (charset.go, enumzero.go) is not the text itself;
		// bytes and decimals as decoderFor chooses decodeBytes and
		// decodeDecimal.
		plain := checkedCharset(&t.Columns[i]) == "" && !isEmptyMemberEnum(&t.Columns[i])
		kind := t.Columns[i].Type.Kind
		kinds[i] = kind
		q.text[i] = plain && kind == connectors.KindText
		q.bytes[i] = plain && kind == connectors.KindBytes
		q.decimal[i] = plain && kind == connectors.KindDecimal
	}
	q.bx.wordsPerRow, q.bx.strsPerRow = sizeBoxes(kinds)
	return q, nil
}

func (q *querier) QueryBatch(ctx context.Context, query string, args []connectors.Value, cols []connectors.Column, emit func([]connectors.Value)) error {
	if len(cols) != len(q.decoders) {
		return fmt.Errorf("%d columns asked, %d known", len(cols), len(q.decoders))
	}
	if args != nil {
		expanded := ExpandKeyArgs(args)
		if len(expanded) != len(q.keyCols) {
			return fmt.Errorf("%d key values for %d key columns", len(args), len(q.keyCols))
		}
		lits := make([][]byte, len(expanded))
		for i, a := range expanded {
			var l []byte
			var err error
			if q.keyNums[i] != nil && a != nil {
				l, err = q.keyNums[i].literal(q.keyCols[i], a)
			} else {
				l, err = appendLiteral(nil, a, q.keyCols[i])
			}
			if err != nil {
				return fmt.Errorf("key column %s: %w", q.keyCols[i].Name, err)
			}
			lits[i] = l
		}
		var err error
		if query, err = bindLiterals(query, lits); err != nil {
			return err
		}
	}
	var tooLong error
	if len(q.sortedKeys) > 0 {
		emitAll := emit
		emit = func(row []connectors.Value) {
			if tooLong == nil {
				if tooLong = q.sortedKeyLength(row); tooLong == nil {
					emitAll(row)
				}
			}
		}
	}
	// The driver's rows are read directly: database/sql's Scan would
	// convert every value once more (and take locks per row) only for the
	// decoders to convert it again. The connection stays locked for the
	// whole result, as it is busy with it anyway.
	//
	// The batch runs as a prepared statement, its key values still bound
	// as literals (exact comparisons, as in a plain query): the server
	// then sends binary rows, numbers and dates as they are stored instead
	// of printed, which took four tenths less of its CPU for 1M rows x
	// 12 columns (1.4 against 2.3 CPU-s), and integers and doubles reach
	// the decoders unparsed. Dates, times and decimals still arrive as
	// the same text (the driver prints them as the server would).
	//
	// Where the connection's session allows, the batch is read by
	// binrows.go on the driver's connection instead, with less of
	// regflytt's CPU: the same statement, the same values.
	q.quiet = false
	err := q.conn.Raw(func(dc any) error {
		if w := wireOf(dc); w != nil && w.fast {
			q.counts.wire.Add(1)
			return q.queryWire(ctx, w, query, cols, emit)
		}
		q.counts.driver.Add(1)
		pc, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("the MySQL driver's connection (%T) cannot prepare a query", dc)
		}
		stmt, err := pc.PrepareContext(ctx, query)
		if err != nil {
			return withoutValues(err)
		}
		defer stmt.Close()
		sq, ok := stmt.(driver.StmtQueryContext)
		if !ok {
			return fmt.Errorf("the MySQL driver's statement (%T) cannot run a query", stmt)
		}
		rows, err := sq.QueryContext(ctx, nil)
		if err != nil {
			return withoutValues(err)
		}
		defer rows.Close()
		if got := len(rows.Columns()); got != len(q.dest) {
			return fmt.Errorf("the query gave %d columns, %d asked", got, len(q.dest))
		}
		n := len(q.decoders)
		var slab []connectors.Value
		for {
			if err := rows.Next(q.dest); err != nil {
				if err == io.EOF {
					return nil
				}
				return withoutValues(err)
			}
			if len(slab) < n {
				slab = make([]connectors.Value, n*rowSlab)
			}
			row := slab[:n:n]
			slab = slab[n:]
			for i, dec := range q.decoders {
				if q.dest[i] == nil {
					continue
				}
				// A text equal to the column's previous one is that value
				// again (strings are immutable): no allocation for the
				// repeated notes, codes and statuses registries are full of.
				if q.text[i] {
					if b, ok := q.dest[i].([]byte); ok {
						if s, ok := q.prev[i].(string); ok && s == string(b) {
							row[i] = q.prev[i]
							continue
						}
					}
				}
				v, err := decodeValue(q.dest[i], cols[i].Type.Kind, dec, &q.scratch)
				if err != nil {
					return fmt.Errorf("column %s (%s): %w", cols[i].Name, cols[i].SourceType, err)
				}
				row[i] = v
				if q.text[i] {
					q.prev[i] = v
					if q.prevCut != nil {
						q.prevCut[i] = false
					}
				}
			}
			emit(row)
		}
	})
	if err != nil {
		return err
	}
	if tooLong != nil {
		return tooLong
	}
	// A batch read by binrows.go whose answers counted no warning needs
	// no @@warning_count: a round trip a batch less (the driver drops
	// the count its answers carry, so its batches still ask).
	if q.warnings && !q.quiet {
		return q.noReadWarnings(ctx)
	}
	return nil
}

// sortedKeyBytes is the length from which a text or bytes key value is
// refused in a read by key. The server orders by a value's sort key cut
// at max_sort_length bytes (wholeSortLength), and a sort with a LIMIT (a
// keyset page) gives a utf8mb4 text 4 bytes a character whatever its
// letters: on MariaDB 10.11 keys alike in their first 16384 characters
// came back in any order, and a select: source's pages of one row, each
// the keys after the last one read, kept one of four such keys and
// skipped three (a full sort, a streamed read, kept its order up to
// 65536 bytes for utf8mb4_general_ci, 32768 characters for
// utf8mb4_unicode_ci). Only keys alike that far are read wrong, and every
// one of them is at least this long; refusing a long key is the loud
// side of not knowing whether another one is alike. A collation that
// gives one character several weights (utf8mb4_unicode_ci's ligatures)
// reaches the cut sooner, and is not caught.
const sortedKeyBytes = 65536 / 4

// sortedKeyLength refuses a row whose text, bytes or JSON key value is
// at least sortedKeyBytes long (see there). The value is not quoted:
// keys can be personal data.
func (q *querier) sortedKeyLength(row []connectors.Value) error {
	for k, i := range q.sortedKeys {
		var n int
		switch v := row[i].(type) {
		case string:
			n = len(v)
		case []byte:
			n = len(v)
		case connectors.JSON:
			n = len(v)
		default:
			continue
		}
		if n >= sortedKeyBytes {
			return fmt.Errorf("key column %s holds a value of %d bytes: MariaDB orders values by their first %s bytes of sort key (max_sort_length), %d characters of utf8mb4 text, so keys alike that far would be read out of order and rows skipped; key the read by a shorter column", q.sortedKeyNames[k], n, wholeSortLength, sortedKeyBytes)
		}
	}
	return nil
}

// noReadWarnings fails when the batch just read left warnings. MariaDB
// evaluates a legacy query's conversions loosely and only warns: a join of
// a text reference to an integer key matches '12abc' to 12 (1292), a CAST
// truncates (1292, 1265). Rows read that way are not the source's: only
// the codes are reported, as the messages quote values.
func (q *querier) noReadWarnings(ctx context.Context) error {
	const erWarnISSkippedTable = 1684
	var n int64
	if q.counts != nil {
		q.counts.askedWarnings.Add(1)
	}
	if err := q.conn.QueryRowContext(ctx, "SELECT @@warning_count").Scan(&n); err != nil {
		return fmt.Errorf("read warnings: %w", err)
	}
	if n == 0 {
		return nil
	}
	// Every warning, notes first or not: a LIMIT could list only notes
	// and hide the warning after them.
	rows, err := q.conn.QueryContext(ctx, "SHOW WARNINGS")
	if err != nil {
		return fmt.Errorf("read warnings: %w", err)
	}
	defer rows.Close()
	var codes []string
	var listed int64
	for rows.Next() {
		var level, msg string
		var code int64
		if err := rows.Scan(&level, &code, &msg); err != nil {
			return fmt.Errorf("read warnings: %w", err)
		}
		listed++
		// 1684 says information_schema skipped a table that concurrent
		// DDL was changing (another database's, on a shared server): it
		// changes no value read, and would fail catalogue queries at
		// random.
		if level != "Note" && code != erWarnISSkippedTable && len(codes) < 10 && !slices.Contains(codes, fmt.Sprint(code)) {
			codes = append(codes, fmt.Sprint(code))
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read warnings: %w", err)
	}
	if len(codes) == 0 && listed < n {
		// The server keeps max_error_count of them (pinned high at
		// connect; see maxErrorCount): the rest may be warnings.
		return fmt.Errorf("the server read the select: with %d warning(s) and lists %d of them, all notes: the rows may not be the source's", n, listed)
	}
	if len(codes) == 0 {
		return nil
	}
	return fmt.Errorf("the server read the select: with %d warning(s) (codes %s; 1292 is a value converted with loss, such as text compared with a number, 1265 a truncated value): the rows would not be the source's; make the query's comparisons and casts exact", n, strings.Join(codes, ", "))
}
