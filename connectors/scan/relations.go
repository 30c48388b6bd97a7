package scan

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// refBase gives the table name a reference column's name points at
// ("patient" for patient_id), or "" when the name is not one.
func refBase(name string) string {
	n := strings.ToLower(name)
	if base, ok := strings.CutSuffix(n, "_id"); ok && base != "" {
		return base
	}
	return ""
}

// relations lists each table's declared foreign keys and those inferred
// from same-named id columns (besok.patient_id → patient.id or
// patient.patient_id; instans_id → formular_instans.id), and counts
// their orphan rows in the snapshot.
func relations(ctx context.Context, q connectors.Querier, d connectors.Dialect, tables []connectors.Table, rep *Report, log *slog.Logger) error {
	byName := map[string]*connectors.Table{}
	for i := range tables {
		byName[strings.ToLower(tables[i].Name)] = &tables[i]
	}
	for ti := range tables {
		child := &tables[ti]
		tr := rep.Tables[ti]
		covered := map[string]bool{}
		for _, fk := range child.ForeignKeys {
			tr.ForeignKeys = append(tr.ForeignKeys, ForeignKey{Columns: fk.Columns, RefTable: fk.RefTable, RefColumns: fk.RefColumns, Declared: true})
			if len(fk.Columns) == 1 {
				covered[fk.Columns[0]] = true
			}
		}
		for _, c := range child.Columns {
			if covered[c.Name] || (len(child.PrimaryKey) == 1 && child.PrimaryKey[0] == c.Name) {
				continue
			}
			base := refBase(c.Name)
			if base == "" {
				continue
			}
			parent, refCol := inferParent(byName, child, &c, base)
			if parent == nil {
				continue
			}
			tr.ForeignKeys = append(tr.ForeignKeys, ForeignKey{Columns: []string{c.Name}, RefTable: parent.Name, RefColumns: []string{refCol}})
		}
		for i := range tr.ForeignKeys {
			fk := &tr.ForeignKeys[i]
			fk.Orphans = -1
			if q == nil || !tr.Profiled {
				continue
			}
			log.Info("scan: orphans", "table", child.Name, "columns", strings.Join(fk.Columns, ","), "parent", fk.RefTable)
			n, err := countOrphans(ctx, q, d, child, fk)
			if err != nil {
				return fmt.Errorf("scan: table %s: orphans of (%s) → %s: %w", child.Name, strings.Join(fk.Columns, ", "), fk.RefTable, err)
			}
			fk.Orphans = n
		}
	}
	return nil
}

// inferParent finds the one table a reference column names: the table
// called base, else the one table whose name ends in _base; its
// single-column primary key must be id or the column's own name, of the
// same kind.
func inferParent(byName map[string]*connectors.Table, child *connectors.Table, c *connectors.Column, base string) (*connectors.Table, string) {
	var cands []*connectors.Table
	if t := byName[base]; t != nil {
		cands = append(cands, t)
	} else {
		for name, t := range byName {
			if strings.HasSuffix(name, "_"+base) {
				cands = append(cands, t)
			}
		}
	}
	if len(cands) != 1 || cands[0] == child || len(cands[0].PrimaryKey) != 1 {
		return nil, ""
	}
	p := cands[0]
	pk := p.PrimaryKey[0]
	if !strings.EqualFold(pk, "id") && !strings.EqualFold(pk, c.Name) {
		return nil, ""
	}
	pc := p.Column(pk)
	if pc == nil || pc.Type.Kind != c.Type.Kind {
		return nil, ""
	}
	return p, pk
}

// countOrphans counts, in the database, the rows whose reference is not
// NULL and names no parent row, as a run finds them: a text reference
// names its parent only with the same text, byte for byte, however the
// columns' collation compares (see exactEqual).
func countOrphans(ctx context.Context, q connectors.Querier, d connectors.Dialect, child *connectors.Table, fk *ForeignKey) (int64, error) {
	qc, err := d.QuoteIdent(child.Name)
	if err != nil {
		return 0, err
	}
	qp, err := d.QuoteIdent(fk.RefTable)
	if err != nil {
		return 0, err
	}
	var notNull, join []string
	var first string
	for i, c := range fk.Columns {
		cc, err := d.QuoteIdent(c)
		if err != nil {
			return 0, err
		}
		pc, err := d.QuoteIdent(fk.RefColumns[i])
		if err != nil {
			return 0, err
		}
		if i == 0 {
			first = pc
		}
		notNull = append(notNull, "c."+cc+" IS NOT NULL")
		// The database's own equality first, which its indexes serve;
		// the exact one narrows it.
		join = append(join, "p."+pc+" = c."+cc)
		if col := child.Column(c); col != nil && col.Type.Kind == connectors.KindText {
			join = append(join, exactEqual(d.Name(), "p."+pc, "c."+cc))
		}
	}
	// An anti-join, not NOT EXISTS: MariaDB caches a correlated
	// subquery's result under the outer value compared by its collation,
	// so 'ABC' took the answer 'abc' got and the exact condition never
	// ran for it. A reference that matches has a non-NULL p.first.
	query := "SELECT 1 AS k, COUNT(*) AS n FROM " + qc + " c LEFT JOIN " + qp + " p ON " + strings.Join(join, " AND ") +
		" WHERE " + strings.Join(notNull, " AND ") + " AND p." + first + " IS NULL"
	rows, err := queryAll(ctx, q, query, []string{"k"})
	if err != nil {
		return 0, err
	}
	if len(rows) != 1 {
		return 0, fmt.Errorf("count gave %d rows", len(rows))
	}
	return toInt(rows[0][1])
}

// exactEqual gives the condition under which two text columns of a
// dialect hold the same text, as the connectors read it and a run
// compares it: '=' follows the columns' collation, which on MariaDB is
// mostly case- and trailing-space-blind (utf8mb4_general_ci takes 'ABC'
// and 'abc ' for 'abc'), on PostgreSQL may be a nondeterministic ICU one
// or citext, or pads (char(n)), on SQL Server pads always and is mostly
// case-blind, and on SQLite may be NOCASE or RTRIM.
func exactEqual(dialect, p, c string) string {
	switch dialect {
	case "mysql":
		// The text's UTF-8 bytes: two columns of different charsets
		// (latin1 and utf8mb4) holding the same text are equal, as they
		// read; a binary string compares without padding.
		return "CAST(CONVERT(" + p + " USING utf8mb4) AS BINARY) = CAST(CONVERT(" + c + " USING utf8mb4) AS BINARY)"
	case "postgres":
		// ::text leaves citext's operators; "C" compares bytes; char(n)'s
		// padding, which the connector reads and ::text drops, is in
		// octet_length.
		return "(" + p + ")::text COLLATE \"C\" = (" + c + ")::text COLLATE \"C\" AND octet_length(" + p + ") = octet_length(" + c + ")"
	case "sqlserver":
		// The connector reads text as nvarchar: its UTF-16 bytes, the
		// length compared too (binary comparison ignores trailing zero
		// bytes).
		pb, cb := "CAST(CAST("+p+" AS nvarchar(max)) AS varbinary(max))", "CAST(CAST("+c+" AS nvarchar(max)) AS varbinary(max))"
		return pb + " = " + cb + " AND DATALENGTH(" + pb + ") = DATALENGTH(" + cb + ")"
	case "sqlite":
		return p + " = " + c + " COLLATE BINARY"
	}
	return p + " = " + c
}

// queryAll reads a small result (counts, catalogue names) whole.
func queryAll(ctx context.Context, q connectors.Querier, query string, key []string) ([][]connectors.Value, error) {
	cols, err := q.DescribeQuery(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := q.ScanQuery(ctx, query, cols, connectors.ScanOptions{Key: key})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]connectors.Value
	for rows.Next() {
		r := rows.Row()
		cp := make([]connectors.Value, len(r))
		for i, v := range r {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			cp[i] = v
		}
		out = append(out, cp)
	}
	return out, rows.Err()
}

func toInt(v connectors.Value) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case float64:
		return int64(x), nil
	}
	s, _ := connectors.FormatValue(v)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("a count of kind %T is not an integer", v)
	}
	return n, nil
}

// objectQueries are, per dialect, the catalogue queries that list what
// a migration of tables does not carry: views, triggers, routines,
// sequences and (MariaDB) scheduled events,
// and what the receiving-schema notation cannot declare (secondary and
// unique indexes, column defaults, auto-increments). Each gives (kind,
// name) rows, unique, names being table.object where objects are per
// table.
var objectQueries = map[string][]string{
	"sqlite": {
		"SELECT type AS kind, name AS name FROM sqlite_master WHERE type IN ('view', 'trigger')",
		"SELECT 'index' AS kind, m.name || '.' || il.name AS name FROM sqlite_master m, pragma_index_list(m.name) il WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' AND il.origin <> 'pk'",
		"SELECT 'default' AS kind, m.name || '.' || p.name AS name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' AND p.dflt_value IS NOT NULL",
		"SELECT 'auto_increment' AS kind, name AS name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND upper(sql) LIKE '%AUTOINCREMENT%'",
	},
	"postgres": {
		`SELECT DISTINCT 'view'::text AS kind, table_name::text AS name FROM information_schema.views WHERE table_schema = current_schema()
UNION SELECT 'trigger'::text, trigger_name::text FROM information_schema.triggers WHERE trigger_schema = current_schema()
UNION SELECT 'routine'::text, routine_name::text FROM information_schema.routines WHERE routine_schema = current_schema()`,
		// A sequence a serial or identity column owns is that column's
		// auto_increment (below); another one numbers what the
		// application asks it to.
		`SELECT 'sequence'::text AS kind, c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'S'
AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))`,
		`SELECT 'index'::text AS kind, (t.relname || '.' || i.relname)::text AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema() AND NOT x.indisprimary`,
		`SELECT CASE WHEN c.column_default LIKE 'nextval(%' OR c.is_identity = 'YES' THEN 'auto_increment' ELSE 'default' END::text AS kind,
(c.table_name || '.' || c.column_name)::text AS name FROM information_schema.columns c JOIN information_schema.tables t
ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
WHERE c.table_schema = current_schema() AND (c.column_default IS NOT NULL OR c.is_identity = 'YES')`,
	},
	"mysql": {
		`SELECT CAST('view' AS CHAR(20)) AS kind, CAST(TABLE_NAME AS CHAR(200)) AS name FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()
UNION SELECT CAST('trigger' AS CHAR(20)), CAST(TRIGGER_NAME AS CHAR(200)) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
UNION SELECT CAST('routine' AS CHAR(20)), CAST(ROUTINE_NAME AS CHAR(200)) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()
UNION SELECT CAST('sequence' AS CHAR(20)), CAST(TABLE_NAME AS CHAR(200)) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'SEQUENCE'
UNION SELECT CAST('event' AS CHAR(20)), CAST(EVENT_NAME AS CHAR(200)) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()`,
		`SELECT DISTINCT CAST('index' AS CHAR(20)) AS kind, CAST(CONCAT(TABLE_NAME, '.', INDEX_NAME) AS CHAR(200)) AS name
FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY'`,
		// MariaDB reports a column without a default as the text NULL
		// (a string default NULL is quoted, 'NULL').
		`SELECT CAST(CASE WHEN c.EXTRA LIKE '%auto_increment%' THEN 'auto_increment' ELSE 'default' END AS CHAR(20)) AS kind,
CAST(CONCAT(c.TABLE_NAME, '.', c.COLUMN_NAME) AS CHAR(200)) AS name FROM information_schema.COLUMNS c JOIN information_schema.TABLES t
ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME AND t.TABLE_TYPE = 'BASE TABLE'
WHERE c.TABLE_SCHEMA = DATABASE() AND (c.EXTRA LIKE '%auto_increment%' OR c.COLUMN_DEFAULT IS NOT NULL AND c.COLUMN_DEFAULT <> 'NULL')`,
	},
}

// notMigrated lists the catalogue's objects a migration of tables does
// not carry, by kind, with the declared foreign keys of the catalogue.
func notMigrated(ctx context.Context, q connectors.Querier, dialect string, tables []connectors.Table) ([]ObjectGroup, error) {
	var out []ObjectGroup
	idx := map[string]int{}
	add := func(kind, name string) {
		i, ok := idx[kind]
		if !ok {
			i = len(out)
			idx[kind] = i
			out = append(out, ObjectGroup{Kind: kind})
		}
		out[i].Count++
		if len(out[i].Names) < 50 {
			out[i].Names = append(out[i].Names, name)
		}
	}
	for _, t := range tables {
		for _, fk := range t.ForeignKeys {
			add("foreign_key", t.Name+"."+fk.Name)
		}
	}
	if q == nil {
		return out, nil
	}
	for _, query := range objectQueries[dialect] {
		rows, err := queryAll(ctx, q, query, []string{"kind", "name"})
		if err != nil {
			return nil, fmt.Errorf("scan: catalogue objects (views, triggers, routines, indexes, defaults): %w", err)
		}
		for _, r := range rows {
			kind, _ := connectors.FormatValue(r[0])
			name, _ := connectors.FormatValue(r[1])
			add(kind, name)
		}
	}
	return out, nil
}

// sizeQueries give, per dialect, each table's size on the server with its
// indexes, as (name, bytes) rows. SQLite has none that every build
// carries (dbstat is optional), so its tables' sizes stay unknown.
var sizeQueries = map[string]string{
	"postgres": `SELECT c.relname::text AS name, pg_total_relation_size(c.oid)::bigint AS bytes FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`,
	"mysql": `SELECT CAST(TABLE_NAME AS CHAR(200)) AS name, CAST(COALESCE(DATA_LENGTH, 0) + COALESCE(INDEX_LENGTH, 0) AS SIGNED) AS bytes
FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'`,
}

// tableSizes sets each profiled table's SizeBytes from the catalogue, or
// -1 where the dialect cannot tell.
func tableSizes(ctx context.Context, q connectors.Querier, dialect string, rep *Report) error {
	for _, t := range rep.Tables {
		t.SizeBytes = -1
	}
	query, ok := sizeQueries[dialect]
	if q == nil || !ok {
		return nil
	}
	rows, err := queryAll(ctx, q, query, []string{"name", "bytes"})
	if err != nil {
		return fmt.Errorf("scan: table sizes: %w", err)
	}
	size := map[string]int64{}
	for _, r := range rows {
		name, _ := connectors.FormatValue(r[0])
		n, err := toInt(r[1])
		if err != nil {
			return fmt.Errorf("scan: table size of %s: %w", name, err)
		}
		size[name] = n
	}
	for _, t := range rep.Tables {
		if n, ok := size[t.Name]; ok {
			t.SizeBytes = n
		}
	}
	return nil
}
