package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/regflytt/regflytt/connectors"
)

// otherSchemasQuery counts the base tables of every schema but the one
// the catalogue reads ($1), the server's own (pg_catalog,
// information_schema, pg_toast and the temporary ones), and tables an
// extension created. pg_class lists every table whatever the role may
// read, so a schema the role cannot use is counted too.
const otherSchemasQuery = `SELECT n.nspname::text, count(*)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname <> $1
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
    WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
GROUP BY n.nspname ORDER BY n.nspname`

// OtherSchemas implements connectors.SchemaLister.
func (s *snapshot) OtherSchemas(ctx context.Context) ([]connectors.SchemaTables, error) {
	return catalogueList[connectors.SchemaTables](ctx, s, "list schemas", otherSchemasQuery)
}

// catalogueList runs a catalogue query of the snapshot's schema and
// gives its rows as Ts, column by field in order.
func catalogueList[T any](ctx context.Context, s *snapshot, what, query string) ([]T, error) {
	rows, err := s.tx.Query(ctx, query, s.db.schema)
	if err != nil {
		return nil, s.db.errorf(err, "%s", what)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[T])
	if err != nil {
		return nil, s.db.errorf(err, "%s", what)
	}
	return out, nil
}

// inheritedQuery lists the tables of the schema ($1) that inherit from
// another table of it by INHERITS (a declarative partition is no table of
// the catalogue, and is read as its parent's only).
const inheritedQuery = `SELECT c.relname::text, p.relname::text
FROM pg_catalog.pg_inherits i
JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_catalog.pg_class p ON p.oid = i.inhparent JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
WHERE cn.nspname = $1 AND pn.nspname = $1 AND NOT c.relispartition
ORDER BY 1, 2`

// Inherited implements connectors.InheritanceLister.
func (s *snapshot) Inherited(ctx context.Context) ([]connectors.Inheritance, error) {
	return catalogueList[connectors.Inheritance](ctx, s, "list inherited tables", inheritedQuery)
}
