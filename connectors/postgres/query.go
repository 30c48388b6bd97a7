package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

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
		table  uint32
		attnum uint16
	}
	fs := make([]field, len(fields))
	for i, f := range fields {
		fs[i] = field{f.Name, f.DataTypeOID, f.TypeModifier, f.TableOID, f.TableAttributeNumber}
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
		if cols[i].Type.Kind == connectors.KindText {
			var coll string
			var err error
			if f.table != 0 {
				coll, err = s.columnCollation(ctx, f.table, f.attnum)
			} else {
				coll, err = s.computedCollation(ctx, q, len(fs), i, f.oid)
			}
			if err != nil {
				return nil, s.db.errorf(err, "select: collation of column %s", f.name)
			}
			cols[i].Collation = coll
		}
	}
	return cols, nil
}

// computedCollationQuery reads the collation PostgreSQL derives for
// column %[3]s of the select %[1]s (whose columns %[2]s renames in
// order), without reading a row: pg_collation_for names it, quoted and
// schema-qualified when not visible (PostgreSQL 9.2 on).
const computedCollationQuery = `SELECT ` + collationColumns + `
FROM (SELECT 1) AS regflytt_one
LEFT JOIN (SELECT * FROM (%[1]s) AS regflytt_q LIMIT 0) AS regflytt_c(%[2]s) ON true
LEFT JOIN pg_catalog.pg_collation co ON co.oid = (
  SELECT c.oid FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
  WHERE pg_catalog.pg_collation_for(regflytt_c.%[3]s) COLLATE "C" IN (pg_catalog.quote_ident(c.collname), pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.collname))
    AND c.collencoding IN (-1, pg_catalog.pg_char_to_encoding(pg_catalog.getdatabaseencoding()))
  ORDER BY pg_catalog.pg_collation_is_visible(c.oid) DESC LIMIT 1)`

// computedCollation is the Collation of a select:'s column i of n that
// is no table's column as it is (lower(k), k || ”, a CASE): the one
// PostgreSQL compares it under, which an expression takes from the
// columns it reads. Named none, such a key over a nondeterministic
// column (und-u-kn-true takes '01' for '1') was taken for untailored,
// and a record its parent joins under the collation archived as an
// orphan, run passing.
func (s *snapshot) computedCollation(ctx context.Context, query string, n, i int, typ uint32) (string, error) {
	names := make([]string, n)
	for k := range names {
		names[k] = "c" + strconv.Itoa(k+1)
	}
	var name string
	var ci collationInfo
	err := s.tx.QueryRow(ctx, fmt.Sprintf(computedCollationQuery, query, strings.Join(names, ", "), names[i])).
		Scan(&name, &ci.deterministic, &ci.provider, &ci.locale, &ci.rules)
	if err != nil {
		return "", err
	}
	return collationOf(typ, name, ci), nil
}

// queryColumnCollationQuery reads the collation of a table's column, as
// columnsQuery does, with the base type of a domain (one level).
const queryColumnCollationQuery = `SELECT CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
  ` + collationColumns + `
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE a.attrelid = $1 AND a.attnum = $2`

// columnCollation is the Collation of a select:'s column that is a
// table's column as it is (the row description names the table): the
// catalogue's, so that a key under a nondeterministic collation is read
// as the table's would be (mappings.FoldLimitOf: und-u-kn-true takes
// '01' for '1'). A computed column's is read by computedCollation.
func (s *snapshot) columnCollation(ctx context.Context, table uint32, attnum uint16) (string, error) {
	var base uint32
	var name string
	var ci collationInfo
	err := s.tx.QueryRow(ctx, queryColumnCollationQuery, table, int16(attnum)).Scan(&base, &name, &ci.deterministic, &ci.provider, &ci.locale, &ci.rules)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return collationOf(base, name, ci), nil
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
	if err := s.checkQueryKeyOrder(ctx, q, opts.Key); err != nil {
		return nil, err
	}
	return connectors.NewQueryRows(ctx, &querier{s: s}, cols, opts, func(columns, key []string, after bool, limit int) (string, error) {
		return connectors.SelectFromQueryLimit(Dialect{}, q, columns, key, after, limit, connectors.BatchQuery{
			RowValues:   true,
			Placeholder: func(i int) string { return "$" + strconv.Itoa(i+1) },
		})
	})
}
