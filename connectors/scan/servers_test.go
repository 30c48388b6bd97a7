package scan_test

import (
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/scan"
)

func notMigratedKinds(rep *scan.Report) map[string]int {
	out := map[string]int{}
	for _, g := range rep.NotMigrated {
		out[g.Kind] = g.Count
	}
	return out
}

// The catalogue queries of MariaDB and PostgreSQL list what a migration
// of tables leaves behind.
func TestNotMigratedOnServers(t *testing.T) {
	want := map[string]int{"view": 1, "trigger": 1, "routine": 1, "foreign_key": 1, "index": 2, "default": 1, "auto_increment": 1}
	t.Run("mariadb", func(t *testing.T) {
		if os.Getenv(mytest.EnvVar) == "" {
			t.Skipf("%s is not set", mytest.EnvVar)
		}
		url := mytest.NewDatabase(t)
		mytest.Exec(t, url,
			`CREATE TABLE enhet (id int NOT NULL AUTO_INCREMENT PRIMARY KEY, kod varchar(4) NOT NULL DEFAULT 'A', namn varchar(20), UNIQUE KEY uk_kod (kod))`,
			`CREATE TABLE besok (id int NOT NULL PRIMARY KEY, enhet_id int, datum date, KEY ix_datum (datum))`,
			`INSERT INTO enhet (namn) VALUES ('x')`,
			`INSERT INTO besok VALUES (1, 1, '2024-01-01'), (2, NULL, NULL)`,
			`ALTER TABLE besok ADD CONSTRAINT fk_enhet FOREIGN KEY (enhet_id) REFERENCES enhet (id)`,
			`CREATE VIEW v AS SELECT id FROM besok`,
			`CREATE TRIGGER tr BEFORE INSERT ON besok FOR EACH ROW SET NEW.datum = NEW.datum`,
			`CREATE FUNCTION f() RETURNS int DETERMINISTIC RETURN 1`,
		)
		rep := scanURL(t, url)
		checkSizes(t, rep)
		got := notMigratedKinds(rep)
		// InnoDB adds an index for the foreign key (named fk_enhet): with
		// uk_kod and ix_datum, three.
		want := map[string]int{"view": 1, "trigger": 1, "routine": 1, "foreign_key": 1, "index": 3, "default": 1, "auto_increment": 1}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %d, want %d (%+v)", k, got[k], n, rep.NotMigrated)
			}
		}
	})
	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(pgtest.EnvVar) == "" {
			t.Skipf("%s is not set", pgtest.EnvVar)
		}
		url := pgtest.NewDatabase(t)
		pgtest.Exec(t, url,
			`CREATE TABLE enhet (id serial PRIMARY KEY, kod varchar(4) NOT NULL DEFAULT 'A' UNIQUE, namn varchar(20))`,
			`CREATE TABLE besok (id int PRIMARY KEY, enhet_id int REFERENCES enhet (id), datum date)`,
			`CREATE INDEX ix_datum ON besok (datum)`,
			`INSERT INTO enhet (namn) VALUES ('x')`,
			`INSERT INTO besok VALUES (1, 1, '2024-01-01')`,
			`CREATE VIEW v AS SELECT id FROM besok`,
			`CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
			`CREATE TRIGGER tr BEFORE INSERT ON besok FOR EACH ROW EXECUTE FUNCTION f()`,
			// A second schema with tables: the plan reads public only.
			`CREATE SCHEMA hist`,
			`CREATE TABLE hist.besok_1998 (id int PRIMARY KEY)`,
		)
		rep := scanURL(t, url)
		checkSizes(t, rep)
		got := notMigratedKinds(rep)
		want := maps.Clone(want)
		want["schema"] = 1
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %d, want %d (%+v)", k, got[k], n, rep.NotMigrated)
			}
		}
	})
}

// checkSizes holds every table of a server's scan to a size its
// catalogue gave: positive, and named in the Markdown report.
func checkSizes(t *testing.T, rep *scan.Report) {
	t.Helper()
	var md strings.Builder
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, tb := range rep.Tables {
		if tb.SizeBytes <= 0 {
			t.Errorf("table %s: size %d bytes, want the catalogue's (> 0)", tb.Name, tb.SizeBytes)
		}
		if !strings.Contains(md.String(), "- size: "+tb.SizeText()) {
			t.Errorf("the Markdown report lacks table %s's size %s", tb.Name, tb.SizeText())
		}
	}
}
