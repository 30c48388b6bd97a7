package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/mappings/lexical"
)

// legacyTable is a legacy table in its PostgreSQL rendition: the zero
// dates' columns are text, because no PostgreSQL date holds them.
func legacyTable() connectors.Table {
	return connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", SourceType: "integer", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "datum", SourceType: "text", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		{Name: "registrerad", SourceType: "date", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true},
		{Name: "ort", SourceType: "text", Charset: "latin1", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		{Name: "bilaga", SourceType: "bytea", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true},
	}}
}

func TestLegacyRoundTrip(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	tgt := openTarget(t, url)
	tbl := legacyTable()
	if err := tgt.CreateLegacy(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.BeginLegacy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Rolled back on failure, or the pool's Close waits for it forever.
	defer tx.Rollback()
	all := make([]byte, 0, 255)
	for b := 1; b < 256; b++ {
		all = append(all, byte(b))
	}
	d := connectors.Date{Year: 2024, Month: 5, Day: 13}
	rows := [][]connectors.Value{
		{int64(1), connectors.InvalidDate{Raw: "0000-00-00"}, d, []byte("Ume\xe5"), []byte{0xe5, 0}},
		{int64(2), connectors.InvalidDate{Raw: "2024-05-00"}, nil, []byte("\xc3\xa5"), nil},
		{int64(3), d, nil, all, []byte{}},
	}
	if n, err := tx.Write(ctx, &tbl, rows); err != nil || n != 3 {
		t.Fatalf("write: %d rows, %v", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	snap := snapshot(t, openSource(t, url))
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v %v", tables, err)
	}
	rs, err := snap.Scan(ctx, &tables[0], connectors.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	// Zero dates read back as the text MariaDB prints for them; Latin-1
	// bytes as the text they mean.
	want := [][]connectors.Value{
		{int64(1), "0000-00-00", d, "Umeå", "\xe5\x00"},
		{int64(2), "2024-05-00", nil, "Ã¥", nil},
		{int64(3), "2024-05-13", nil, lexical.DecodeWindows1252(all), ""},
	}
	i := 0
	for rs.Next() {
		for j, v := range rs.Row() {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if v != want[i][j] {
				t.Errorf("row %d column %s: got %#v, want %#v", i+1, tbl.Columns[j].Name, v, want[i][j])
			}
		}
		i++
	}
	if err := rs.Err(); err != nil || i != len(want) {
		t.Fatalf("read %d rows: %v", i, err)
	}
}

// What PostgreSQL cannot hold is refused before anything is sent, with a
// message that says what to declare instead and never holds the value.
func TestLegacyWriteRefuses(t *testing.T) {
	ctx := context.Background()
	tgt := openTarget(t, pgtest.NewDatabase(t))
	tbl := legacyTable()
	if err := tgt.CreateLegacy(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	if err := tgt.CreateLegacy(ctx, []connectors.Table{tbl}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second CreateLegacy: got %v", err)
	}
	bad := connectors.Table{Name: "x", Columns: []connectors.Column{{Name: "a", SourceType: "text); DROP TABLE besok; --"}}}
	if err := tgt.CreateLegacy(ctx, []connectors.Table{bad}); err == nil || !strings.Contains(err.Error(), "only letters") {
		t.Fatalf("injected source type: got %v", err)
	}
	for _, c := range []struct {
		row  []connectors.Value
		want string
	}{
		{[]connectors.Value{int64(1), nil, connectors.InvalidDate{Raw: "0000-00-00"}, nil, nil}, "declare the column text"},
		{[]connectors.Value{int64(2), []byte("Sm\xf6rg\xe5s"), nil, nil, nil}, "declare the column bytea"},
		{[]connectors.Value{int64(3), "a\x00b", nil, nil, nil}, "NUL"},
	} {
		tx, err := tgt.BeginLegacy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Write(ctx, &tbl, [][]connectors.Value{c.row})
		tx.Rollback()
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "rg") {
			t.Errorf("row %v: got %v, want a refusal saying %q", c.row[0], err, c.want)
		}
	}
}
