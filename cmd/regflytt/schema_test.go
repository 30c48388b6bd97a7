package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the legacy file is written with raw SQL

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/mappings"
)

// legacySQLite writes a legacy file the way other programs do: declared
// types SQLite does not check, a foreign key, no regflytt types.
func legacySQLite(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE vardenhet (id INTEGER PRIMARY KEY, namn VARCHAR(100) NOT NULL)`,
		`CREATE TABLE "besök" (id INTEGER NOT NULL, rad INTEGER NOT NULL, vardenhet_id INTEGER REFERENCES vardenhet(id),
		  datum DATE, tid DATETIME, vikt NUMERIC(5,1), summa DECIMAL(60,2), rokare BOOLEAN, stor BIGINT UNSIGNED, PRIMARY KEY (id, rad))`,
		`INSERT INTO vardenhet VALUES (1, 'Akuten'), (2, 'Ortopeden')`,
		`INSERT INTO "besök" (id, rad, vardenhet_id, datum) VALUES (1, 1, 1, '2024-02-29')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return "sqlite://" + path
}

func TestSchemaReport(t *testing.T) {
	src := legacySQLite(t)
	code, out, errs := cli(t, "schema", "--source", src, "--to", "mysql", "--count")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"2 tables; receiving DDL for mysql",
		"table besök (about 1 rows)",
		"primary key: id, rad",
		"foreign key fk_besök_0: (vardenhet_id) references vardenhet (id)",
		"datum         DATE",
		"CREATE TABLE IF NOT EXISTS `besök` (",
		"`tid` datetime(6),",
		"`rokare` tinyint(1) COMMENT 'regflytt:boolean'",
		"-- besök.summa (DECIMAL(60,2)) left out: source type \"DECIMAL(60,2)\" has 60 digits",
		"1 column(s) cannot be created as they are on mysql",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// The --yaml output is a receiving schema mappings.LoadSchema reads
// without a diagnostic, declaring what the target can hold.
func TestSchemaYAMLLoads(t *testing.T) {
	src := legacySQLite(t)
	code, out, errs := cli(t, "schema", src, "--to", "postgres", "--yaml", "--platform", "mottagare")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	path := filepath.Join(t.TempDir(), "schema.yaml")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	s, ds := mappings.LoadSchema(path)
	if len(ds) > 0 {
		t.Fatalf("the proposal does not load:\n%v\n%s", ds, out)
	}
	if s.Platform != "mottagare" || len(s.Tables) != 2 {
		t.Fatalf("platform %q, %d tables", s.Platform, len(s.Tables))
	}
	besok := s.Table("besök")
	if besok == nil || strings.Join(besok.PrimaryKey, ",") != "id,rad" {
		t.Fatalf("table besök: %+v", besok)
	}
	want := map[string]string{"id": "bigint", "datum": "date", "tid": "datetime(6)", "vikt": "decimal(5,1)", "rokare": "boolean"}
	for name, typ := range want {
		c := besok.Column(name)
		if c == nil || c.Type.String() != typ {
			t.Errorf("column %s: %+v, want type %s", name, c, typ)
		}
	}
	// Beyond 38 digits: left out with the reason, for the mapping to decide.
	if besok.Column("summa") != nil || !strings.Contains(out, "# summa (DECIMAL(60,2)): source type") {
		t.Errorf("summa is not left out with its reason:\n%s", out)
	}
}

func TestSchemaUsage(t *testing.T) {
	src := legacySQLite(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"schema", src}, exitUsage, "needs --to"},
		{[]string{"schema", src, "--to", "oracle"}, exitUsage, `--to "oracle": want one of mysql, postgres, sqlite, sqlserver`},
		{[]string{"schema", "--to", "mysql"}, exitUsage, "needs --source URL"},
		{[]string{"schema", src, "--source", src, "--to", "mysql"}, exitUsage, "give the source once"},
		{[]string{"schema", src, src, "--to", "mysql"}, exitUsage, "takes the source as --source URL"},
		{[]string{"schema", "--source", src, "--to", "sqlite", "--yaml", "--json"}, exitUsage, "choose one"},
		{[]string{"schema", "sqlite:///nonexistent/legacy.db", "--to", "mysql"}, exitError, "open source"},
	} {
		code, out, errs := cli(t, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d with %q", c.args, code, out+errs, c.code, c.want)
		}
	}
}

// On a MariaDB legacy platform: the types PostgreSQL cannot hold are named
// with the reason, the catalogue's row estimates and keys are printed,
// and the proposal loads.
func TestSchemaMariaDB(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"SET SESSION sql_mode = ''",
		"CREATE TABLE enhet (id int PRIMARY KEY, namn varchar(40) CHARACTER SET latin1 NOT NULL) ENGINE=InnoDB",
		"CREATE TABLE patient (id bigint unsigned NOT NULL, enhet int, fodd date, aktiv tinyint(1), typ enum('a','b'), belopp decimal(65,2), data json, registrerad datetime(6), "+
			"PRIMARY KEY (id), FOREIGN KEY fk_enhet (enhet) REFERENCES enhet (id)) ENGINE=InnoDB",
		"INSERT INTO enhet VALUES (1, 'Akuten')",
		"INSERT INTO patient (id, enhet, fodd) VALUES (18446744073709551615, 1, '0000-00-00')",
		"ANALYZE TABLE enhet, patient",
	)
	code, out, errs := cli(t, "schema", dbURL, "--to", "postgres")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"table patient (about 1 rows)",
		"foreign key fk_enhet: (enhet) references enhet (id)",
		"varchar(40) latin1",
		"id           bigint(20) unsigned",
		// bigint unsigned as the scan proposes it: in the DDL, not left out
		`"id" numeric(20,0) NOT NULL`,
		`ALTER TABLE "patient" ADD CONSTRAINT "fk_enhet" FOREIGN KEY ("enhet") REFERENCES "enhet" ("id");`,
		`CREATE INDEX "fk_enhet" ON "patient" ("enhet");`,
		"source type \"decimal(65,2)\" has 65 digits",
		`"aktiv" smallint`,
		`"data" json`,
		`"registrerad" timestamp(6)`,
		"1 column(s) cannot be created as they are on postgres",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = cli(t, "schema", dbURL, "--to", "postgres", "--json")
	if code != exitOK || !strings.Contains(out, `"after_load": [`) || !strings.Contains(out, `FOREIGN KEY (\"enhet\") REFERENCES \"enhet\"`) {
		t.Errorf("--json: exit %d, no after_load foreign key: %s%s", code, out, errs)
	}
	code, out, errs = cli(t, "schema", dbURL, "--to", "mysql", "--yaml")
	if code != exitOK {
		t.Fatalf("--yaml: exit %d: %s", code, errs)
	}
	path := filepath.Join(t.TempDir(), "schema.yaml")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	s, ds := mappings.LoadSchema(path)
	if len(ds) > 0 {
		t.Fatalf("the proposal does not load:\n%v\n%s", ds, out)
	}
	p := s.Table("patient")
	if p == nil || p.Column("id").Type.String() != "decimal(20,0)" || p.Column("typ").Type.Kind != connectors.KindText || len(p.ForeignKeys) != 1 {
		t.Fatalf("patient: %+v\n%s", p, out)
	}
}
