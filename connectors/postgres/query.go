package postgres

import (
	"context"
	"strconv"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.Querier = (*snapshot)(nil)

// DescribeQuery reads a SELECT's result columns from a LIMIT 0 run: names
// and type OIDs from the row description, type text from format_type.
func (s *snapshot) DescribeQuery(ctx context.Context, query string) ([]connectors.Column, error) {
	q, err := connectors.CheckSelect(query)
	if err != nil {
		return nil, err
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	rows, err := s.tx.Query(ctx, "SELECT * FROM ("+q+") AS regflytt_q LIMIT 0")
	if err != nil {
		return nil, s.db.errorf(err, "select")
	}
	fields := rows.FieldDescriptions()
	type field struct {
		name   string
		oid    uint32
		typmod int32
	}
	fs := make([]field, len(fields))
	for i, f := range fields {
		fs[i] = field{f.Name, f.DataTypeOID, f.TypeModifier}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.db.errorf(err, "select")
	}
	cols := make([]connectors.Column, len(fs))
	for i, f := range fs {
		var text string
		if err := s.tx.QueryRow(ctx, "SELECT format_type($1::oid, $2::int)", f.oid, f.typmod).Scan(&text); err != nil {
			return nil, s.db.errorf(err, "select: type of column %s", f.name)
		}
		cols[i] = connectors.Column{Name: f.name, Type: TypeOf(text), SourceType: text, Nullable: true}
	}
	return cols, nil
}

// ScanQuery streams a SELECT's result in key order.
func (s *snapshot) ScanQuery(ctx context.Context, query string, cols []connectors.Column, opts connectors.ScanOptions) (connectors.Rows, error) {
	q, err := connectors.CheckSelect(query)
	if err != nil {
		return nil, err
	}
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	return connectors.NewQueryRows(ctx, &querier{s: s}, cols, opts, func(columns, key []string, after bool, limit int) (string, error) {
		return connectors.SelectFromQueryLimit(Dialect{}, q, columns, key, after, limit, connectors.BatchQuery{
			RowValues:   true,
			Placeholder: func(i int) string { return "$" + strconv.Itoa(i+1) },
		})
	})
}
