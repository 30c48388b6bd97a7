package sqlserver

import (
	"context"
	"database/sql"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// What of an existing receiving table the catalogue does not read and
// that changes what a write stores:
//
//   - an index WITH (IGNORE_DUP_KEY = ON), the primary key's included:
//     an insert or bulk copy of a key that is there drops the row with a
//     warning ("Duplicate key was ignored."), not an error;
//   - a filtered unique index (WHERE ...), which the catalogue leaves
//     out: it refuses rows the declared key lets through, so a run
//     stopped at the first with the target half written (unique indexes
//     over plain columns the catalogue reads, and CompareTable compares);
//   - a trigger, which can change, add or drop the rows a run writes (an
//     INSTEAD OF INSERT trigger replaces the insert; the bulk copy fires
//     triggers, FIRE_TRIGGERS).
//
// Like the catalogue, the text is pinned by tests and the assembly is
// tested on rows: no server runs in CI.
const (
	existingIndexesSQL = `SELECT t.name, i.name, i.ignore_dup_key, ISNULL(i.filter_definition, N''), c.name
FROM sys.indexes AS i
JOIN sys.tables AS t ON t.object_id = i.object_id
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE t.schema_id = SCHEMA_ID(@p1) AND (i.ignore_dup_key = 1 OR i.is_unique = 1 AND i.has_filter = 1)
ORDER BY t.name, i.name, ic.key_ordinal`

	existingTriggersSQL = `SELECT t.name, tr.name
FROM sys.triggers AS tr
JOIN sys.tables AS t ON t.object_id = tr.parent_id
WHERE t.schema_id = SCHEMA_ID(@p1)
ORDER BY t.name, tr.name`
)

// existingIndex is a row of existingIndexesSQL: one column of an index.
type existingIndex struct {
	table, name  string
	ignoreDupKey bool
	filter       string
	column       string
}

// existingTrigger is a row of existingTriggersSQL.
type existingTrigger struct {
	table, name string
}

// CheckExistingTables implements connectors.ExistingTableChecker: a
// difference for each index of tables that ignores duplicate keys, each
// filtered unique index and each trigger.
func (s *snapshot) CheckExistingTables(ctx context.Context, tables []string) ([]connectors.Difference, error) {
	var ixs []existingIndex
	var trs []existingTrigger
	err := s.each(ctx, existingIndexesSQL, func(r *sql.Rows) error {
		var x existingIndex
		err := r.Scan(&x.table, &x.name, &x.ignoreDupKey, &x.filter, &x.column)
		ixs = append(ixs, x)
		return err
	})
	if err != nil {
		return nil, s.d.classify("list indexes", err)
	}
	err = s.each(ctx, existingTriggersSQL, func(r *sql.Rows) error {
		var x existingTrigger
		err := r.Scan(&x.table, &x.name)
		trs = append(trs, x)
		return err
	})
	if err != nil {
		return nil, s.d.classify("list triggers", err)
	}
	return existingDifferences(tables, ixs, trs), nil
}

func (s *snapshot) each(ctx context.Context, query string, fn func(*sql.Rows) error) error {
	rows, err := s.conn.QueryContext(ctx, query, s.d.cfg.schema)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// existingDifferences assembles the rows of the two queries into the
// differences of tables, in the rows' order.
func existingDifferences(tables []string, ixs []existingIndex, trs []existingTrigger) []connectors.Difference {
	want := make(map[string]bool, len(tables))
	for _, t := range tables {
		want[t] = true
	}
	var out []connectors.Difference
	for i := 0; i < len(ixs); {
		x := ixs[i]
		var cols []string
		for ; i < len(ixs) && ixs[i].table == x.table && ixs[i].name == x.name; i++ {
			cols = append(cols, ixs[i].column)
		}
		if !want[x.table] {
			continue
		}
		desc := x.name + " (" + strings.Join(cols, ", ") + ")"
		if x.filter != "" {
			desc += " WHERE " + x.filter
		}
		if x.ignoreDupKey {
			out = append(out, connectors.Difference{Table: x.table, What: "conflict clause", Declared: "none", Existing: "index " + desc + " WITH (IGNORE_DUP_KEY = ON)"})
		} else {
			out = append(out, connectors.Difference{Table: x.table, What: "unique index", Declared: "none", Existing: desc})
		}
	}
	for _, x := range trs {
		if want[x.table] {
			out = append(out, connectors.Difference{Table: x.table, What: "trigger", Declared: "none", Existing: x.name})
		}
	}
	return out
}

var _ connectors.ExistingTableChecker = (*snapshot)(nil)
