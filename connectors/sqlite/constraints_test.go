package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
)

// On SQLite the foreign key comes with the table and is checked after the
// load: a row of no parent fails CreateConstraints with counts, never the
// value; an identity SQLite cannot number is refused by Create, before any
// row is written.
func TestCreateConstraintsSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	db, err := sqlite.OpenTarget(ctx, location(t, path))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	integer := connectors.Type{Kind: connectors.KindInt, Bits: 64}
	tables := []connectors.Table{
		{Name: "enhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: integer, Identity: true}, {Name: "kod", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true, Default: &connectors.Default{Value: "A"}}},
			Indexes: []connectors.Index{{Name: "uk_kod", Columns: []string{"kod"}, Unique: true}}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: integer}, {Name: "enhet_id", Type: integer, Nullable: true}},
			ForeignKeys: []connectors.ForeignKey{{Name: "fk_enhet", Columns: []string{"enhet_id"}, RefTable: "enhet", RefColumns: []string{"id"}}}},
	}
	if err := db.Create(ctx, tables); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("INSERT INTO enhet (id, kod) VALUES (3, 'X'); INSERT INTO besok VALUES (1, 3), (2, 19121212)"); err != nil {
		t.Fatal(err)
	}
	err = db.CreateConstraints(ctx, tables)
	if err == nil || !strings.Contains(err.Error(), "1 row(s) of besok refer to no row of enhet") || strings.Contains(err.Error(), "19121212") {
		t.Fatalf("an orphan: %v", err)
	}
	if _, err := raw.Exec("DELETE FROM besok WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateConstraints(ctx, tables); err != nil {
		t.Fatal(err)
	}
	var id int64
	var kod string
	if err := raw.QueryRow("INSERT INTO enhet DEFAULT VALUES RETURNING id, kod").Scan(&id, &kod); err != nil || id != 4 || kod != "A" {
		t.Errorf("a new row got %d, %q, %v; want 4, A", id, kod, err)
	}
	if _, err := raw.Exec("INSERT INTO enhet (kod) VALUES ('A')"); err == nil {
		t.Error("the unique index lets a repeated code in")
	}

	pair := []connectors.Table{{Name: "par", PrimaryKey: []string{"a", "b"}, Columns: []connectors.Column{{Name: "a", Type: integer, Identity: true}, {Name: "b", Type: integer}}}}
	if err := db.Create(ctx, pair); err == nil || !strings.Contains(err.Error(), "single-column integer primary key") {
		t.Errorf("an identity in a two-column key: %v", err)
	}
}
