package postgres_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// Integration tests: each gets its own database from pgtest, which skips
// them without REGFLYTT_TEST_PG and fails them when the server is down.

func location(t testing.TB, url string) *connectors.Location {
	t.Helper()
	loc, err := connectors.ParseLocation(url)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func openTarget(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.OpenTarget(context.Background(), location(t, url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openSource(t testing.TB, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.OpenSource(context.Background(), location(t, url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func snapshot(t testing.TB, src connectors.Source) connectors.Snapshot {
	t.Helper()
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	return snap
}

// capabilities is what PostgreSQL declares it holds where dialects
// differ: everything but an unsigned 64-bit integer and fractional seconds
// beyond microseconds.
var capabilities = conformance.Capabilities{
	UnsignedBigint:   false,
	NegativeZero:     true,
	Subnormals:       true,
	EndOfDay:         true,
	JSONScalars:      true,
	FractionalDigits: 6,
	PaddedKeys:       false,
}

// The declared capabilities hold for the dialect's code without a server:
// what ColumnType refuses and what CheckColumn refuses, edge by edge.
func TestDeclaredCapabilities(t *testing.T) {
	conformance.CheckCapabilities(t, postgres.Dialect{}, capabilities)
}

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) connectors.Target {
		return openTarget(t, pgtest.NewDatabase(t))
	}, capabilities)
}

// An existing receiving table is compared with the declared one (the
// trial's numeric(5,0) that rounded 60.5 to 61 among them); the cases
// only PostgreSQL's own type names show are written by hand.
func TestCompareExisting(t *testing.T) {
	conformance.CompareExisting(t, func(t *testing.T) connectors.Target {
		return openTarget(t, pgtest.NewDatabase(t))
	},
		conformance.HandCase{Name: "Numeric50", Column: "weight_kg", SourceType: "numeric(5,0)", Want: "type weight_kg"},
		conformance.HandCase{Name: "UnboundedNumeric", Column: "weight_kg", SourceType: "numeric", Want: "type weight_kg"},
		conformance.HandCase{Name: "CharPadsVarchar", Column: "unit", SourceType: "character(20)", Want: "type unit"},
		conformance.HandCase{Name: "TextForVarchar", Column: "unit", SourceType: "text", Want: "type unit"},
		conformance.HandCase{Name: "TimestampForDate", Column: "visit_date", SourceType: "timestamp(0)", Want: "type visit_date"},
		conformance.HandCase{Name: "SameAsCreated", Column: "unit", SourceType: "VARCHAR(20)", Want: ""},
	)
}

func TestSourceRefusesWrites(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE p (id bigint PRIMARY KEY)`)
	src := openSource(t, url)
	tbl := connectors.Table{Name: "q", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	if _, err := src.Begin(ctx); !errors.Is(err, connectors.ErrReadOnly) {
		t.Errorf("Begin on a source: got %v, want ErrReadOnly", err)
	}
	if err := src.Create(ctx, []connectors.Table{tbl}); !errors.Is(err, connectors.ErrReadOnly) {
		t.Errorf("Create on a source: got %v, want ErrReadOnly", err)
	}
	// The server refuses too: in the snapshot's own transaction…
	snap := snapshot(t, src)
	err := postgres.SnapshotExec(ctx, snap, `INSERT INTO p VALUES (1)`)
	if err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Errorf("INSERT in a source snapshot: %v, want a read-only transaction error", err)
	}
	// …and on any other connection of a source.
	err = postgres.PoolExec(ctx, src, `CREATE TABLE r (id int)`)
	if err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Errorf("CREATE TABLE on a source connection: %v, want a read-only transaction error", err)
	}
	// A target's snapshots are read-only as well: verification reads
	// through them.
	tsnap := snapshot(t, openTarget(t, url))
	if err := postgres.SnapshotExec(ctx, tsnap, `INSERT INTO p VALUES (1)`); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
		t.Errorf("INSERT in a target snapshot: %v", err)
	}
}

func TestSnapshotPositionAndIsolation(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	snap := snapshot(t, openSource(t, url))
	pos, ok := snap.(interface{ Position() string })
	if !ok {
		t.Fatal("snapshot has no Position")
	}
	if !regexp.MustCompile(`^[0-9A-F]+/[0-9A-F]+$`).MatchString(pos.Position()) {
		t.Errorf("Position() = %q, want an LSN", pos.Position())
	}
	for q, want := range map[string]string{
		"SHOW transaction_isolation": "repeatable read",
		"SHOW transaction_read_only": "on",
	} {
		if got, err := postgres.SnapshotQueryString(ctx, snap, q); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", q, got, err, want)
		}
	}
	// Taken at Snapshot, not at the first read: a table created after it
	// is not in its catalogue.
	pgtest.Exec(t, url, `CREATE TABLE later (id int PRIMARY KEY)`)
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 0 {
		t.Errorf("snapshot sees %d tables created after it", len(tables))
	}
}

func TestSessionIsUTC(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'Europe/Stockholm'); END $$`)
	// Even a URL that asks for another zone gets UTC.
	for _, u := range []string{url, url + "&TimeZone=Europe/Stockholm", url + "&timezone=America/New_York"} {
		snap := snapshot(t, openSource(t, u))
		if got, err := postgres.SnapshotQueryString(ctx, snap, "SHOW TimeZone"); err != nil || got != "UTC" {
			t.Errorf("%s: TimeZone %q, %v; want UTC", u, got, err)
		}
	}
}

// money is read as its text, which lc_monetary formats: the session pins
// it, so a database whose default is another locale reads the same text.
// (The servers here have only the C locales, whose money text agrees, so
// the test holds the setting itself.)
func TestSessionPinsMonetaryLocale(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET lc_monetary TO %L', current_database(), 'C.UTF-8'); END $$`)
	for _, u := range []string{url, url + "&lc_monetary=C.UTF-8"} {
		snap := snapshot(t, openSource(t, u))
		if got, err := postgres.SnapshotQueryString(ctx, snap, "SHOW lc_monetary"); err != nil || got != "C" {
			t.Errorf("%s: lc_monetary %q, %v; want C", u, got, err)
		}
	}
}

func TestTimeZoneUnshifted(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'Europe/Stockholm'); END $$`)
	// Written in a session in Stockholm time, as a legacy application would.
	pgtest.Exec(t, url, `CREATE TABLE visit (id int PRIMARY KEY, local timestamp, instant timestamptz)`,
		`INSERT INTO visit VALUES
		  (1, '2024-03-31 02:30:00', '2024-06-01 12:00:00'),
		  (2, '2023-10-29 02:30:00', '2023-10-29 02:30:00+01')`)
	rows := conformance.ReadAll(t, openSource(t, url), "visit", connectors.ScanOptions{})
	want := [][]connectors.Value{
		{int64(1), connectors.LocalDateTime{Date: connectors.Date{Year: 2024, Month: 3, Day: 31}, Hour: 2, Minute: 30}, time.Date(2024, 6, 1, 10, 0, 0, 0, time.UTC)},
		{int64(2), connectors.LocalDateTime{Date: connectors.Date{Year: 2023, Month: 10, Day: 29}, Hour: 2, Minute: 30}, time.Date(2023, 10, 29, 1, 30, 0, 0, time.UTC)},
	}
	compareRows(t, rows, want)

	// Written through the connector and read back through raw SQL in
	// Stockholm time: the wall clock is still the wall clock.
	tgt := openTarget(t, url)
	tbl := connectors.Table{Name: "written", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "local", Type: connectors.Type{Kind: connectors.KindDateTime, Precision: 6}},
	}}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1), want[0][1]}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, url, `DO $$ BEGIN
	  IF current_setting('TimeZone') <> 'Europe/Stockholm' THEN RAISE 'session zone %', current_setting('TimeZone'); END IF;
	  IF (SELECT local::text FROM written) <> '2024-03-31 02:30:00' THEN RAISE 'shifted: %', (SELECT local::text FROM written); END IF;
	END $$`)
}

func compareRows(t *testing.T, got, want [][]connectors.Value) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if !same(got[i][j], want[i][j]) {
				t.Errorf("row %d column %d: read %s, want %s", i, j, conformance.Describe(got[i][j]), conformance.Describe(want[i][j]))
			}
		}
	}
}

func TestCatalogue(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url,
		`CREATE TABLE care_unit (unit_id int PRIMARY KEY, name varchar(100))`,
		`CREATE TABLE patient (id bigint PRIMARY KEY, dropped int, pnr char(12) NOT NULL)`,
		`ALTER TABLE patient DROP COLUMN dropped`,
		// Key order differs from column order on purpose.
		`CREATE TABLE "Besök" (unit_id int REFERENCES care_unit, patient_id bigint, nr smallint,
		   note text, PRIMARY KEY (nr, patient_id),
		   CONSTRAINT besok_patient FOREIGN KEY (patient_id) REFERENCES patient (id))`,
		`CREATE VIEW v AS SELECT * FROM patient`,
		`CREATE TABLE measure (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)`,
		`CREATE TABLE measure_2024 PARTITION OF measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')`,
		`CREATE SCHEMA other`, `CREATE TABLE other.hidden (id int)`,
		`INSERT INTO care_unit SELECT g, 'unit ' || g FROM generate_series(1, 3) g`,
		`ANALYZE care_unit`,
	)
	tables, err := snapshot(t, openSource(t, url)).Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string]connectors.Table{}
	for _, tb := range tables {
		names = append(names, tb.Name)
		byName[tb.Name] = tb
	}
	if got := strings.Join(names, ","); got != "Besök,care_unit,measure,patient" {
		t.Fatalf("tables %s, want Besök,care_unit,measure,patient (sorted bytewise; no views, partitions or other schemas)", got)
	}
	b := byName["Besök"]
	if strings.Join(b.PrimaryKey, ",") != "nr,patient_id" {
		t.Errorf("primary key %v, want [nr patient_id] in key order", b.PrimaryKey)
	}
	wantFK := map[string]connectors.ForeignKey{
		"besok_patient":      {Name: "besok_patient", Columns: []string{"patient_id"}, RefTable: "patient", RefColumns: []string{"id"}},
		"Besök_unit_id_fkey": {Name: "Besök_unit_id_fkey", Columns: []string{"unit_id"}, RefTable: "care_unit", RefColumns: []string{"unit_id"}},
	}
	if len(b.ForeignKeys) != len(wantFK) {
		t.Errorf("foreign keys %+v", b.ForeignKeys)
	}
	for _, fk := range b.ForeignKeys {
		w := wantFK[fk.Name]
		if fk.RefTable != w.RefTable || strings.Join(fk.Columns, ",") != strings.Join(w.Columns, ",") || strings.Join(fk.RefColumns, ",") != strings.Join(w.RefColumns, ",") {
			t.Errorf("foreign key %+v, want %+v", fk, w)
		}
	}
	p := byName["patient"]
	if len(p.Columns) != 2 || p.Columns[1].Name != "pnr" || p.Columns[1].SourceType != "character(12)" ||
		p.Columns[1].Nullable || p.Columns[1].Type.Length != 12 || p.Columns[1].Charset != "UTF8" {
		t.Errorf("patient columns %+v", p.Columns)
	}
	if c := byName["care_unit"].RowEstimate; c != 3 {
		t.Errorf("care_unit estimate %d after ANALYZE, want 3", c)
	}
	if c := p.RowEstimate; c != -1 {
		t.Errorf("patient estimate %d, never analysed, want -1", c)
	}
	if n, err := snapshot(t, openSource(t, url)).Count(ctx, "care_unit"); err != nil || n != 3 {
		t.Errorf("count %d, %v", n, err)
	}
}

func TestSchemaParameter(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	// A same-named table in public must not be what the schema's scans read.
	pgtest.Exec(t, url, `CREATE TABLE t (id int PRIMARY KEY)`, `INSERT INTO t VALUES (100), (200)`)
	surl := url + "?schema=Kvalitet+reg"
	if strings.Contains(url, "?") {
		surl = url + "&schema=Kvalitet+reg"
	}
	tgt := openTarget(t, surl)
	if tgt.Schema() != "Kvalitet reg" {
		t.Fatalf("schema %q", tgt.Schema())
	}
	tbl := connectors.Table{Name: "t", PrimaryKey: []string{"id"}, Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}}}}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1)}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	compareRows(t, conformance.ReadAll(t, openSource(t, surl), "t", connectors.ScanOptions{}), [][]connectors.Value{{int64(1)}})
	if n, err := snapshot(t, tgt).Count(ctx, "t"); err != nil || n != 1 {
		t.Errorf("count in schema: %d, %v", n, err)
	}
}

func TestWriteRejectKeepsTransaction(t *testing.T) {
	ctx := context.Background()
	tgt := openTarget(t, pgtest.NewDatabase(t))
	tbl := connectors.Table{Name: "w", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}},
		{Name: "b", Type: connectors.Type{Kind: connectors.KindBytes}},
		{Name: "v", Type: connectors.Type{Kind: connectors.KindText, Length: 3}, Nullable: true},
		{Name: "j", Type: connectors.Type{Kind: connectors.KindJSON}, Nullable: true},
	}}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// A nil []byte is an empty value, not NULL (the column is NOT NULL).
	if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(1), []byte(nil), "abc", connectors.JSON(` [1, {"a": null}] `)}}); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Write(ctx, &tbl, [][]connectors.Value{{int64(2), []byte{}, "ok", nil}, {int64(3), []byte{}, "abcd", nil}})
	var fe *connectors.FitError
	if !errors.As(err, &fe) || fe.Rule != connectors.RuleTextLength || !strings.Contains(err.Error(), "row 1") || !strings.Contains(err.Error(), "column v") || strings.Contains(err.Error(), "abcd") {
		t.Fatalf("write: %v, want a text_length FitError naming row 1 and column v but not the value", err)
	}
	// JSON the json type would refuse mid-COPY is refused before it.
	for js, rule := range map[string]connectors.Rule{`{"a":`: postgres.RuleInvalidJSON, "\"a\x00\"": connectors.RuleNULByte, "\"\xff\"": connectors.RuleInvalidUTF8} {
		_, err = tx.Write(ctx, &tbl, [][]connectors.Value{{int64(2), []byte{}, nil, connectors.JSON(js)}})
		if !errors.As(err, &fe) || fe.Rule != rule || !strings.Contains(err.Error(), "column j") {
			t.Errorf("write JSON %q: %v, want a %s FitError", js, err, rule)
		}
	}
	if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(4), []byte{7}, nil, nil}}); err != nil {
		t.Fatalf("write after rejected batches: %v", err)
	}
	if _, err := tx.Write(ctx, &tbl, [][]connectors.Value{{int64(5)}}); err == nil {
		t.Fatal("a short row was written")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	compareRows(t, conformance.ReadAll(t, tgt, "w", connectors.ScanOptions{}), [][]connectors.Value{
		{int64(1), []byte{}, "abc", connectors.JSON(` [1, {"a": null}] `)},
		{int64(4), []byte{7}, nil, nil},
	})
}

func TestKeysetOverSpecialKeys(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE k (d date, n numeric, u uuid, PRIMARY KEY (d, n, u))`,
		`INSERT INTO k VALUES
		  ('-infinity', 1, '00000000-0000-0000-0000-000000000001'),
		  ('0044-03-15 BC', 1, '00000000-0000-0000-0000-000000000001'),
		  ('2024-01-01', -0.5, '00000000-0000-0000-0000-000000000001'),
		  ('2024-01-01', 12.50, '00000000-0000-0000-0000-000000000001'),
		  ('2024-01-01', 12.50, 'ffffffff-0000-0000-0000-000000000001'),
		  ('2024-01-01', 100000000000000000000, '00000000-0000-0000-0000-000000000001'),
		  ('10000-01-01', 1, '00000000-0000-0000-0000-000000000001'),
		  ('infinity', 1, '00000000-0000-0000-0000-000000000001')`)
	src := openSource(t, url)
	all := conformance.ReadAll(t, src, "k", connectors.ScanOptions{BatchSize: 1000})
	if len(all) != 8 {
		t.Fatalf("read %d rows", len(all))
	}
	// Batches of one resume after every kind of key value once.
	compareRows(t, conformance.ReadAll(t, src, "k", connectors.ScanOptions{BatchSize: 1}), all)
	compareRows(t, conformance.ReadAll(t, src, "k", connectors.ScanOptions{After: all[1]}), all[2:])
}

// The settings pinned because a server's or a role's default changed a
// result (TestReadsWhateverTheServerGlobals and
// TestWritesWhateverTheServerGlobals show how, on a private server) hold
// on every session, asked for in the URL or not; no global is changed
// here. session_replication_role, which only a superuser may set, is set
// back to origin on a target's sessions after connecting, and
// synchronous_commit off to on.
func TestSessionPinsWhatChangesAResult(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t) + "&quote_all_identifiers=on&standard_conforming_strings=off&session_replication_role=replica&synchronous_commit=off"
	pinned := map[string]string{
		"SHOW quote_all_identifiers":       "off",
		"SHOW standard_conforming_strings": "on",
	}
	snap := snapshot(t, openSource(t, url))
	for q, want := range pinned {
		if got, err := postgres.SnapshotQueryString(ctx, snap, q); err != nil || got != want {
			t.Errorf("source: %s = %q, %v; want %q", q, got, err, want)
		}
	}
	tx, err := openTarget(t, url).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	pinned["SHOW session_replication_role"] = "origin"
	pinned["SHOW synchronous_commit"] = "on"
	for q, want := range pinned {
		if got, err := postgres.TxQueryString(ctx, tx, q); err != nil || got != want {
			t.Errorf("target: %s = %q, %v; want %q", q, got, err, want)
		}
	}
}
