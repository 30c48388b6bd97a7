package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/regflytt/regflytt/connectors"
)

// A unique index over a prefix of a column (UNIQUE (name(3))) takes two
// values that begin alike for one: it refuses rows the declared key lets
// through, so a run stopped at the first with the target half written.
// The catalogue leaves such an index out (the receiving notation declares
// none); unique indexes over whole columns it reads, and CompareTable
// compares them with the declared ones.
//
// The primary key is asked about too: one over a prefix
// (PRIMARY KEY (code(3))) takes keys that begin alike for one in the
// same way, and the catalogue reads its columns only, so CompareTable
// finds it equal to the declared key.
const prefixUniqueQuery = "SELECT TABLE_NAME, INDEX_NAME, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS " +
	"WHERE TABLE_SCHEMA = ? AND NON_UNIQUE = 0 ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"

// A trigger can change, add or drop (by a SIGNAL in a BEFORE trigger,
// or by writing elsewhere) the rows a run writes; regflytt creates none.
const triggersQuery = "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM information_schema.TRIGGERS " +
	"WHERE EVENT_OBJECT_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, TRIGGER_NAME"

// A generated column (VIRTUAL or STORED/PERSISTENT) holds what its
// expression computes, never what is written: INSERT refuses a value for
// it in strict mode (error 1906), but LOAD DATA, Write's usual path,
// stores the expression's value in its place without a warning
// (verified on 10.11), so a run's rows arrived changed and only its end
// check said so. COLUMN_TYPE does not show it; EXTRA does ("VIRTUAL
// GENERATED", "STORED GENERATED"; MariaDB before 10.2 "VIRTUAL",
// "PERSISTENT"; MySQL's "DEFAULT_GENERATED" is a default, not this).
const generatedColumnsQuery = "SELECT TABLE_NAME, COLUMN_NAME, EXTRA, GENERATION_EXPRESSION FROM information_schema.COLUMNS " +
	"WHERE TABLE_SCHEMA = ? AND (EXTRA LIKE '%VIRTUAL%' OR EXTRA LIKE '%STORED GENERATED%' OR EXTRA LIKE '%PERSISTENT%') " +
	"ORDER BY TABLE_NAME, ORDINAL_POSITION"

// A CHECK constraint refuses rows regflytt writes; the only one Create
// makes is the json_valid(`col`) MariaDB adds to a JSON column, under the
// column's name (the catalogue reads it as the column's type, and
// CompareTable compares that). MySQL's CHECK_CONSTRAINTS has no
// TABLE_NAME (a check's name is unique in its schema there), so it is
// asked through TABLE_CONSTRAINTS instead.
const (
	existingChecksQuery = "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS " +
		"WHERE CONSTRAINT_SCHEMA = ? ORDER BY TABLE_NAME, CONSTRAINT_NAME"
	existingChecksMySQLQuery = "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE FROM information_schema.TABLE_CONSTRAINTS tc " +
		"JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME " +
		"WHERE tc.TABLE_SCHEMA = ? AND tc.CONSTRAINT_TYPE = 'CHECK' ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME"
)

// A foreign key with an ON DELETE or ON UPDATE action other than
// RESTRICT or NO ACTION (InnoDB's two words for one thing, and what
// CreateConstraints makes) changes rows out of a run's sight: CASCADE
// deletes a migrated record with its parent, SET NULL empties its column.
// The catalogue reads a foreign key's columns only, and
// connectors.UndeclaredForeignKeys compares those.
const foreignKeyActionsQuery = "SELECT rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.UPDATE_RULE, rc.DELETE_RULE, " +
	"GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', '), " +
	"GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ', ') " +
	"FROM information_schema.REFERENTIAL_CONSTRAINTS rc JOIN information_schema.KEY_COLUMN_USAGE k " +
	"ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = rc.TABLE_NAME AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME " +
	"WHERE rc.CONSTRAINT_SCHEMA = ? AND (rc.UPDATE_RULE NOT IN ('RESTRICT', 'NO ACTION') OR rc.DELETE_RULE NOT IN ('RESTRICT', 'NO ACTION')) " +
	"GROUP BY rc.TABLE_NAME, rc.CONSTRAINT_NAME, rc.REFERENCED_TABLE_NAME, rc.UPDATE_RULE, rc.DELETE_RULE ORDER BY rc.TABLE_NAME, rc.CONSTRAINT_NAME"

// CheckExistingTables implements connectors.ExistingTableChecker: a
// difference for each unique index over a column prefix of one of tables,
// named with its columns, for each generated column, each CHECK
// constraint but a JSON column's, each foreign key with an action, and
// each trigger on one of them.
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
	err = each(ctx, s.conn, generatedColumnsQuery, s.db.schema, func(r *sql.Rows) error {
		var table, col, extra string
		var expr sql.NullString
		if err := r.Scan(&table, &col, &extra, &expr); err != nil {
			return err
		}
		if want[table] {
			out = append(out, connectors.Difference{Table: table, Column: col, What: "generated column", Declared: "none", Existing: "AS (" + expr.String + ") " + extra})
		}
		return nil
	})
	if err != nil {
		return nil, s.db.errorf("list generated columns: %w", err)
	}
	checks := func(r *sql.Rows) error {
		var table, name, clause string
		if err := r.Scan(&table, &name, &clause); err != nil {
			return err
		}
		if col, ok := jsonValidColumn(clause); want[table] && !(ok && col == name) {
			out = append(out, connectors.Difference{Table: table, What: "check", Declared: "none", Existing: name + ", made CHECK (" + clause + ")"})
		}
		return nil
	}
	err = each(ctx, s.conn, existingChecksQuery, s.db.schema, checks)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1054 { // MySQL: no TABLE_NAME
		err = each(ctx, s.conn, existingChecksMySQLQuery, s.db.schema, checks)
	}
	if err != nil {
		return nil, s.db.errorf("list check constraints: %w", err)
	}
	err = each(ctx, s.conn, foreignKeyActionsQuery, s.db.schema, func(r *sql.Rows) error {
		var table, name, ref, onUpdate, onDelete, cols, refCols string
		if err := r.Scan(&table, &name, &ref, &onUpdate, &onDelete, &cols, &refCols); err != nil {
			return err
		}
		if want[table] {
			def := fmt.Sprintf("%s, made FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s ON UPDATE %s", name, cols, ref, refCols, onDelete, onUpdate)
			out = append(out, connectors.Difference{Table: table, What: "foreign key", Declared: "none", Existing: def, Constraint: name})
		}
		return nil
	})
	if err != nil {
		return nil, s.db.errorf("list foreign keys: %w", err)
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
