package postgres

import (
	"context"
	"fmt"
)

// keyOrderQuery finds, among the types $1 names, those whose default
// btree operator class orders by a ">" that is not on the search_path,
// with that operator's schema. A domain is followed to its base type,
// whose class ORDER BY uses. A type without a class of its own (varchar,
// enums and arrays use pg_catalog's, always visible) gives no row.
const keyOrderQuery = `WITH RECURSIVE d(orig, oid) AS (
  SELECT t, t FROM pg_catalog.unnest($1::oid[]) AS t
  UNION ALL
  SELECT d.orig, ty.typbasetype FROM d JOIN pg_catalog.pg_type ty ON ty.oid = d.oid WHERE ty.typtype = 'd'
)
SELECT d.orig, pg_catalog.format_type(d.orig, NULL), ns.nspname
FROM d
JOIN pg_catalog.pg_type ty ON ty.oid = d.oid AND ty.typtype <> 'd'
JOIN pg_catalog.pg_am am ON am.amname = 'btree'
JOIN pg_catalog.pg_opclass oc ON oc.opcintype = d.oid AND oc.opcdefault AND oc.opcmethod = am.oid
JOIN pg_catalog.pg_amop ao ON ao.amopfamily = oc.opcfamily AND ao.amopmethod = am.oid AND ao.amopstrategy = 5
  AND ao.amoplefttype = d.oid AND ao.amoprighttype = d.oid
JOIN pg_catalog.pg_operator o ON o.oid = ao.amopopr
JOIN pg_catalog.pg_namespace ns ON ns.oid = o.oprnamespace
WHERE NOT pg_catalog.pg_operator_is_visible(o.oid)`

// tableKeyTypesQuery gives the type of each of table $1's columns named
// in $2.
const tableKeyTypesQuery = `SELECT a.attname, a.atttypid FROM pg_catalog.pg_attribute a
WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attname = ANY($2::text[]) AND a.attnum > 0 AND NOT a.attisdropped`

// checkKeyOrder refuses a keyset read (of what, "table t" or "the
// select", for the message) by key columns of the given types whose
// ORDER BY and "(key) > ($1, …)" would compare differently. ORDER BY
// sorts by the key type's btree operator class wherever it is installed,
// but ">" is found by name on the search_path: a citext key of a schema
// other than public, where the extension lives, was compared as text
// (upper case before lower case) while sorted case-blind, so every page
// after the first repeated some rows and skipped others, and a run found
// it only in its end count or as a duplicate key at the target.
func (s *snapshot) checkKeyOrder(ctx context.Context, what string, key []string, types map[string]uint32) error {
	oids := make([]uint32, 0, len(key))
	for _, k := range key {
		if oid, ok := types[k]; ok {
			oids = append(oids, oid)
		}
	}
	if len(oids) == 0 {
		return nil
	}
	rows, err := s.tx.Query(ctx, keyOrderQuery, oids)
	if err != nil {
		return s.db.errorf(err, "read %s: key order", what)
	}
	type invisible struct{ typ, schema string }
	found := map[uint32]invisible{}
	for rows.Next() {
		var oid uint32
		var in invisible
		if err := rows.Scan(&oid, &in.typ, &in.schema); err != nil {
			rows.Close()
			return s.db.errorf(err, "read %s: key order", what)
		}
		found[oid] = in
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.db.errorf(err, "read %s: key order", what)
	}
	for _, k := range key {
		if in, ok := found[types[k]]; ok {
			return fmt.Errorf("%s: key column %s (%s) is ordered by an operator of schema %s, which is not on the connection's search_path: "+
				"read in pages, its rows would be compared as another type than they are sorted by, and some skipped or read twice; "+
				"add search_path=%s to the source URL", what, k, in.typ, in.schema, in.schema)
		}
	}
	return nil
}

// checkTableKeyOrder is checkKeyOrder for key columns of a table.
func (s *snapshot) checkTableKeyOrder(ctx context.Context, table string, key []string) error {
	name, err := Dialect{}.QuoteIdent(table)
	if err != nil {
		return err
	}
	rows, err := s.tx.Query(ctx, tableKeyTypesQuery, name, key)
	if err != nil {
		return s.db.errorf(err, "read %s: key order", table)
	}
	types := map[string]uint32{}
	for rows.Next() {
		var col string
		var oid uint32
		if err := rows.Scan(&col, &oid); err != nil {
			rows.Close()
			return s.db.errorf(err, "read %s: key order", table)
		}
		types[col] = oid
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.db.errorf(err, "read %s: key order", table)
	}
	return s.checkKeyOrder(ctx, "table "+table, key, types)
}

// checkQueryKeyOrder is checkKeyOrder for key columns of a select's
// result, typed as the server describes it.
func (s *snapshot) checkQueryKeyOrder(ctx context.Context, query string, key []string) error {
	rows, err := s.tx.Query(ctx, "SELECT * FROM ("+query+") AS regflytt_q LIMIT 0")
	if err != nil {
		return s.db.errorf(err, "select")
	}
	types := map[string]uint32{}
	for _, f := range rows.FieldDescriptions() {
		types[f.Name] = f.DataTypeOID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.db.errorf(err, "select")
	}
	return s.checkKeyOrder(ctx, "the select", key, types)
}
