package sqlserver_test

// Tests against a real SQL Server, run only when REGFLYTT_TEST_MSSQL names
// one (see mstest); each test gets a database of its own. Without the
// variable they skip and say they were not run.

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
	"github.com/regflytt/regflytt/connectors/sqlserver"
	"github.com/regflytt/regflytt/connectors/sqlserver/mstest"
)

func location(t *testing.T, u string) *connectors.Location {
	t.Helper()
	loc, err := connectors.ParseLocation(u)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func openTarget(t *testing.T, u string) *sqlserver.DB {
	t.Helper()
	db, err := sqlserver.OpenTarget(context.Background(), location(t, u))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openSource(t *testing.T, u string) *sqlserver.DB {
	t.Helper()
	db, err := sqlserver.OpenSource(context.Background(), location(t, u))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newTarget(t *testing.T) connectors.Target {
	return openTarget(t, mstest.NewDatabase(t))
}

// capabilities is what SQL Server declares it holds where dialects
// differ, from its documentation (no server ran here): no unsigned 64-bit
// integer, no subnormal floats, time ends before 24:00:00, ISJSON before
// 2022 refuses top-level scalars, keys compare with trailing spaces
// padded. -0.0 is refused until a run against a server shows its sign
// kept (then set NegativeZero and drop the refusal in CheckValue).
var capabilities = conformance.Capabilities{
	UnsignedBigint:   false,
	NegativeZero:     false,
	Subnormals:       false,
	EndOfDay:         false,
	JSONScalars:      false,
	FractionalDigits: 7,
	PaddedKeys:       true,
}

// The declared capabilities hold for the dialect's code without a server:
// what ColumnType refuses and what CheckColumn refuses, edge by edge.
func TestDeclaredCapabilities(t *testing.T) {
	conformance.CheckCapabilities(t, sqlserver.Dialect{Schema: "dbo"}, capabilities)
}

func TestServerConformance(t *testing.T) {
	mstest.URL(t)
	conformance.Run(t, newTarget, capabilities)
}

func catalogued(t *testing.T, src connectors.Source, name string) connectors.Table {
	t.Helper()
	ctx := context.Background()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if tb.Name == name {
			return tb
		}
	}
	t.Fatalf("table %s not in the catalogue", name)
	return connectors.Table{}
}

// TestServerSourceTypes reads every legacy type from a table filled with
// T-SQL literals, so that the expected values are SQL Server's own.
func TestServerSourceTypes(t *testing.T) {
	u := mstest.NewDatabase(t)
	mstest.Exec(t, u, `CREATE TABLE dbo.legacy (
  id int NOT NULL PRIMARY KEY,
  ti tinyint, sm smallint, bi bigint, b bit,
  dc decimal(10,2), num numeric(38,0), mo money, smo smallmoney, fl float, re real,
  vc varchar(20) COLLATE Finnish_Swedish_CI_AS, ch char(5) COLLATE Finnish_Swedish_CI_AS,
  tx text COLLATE Finnish_Swedish_CI_AS, nv nvarchar(50), nt ntext, x xml,
  bn binary(4), vb varbinary(max), img image,
  d date, dt datetime, sdt smalldatetime, dt2 datetime2(7), dto datetimeoffset(7), tm time(7),
  g uniqueidentifier, sv sql_variant, hid hierarchyid, rv rowversion
)`, `INSERT INTO dbo.legacy (id, ti, sm, bi, b, dc, num, mo, smo, fl, re, vc, ch, tx, nv, nt, x, bn, vb, img,
  d, dt, sdt, dt2, dto, tm, g, sv, hid) VALUES
 (1, 255, -32768, -9223372036854775808, 1, 12345678.90, 12345678901234567890123456789012345678,
  -922337203685477.5808, 214748.3647, 0.1, 0.1, N'smörgås', N'ab', N'lång text', N'Åsa 😀', N'ntext', N'<a>ö</a>',
  0x01020304, 0x, 0xFF, '0001-01-01', '2024-03-31T02:30:00.003', '2024-10-27T02:30:00',
  '9999-12-31T23:59:59.9999999', '2024-06-01T14:00:00.1234567+02:00', '23:59:59.9999999',
  '6F9619FF-8B86-D011-B42D-00C04FC964FF', CAST(N'fritext' AS sql_variant), hierarchyid::Parse('/1/')),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	src := openSource(t, u)

	tbl := catalogued(t, src, "legacy")
	wantSource := map[string]string{
		"ti": "tinyint", "dc": "decimal(10,2)", "vc": "varchar(20) COLLATE Finnish_Swedish_CI_AS",
		"ch": "char(5) COLLATE Finnish_Swedish_CI_AS", "nv": "nvarchar(50)", "vb": "varbinary(max)",
		"dt2": "datetime2(7)", "dto": "datetimeoffset(7)", "tm": "time(7)", "fl": "float", "re": "real", "rv": "timestamp",
	}
	for _, c := range tbl.Columns {
		if w, ok := wantSource[c.Name]; ok && c.SourceType != w {
			t.Errorf("column %s: source type %q, want %q", c.Name, c.SourceType, w)
		}
		if c.Type.Kind == connectors.KindInvalid {
			t.Errorf("column %s (%s): no canonical type", c.Name, c.SourceType)
		}
	}
	if c := tbl.Column("vc"); c == nil || c.Charset != "cp1252" {
		t.Errorf("vc charset: %+v", c)
	}
	if len(tbl.PrimaryKey) != 1 || tbl.PrimaryKey[0] != "id" {
		t.Errorf("primary key %v", tbl.PrimaryKey)
	}

	rows := conformance.ReadAll(t, src, "legacy", connectors.ScanOptions{})
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	d := func(y int, m time.Month, day int) connectors.Date {
		return connectors.Date{Year: y, Month: m, Day: day}
	}
	want := map[string]connectors.Value{
		"id": int64(1), "ti": int64(255), "sm": int64(-32768), "bi": int64(math.MinInt64), "b": true,
		"dc": connectors.Decimal("12345678.90"), "num": connectors.Decimal("12345678901234567890123456789012345678"),
		"mo": connectors.Decimal("-922337203685477.5808"), "smo": connectors.Decimal("214748.3647"),
		"fl": 0.1, "re": float64(float32(0.1)),
		"vc": "smörgås", "ch": "ab   ", "tx": "lång text", "nv": "Åsa 😀", "nt": "ntext", "x": "<a>ö</a>",
		"bn": []byte{1, 2, 3, 4}, "vb": []byte{}, "img": []byte{0xFF},
		"d":   d(1, 1, 1),
		"dt":  connectors.LocalDateTime{Date: d(2024, 3, 31), Hour: 2, Minute: 30, Nanosecond: 3_000_000},
		"sdt": connectors.LocalDateTime{Date: d(2024, 10, 27), Hour: 2, Minute: 30},
		"dt2": connectors.LocalDateTime{Date: d(9999, 12, 31), Hour: 23, Minute: 59, Second: 59, Nanosecond: 999_999_900},
		"dto": time.Date(2024, 6, 1, 12, 0, 0, 123_456_700, time.UTC),
		"tm":  connectors.Duration(24*time.Hour - 100*time.Nanosecond),
		"g":   mustUUID(t, "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
		"sv":  "fritext",
	}
	for i, c := range tbl.Columns {
		got := rows[0][i]
		if w, ok := want[c.Name]; ok && !conformance.Equal(got, w) {
			t.Errorf("column %s (%s): read %s, want %s", c.Name, c.SourceType, conformance.Describe(got), conformance.Describe(w))
		}
		if c.Name == "hid" || c.Name == "rv" {
			if b, ok := got.([]byte); !ok || len(b) == 0 {
				t.Errorf("column %s: read %s, want bytes", c.Name, conformance.Describe(got))
			}
		}
		if c.Name != "id" && c.Name != "rv" && rows[1][i] != nil {
			t.Errorf("column %s: NULL read as %s", c.Name, conformance.Describe(rows[1][i]))
		}
	}
}

func mustUUID(t *testing.T, s string) connectors.UUID {
	u, err := connectors.ParseUUID(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestServerUTF8Collation: varchar under a *_UTF8 collation, which the
// driver alone would decode as cp1252.
func TestServerUTF8Collation(t *testing.T) {
	u := mstest.NewDatabase(t)
	var major int
	if err := mstest.Open(t, u).QueryRow("SELECT CAST(SERVERPROPERTY('ProductMajorVersion') AS int)").Scan(&major); err != nil {
		t.Fatal(err)
	}
	if major < 15 {
		t.Skipf("SQL Server %d has no UTF-8 collations (2019 and later): not run", major)
	}
	mstest.Exec(t, u, `CREATE TABLE dbo.u8 (id int PRIMARY KEY, s varchar(40) COLLATE Latin1_General_100_CI_AS_SC_UTF8)`,
		`INSERT INTO dbo.u8 VALUES (1, N'Åsa Öberg 😀 ĉ')`)
	src := openSource(t, u)
	tbl := catalogued(t, src, "u8")
	if c := tbl.Column("s"); c == nil || c.Charset != "utf8" {
		t.Errorf("charset: %+v", c)
	}
	rows := conformance.ReadAll(t, src, "u8", connectors.ScanOptions{})
	if len(rows) != 1 || rows[0][1] != "Åsa Öberg 😀 ĉ" {
		t.Errorf("read %v", rows)
	}
}

func TestServerSQLVariantRejected(t *testing.T) {
	u := mstest.NewDatabase(t)
	mstest.Exec(t, u, `CREATE TABLE dbo.v (id int PRIMARY KEY, sv sql_variant)`, `INSERT INTO dbo.v VALUES (1, CAST(42 AS sql_variant))`)
	src := openSource(t, u)
	ctx := context.Background()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tbl := catalogued(t, src, "v")
	rows, err := snap.Scan(ctx, &tbl, connectors.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
	}
	if err := rows.Err(); err == nil || !strings.Contains(err.Error(), "sql_variant") {
		t.Fatalf("got %v, want an error about the sql_variant", err)
	}
}

// TestServerKeysetDatetimeKey: a datetime key whose values are 1/300 s
// ticks. Comparing the column with a datetime2 parameter would widen it to
// .0033333 and return the .003 row again after itself.
func TestServerKeysetDatetimeKey(t *testing.T) {
	u := mstest.NewDatabase(t)
	stmts := []string{`CREATE TABLE dbo.k (at datetime NOT NULL PRIMARY KEY, n int)`}
	for i, ms := range []string{"000", "003", "007", "010", "013", "017", "020"} {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO dbo.k VALUES ('2024-01-01T00:00:00.%s', %d)", ms, i))
	}
	mstest.Exec(t, u, stmts...)
	src := openSource(t, u)
	for _, size := range []int{1, 2, 3, 100} {
		rows := conformance.ReadAll(t, src, "k", connectors.ScanOptions{BatchSize: size})
		if len(rows) != 7 {
			t.Fatalf("batch size %d: %d rows, want 7", size, len(rows))
		}
		for i, r := range rows {
			if r[1] != int64(i) {
				t.Fatalf("batch size %d: row %d is %v", size, i, r)
			}
		}
	}
}

// TestServerKeysetSQLCollation: a varchar key under a SQL_ collation,
// whose code-page order differs from the Unicode order an nvarchar
// comparison would use (hyphens and apostrophes in particular).
func TestServerKeysetSQLCollation(t *testing.T) {
	u := mstest.NewDatabase(t)
	vals := []string{"a-b", "ab", "a b", "ac", "a_c", "-a", "co-op", "coop", "co'op", "Åsa", "Ösa", "z"}
	stmts := []string{`CREATE TABLE dbo.s (s varchar(10) COLLATE SQL_Latin1_General_CP1_CI_AS NOT NULL PRIMARY KEY)`}
	for _, v := range vals {
		stmts = append(stmts, "INSERT INTO dbo.s VALUES (N'"+strings.ReplaceAll(v, "'", "''")+"')")
	}
	mstest.Exec(t, u, stmts...)
	var want []string
	rs, err := mstest.Open(t, u).Query("SELECT CAST(s AS nvarchar(10)) FROM dbo.s ORDER BY s")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var s string
		if err := rs.Scan(&s); err != nil {
			t.Fatal(err)
		}
		want = append(want, s)
	}
	rs.Close()
	src := openSource(t, u)
	for _, size := range []int{1, 2, 5} {
		rows := conformance.ReadAll(t, src, "s", connectors.ScanOptions{BatchSize: size})
		var got []string
		for _, r := range rows {
			got = append(got, r[0].(string))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("batch size %d: read %q, want %q", size, got, want)
		}
	}
}

func TestServerSnapshotIsolationOff(t *testing.T) {
	u := mstest.NewDatabase(t)
	mstest.Exec(t, u, "DECLARE @s nvarchar(300) = N'ALTER DATABASE ' + QUOTENAME(DB_NAME()) + N' SET ALLOW_SNAPSHOT_ISOLATION OFF'; EXEC (@s)")
	src := openSource(t, u)
	snap, err := src.Snapshot(context.Background())
	if err == nil {
		snap.Close()
		t.Fatal("snapshot opened without snapshot isolation")
	}
	if !errors.Is(err, sqlserver.ErrSnapshotIsolationOff) || !strings.Contains(err.Error(), "SET ALLOW_SNAPSHOT_ISOLATION ON") {
		t.Errorf("error %q does not say how to allow snapshot isolation", err)
	}
}

func TestServerSourceIsReadOnly(t *testing.T) {
	u := mstest.NewDatabase(t)
	src := openSource(t, u)
	ctx := context.Background()
	if _, err := src.Begin(ctx); !errors.Is(err, connectors.ErrReadOnly) {
		t.Errorf("Begin on a source: %v, want ErrReadOnly", err)
	}
	tbl := connectors.Table{Name: "p", Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	if err := src.Create(ctx, []connectors.Table{tbl}); !errors.Is(err, connectors.ErrReadOnly) {
		t.Errorf("Create on a source: %v, want ErrReadOnly", err)
	}
}

// TestServerLargeBatch crosses the 1000-row and 2000-parameter limits of
// one INSERT.
func TestServerLargeBatch(t *testing.T) {
	tgt := newTarget(t)
	ctx := context.Background()
	for _, ncol := range []int{1, 3} {
		tbl := connectors.Table{Name: fmt.Sprintf("wide%d", ncol), PrimaryKey: []string{"c0"}}
		for i := 0; i < ncol; i++ {
			tbl.Columns = append(tbl.Columns, connectors.Column{Name: fmt.Sprintf("c%d", i), Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}, Nullable: i > 0})
		}
		if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
			t.Fatal(err)
		}
		rows := make([][]connectors.Value, 2500)
		for i := range rows {
			rows[i] = make([]connectors.Value, ncol)
			rows[i][0] = int64(i)
		}
		tx, err := tgt.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, err := tx.Write(ctx, &tbl, rows)
		if err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if n != 2500 || len(conformance.ReadAll(t, tgt, tbl.Name, connectors.ScanOptions{})) != 2500 {
			t.Errorf("%d columns: wrote %d rows", ncol, n)
		}
	}
}

// The conformance suite again with ?bulk_copy=off: TestServerConformance
// writes through the bulk copy (the default), this through the INSERTs
// it replaced, so both write paths meet a server. Both read tables by a
// non-primary key through the streamed scan (StreamedScanBesideKeyset).
func TestServerConformanceInserts(t *testing.T) {
	mstest.URL(t)
	conformance.Run(t, func(t *testing.T) connectors.Target {
		return openTarget(t, mstest.NewDatabase(t)+"&bulk_copy=off")
	}, capabilities)
}

// A bulk copy checks the table's CHECK constraints (CHECK_CONSTRAINTS):
// without it the server loads without checking and marks them not
// trusted. The connector's CHECKs carry a signed tinyint's range and
// ISJSON.
func TestServerBulkCopyKeepsChecksTrusted(t *testing.T) {
	u := mstest.NewDatabase(t)
	db := openTarget(t, u)
	ctx := context.Background()
	tbl := connectors.Table{Name: "b", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "small", Type: connectors.Type{Kind: connectors.KindInt, Bits: 8}, Nullable: true},
		{Name: "doc", Type: connectors.Type{Kind: connectors.KindJSON}, Nullable: true},
		{Name: "s", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
		{Name: "bin", Type: connectors.Type{Kind: connectors.KindBytes}, Nullable: true},
	}}
	if err := db.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]connectors.Value{
		{int64(1), int64(-128), connectors.JSON(`{"a":1}`), "", []byte{}},
		{int64(2), nil, nil, nil, nil},
	}
	if n, err := tx.Write(ctx, &tbl, rows); err != nil || n != 2 {
		tx.Rollback()
		t.Fatalf("bulk copy: %d rows, %v", n, err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var untrusted, checks int
	if err := mstest.Open(t, u).QueryRow("SELECT COALESCE(SUM(CAST(is_not_trusted AS int)), 0), COUNT(*) FROM sys.check_constraints WHERE parent_object_id = OBJECT_ID('dbo.b')").Scan(&untrusted, &checks); err != nil {
		t.Fatal(err)
	}
	if checks == 0 || untrusted != 0 {
		t.Errorf("%d CHECK constraints, %d of them not trusted after the bulk copy", checks, untrusted)
	}
	got := conformance.ReadAll(t, db, "b", connectors.ScanOptions{})
	if len(got) != 2 || got[0][3] != "" || got[1][3] != nil || got[1][1] != nil {
		t.Errorf("read back %v: empty text and NULL not kept apart", got)
	}
	if b, ok := got[0][4].([]byte); !ok || len(b) != 0 {
		t.Errorf("an empty byte string read back as %s", conformance.Describe(got[0][4]))
	}
}

// A table Create made compares equal to its declaration and keeps 'ABC'
// and 'abc' as two keys (its text is of a BIN2 collation); one made by
// hand under a case-insensitive collation (a database's usual default)
// differs in that column's collation, named with table and column.
func TestServerCompareCollation(t *testing.T) {
	u := mstest.NewDatabase(t)
	tgt := openTarget(t, u)
	ctx := context.Background()
	declared := func(name string) connectors.Table {
		return connectors.Table{Name: name, PrimaryKey: []string{"code"}, Columns: []connectors.Column{
			{Name: "code", Type: connectors.Type{Kind: connectors.KindText, Length: 20}},
			{Name: "label", Type: connectors.Type{Kind: connectors.KindText, Length: 40}, Nullable: true},
		}}
	}
	made := declared("unit")
	if err := tgt.Create(ctx, []connectors.Table{made}); err != nil {
		t.Fatal(err)
	}
	mstest.Exec(t, u, "CREATE TABLE dbo.hand (code nvarchar(40) COLLATE Finnish_Swedish_CI_AS NOT NULL PRIMARY KEY, label nvarchar(80) COLLATE Latin1_General_100_BIN2 NULL)")
	got := catalogued(t, tgt, "unit")
	if ds := connectors.CompareTable(tgt.Dialect(), &made, &got); len(ds) != 0 {
		t.Errorf("a table Create made differs from its declaration: %v", ds)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &made, [][]connectors.Value{{"ABC", "upper"}, {"abc", "lower"}}); err != nil {
		tx.Rollback()
		t.Fatalf("'ABC' and 'abc' as two keys: %v", err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	hand, decl := catalogued(t, tgt, "hand"), declared("hand")
	ds := connectors.CompareTable(tgt.Dialect(), &decl, &hand)
	if len(ds) != 1 || ds[0].What != "collation" || ds[0].Column != "code" || !strings.Contains(ds[0].String(), "table hand, column code: collation differs: the existing table has Finnish_Swedish_CI_AS") {
		t.Errorf("got %v, want one collation difference of column code", ds)
	}
}

// CheckExistingTables on a server: the shared cases, and this one: an
// index that ignores duplicate keys (here the primary key's), a filtered
// unique index and a trigger are found; a plain unique index is in the
// catalogue, for CompareTable.
func TestServerCheckExistingTables(t *testing.T) {
	mstest.URL(t)
	conformance.CheckExisting(t, func(t *testing.T, ddl ...string) connectors.Source {
		u := mstest.NewDatabase(t)
		mstest.Exec(t, u, ddl...)
		return openTarget(t, u)
	}, conformance.ExistingCase{
		Name: "IgnoredDuplicatesFilteredIndexesAndTriggers",
		DDL: []string{
			"CREATE TABLE dbo.unit (code nvarchar(40) COLLATE Latin1_General_100_BIN2 NOT NULL, name nvarchar(80) COLLATE Latin1_General_100_BIN2 NULL, active bit NULL, CONSTRAINT PK_unit PRIMARY KEY (code) WITH (IGNORE_DUP_KEY = ON))",
			"CREATE UNIQUE INDEX unit_active ON dbo.unit (name) WHERE active = 1",
			"CREATE UNIQUE INDEX unit_name ON dbo.unit (name, active)",
			"CREATE TRIGGER dbo.unit_instead ON dbo.unit INSTEAD OF INSERT AS SET NOCOUNT ON",
		},
		Tables: []string{"unit"},
		Line:   func(d connectors.Difference) string { return d.What + " " + d.Existing },
		Want:   []string{"conflict clause index PK_unit (code) WITH (IGNORE_DUP_KEY = ON)", "unique index unit_active (name) WHERE ([active]=(1))", "trigger unit_instead"},
		Then: func(t *testing.T, src connectors.Source) {
			unit := catalogued(t, src, "unit")
			if len(unit.Indexes) != 1 || unit.Indexes[0].Name != "unit_name" || !unit.Indexes[0].Unique {
				t.Errorf("catalogue indexes %+v, want unit_name only", unit.Indexes)
			}
		},
	})
}
