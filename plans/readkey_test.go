package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// writeKeyPlan writes a plan migrating the source tables a (primary key
// id) and then logg (keyed by keyLine, a mapping's key: or nothing) into
// a_out and logg_out.
func writeKeyPlan(t *testing.T, dir, keyLine string) *plans.Plan {
	t.Helper()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: a_out
    primary_key: [id]
    columns:
      - {name: id, type: bigint}
      - {name: x, type: text}
  - name: logg_out
    columns:
      - {name: k, type: text}
      - {name: v, type: text}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: a_out
    source: a
    no_person: synthetic test rows
    columns:
      id: id
      x: x
  - target: logg_out
    source: logg
    no_person: synthetic test rows
`+keyLine+`    columns:
      k: k
      v: v
`)
	return loadPlan(t, writePlan(t, dir, ""))
}

// A mapping's key: on a source table without a primary key whose key
// columns are not unique or hold NULLs: one run reads the table through
// one ordered cursor and migrates every row, but a run stopped between
// two rows of one key value resumes with "key > last" and skips the
// rest of them (and a NULL key, which sorts apart, is never read again),
// which only the end count shows and only --restart recovers. The run
// must refuse such a key before anything is written, naming the table,
// the key columns and how many rows repeat a key or have a NULL in it,
// and map check must say so at the key's line.
func TestKeyNotUniqueIsRefusedBeforeAnyWrite(t *testing.T) {
	for name, newDB := range serverDatabases(t) {
		t.Run(name, func(t *testing.T) {
			src := newDB(t)
			stmts := []string{
				`CREATE TABLE a (id INT PRIMARY KEY, x VARCHAR(10))`,
				`INSERT INTO a VALUES (1,'x'),(2,'y'),(3,'z')`,
				`CREATE TABLE logg (k VARCHAR(10), v VARCHAR(10))`,
				`INSERT INTO logg VALUES ('a','1'),('b','2'),('b','3'),('b','4'),('c','5'),(NULL,'6')`,
			}
			if name == "mariadb" {
				mytest.Exec(t, src, stmts...)
			} else {
				pgtest.Exec(t, src, stmts...)
			}
			dir := t.TempDir()
			p := writeKeyPlan(t, dir, "    key: [k]\n")
			p.BatchSize = 2
			tgt := filepath.Join(dir, "target.db")
			_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + tgt, WorkDir: filepath.Join(dir, "work")})
			if err == nil {
				t.Fatal("run with a key of duplicates and NULLs: no error, want a refusal before any write")
			}
			msg := err.Error()
			for _, want := range []string{"logg", "k", "2 rows repeat", "1 row has a NULL", "nothing was written"} {
				if !strings.Contains(msg, want) {
					t.Errorf("run: %v\nwant it to say %q", err, want)
				}
			}
			if names := targetTables(t, "sqlite://"+tgt); len(names) > 0 {
				t.Errorf("run refused with tables %v in the target, want none written", names)
			}
			ds, err := plans.CheckMappings(context.Background(), p, plans.Options{SourceURL: src})
			if err != nil {
				t.Fatal(err)
			}
			if e := ds.Err(); e == nil || !strings.Contains(e.Error(), "m.yaml:11") || !strings.Contains(e.Error(), "2 rows repeat") {
				t.Errorf("map check: %v, want an error at m.yaml:11 (key:) saying 2 rows repeat a key", ds)
			}
		})
	}
}

// TestKeyOrderOffTheSearchPathIsRefusedBeforeAnyWrite: a PostgreSQL
// keyset read whose key type orders by an operator off the search_path
// (citext in public, the tables in schema reg) is refused by the
// connector, but it used to be refused only when the run reached that
// table, after the batches of the tables before it had committed. The
// run must refuse before anything is written, and map check say so.
func TestKeyOrderOffTheSearchPathIsRefusedBeforeAnyWrite(t *testing.T) {
	if os.Getenv("REGFLYTT_TEST_PG") == "" {
		t.Skip("REGFLYTT_TEST_PG is not set")
	}
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE EXTENSION IF NOT EXISTS citext SCHEMA public`,
		`CREATE SCHEMA reg`,
		`CREATE TABLE reg.a (id int PRIMARY KEY, x text)`,
		`INSERT INTO reg.a VALUES (1,'x'),(2,'y'),(3,'z')`,
		`CREATE TABLE reg.logg (k public.citext PRIMARY KEY, v text)`,
		`INSERT INTO reg.logg VALUES ('a','1'),('B','2'),('c','3'),('D','4')`)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	src := url + sep + "schema=reg"
	dir := t.TempDir()
	p := writeKeyPlan(t, dir, "")
	p.BatchSize = 2
	tgt := filepath.Join(dir, "target.db")
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + tgt, WorkDir: filepath.Join(dir, "work")})
	if err == nil || !strings.Contains(err.Error(), "search_path=public") || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("run: %v, want a refusal naming search_path=public before anything is written", err)
	}
	if names := targetTables(t, "sqlite://"+tgt); len(names) > 0 {
		t.Errorf("run refused with tables %v in the target, want none written", names)
	}
	if _, err := plans.CheckMappings(context.Background(), p, plans.Options{SourceURL: src}); err == nil || !strings.Contains(err.Error(), "search_path=public") {
		t.Errorf("map check: %v, want the refusal naming search_path=public", err)
	}
}

// Receiving columns whose names differ only in case (Id, ID) are one
// column to MariaDB: a run into MariaDB failed on them only when it
// created its tables, with the server's "Duplicate column name". plan
// check refuses them at the column's line (S002), and so does the run,
// before anything is written.
func TestColumnNamesOnlyCaseApartAreRefusedBeforeAnyWrite(t *testing.T) {
	if os.Getenv("REGFLYTT_TEST_MYSQL") == "" {
		t.Skip("REGFLYTT_TEST_MYSQL is not set")
	}
	dir := t.TempDir()
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{{Name: "a", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("x")}}},
		map[string][][]connectors.Value{"a": {{int64(1), "x"}}})
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: a_out
    primary_key: [Id]
    columns:
      - {name: Id, type: bigint}
      - {name: ID, type: text}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: a_out
    source: a
    no_person: synthetic test rows
    columns:
      Id: id
      ID: x
`)
	plan := writePlan(t, dir, "")
	if _, ds := plans.Check(plan); ds.Err() == nil || !strings.Contains(ds.Err().Error(), "schema.yaml:7:16: error S002") {
		t.Errorf("plan check: %v, want S002 at schema.yaml:7:16", ds)
	}
	p, ds := plans.Load(plan)
	if p == nil {
		t.Fatal(ds)
	}
	tgt := mytest.NewDatabase(t)
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "work")})
	if err == nil || !strings.Contains(err.Error(), "S002") {
		t.Errorf("run: %v, want the S002 refusal", err)
	}
	if names := targetTables(t, tgt); len(names) > 0 {
		t.Errorf("run refused with tables %v in the target, want none written", names)
	}
}
