package postgres

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

var (
	_ connectors.KeyCounter      = (*snapshot)(nil)
	_ connectors.KeyOrderChecker = (*snapshot)(nil)
)

// CountKey counts the table's rows, its rows with a NULL key and its
// rows that repeat a key, in one query of the snapshot's transaction.
func (s *snapshot) CountKey(ctx context.Context, table string, key []string) (connectors.KeyCount, error) {
	qt, err := s.db.qualified(table)
	if err != nil {
		return connectors.KeyCount{}, fmt.Errorf("count the keys of %s: %w", table, err)
	}
	q, err := connectors.CountKeyQuery(Dialect{}, "count", qt, key, func(e string) string {
		return "CAST(COALESCE(sum(" + e + "), 0) AS bigint)"
	})
	if err != nil {
		return connectors.KeyCount{}, err
	}
	c, err := connectors.ScanKeyCount(s.tx.QueryRow(ctx, q).Scan)
	if err != nil {
		return c, s.db.errorf(err, "count the keys of %s", table)
	}
	return c, nil
}

// CheckKeyOrder is the check Scan makes of a keyset read's key
// (checkTableKeyOrder), for a caller that asks before reading.
func (s *snapshot) CheckKeyOrder(ctx context.Context, table string, key []string) error {
	if err := s.load(ctx); err != nil {
		return err
	}
	return s.checkTableKeyOrder(ctx, table, key)
}

// CheckQueryKeyOrder is the check ScanQuery makes of a select's key
// (checkQueryKeyOrder), for a caller that asks before reading.
func (s *snapshot) CheckQueryKeyOrder(ctx context.Context, query string, key []string) error {
	q, err := connectors.CheckSelect(query)
	if err != nil {
		return err
	}
	if err := s.load(ctx); err != nil {
		return err
	}
	return s.checkQueryKeyOrder(ctx, q, key)
}

var _ connectors.QueryKeyCounter = (*snapshot)(nil)

// CountQueryKey counts, as CountKey does a table's, the rows of a
// select's result, those with a NULL key and those that repeat a key, in
// one query of the snapshot's transaction: the select runs once, grouped.
func (s *snapshot) CountQueryKey(ctx context.Context, query string, key []string) (connectors.KeyCount, error) {
	if err := s.load(ctx); err != nil {
		return connectors.KeyCount{}, err
	}
	sel, err := connectors.CheckSelect(query)
	if err != nil {
		return connectors.KeyCount{}, err
	}
	q, err := connectors.CountKeyQuery(Dialect{}, "count", "("+sel+") AS regflytt_q", key, func(e string) string {
		return "CAST(COALESCE(sum(" + e + "), 0) AS bigint)"
	})
	if err != nil {
		return connectors.KeyCount{}, err
	}
	c, err := connectors.ScanKeyCount(s.tx.QueryRow(ctx, q).Scan)
	if err != nil {
		return c, s.db.errorf(err, "count the keys of the select")
	}
	return c, nil
}
