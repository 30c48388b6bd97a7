package connectors

import (
	"context"
	"fmt"
	"strings"
)

// What a migrated database needs to keep working beyond its rows: column
// defaults, identity columns that number new rows past the highest
// migrated one, unique and secondary indexes, foreign keys. A receiving
// schema declares them (Table.Indexes, Table.ForeignKeys, Column.Default,
// Column.Identity); a run creates them once, after every table is loaded,
// since loading into indexed, constrained tables is slower and a foreign
// key would have to be satisfied row by row in load order.

// ConstraintCreator is implemented by targets that create what a
// receiving schema declares beyond columns and the primary key. The runner
// calls it once, after the load.
//
// CreateConstraints creates, for the given (already created and loaded)
// tables, the declared defaults, identity columns with their numbering set
// past the highest value the table holds, unique and secondary indexes,
// and foreign keys. What already exists with the same name and definition
// is left alone, so calling it again is harmless; one that exists with
// another definition is an error naming it. A foreign key the migrated
// rows break, or a unique index they repeat, is an error that names the
// constraint, never a value.
type ConstraintCreator interface {
	CreateConstraints(ctx context.Context, tables []Table) error
}

// DeclaresConstraints reports whether any table declares something a
// ConstraintCreator creates.
func DeclaresConstraints(tables []Table) bool {
	for i := range tables {
		t := &tables[i]
		if len(t.Indexes) > 0 || len(t.ForeignKeys) > 0 {
			return true
		}
		for _, c := range t.Columns {
			if c.Default != nil || c.Identity {
				return true
			}
		}
	}
	return false
}

// CheckDefault reports whether a default suits a column type: Now only on
// date, datetime and timestamptz columns; a value that the type holds
// exactly, read from its canonical text form. Bytes have no default in
// the notation.
func CheckDefault(t Type, d *Default) error {
	if d == nil {
		return nil
	}
	if d.Now {
		switch t.Kind {
		case KindDate, KindDateTime, KindTimestamp:
			return nil
		}
		return fmt.Errorf("current_timestamp is a default of date, datetime and timestamptz columns only, not %v", t)
	}
	switch t.Kind {
	case KindBytes, KindInvalid:
		return fmt.Errorf("a %v column takes no default in the receiving notation", t)
	}
	v, err := ParseText(t.Kind, d.Value)
	if err != nil {
		return fmt.Errorf("default is not a %v: %w", t, err)
	}
	if err := t.Fit(v); err != nil {
		return fmt.Errorf("default does not fit %v: %w", t, err)
	}
	return nil
}

// DefaultSQL gives a default as an SQL expression that PostgreSQL, MariaDB
// and SQLite read alike: numbers bare, booleans as TRUE/FALSE, everything
// else a string literal the column's type reads; Now as CURRENT_DATE or
// CURRENT_TIMESTAMP. CheckDefault must have accepted it.
func DefaultSQL(t Type, d *Default) (string, error) {
	if err := CheckDefault(t, d); err != nil {
		return "", err
	}
	if d.Now {
		if t.Kind == KindDate {
			return "CURRENT_DATE", nil
		}
		return "CURRENT_TIMESTAMP", nil
	}
	switch t.Kind {
	case KindInt, KindDecimal, KindFloat:
		if _, _, ok := DecimalDigits(Decimal(d.Value)); ok {
			return d.Value, nil
		}
		// 1e5 and the like: a string the numeric column reads
	case KindBool:
		v, _ := ParseText(t.Kind, d.Value)
		if v == true {
			return "TRUE", nil
		}
		return "FALSE", nil
	}
	return "'" + strings.ReplaceAll(d.Value, "'", "''") + "'", nil
}

// ParseSQLDefault reads a default as a catalogue gives it (PostgreSQL's
// pg_get_expr, SQLite's dflt_value, SQL Server's definition) into the
// receiving notation. ok is false for what the notation cannot say (a
// function call other than the current time, an expression): the scan
// lists those. NULL is no default. A backslash in a string is itself;
// MariaDB's COLUMN_DEFAULT escapes it: read those with ParseMariaDBDefault.
func ParseSQLDefault(sqlText string, k Kind) (d *Default, ok bool) {
	return parseSQLDefault(sqlText, k, false)
}

// ParseMariaDBDefault reads MariaDB's COLUMN_DEFAULT, whose strings escape
// a backslash as \\.
func ParseMariaDBDefault(sqlText string, k Kind) (d *Default, ok bool) {
	return parseSQLDefault(sqlText, k, true)
}

func parseSQLDefault(sqlText string, k Kind, backslashEscapes bool) (d *Default, ok bool) {
	s := strings.TrimSpace(sqlText)
	for strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	if s == "" {
		return nil, false
	}
	if strings.EqualFold(s, "NULL") || strings.HasPrefix(strings.ToUpper(s), "NULL::") {
		return nil, true
	}
	if strings.HasPrefix(s, "N'") {
		s = s[1:] // SQL Server's Unicode literal
	}
	if s[0] == '\'' {
		// 'text' or 'text'::type (PostgreSQL's casts), quotes doubled inside.
		var b strings.Builder
		i := 1
		for ; i < len(s); i++ {
			if s[i] == '\'' {
				if i+1 < len(s) && s[i+1] == '\'' {
					b.WriteByte('\'')
					i++
					continue
				}
				break
			}
			if backslashEscapes && s[i] == '\\' && i+1 < len(s) {
				b.WriteByte(s[i+1])
				i++
				continue
			}
			b.WriteByte(s[i])
		}
		if i >= len(s) {
			return nil, false
		}
		rest := s[i+1:]
		if rest != "" && !strings.HasPrefix(rest, "::") {
			return nil, false
		}
		return checked(&Default{Value: b.String()}, k)
	}
	if cast := strings.Index(s, "::"); cast > 0 {
		s = strings.TrimSpace(s[:cast])
	}
	low := strings.ToLower(s)
	switch strings.TrimSuffix(low, "()") {
	case "current_timestamp", "now", "localtimestamp", "current_date", "curdate", "sysdate", "getdate", "sysdatetime":
		return checked(&Default{Now: true}, k)
	case "true", "false":
		return checked(&Default{Value: low}, k)
	}
	if strings.HasPrefix(low, "current_timestamp(") || strings.HasPrefix(low, "localtimestamp(") || strings.HasPrefix(low, "utc_timestamp(") ||
		strings.HasPrefix(low, "datetime('now'") || strings.HasPrefix(low, "date('now'") {
		return checked(&Default{Now: true}, k)
	}
	if k == KindBool && (s == "0" || s == "1") {
		return &Default{Value: map[string]string{"0": "false", "1": "true"}[s]}, true
	}
	if _, err := ParseText(KindDecimal, s); err == nil {
		return checked(&Default{Value: s}, k)
	}
	return nil, false
}

// checked keeps a default only when its column's kind reads it.
func checked(d *Default, k Kind) (*Default, bool) {
	if d.Now {
		switch k {
		case KindDate, KindDateTime, KindTimestamp:
			return d, true
		}
		return nil, false
	}
	if k == KindBytes || k == KindInvalid {
		return nil, false
	}
	if k == KindBool {
		switch strings.ToLower(d.Value) {
		case "true", "t", "1":
			return &Default{Value: "true"}, true
		case "false", "f", "0":
			return &Default{Value: "false"}, true
		}
		return nil, false
	}
	v, err := ParseText(k, d.Value)
	if err != nil {
		return nil, false
	}
	if _, bad := v.(InvalidDate); bad {
		return nil, false // 0000-00-00: no receiving column holds it
	}
	if f, isFloat := v.(float64); isFloat && (f != f || f > 1e308 || f < -1e308) {
		return nil, false
	}
	return d, true
}

// PendingConstraints gives what of a declared table's constraints an
// existing table (as its catalogue reads it; nil when it has none yet)
// still lacks: indexes and foreign keys not there under their name or
// with their definition, identities not yet numbering. Defaults are always
// kept: setting one again is harmless. An index or foreign key that exists
// under the declared name with another definition is an error naming it:
// the schema and the database disagree, and nothing decides which is
// right.
func PendingConstraints(declared, existing *Table) (Table, error) {
	todo := *declared
	todo.Columns = append([]Column(nil), declared.Columns...)
	todo.Indexes, todo.ForeignKeys = nil, nil
	if existing == nil {
		todo.Indexes, todo.ForeignKeys = declared.Indexes, declared.ForeignKeys
		return todo, nil
	}
	for i := range todo.Columns {
		if ec := existing.Column(todo.Columns[i].Name); ec != nil && ec.Identity {
			todo.Columns[i].Identity = false
		}
	}
	for _, ix := range declared.Indexes {
		found := false
		for _, ex := range existing.Indexes {
			same := ex.Unique == ix.Unique && strings.Join(ex.Columns, "\x00") == strings.Join(ix.Columns, "\x00")
			if ex.Name == ix.Name && !same {
				return Table{}, fmt.Errorf("table %s: index %s exists over (%s) (unique %v) but the schema declares (%s) (unique %v): drop it or rename one", declared.Name, ix.Name, strings.Join(ex.Columns, ", "), ex.Unique, strings.Join(ix.Columns, ", "), ix.Unique)
			}
			found = found || same
		}
		if !found {
			todo.Indexes = append(todo.Indexes, ix)
		}
	}
	for _, fk := range declared.ForeignKeys {
		found := false
		for _, ex := range existing.ForeignKeys {
			same := ex.RefTable == fk.RefTable && strings.Join(ex.Columns, "\x00") == strings.Join(fk.Columns, "\x00") && strings.Join(ex.RefColumns, "\x00") == strings.Join(fk.RefColumns, "\x00")
			if ex.Name == fk.Name && !same {
				return Table{}, fmt.Errorf("table %s: foreign key %s exists as (%s) references %s (%s) but the schema declares (%s) references %s (%s): drop it or rename one", declared.Name, fk.Name, strings.Join(ex.Columns, ", "), ex.RefTable, strings.Join(ex.RefColumns, ", "), strings.Join(fk.Columns, ", "), fk.RefTable, strings.Join(fk.RefColumns, ", "))
			}
			found = found || same
		}
		if !found {
			todo.ForeignKeys = append(todo.ForeignKeys, fk)
		}
	}
	return todo, nil
}
