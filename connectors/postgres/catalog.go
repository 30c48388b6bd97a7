package postgres

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
)

// The catalogue reads pg_catalog directly (information_schema hides
// typmods and is slow on large schemas): three queries per call, whatever
// the number of tables, all in the snapshot's transaction so the catalogue
// and the rows agree.

// relFilter selects a schema's base tables: ordinary and partitioned
// tables, not their partitions (scanning the parent reads those), views,
// foreign tables or sequences.
const relFilter = `n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition`

const tablesQuery = `SELECT c.oid, c.relname::text, c.reltuples::float8
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ` + relFilter + `
ORDER BY c.relname COLLATE "C"`

// columnsQuery lists the columns with their collation: its name and
// whether it is deterministic. Before PostgreSQL 12 every collation is,
// and pg_collation has no collisdeterministic: read through to_jsonb,
// the absent field is NULL there, so every version takes one query (a
// server version read wrong cannot take a nondeterministic collation
// for deterministic). A column of a domain has the domain's collation
// unless its own COLLATE says otherwise, and attcollation says which;
// the database's default collation is the row named default,
// deterministic (CREATE DATABASE makes no nondeterministic one).
//
// A nondeterministic collation's ICU locale says what it joins
// (und-u-ks-level2 case, sv-u-ks-level1 'ü' and 'y', und-u-kn-true '01'
// and '1'), and its rules (PostgreSQL 16's icu_rules) may join anything:
// both are read the same way, the locale from colliculocale (15, 16),
// colllocale (17) or collcollate (before 15).
// collationColumns are the columns a query reads of a collation co (its
// name, whether it is deterministic, its provider, its ICU locale, and
// whether it has ICU rules) into collationInfo: the catalogue's and a
// select:'s columns read alike.
const collationColumns = `coalesce(co.collname::text, ''),
  coalesce((pg_catalog.to_jsonb(co) ->> 'collisdeterministic')::bool, true),
  coalesce(co.collprovider::text, ''),
  coalesce(nullif(pg_catalog.to_jsonb(co) ->> 'colliculocale', ''), nullif(pg_catalog.to_jsonb(co) ->> 'colllocale', ''), co.collcollate::text, ''),
  coalesce(pg_catalog.to_jsonb(co) ->> 'collicurules', '') <> ''`

const columnsQuery = `SELECT a.attrelid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod),
  a.atttypid, a.attnotnull, ` + collationColumns + `
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE ` + relFilter + ` AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum`

// The base types whose equality is their collation's: text, varchar,
// character (bpchar, which ignores trailing spaces) and name.
const (
	oidName    = 19
	oidText    = 25
	oidBPChar  = 1042
	oidVarchar = 1043
)

// collationOf is a column's Collation: the collation's name and, in
// parentheses, how it compares keys (connectors.KeyBlindness reads it).
// Under a deterministic collation text is equal only byte for byte,
// character(n) but for trailing spaces; a nondeterministic one (an ICU
// collation at a strength that ignores case or accents) joins more, and
// what more its ICU locale says: "(nondeterministic, icu LOCALE)", with
// ", rules" after it when the collation has rules of its own
// (mappings.FoldLimitOf reads them). A column of any other type is
// compared by its type (citext ignores case under a deterministic
// collation; an array or an enum has equalities of its own): empty,
// which KeyBlindness takes for blind.
func collationOf(base uint32, name string, c collationInfo) string {
	switch {
	case name == "":
		return ""
	case !c.deterministic:
		note := "nondeterministic"
		if c.provider == "i" && c.locale != "" {
			note += ", icu " + c.locale
		}
		if c.rules {
			note += ", rules"
		}
		return name + " (" + note + ")"
	case base == oidBPChar:
		return name + " (deterministic, pad space)"
	case base == oidText || base == oidVarchar || base == oidName:
		return name + " (deterministic)"
	}
	return ""
}

// collationInfo is what the catalogue reads of a column's collation
// besides its name.
type collationInfo struct {
	deterministic    bool
	provider, locale string
	rules            bool
}

// keysQuery lists primary and foreign keys with their columns in key
// order (conkey's order, not the table's).
const keysQuery = `SELECT con.conrelid, con.contype::text, con.conname::text,
  ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, i)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.i),
  coalesce(rn.nspname::text, ''), coalesce(rc.relname::text, ''),
  ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, i)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.i)
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE ` + relFilter + ` AND con.contype IN ('p', 'f')
ORDER BY con.conrelid, con.conname COLLATE "C"`

const domainsQuery = `SELECT t.oid, t.typbasetype, pg_catalog.format_type(t.typbasetype, t.typtypmod)
FROM pg_catalog.pg_type t WHERE t.typtype = 'd'`

const encodingQuery = `SELECT pg_catalog.pg_encoding_to_char(encoding)::text FROM pg_catalog.pg_database WHERE datname = current_database()`

// readTables reads the catalogue of one schema.
func readTables(ctx context.Context, tx pgx.Tx, schema string, domains map[uint32]domain) ([]connectors.Table, error) {
	var encoding string
	if err := tx.QueryRow(ctx, encodingQuery).Scan(&encoding); err != nil {
		return nil, fmt.Errorf("read database encoding: %w", err)
	}
	var out []connectors.Table
	index := map[uint32]int{}
	rows, err := tx.Query(ctx, tablesQuery, schema)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	for rows.Next() {
		var oid uint32
		var name string
		var reltuples float64
		if err := rows.Scan(&oid, &name, &reltuples); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list tables: %w", err)
		}
		est := int64(-1) // reltuples is -1 until the first VACUUM or ANALYZE (PostgreSQL 14+)
		if reltuples >= 0 {
			est = int64(math.Round(reltuples))
		}
		index[oid] = len(out)
		out = append(out, connectors.Table{Name: name, RowEstimate: est})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}

	rows, err = tx.Query(ctx, columnsQuery, schema)
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	for rows.Next() {
		var rel, typ uint32
		var name, format, collation string
		var notNull bool
		var ci collationInfo
		if err := rows.Scan(&rel, &name, &format, &typ, &notNull, &collation, &ci.deterministic, &ci.provider, &ci.locale, &ci.rules); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list columns: %w", err)
		}
		i, ok := index[rel]
		if !ok {
			continue // created after the table list was read: not in this snapshot's view
		}
		// A domain reads as its base type; the source type keeps the
		// domain's name, which is what the archive should show.
		base := format
		for n := 0; n < 16; n++ {
			d, ok := domains[typ]
			if !ok {
				break
			}
			typ, base = d.base, d.baseFormat
		}
		col := connectors.Column{Name: name, Type: TypeOf(base), SourceType: format, Nullable: !notNull}
		if col.Type.Kind == connectors.KindText || col.Type.Kind == connectors.KindJSON {
			col.Charset = encoding
		}
		if col.Type.Kind == connectors.KindText {
			col.Collation = collationOf(typ, collation, ci)
		}
		out[i].Columns = append(out[i].Columns, col)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}

	rows, err = tx.Query(ctx, keysQuery, schema)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	for rows.Next() {
		var rel uint32
		var kind, name, refSchema, refTable string
		var cols, refCols []string
		if err := rows.Scan(&rel, &kind, &name, &cols, &refSchema, &refTable, &refCols); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list keys: %w", err)
		}
		i, ok := index[rel]
		if !ok {
			continue
		}
		if kind == "p" {
			out[i].PrimaryKey = cols
			continue
		}
		if refSchema != schema {
			// The catalogue names tables within the schema; a reference
			// outside it says where.
			refTable = refSchema + "." + refTable
		}
		out[i].ForeignKeys = append(out[i].ForeignKeys, connectors.ForeignKey{Name: name, Columns: cols, RefTable: refTable, RefColumns: refCols})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	if err := readExtras(ctx, tx, schema, index, out); err != nil {
		return nil, err
	}
	return out, nil
}

// defaultsQuery lists the columns with a default or an identity: a serial
// column's nextval(…) default is its identity, not a default.
const defaultsQuery = `SELECT a.attrelid, a.attname::text, coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), ''),
  a.attidentity::text <> '' OR coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%'
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE ` + relFilter + ` AND a.attnum > 0 AND NOT a.attisdropped AND (d.adbin IS NOT NULL OR a.attidentity <> '')
ORDER BY a.attrelid, a.attnum`

// indexesQuery lists the unique and secondary indexes over plain columns,
// in column order: not the primary key's, and not those over expressions
// or with a WHERE (the receiving notation cannot declare them; the scan
// lists every index).
const indexesQuery = `SELECT x.indrelid, i.relname::text, x.indisunique,
  ARRAY(SELECT a.attname::text FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(num, o)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.num ORDER BY k.o)
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = x.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ` + relFilter + ` AND NOT x.indisprimary AND x.indexprs IS NULL AND x.indpred IS NULL AND NOT (0 = ANY (x.indkey::int2[]))
ORDER BY x.indrelid, i.relname COLLATE "C"`

// readExtras adds the defaults, identities and indexes to the tables read.
func readExtras(ctx context.Context, tx pgx.Tx, schema string, index map[uint32]int, out []connectors.Table) error {
	rows, err := tx.Query(ctx, defaultsQuery, schema)
	if err != nil {
		return fmt.Errorf("list defaults: %w", err)
	}
	for rows.Next() {
		var rel uint32
		var name, expr string
		var identity bool
		if err := rows.Scan(&rel, &name, &expr, &identity); err != nil {
			rows.Close()
			return fmt.Errorf("list defaults: %w", err)
		}
		i, ok := index[rel]
		if !ok {
			continue
		}
		c := out[i].Column(name)
		if c == nil {
			continue
		}
		if identity {
			c.Identity = true
			continue
		}
		c.Default, _ = connectors.ParseSQLDefault(expr, c.Type.Kind)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list defaults: %w", err)
	}
	rows, err = tx.Query(ctx, indexesQuery, schema)
	if err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rel uint32
		var ix connectors.Index
		if err := rows.Scan(&rel, &ix.Name, &ix.Unique, &ix.Columns); err != nil {
			return fmt.Errorf("list indexes: %w", err)
		}
		if i, ok := index[rel]; ok {
			out[i].Indexes = append(out[i].Indexes, ix)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	return nil
}

// readDomains maps every domain type to its base type.
func readDomains(ctx context.Context, tx pgx.Tx) (map[uint32]domain, error) {
	rows, err := tx.Query(ctx, domainsQuery)
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	defer rows.Close()
	m := map[uint32]domain{}
	for rows.Next() {
		var oid uint32
		var d domain
		if err := rows.Scan(&oid, &d.base, &d.baseFormat); err != nil {
			return nil, fmt.Errorf("list domains: %w", err)
		}
		m[oid] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	return m, nil
}

// TypeOf maps a PostgreSQL type, as pg_catalog.format_type prints it
// ("numeric(10,2)", "character varying(20)", "timestamp(3) without time
// zone", "integer[]"), to the canonical type its values are read as. It
// agrees with the scan's decoders: arrays and every type not named here
// read as text (see TypeMap).
func TypeOf(formatted string) connectors.Type {
	s := strings.ToLower(strings.TrimSpace(formatted))
	if strings.HasSuffix(s, "]") {
		return connectors.Type{Kind: connectors.KindText}
	}
	name, args := s, ""
	if open := strings.IndexByte(s, '('); open >= 0 {
		if end := strings.IndexByte(s[open:], ')'); end > 0 {
			name = strings.TrimSpace(s[:open]) + s[open+end+1:]
			args = s[open+1 : open+end]
		}
	}
	n := func(i, def int) int {
		parts := strings.Split(args, ",")
		if i < len(parts) {
			if v, err := strconv.Atoi(strings.TrimSpace(parts[i])); err == nil {
				return v
			}
		}
		return def
	}
	switch name {
	case "smallint":
		return connectors.Type{Kind: connectors.KindInt, Bits: 16}
	case "integer":
		return connectors.Type{Kind: connectors.KindInt, Bits: 32}
	case "bigint":
		return connectors.Type{Kind: connectors.KindInt, Bits: 64}
	case "real":
		return connectors.Type{Kind: connectors.KindFloat, Bits: 32}
	case "double precision":
		return connectors.Type{Kind: connectors.KindFloat, Bits: 64}
	case "numeric":
		// Unconstrained numeric: precision and scale 0 mean unbounded, and
		// each value keeps the scale it was stored with.
		return connectors.Type{Kind: connectors.KindDecimal, Precision: n(0, 0), Scale: n(1, 0)}
	case "boolean":
		return connectors.Type{Kind: connectors.KindBool}
	case "text", "name":
		return connectors.Type{Kind: connectors.KindText}
	case "character varying", "character":
		return connectors.Type{Kind: connectors.KindText, Length: n(0, 0)}
	case "bytea":
		return connectors.Type{Kind: connectors.KindBytes}
	case "date":
		return connectors.Type{Kind: connectors.KindDate}
	case "timestamp without time zone":
		return connectors.Type{Kind: connectors.KindDateTime, Precision: n(0, 6)}
	case "timestamp with time zone":
		return connectors.Type{Kind: connectors.KindTimestamp, Precision: n(0, 6)}
	case "time without time zone":
		return connectors.Type{Kind: connectors.KindTime, Precision: n(0, 6)}
	case "uuid":
		return connectors.Type{Kind: connectors.KindUUID}
	case "json", "jsonb":
		return connectors.Type{Kind: connectors.KindJSON}
	}
	return connectors.Type{Kind: connectors.KindText}
}
