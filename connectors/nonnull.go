package connectors

import (
	"context"
	"fmt"
	"strings"
)

// NonNullCounter is an optional extra of a Snapshot, found by type
// assertion: it counts each column's non-NULL values inside the database,
// in one pass over the table, so that the rows need not cross the wire
// (verify's value equation asks it per receiving table).
type NonNullCounter interface {
	// CountNonNull gives COUNT(column) for each of columns, in order.
	CountNonNull(ctx context.Context, table string, columns []string) ([]int64, error)
}

// CountNonNullQuery is the one query a NonNullCounter runs: count names
// the dialect's counting function (COUNT, or SQL Server's COUNT_BIG),
// qtable the quoted table.
func CountNonNullQuery(d Dialect, count, qtable string, columns []string) (string, error) {
	if len(columns) == 0 {
		return "", fmt.Errorf("count non-NULL values of %s: no column named", qtable)
	}
	parts := make([]string, len(columns))
	for i, c := range columns {
		q, err := d.QuoteIdent(c)
		if err != nil {
			return "", err
		}
		parts[i] = count + "(" + q + ")"
	}
	return "SELECT " + strings.Join(parts, ", ") + " FROM " + qtable, nil
}

// ScanInt64s scans one row of n integers through scan (a QueryRow's Scan).
func ScanInt64s(n int, scan func(dest ...any) error) ([]int64, error) {
	out := make([]int64, n)
	dest := make([]any, n)
	for i := range out {
		dest[i] = &out[i]
	}
	if err := scan(dest...); err != nil {
		return nil, err
	}
	return out, nil
}
