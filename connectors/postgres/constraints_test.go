package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// On PostgreSQL: the identity's sequence starts past the highest value, a
// default keeps its backslash, the catalogue reads all of it back as
// declared (a second call changes nothing), and rows that break a foreign
// key fail it naming the constraint, never the value, with nothing of it
// created (one transaction).
func TestCreateConstraintsPostgres(t *testing.T) {
	url := pgtest.NewDatabase(t)
	db := openTarget(t, url)
	ctx := context.Background()
	integer := connectors.Type{Kind: connectors.KindInt, Bits: 32}
	tables := []connectors.Table{
		{Name: "enhet", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
			{Name: "id", Type: integer, Identity: true},
			{Name: "kod", Type: connectors.Type{Kind: connectors.KindText, Length: 10}, Default: &connectors.Default{Value: `a\b`}},
		}, Indexes: []connectors.Index{{Name: "uk_kod", Columns: []string{"kod"}, Unique: true}}},
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: integer}, {Name: "enhet_id", Type: integer, Nullable: true}},
			ForeignKeys: []connectors.ForeignKey{{Name: "fk_enhet", Columns: []string{"enhet_id"}, RefTable: "enhet", RefColumns: []string{"id"}}}},
	}
	if err := db.Create(ctx, tables); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, url, "INSERT INTO enhet VALUES (0, 'x'), (7, 'y')", "INSERT INTO besok VALUES (1, 7), (2, 424242)")
	err := db.CreateConstraints(ctx, tables)
	if err == nil || !strings.Contains(err.Error(), "fk_enhet") || strings.Contains(err.Error(), "424242") {
		t.Fatalf("an orphan: %v", err)
	}
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := snap.Tables(ctx)
	snap.Close()
	if len(got) != 2 || len(got[1].Indexes) != 0 || got[1].Column("id").Identity {
		t.Errorf("a failed CreateConstraints left some behind: %+v", got)
	}
	pgtest.Exec(t, url, "DELETE FROM besok WHERE id = 2")
	for i := 0; i < 2; i++ {
		if err := db.CreateConstraints(ctx, tables); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var id int64
	var kod string
	if err := conn.QueryRow(ctx, "INSERT INTO enhet DEFAULT VALUES RETURNING id, kod").Scan(&id, &kod); err != nil || id != 8 || kod != `a\b` {
		t.Errorf("a new row: %d, %q, %v; want 8, a\\b", id, kod, err)
	}
	snap, err = db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	got, _ = snap.Tables(ctx)
	for i, name := range []string{"besok", "enhet"} {
		decl := &tables[1-i]
		if got[i].Name != name {
			t.Fatalf("tables %v", got)
		}
		if diffs := connectors.CompareTable(db.Dialect(), decl, &got[i]); len(diffs) > 0 {
			t.Errorf("%s: %v", name, diffs)
		}
		if todo, err := connectors.PendingConstraints(decl, &got[i]); err != nil || len(todo.Indexes)+len(todo.ForeignKeys) > 0 || todo.Columns[0].Identity {
			t.Errorf("%s still pending: %+v, %v", name, todo, err)
		}
	}
	if d := got[1].Column("kod").Default; d == nil || d.Value != `a\b` {
		t.Errorf("kod default read back as %v", d)
	}
}
