package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/regflytt/regflytt/connectors"
)

// SQLite lets a table resolve a constraint's conflict itself: under
// PRIMARY KEY ON CONFLICT REPLACE an insert of a key that is there deletes
// the row that was, UNIQUE ON CONFLICT IGNORE drops the new row, NOT NULL
// ON CONFLICT REPLACE stores the column's default for a NULL, each without
// an error, and FAIL and ROLLBACK change what a failed statement leaves.
// Create writes no such clause (ABORT, the default, fails the statement
// and keeps the rest of the transaction); the catalogue does not read
// them (pragma_table_info and pragma_index_list do not say), only the
// table's SQL does.

// A column's COLLATE is in the table's SQL alone too: under NOCASE a key
// takes 'ABC' and 'abc' for one, under RTRIM 'a' and 'a '. Create writes
// none (BINARY, byte order, as every other dialect compares keys).

// A CHECK constraint refuses rows regflytt writes (Create makes none),
// and a foreign key with an ON DELETE or ON UPDATE action, or DEFERRABLE
// INITIALLY DEFERRED, acts or refuses otherwise than the ones Create
// writes into CREATE TABLE (NO ACTION, checked at once): the catalogue
// reads neither, only the table's SQL says them all (pragma_foreign_key_list
// has the actions, not the deferral).

// CheckExistingTables implements connectors.ExistingTableChecker: a
// difference for each ON CONFLICT clause other than ABORT in the
// definitions of tables, naming the clause as written, for each column
// whose collation, or whose collation in the table's PRIMARY KEY or
// UNIQUE constraint, is not BINARY, for each CHECK constraint and each
// foreign key with an action or a deferred check.
func (s *snapshot) CheckExistingTables(ctx context.Context, tables []string) ([]connectors.Difference, error) {
	var out []connectors.Difference
	for _, name := range tables {
		ddl, err := tableDefinition(ctx, s.conn, name)
		if err != nil {
			return nil, fmt.Errorf("sqlite %s: table %s: %w", s.path, name, err)
		}
		defs := definitions(tokenize(ddl))
		for _, c := range conflictClauses(ddl, defs) {
			out = append(out, connectors.Difference{Table: name, Column: c.column, What: "conflict clause", Existing: c.text, Declared: "none"})
		}
		for _, c := range collations(defs) {
			out = append(out, connectors.Difference{Table: name, Column: c.column, What: "collation", Existing: c.text, Declared: "BINARY"})
		}
		for _, c := range checkConstraints(ddl, defs) {
			out = append(out, connectors.Difference{Table: name, Column: c.column, What: "check", Existing: c.text, Declared: "none"})
		}
		fks, err := s.foreignKeyActions(ctx, name, ddl, defs)
		if err != nil {
			return nil, fmt.Errorf("sqlite %s: table %s: %w", s.path, name, err)
		}
		out = append(out, fks...)
		ix, err := s.otherUniqueIndexes(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("sqlite %s: table %s: %w", s.path, name, err)
		}
		out = append(out, ix...)
	}
	trig, err := s.triggers(ctx, tables)
	if err != nil {
		return nil, fmt.Errorf("sqlite %s: %w", s.path, err)
	}
	return append(out, trig...), nil
}

// A unique index made by CREATE UNIQUE INDEX can compare otherwise than
// the columns it covers (ON t (code COLLATE NOCASE) takes 'ABC' and 'abc'
// for one), cover an expression (lower(code)) or part of the rows (WHERE
// ...): the catalogue reads none of these (it lists indexes over plain
// columns, which CompareTable compares with the declared ones), and each
// refuses a row the declared key lets through, so a run stopped there
// with the target half written. A UNIQUE constraint's own index has its
// collation from the table's SQL, which collations reads.

// otherUniqueIndexes gives a difference for each unique index of table
// made by CREATE UNIQUE INDEX that is partial, covers an expression or
// compares a column by another collation than BINARY, naming it with its
// SQL.
func (s *snapshot) otherUniqueIndexes(ctx context.Context, table string) ([]connectors.Difference, error) {
	type listed struct {
		name    string
		partial bool
	}
	var list []listed
	err := connectors.EachRow(ctx, s.conn, `SELECT name, partial FROM pragma_index_list(?) WHERE "unique" AND origin = 'c' ORDER BY name`, []any{table}, func(r *sql.Rows) error {
		var l listed
		err := r.Scan(&l.name, &l.partial)
		list = append(list, l)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("unique indexes: %w", err)
	}
	var out []connectors.Difference
	for _, l := range list {
		other := l.partial
		if !other {
			err := connectors.EachRow(ctx, s.conn, `SELECT cid, coll FROM pragma_index_xinfo(?) WHERE key`, []any{l.name}, func(r *sql.Rows) error {
				var cid int
				var coll sql.NullString
				if err := r.Scan(&cid, &coll); err != nil {
					return err
				}
				other = other || cid < 0 || !strings.EqualFold(coll.String, "BINARY")
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("index %s: %w", l.name, err)
			}
		}
		if !other {
			continue
		}
		var ddl sql.NullString
		if err := s.conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?`, l.name).Scan(&ddl); err != nil {
			return nil, fmt.Errorf("index %s: %w", l.name, err)
		}
		out = append(out, connectors.Difference{Table: table, What: "unique index", Declared: "none", Existing: l.name + ", made " + ddl.String})
	}
	return out, nil
}

// triggers gives a difference for each trigger on one of tables: one
// that fires on an insert can change the row, write others, or drop it
// (RAISE(IGNORE) in a BEFORE trigger) without an error; regflytt creates
// none.
func (s *snapshot) triggers(ctx context.Context, tables []string) ([]connectors.Difference, error) {
	want := map[string]string{}
	for _, t := range tables {
		want[strings.ToLower(t)] = t
	}
	var out []connectors.Difference
	err := connectors.EachRow(ctx, s.conn, `SELECT name, tbl_name FROM sqlite_schema WHERE type = 'trigger' ORDER BY tbl_name, name`, nil, func(r *sql.Rows) error {
		var name, table string
		if err := r.Scan(&name, &table); err != nil {
			return err
		}
		if t, ok := want[strings.ToLower(table)]; ok {
			out = append(out, connectors.Difference{Table: t, What: "trigger", Declared: "none", Existing: name})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("triggers: %w", err)
	}
	return out, nil
}

var _ connectors.ExistingTableChecker = (*snapshot)(nil)

// tableDefinition is a table's CREATE TABLE as sqlite_schema keeps it
// (as written, comments included); empty for a table it has none of.
func tableDefinition(ctx context.Context, conn *sql.Conn, table string) (string, error) {
	var ddl sql.NullString
	if err := conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&ddl); err != nil {
		return "", fmt.Errorf("table definition: %w", err)
	}
	return ddl.String, nil
}

// clause is what a table definition says of a column: the column
// (empty for an ON CONFLICT of a table constraint) and the text, an ON
// CONFLICT clause from its constraint's first word to the resolution, or
// a collation's name.
type clause struct {
	column, text string
}

// conflictClauses finds the ON CONFLICT clauses of a CREATE TABLE
// statement whose resolution is not ABORT.
func conflictClauses(ddl string, defs [][]token) []clause {
	var out []clause
	for _, def := range defs {
		column := columnOf(def)
		for i := 0; i+2 < len(def); i++ {
			if def[i].depth != 0 || !def[i].isWord("ON") || !def[i+1].isWord("CONFLICT") || def[i+2].isWord("ABORT") {
				continue
			}
			start := constraintStart(def, i)
			out = append(out, clause{column: column, text: ddl[def[start].start:def[i+2].end]})
		}
	}
	return out
}

// columnOf names the column a definition defines; empty for a table
// constraint.
func columnOf(def []token) string {
	if def[0].isWord("CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN") {
		return ""
	}
	return def[0].name()
}

// collations finds the collations other than BINARY a table's columns
// compare by: a column definition's COLLATE, and one written on a column
// of a PRIMARY KEY or UNIQUE table constraint (an expression's COLLATE in
// a CHECK or DEFAULT compares nothing stored). Each gives its column and
// the collation's name.
func collations(defs [][]token) []clause {
	var out []clause
	for _, def := range defs {
		column := columnOf(def)
		keyed := column == "" && len(def) > 1 && (def[0].isWord("PRIMARY", "UNIQUE") || def[0].isWord("CONSTRAINT") && len(def) > 2 && def[2].isWord("PRIMARY", "UNIQUE"))
		for i := 1; i+1 < len(def); i++ {
			// The name may be quoted ("BINARY", [binary]): SQLite takes
			// it as the same collation.
			if !def[i].isWord("COLLATE") || strings.EqualFold(def[i+1].name(), "BINARY") {
				continue
			}
			switch {
			case column != "" && def[i].depth == 0:
				out = append(out, clause{column: column, text: def[i+1].name()})
			case keyed && def[i].depth == 1:
				out = append(out, clause{column: def[i-1].name(), text: def[i+1].name()})
			}
		}
	}
	return out
}

// checkConstraints finds the CHECK constraints of a CREATE TABLE
// statement, each as written from its CONSTRAINT name or CHECK to the
// closing parenthesis, with its column for a column constraint.
func checkConstraints(ddl string, defs [][]token) []clause {
	var out []clause
	for _, def := range defs {
		column := columnOf(def)
		for i := 0; i+1 < len(def); i++ {
			if def[i].depth != 0 || !def[i].isWord("CHECK") || !def[i+1].is("(") {
				continue
			}
			end := i + 1
			for end+1 < len(def) && !(def[end].is(")") && def[end].depth == 0) {
				end++
			}
			start := i
			if i >= 2 && def[i-2].isWord("CONSTRAINT") {
				start = i - 2
			}
			out = append(out, clause{column: column, text: ddl[def[start].start:def[end].end]})
		}
	}
	return out
}

// fkClause is a foreign key as a CREATE TABLE statement writes it: its
// column for a column constraint, its text from CONSTRAINT, FOREIGN or
// REFERENCES to its last word, and whether it is DEFERRABLE INITIALLY
// DEFERRED.
type fkClause struct {
	column, text string
	deferred     bool
}

// foreignKeyClauses finds the foreign keys of a CREATE TABLE statement in
// the order it declares them.
func foreignKeyClauses(ddl string, defs [][]token) []fkClause {
	var out []fkClause
	for _, def := range defs {
		column := columnOf(def)
		for i := 0; i < len(def); i++ {
			if def[i].depth != 0 || !def[i].isWord("REFERENCES") {
				continue
			}
			start := i
			if column == "" {
				start = 0 // FOREIGN KEY (...) REFERENCES, or CONSTRAINT x FOREIGN KEY ...
			} else if i >= 2 && def[i-2].isWord("CONSTRAINT") {
				start = i - 2
			}
			end, deferred := referencesEnd(def, i)
			out = append(out, fkClause{column: column, text: ddl[def[start].start:def[end].end], deferred: deferred})
			i = end
		}
	}
	return out
}

// referencesEnd finds the last token of the foreign-key clause whose
// REFERENCES is def[at]: the parent table, its columns, then any ON
// DELETE/UPDATE action, MATCH name and [NOT] DEFERRABLE [INITIALLY
// DEFERRED|IMMEDIATE]; deferred says whether it is DEFERRABLE INITIALLY
// DEFERRED (SQLite's one deferred form).
func referencesEnd(def []token, at int) (end int, deferred bool) {
	end = at
	if end+1 < len(def) {
		end++ // the parent table
	}
	if end+1 < len(def) && def[end+1].is("(") {
		for end+1 < len(def) && !(def[end].is(")") && def[end].depth == 0) {
			end++
		}
	}
	word := func(i int, w ...string) bool { return i < len(def) && def[i].depth == 0 && def[i].isWord(w...) }
	for {
		i := end + 1
		switch {
		case word(i, "ON") && word(i+1, "DELETE", "UPDATE"):
			switch {
			case word(i+2, "SET", "NO"):
				end = i + 3
			case word(i+2, "CASCADE", "RESTRICT"):
				end = i + 2
			default:
				return end, deferred
			}
		case word(i, "MATCH") && i+1 < len(def):
			end = i + 1
		case word(i, "NOT") && word(i+1, "DEFERRABLE"), word(i, "DEFERRABLE"):
			not := word(i, "NOT")
			if not {
				i++
			}
			end = i
			if word(i+1, "INITIALLY") && word(i+2, "DEFERRED", "IMMEDIATE") {
				end = i + 2
				deferred = deferred || !not && word(i+2, "DEFERRED")
			}
		default:
			return end, deferred
		}
	}
}

// foreignKeyActions gives a difference for each foreign key of table with
// an ON DELETE or ON UPDATE action (pragma_foreign_key_list says) or
// DEFERRABLE INITIALLY DEFERRED (the table's SQL says), named as the
// catalogue names it (fk_<table>_<id>, the id counting from the last one
// declared) with its clause as written.
func (s *snapshot) foreignKeyActions(ctx context.Context, table, ddl string, defs [][]token) ([]connectors.Difference, error) {
	acts := map[int]bool{}
	err := connectors.EachRow(ctx, s.conn, `SELECT id, on_update, on_delete FROM pragma_foreign_key_list(?)`, []any{table}, func(r *sql.Rows) error {
		var id int
		var onUpdate, onDelete string
		if err := r.Scan(&id, &onUpdate, &onDelete); err != nil {
			return err
		}
		acts[id] = acts[id] || !strings.EqualFold(onUpdate, "NO ACTION") || !strings.EqualFold(onDelete, "NO ACTION")
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("foreign keys: %w", err)
	}
	clauses := foreignKeyClauses(ddl, defs)
	if len(clauses) != len(acts) {
		// The SQL and the pragma disagree on how many there are (a
		// statement this reader misreads): refuse rather than guess.
		return nil, fmt.Errorf("foreign keys: the table's SQL declares %d, pragma_foreign_key_list lists %d", len(clauses), len(acts))
	}
	var out []connectors.Difference
	for k, c := range clauses {
		id := len(clauses) - 1 - k
		if !acts[id] && !c.deferred {
			continue
		}
		name := fmt.Sprintf("fk_%s_%d", table, id)
		out = append(out, connectors.Difference{Table: table, Column: c.column, What: "foreign key", Declared: "none", Existing: name + ", made " + c.text, Constraint: name})
	}
	return out, nil
}

// constraintStart finds where the constraint of the ON at def[on] begins:
// its PRIMARY, UNIQUE or NOT, or the CONSTRAINT that names it.
func constraintStart(def []token, on int) int {
	for i := on - 1; i >= 0; i-- {
		if def[i].depth == 0 && (def[i].isWord("PRIMARY", "UNIQUE") || def[i].isWord("NOT") && i+1 < len(def) && def[i+1].isWord("NULL")) {
			if i >= 2 && def[i-2].isWord("CONSTRAINT") {
				return i - 2
			}
			return i
		}
	}
	return on
}

// definitions splits the tokens of CREATE TABLE name (...) into the
// column and constraint definitions between its parentheses, each token's
// depth counted from the definition's own level.
func definitions(toks []token) [][]token {
	var defs [][]token
	var cur []token
	depth := -1
	for _, t := range toks {
		switch {
		case t.is("("):
			depth++
			if depth == 0 {
				continue
			}
		case t.is(")"):
			if depth == 0 {
				if len(cur) > 0 {
					defs = append(defs, cur)
				}
				return defs
			}
			depth--
		case t.is(",") && depth == 0:
			if len(cur) > 0 {
				defs = append(defs, cur)
			}
			cur = nil
			continue
		}
		if depth >= 0 {
			t.depth = depth
			cur = append(cur, t)
		}
	}
	return defs
}

// token is a word, a quoted identifier or string, or one punctuation
// character of a statement, at start:end of its text.
type token struct {
	text       string
	start, end int
	quoted     bool
	depth      int
}

func (t token) is(punct string) bool { return !t.quoted && t.text == punct }

func (t token) isWord(words ...string) bool {
	if t.quoted {
		return false
	}
	for _, w := range words {
		if strings.EqualFold(t.text, w) {
			return true
		}
	}
	return false
}

// name is the identifier a token spells: a quoted one without its quotes
// (a doubled quote inside read as one).
func (t token) name() string {
	if !t.quoted || len(t.text) < 2 {
		return t.text
	}
	open, body := t.text[0], t.text[1:len(t.text)-1]
	switch open {
	case '"', '`', '\'':
		return strings.ReplaceAll(body, string(open)+string(open), string(open))
	}
	return body // [name]
}

// tokenize splits SQL into tokens, dropping spaces and comments. An
// unterminated quote or comment ends at the end of the text.
func tokenize(s string) []token {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			j := strings.IndexByte(s[i:], '\n')
			if j < 0 {
				j = len(s) - i
			}
			i += j
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				i = len(s)
			} else {
				i += j + 4
			}
		case c == '"' || c == '`' || c == '\'' || c == '[':
			end := quotedEnd(s, i)
			out = append(out, token{text: s[i:end], start: i, end: end, quoted: true})
			i = end
		case isWordByte(c):
			j := i + 1
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			out = append(out, token{text: s[i:j], start: i, end: j})
			i = j
		default:
			out = append(out, token{text: s[i : i+1], start: i, end: i + 1})
			i++
		}
	}
	return out
}

// quotedEnd is the end of the quoted token starting at s[i]: after its
// closing quote, where a doubled quote continues it ([...] has none).
func quotedEnd(s string, i int) int {
	closing := s[i]
	if closing == '[' {
		closing = ']'
	}
	for j := i + 1; j < len(s); j++ {
		if s[j] != closing {
			continue
		}
		if closing != ']' && j+1 < len(s) && s[j+1] == closing {
			j++
			continue
		}
		return j + 1
	}
	return len(s)
}

// isWordByte says whether c belongs to a word: a letter, digit, _ or $,
// or any byte of a non-ASCII character (SQLite takes those as letters).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}
