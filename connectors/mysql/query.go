package mysql

import (
	"context"
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

var _ connectors.Querier = (*snapshot)(nil)

// DescribeQuery reads a SELECT's result columns from a LIMIT 0 run. The
// result metadata is thinner than the catalogue's (no tinyint(1), no
// charset, no YEAR(2), no ENUM members): text is text, as the connection
// converts it to UTF-8, so the exact reads Scan makes of a table's
// columns (charset.go, year2.go, enumzero.go) are not made here (see the
// package doc).
func (s *snapshot) DescribeQuery(ctx context.Context, query string) ([]connectors.Column, error) {
	q, err := checkQuery(query)
	if err != nil {
		return nil, err
	}
	if s.conn == nil {
		return nil, s.db.errorf("snapshot is closed")
	}
	rows, err := s.conn.QueryContext(ctx, "SELECT * FROM ("+q+") AS regflytt_q LIMIT 0")
	if err != nil {
		return nil, s.db.errorf("select: %w", withoutValues(err))
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, s.db.errorf("select: %w", err)
	}
	cols := make([]connectors.Column, len(types))
	for i, ct := range types {
		name := strings.ToLower(ct.DatabaseTypeName())
		if rest, ok := strings.CutPrefix(name, "unsigned "); ok {
			name = rest + " unsigned"
		}
		switch base := strings.Fields(name)[0]; base {
		case "decimal":
			if p, sc, ok := ct.DecimalSize(); ok {
				name = fmt.Sprintf("decimal(%d,%d)", p, sc)
			}
		case "datetime", "timestamp", "time":
			if _, sc, ok := ct.DecimalSize(); ok && sc > 0 && sc <= 6 {
				name = fmt.Sprintf("%s(%d)", base, sc)
			}
		}
		cols[i] = connectors.Column{Name: ct.Name(), Type: TypeOf(name, ""), SourceType: name, Nullable: true}
	}
	return cols, rows.Err()
}

// checkQuery is connectors.CheckSelect plus one restriction: this package
// binds keyset values by rewriting '?' outside backquotes, so a '?' of the
// query's own (in a string literal) would be taken for a parameter.
func checkQuery(query string) (string, error) {
	q, err := connectors.CheckSelect(query)
	if err != nil {
		return "", err
	}
	if strings.Contains(q, "?") {
		return "", fmt.Errorf("select: a MariaDB select: source may not contain '?' (write CHAR(63) for a literal question mark)")
	}
	return q, nil
}

// ScanQuery streams a SELECT's result in key order.
func (s *snapshot) ScanQuery(ctx context.Context, query string, cols []connectors.Column, opts connectors.ScanOptions) (connectors.Rows, error) {
	q, err := checkQuery(query)
	if err != nil {
		return nil, err
	}
	if s.conn == nil {
		return nil, s.db.errorf("snapshot is closed")
	}
	t := &connectors.Table{Name: "select", Columns: cols, PrimaryKey: opts.Key}
	qr, err := newQuerier(s.conn, &s.db.reads, t, opts.Key)
	if err != nil {
		return nil, err
	}
	qr.warnings = true
	floats := floatColumns(t)
	rows, err := connectors.NewQueryRows(ctx, qr, cols, opts, func(columns, key []string, after bool, limit int) (string, error) {
		return connectors.SelectFromQueryLimit(Dialect{}, q, columns, key, after, limit, connectors.BatchQuery{
			Placeholder: func(int) string { return "?" },
			Select: func(c string) string {
				if floats[c] {
					return "CAST(" + c + " AS DOUBLE)"
				}
				return c
			},
		})
	})
	if err != nil {
		return nil, s.db.errorf("%w", err)
	}
	return &scrubRows{Rows: rows, db: s.db}, nil
}
