package mysql_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/wrap"
)

func constrainedTables() []connectors.Table {
	integer := connectors.Type{Kind: connectors.KindInt, Bits: 32}
	text := connectors.Type{Kind: connectors.KindText, Length: 10}
	return []connectors.Table{
		{Name: "enhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			{Name: "id", Type: integer, Identity: true},
			{Name: "kod", Type: text, Default: &connectors.Default{Value: `a'b\c`}},
			{Name: "skapad", Type: connectors.Type{Kind: connectors.KindDateTime}, Nullable: true, Default: &connectors.Default{Now: true}},
			{Name: "andrad", Type: connectors.Type{Kind: connectors.KindTimestamp, Precision: 3}, Nullable: true, Default: &connectors.Default{Now: true}},
		}, Indexes: []connectors.Index{{Name: "uk_kod", Columns: []string{"kod"}, Unique: true}}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			{Name: "id", Type: integer},
			{Name: "enhet_id", Type: integer, Nullable: true},
		}, ForeignKeys: []connectors.ForeignKey{{Name: "fk_enhet", Columns: []string{"enhet_id"}, RefTable: "enhet", RefColumns: []string{"id"}}}},
	}
}

// The statements are pinned: schema prints them, and CreateConstraints runs them.
func TestConstraintStatements(t *testing.T) {
	tables := constrainedTables()
	got, err := mysql.Dialect{}.ConstraintStatements(&tables[0])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"ALTER TABLE `enhet` MODIFY `id` int NOT NULL AUTO_INCREMENT",
		"ALTER TABLE `enhet` AUTO_INCREMENT = 1",
		"ALTER TABLE `enhet` ALTER COLUMN `kod` SET DEFAULT 'a''b\\\\c'",
		"ALTER TABLE `enhet` ALTER COLUMN `skapad` SET DEFAULT CURRENT_TIMESTAMP",
		"ALTER TABLE `enhet` ALTER COLUMN `andrad` SET DEFAULT (UTC_TIMESTAMP(3))",
		"CREATE UNIQUE INDEX `uk_kod` ON `enhet` (`kod`)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// An index InnoDB could take only by a prefix is refused up front.
	long := tables[0]
	long.Columns = append([]connectors.Column(nil), long.Columns...)
	long.Columns[1].Type.Length = 0
	if _, err := (mysql.Dialect{}).ConstraintStatements(&long); err == nil || !strings.Contains(err.Error(), "index uk_kod: MariaDB indexes a text column only by a prefix") {
		t.Errorf("an index over text: %v", err)
	}
	got, _ = mysql.Dialect{}.ConstraintStatements(&tables[1])
	if len(got) != 1 || got[0] != "ALTER TABLE `besok` ADD CONSTRAINT `fk_enhet` FOREIGN KEY (`enhet_id`) REFERENCES `enhet` (`id`)" {
		t.Errorf("got %q", got)
	}
}

// On MariaDB as the receiving platform: a migrated id 0 stays 0 when the
// column becomes AUTO_INCREMENT (MariaDB renumbers it without
// NO_AUTO_VALUE_ON_ZERO), new rows number past the highest, the default
// keeps its quote and backslash, and a second call changes nothing.
func TestCreateConstraintsMariaDB(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" {
		t.Skipf("%s is not set", mytest.EnvVar)
	}
	url := mytest.NewDatabase(t)
	db := openTarget(t, url)
	ctx := context.Background()
	tables := constrainedTables()
	if err := db.Create(ctx, tables); err != nil {
		t.Fatal(err)
	}
	mytest.Exec(t, url, "INSERT INTO enhet (id, kod) VALUES (0, 'x'), (7, 'y')", "INSERT INTO besok VALUES (1, 0), (2, 7)")
	if err := db.CreateConstraints(ctx, tables); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateConstraints(ctx, tables); err != nil {
		t.Fatalf("again: %v", err)
	}
	mytest.Exec(t, url, "INSERT INTO enhet (kod) VALUES ('z')", "INSERT INTO enhet () VALUES ()")
	raw := mytest.Open(t, url)
	var ids, kod string
	if err := raw.QueryRow("SELECT GROUP_CONCAT(id ORDER BY id), (SELECT kod FROM enhet WHERE id = 9) FROM enhet").Scan(&ids, &kod); err != nil {
		t.Fatal(err)
	}
	if ids != "0,7,8,9" || kod != `a'b\c` {
		t.Errorf("ids %s (want 0,7,8,9), default %q", ids, kod)
	}
	if _, err := raw.Exec("INSERT INTO besok VALUES (3, 99)"); err == nil {
		t.Error("the foreign key lets a visit of no unit in")
	}
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	got, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tables {
		todo, err := connectors.PendingConstraints(&tables[i], &got[(i+1)%2]) // sorted: besok, enhet
		if err != nil || len(todo.Indexes)+len(todo.ForeignKeys) > 0 || todo.Columns[0].Identity {
			t.Errorf("%s: still pending after CreateConstraints: %+v, %v", tables[i].Name, todo, err)
		}
	}
	// A unique index the rows break is an error that does not quote the value.
	tables[1].Indexes = []connectors.Index{{Name: "uk_enhet", Columns: []string{"enhet_id"}, Unique: true}}
	mytest.Exec(t, url, "INSERT INTO besok VALUES (4, 7)")
	err = db.CreateConstraints(ctx, tables)
	if err == nil || !strings.Contains(err.Error(), "uk_enhet") || strings.Contains(err.Error(), "'7'") {
		t.Errorf("a duplicate: %v", err)
	}
	// The driver's error stays in the chain (only its text is withheld),
	// so that what classifies faults by number sees a 1062, not a lost
	// connection to retry or nothing at all.
	var me *gomysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1062 {
		t.Errorf("a duplicate: %v does not wrap MariaDB's error 1062", err)
	}
	if wrap.IsTransient(err) {
		t.Errorf("a duplicate is taken for a transient fault: %v", err)
	}
}

// A declared foreign key is created over the migrated rows only if they
// hold it: with foreign_key_checks off (a server's global default after a
// bulk restore, which every new session takes), InnoDB adds the
// constraint without reading a row, so a visit of no unit stayed in the
// receiving platform under a foreign key that says there is none, and
// the run PASSed. CreateConstraints turns the checks on for its own
// session.
func TestCreateConstraintsChecksRowsWhateverTheSession(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" {
		t.Skipf("%s is not set", mytest.EnvVar)
	}
	url := mytest.NewDatabase(t)
	db := openTarget(t, url)
	ctx := context.Background()
	tables := constrainedTables()
	if err := db.Create(ctx, tables); err != nil {
		t.Fatal(err)
	}
	mytest.Exec(t, url, "INSERT INTO enhet (id, kod) VALUES (7, 'y')", "INSERT INTO besok VALUES (1, 7), (2, 99)")
	// Every session the pool opens is as the server's default makes it.
	if err := mysql.ExecOnOnlyConnection(ctx, db, "SET SESSION foreign_key_checks = 0"); err != nil {
		t.Fatal(err)
	}
	err := db.CreateConstraints(ctx, tables)
	if err == nil || !strings.Contains(err.Error(), "fk_enhet") || !strings.Contains(err.Error(), "MariaDB error 1452") {
		t.Fatalf("a foreign key the rows break: got %v, want error 1452 naming fk_enhet", err)
	}
	var n int
	if err := mytest.Open(t, url).QueryRow("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_NAME = 'fk_enhet'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("the foreign key was created over a row that breaks it")
	}
}

// A timestamptz column's default written as an instant ('…Z' or
// '…+00:00', which the notation accepts) is its UTC wall clock in the
// column (see Dialect.ColumnType): MariaDB refuses the zone in a datetime
// default (error 1067), so CreateConstraints failed after every row was
// loaded.
func TestCreateConstraintsTimestamptzDefault(t *testing.T) {
	if os.Getenv(mytest.EnvVar) == "" {
		t.Skipf("%s is not set", mytest.EnvVar)
	}
	url := mytest.NewDatabase(t)
	db := openTarget(t, url)
	ctx := context.Background()
	tables := []connectors.Table{{Name: "logg", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "z", Type: connectors.Type{Kind: connectors.KindTimestamp, Precision: 3}, Nullable: true, Default: &connectors.Default{Value: "2020-01-01T01:00:00.5Z"}},
		{Name: "o", Type: connectors.Type{Kind: connectors.KindTimestamp}, Nullable: true, Default: &connectors.Default{Value: "2020-01-01 02:00:00+00:00"}},
		{Name: "p", Type: connectors.Type{Kind: connectors.KindTimestamp}, Nullable: true, Default: &connectors.Default{Value: "2020-01-01 03:00:00"}},
	}}}
	if err := db.Create(ctx, tables); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateConstraints(ctx, tables); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateConstraints(ctx, tables); err != nil {
		t.Fatalf("again: %v", err)
	}
	// What verify compares: the catalogue reads the defaults as declared.
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := snap.Tables(ctx)
	snap.Close()
	if err != nil || len(got) != 1 {
		t.Fatalf("catalogue %v: %v", got, err)
	}
	if d := connectors.CompareTable(mysql.Dialect{}, &tables[0], &got[0]); len(d) > 0 {
		t.Errorf("the created table differs from the declared one: %v", d)
	}
	mytest.Exec(t, url, "INSERT INTO logg (id) VALUES (1)")
	var z, o, p string
	if err := mytest.Open(t, url).QueryRow("SELECT z, o, p FROM logg").Scan(&z, &o, &p); err != nil {
		t.Fatal(err)
	}
	if z != "2020-01-01 01:00:00.500" || o != "2020-01-01 02:00:00" || p != "2020-01-01 03:00:00" {
		t.Errorf("defaults gave %s, %s, %s", z, o, p)
	}
}
