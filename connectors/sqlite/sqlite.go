// Package sqlite is the embedded default: a connector for SQLite database
// files through the pure-Go modernc.org/sqlite driver, so regflytt runs on
// a machine with no database server and no C compiler.
//
// # URL
//
//	sqlite:///absolute/path/registry.db
//	sqlite://relative/path/registry.db
//
// A source opens the file in read-only mode (mode=ro, query_only), so a
// write is refused by SQLite itself; a target creates the file if needed.
//
// # Types
//
// SQLite stores values by storage class, not by declared type, so this
// connector declares types whose names say the canonical type and whose
// affinity keeps the stored text exact: decimals and JSON are declared
// DECIMAL_TEXT(p,s) and JSON_TEXT because NUMERIC affinity would turn
// "12.50" into the REAL 12.5. A legacy file may hold a value of another
// storage class than its column declares (SQLite's type affinity allows
// 'abc' in an INTEGER column, and stores NUMERIC(10,2) prices as REALs).
// Such a value is read as the declared type when that reading is exact
// and unambiguous: the REAL 0.99 in a NUMERIC(10,2) column is the decimal
// 0.99 (its shortest round-trip form, which no other two-decimal number
// shares); an integer in a REAL column is that double; '2024-01-15
// 00:00:00' in a DATE column is that date. Anything else is handed up as
// it is stored (string, int64, float64 or []byte), and the mapping decides
// its outcome: 0.995 in NUMERIC(10,2), or an integer in a DATE column
// (Unix time? a Julian day? YYYYMMDD?) is refused unless a mapping reads
// it. TypeMap lists every declared type with its edges.
//
// SQLite cannot hold -0.0 (a REAL -0.0 is stored as the integer 0) or
// integers above 9223372036854775807: Dialect.CheckValue refuses them
// (negative_zero, int_range), and so does Tx.Write.
package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"

	_ "modernc.org/sqlite" // the pure-Go driver, registered as "sqlite"
)

// DB is an open SQLite file, usable as a Source and, when opened for
// writing, as a Target.
type DB struct {
	db       *sql.DB
	path     string
	readOnly bool
	// file is the database file as opened (nil for one in memory):
	// CheckLock holds the path to it, since the pool opens connections
	// by path and a file replaced meanwhile would take the later ones.
	file os.FileInfo
	// asWritten says the snapshots read values as the writer stores them
	// (ReadAsWritten).
	asWritten bool
}

var (
	_ connectors.Target          = (*DB)(nil)
	_ connectors.AsWrittenReader = (*DB)(nil)
)

// ReadAsWritten makes the later snapshots read a value as its column's
// type only in the form this connector writes it (decodeAsWritten): a
// verifier reads a receiving database so.
func (d *DB) ReadAsWritten() { d.asWritten = true }

// path reads the file path from a sqlite:// location.
func path(loc *connectors.Location) (string, error) {
	p := loc.URL.Host + loc.URL.Path
	if loc.URL.Opaque != "" {
		p = loc.URL.Opaque
	}
	if p == "" {
		return "", fmt.Errorf("%s: no database file path (want sqlite:///path/to/file.db)", loc)
	}
	return p, nil
}

// OpenSource opens a database file read-only. The file must exist.
func OpenSource(ctx context.Context, loc *connectors.Location) (*DB, error) {
	return open(ctx, loc, true)
}

// OpenTarget opens a database file for writing, creating it if needed.
func OpenTarget(ctx context.Context, loc *connectors.Location) (*DB, error) {
	return open(ctx, loc, false)
}

func open(ctx context.Context, loc *connectors.Location, readOnly bool) (*DB, error) {
	p, err := path(loc)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		q.Set("mode", "ro")
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Set("mode", "rwc")
		q.Set("_txlock", "immediate")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	dsn := "file:" + (&url.URL{Path: p}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", p, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", p, err)
	}
	if readOnly {
		// mode=ro opens a missing file as an empty database on some
		// builds; a source that does not exist is a mistake to report.
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
			db.Close()
			return nil, fmt.Errorf("open sqlite %s: %w", p, err)
		}
	}
	d := &DB{db: db, path: p, readOnly: readOnly}
	if fi, err := os.Stat(p); err == nil {
		d.file = fi
	}
	return d, nil
}

// Dialect returns the SQLite dialect.
func (d *DB) Dialect() connectors.Dialect { return Dialect{} }

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Snapshot begins a read transaction. SQLite's WAL mode gives a reader a
// consistent view from its first read, which Snapshot makes at once.
func (d *DB) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", d.path, err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		conn.Close()
		return nil, fmt.Errorf("sqlite %s: begin snapshot: %w", d.path, err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&n); err != nil {
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		return nil, fmt.Errorf("sqlite %s: begin snapshot: %w", d.path, err)
	}
	return &snapshot{conn: conn, path: d.path, asWritten: d.asWritten}, nil
}

type snapshot struct {
	conn      *sql.Conn
	path      string
	asWritten bool
}

func (s *snapshot) Close() error {
	_, err := s.conn.ExecContext(context.Background(), "ROLLBACK")
	if cerr := s.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *snapshot) Count(ctx context.Context, table string) (int64, error) {
	q, err := Dialect{}.QuoteIdent(table)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := s.conn.QueryRowContext(ctx, "SELECT count(*) FROM "+q).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite %s: count %s: %w", s.path, table, err)
	}
	return n, nil
}

func (s *snapshot) Tables(ctx context.Context) ([]connectors.Table, error) {
	return tables(ctx, s.conn, s.path)
}

// Scan reads by the primary key in keyset pages, and by any other key in
// one ordered query (connectors.StreamedScan): SQLite sorts it once in a
// temporary b-tree, or walks an index that serves the key, instead of
// sorting the table again for every page. The query shares the snapshot's
// connection with the scans open beside it; database/sql takes turns.
func (s *snapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	q := &querier{conn: s.conn, table: t, asWritten: s.asWritten}
	key := opts.Key
	if len(key) == 0 {
		key = t.PrimaryKey
	}
	for _, k := range key {
		q.keyIdx = append(q.keyIdx, t.ColumnIndex(k))
	}
	if !connectors.StreamedScan(t, opts) {
		return connectors.NewKeysetRows(ctx, q, Dialect{}, t, opts)
	}
	query, err := Dialect{}.SelectOrdered(t.Name, columnNames(t), opts.Key, opts.After != nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: table %s: %w", s.path, t.Name, err)
	}
	if opts.After != nil && len(opts.After) != len(opts.Key) {
		return nil, fmt.Errorf("sqlite %s: table %s: resume key has %d values for %d key columns", s.path, t.Name, len(opts.After), len(opts.Key))
	}
	return connectors.NewStreamRows(ctx, q, t, query, opts.After, opts.BatchSize), nil
}

func columnNames(t *connectors.Table) []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// querier runs one keyset batch and drains it into canonical rows.
//
// It binds the next batch's key as SQLite stored the last row's, not as
// it was decoded: affinity lets a TEXT key column hold a BLOB (read as
// text) and a BLOB or untyped one hold TEXT (read as bytes), and SQLite
// orders by storage class first, so a key bound in another class than
// its own resumes elsewhere. A TEXT primary key holding x'61' read as
// "a" resumed before it again, forever; an untyped key holding '1' and
// 'a' read as bytes skipped every text after it. Dates given in another
// text form than the canonical one ('2020-01-01T10:00') resume by the
// text stored too.
type querier struct {
	conn  *sql.Conn
	table *connectors.Table
	// keyIdx are the scan's key columns; lastKey holds the last row's
	// key as decoded and lastRaw as stored, for the next batch.
	keyIdx  []int
	lastKey []connectors.Value
	lastRaw []any
	// asWritten reads with decodeAsWritten.
	asWritten bool
}

func (q *querier) QueryBatch(ctx context.Context, query string, args []connectors.Value, cols []connectors.Column, emit func([]connectors.Value)) error {
	dargs := make([]any, len(args))
	for i, a := range args {
		if len(args) == len(q.lastKey) && sameValue(a, q.lastKey[i]) {
			dargs[i] = q.lastRaw[i]
			continue
		}
		v, err := driverValue(a)
		if err != nil {
			return fmt.Errorf("key value: %w", err)
		}
		dargs[i] = v
	}
	rows, err := q.conn.QueryContext(ctx, query, dargs...)
	if err != nil {
		return err
	}
	defer rows.Close()
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	var last []connectors.Value
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		row := make([]connectors.Value, len(cols))
		for i, c := range cols {
			var v connectors.Value
			var err error
			if q.asWritten {
				v, err = decodeAsWritten(c.Type, raw[i])
			} else {
				v, err = decode(c.Type, raw[i])
			}
			if err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
			row[i] = v
		}
		emit(row)
		last = row
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if last != nil && len(q.keyIdx) > 0 {
		// raw still holds the last row as scanned (database/sql copies
		// bytes it hands to an *any).
		q.lastKey, q.lastRaw = q.lastKey[:0], q.lastRaw[:0]
		for _, ix := range q.keyIdx {
			if ix < 0 || ix >= len(raw) {
				q.lastKey, q.lastRaw = nil, nil
				return nil
			}
			q.lastKey = append(q.lastKey, last[ix])
			q.lastRaw = append(q.lastRaw, raw[ix])
		}
	}
	return nil
}

// sameValue says whether two canonical values are the same value (bytes
// by content), without panicking on a type == cannot compare.
func sameValue(a, b connectors.Value) bool {
	if x, ok := a.([]byte); ok {
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	ta := reflect.TypeOf(a)
	if ta != reflect.TypeOf(b) || (ta != nil && !ta.Comparable()) {
		return false
	}
	return a == b
}

// decode turns what the driver stored into a canonical value for a column
// of type t. SQLite stores a value by its affinity, not its declared type
// (see the package doc and TypeMap): a value whose storage class differs
// from the declaration is read as the declared type where that reading is
// exact and unambiguous, and is otherwise passed up as stored, for the
// mapping to archive (Fit names it wrong_kind) or to read explicitly.
func decode(t connectors.Type, v any) (connectors.Value, error) {
	k := t.Kind
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		switch k {
		case connectors.KindBool:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		case connectors.KindDecimal:
			return connectors.Decimal(strconv.FormatInt(x, 10)), nil
		case connectors.KindFloat:
			// REAL affinity keeps integral values as integers on disk.
			// Beyond ±2^53 a double would round: keep the integer.
			if x >= -1<<53 && x <= 1<<53 {
				return float64(x), nil
			}
		}
		// An integer in a DATE or DATETIME column could be Unix seconds,
		// milliseconds, a Julian day or YYYYMMDD: it is not read as any.
		return x, nil
	case float64:
		if k == connectors.KindDecimal {
			if d, ok := floatDecimal(t, x); ok {
				return d, nil
			}
		}
		// A REAL in a DATE or DATETIME column (a Julian day, or Unix time
		// with a fraction) is passed up as it is, like an integer.
		return x, nil
	case []byte:
		if k == connectors.KindText {
			return string(x), nil
		}
		// A copy, never nil: an empty BLOB is not NULL.
		return append(make([]byte, 0, len(x)), x...), nil
	case string:
		switch k {
		case connectors.KindText:
			return x, nil
		case connectors.KindBytes:
			return []byte(x), nil
		case connectors.KindFloat:
			// REAL affinity has already turned every number SQLite reads
			// into a REAL: text left here ('NaN', '0x1p3', '12,5') is not
			// one, and Go's parser must not read it as one.
			return x, nil
		}
		pv, err := connectors.ParseText(k, dateText(k, x))
		if err != nil {
			// Affinity let text into a typed column: hand it up as text.
			return x, nil
		}
		if bad, ok := pv.(connectors.InvalidDate); ok {
			bad.Raw = x // the text as stored, for the archive
			return bad, nil
		}
		return pv, nil
	}
	return nil, fmt.Errorf("driver returned %T", v)
}

// decodeAsWritten is decode for a receiving database (DB.ReadAsWritten):
// text and bytes are read as the column's type only when stored in the
// form the writer stores that value (driverValue), else passed up as
// stored, so that a value the platform's queries see otherwise differs
// from the expected one too: a BLOB in a TEXT column stays bytes, text in
// a BLOB column text, and a date, time or timestamp in another text than
// its canonical one (a midnight clock, a T, a zone suffix, an upper-case
// UUID) stays that text. Numbers are read as decode reads them: SQLite's
// affinity turns what the writer stores into them (a decimal's text in a
// NUMERIC column becomes a REAL), which is its own form, not another.
func decodeAsWritten(t connectors.Type, v any) (connectors.Value, error) {
	switch x := v.(type) {
	case []byte:
		if t.Kind == connectors.KindText {
			return append(make([]byte, 0, len(x)), x...), nil
		}
	case string:
		d, err := decode(t, v)
		if err != nil {
			return nil, err
		}
		if _, ok := d.(string); ok {
			return d, nil
		}
		if storedAsText(d, x) {
			return d, nil
		}
		return x, nil
	}
	return decode(t, v)
}

// storedAsText says whether the writer stores d as the text x (the text
// driverValue gives it), without making that text a string: it runs for
// every date and timestamp a receiving database holds.
func storedAsText(d connectors.Value, x string) bool {
	switch d.(type) {
	case nil, int64, float64, string, []byte, bool, uint64:
		return false // stored as they are (driverValue), never as text
	}
	var buf [64]byte
	b, err := connectors.AppendText(buf[:0], d)
	return err == nil && string(b) == x
}

// maxExactDigits is how many significant decimal digits every double
// holds exactly (DBL_DIG): two decimals of at most 15 digits never round
// to the same double.
const maxExactDigits = 15

// floatDecimal reads a REAL stored in a column declared NUMERIC or
// DECIMAL(p,s) as the decimal it stands for. NUMERIC affinity stores
// '0.99' (and the literal 0.99) as the REAL 0.99, which is not 0.99
// exactly; its shortest round-trip form is. That form is the value only
// when no other decimal of the column's scale could have become the same
// REAL: it must have at most s decimals, and its integer digits plus s
// must stay within 15, where the spacing of doubles is finer than 10^-s.
// A bare NUMERIC has no declared scale; the value's own decimals count,
// so its significant digits must stay within 15. Anything else (0.995 in
// NUMERIC(10,2), 0.30000000000000004, 1e20 with two decimals) is not read
// as a decimal: it is passed up as the float it is, and refused.
func floatDecimal(t connectors.Type, f float64) (connectors.Decimal, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "", false
	}
	if f == 0 {
		return "0", true // a decimal has no negative zero
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	intDigits, fracDigits, ok := connectors.DecimalDigits(connectors.Decimal(s))
	if !ok {
		return "", false
	}
	scale := t.Scale
	if t.Precision == 0 {
		scale = fracDigits
	}
	if fracDigits > scale {
		return "", false
	}
	// The decimal exponent of the leading digit: the integer digits, or
	// minus the zeros after the point (0.0012 gives -2).
	lead := intDigits
	if intDigits == 0 {
		_, frac, _ := strings.Cut(s, ".")
		lead = -(len(frac) - len(strings.TrimLeft(frac, "0")))
	}
	if lead+scale > maxExactDigits {
		return "", false
	}
	return connectors.Decimal(s), true
}

// dateText widens the text forms SQLite's own date functions write and
// read to the canonical ones, where that is exact: a DATE stored with a
// midnight time ('2024-01-15 00:00:00', as tools that know one timestamp
// type write it) is that date, and a DATETIME or TIME without seconds
// ('2024-01-15 10:30', '10:30') is at :00. Other text is left as it is.
func dateText(k connectors.Kind, s string) string {
	switch k {
	case connectors.KindDate:
		if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
			clock := s[11:]
			frac, hasFrac := strings.CutPrefix(clock, "00:00:00.")
			if clock == "00:00" || clock == "00:00:00" || hasFrac && frac != "" && strings.Trim(frac, "0") == "" {
				return s[:10]
			}
		}
	case connectors.KindDateTime:
		if len(s) == 16 && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' {
			return s + ":00"
		}
	case connectors.KindTime:
		if len(s) == 5 && s[2] == ':' {
			return s + ":00"
		}
	}
	return s
}

// driverValue turns a canonical value into what the driver binds.
func driverValue(v connectors.Value) (any, error) {
	switch x := v.(type) {
	case nil, int64, float64, string, []byte:
		return x, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case uint64:
		return nil, fmt.Errorf("integer above 9223372036854775807 does not fit SQLite's INTEGER")
	}
	b, err := connectors.AppendText(nil, v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// tables reads the catalogue from sqlite_schema and the table pragmas.
func tables(ctx context.Context, conn *sql.Conn, path string) ([]connectors.Table, error) {
	rows, err := conn.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: list tables: %w", path, err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite %s: list tables: %w", path, err)
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite %s: list tables: %w", path, err)
	}
	out := make([]connectors.Table, 0, len(names))
	for _, n := range names {
		t, err := table(ctx, conn, n)
		if err != nil {
			return nil, fmt.Errorf("sqlite %s: table %s: %w", path, n, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func table(ctx context.Context, conn *sql.Conn, name string) (connectors.Table, error) {
	t := connectors.Table{Name: name, RowEstimate: -1}
	rows, err := conn.QueryContext(ctx, "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid", name)
	if err != nil {
		return t, err
	}
	type pkcol struct {
		name string
		pos  int
	}
	var pks []pkcol
	for rows.Next() {
		var col, typ string
		var notnull, pk int
		if err := rows.Scan(&col, &typ, &notnull, &pk); err != nil {
			rows.Close()
			return t, err
		}
		ct := TypeOf(typ)
		t.Columns = append(t.Columns, connectors.Column{Name: col, Type: ct, SourceType: typ, Nullable: notnull == 0 && pk == 0})
		if pk > 0 {
			pks = append(pks, pkcol{col, pk})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return t, err
	}
	t.PrimaryKey = make([]string, len(pks))
	for _, p := range pks {
		t.PrimaryKey[p.pos-1] = p.name
	}
	fks, err := conn.QueryContext(ctx, `SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq`, name)
	if err != nil {
		return t, err
	}
	defer fks.Close()
	byID := map[int]int{}
	for fks.Next() {
		var id int
		var ref, from string
		var to sql.NullString
		if err := fks.Scan(&id, &ref, &from, &to); err != nil {
			return t, err
		}
		i, ok := byID[id]
		if !ok {
			i = len(t.ForeignKeys)
			byID[id] = i
			t.ForeignKeys = append(t.ForeignKeys, connectors.ForeignKey{Name: fmt.Sprintf("fk_%s_%d", name, id), RefTable: ref})
		}
		t.ForeignKeys[i].Columns = append(t.ForeignKeys[i].Columns, from)
		t.ForeignKeys[i].RefColumns = append(t.ForeignKeys[i].RefColumns, to.String)
	}
	if err := fks.Err(); err != nil {
		return t, err
	}
	fks.Close()
	return t, readExtras(ctx, conn, &t)
}

// TypeOf maps a declared SQLite type to a canonical type. Names this
// connector writes map back exactly; other names follow SQLite's affinity
// rules, so an unknown name still gets the kind SQLite itself would use.
func TypeOf(declared string) connectors.Type {
	d := strings.ToUpper(strings.TrimSpace(declared))
	base := d
	if i := strings.IndexByte(base, '('); i >= 0 {
		base = strings.TrimSpace(base[:i])
	}
	switch base {
	case "DECIMAL_TEXT", "DECIMAL", "NUMERIC":
		return decimalType(d[len(base):])
	case "BOOLEAN", "BOOL":
		return connectors.Type{Kind: connectors.KindBool}
	case "DATE":
		return connectors.Type{Kind: connectors.KindDate}
	case "DATETIME", "TIMESTAMP":
		return withPrecision(connectors.KindDateTime, d[len(base):])
	case "TIMESTAMPTZ":
		return withPrecision(connectors.KindTimestamp, d[len(base):])
	case "TIME":
		return withPrecision(connectors.KindTime, d[len(base):])
	case "UUID":
		return connectors.Type{Kind: connectors.KindUUID}
	case "JSON_TEXT", "JSON":
		return connectors.Type{Kind: connectors.KindJSON}
	case "VARCHAR", "CHAR", "NVARCHAR", "NCHAR", "CHARACTER", "VARYING CHARACTER":
		if t, err := connectors.ParseType("varchar" + d[len(base):]); err == nil {
			return t
		}
		return connectors.Type{Kind: connectors.KindText}
	case "REAL32":
		return connectors.Type{Kind: connectors.KindFloat, Bits: 32}
	}
	// SQLite's affinity rules, in their documented order.
	switch {
	case strings.Contains(d, "INT"):
		return connectors.Type{Kind: connectors.KindInt, Bits: 64}
	case strings.Contains(d, "CHAR"), strings.Contains(d, "CLOB"), strings.Contains(d, "TEXT"):
		return connectors.Type{Kind: connectors.KindText}
	case strings.Contains(d, "BLOB"), d == "":
		return connectors.Type{Kind: connectors.KindBytes}
	case strings.Contains(d, "REAL"), strings.Contains(d, "FLOA"), strings.Contains(d, "DOUB"):
		return connectors.Type{Kind: connectors.KindFloat, Bits: 64}
	}
	// NUMERIC affinity: a number of no declared size.
	return connectors.Type{Kind: connectors.KindDecimal}
}

// decimalType reads "(p,s)" as declared, beyond the receiving notation's
// 38 digits too, so a proposal from it says what the column was; without
// a size the decimal is unbounded (Precision 0), as SQLite stores it.
func decimalType(args string) connectors.Type {
	t := connectors.Type{Kind: connectors.KindDecimal}
	inner, ok := strings.CutPrefix(strings.TrimSpace(args), "(")
	if inner, ok = strings.CutSuffix(inner, ")"); !ok {
		return t
	}
	ps, ss, hasScale := strings.Cut(inner, ",")
	p, err1 := strconv.Atoi(strings.TrimSpace(ps))
	s, err2 := 0, error(nil)
	if hasScale {
		s, err2 = strconv.Atoi(strings.TrimSpace(ss))
	}
	if err1 != nil || err2 != nil || p < 1 || s < 0 || s > p {
		return t
	}
	t.Precision, t.Scale = p, s
	return t
}

// withPrecision reads a temporal type's fractional digits. A bare DATETIME,
// TIMESTAMP or TIME, as other programs declare them, says nothing of the
// text it holds, so it gets microseconds: precision 0 would make every
// fractional value a refusal in a receiving schema proposed from it. The
// types this connector writes always carry their digits ("DATETIME(0)").
func withPrecision(k connectors.Kind, args string) connectors.Type {
	t := connectors.Type{Kind: k, Precision: 6}
	if strings.TrimSpace(args) == "" {
		return t
	}
	if pt, err := connectors.ParseType(k.String() + args); err == nil {
		t = pt
	}
	return t
}
