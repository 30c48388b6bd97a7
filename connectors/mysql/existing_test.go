package mysql_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// CheckExistingTables on MariaDB: the shared cases, and these.
func TestCheckExistingTables(t *testing.T) {
	mytest.ServerURL(t)
	conformance.CheckExisting(t, func(t *testing.T, ddl ...string) connectors.Source {
		u := mytest.NewDatabase(t)
		mytest.Exec(t, u, ddl...)
		return openTarget(t, u)
	},
		// A unique index over a column prefix (which the catalogue leaves
		// out) is a difference named with its columns, and so is every
		// trigger on a table asked about; a unique index over whole
		// columns is CompareTable's to judge, and another table is not
		// asked about.
		conformance.ExistingCase{
			Name: "PrefixIndexesAndTriggers",
			DDL: []string{
				"CREATE TABLE other (id int PRIMARY KEY) ENGINE=InnoDB",
				"CREATE TABLE unit (code varchar(20) PRIMARY KEY, name varchar(40), note varchar(40), UNIQUE KEY unit_prefix (note, name(3)), UNIQUE KEY unit_plain (name)) ENGINE=InnoDB",
				"CREATE TRIGGER unit_upper BEFORE INSERT ON unit FOR EACH ROW SET NEW.name = UPPER(NEW.name)",
				"CREATE TRIGGER other_log AFTER INSERT ON other FOR EACH ROW SET @n = 1",
			},
			Tables: []string{"unit"},
			Want: []string{
				"table unit: unique index unit_prefix (note, name(3)): ",
				"table unit: trigger unit_upper: ",
			},
		},
		// A CHECK constraint (of a column or of the table) is a difference
		// named with its definition, but not the json_valid check MariaDB
		// gives a JSON column; so is a foreign key with an ON DELETE or ON
		// UPDATE action. A plain foreign key is
		// connectors.UndeclaredForeignKeys's to judge.
		conformance.ExistingCase{
			Name: "ChecksAndForeignKeyActions",
			DDL: []string{
				"CREATE TABLE other (id int PRIMARY KEY, b int UNIQUE, c int UNIQUE) ENGINE=InnoDB",
				"CREATE TABLE unit (code varchar(20) PRIMARY KEY, doc json, weight int CHECK (weight < 300), a int, b int, c int, " +
					"CONSTRAINT unit_a FOREIGN KEY (a) REFERENCES other (id), CONSTRAINT unit_b FOREIGN KEY (b) REFERENCES other (b) ON DELETE CASCADE, " +
					"CONSTRAINT unit_c FOREIGN KEY (c) REFERENCES other (c) ON UPDATE SET NULL, CONSTRAINT unit_short CHECK (length(code) < 5)) ENGINE=InnoDB",
			},
			Tables: []string{"unit"},
			Want: []string{
				"table unit: check constraint unit_short, made CHECK (octet_length(`code`) < 5): ",
				"table unit: check constraint weight, made CHECK (`weight` < 300): ",
				"table unit: foreign key unit_b, made FOREIGN KEY (b) REFERENCES other (b) ON DELETE CASCADE ON UPDATE RESTRICT: ",
				"table unit: foreign key unit_c, made FOREIGN KEY (c) REFERENCES other (c) ON DELETE RESTRICT ON UPDATE SET NULL: ",
			},
		},
		// A primary key over a column prefix takes two keys that begin
		// alike for one, as a prefix unique index does: LOAD DATA skips
		// the second with a warning, and the run stopped there with the
		// target half written. The catalogue reads its columns only.
		conformance.ExistingCase{
			Name: "PrefixPrimaryKey",
			DDL: []string{
				"CREATE TABLE unit (code varchar(20) NOT NULL, name varchar(40), PRIMARY KEY (code(3))) ENGINE=InnoDB",
				"CREATE TABLE other (code varchar(20) NOT NULL PRIMARY KEY) ENGINE=InnoDB",
			},
			Tables: []string{"unit", "other"},
			Want: []string{
				"table unit: unique index PRIMARY (code(3)): ",
			},
		},
		// A generated column, VIRTUAL or STORED, is a difference named
		// with its expression (LOAD DATA stores the expression's value in
		// place of the one written, without a warning); a column with a
		// DEFAULT expression is not, and neither is another table's.
		conformance.ExistingCase{
			Name: "GeneratedColumns",
			DDL: []string{
				"CREATE TABLE other (id int PRIMARY KEY, twice int AS (id * 2) VIRTUAL) ENGINE=InnoDB",
				"CREATE TABLE unit (code varchar(20) PRIMARY KEY, a int DEFAULT (1 + 1), upper_code varchar(20) AS (UPPER(code)) PERSISTENT, " +
					"tenfold int AS (a * 10) VIRTUAL) ENGINE=InnoDB",
			},
			Tables: []string{"unit"},
			Want: []string{
				"table unit, column upper_code: generated column, made AS (ucase(`code`)) STORED GENERATED: ",
				"table unit, column tenfold: generated column, made AS (`a` * 10) VIRTUAL GENERATED: ",
			},
		},
	)
}
