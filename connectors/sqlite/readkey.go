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
