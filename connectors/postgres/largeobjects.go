package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
)

// A large object keeps its content in pg_largeobject; the table that owns
// it holds only its number, in an oid column or the lo extension's domain
// over oid. The connector reads such a column as the number's text, so a
// mapping that carries it writes a number that names nothing on the
// receiving platform, and the content is in no outcome. LargeObjects says
// which columns name existing objects, so that verification names them.

// largeObjectColumnsQuery lists the oid and lo columns of the schema's
// base tables ($1), with a count to fill in.
const largeObjectColumnsQuery = `SELECT c.relname::text, a.attname::text, 0::int8
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
  AND (t.oid = 'pg_catalog.oid'::regtype OR (t.typtype = 'd' AND t.typbasetype = 'pg_catalog.oid'::regtype))
ORDER BY 1, 2`

// LargeObjects implements connectors.LargeObjectLister.
func (s *snapshot) LargeObjects(ctx context.Context) ([]connectors.ColumnObjects, error) {
	cols, err := catalogueList[connectors.ColumnObjects](ctx, s, "list large-object columns", largeObjectColumnsQuery)
	if err != nil {
		return nil, err
	}
	var out []connectors.ColumnObjects
	for _, c := range cols {
		q := "SELECT count(*) FROM " + pgx.Identifier{s.db.schema, c.Table}.Sanitize() +
			" WHERE " + pgx.Identifier{c.Column}.Sanitize() + " IN (SELECT oid FROM pg_catalog.pg_largeobject_metadata)"
		if err := s.tx.QueryRow(ctx, q).Scan(&c.Rows); err != nil {
			return nil, s.db.errorf(err, "count the large objects %s.%s names", c.Table, c.Column)
		}
		if c.Rows > 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

var _ connectors.LargeObjectLister = (*snapshot)(nil)
