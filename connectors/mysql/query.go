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
// package doc). The collation of each text column is asked of the
// server (queryCollations).
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
	if err := rows.Err(); err != nil {
		return nil, s.db.errorf("select: %w", err)
	}
	rows.Close()
	if err := s.queryCollations(ctx, q, cols); err != nil {
		return nil, err
	}
	return cols, nil
}

// queryCollations names the collation of each text column of a select:'s
// result, as MariaDB compares it: a column of a table as it is, or one
// computed from it (trim(id), lower(k), concat(k)), carries the
// collation it derives (COLLATION()), where the result metadata the
// driver gives names none, and a key named none was taken for
// untailored: under utf8mb4_danish_ci 'aab' joins 'åb', and a visit so
// spelled was archived as an orphan of the patient the source joins it
// to. COLLATION is asked of the select run to no row, joined to one row
// so that an answer comes.
func (s *snapshot) queryCollations(ctx context.Context, q string, cols []connectors.Column) error {
	var exprs []string
	var at []int
	for i, c := range cols {
		if c.Type.Kind != connectors.KindText {
			continue
		}
		name, err := Dialect{}.QuoteIdent(c.Name)
		if err != nil {
			return s.db.errorf("select: column %s: %w", c.Name, err)
		}
		exprs = append(exprs, "COLLATION(regflytt_r."+name+")")
		at = append(at, i)
	}
	if len(exprs) == 0 {
		return nil
	}
	got := make([]any, len(exprs))
	names := make([]string, len(exprs))
	for i := range names {
		got[i] = &names[i]
	}
	query := "SELECT " + strings.Join(exprs, ", ") + " FROM (SELECT 1) AS regflytt_one LEFT JOIN (SELECT * FROM (" + q + ") AS regflytt_q LIMIT 0) AS regflytt_r ON TRUE"
	if err := s.conn.QueryRowContext(ctx, query).Scan(got...); err != nil {
		return s.db.errorf("select: the collations of its result: %w", withoutValues(err))
	}
	for i, j := range at {
		cols[j].Collation = names[i]
	}
	return nil
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
