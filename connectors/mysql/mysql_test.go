package mysql_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

func location(t testing.TB, raw string) *connectors.Location {
	t.Helper()
	loc, err := connectors.ParseLocation(raw)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// onlyTable opens a snapshot of a database of one table (closed when the
// test ends) and gives that table as the catalogue describes it.
func onlyTable(t testing.TB, dbURL string) (connectors.Snapshot, *connectors.Table) {
	t.Helper()
	ctx := context.Background()
	snap, err := openSource(t, dbURL).Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	return snap, &tables[0]
}

func openTarget(t testing.TB, dbURL string) *mysql.DB {
	t.Helper()
	db, err := mysql.OpenTarget(context.Background(), location(t, dbURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openSource(t testing.TB, dbURL string) *mysql.DB {
	t.Helper()
	db, err := mysql.OpenSource(context.Background(), location(t, dbURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// capabilities is what MariaDB declares it holds where dialects differ:
// bigint unsigned, but no -0.0 (DOUBLE and FLOAT store it as 0), and
// microseconds at most. Text keys compare by code point without padding
// (utf8mb4_nopad_bin, see Dialect.ColumnType).
var capabilities = conformance.Capabilities{
	UnsignedBigint:   true,
	NegativeZero:     false,
	Subnormals:       true,
	EndOfDay:         true,
	JSONScalars:      true,
	FractionalDigits: 6,
	PaddedKeys:       false,
}

// The declared capabilities hold for the dialect's code without a server:
// what ColumnType refuses and what CheckColumn refuses, edge by edge.
func TestDeclaredCapabilities(t *testing.T) {
	conformance.CheckCapabilities(t, mysql.Dialect{}, capabilities)
}

func TestConformance(t *testing.T) {
	mytest.ServerURL(t)
	conformance.Run(t, func(t *testing.T) connectors.Target {
		return openTarget(t, mytest.NewDatabase(t))
	}, capabilities)
}

// An existing receiving table is compared with the declared one; the
// cases only MariaDB's own type names and character sets show are
// written by hand.
func TestCompareExisting(t *testing.T) {
	mytest.ServerURL(t)
	conformance.CompareExisting(t, func(t *testing.T) connectors.Target {
		return openTarget(t, mytest.NewDatabase(t))
	},
		conformance.HandCase{Name: "Decimal50", Column: "weight_kg", SourceType: "decimal(5,0)", Want: "type weight_kg"},
		conformance.HandCase{Name: "CharStripsVarchar", Column: "unit", SourceType: "char(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", Want: "type unit"},
		conformance.HandCase{Name: "Latin1Varchar", Column: "unit", SourceType: "varchar(20)", Charset: "latin1", Want: "type unit"},
		conformance.HandCase{Name: "TextForVarchar", Column: "unit", SourceType: "text CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", Want: "type unit"},
		conformance.HandCase{Name: "DatetimeForDate", Column: "visit_date", SourceType: "datetime", Want: "type visit_date"},
		// The server's default collation for utf8mb4 (utf8mb4_general_ci
		// on 10.11) is case- and accent-insensitive; utf8mb4_bin is
		// binary but pads, so 'a' and 'a ' are one key.
		conformance.HandCase{Name: "ServerDefaultCollation", Column: "unit", SourceType: "varchar(20)", Charset: "utf8mb4", Want: "collation unit"},
		conformance.HandCase{Name: "CaseInsensitive", Column: "unit", SourceType: "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci", Want: "collation unit"},
		conformance.HandCase{Name: "AccentInsensitive", Column: "unit", SourceType: "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", Want: "collation unit"},
		conformance.HandCase{Name: "PadSpaceBinary", Column: "unit", SourceType: "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", Want: "collation unit"},
		conformance.HandCase{Name: "SameAsCreated", Column: "unit", SourceType: "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin", Want: ""},
	)
}

func simpleTable() connectors.Table {
	return connectors.Table{Name: "p", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "name", Type: connectors.Type{Kind: connectors.KindText, Length: 50}, Nullable: true},
	}}
}

func TestSourceRefusesWrites(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	tbl := simpleTable()
	if err := openTarget(t, dbURL).Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	src := openSource(t, dbURL)
	if _, err := src.Begin(ctx); !errors.Is(err, connectors.ErrReadOnly) {
		t.Fatalf("Begin on a source: got %v, want ErrReadOnly", err)
	}
	if err := src.Create(ctx, []connectors.Table{tbl}); !errors.Is(err, connectors.ErrReadOnly) {
		t.Fatalf("Create on a source: got %v, want ErrReadOnly", err)
	}
}

// The snapshot's transaction is READ ONLY: the server itself refuses a
// write in it, whatever the user may do elsewhere (root here).
func TestSnapshotRefusesRawInsert(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	tbl := simpleTable()
	if err := openTarget(t, dbURL).Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	snap, err := openSource(t, dbURL).Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	err = mysql.SnapshotExec(ctx, snap, "INSERT INTO p (id, name) VALUES (1, 'x')")
	if err == nil || !strings.Contains(err.Error(), "1792") {
		t.Fatalf("insert in a snapshot: got %v, want error 1792 (READ ONLY transaction)", err)
	}
	if n, err := snap.Count(ctx, "p"); err != nil || n != 0 {
		t.Fatalf("count after refused insert: %d, %v", n, err)
	}
	if pos, ok := snap.(interface{ Position() string }); !ok {
		t.Fatal("snapshot has no Position method")
	} else {
		t.Logf("binlog position: %q", pos.Position())
	}
}

// A user with only SELECT on the database reads catalogue and rows.
func TestSelectOnlyUserScans(t *testing.T) {
	ctx := context.Background()
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"CREATE TABLE owner (id int PRIMARY KEY) ENGINE=InnoDB",
		"CREATE TABLE pet (id int PRIMARY KEY, owner int NOT NULL, j json, FOREIGN KEY fk_owner (owner) REFERENCES owner (id)) ENGINE=InnoDB",
		"INSERT INTO owner VALUES (1), (2)",
		`INSERT INTO pet VALUES (10, 1, '{"a":1}'), (11, 2, NULL)`,
	)
	roURL := mytest.NewReadOnlyUser(t, dbURL)
	src := openSource(t, roURL)
	got := conformance.ReadAll(t, src, "pet", connectors.ScanOptions{BatchSize: 1})
	if len(got) != 2 || got[0][2] != connectors.JSON(`{"a":1}`) || got[1][1] != int64(2) {
		t.Fatalf("read %v", got)
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 2 || tables[1].Name != "pet" {
		t.Fatalf("tables %+v", tables)
	}
	pet := tables[1]
	if len(pet.ForeignKeys) != 1 || pet.ForeignKeys[0].RefTable != "owner" || pet.ForeignKeys[0].Columns[0] != "owner" || pet.ForeignKeys[0].RefColumns[0] != "id" {
		t.Errorf("foreign keys %+v", pet.ForeignKeys)
	}
	if pet.Columns[2].Type.Kind != connectors.KindJSON {
		t.Errorf("json column read as %v by a SELECT-only user", pet.Columns[2].Type)
	}
	// The user may not write even outside a snapshot.
	tgt, err := mysql.OpenTarget(ctx, location(t, roURL))
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	if err := tgt.Create(ctx, []connectors.Table{simpleTable()}); err == nil {
		t.Fatal("a SELECT-only user created a table")
	}
}

// Errors of a failed connection never hold the password, whatever the
// failure.
func TestErrorsHideThePassword(t *testing.T) {
	const secret = "s3cret-Pw_that-is-long"
	server := mytest.ServerURL(t)
	srv := location(t, server)
	cases := map[string]string{
		"unreachable":    "mysql://someone:" + secret + "@127.0.0.1:1/db?timeout=2s",
		"wrong password": "mysql://" + srv.URL.User.Username() + ":" + secret + "@" + srv.URL.Host + "/mysql",
		"bad parameter":  "mysql://someone:" + secret + "@127.0.0.1:3306/db?password=" + secret,
		"no database":    "mysql://someone:" + secret + "@127.0.0.1:3306/",
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for _, open := range []func(context.Context, *connectors.Location) (*mysql.DB, error){mysql.OpenSource, mysql.OpenTarget} {
				db, err := open(ctx, location(t, raw))
				if err == nil {
					db.Close()
					t.Fatal("opened")
				}
				if strings.Contains(err.Error(), secret) {
					t.Fatalf("error shows the password: %v", err)
				}
				t.Log(err)
			}
		})
	}
}

func TestRejectsOtherSchemes(t *testing.T) {
	_, err := mysql.OpenSource(context.Background(), location(t, "postgres://u@h/db"))
	if err == nil {
		t.Fatal("opened a postgres URL")
	}
}

// A scan resumes exactly after a key of every awkward kind: a decimal
// longer than a double's digits, a latin1 text, a zero date.
func TestKeysetOverAwkwardKeys(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"SET SESSION sql_mode = ''",
		"CREATE TABLE k (d decimal(30,0), s varchar(10) CHARACTER SET latin1, z date, n int, PRIMARY KEY (d, s, z)) ENGINE=InnoDB",
		`INSERT INTO k VALUES
		 (123456789012345678901234567890, 'å', '0000-00-00', 1),
		 (123456789012345678901234567890, 'å', '2024-05-00', 2),
		 (123456789012345678901234567890, 'ä', '0000-00-00', 3),
		 (123456789012345678901234567891, 'a', '2000-01-01', 4),
		 (123456789012345678901234567892, 'a', '2000-01-01', 5)`,
	)
	mytest.Exec(t, dbURL,
		"CREATE TABLE k2 (b varbinary(4), f double, t datetime(6), n int, PRIMARY KEY (b, f, t)) ENGINE=InnoDB",
		`INSERT INTO k2 VALUES
		 (X'00', -1e300, '2024-01-01 00:00:00', 1),
		 (X'00', 0.1, '2024-01-01 00:00:00.000001', 2),
		 (X'00', 0.1, '2024-01-01 00:00:00.000002', 3),
		 (X'275C', 0.30000000000000004, '0001-01-01 00:00:00', 4),
		 (X'FF', 5e-324, '9999-12-31 23:59:59.999999', 5)`,
	)
	src := openSource(t, dbURL)
	for _, size := range []int{1, 2, 3} {
		got := conformance.ReadAll(t, src, "k2", connectors.ScanOptions{BatchSize: size})
		if len(got) != 5 {
			t.Fatalf("k2 batch %d: %d rows", size, len(got))
		}
		for i, r := range got {
			if r[3] != int64(i+1) {
				t.Fatalf("k2 batch %d: row %d is n=%v", size, i, r[3])
			}
		}
	}
	for _, size := range []int{1, 2, 5} {
		got := conformance.ReadAll(t, src, "k", connectors.ScanOptions{BatchSize: size})
		if len(got) != 5 {
			t.Fatalf("batch %d: %d rows", size, len(got))
		}
		for i, r := range got {
			if r[3] != int64(i+1) {
				t.Fatalf("batch %d: row %d is n=%v", size, i, r[3])
			}
		}
	}
}
