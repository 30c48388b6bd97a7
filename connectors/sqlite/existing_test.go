package sqlite_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
)

// CheckExistingTables on SQLite: the shared cases, and these.
func TestCheckExistingTables(t *testing.T) {
	conformance.CheckExisting(t, func(t *testing.T, ddl ...string) connectors.Source { return keyTestSource(t, ddl...) },
		// Every ON CONFLICT clause other than ABORT is a difference, named
		// as written with its column; the words in a comment, a string, a
		// CHECK or a foreign key's ON DELETE are not clauses, and a table
		// Create makes has none.
		conformance.ExistingCase{
			Name: "ConflictClauses",
			DDL: []string{
				`CREATE TABLE "pk replace" ("visit id" INTEGER PRIMARY KEY ASC ON CONFLICT REPLACE, w TEXT)`,
				"CREATE TABLE uniq (id INTEGER PRIMARY KEY, code TEXT CONSTRAINT one_code UNIQUE on Conflict ignore, n TEXT NOT NULL ON CONFLICT REPLACE DEFAULT '')",
				"CREATE TABLE tbl (a INTEGER NOT NULL, [b c] TEXT, UNIQUE (a, [b c]) ON CONFLICT FAIL, PRIMARY KEY (a) ON CONFLICT ROLLBACK)",
				"CREATE TABLE quiet (id INTEGER PRIMARY KEY ON CONFLICT ABORT, -- ON CONFLICT REPLACE\n" +
					"note TEXT DEFAULT 'ON CONFLICT REPLACE' CHECK (note <> 'on conflict ignore') /* ON CONFLICT IGNORE */, " +
					"ref INTEGER REFERENCES tbl (a) ON DELETE CASCADE, `on` TEXT, \"conflict\" TEXT)",
				`CREATE TABLE "visit" ("visit_id" INTEGER NOT NULL, "weight_kg" DECIMAL_TEXT(5,1), PRIMARY KEY ("visit_id"))`,
			},
			Tables: []string{"pk replace", "uniq", "tbl", "quiet", "visit"},
			Only:   "conflict clause", // the CHECK and the ON DELETE are ChecksAndForeignKeyActions's
			Want: []string{
				"table pk replace, column visit id: PRIMARY KEY ASC ON CONFLICT REPLACE: ",
				"table uniq, column code: CONSTRAINT one_code UNIQUE on Conflict ignore: ",
				"table uniq, column n: NOT NULL ON CONFLICT REPLACE: ",
				"table tbl: UNIQUE (a, [b c]) ON CONFLICT FAIL: ",
				"table tbl: PRIMARY KEY (a) ON CONFLICT ROLLBACK: ",
			},
		},
		// A column's collation other than BINARY is a difference, written
		// on the column or on its place in a PRIMARY KEY or UNIQUE table
		// constraint; a COLLATE in a CHECK, a default or a generated
		// column's expression compares nothing stored, and BINARY is what
		// Create makes.
		conformance.ExistingCase{
			Name: "Collations",
			DDL: []string{
				"CREATE TABLE col (code TEXT PRIMARY KEY COLLATE NOCASE, name TEXT COLLATE RTRIM NOT NULL, same TEXT COLLATE binary, quoted TEXT COLLATE \"BINARY\", kept TEXT COLLATE [binary])",
				`CREATE TABLE tbl (a TEXT, "b b" TEXT, c TEXT, CONSTRAINT k PRIMARY KEY (a COLLATE nocase), UNIQUE ("b b" COLLATE "RTRIM" DESC, c), UNIQUE (c COLLATE "binary"))`,
				"CREATE TABLE quiet (a TEXT CHECK (a <> 'x' COLLATE NOCASE) DEFAULT ('y'), b TEXT AS (a COLLATE NOCASE), c TEXT, CHECK (c = 'z' COLLATE RTRIM))",
			},
			Tables: []string{"col", "tbl", "quiet"},
			Only:   "collation", // the CHECKs are ChecksAndForeignKeyActions's
			Line: func(d connectors.Difference) string {
				return d.Table + "." + d.Column + " " + d.What + " " + d.Existing + " " + d.Declared
			},
			Want: []string{"col.code collation NOCASE BINARY", "col.name collation RTRIM BINARY", "tbl.a collation nocase BINARY", "tbl.b b collation RTRIM BINARY"},
		},
		// A unique index made by CREATE UNIQUE INDEX that is partial,
		// covers an expression or compares a column by another collation
		// than BINARY is a difference, named with its SQL (the catalogue
		// reads none of them), and so is every trigger on a table asked
		// about; a plain unique index is CompareTable's to judge, a
		// secondary one refuses nothing, and a trigger on another table is
		// not asked about.
		conformance.ExistingCase{
			Name: "UniqueIndexesAndTriggers",
			DDL: []string{
				"CREATE TABLE unit (code TEXT PRIMARY KEY, name TEXT, note TEXT)",
				"CREATE UNIQUE INDEX unit_nocase ON unit (name COLLATE NOCASE)",
				"CREATE UNIQUE INDEX unit_lower ON unit (lower(note))",
				"CREATE UNIQUE INDEX unit_partial ON unit (note) WHERE name IS NOT NULL",
				"CREATE UNIQUE INDEX unit_plain ON unit (name, note COLLATE binary)",
				"CREATE INDEX unit_any ON unit (name COLLATE NOCASE)",
				"CREATE TABLE other (id INTEGER PRIMARY KEY)",
				"CREATE TRIGGER unit_drop BEFORE INSERT ON unit WHEN NEW.note = 'x' BEGIN SELECT RAISE(IGNORE); END",
				"CREATE TRIGGER other_log AFTER INSERT ON other BEGIN SELECT 1; END",
			},
			Tables: []string{"unit"},
			Want: []string{
				"table unit: unique index unit_lower, made CREATE UNIQUE INDEX unit_lower ON unit (lower(note)): ",
				"table unit: unique index unit_nocase, made CREATE UNIQUE INDEX unit_nocase ON unit (name COLLATE NOCASE): ",
				"table unit: unique index unit_partial, made CREATE UNIQUE INDEX unit_partial ON unit (note) WHERE name IS NOT NULL: ",
				"table unit: trigger unit_drop: ",
			},
		},
		// A CHECK constraint (of a column or of the table) is a difference
		// named as written, and so is a foreign key with an ON DELETE or
		// ON UPDATE action or DEFERRABLE INITIALLY DEFERRED, named as the
		// catalogue names it; a plain foreign key (the kind Create writes)
		// and one DEFERRABLE INITIALLY IMMEDIATE are
		// connectors.UndeclaredForeignKeys's to judge.
		conformance.ExistingCase{
			Name: "ChecksAndForeignKeyActions",
			DDL: []string{
				"CREATE TABLE other (id INTEGER PRIMARY KEY, b INT UNIQUE, c INT UNIQUE)",
				"CREATE TABLE unit (code TEXT PRIMARY KEY, weight INT CONSTRAINT light CHECK (weight < 300) NOT NULL, " +
					"a INT REFERENCES other (id) DEFERRABLE INITIALLY DEFERRED, b INT, c INT, d INT REFERENCES other (id) NOT DEFERRABLE INITIALLY DEFERRED, " +
					"e INT REFERENCES other DEFERRABLE, FOREIGN KEY (b) REFERENCES other (b) ON DELETE CASCADE MATCH FULL, " +
					"CONSTRAINT unit_c FOREIGN KEY (c) REFERENCES other (c) ON UPDATE SET NULL, CHECK (length(code) < 5))",
			},
			Tables: []string{"unit"},
			Want: []string{
				"table unit, column weight: check constraint CONSTRAINT light CHECK (weight < 300): ",
				"table unit: check constraint CHECK (length(code) < 5): ",
				"table unit, column a: foreign key fk_unit_4, made REFERENCES other (id) DEFERRABLE INITIALLY DEFERRED: ",
				"table unit: foreign key fk_unit_1, made FOREIGN KEY (b) REFERENCES other (b) ON DELETE CASCADE MATCH FULL: ",
				"table unit: foreign key fk_unit_0, made CONSTRAINT unit_c FOREIGN KEY (c) REFERENCES other (c) ON UPDATE SET NULL: ",
			},
		},
	)
}
