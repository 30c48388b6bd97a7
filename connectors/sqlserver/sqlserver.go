package sqlserver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	mssql "github.com/microsoft/go-mssqldb"

	"github.com/regflytt/regflytt/connectors"
)

// DB is an open SQL Server database, usable as a Source and, when opened
// for writing, as a Target.
type DB struct {
	db       *sql.DB
	cfg      *config
	readOnly bool
}

var _ connectors.Target = (*DB)(nil)

// ErrSnapshotIsolationOff is returned (wrapped) by Snapshot when the
// database does not allow snapshot isolation.
var ErrSnapshotIsolationOff = errors.New("snapshot isolation is not allowed in this database (ALLOW_SNAPSHOT_ISOLATION is OFF)")

// errSnapshotNotAllowed is SQL Server's error 3952, "Snapshot isolation
// transaction failed accessing database … because snapshot isolation is
// not allowed in this database".
const errSnapshotNotAllowed = 3952

// OpenSource opens a database for reading only: Create and Begin refuse
// with connectors.ErrReadOnly, snapshots only read, and the connection
// declares ApplicationIntent=ReadOnly. SQL Server has no read-only session,
// so also give the login no more than db_datareader (see the package doc).
func OpenSource(ctx context.Context, loc *connectors.Location) (*DB, error) {
	return open(ctx, loc, true)
}

// OpenTarget opens a database for writing.
func OpenTarget(ctx context.Context, loc *connectors.Location) (*DB, error) {
	return open(ctx, loc, false)
}

func open(ctx context.Context, loc *connectors.Location, readOnly bool) (*DB, error) {
	cfg, err := parseConfig(loc, readOnly)
	if err != nil {
		return nil, err
	}
	// NewConnector rather than sql.Open("sqlserver", …): it parses the DSN
	// now, and its driver does not rewrite "?" in query text (mssql.go:119).
	connector, err := mssql.NewConnector(cfg.dsn)
	if err != nil {
		return nil, cfg.errorf("connection string: %w", err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, cfg.errorf("connect: %w", err)
	}
	var schemaID sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT SCHEMA_ID(@p1)", cfg.schema).Scan(&schemaID); err != nil {
		db.Close()
		return nil, cfg.errorf("look up schema %s: %w", cfg.schema, err)
	}
	if !schemaID.Valid {
		db.Close()
		return nil, cfg.errorf("schema %s does not exist in database %s (or the login may not see it): %w", cfg.schema, cfg.database, errNoSchema)
	}
	return &DB{db: db, cfg: cfg, readOnly: readOnly}, nil
}

var errNoSchema = errors.New("no such schema")

// Dialect returns SQL Server's dialect, qualifying tables with the URL's
// schema.
func (d *DB) Dialect() connectors.Dialect { return d.dialect() }

func (d *DB) dialect() Dialect { return Dialect{Schema: d.cfg.schema} }

// Close closes the connection pool.
func (d *DB) Close() error { return d.db.Close() }

// Snapshot begins a transaction at SNAPSHOT isolation on a connection of
// its own: every read sees the database as it was at the snapshot's first
// read, without blocking the legacy platform's writers or being blocked by
// them. The database must allow it (ALTER DATABASE … SET
// ALLOW_SNAPSHOT_ISOLATION ON); Snapshot says so when it does not.
//
// go-mssqldb refuses TxOptions.ReadOnly (mssql.go:1306), so the
// transaction is begun in T-SQL; a snapshot issues only SELECTs and always
// ends in ROLLBACK.
func (d *DB) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	s, err := d.beginSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// beginSnapshot is Snapshot, for a streamed scan's own snapshot too.
func (d *DB) beginSnapshot(ctx context.Context) (*snapshot, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, d.cfg.errorf("snapshot: %w", err)
	}
	fail := func(err error) (*snapshot, error) {
		conn.ExecContext(context.Background(), "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION")
		conn.Close()
		return nil, err
	}
	var state sql.NullInt64
	var name string
	if err := conn.QueryRowContext(ctx, "SELECT snapshot_isolation_state, name FROM sys.databases WHERE database_id = DB_ID()").Scan(&state, &name); err != nil {
		return fail(d.cfg.errorf("snapshot: read snapshot_isolation_state: %w", err))
	}
	// 1 is ON; 0 OFF, 2 and 3 on the way between.
	if state.Int64 != 1 {
		return fail(d.snapshotOff(name, ErrSnapshotIsolationOff))
	}
	if _, err := conn.ExecContext(ctx, "SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION"); err != nil {
		return fail(d.cfg.errorf("snapshot: begin: %w", err))
	}
	// A snapshot transaction's version is fixed by its first statement
	// that reads data, not by BEGIN TRANSACTION; read now, so the snapshot
	// is the database as of this call. (That a catalogue view's read fixes
	// it is still to be confirmed on a server; if it does not, the first
	// Tables, Count or Scan does, and every read of the run still shares
	// one snapshot.) The read also surfaces error 3952 here, not later.
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT COUNT_BIG(*) FROM sys.tables").Scan(&n); err != nil {
		return fail(d.classify("snapshot: first read", err))
	}
	return &snapshot{conn: conn, d: d}, nil
}

func (d *DB) snapshotOff(database string, err error) error {
	q, qerr := Dialect{}.QuoteIdent(database)
	if qerr != nil {
		q = "<database>"
	}
	return d.cfg.errorf("%w; a DBA can allow it with ALTER DATABASE %s SET ALLOW_SNAPSHOT_ISOLATION ON (it lets readers see a consistent snapshot without blocking writers; it does not change how the registry's own sessions read)", err, q)
}

// classify wraps an error from a snapshot's read, turning SQL Server's
// "snapshot isolation is not allowed" into ErrSnapshotIsolationOff with
// advice.
func (d *DB) classify(what string, err error) error {
	var me mssql.Error
	if errors.As(err, &me) && me.Number == errSnapshotNotAllowed {
		return d.snapshotOff(d.cfg.database, fmt.Errorf("%s: %w (%w)", what, ErrSnapshotIsolationOff, err))
	}
	return d.cfg.errorf("%s: %w", what, err)
}

type snapshot struct {
	conn    *sql.Conn
	d       *DB
	closed  bool
	filters *rowFilters // read on the first read of a table (checkRowFilter)
}

// Close rolls the transaction back and hands the connection back to the
// pool at the default isolation level (sp_reset_connection, which the
// driver requests on reuse, is not relied on for that).
func (s *snapshot) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	_, err := s.conn.ExecContext(context.Background(), "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
	if cerr := s.conn.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return s.d.cfg.errorf("close snapshot: %w", err)
	}
	return nil
}

func (s *snapshot) Count(ctx context.Context, table string) (int64, error) {
	qt, err := s.d.dialect().QualifiedName(table)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	if err := s.checkRowFilter(ctx, table); err != nil {
		return 0, err
	}
	var n int64
	if err := s.conn.QueryRowContext(ctx, "SELECT COUNT_BIG(*) FROM "+qt).Scan(&n); err != nil {
		return 0, s.d.classify("count "+table, err)
	}
	return n, nil
}

func (s *snapshot) Tables(ctx context.Context) ([]connectors.Table, error) {
	cat, err := readCatalogue(ctx, s.conn, s.d.cfg.schema)
	if err != nil {
		return nil, s.d.classify("catalogue", err)
	}
	return cat.build(), nil
}

// Scan streams a table in key order: by its primary key through
// ScanQuery's keyset queries, by any other key in one ordered query
// (stream).
func (s *snapshot) Scan(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions) (connectors.Rows, error) {
	key := opts.Key
	if len(key) == 0 {
		key = t.PrimaryKey
	}
	keyCols, err := keyColumns(t, key)
	if err != nil {
		return nil, err
	}
	if err := s.checkRowFilter(ctx, t.Name); err != nil {
		return nil, err
	}
	if connectors.StreamedScan(t, opts) {
		return s.stream(ctx, t, opts, keyCols)
	}
	q := &querier{s: s, keyCols: keyCols}
	return connectors.NewKeysetRows(ctx, q, tableDialect{s.d.dialect(), t}, t, opts)
}

func keyColumns(t *connectors.Table, key []string) ([]*connectors.Column, error) {
	keyCols := make([]*connectors.Column, len(key))
	for i, k := range key {
		if keyCols[i] = t.Column(k); keyCols[i] == nil {
			return nil, fmt.Errorf("table %s: key column %s does not exist", t.Name, k)
		}
	}
	return keyCols, nil
}

// stream reads a table by a key other than its primary key in one
// ordered query (Dialect.OrderedScanQuery, see connectors.StreamedScan):
// a keyset page by a key no index serves would sort the whole table for
// each page. The driver reads the result as it arrives. An open result
// holds its connection until it is read to the end (go-mssqldb has no
// MARS), and the snapshot's connection must stay free for the scans
// beside it (a form store's entities), so the stream reads on a
// connection of its own, in a snapshot transaction of its own begun when
// the scan starts: SQL Server cannot share one snapshot between sessions.
// A source written to during the run makes verification fail, as any
// change between the run's and verify's snapshots does; migrations run in
// a freeze window.
func (s *snapshot) stream(ctx context.Context, t *connectors.Table, opts connectors.ScanOptions, keyCols []*connectors.Column) (connectors.Rows, error) {
	if opts.After != nil && len(opts.After) != len(opts.Key) {
		return nil, s.d.cfg.errorf("table %s: resume key has %d values for %d key columns", t.Name, len(opts.After), len(opts.Key))
	}
	query, err := s.d.dialect().OrderedScanQuery(t, opts.Key, opts.After != nil)
	if err != nil {
		return nil, err
	}
	own, err := s.d.beginSnapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.Name, err)
	}
	rows := connectors.NewStreamRows(ctx, &querier{s: own, keyCols: keyCols}, t, query, opts.After, opts.BatchSize)
	return &closeRows{Rows: rows, close: own.Close}, nil
}

// closeRows ends a stream's own snapshot when the stream closes (after
// the stream's goroutine is done with its connection).
type closeRows struct {
	connectors.Rows
	close func() error
	done  bool
}

func (r *closeRows) Close() error {
	err := r.Rows.Close()
	if !r.done {
		r.done = true
		if cerr := r.close(); err == nil {
			err = cerr
		}
	}
	return err
}

// tableDialect hands NewKeysetRows the typed ScanQuery of one table in
// place of the name-only SelectBatch.
type tableDialect struct {
	Dialect
	t *connectors.Table
}

func (td tableDialect) SelectBatch(table string, columns, key []string, after bool, limit int) (string, error) {
	if table != td.t.Name || len(columns) != len(td.t.Columns) {
		return "", fmt.Errorf("table %s: scan query asked for another table's columns", table)
	}
	return td.ScanQuery(td.t, key, after, limit)
}

// querier runs one keyset batch on the snapshot's connection and drains
// it into canonical rows.
type querier struct {
	s       *snapshot
	keyCols []*connectors.Column
}

func (q *querier) QueryBatch(ctx context.Context, query string, args []connectors.Value, cols []connectors.Column, emit func([]connectors.Value)) error {
	if len(args) != 0 && len(args) != len(q.keyCols) {
		return fmt.Errorf("%d key values for %d key columns", len(args), len(q.keyCols))
	}
	dargs := make([]any, len(args))
	for i, a := range args {
		v, err := encode(q.keyCols[i].Type.Kind, a)
		if err != nil {
			return fmt.Errorf("key column %s: %w", q.keyCols[i].Name, err)
		}
		dargs[i] = v
	}
	rows, err := q.s.conn.QueryContext(ctx, query, dargs...)
	if err != nil {
		return q.s.d.classify("query", err)
	}
	defer rows.Close()
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return q.s.d.cfg.errorf("read row: %w", err)
		}
		row := make([]connectors.Value, len(cols))
		for i := range cols {
			v, err := decode(&cols[i], raw[i])
			if err != nil {
				return err
			}
			row[i] = v
		}
		emit(row)
	}
	if err := rows.Err(); err != nil {
		return q.s.d.classify("read rows", err)
	}
	return nil
}

// The catalogue: five queries over the schema's tables, assembled in Go so
// that the assembly is testable without a server. Each takes the schema
// name as @p1.
const (
	catalogueTablesSQL = `SELECT t.object_id, t.name FROM sys.tables AS t
WHERE t.schema_id = SCHEMA_ID(@p1) AND t.is_ms_shipped = 0`

	// An alias type (CREATE TYPE … FROM, sysname included) is reported by
	// its base type; system CLR types (hierarchyid, geometry, geography)
	// by their own name. COLLATIONPROPERTY returns sql_variant; the CAST
	// keeps it an int.
	catalogueColumnsSQL = `SELECT c.object_id, c.name,
  CASE WHEN ut.is_assembly_type = 0 AND ut.user_type_id <> ut.system_type_id THEN bt.name ELSE ut.name END,
  c.max_length, c.precision, c.scale, c.is_nullable, c.collation_name,
  CAST(COLLATIONPROPERTY(c.collation_name, 'CodePage') AS int)
FROM sys.columns AS c
JOIN sys.tables AS t ON t.object_id = c.object_id
JOIN sys.types AS ut ON ut.user_type_id = c.user_type_id
LEFT JOIN sys.types AS bt ON bt.user_type_id = ut.system_type_id
WHERE t.schema_id = SCHEMA_ID(@p1) AND t.is_ms_shipped = 0
ORDER BY c.object_id, c.column_id`

	cataloguePrimaryKeysSQL = `SELECT ic.object_id, c.name
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.tables AS t ON t.object_id = i.object_id
WHERE i.is_primary_key = 1 AND ic.key_ordinal > 0 AND t.schema_id = SCHEMA_ID(@p1)
ORDER BY ic.object_id, ic.key_ordinal`

	catalogueForeignKeysSQL = `SELECT fk.parent_object_id, fk.name, pc.name, SCHEMA_NAME(rt.schema_id), rt.name, rc.name
FROM sys.foreign_keys AS fk
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.columns AS pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.tables AS rt ON rt.object_id = fkc.referenced_object_id
JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
WHERE t.schema_id = SCHEMA_ID(@p1)
ORDER BY fk.parent_object_id, fk.name, fkc.constraint_column_id`

	// Heap (0) or clustered index (1): each row counted once.
	catalogueRowEstimatesSQL = `SELECT p.object_id, SUM(p.rows)
FROM sys.partitions AS p
JOIN sys.tables AS t ON t.object_id = p.object_id
WHERE p.index_id IN (0, 1) AND t.schema_id = SCHEMA_ID(@p1)
GROUP BY p.object_id`

	catalogueChecksSQL = `SELECT cc.parent_object_id, c.name, cc.definition
FROM sys.check_constraints AS cc
JOIN sys.columns AS c ON c.object_id = cc.parent_object_id AND c.column_id = cc.parent_column_id
JOIN sys.tables AS t ON t.object_id = cc.parent_object_id
WHERE cc.parent_column_id <> 0 AND cc.is_disabled = 0 AND t.schema_id = SCHEMA_ID(@p1)`
)

// catalogue is the catalogue queries' rows.
type catalogue struct {
	schema    string
	tables    []catTable
	columns   []catColumn
	keys      []catKey
	fks       []catFK
	estimates map[int64]int64
	checks    []catCheck
	defaults  []catDefault
	indexes   []catIndex
}

type catTable struct {
	id   int64
	name string
}

type catColumn struct {
	table                       int64
	name, typeName              string
	maxLength, precision, scale int
	nullable                    bool
	collation                   string
	codePage                    int
}

type catKey struct {
	table  int64
	column string
}

type catFK struct {
	table                                        int64
	name, column, refSchema, refTable, refColumn string
}

type catCheck struct {
	table              int64
	column, definition string
}

func readCatalogue(ctx context.Context, conn *sql.Conn, schema string) (*catalogue, error) {
	cat := &catalogue{schema: schema, estimates: map[int64]int64{}}
	query := func(what, q string, scan func(*sql.Rows) error) error {
		rows, err := conn.QueryContext(ctx, q, schema)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	err := query("tables", catalogueTablesSQL, func(r *sql.Rows) error {
		var t catTable
		err := r.Scan(&t.id, &t.name)
		cat.tables = append(cat.tables, t)
		return err
	})
	if err == nil {
		err = query("columns", catalogueColumnsSQL, func(r *sql.Rows) error {
			var c catColumn
			var collation sql.NullString
			var codePage sql.NullInt64
			err := r.Scan(&c.table, &c.name, &c.typeName, &c.maxLength, &c.precision, &c.scale, &c.nullable, &collation, &codePage)
			c.collation, c.codePage = collation.String, int(codePage.Int64)
			cat.columns = append(cat.columns, c)
			return err
		})
	}
	if err == nil {
		err = query("primary keys", cataloguePrimaryKeysSQL, func(r *sql.Rows) error {
			var k catKey
			err := r.Scan(&k.table, &k.column)
			cat.keys = append(cat.keys, k)
			return err
		})
	}
	if err == nil {
		err = query("foreign keys", catalogueForeignKeysSQL, func(r *sql.Rows) error {
			var f catFK
			err := r.Scan(&f.table, &f.name, &f.column, &f.refSchema, &f.refTable, &f.refColumn)
			cat.fks = append(cat.fks, f)
			return err
		})
	}
	if err == nil {
		err = query("row estimates", catalogueRowEstimatesSQL, func(r *sql.Rows) error {
			var id int64
			var n sql.NullInt64
			err := r.Scan(&id, &n)
			if n.Valid {
				cat.estimates[id] = n.Int64
			}
			return err
		})
	}
	if err == nil {
		err = query("check constraints", catalogueChecksSQL, func(r *sql.Rows) error {
			var c catCheck
			err := r.Scan(&c.table, &c.column, &c.definition)
			cat.checks = append(cat.checks, c)
			return err
		})
	}
	if err == nil {
		err = cat.readExtras(ctx, conn)
	}
	if err != nil {
		return nil, err
	}
	return cat, nil
}

// build assembles the catalogue's rows into tables sorted by name.
func (cat *catalogue) build() []connectors.Table {
	byID := make(map[int64]*connectors.Table, len(cat.tables))
	out := make([]connectors.Table, len(cat.tables))
	for i, t := range cat.tables {
		out[i] = connectors.Table{Name: t.name, RowEstimate: -1}
	}
	for i, t := range cat.tables {
		byID[t.id] = &out[i]
		if n, ok := cat.estimates[t.id]; ok {
			out[i].RowEstimate = n
		}
	}
	type colKey struct {
		table  int64
		column string
	}
	checks := map[colKey][]string{}
	for _, c := range cat.checks {
		k := colKey{c.table, c.column}
		checks[k] = append(checks[k], c.definition)
	}
	for _, c := range cat.columns {
		t := byID[c.table]
		if t == nil {
			continue // a table created between the two queries
		}
		st := formatSourceType(c.typeName, c.maxLength, c.precision, c.scale, c.collation)
		typ := refineType(TypeOf(st), st, c.name, checks[colKey{c.table, c.name}])
		t.Columns = append(t.Columns, connectors.Column{
			Name:       c.name,
			Type:       typ,
			SourceType: st,
			Charset:    charsetOf(c.typeName, c.codePage),
			Collation:  c.collation,
			Nullable:   c.nullable,
		})
	}
	for _, k := range cat.keys {
		if t := byID[k.table]; t != nil {
			t.PrimaryKey = append(t.PrimaryKey, k.column)
		}
	}
	for _, f := range cat.fks {
		t := byID[f.table]
		if t == nil {
			continue
		}
		ref := f.refTable
		if f.refSchema != cat.schema {
			ref = f.refSchema + "." + f.refTable
		}
		n := len(t.ForeignKeys)
		if n == 0 || t.ForeignKeys[n-1].Name != f.name {
			t.ForeignKeys = append(t.ForeignKeys, connectors.ForeignKey{Name: f.name, RefTable: ref})
			n++
		}
		fk := &t.ForeignKeys[n-1]
		fk.Columns = append(fk.Columns, f.column)
		fk.RefColumns = append(fk.RefColumns, f.refColumn)
	}
	cat.buildExtras(byID)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
