package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/sqlite"
	"github.com/regflytt/regflytt/mappings/lexical"
)

// legacyTable is a legacy table in SQLite's own words, with the column
// kinds a legacy platform's catalogue would report.
func legacyTable() connectors.Table {
	return connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", SourceType: "INTEGER", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "datum", SourceType: "DATE", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true},
		{Name: "inskriven", SourceType: "DATETIME", Type: connectors.Type{Kind: connectors.KindDateTime}, Nullable: true},
		{Name: "ort", SourceType: "VARCHAR(40)", Charset: "latin1", Type: connectors.Type{Kind: connectors.KindText, Length: 40}, Nullable: true},
		{Name: "anteckning", SourceType: "TEXT", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
}

func TestLegacyRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "legacy.db")
	tgt, err := sqlite.OpenTarget(ctx, location(t, path))
	if err != nil {
		t.Fatal(err)
	}
	tbl := legacyTable()
	if err := tgt.CreateLegacy(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.BeginLegacy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]connectors.Value{
		{int64(1), connectors.InvalidDate{Raw: "0000-00-00"}, connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, []byte("Ume\xe5"), []byte("Sm\xf6rg\xe5s")},
		{int64(2), connectors.InvalidDate{Raw: "2024-05-00"}, connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 5, Day: 13}, Hour: 8}, []byte("\xc3\xa5\x80"), "vanlig text"},
		{int64(3), connectors.Date{Year: 2023, Month: 2, Day: 30}, nil, "Växjö", nil},
	}
	if n, err := tx.Write(ctx, &tbl, rows); err != nil || n != 3 {
		t.Fatalf("write: %d rows, %v", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tgt.Close()

	got := readAll(t, path, "besok")
	want := [][]connectors.Value{
		{int64(1), connectors.InvalidDate{Raw: "0000-00-00"}, connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, "Umeå", "Sm\xf6rg\xe5s"},
		{int64(2), connectors.InvalidDate{Raw: "2024-05-00"}, connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 5, Day: 13}, Hour: 8}, "Ã¥€", "vanlig text"},
		{int64(3), connectors.InvalidDate{Raw: "2023-02-30"}, nil, "Växjö", nil},
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if !equalValue(got[i][j], want[i][j]) {
				t.Errorf("row %d column %s: got %#v, want %#v", i+1, tbl.Columns[j].Name, got[i][j], want[i][j])
			}
		}
	}
}

// catalogueOf opens the file at path as a source and gives a snapshot,
// closed when the test ends, and its catalogue.
func catalogueOf(t *testing.T, path string) (connectors.Snapshot, []connectors.Table) {
	t.Helper()
	ctx := context.Background()
	src, err := sqlite.OpenSource(ctx, location(t, path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return snap, tables
}

// readAll reads a table back through the ordinary Source, as a migration
// would.
func readAll(t *testing.T, path, table string) [][]connectors.Value {
	t.Helper()
	ctx := context.Background()
	snap, tables := catalogueOf(t, path)
	for i := range tables {
		if tables[i].Name != table {
			continue
		}
		rs, err := snap.Scan(ctx, &tables[i], connectors.ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		var out [][]connectors.Value
		for rs.Next() {
			out = append(out, append([]connectors.Value(nil), rs.Row()...))
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Fatalf("no table %s in the catalogue", table)
	return nil
}

func equalValue(a, b connectors.Value) bool {
	if ab, ok := a.([]byte); ok {
		bb, ok := b.([]byte)
		return ok && string(ab) == string(bb)
	}
	return a == b
}

func TestCreateLegacyRefusesExistingAndInjectedTypes(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.OpenTarget(ctx, location(t, filepath.Join(t.TempDir(), "l.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tbl := legacyTable()
	if err := db.CreateLegacy(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateLegacy(ctx, []connectors.Table{tbl}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second CreateLegacy: got %v, want a refusal", err)
	}
	for _, bad := range []string{"INTEGER); DROP TABLE besok; --", "TEXT DEFAULT 'x'", "INT -- c", "a.b"} {
		bt := connectors.Table{Name: "x", Columns: []connectors.Column{{Name: "a", SourceType: bad}}}
		if err := db.CreateLegacy(ctx, []connectors.Table{bt}); err == nil || !strings.Contains(err.Error(), "only letters") {
			t.Errorf("source type %q: got %v, want a refusal", bad, err)
		}
	}
	// The source types are what the catalogue reports back.
	tgtTables := func() []connectors.Table {
		snap, err := db.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Close()
		ts, err := snap.Tables(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}()
	if len(tgtTables) != 1 {
		t.Fatalf("tables after refused creates: %d, want 1", len(tgtTables))
	}
	for i, c := range tgtTables[0].Columns {
		if c.SourceType != tbl.Columns[i].SourceType {
			t.Errorf("column %s: source type %q, declared %q", c.Name, c.SourceType, tbl.Columns[i].SourceType)
		}
	}
}

// The writer's Latin-1 decoding must be the mapping language's, byte for
// byte, or a platform built here would not read like the same platform on
// MariaDB.
func TestLegacyLatin1MatchesLexical(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "l.db")
	db, err := sqlite.OpenTarget(ctx, location(t, path))
	if err != nil {
		t.Fatal(err)
	}
	tbl := connectors.Table{Name: "t", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", SourceType: "INTEGER", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "s", SourceType: "TEXT", Charset: "latin1", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	if err := db.CreateLegacy(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	all := make([]byte, 0, 255)
	for b := 1; b < 256; b++ {
		all = append(all, byte(b))
	}
	tx, err := db.BeginLegacy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1), all}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()
	got := readAll(t, path, "t")[0][1]
	if want := lexical.DecodeWindows1252(all); got != want {
		t.Fatalf("latin1 bytes 1..255 decoded to %q, lexical gives %q", got, want)
	}
}
