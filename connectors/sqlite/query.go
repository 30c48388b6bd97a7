package sqlite

import (
	"context"
	"fmt"
	"strconv"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.Querier = (*snapshot)(nil)

// DescribeQuery reads a SELECT's result columns from a LIMIT 0 run. A
// column that is an expression has no declared type in SQLite; its kind
// is then text, and values pass through in the storage class they have.
func (s *snapshot) DescribeQuery(ctx context.Context, query string) ([]connectors.Column, error) {
	q, err := connectors.CheckSelect(query)
	if err != nil {
		return nil, err
	}
	rows, err := s.conn.QueryContext(ctx, "SELECT * FROM ("+q+") AS regflytt_q LIMIT 0")
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: select: %w", s.path, err)
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: select: %w", s.path, err)
	}
	cols := make([]connectors.Column, len(types))
	for i, ct := range types {
		decl := ct.DatabaseTypeName()
		t := TypeOf(decl)
		if decl == "" {
			t = connectors.Type{Kind: connectors.KindText}
			decl = "(expression)"
		}
		cols[i] = connectors.Column{Name: ct.Name(), Type: t, SourceType: decl, Nullable: true}
	}
	return cols, rows.Err()
}

// ScanQuery streams a SELECT's result in key order.
func (s *snapshot) ScanQuery(ctx context.Context, query string, cols []connectors.Column, opts connectors.ScanOptions) (connectors.Rows, error) {
	q, err := connectors.CheckSelect(query)
	if err != nil {
		return nil, err
	}
	return connectors.NewQueryRows(ctx, &querier{conn: s.conn}, cols, opts, func(columns, key []string, after bool, limit int) (string, error) {
		return connectors.SelectFromQueryLimit(Dialect{}, q, columns, key, after, limit, connectors.BatchQuery{
			RowValues:   true,
			Placeholder: func(i int) string { return "?" + strconv.Itoa(i+1) },
			Select:      func(c string) string { return "+" + c },
		})
	})
}
