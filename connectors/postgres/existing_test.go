package postgres_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// CheckExistingTables on PostgreSQL: the shared cases, and these.
func TestCheckExistingTables(t *testing.T) {
	pgtest.AdminURL(t)
	conformance.CheckExisting(t, func(t *testing.T, ddl ...string) connectors.Source {
		u := pgtest.NewDatabase(t)
		pgtest.Exec(t, u, ddl...)
		return openTarget(t, u)
	},
		// A unique index the catalogue does not read (over an expression,
		// partial, of a nondeterministic collation) or NULLS NOT
		// DISTINCT, and an exclusion constraint are differences named with
		// their definition, as is every trigger and rule on a table asked
		// about; a plain unique index is CompareTable's to judge, a
		// secondary one refuses nothing, a foreign key's internal triggers
		// are the server's, and another table is not asked about.
		conformance.ExistingCase{
			Name: "UniqueIndexesTriggersAndRules",
			DDL: []string{
				"CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false)",
				"CREATE TABLE other (id int PRIMARY KEY)",
				"CREATE TABLE unit (code varchar(20) PRIMARY KEY, name varchar(40), note text, o int REFERENCES other, r int4range)",
				"CREATE UNIQUE INDEX unit_lower ON unit (lower(name))",
				"CREATE UNIQUE INDEX unit_partial ON unit (note) WHERE code <> 'x'",
				"CREATE UNIQUE INDEX unit_nocase ON unit (note COLLATE nocase)",
				"CREATE UNIQUE INDEX unit_plain ON unit (name, note)",
				"CREATE UNIQUE INDEX unit_nulls ON unit (o) NULLS NOT DISTINCT",
				"CREATE INDEX unit_any ON unit (lower(note))",
				"ALTER TABLE unit ADD CONSTRAINT unit_excl EXCLUDE USING gist (r WITH &&)",
				"CREATE FUNCTION drop_row() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$",
				"CREATE TRIGGER unit_drop BEFORE INSERT ON unit FOR EACH ROW EXECUTE FUNCTION drop_row()",
				"CREATE TRIGGER other_drop BEFORE INSERT ON other FOR EACH ROW EXECUTE FUNCTION drop_row()",
				"CREATE RULE unit_nothing AS ON INSERT TO unit DO INSTEAD NOTHING",
			},
			Tables: []string{"unit"},
			Want: []string{
				"table unit: unique index unit_excl, made CREATE INDEX unit_excl ON public.unit USING gist (r): ",
				"table unit: unique index unit_lower, made CREATE UNIQUE INDEX unit_lower ON public.unit USING btree (lower((name)::text)): ",
				"table unit: unique index unit_nocase, made CREATE UNIQUE INDEX unit_nocase ON public.unit USING btree (note COLLATE nocase): ",
				"table unit: unique index unit_nulls, made CREATE UNIQUE INDEX unit_nulls ON public.unit USING btree (o) NULLS NOT DISTINCT: ",
				"table unit: unique index unit_partial, made CREATE UNIQUE INDEX unit_partial ON public.unit USING btree (note) WHERE ((code)::text <> 'x'::text): ",
				"table unit: trigger unit_drop: ",
				"table unit: rule unit_nothing: ",
			},
		},
		// A CHECK constraint (of a column or of the table) is a difference
		// named with its definition, and so is a foreign key with an ON
		// DELETE or ON UPDATE action, DEFERRABLE or MATCH FULL; a plain
		// foreign key (the kind CreateConstraints makes) is
		// connectors.UndeclaredForeignKeys's to judge, and a NOT NULL is no
		// CHECK.
		conformance.ExistingCase{
			Name: "ChecksAndForeignKeyActions",
			DDL: []string{
				"CREATE TABLE other (id int PRIMARY KEY, b int UNIQUE, c int UNIQUE, d int UNIQUE, e int, UNIQUE (d, e))",
				"CREATE TABLE unit (code varchar(20) PRIMARY KEY, weight int NOT NULL CHECK (weight < 300), a int REFERENCES other, " +
					"b int REFERENCES other (b) ON DELETE CASCADE, c int REFERENCES other (c) DEFERRABLE INITIALLY DEFERRED, d int, e int, " +
					"CONSTRAINT unit_de FOREIGN KEY (d, e) REFERENCES other (d, e) MATCH FULL, CONSTRAINT unit_short CHECK (length(code) < 5))",
			},
			Tables: []string{"unit"},
			Want: []string{
				"table unit: check constraint unit_short, made CHECK ((length((code)::text) < 5)): ",
				"table unit: check constraint unit_weight_check, made CHECK ((weight < 300)): ",
				"table unit: foreign key unit_b_fkey, made FOREIGN KEY (b) REFERENCES other(b) ON DELETE CASCADE: ",
				"table unit: foreign key unit_c_fkey, made FOREIGN KEY (c) REFERENCES other(c) DEFERRABLE INITIALLY DEFERRED: ",
				"table unit: foreign key unit_de, made FOREIGN KEY (d, e) REFERENCES other(d, e) MATCH FULL: ",
			},
		},
	)
}
