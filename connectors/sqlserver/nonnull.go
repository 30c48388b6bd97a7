package sqlserver

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.NonNullCounter = (*snapshot)(nil)

// CountNonNull counts each column's non-NULL values in one query of the
// snapshot's transaction.
func (s *snapshot) CountNonNull(ctx context.Context, table string, columns []string) ([]int64, error) {
	qt, err := s.d.dialect().QualifiedName(table)
	if err != nil {
		return nil, fmt.Errorf("count non-NULL values of %s: %w", table, err)
	}
	if err := s.checkRowFilter(ctx, table); err != nil {
		return nil, err
	}
	q, err := connectors.CountNonNullQuery(s.d.dialect(), "COUNT_BIG", qt, columns)
	if err != nil {
		return nil, err
	}
	out, err := connectors.ScanInt64s(len(columns), s.conn.QueryRowContext(ctx, q).Scan)
	if err != nil {
		return nil, s.d.classify("count non-NULL values of "+table, err)
	}
	return out, nil
}
