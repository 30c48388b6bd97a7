package postgres

import (
	"context"
	"fmt"

	"github.com/regflytt/regflytt/connectors"
)

// A column of a nondeterministic collation (CREATE COLLATION ...
// deterministic = false, PostgreSQL 12 and later: an ICU collation at
// strength 2 ignores case, at strength 1 accents too) compares text
// equal that differs in bytes, so a key of it takes 'ABC' and 'abc' for
// one. Create makes every column of the database's default collation,
// which is deterministic (a deterministic collation other than it orders
// otherwise but compares bytes for equality, and keyset reads order and
// continue by the column's own collation alike).
const nondeterministicQuery = `SELECT c.relname::text, a.attname::text, co.collname::text
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE n.nspname = $1 AND c.relname = ANY($2) AND a.attnum > 0 AND NOT a.attisdropped AND NOT co.collisdeterministic
ORDER BY c.relname COLLATE "C", a.attnum`

// A unique index over an expression (lower(name)), a partial one (WHERE
// ...), one comparing a column by a nondeterministic collation, one NULLS
// NOT DISTINCT, and an exclusion constraint refuse rows the declared key lets through, so a
// run stopped at the first with the target half written. The catalogue
// reads unique indexes over plain columns only (CompareTable compares
// those with the declared ones); these are found here, named with their
// definition. %s is the conditions of later versions (collations from 12,
// NULLS NOT DISTINCT from 15).
const otherUniqueQuery = `SELECT c.relname::text, i.relname::text, pg_catalog.pg_get_indexdef(x.indexrelid)
FROM pg_catalog.pg_index x
JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
JOIN pg_catalog.pg_class c ON c.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2) AND (x.indisunique OR x.indisexclusion)
  AND (x.indexprs IS NOT NULL OR x.indpred IS NOT NULL OR x.indisexclusion OR 0 = ANY (x.indkey::int2[])%s)
ORDER BY c.relname COLLATE "C", i.relname COLLATE "C"`

const nondeterministicIndex = `
  OR EXISTS (SELECT 1 FROM unnest(x.indcollation::oid[]) AS k(coll) JOIN pg_catalog.pg_collation co ON co.oid = k.coll WHERE NOT co.collisdeterministic)`

// nullsNotDistinctIndex adds, from PostgreSQL 15 on, a unique index
// NULLS NOT DISTINCT: it takes two NULLs for one, where the unique index
// regflytt declares lets both in.
const nullsNotDistinctIndex = `
  OR x.indnullsnotdistinct`

// A trigger (other than those the server makes for foreign keys) can
// change, add or drop the rows a run writes without an error, and a rule
// can rewrite an insert into something else (COPY does not apply rules,
// but not every write is a COPY); regflytt creates neither.
const (
	triggersQuery = `SELECT c.relname::text, t.tgname::text
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2) AND NOT t.tgisinternal
ORDER BY c.relname COLLATE "C", t.tgname COLLATE "C"`
	rulesQuery = `SELECT c.relname::text, r.rulename::text
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2) AND r.rulename <> '_RETURN'
ORDER BY c.relname COLLATE "C", r.rulename COLLATE "C"`
)

// A CHECK constraint refuses rows regflytt writes (Create makes none: a
// value's range is checked before it is written), and a foreign key with
// an ON DELETE or ON UPDATE action, DEFERRABLE or MATCH FULL acts or
// refuses otherwise than the ones CreateConstraints makes (NO ACTION,
// checked at once, MATCH SIMPLE); the catalogue reads a foreign key's
// columns only, and connectors.UndeclaredForeignKeys compares those.
const (
	checksQuery = `SELECT c.relname::text, co.conname::text, pg_catalog.pg_get_constraintdef(co.oid)
FROM pg_catalog.pg_constraint co
JOIN pg_catalog.pg_class c ON c.oid = co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2) AND co.contype = 'c'
ORDER BY c.relname COLLATE "C", co.conname COLLATE "C"`
	foreignKeyActionsQuery = `SELECT c.relname::text, co.conname::text, pg_catalog.pg_get_constraintdef(co.oid)
FROM pg_catalog.pg_constraint co
JOIN pg_catalog.pg_class c ON c.oid = co.conrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relname = ANY($2) AND co.contype = 'f'
  AND (co.confupdtype <> 'a' OR co.confdeltype <> 'a' OR co.condeferrable OR co.confmatchtype = 'f')
ORDER BY c.relname COLLATE "C", co.conname COLLATE "C"`
)

// CheckExistingTables implements connectors.ExistingTableChecker: a
// difference for each column of tables whose collation is
// nondeterministic, each unique index the catalogue does not read, each
// CHECK constraint, each foreign key with an action, deferrable or MATCH
// FULL, each trigger and each rule.
func (s *snapshot) CheckExistingTables(ctx context.Context, tables []string) ([]connectors.Difference, error) {
	var out []connectors.Difference
	version := serverVersion(s.tx.Conn().PgConn().ParameterStatus("server_version"))
	v12 := version >= 120000
	if v12 { // every collation is deterministic before 12
		err := s.each(ctx, "list collations", nondeterministicQuery, tables, func(table, column, collation string) {
			out = append(out, connectors.Difference{Table: table, Column: column, What: "collation",
				Existing: collation + " (nondeterministic)", Declared: "the database's default"})
		})
		if err != nil {
			return nil, err
		}
	}
	cond := ""
	if v12 {
		cond = nondeterministicIndex
	}
	if version >= 150000 {
		cond += nullsNotDistinctIndex
	}
	err := s.each(ctx, "list unique indexes", fmt.Sprintf(otherUniqueQuery, cond), tables, func(table, name, def string) {
		out = append(out, connectors.Difference{Table: table, What: "unique index", Declared: "none", Existing: name + ", made " + def})
	})
	if err != nil {
		return nil, err
	}
	err = s.each(ctx, "list check constraints", checksQuery, tables, func(table, name, def string) {
		out = append(out, connectors.Difference{Table: table, What: "check", Declared: "none", Existing: name + ", made " + def})
	})
	if err != nil {
		return nil, err
	}
	err = s.each(ctx, "list foreign keys", foreignKeyActionsQuery, tables, func(table, name, def string) {
		out = append(out, connectors.Difference{Table: table, What: "foreign key", Declared: "none", Existing: name + ", made " + def, Constraint: name})
	})
	if err != nil {
		return nil, err
	}
	for _, q := range []struct{ what, query string }{{"trigger", triggersQuery}, {"rule", rulesQuery}} {
		err := s.each(ctx, "list "+q.what+"s", q.query, tables, func(table, name, _ string) {
			out = append(out, connectors.Difference{Table: table, What: q.what, Declared: "none", Existing: name})
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// each runs a query of the schema and tables that gives two or three
// text columns, and calls f with each row (the third empty when absent).
func (s *snapshot) each(ctx context.Context, what, query string, tables []string, f func(a, b, c string)) error {
	rows, err := s.tx.Query(ctx, query, s.db.schema, tables)
	if err != nil {
		return s.db.errorf(err, "%s", what)
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return s.db.errorf(err, "%s", what)
		}
		var text [3]string
		for i := 0; i < len(vals) && i < 3; i++ {
			text[i], _ = vals[i].(string)
		}
		f(text[0], text[1], text[2])
	}
	if err := rows.Err(); err != nil {
		return s.db.errorf(err, "%s", what)
	}
	return nil
}

var _ connectors.ExistingTableChecker = (*snapshot)(nil)
