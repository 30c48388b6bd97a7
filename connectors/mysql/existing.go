package mysql

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// A unique index over a prefix of a column (UNIQUE (name(3))) takes two
// values that begin alike for one: it refuses rows the declared key lets
// through, so a run stopped at the first with the target half written.
// The catalogue leaves such an index out (the receiving notation declares
// none); unique indexes over whole columns it reads, and CompareTable
// compares them with the declared ones.
const prefixUniqueQuery = "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS " +
	"WHERE TABLE_SCHEMA = ? AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"

// A trigger can change, add or drop (by a SIGNAL in a BEFORE trigger,
// or by writing elsewhere) the rows a run writes; regflytt creates none.
const triggersQuery = "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM information_schema.TRIGGERS " +
	"WHERE EVENT_OBJECT_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME"

// CheckExistingTables implements connectors.ExistingTableChecker: a
// difference for each unique index over a column prefix of one of tables,
// named with its columns, and for each trigger on one of them.
func (s *snapshot) CheckExistingTables(ctx context.Context, tables []string) ([]connectors.Difference, error) {
	if s.conn == nil {
		return nil, s.db.errorf("snapshot is closed")
	}
	want := make(map[string]bool, len(tables))
	for _, t := range tables {
		want[t] = true
	}
	type index struct {
		table, name string
		cols        []string
		prefix      bool
	}
	var indexes []*index
	err := each(ctx, s.conn, prefixUniqueQuery, s.db.schema, func(r *sql.Rows) error {
		var table, name, col string
		var sub sql.NullInt64
		if err := r.Scan(&table, &name, &col, &sub); err != nil {
			return err
		}
		if !want[table] {
			return nil
		}
		if n := len(indexes); n == 0 || indexes[n-1].table != table || indexes[n-1].name != name {
			indexes = append(indexes, &index{table: table, name: name})
		}
		ix := indexes[len(indexes)-1]
		if sub.Valid {
			col += "(" + strconv.FormatInt(sub.Int64, 10) + ")"
			ix.prefix = true
		}
		ix.cols = append(ix.cols, col)
		return nil
	})
	if err != nil {
		return nil, s.db.errorf("list unique indexes: %w", err)
	}
	var out []connectors.Difference
	for _, ix := range indexes {
		if ix.prefix {
			out = append(out, connectors.Difference{Table: ix.table, What: "unique index", Declared: "none", Existing: ix.name + " (" + strings.Join(ix.cols, ", ") + ")"})
		}
	}
	err = each(ctx, s.conn, triggersQuery, s.db.schema, func(r *sql.Rows) error {
		var table, name string
		if err := r.Scan(&table, &name); err != nil {
			return err
		}
		if want[table] {
			out = append(out, connectors.Difference{Table: table, What: "trigger", Declared: "none", Existing: name})
		}
		return nil
	})
	if err != nil {
		return nil, s.db.errorf("list triggers: %w", err)
	}
	return out, nil
}

var _ connectors.ExistingTableChecker = (*snapshot)(nil)
