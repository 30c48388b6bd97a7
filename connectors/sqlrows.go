package connectors

import (
	"context"
	"database/sql"
)

// SQLQueryer is what EachRow reads through: a *sql.DB, *sql.Conn or
// *sql.Tx of a dialect that speaks database/sql.
type SQLQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// EachRow runs query with args and calls each for every row, in the order
// the server gives them. It stops at the first error of each and returns
// it; otherwise it returns the rows' own error (a connection lost midway
// is an error, never a short result). The rows are closed either way.
// The dialects read their system catalogues through it.
func EachRow(ctx context.Context, q SQLQueryer, query string, args []any, each func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
