package sqlite

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.NonNullCounter = (*snapshot)(nil)

// CountNonNull counts each column's non-NULL values in one query of the
// snapshot's transaction.
func (s *snapshot) CountNonNull(ctx context.Context, table string, columns []string) ([]int64, error) {
	qt, err := Dialect{}.QuoteIdent(table)
	if err != nil {
		return nil, err
	}
	q, err := connectors.CountNonNullQuery(Dialect{}, "count", qt, columns)
	if err != nil {
		return nil, err
	}
	out, err := connectors.ScanInt64s(len(columns), s.conn.QueryRowContext(ctx, q).Scan)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: count non-NULL values of %s: %w", s.path, table, err)
	}
	return out, nil
}
