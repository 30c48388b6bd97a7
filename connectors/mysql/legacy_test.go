package mysql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

func legacyTable() connectors.Table {
	return connectors.Table{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", SourceType: "int(11)", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "datum", SourceType: "date", Type: connectors.Type{Kind: connectors.KindDate}, Nullable: true},
		{Name: "inskriven", SourceType: "datetime", Type: connectors.Type{Kind: connectors.KindDateTime}, Nullable: true},
		{Name: "ort", SourceType: "varchar(40)", Charset: "latin1", Type: connectors.Type{Kind: connectors.KindText, Length: 40}, Nullable: true},
		{Name: "anteckning", SourceType: "text", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		{Name: "bilaga", SourceType: "blob", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true},
		// No source type: the canonical DDL, in the column's charset.
		{Name: "namn", Charset: "latin1", Type: connectors.Type{Kind: connectors.KindText, Length: 60}, Nullable: true},
	}}
}

func TestLegacyRoundTrip(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	tgt := openTarget(t, dbURL)
	tbl := legacyTable()
	if err := tgt.CreateLegacy(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.BeginLegacy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]connectors.Value{
		{int64(1), connectors.InvalidDate{Raw: "0000-00-00"}, connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, []byte("Ume\xe5"), []byte("Ume\xc3\xa5"), []byte{0xe5, 0}, []byte("\xc5sa")},
		{int64(2), connectors.InvalidDate{Raw: "2024-05-00"}, connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 5, Day: 13}, Hour: 8}, []byte("\xc3\xa5\x80"), "vanlig text", nil, nil},
		{int64(3), connectors.Date{Year: 2024, Month: 5, Day: 13}, nil, "Växjö", nil, []byte{}, "Åsa"},
	}
	if n, err := tx.Write(ctx, &tbl, rows); err != nil || n != 3 {
		t.Fatalf("write: %d rows, %v", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	src := openSource(t, dbURL)
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	// The session's strict mode is back on the pooled connection.
	if mode, err := mysql.SnapshotQuery(ctx, snap, "SELECT @@SESSION.sql_mode"); err != nil || !strings.Contains(mode, "STRICT_ALL_TABLES") {
		t.Errorf("sql_mode after a legacy write: %q, %v; want the strict mode back", mode, err)
	}
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 {
		t.Fatalf("%d tables", len(tables))
	}
	wantCharset := map[string]string{"ort": "latin1", "anteckning": "utf8mb4", "namn": "latin1"}
	for i, c := range tables[0].Columns {
		wantType := tbl.Columns[i].SourceType
		if wantType == "" {
			wantType = "varchar(60)"
		}
		if c.SourceType != wantType || c.Charset != wantCharset[c.Name] {
			t.Errorf("column %s: source type %q charset %q, want %q %q", c.Name, c.SourceType, c.Charset, wantType, wantCharset[c.Name])
		}
	}
	rs, err := snap.Scan(ctx, &tables[0], connectors.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	want := [][]connectors.Value{
		{int64(1), connectors.InvalidDate{Raw: "0000-00-00"}, connectors.InvalidDate{Raw: "0000-00-00 00:00:00"}, "Umeå", "Umeå", "\xe5\x00", "Åsa"},
		{int64(2), connectors.InvalidDate{Raw: "2024-05-00"}, connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 5, Day: 13}, Hour: 8}, "Ã¥€", "vanlig text", nil, nil},
		{int64(3), connectors.Date{Year: 2024, Month: 5, Day: 13}, nil, "Växjö", nil, "", "Åsa"},
	}
	i := 0
	for rs.Next() {
		for j, v := range rs.Row() {
			w := want[i][j]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			if v != w {
				t.Errorf("row %d column %s: got %#v, want %#v", i+1, tbl.Columns[j].Name, v, w)
			}
		}
		i++
	}
	if err := rs.Err(); err != nil || i != len(want) {
		t.Fatalf("read %d rows: %v", i, err)
	}
}

// A value the server would change is an error, not a silent '?'.
func TestLegacyWriteRefusesChangedValues(t *testing.T) {
	ctx := context.Background()
	tgt := openTarget(t, mytest.NewDatabase(t))
	tbl := legacyTable()
	if err := tgt.CreateLegacy(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		row  []connectors.Value
		code string
	}{
		{[]connectors.Value{int64(1), nil, nil, "Łódź", nil, nil, nil}, "code 1366"},
		{[]connectors.Value{int64(2), nil, nil, strings.Repeat("x", 41), nil, nil, nil}, "code 1265"},
		{[]connectors.Value{int64(3), nil, nil, nil, []byte("\xe5"), nil, nil}, "not valid UTF-8"},
	} {
		tx, err := tgt.BeginLegacy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Write(ctx, &tbl, [][]connectors.Value{c.row})
		tx.Rollback()
		if err == nil || !strings.Contains(err.Error(), c.code) {
			t.Errorf("row %v: got %v, want a refusal with warning %s", c.row[0], err, c.code)
		}
		if err != nil && strings.Contains(err.Error(), "Łódź") {
			t.Errorf("the error quotes the value: %v", err)
		}
	}
}

func TestCreateLegacyRefuses(t *testing.T) {
	ctx := context.Background()
	tgt := openTarget(t, mytest.NewDatabase(t))
	tbl := legacyTable()
	if err := tgt.CreateLegacy(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	if err := tgt.CreateLegacy(ctx, []connectors.Table{tbl}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second CreateLegacy: got %v", err)
	}
	for _, bad := range []connectors.Column{
		{Name: "a", SourceType: "int); DROP TABLE besok; --"},
		{Name: "a", SourceType: "varchar(4) DEFAULT 'x'"},
		{Name: "a", SourceType: "text", Charset: "latin1 COLLATE x'"},
	} {
		bt := connectors.Table{Name: "x", Columns: []connectors.Column{bad}}
		if err := tgt.CreateLegacy(ctx, []connectors.Table{bt}); err == nil || !strings.Contains(err.Error(), "only letters") {
			t.Errorf("column %+v: got %v, want a refusal", bad, err)
		}
	}
}
