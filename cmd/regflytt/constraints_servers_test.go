package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings"
)

// sakilaMini is sakila in miniature: two tables with a foreign key, a
// unique and a secondary index, defaults (a number, a decimal, text with a
// quote, the current time) and auto-increments, their highest ids above
// their row counts.
var sakilaMini = []string{
	"CREATE TABLE store (store_id tinyint unsigned NOT NULL AUTO_INCREMENT, name varchar(40) NOT NULL, code char(4) NOT NULL, " +
		"active tinyint NOT NULL DEFAULT 1, last_update timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE current_timestamp(), " +
		"PRIMARY KEY (store_id), UNIQUE KEY uk_code (code)) ENGINE=InnoDB",
	"CREATE TABLE customer (customer_id smallint unsigned NOT NULL AUTO_INCREMENT, store_id tinyint unsigned NOT NULL, last_name varchar(45) NOT NULL, " +
		"create_date datetime NOT NULL, rating decimal(3,1) DEFAULT 2.5, note varchar(20) DEFAULT 'it''s', " +
		"PRIMARY KEY (customer_id), KEY idx_last_name (last_name), CONSTRAINT fk_customer_store FOREIGN KEY (store_id) REFERENCES store (store_id)) ENGINE=InnoDB",
	"INSERT INTO store (store_id, name, code) VALUES (1, 'Lund', 'LU01'), (2, 'Malmö', 'MA01'), (7, 'Ystad', 'YS01')",
	"INSERT INTO customer (customer_id, store_id, last_name, create_date) VALUES (1, 1, 'Ek', '2020-01-01 10:00:00'), (2, 2, 'Al', '2020-02-01 10:00:00'), (40, 7, 'Ek', '2021-03-04 05:06:07')",
	"CREATE TABLE rental (rental_id bigint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, customer_id smallint unsigned NOT NULL, " +
		"CONSTRAINT fk_rental_customer FOREIGN KEY (customer_id) REFERENCES customer (customer_id)) ENGINE=InnoDB",
	"INSERT INTO rental VALUES (5, 1), (9, 40)",
}

// A migrated database keeps working: a MariaDB source shaped like sakila,
// scanned (--schema-out, --mapping-skeleton) and run into PostgreSQL and
// SQLite, has its foreign key, indexes, defaults and identities on the
// target, created after the load; a row inserted without an id gets the
// highest id plus one. Before, all of them were silently absent.
func TestProposalKeepsDatabaseWorking(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" {
		t.Skipf("needs %s", mytest.EnvVar)
	}
	src := mytest.NewDatabase(t)
	mytest.Exec(t, src, sakilaMini...)

	dir := filepath.Join(t.TempDir(), "skeleton")
	schemaOut := filepath.Join(t.TempDir(), "schema.yaml")
	code, _, errs := cli(t, "scan", src, "--reference-date", "2026-01-01", "--out", filepath.Join(t.TempDir(), "scan.json"),
		"--schema-out", schemaOut, "--mapping-skeleton", dir, "-q")
	if code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, errs)
	}
	proposed, _ := os.ReadFile(schemaOut)
	for _, want := range []string{
		"{name: store_id, type: tinyint unsigned, identity: true",
		"{name: customer_id, type: smallint unsigned, identity: true",
		"{name: active, type: tinyint, not_null: true, default: \"1\"",
		"{name: last_update, type: timestamptz, not_null: true, default: current_timestamp",
		"{name: rating, type: \"decimal(3,1)\", default: \"2.5\"",
		"{name: note, type: varchar(20), default: \"it's\"",
		"- {name: uk_code, columns: [code], unique: true}",
		"- {name: idx_last_name, columns: [last_name]}",
		"- {name: fk_customer_store, columns: [store_id], references: {table: store, columns: [store_id]}}",
		// every value fits bigint: it stays an identity
		"{name: rental_id, type: bigint, identity: true",
	} {
		if !strings.Contains(string(proposed), want) {
			t.Errorf("--schema-out lacks %s:\n%s", want, proposed)
		}
	}
	skeleton, _ := os.ReadFile(filepath.Join(dir, "schema.yaml"))
	for _, want := range []string{`identity: true`, `references: {table: "store", columns: ["store_id"]}`, `{name: "uk_code", columns: ["code"], unique: true}`} {
		if !strings.Contains(string(skeleton), want) {
			t.Errorf("the skeleton's schema lacks %s:\n%s", want, skeleton)
		}
	}
	skelMapping, _ := os.ReadFile(filepath.Join(dir, "mapping.yaml"))
	if !strings.Contains(string(skelMapping), `parent: {table: "store", key: ["store_id"]}`) {
		t.Errorf("the skeleton's mapping declares no parent:\n%s", skelMapping)
	}
	// The run uses the schema --schema-out proposed.
	if err := os.WriteFile(filepath.Join(dir, "schema.yaml"), proposed, 0o644); err != nil {
		t.Fatal(err)
	}
	schema, ds := mappings.LoadSchema(schemaOut)
	if err := ds.Err(); err != nil {
		t.Fatalf("the proposal does not load: %v", err)
	}
	t.Setenv("REGFLYTT_SOURCE", src)

	check := func(t *testing.T, tgt string, insert func(t *testing.T) (id int64, rating, note string)) {
		t.Setenv("REGFLYTT_TARGET", tgt)
		code, out, errs := cli(t, "run", filepath.Join(dir, "plan.yaml"), "--work", t.TempDir(), "-q")
		if code != exitOK {
			t.Fatalf("run: exit %d: %s%s", code, out, errs)
		}
		ctx := context.Background()
		target, err := all.OpenTarget(ctx, tgt)
		if err != nil {
			t.Fatal(err)
		}
		defer target.Close()
		snap, err := target.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tables, err := snap.Tables(ctx)
		snap.Close()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*connectors.Table{}
		for i := range tables {
			got[tables[i].Name] = &tables[i]
		}
		store, customer := got["store"], got["customer"]
		if store == nil || customer == nil {
			t.Fatalf("tables %v", tables)
		}
		if rental := got["rental"]; rental == nil || !rental.Column("rental_id").Identity || len(rental.ForeignKeys) != 1 {
			t.Errorf("rental: %+v", rental)
		}
		if !store.Column("store_id").Identity || !customer.Column("customer_id").Identity {
			t.Errorf("identity: store_id %v, customer_id %v", store.Column("store_id").Identity, customer.Column("customer_id").Identity)
		}
		if d := customer.Column("note").Default; d == nil || d.Value != "it's" {
			t.Errorf("note default %v", d)
		}
		if d := customer.Column("rating").Default; d == nil || d.Value != "2.5" {
			t.Errorf("rating default %v", d)
		}
		if d := store.Column("last_update").Default; d == nil || !d.Now {
			t.Errorf("last_update default %v", d)
		}
		if len(customer.ForeignKeys) != 1 || customer.ForeignKeys[0].RefTable != "store" || customer.ForeignKeys[0].Columns[0] != "store_id" {
			t.Errorf("customer foreign keys %+v", customer.ForeignKeys)
		}
		if !hasIndex(store, "code", true) || !hasIndex(customer, "last_name", false) {
			t.Errorf("indexes: store %+v, customer %+v", store.Indexes, customer.Indexes)
		}
		// A re-run's comparison finds nothing to object to, and creating
		// the constraints again changes nothing.
		for _, name := range []string{"store", "customer"} {
			if diffs := connectors.CompareTable(target.Dialect(), schema.Table(name), got[name]); len(diffs) > 0 {
				t.Errorf("%s differs after the run: %v", name, diffs)
			}
		}
		if err := target.(connectors.ConstraintCreator).CreateConstraints(ctx, schema.Tables); err != nil {
			t.Errorf("CreateConstraints again: %v", err)
		}
		id, rating, note := insert(t)
		if id != 41 || rating != "2.5" || note != "it's" {
			t.Errorf("a new customer got id %d, rating %s, note %q; want 41 (past the highest, 40), 2.5, it's", id, rating, note)
		}
	}

	t.Run("postgres", func(t *testing.T) {
		if os.Getenv(pgtest.EnvVar) == "" {
			t.Skipf("needs %s", pgtest.EnvVar)
		}
		tgt := pgtest.NewDatabase(t)
		check(t, tgt, func(t *testing.T) (int64, string, string) {
			ctx := context.Background()
			conn, err := pgx.Connect(ctx, tgt)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			var id int64
			var rating, note string
			if err := conn.QueryRow(ctx, "INSERT INTO customer (store_id, last_name, create_date) VALUES (7, 'Ny', '2026-01-01') RETURNING customer_id, rating::text, note").Scan(&id, &rating, &note); err != nil {
				t.Fatal(err)
			}
			// The foreign key holds: a customer of no store is refused.
			if _, err := conn.Exec(ctx, "INSERT INTO customer (store_id, last_name, create_date) VALUES (99, 'X', '2026-01-01')"); err == nil || !strings.Contains(err.Error(), "fk_customer_store") {
				t.Errorf("a customer of no store: %v", err)
			}
			return id, rating, note
		})
	})
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "recv.db")
		check(t, "sqlite://"+path, func(t *testing.T) (int64, string, string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var id int64
			var rating, note string
			if err := db.QueryRow("INSERT INTO customer (store_id, last_name, create_date) VALUES (7, 'Ny', '2026-01-01 00:00:00') RETURNING customer_id, rating, note").Scan(&id, &rating, &note); err != nil {
				t.Fatal(err)
			}
			return id, rating, note
		})
	})
}

func hasIndex(t *connectors.Table, col string, unique bool) bool {
	for _, ix := range t.Indexes {
		if len(ix.Columns) == 1 && ix.Columns[0] == col && ix.Unique == unique {
			return true
		}
	}
	return false
}

// init --source writes the same proposal as schema: a bigint unsigned key
// as decimal(20,0), cast in the mapping, and the foreign keys, indexes,
// defaults and identities; the plan runs into PostgreSQL with every row.
func TestInitFromMariaDBRuns(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" || os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("needs %s and %s", mytest.EnvVar, pgtest.EnvVar)
	}
	src := mytest.NewDatabase(t)
	mytest.Exec(t, src, append(sakilaMini,
		"CREATE TABLE tally (id bigint unsigned NOT NULL PRIMARY KEY, n int NOT NULL DEFAULT 0)",
		"INSERT INTO tally VALUES (18446744073709551615, 1), (1, 2)",
		// a customer of a store the legacy database lost
		"SET foreign_key_checks = 0",
		"INSERT INTO customer (customer_id, store_id, last_name, create_date) VALUES (50, 99, 'Orphan', '2022-01-01')")...)
	dir := filepath.Join(t.TempDir(), "reg")
	if code, _, errs := cli(t, "init", dir, "--source", src, "--to", "postgres", "-q"); code != exitOK {
		t.Fatalf("init: exit %d: %s", code, errs)
	}
	mapping, _ := os.ReadFile(filepath.Join(dir, "mapping.yaml"))
	if !strings.Contains(string(mapping), `id: {from: id, cast: "decimal(20,0)"}`) {
		t.Errorf("mapping.yaml does not cast the unsigned key:\n%s", mapping)
	}
	for _, want := range []string{"parent: {table: store, key: [store_id]}", "parent: {table: customer, key: [customer_id]}"} {
		if !strings.Contains(string(mapping), want) {
			t.Errorf("mapping.yaml lacks %s:\n%s", want, mapping)
		}
	}
	// Without the values, a bigint unsigned auto-increment becomes
	// decimal(20,0), which numbers nothing: the schema says so.
	schema, _ := os.ReadFile(filepath.Join(dir, "schema.yaml"))
	if !strings.Contains(string(schema), "# not carried: identity of rental_id: the receiving type decimal(20,0) cannot number rows") {
		t.Errorf("schema.yaml does not say the identity is not carried:\n%s", schema)
	}
	tgt := pgtest.NewDatabase(t)
	t.Setenv("REGFLYTT_TARGET", tgt)
	work := t.TempDir()
	code, out, errs := cli(t, "run", filepath.Join(dir, "plan.yaml"), "--source", src, "--work", work, "-q")
	if code != exitOK {
		t.Fatalf("run: exit %d: %s%s", code, out, errs)
	}
	if strings.Contains(errs, "M043") {
		t.Errorf("the starter mapping declares no parent for a foreign key:\n%s", errs)
	}
	// The orphan is archived, not migrated to break the foreign key.
	if res, _ := os.ReadFile(filepath.Join(work, "report.json")); !strings.Contains(string(res), `"orphan": 1`) {
		t.Errorf("the orphan customer is not archived as orphan:\n%s", res)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, tgt)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var maxID string
	var fks int
	if err := conn.QueryRow(ctx, "SELECT max(id)::text FROM tally").Scan(&maxID); err != nil || maxID != "18446744073709551615" {
		t.Errorf("tally max id %s, %v", maxID, err)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conname = 'fk_customer_store'").Scan(&fks); err != nil || fks != 1 {
		t.Errorf("foreign keys %d, %v", fks, err)
	}
}
