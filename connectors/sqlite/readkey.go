package sqlite

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.KeyCounter = (*snapshot)(nil)

// CountKey counts the table's rows, its rows with a NULL key and its
// rows that repeat a key, in one query of the snapshot's transaction.
func (s *snapshot) CountKey(ctx context.Context, table string, key []string) (connectors.KeyCount, error) {
	qt, err := Dialect{}.QuoteIdent(table)
	if err != nil {
		return connectors.KeyCount{}, err
	}
	q, err := connectors.CountKeyQuery(Dialect{}, "count", qt, key, func(e string) string {
		return "COALESCE(sum(" + e + "), 0)"
	})
	if err != nil {
		return connectors.KeyCount{}, err
	}
	c, err := connectors.ScanKeyCount(s.conn.QueryRowContext(ctx, q).Scan)
	if err != nil {
		return c, fmt.Errorf("sqlite %s: count the keys of %s: %w", s.path, table, err)
	}
	return c, nil
}

var _ connectors.QueryKeyCounter = (*snapshot)(nil)

// CountQueryKey counts, as CountKey does a table's, the rows of a
// select's result, those with a NULL key and those that repeat a key, in
// one query of the snapshot's transaction: the select runs once, grouped.
func (s *snapshot) CountQueryKey(ctx context.Context, query string, key []string) (connectors.KeyCount, error) {
	sel, err := connectors.CheckSelect(query)
	if err != nil {
		return connectors.KeyCount{}, err
	}
	q, err := connectors.CountKeyQuery(Dialect{}, "count", "("+sel+") AS regflytt_q", key, func(e string) string {
		return "COALESCE(sum(" + e + "), 0)"
	})
	if err != nil {
		return connectors.KeyCount{}, err
	}
	c, err := connectors.ScanKeyCount(s.conn.QueryRowContext(ctx, q).Scan)
	if err != nil {
		return c, fmt.Errorf("sqlite %s: count the keys of the select: %w", s.path, err)
	}
	return c, nil
}
