package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// readExtras adds a table's defaults, its text columns' collations, its
// AUTOINCREMENT column and its unique and secondary indexes to what
// table read. Every INTEGER PRIMARY
// KEY numbers new rows past the highest (it is the rowid), but only one
// declared AUTOINCREMENT says the schema meant it: that is the identity.
// Partial indexes and indexes over expressions are left out (the scan
// lists every index); a UNIQUE constraint's automatic index, whose
// sqlite_autoindex_ name nobody can create, is named <table>_<columns>_key.
func readExtras(ctx context.Context, conn *sql.Conn, t *connectors.Table) error {
	rows, err := conn.QueryContext(ctx, `SELECT name, dflt_value FROM pragma_table_info(?) WHERE dflt_value IS NOT NULL ORDER BY cid`, t.Name)
	if err != nil {
		return fmt.Errorf("defaults: %w", err)
	}
	for rows.Next() {
		var col, def string
		if err := rows.Scan(&col, &def); err != nil {
			rows.Close()
			return fmt.Errorf("defaults: %w", err)
		}
		if c := t.Column(col); c != nil {
			c.Default, _ = connectors.ParseSQLDefault(def, c.Type.Kind)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("defaults: %w", err)
	}
	ddl, err := tableDefinition(ctx, conn, t.Name)
	if err != nil {
		return err
	}
	colls := columnCollations(definitions(tokenize(ddl)))
	for i := range t.Columns {
		if c := &t.Columns[i]; c.Type.Kind == connectors.KindText {
			c.Collation = colls[strings.ToLower(c.Name)]
		}
	}
	if len(t.PrimaryKey) == 1 && strings.Contains(strings.ToUpper(ddl), "AUTOINCREMENT") {
		if c := t.Column(t.PrimaryKey[0]); c != nil && strings.EqualFold(c.SourceType, "INTEGER") {
			c.Identity = true
		}
	}
	type listed struct {
		name    string
		unique  bool
		origin  string
		partial bool
	}
	var list []listed
	rows, err = conn.QueryContext(ctx, `SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name`, t.Name)
	if err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	for rows.Next() {
		var l listed
		if err := rows.Scan(&l.name, &l.unique, &l.origin, &l.partial); err != nil {
			rows.Close()
			return fmt.Errorf("indexes: %w", err)
		}
		list = append(list, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("indexes: %w", err)
	}
	for _, l := range list {
		if l.origin == "pk" || l.partial {
			continue
		}
		ix := connectors.Index{Name: l.name, Unique: l.unique}
		cols, err := conn.QueryContext(ctx, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, l.name)
		if err != nil {
			return fmt.Errorf("index %s: %w", l.name, err)
		}
		expr := false
		for cols.Next() {
			var name sql.NullString
			if err := cols.Scan(&name); err != nil {
				cols.Close()
				return fmt.Errorf("index %s: %w", l.name, err)
			}
			expr = expr || !name.Valid
			ix.Columns = append(ix.Columns, name.String)
		}
		cols.Close()
		if err := cols.Err(); err != nil {
			return fmt.Errorf("index %s: %w", l.name, err)
		}
		if expr || len(ix.Columns) == 0 {
			continue
		}
		if strings.HasPrefix(l.name, "sqlite_autoindex_") {
			ix.Name = t.Name + "_" + strings.Join(ix.Columns, "_") + "_key"
		}
		t.Indexes = append(t.Indexes, ix)
	}
	return nil
}

// columnCollations maps each column a CREATE TABLE statement defines,
// by its name in lower case, to the collation its values compare by
// (the catalogue's pragmas do not say it): BINARY unless its definition
// says COLLATE, or a PRIMARY KEY or UNIQUE constraint of the table does
// on it (which joins its keys so, whatever its own); two that differ
// are empty, which connectors.KeyBlindness takes for blind, as it takes
// a column the statement is not read to define (a statement this reader
// misreads does not make a column case-sensitive).
func columnCollations(defs [][]token) map[string]string {
	out := map[string]string{}
	for _, def := range defs {
		if c := columnOf(def); c != "" {
			out[strings.ToLower(c)] = "BINARY"
		}
	}
	said := map[string]bool{}
	for _, c := range collations(defs) {
		k := strings.ToLower(c.column)
		if _, ok := out[k]; !ok {
			continue
		}
		if said[k] && !strings.EqualFold(out[k], c.text) {
			out[k] = ""
			continue
		}
		out[k], said[k] = c.text, true
	}
	return out
}
