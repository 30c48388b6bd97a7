package connectors

import (
	"fmt"
	"slices"
	"strings"
)

// A receiving table that exists before a run is left alone by Create
// (CREATE TABLE IF NOT EXISTS), so its columns, not the declared ones,
// decide what is stored: a numeric(5,0) where the schema says
// decimal(5,1) rounds 60.5 to 61 without an error. CompareTable finds
// such a table before anything is written.

// Difference is one way an existing receiving table differs from the
// table the receiving schema declares. It names places and types, never
// a value.
type Difference struct {
	Table string
	// Column is empty for a difference of the whole table (its primary
	// key).
	Column string
	// What is "missing column", "extra column", "type", "collation",
	// "nullability", "primary key", "conflict clause" (Existing is the
	// clause, see ExistingTableChecker), "unique index" (one the schema
	// does not declare, or declared but made otherwise: over an
	// expression, partial, of another collation; Existing names it and
	// its columns), "trigger" (Existing is its name), "rule" (PostgreSQL;
	// likewise), "foreign key" (one the schema does not declare, or one
	// made with an ON DELETE or ON UPDATE action, deferred or MATCH FULL;
	// Existing names it with its definition), "check" (a CHECK constraint
	// Create does not make; likewise) or "constraint" (an index or
	// foreign key of the declared name with another definition; Existing
	// says which).
	What string
	// Constraint names the foreign key a "foreign key" difference is
	// about, so that one found both by UndeclaredForeignKeys and by a
	// dialect's ExistingTableChecker is said once.
	Constraint string
	// Declared and Existing say what the schema declares (as this
	// dialect would create it) and what the database has.
	Declared, Existing string
}

func (d Difference) String() string {
	where := "table " + d.Table
	if d.Column != "" {
		where += ", column " + d.Column
	}
	switch d.What {
	case "missing column":
		return fmt.Sprintf("%s: the schema declares it (%s) but the existing table has no such column", where, d.Declared)
	case "extra column":
		return fmt.Sprintf("%s: the existing table has it (%s) but the schema does not declare it", where, d.Existing)
	case "constraint":
		return d.Existing
	case "conflict clause":
		return fmt.Sprintf("%s: %s: the table resolves a conflict itself, regflytt creates no such clause (REPLACE deletes the row already written, IGNORE drops the new one, both without an error)", where, d.Existing)
	case "unique index":
		return fmt.Sprintf("%s: unique index %s: the schema does not declare it so, and it can refuse rows regflytt writes (two records whose values there it takes for equal), stopping the run with the target half written", where, d.Existing)
	case "trigger":
		return fmt.Sprintf("%s: trigger %s: regflytt creates none, and a trigger can change, add or drop the rows regflytt writes without an error", where, d.Existing)
	case "rule":
		return fmt.Sprintf("%s: rule %s: regflytt creates none, and a rule can rewrite or drop the rows regflytt writes without an error", where, d.Existing)
	case "foreign key":
		return fmt.Sprintf("%s: foreign key %s: regflytt makes only the declared foreign keys, after the load, checked at once and without actions: this one can refuse rows regflytt writes (a record whose parent is not there), stopping the run with the target half written, and an ON DELETE or ON UPDATE action or a deferred check changes or refuses rows out of the run's sight", where, d.Existing)
	case "generated column":
		return fmt.Sprintf("%s: generated column, made %s: regflytt creates none, and the server stores its expression's value in place of the one regflytt writes (LOAD DATA without an error)", where, d.Existing)
	case "check":
		return fmt.Sprintf("%s: check constraint %s: regflytt creates no such check, and it can refuse rows regflytt writes, stopping the run with the target half written", where, d.Existing)
	case "collation":
		return fmt.Sprintf("%s: collation differs: the existing table has %s, regflytt creates %s (another collation compares text otherwise: a case- or accent-insensitive one takes 'ABC' and 'abc' for one key, a PAD SPACE one 'a' and 'a '; a run would merge or refuse distinct keys)", where, d.Existing, d.Declared)
	}
	return fmt.Sprintf("%s: %s differs: the existing table has %s, the schema declares %s", where, d.What, d.Existing, d.Declared)
}

// ExistingColumnChecker is implemented by dialects to say whether a
// column read from their catalogue is the column their Create makes for a
// declared type. It is needed where the catalogue reads a created column
// as another canonical type than declared (PostgreSQL has no tinyint), and
// where two column types read as one canonical type but store values
// differently (PostgreSQL's character(n) pads what varchar(n) keeps;
// SQLite's DECIMAL converts '12.50' to a REAL, DECIMAL_TEXT keeps it).
// Without it, CompareTable compares canonical types exactly.
type ExistingColumnChecker interface {
	// CheckExisting reports whether c is what Create makes of type t; want
	// names that column type in the database's own words, for the message.
	CheckExisting(t Type, c *Column) (want string, ok bool)
}

// ExistingCollationChecker is implemented by dialects whose catalogue
// reads a collation per text column (Column.Collation). Two columns of
// one type that compare text otherwise hold other keys: a
// case-insensitive unique key takes 'ABC' and 'abc' for one, so a run
// into a table made by hand with it passed every check before writing
// and stopped at its first write on a duplicate key.
type ExistingCollationChecker interface {
	// CheckCollation reports whether c, read from the catalogue, compares
	// text as the column Create makes of type t; want names that
	// collation, for the message. A column of a type without a collation
	// is ok.
	CheckCollation(t Type, c *Column) (want string, ok bool)
}

// CompareTable compares a receiving table that already exists (as d's
// catalogue reads it) with the table the receiving schema declares: the
// set of columns, each column's type (kind, width, precision and scale,
// length), collation (where the dialect has them) and nullability, and the primary key in its order. Column order
// is not compared: targets name the columns they write. It returns every
// difference, in the declared table's column order, then extra columns,
// then the primary key; none means the existing table holds exactly what
// a created one would.
func CompareTable(d Dialect, declared, existing *Table) []Difference {
	var out []Difference
	checker, _ := d.(ExistingColumnChecker)
	collations, _ := d.(ExistingCollationChecker)
	for i := range declared.Columns {
		dc := &declared.Columns[i]
		ec := existing.Column(dc.Name)
		if ec == nil {
			out = append(out, Difference{Table: declared.Name, Column: dc.Name, What: "missing column", Declared: describeDeclared(dc)})
			continue
		}
		want, ok := "", true
		if checker != nil {
			want, ok = checker.CheckExisting(dc.Type, ec)
		} else {
			want, ok = dc.Type.String(), SameType(dc.Type, ec.Type)
		}
		if !ok {
			declaredType := dc.Type.String()
			if want != "" && !strings.EqualFold(want, declaredType) {
				declaredType += " (created as " + want + ")"
			}
			out = append(out, Difference{Table: declared.Name, Column: dc.Name, What: "type", Declared: declaredType, Existing: existingType(ec)})
		}
		if collations != nil {
			if want, ok := collations.CheckCollation(dc.Type, ec); !ok {
				out = append(out, Difference{Table: declared.Name, Column: dc.Name, What: "collation", Declared: want, Existing: ec.Collation})
			}
		}
		if dc.Nullable != ec.Nullable {
			out = append(out, Difference{Table: declared.Name, Column: dc.Name, What: "nullability", Declared: nullability(dc.Nullable), Existing: nullability(ec.Nullable)})
		}
	}
	for i := range existing.Columns {
		ec := &existing.Columns[i]
		if declared.Column(ec.Name) == nil {
			out = append(out, Difference{Table: declared.Name, Column: ec.Name, What: "extra column", Existing: existingType(ec) + " " + nullability(ec.Nullable)})
		}
	}
	if strings.Join(declared.PrimaryKey, "\x00") != strings.Join(existing.PrimaryKey, "\x00") {
		out = append(out, Difference{Table: declared.Name, What: "primary key", Declared: keyText(declared.PrimaryKey), Existing: keyText(existing.PrimaryKey)})
	}
	// Indexes, foreign keys, defaults and identities are created after the
	// load, so one that is missing is not a difference (a run creates it);
	// one that exists under the declared name with another definition is,
	// since the run could not create the declared one after loading.
	if _, err := PendingConstraints(declared, existing); err != nil {
		out = append(out, Difference{Table: declared.Name, What: "constraint", Declared: "see schema", Existing: err.Error()})
	}
	return out
}

// UndeclaredUniqueIndexes finds the unique indexes of an existing table
// that the schema does not declare: each refuses a row whose values there
// an earlier row has, which the declared key lets through, so a run into
// the table stopped at that row with the target half written. One over
// the whole primary key and more admits whatever the key admits and is
// left alone, as is one of a declared index's name (CompareTable, through
// PendingConstraints, compares those). What the catalogue does not read
// (an index over an expression, a partial one) a dialect's
// ExistingTableChecker reports. It is not part of CompareTable: a unique
// index added to a receiving table after a run refuses nothing already
// written, and changes nothing verification proved.
func UndeclaredUniqueIndexes(declared, existing *Table) []Difference {
	var out []Difference
	for _, ex := range existing.Indexes {
		if !ex.Unique || len(declared.PrimaryKey) > 0 && containsAll(ex.Columns, declared.PrimaryKey) {
			continue
		}
		known := false
		for _, ix := range declared.Indexes {
			known = known || ix.Name == ex.Name || ix.Unique && slices.Equal(ix.Columns, ex.Columns)
		}
		if !known {
			out = append(out, Difference{Table: declared.Name, What: "unique index", Declared: "none", Existing: ex.Name + " (" + strings.Join(ex.Columns, ", ") + ")"})
		}
	}
	return out
}

// UndeclaredForeignKeys finds the foreign keys of an existing table (as
// the catalogue reads them) that the schema does not declare, by name or
// by definition: each refuses a row whose parent is not in the table it
// refers to, which nothing in the run looks at (a parent outside the
// receiving schema, or one the run writes later), so a run stopped at the
// first with the target half written. A declared one made by an earlier
// run (CreateConstraints, after its load) is left alone, so that a run
// resumed after it is not refused; one of a declared name and another
// definition CompareTable reports. What the catalogue does not read (an
// ON DELETE action, a deferred check) a dialect's ExistingTableChecker
// reports. Like UndeclaredUniqueIndexes it is not part of CompareTable: a
// foreign key added after a run changes nothing verification proved.
func UndeclaredForeignKeys(declared, existing *Table) []Difference {
	var out []Difference
	for _, ex := range existing.ForeignKeys {
		known := false
		for _, fk := range declared.ForeignKeys {
			known = known || fk.Name == ex.Name || fk.RefTable == ex.RefTable && slices.Equal(fk.Columns, ex.Columns) && slices.Equal(fk.RefColumns, ex.RefColumns)
		}
		if !known {
			def := fmt.Sprintf("%s (%s) REFERENCES %s (%s)", ex.Name, strings.Join(ex.Columns, ", "), ex.RefTable, strings.Join(ex.RefColumns, ", "))
			out = append(out, Difference{Table: declared.Name, What: "foreign key", Declared: "none", Existing: def, Constraint: ex.Name})
		}
	}
	return out
}

// containsAll says whether every one of want is among have.
func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// SameType reports whether two canonical types hold exactly the same
// values: same kind, width, signedness, precision, scale and length.
func SameType(a, b Type) bool { return a == b }

func describeDeclared(c *Column) string { return c.Type.String() + " " + nullability(c.Nullable) }

func existingType(c *Column) string {
	s := c.Type.String()
	if c.SourceType != "" {
		s = c.SourceType
	}
	if c.Charset != "" && (c.Type.Kind == KindText || c.Type.Kind == KindJSON) {
		s += " (" + c.Charset + ")"
	}
	return s
}

func nullability(nullable bool) string {
	if nullable {
		return "NULL"
	}
	return "NOT NULL"
}

func keyText(cols []string) string {
	if len(cols) == 0 {
		return "no primary key"
	}
	return "(" + strings.Join(cols, ", ") + ")"
}
