package connectors

import (
	"context"
	"fmt"
	"strings"
	"unicode"
)

// Querier is implemented by snapshots that can read a SELECT as a source
// (select: in a mapping), in the same read-only snapshot as everything
// else.
type Querier interface {
	// DescribeQuery gives the result columns of a single SELECT without
	// reading its rows.
	DescribeQuery(ctx context.Context, query string) ([]Column, error)
	// ScanQuery streams the result in key order, keyset-paginated like
	// Scan: the query becomes a derived table. cols come from
	// DescribeQuery; opts.Key must name result columns that are unique and
	// not null.
	ScanQuery(ctx context.Context, query string, cols []Column, opts ScanOptions) (Rows, error)
}

// CheckSelect accepts exactly one read-only query: it must start with
// SELECT or WITH and hold no ';' except at its very end (outside quotes
// and comments). It is a first fence; the read-only snapshot is the
// second, which refuses any write a query might still attempt. The query
// is returned without its final ';'.
func CheckSelect(query string) (string, error) {
	q := strings.TrimSpace(query)
	q = strings.TrimRightFunc(strings.TrimSuffix(q, ";"), unicode.IsSpace)
	var words strings.Builder
	inQuote := byte(0)
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case inQuote != 0:
			if c == inQuote {
				inQuote = 0
			}
			continue
		case c == '\'' || c == '"' || c == '`':
			inQuote = c
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			for i < len(q) && q[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return "", fmt.Errorf("select: an unterminated /* comment")
			}
			i += end + 3
			continue
		case c == ';':
			return "", fmt.Errorf("select: only one statement is allowed (a ';' inside the query)")
		}
		if words.Len() < 8 {
			words.WriteByte(c)
		}
	}
	if inQuote != 0 {
		return "", fmt.Errorf("select: an unterminated quote")
	}
	head := strings.ToUpper(strings.TrimSpace(words.String()))
	if !strings.HasPrefix(head, "SELECT") && !strings.HasPrefix(head, "WITH") {
		return "", fmt.Errorf("select: the query must start with SELECT or WITH")
	}
	return q, nil
}

// SelectFromQueryLimit builds "SELECT cols FROM (query) AS regflytt_q
// [WHERE key > after] ORDER BY key LIMIT n" for dialects with LIMIT.
func SelectFromQueryLimit(d Dialect, query string, columns, key []string, after bool, limit int, bq BatchQuery) (string, error) {
	return selectLimit(d, "("+query+") AS regflytt_q", columns, key, after, limit, bq)
}

// NewQueryRows streams a query's result like NewKeysetRows streams a
// table; build gives each batch's SQL.
func NewQueryRows(ctx context.Context, q BatchQuerier, cols []Column, opts ScanOptions, build func(columns, key []string, after bool, limit int) (string, error)) (Rows, error) {
	if len(opts.Key) == 0 {
		return nil, fmt.Errorf("select: name the key columns of its result (key: [...])")
	}
	t := &Table{Name: "select", Columns: cols, PrimaryKey: opts.Key}
	return newKeysetRows(ctx, q, t, opts, build)
}
