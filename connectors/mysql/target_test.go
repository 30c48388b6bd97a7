package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// The kinds MariaDB has no type for travel as marked columns: the DDL
// carries the marker, the stored form is what other readers of the
// receiving platform see, and the catalogue reads the kind back.
func TestTargetTypes(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	tgt := openTarget(t, dbURL)
	u := connectors.UUID{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}
	cases := []struct {
		name       string
		typ        string
		value      connectors.Value
		columnType string // COLUMN_TYPE and COLUMN_COMMENT after Create
		comment    string
		stored     string // the value as SELECT CAST(col AS CHAR) or HEX shows it
		show       string // expression showing the stored form, %s the column
	}{
		{"boolean", "boolean", true, "tinyint(1)", "regflytt:boolean", "1", "%s"},
		{"timestamptz", "timestamptz(6)", time.Date(2100, 3, 1, 12, 30, 0, 5000, time.UTC), "datetime(6)", "regflytt:timestamptz", "2100-03-01 12:30:00.000005", "%s"},
		{"uuid", "uuid", u, "binary(16)", "regflytt:uuid", "123456789ABCDEF00102030405060708", "HEX(%s)"},
		{"json", "json", connectors.JSON(`{"z":1,  "a":2}`), "longtext", "", `{"z":1,  "a":2}`, "%s"},
		{"text", "text", "a ", "longtext", "", "a ", "%s"},
		{"varchar", "varchar(5)", "ÅÄÖ😀 ", "varchar(5)", "", "ÅÄÖ😀 ", "%s"},
		{"real", "real", float64(float32(0.1)), "float", "", "0.10000000149011612", "CAST(%s AS DOUBLE)"},
		{"bigint_unsigned", "bigint unsigned", uint64(math.MaxUint64), "bigint(20) unsigned", "", "18446744073709551615", "%s"},
		{"mediumint", "mediumint", int64(-8388608), "mediumint(9)", "", "-8388608", "%s"},
		{"time", "time(3)", connectors.Duration(24 * time.Hour), "time(3)", "", "24:00:00.000", "%s"},
		{"varbinary", "varbinary(3)", []byte{0, '\'', '\\'}, "varbinary(3)", "", "00275C", "HEX(%s)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ, err := connectors.ParseType(c.typ)
			if err != nil {
				t.Fatal(err)
			}
			tbl := connectors.Table{Name: "t_" + c.name, PrimaryKey: []string{"id"}, Columns: []connectors.Column{
				{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
				{Name: "v", Type: typ, Nullable: true},
			}}
			if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
				t.Fatal(err)
			}
			tx, err := tgt.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1), c.value}, {int64(2), nil}}); err != nil {
				tx.Rollback()
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			db := mytest.Open(t, dbURL)
			var colType, comment, stored string
			if err := db.QueryRowContext(ctx, "SELECT COLUMN_TYPE, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND COLUMN_NAME = 'v'", tbl.Name).Scan(&colType, &comment); err != nil {
				t.Fatal(err)
			}
			if colType != c.columnType || comment != c.comment {
				t.Errorf("column is %s COMMENT %q, want %s COMMENT %q", colType, comment, c.columnType, c.comment)
			}
			if err := db.QueryRowContext(ctx, "SELECT "+fmt.Sprintf(c.show, "v")+" FROM `"+tbl.Name+"` WHERE id = 1").Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if stored != c.stored {
				t.Errorf("stored as %q, want %q", stored, c.stored)
			}
			got := conformance.ReadAll(t, tgt, tbl.Name, connectors.ScanOptions{})
			if !conformance.Equal(got[0][1], c.value) || got[1][1] != nil {
				t.Errorf("read back %s, %s; wrote %s, NULL", conformance.Describe(got[0][1]), conformance.Describe(got[1][1]), conformance.Describe(c.value))
			}
		})
	}
}

func wideTable(name string) connectors.Table {
	return connectors.Table{Name: name, PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "f", Type: connectors.Type{Kind: connectors.KindFloat, Bits: 64}, Nullable: true},
		{Name: "b", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true},
	}}
}

// A value that does not fit is refused before anything is sent, naming
// table, row of the batch and column; -0.0 too, which MariaDB would store
// as 0.
func TestWriteRefusesBeforeSending(t *testing.T) {
	ctx := context.Background()
	tgt := openTarget(t, mytest.NewDatabase(t))
	tbl := wideTable("w")
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		bad  connectors.Value
		col  int
		rule connectors.Rule
	}{
		{math.Copysign(0, -1), 1, connectors.RuleNegativeZero},
		{math.NaN(), 1, connectors.RuleNotFinite},
		{"text", 2, connectors.RuleWrongKind},
	} {
		rows := make([][]connectors.Value, 3000)
		for i := range rows {
			rows[i] = []connectors.Value{int64(i), 1.5, []byte{}}
		}
		rows[2500][c.col] = c.bad
		tx, err := tgt.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tx.Write(ctx, &tbl, rows)
		var fe *connectors.FitError
		if !errors.As(err, &fe) || fe.Rule != c.rule {
			t.Errorf("%v: got %v, want rule %s", conformance.Describe(c.bad), err, c.rule)
		} else if msg := err.Error(); !strings.Contains(msg, "table w") || !strings.Contains(msg, "row 2500") || !strings.Contains(msg, "column "+tbl.Columns[c.col].Name) {
			t.Errorf("error does not name table, row and column: %v", err)
		}
		// Nothing was sent: committing keeps nothing.
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if n := countRows(t, tgt, "w"); n != 0 {
		t.Fatalf("%d rows kept", n)
	}
}

func countRows(t *testing.T, src connectors.Source, table string) int64 {
	t.Helper()
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	n, err := snap.Count(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A batch the server refuses part-way (here a duplicate key in its third
// statement) keeps none of its rows, even when the caller commits the
// transaction afterwards; the rows of earlier batches stay. The server's
// message, which quotes the key, is withheld.
func TestWriteBatchIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	tgt := openTarget(t, mytest.NewDatabase(t))
	tbl := wideTable("w")
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := [][]connectors.Value{{int64(-1), nil, nil}}
	if _, err := tx.Write(ctx, &tbl, first); err != nil {
		t.Fatal(err)
	}
	rows := make([][]connectors.Value, 2500)
	for i := range rows {
		rows[i] = []connectors.Value{int64(1000000 + i), float64(i), []byte("x")}
	}
	rows[2400][0] = int64(1000001) // duplicate, in the third statement
	_, err = tx.Write(ctx, &tbl, rows)
	if err == nil || !strings.Contains(err.Error(), "1062") || strings.Contains(err.Error(), "1000001") {
		t.Fatalf("got %v, want error 1062 without the key value", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, tgt, "w"); n != 1 {
		t.Fatalf("%d rows after a refused batch, want the 1 of the batch before", n)
	}
}

// Statements stay under max_allowed_packet: wide rows are split into as
// many INSERTs as needed, a single row beyond it is refused by name.
func TestWriteSplitsByPacketSize(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	tgt := openTarget(t, dbURL)
	tbl := wideTable("w")
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	var packet int
	if err := mytest.Open(t, dbURL).QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&packet); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i)
	}
	n := 40 // 40 MiB of escaped bytes: several statements at any usual packet size
	rows := make([][]connectors.Value, n)
	for i := range rows {
		rows[i] = []connectors.Value{int64(i), nil, big}
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	written, err := tx.Write(ctx, &tbl, rows)
	if err != nil || written != int64(n) {
		t.Fatalf("wrote %d, %v", written, err)
	}
	huge := [][]connectors.Value{{int64(-1), nil, make([]byte, packet)}}
	_, err = tx.Write(ctx, &tbl, huge)
	if err == nil || !strings.Contains(err.Error(), "max_allowed_packet") || !strings.Contains(err.Error(), "row 0") {
		t.Fatalf("a row larger than max_allowed_packet: got %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got := conformance.ReadAll(t, tgt, "w", connectors.ScanOptions{BatchSize: 7})
	if len(got) != n || string(got[n-1][2].([]byte)) != string(big) {
		t.Fatalf("read %d rows back", len(got))
	}
}

// A receiving table's name that is a view or a sequence of the database
// is refused before any table is created: the catalogue lists base
// tables only, CREATE TABLE IF NOT EXISTS leaves the view alone, and the
// rows written would go through it into its base table.
func TestCreateRefusesViewsAndSequences(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"CREATE TABLE base (id int NOT NULL PRIMARY KEY) ENGINE=InnoDB",
		"CREATE VIEW visit AS SELECT id FROM base",
		"CREATE SEQUENCE unit_seq")
	tgt := openTarget(t, dbURL)
	table := func(name string) connectors.Table {
		return connectors.Table{Name: name, PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}}}}
	}
	for _, c := range []struct{ name, want string }{
		{"visit", "receiving table visit is a VIEW in database "},
		{"unit_seq", "receiving table unit_seq is a SEQUENCE in database "},
	} {
		err := tgt.Create(ctx, []connectors.Table{table("first"), table(c.name)})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("Create of %s: got %v, want %q", c.name, err, c.want)
		}
	}
	// Refused before the first table was created; a table is still created.
	db := mytest.Open(t, dbURL)
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'first'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a refused Create created table first")
	}
	if err := tgt.Create(ctx, []connectors.Table{table("first")}); err != nil {
		t.Fatalf("Create of a table beside the view: %v", err)
	}
}
