package sqlserver

import (
	"context"
	"database/sql"
	"fmt"
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

// A CHECK constraint refuses rows a run writes (the bulk copy checks
// them, CHECK_CONSTRAINTS); the only ones Create makes are a column's
// range (a smallint holding a signed tinyint) and ISJSON, which the
// catalogue reads as the column's type and CompareTable compares. A
// foreign key with an ON DELETE or ON UPDATE action (CASCADE, SET NULL,
// SET DEFAULT) changes rows out of a run's sight; CreateConstraints makes
// them NO ACTION, and connectors.UndeclaredForeignKeys compares the
// columns the catalogue reads. A disabled one refuses and changes
// nothing.
const (
	existingChecksSQL = `SELECT t.name, cc.name, cc.definition, ISNULL(c.name, N''), ISNULL(TYPE_NAME(c.system_type_id), N''), ISNULL(c.max_length, 0)
FROM sys.check_constraints AS cc
JOIN sys.tables AS t ON t.object_id = cc.parent_object_id
LEFT JOIN sys.columns AS c ON c.object_id = cc.parent_object_id AND c.column_id = cc.parent_column_id
WHERE t.schema_id = SCHEMA_ID(@p1) AND cc.is_disabled = 0
ORDER BY t.name, cc.name`

	existingForeignKeysSQL = `SELECT t.name, fk.name, rt.name, fk.delete_referential_action_desc, fk.update_referential_action_desc, pc.name, rc.name
FROM sys.foreign_keys AS fk
JOIN sys.foreign_key_columns AS fkc ON fkc.constraint_object_id = fk.object_id
JOIN sys.tables AS t ON t.object_id = fk.parent_object_id
JOIN sys.tables AS rt ON rt.object_id = fk.referenced_object_id
JOIN sys.columns AS pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id
JOIN sys.columns AS rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id
WHERE t.schema_id = SCHEMA_ID(@p1) AND fk.is_disabled = 0 AND (fk.delete_referential_action <> 0 OR fk.update_referential_action <> 0)
ORDER BY t.name, fk.name, fkc.constraint_column_id`
)

// existingCheck is a row of existingChecksSQL: a CHECK constraint, with
// its column's name, system type and max_length for a column's own.
type existingCheck struct {
	table, name, definition string
	column, typeName        string
	maxLength               int
}

// existingFK is a row of existingForeignKeysSQL: one column of a foreign
// key with an action.
type existingFK struct {
	table, name, refTable string
	onDelete, onUpdate    string
	column, refColumn     string
}

// ownCheck says whether a CHECK is one CreateTable writes for its column:
// the exact shapes refineType reads as a canonical type.
func ownCheck(c existingCheck) bool {
	if c.column == "" {
		return false
	}
	var t connectors.Type
	src := c.typeName
	switch {
	case c.typeName == "nvarchar" && c.maxLength == -1:
		t, src = connectors.Type{Kind: connectors.KindText}, "nvarchar(max)"
	case strings.HasSuffix(c.typeName, "int"):
		t = connectors.Type{Kind: connectors.KindInt}
	default:
		return false
	}
	return refineType(t, src, c.column, []string{c.definition}) != t
}

// constraintDifferences assembles the rows of the two queries into the
// differences of tables: each CHECK but a column's own, each foreign key
// with an action, named with its definition.
func constraintDifferences(tables []string, checks []existingCheck, fks []existingFK) []connectors.Difference {
	want := make(map[string]bool, len(tables))
	for _, t := range tables {
		want[t] = true
	}
	var out []connectors.Difference
	for _, c := range checks {
		if want[c.table] && !ownCheck(c) {
			out = append(out, connectors.Difference{Table: c.table, Column: c.column, What: "check", Declared: "none", Existing: c.name + ", made CHECK " + c.definition})
		}
	}
	for i := 0; i < len(fks); {
		x := fks[i]
		var cols, refs []string
		for ; i < len(fks) && fks[i].table == x.table && fks[i].name == x.name; i++ {
			cols, refs = append(cols, fks[i].column), append(refs, fks[i].refColumn)
		}
		if !want[x.table] {
			continue
		}
		def := fmt.Sprintf("%s, made FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s ON UPDATE %s", x.name, strings.Join(cols, ", "), x.refTable, strings.Join(refs, ", "),
			strings.ReplaceAll(x.onDelete, "_", " "), strings.ReplaceAll(x.onUpdate, "_", " "))
		out = append(out, connectors.Difference{Table: x.table, What: "foreign key", Declared: "none", Existing: def, Constraint: x.name})
	}
	return out
}

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
	var checks []existingCheck
	err = s.each(ctx, existingChecksSQL, func(r *sql.Rows) error {
		var x existingCheck
		err := r.Scan(&x.table, &x.name, &x.definition, &x.column, &x.typeName, &x.maxLength)
		checks = append(checks, x)
		return err
	})
	if err != nil {
		return nil, s.d.classify("list check constraints", err)
	}
	var fks []existingFK
	err = s.each(ctx, existingForeignKeysSQL, func(r *sql.Rows) error {
		var x existingFK
		err := r.Scan(&x.table, &x.name, &x.refTable, &x.onDelete, &x.onUpdate, &x.column, &x.refColumn)
		fks = append(fks, x)
		return err
	})
	if err != nil {
		return nil, s.d.classify("list foreign keys", err)
	}
	return append(existingDifferences(tables, ixs, trs), constraintDifferences(tables, checks, fks)...), nil
}

// each runs a catalogue query of the snapshot's schema and calls fn for
// every row.
func (s *snapshot) each(ctx context.Context, query string, fn func(*sql.Rows) error) error {
	return connectors.EachRow(ctx, s.conn, query, []any{s.d.cfg.schema}, fn)
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
