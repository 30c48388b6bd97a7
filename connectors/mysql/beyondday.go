package mysql

import (
	"context"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// CountBeyondDay implements connectors.BeyondDayCounter: MariaDB's TIME
// is a duration, and one pass over the table counts the values of each
// column below 00:00:00 or above 24:00:00 (a NULL is neither).
func (s *snapshot) CountBeyondDay(ctx context.Context, table string, columns []string) ([]int64, error) {
	if s.conn == nil {
		return nil, s.db.errorf("snapshot is closed")
	}
	qt, err := Dialect{}.QuoteIdent(table)
	if err != nil {
		return nil, err
	}
	parts := make([]string, len(columns))
	for i, c := range columns {
		q, err := Dialect{}.QuoteIdent(c)
		if err != nil {
			return nil, err
		}
		parts[i] = "COALESCE(SUM(" + q + " < TIME'00:00:00' OR " + q + " > TIME'24:00:00'), 0)"
	}
	out, err := connectors.ScanInt64s(len(columns), s.conn.QueryRowContext(ctx, "SELECT "+strings.Join(parts, ", ")+" FROM "+qt).Scan)
	if err != nil {
		return nil, s.db.errorf("count time values beyond a day in %s: %w", table, err)
	}
	return out, nil
}
