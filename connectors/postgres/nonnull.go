package postgres

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.NonNullCounter = (*snapshot)(nil)

// CountNonNull counts each column's non-NULL values in one query of the
// snapshot's transaction.
func (s *snapshot) CountNonNull(ctx context.Context, table string, columns []string) ([]int64, error) {
	qt, err := s.db.qualified(table)
	if err != nil {
		return nil, fmt.Errorf("count non-NULL values of %s: %w", table, err)
	}
	q, err := connectors.CountNonNullQuery(Dialect{}, "count", qt, columns)
	if err != nil {
		return nil, err
	}
	out, err := connectors.ScanInt64s(len(columns), s.tx.QueryRow(ctx, q).Scan)
	if err != nil {
		return nil, s.db.errorf(err, "count non-NULL values of %s", table)
	}
	return out, nil
}
