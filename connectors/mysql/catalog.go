package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
)

// The catalogue comes from information_schema in four queries for the
// whole database, not four per table: a legacy platform has hundreds of
// tables, and each information_schema query costs the server a scan of
// its table definitions.
const (
	tablesQuery = "SELECT TABLE_NAME, TABLE_ROWS, TABLE_TYPE FROM information_schema.TABLES " +
		"WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')"
	columnsQuery = "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, CHARACTER_SET_NAME, COLLATION_NAME, IS_NULLABLE, COLUMN_COMMENT " +
		"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION"
	keysQuery = "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME " +
		"FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? " +
		"AND (CONSTRAINT_NAME = 'PRIMARY' OR REFERENCED_TABLE_NAME IS NOT NULL) " +
		"ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"
	// MariaDB's JSON is longtext with a CHECK (json_valid(col)) the server
	// adds; this is how the catalogue tells it from other longtext. MySQL
	// has no TABLE_NAME here (and a real json type): the error is ignored.
	checksQuery = "SELECT TABLE_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ?"
)

// queryer is what the catalogue needs of a connection: a snapshot's
// *sql.Conn or the pool.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// tables reads the catalogue of database schema, sorted by table name.
func tables(ctx context.Context, q queryer, schema string) ([]connectors.Table, error) {
	byName := map[string]*connectors.Table{}
	var names []string
	versioned := map[string]bool{}
	err := each(ctx, q, tablesQuery, schema, func(r *sql.Rows) error {
		var name, typ string
		var est sql.NullInt64
		if err := r.Scan(&name, &est, &typ); err != nil {
			return err
		}
		versioned[name] = typ == versionedTableType
		t := &connectors.Table{Name: name, RowEstimate: -1}
		if est.Valid {
			t.RowEstimate = est.Int64
		}
		byName[name] = t
		names = append(names, name)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	jsonCols := map[[2]string]bool{}
	err = each(ctx, q, checksQuery, schema, func(r *sql.Rows) error {
		var table, clause string
		if err := r.Scan(&table, &clause); err != nil {
			return err
		}
		if col, ok := jsonValidColumn(clause); ok {
			jsonCols[[2]string{table, col}] = true
		}
		return nil
	})
	var myErr *mysql.MySQLError
	// 1054: no TABLE_NAME column (MySQL); 1109: no such table (MariaDB before 10.2).
	if err != nil && !(errors.As(err, &myErr) && (myErr.Number == 1054 || myErr.Number == 1109)) {
		return nil, fmt.Errorf("read check constraints: %w", err)
	}
	err = each(ctx, q, columnsQuery, schema, func(r *sql.Rows) error {
		var table, name, colType, nullable, comment string
		var charset, collation sql.NullString
		if err := r.Scan(&table, &name, &colType, &charset, &collation, &nullable, &comment); err != nil {
			return err
		}
		t := byName[table]
		if t == nil {
			return nil // a view or a sequence
		}
		typ := colType
		if jsonCols[[2]string{table, name}] && strings.HasSuffix(baseType(colType), "text") {
			typ = "json"
		}
		t.Columns = append(t.Columns, connectors.Column{
			Name:       name,
			Type:       TypeOf(typ, comment),
			SourceType: colType,
			Charset:    charset.String,
			Collation:  collation.String,
			Nullable:   nullable == "YES",
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list columns: %w", err)
	}
	fkIndex := map[[2]string]int{}
	err = each(ctx, q, keysQuery, schema, func(r *sql.Rows) error {
		var table, constraint, col string
		var refSchema, refTable, refCol sql.NullString
		if err := r.Scan(&table, &constraint, &col, &refSchema, &refTable, &refCol); err != nil {
			return err
		}
		t := byName[table]
		if t == nil {
			return nil
		}
		if constraint == "PRIMARY" && !refTable.Valid {
			t.PrimaryKey = append(t.PrimaryKey, col)
			return nil
		}
		ref := refTable.String
		if refSchema.Valid && refSchema.String != schema {
			ref = refSchema.String + "." + ref
		}
		k := [2]string{table, constraint}
		i, ok := fkIndex[k]
		if !ok {
			i = len(t.ForeignKeys)
			fkIndex[k] = i
			t.ForeignKeys = append(t.ForeignKeys, connectors.ForeignKey{Name: constraint, RefTable: ref})
		}
		t.ForeignKeys[i].Columns = append(t.ForeignKeys[i].Columns, col)
		t.ForeignKeys[i].RefColumns = append(t.ForeignKeys[i].RefColumns, refCol.String)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	for name := range versioned {
		if versioned[name] {
			dropPeriodEnd(byName[name])
		}
	}
	if err := readExtras(ctx, q, schema, byName); err != nil {
		return nil, err
	}
	// information_schema sorts case-insensitively; the catalogue promises
	// byte order, the same on every dialect.
	sort.Strings(names)
	out := make([]connectors.Table, len(names))
	for i, n := range names {
		out[i] = *byName[n]
	}
	return out, nil
}

// each runs a one-parameter catalogue query and calls fn for every row.
func each(ctx context.Context, q queryer, query, arg string, fn func(*sql.Rows) error) error {
	return connectors.EachRow(ctx, q, query, []any{arg}, fn)
}

// jsonValidColumn recognises the clause MariaDB writes for a JSON column,
// json_valid(`name`), and returns the name.
func jsonValidColumn(clause string) (string, bool) {
	inner, ok := strings.CutPrefix(clause, "json_valid(`")
	if !ok {
		return "", false
	}
	inner, ok = strings.CutSuffix(inner, "`)")
	if !ok {
		return "", false
	}
	return strings.ReplaceAll(inner, "``", "`"), true
}

// baseType gives the lower-case type name of a COLUMN_TYPE: "tinyint" for
// "tinyint(1) unsigned", "enum" for "enum('a','b')".
func baseType(columnType string) string {
	s := strings.TrimSpace(columnType)
	if i := strings.IndexAny(s, "( "); i >= 0 {
		s = s[:i]
	}
	return strings.ToLower(s)
}

// typeArgs gives the numbers in a COLUMN_TYPE's parentheses: [10 2] for
// "decimal(10,2)", nil for "enum('a')" or no parentheses.
func typeArgs(columnType string) []int {
	open := strings.IndexByte(columnType, '(')
	end := strings.IndexByte(columnType, ')')
	if open < 0 || end < open {
		return nil
	}
	var out []int
	for _, a := range strings.Split(columnType[open+1:end], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil {
			return nil
		}
		out = append(out, n)
	}
	return out
}

// TypeOf maps a column's type as information_schema.COLUMNS.COLUMN_TYPE
// prints it ("tinyint(1) unsigned", "decimal(38,10)", "datetime(6)"), and
// its comment, to a canonical type. The comment matters only for the
// markers this connector writes (see Dialect.ColumnType): a tinyint(1)
// marked regflytt:boolean is a boolean, a datetime marked
// regflytt:timestamptz an instant, a binary(16) marked regflytt:uuid a
// UUID. Pass "json" for a text column that the catalogue found under a
// CHECK (json_valid(col)). See TypeMap for each source type's edges.
func TypeOf(columnType, comment string) connectors.Type {
	base := baseType(columnType)
	lower := strings.ToLower(columnType)
	args := typeArgs(columnType)
	arg := func(i, def int) int {
		if i < len(args) {
			return args[i]
		}
		return def
	}
	unsigned := strings.Contains(lower, " unsigned")
	intType := func(bits int) connectors.Type {
		return connectors.Type{Kind: connectors.KindInt, Bits: bits, Unsigned: unsigned}
	}
	switch base {
	case "tinyint", "bool", "boolean":
		if comment == markBoolean && arg(0, 1) == 1 {
			return connectors.Type{Kind: connectors.KindBool}
		}
		return intType(8)
	case "smallint":
		return intType(16)
	case "mediumint":
		return intType(24)
	case "int", "integer":
		return intType(32)
	case "bigint":
		return intType(64)
	case "bit":
		// Read as an unsigned integer of the smallest width that holds n
		// bits (see decodeBit).
		n := arg(0, 1)
		bits := 64
		for _, w := range []int{8, 16, 24, 32} {
			if n <= w {
				bits = w
				break
			}
		}
		return connectors.Type{Kind: connectors.KindInt, Bits: bits, Unsigned: true}
	case "year":
		return connectors.Type{Kind: connectors.KindInt, Bits: 16}
	case "decimal", "numeric", "dec", "fixed":
		return connectors.Type{Kind: connectors.KindDecimal, Precision: arg(0, 10), Scale: arg(1, 0)}
	case "float":
		return connectors.Type{Kind: connectors.KindFloat, Bits: 32}
	case "double", "real":
		return connectors.Type{Kind: connectors.KindFloat, Bits: 64}
	case "date":
		return connectors.Type{Kind: connectors.KindDate}
	case "datetime":
		if comment == markTimestamp {
			return connectors.Type{Kind: connectors.KindTimestamp, Precision: arg(0, 0)}
		}
		return connectors.Type{Kind: connectors.KindDateTime, Precision: arg(0, 0)}
	case "timestamp":
		return connectors.Type{Kind: connectors.KindTimestamp, Precision: arg(0, 0)}
	case "time":
		return connectors.Type{Kind: connectors.KindTime, Precision: arg(0, 0)}
	case "char", "varchar":
		return connectors.Type{Kind: connectors.KindText, Length: arg(0, 1)}
	case "binary":
		if comment == markUUID && arg(0, 1) == 16 {
			return connectors.Type{Kind: connectors.KindUUID}
		}
		return connectors.Type{Kind: connectors.KindBytes, Length: arg(0, 1)}
	case "varbinary":
		return connectors.Type{Kind: connectors.KindBytes, Length: arg(0, 0)}
	case "tinyblob", "blob", "mediumblob", "longblob":
		return connectors.Type{Kind: connectors.KindBytes}
	case "json":
		return connectors.Type{Kind: connectors.KindJSON}
	case "uuid":
		return connectors.Type{Kind: connectors.KindUUID}
	case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
		"multipolygon", "geometrycollection", "geomcollection":
		// The server's own bytes: a 4-byte SRID, then WKB.
		return connectors.Type{Kind: connectors.KindBytes}
	}
	// tinytext … longtext, enum, set, inet4, inet6 and anything newer: the
	// text the server prints.
	return connectors.Type{Kind: connectors.KindText}
}

// extrasQuery lists the columns with a default or AUTO_INCREMENT. MariaDB
// 10.2+ writes a string default quoted ('A'), a number bare, no default as
// the text NULL, and a function as its call (current_timestamp()).
const extrasQuery = "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_DEFAULT, EXTRA FROM information_schema.COLUMNS " +
	"WHERE TABLE_SCHEMA = ? AND (COLUMN_DEFAULT IS NOT NULL OR EXTRA LIKE '%auto_increment%') ORDER BY TABLE_NAME, ORDINAL_POSITION"

// indexesQuery lists the unique and secondary B-tree indexes, the primary
// key's excluded, with their columns in order. An index over a prefix of
// a column (SUB_PART) or a full-text or spatial one is not something the
// receiving notation declares: readExtras leaves it out (the scan lists
// every index).
const indexesQuery = "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, INDEX_TYPE FROM information_schema.STATISTICS " +
	"WHERE TABLE_SCHEMA = ? AND INDEX_NAME <> 'PRIMARY' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"

// readExtras adds defaults, auto-increments and indexes to the tables.
func readExtras(ctx context.Context, q queryer, schema string, byName map[string]*connectors.Table) error {
	err := each(ctx, q, extrasQuery, schema, func(r *sql.Rows) error {
		var table, col, extra string
		var def sql.NullString
		if err := r.Scan(&table, &col, &def, &extra); err != nil {
			return err
		}
		t := byName[table]
		if t == nil {
			return nil
		}
		c := t.Column(col)
		if c == nil {
			return nil
		}
		if strings.Contains(strings.ToLower(extra), "auto_increment") {
			c.Identity = true
			return nil
		}
		if def.Valid && def.String != "NULL" {
			c.Default, _ = connectors.ParseMariaDBDefault(def.String, c.Type.Kind)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list defaults: %w", err)
	}
	type key struct{ table, index string }
	skip := map[key]bool{}
	at := map[key]int{}
	err = each(ctx, q, indexesQuery, schema, func(r *sql.Rows) error {
		var table, index, col, typ string
		var nonUnique int
		var subPart sql.NullInt64
		if err := r.Scan(&table, &index, &nonUnique, &col, &subPart, &typ); err != nil {
			return err
		}
		t := byName[table]
		k := key{table, index}
		if t == nil || skip[k] {
			return nil
		}
		if subPart.Valid || (typ != "BTREE" && typ != "HASH") {
			skip[k] = true
			if i, ok := at[k]; ok {
				t.Indexes = append(t.Indexes[:i], t.Indexes[i+1:]...)
				delete(at, k)
			}
			return nil
		}
		i, ok := at[k]
		if !ok {
			i = len(t.Indexes)
			at[k] = i
			t.Indexes = append(t.Indexes, connectors.Index{Name: index, Unique: nonUnique == 0})
		}
		t.Indexes[i].Columns = append(t.Indexes[i].Columns, col)
		return nil
	})
	if err != nil {
		return fmt.Errorf("list indexes: %w", err)
	}
	return nil
}
