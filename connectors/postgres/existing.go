package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/regflytt/regflytt/connectors"
)

// A column of a nondeterministic collation (CREATE COLLATION ...
// deterministic = false, PostgreSQL 12 and later: an ICU collation at
// strength 2 ignores case, at strength 1 accents too) compares text
// equal that differs in bytes, so a key of it takes 'ABC' and 'abc' for
// one. Create makes every column of the database's default collation,
// which is deterministic (a deterministic collation other than it orders
// otherwise but compares bytes for equality, and keyset reads order and
// continue by the column's own collation alike).
const nondeterministicQuery = `SELECT c.relname::text, a.attname::text, co.collname::text
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE n.nspname = $1 AND c.relname = ANY($2) AND a.attnum > 0 AND NOT a.attisdropped AND NOT co.collisdeterministic
ORDER BY c.relname COLLATE "C", a.attnum`

// CheckExistingTables implements connectors.ExistingTableChecker: a
// difference for each column of tables whose collation is
// nondeterministic.
func (s *snapshot) CheckExistingTables(ctx context.Context, tables []string) ([]connectors.Difference, error) {
	if serverVersion(s.tx.Conn().PgConn().ParameterStatus("server_version")) < 120000 {
		return nil, nil // every collation is deterministic before 12
	}
	rows, err := s.tx.Query(ctx, nondeterministicQuery, s.db.schema, tables)
	if err != nil {
		return nil, s.db.errorf(err, "list collations")
	}
	var out []connectors.Difference
	var table, column, collation string
	_, err = pgx.ForEachRow(rows, []any{&table, &column, &collation}, func() error {
		out = append(out, connectors.Difference{Table: table, Column: column, What: "collation",
			Existing: collation + " (nondeterministic)", Declared: "the database's default"})
		return nil
	})
	if err != nil {
		return nil, s.db.errorf(err, "list collations")
	}
	return out, nil
}

var _ connectors.ExistingTableChecker = (*snapshot)(nil)
