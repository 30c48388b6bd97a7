package sqlserver

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

// What the catalogue reads beyond columns and keys: defaults (SQL Server
// writes them in parentheses, ((0)), (N'A'), (getdate())), identity
// columns, and the unique and secondary B-tree indexes over plain columns
// (not filtered, not the primary key's, included columns left out). SQL
// Server is a source only here: nothing creates these on it (no
// ConstraintCreator), and no server runs in CI, so the text is pinned by
// tests and the assembly is tested on rows.
const (
	catalogueDefaultsSQL = `SELECT c.object_id, c.name, ISNULL(dc.definition, N''), c.is_identity
FROM sys.columns AS c
JOIN sys.tables AS t ON t.object_id = c.object_id
LEFT JOIN sys.default_constraints AS dc ON dc.object_id = c.default_object_id
WHERE t.schema_id = SCHEMA_ID(@p1) AND (c.default_object_id <> 0 OR c.is_identity = 1)
ORDER BY c.object_id, c.column_id`

	catalogueIndexesSQL = `SELECT i.object_id, i.name, i.is_unique, c.name
FROM sys.indexes AS i
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
JOIN sys.tables AS t ON t.object_id = i.object_id
WHERE t.schema_id = SCHEMA_ID(@p1) AND i.is_primary_key = 0 AND i.has_filter = 0 AND i.is_hypothetical = 0 AND i.type IN (1, 2)
ORDER BY i.object_id, i.name, ic.key_ordinal`
)

type catDefault struct {
	table      int64
	column     string
	definition string
	identity   bool
}

type catIndex struct {
	table        int64
	name, column string
	unique       bool
}

// readExtras reads the defaults, identities and indexes into cat.
func (cat *catalogue) readExtras(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, catalogueDefaultsSQL, cat.schema)
	if err != nil {
		return fmt.Errorf("defaults: %w", err)
	}
	for rows.Next() {
		var d catDefault
		if err := rows.Scan(&d.table, &d.column, &d.definition, &d.identity); err != nil {
			rows.Close()
			return fmt.Errorf("defaults: %w", err)
		}
		cat.defaults = append(cat.defaults, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("defaults: %w", err)
	}
	rows, err = conn.QueryContext(ctx, catalogueIndexesSQL, cat.schema)
	if err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ix catIndex
		if err := rows.Scan(&ix.table, &ix.name, &ix.unique, &ix.column); err != nil {
			return fmt.Errorf("indexes: %w", err)
		}
		cat.indexes = append(cat.indexes, ix)
	}
	return rows.Err()
}

// buildExtras adds the defaults, identities and indexes to the tables.
func (cat *catalogue) buildExtras(byID map[int64]*connectors.Table) {
	for _, d := range cat.defaults {
		t := byID[d.table]
		if t == nil {
			continue
		}
		c := t.Column(d.column)
		if c == nil {
			continue
		}
		if d.identity {
			c.Identity = true
			continue
		}
		c.Default, _ = connectors.ParseSQLDefault(d.definition, c.Type.Kind)
	}
	for _, ix := range cat.indexes {
		t := byID[ix.table]
		if t == nil {
			continue
		}
		n := len(t.Indexes)
		if n == 0 || t.Indexes[n-1].Name != ix.name {
			t.Indexes = append(t.Indexes, connectors.Index{Name: ix.name, Unique: ix.unique})
			n++
		}
		t.Indexes[n-1].Columns = append(t.Indexes[n-1].Columns, ix.column)
	}
}
