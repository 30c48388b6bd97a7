package postgres_test

import (
	"context"
	"fmt"
	neturl "net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// Tests that change a server's global settings run on the private server
// of pgtest.PrivateEnvVar only (CI does not set it): ALTER SYSTEM, or a
// role's or a database's defaults, are what every new session starts
// with, as a DBA's would be.

// setGlobal sets name to value for every new session of the private
// server (ALTER SYSTEM and a reload), restores it when the test ends, and
// waits until a new session sees the value.
func setGlobal(t *testing.T, server, name, value string) {

	t.Helper()
	pgtest.Exec(t, server, "ALTER SYSTEM SET "+name+" = "+value, "SELECT pg_reload_conf()")
	t.Cleanup(func() {
		pgtest.Exec(t, server, "ALTER SYSTEM RESET "+name, "SELECT pg_reload_conf()")
		waitReload(t, server)
	})
	waitReload(t, server)
}

// setDatabaseDefault sets name to value for every new session of the
// database at url (ALTER DATABASE … SET), as a DBA's default for one
// database, and resets it when the test ends.
func setDatabaseDefault(t *testing.T, url, name, value string) {
	t.Helper()
	alter := func(set string) string {
		return `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I ` + strings.ReplaceAll(set, "'", "''") + `', current_database()); END $$`
	}
	pgtest.Exec(t, url, alter("SET "+name+" = "+value))
	t.Cleanup(func() { pgtest.Exec(t, url, alter("RESET "+name)) })
}

// waitReload waits until the postmaster has read the configuration
// again: pg_reload_conf only signals it, and a session started before it
// has would take the old values.
func waitReload(t *testing.T, server string) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Fatal(err)
		}
		var pending bool
		// The last line naming a setting is the one that counts; one
		// not applied yet is waiting for the reload.
		err = conn.QueryRow(ctx, `SELECT count(*) > 0 FROM (SELECT DISTINCT ON (name) applied, error
		  FROM pg_file_settings ORDER BY name, seqno DESC) s WHERE NOT applied AND error IS NULL`).Scan(&pending)
		conn.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !pending {
			// pg_file_settings is read by this session itself; give the
			// postmaster its signal's moment as well.
			time.Sleep(200 * time.Millisecond)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the private server did not reload its configuration in 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// globalsSetup is a legacy table holding what session settings touch:
// timestamptz (TimeZone, DateStyle), intervals (IntervalStyle), floats
// (extra_float_digits), money (lc_monetary), bytea (bytea_output),
// arrays with NULL elements (array_nulls), xml (xmloption), text with a
// backslash and non-ASCII letters (standard_conforming_strings,
// client_encoding), an enum and a domain (their names in format_type,
// quote_all_identifiers), a text key for keyset reads, and a table of the
// same name in another schema (search_path).
var globalsSetup = []string{
	`CREATE TYPE mood AS ENUM ('glad', 'ledsen')`,
	`CREATE DOMAIN pnr AS varchar(12)`,
	`CREATE TABLE g (id integer PRIMARY KEY, kk text NOT NULL UNIQUE, tz timestamptz, ts timestamp(3), d date,
	  iv interval, f8 double precision, n numeric, m money, by bytea, arr integer[], x xml, t text, mo mood, p pnr)`,
	`INSERT INTO g SELECT i, 'k' || lpad((1000 - i)::text, 4, '0') || CASE WHEN i % 3 = 0 THEN 'Å' ELSE 'a' END,
	  timestamptz '2024-03-31 01:30:00.123456+00' + i * interval '7 hours 0.5 seconds',
	  timestamp '1999-12-31 23:59:59.999' + i * interval '37 minutes',
	  date '2000-02-28' + i,
	  i * interval '1 day 3 hours 0.25 seconds' - interval '1 year',
	  CASE WHEN i % 7 = 0 THEN NULL ELSE i / 3.0 END,
	  CASE WHEN i % 5 = 0 THEN 'NaN' ELSE i * 1234.5678 END,
	  (i * 1234.56)::money,
	  decode(md5(i::text), 'hex'),
	  CASE WHEN i % 2 = 0 THEN ARRAY[i, NULL, 3] END,
	  ('<a n="' || i || '">x</a>')::xml,
	  'C:\temp\' || i || ' ''q'' Öst',
	  CASE WHEN i % 2 = 0 THEN 'glad'::mood ELSE 'ledsen' END,
	  '19' || lpad(i::text, 10, '0')
	FROM generate_series(1, 300) i`,
	`CREATE SCHEMA other`,
	`CREATE TABLE other.g (id integer PRIMARY KEY, kk text)`,
	`INSERT INTO other.g VALUES (1, 'other schema')`,
	`ANALYZE g`,
}

// globalsReading is what reading the fixture gives.
type globalsReading struct {
	Tables   []string
	ByID     []string
	ByKK     []string
	Count    int64
	Pushdown connectors.Buckets
	ReadBack connectors.Buckets
	Parts    connectors.Buckets
}

func readGlobalsFixture(t *testing.T, url string) globalsReading {
	t.Helper()
	ctx := context.Background()
	snap := snapshot(t, openSource(t, url))
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var r globalsReading
	var g *connectors.Table
	for i := range tables {
		for _, c := range tables[i].Columns {
			r.Tables = append(r.Tables, fmt.Sprintf("%s.%s %s %+v", tables[i].Name, c.Name, c.SourceType, c.Type))
		}
		if tables[i].Name == "g" {
			g = &tables[i]
		}
	}
	if g == nil {
		t.Fatalf("no table g in %v", tables)
	}
	scan := func(opts connectors.ScanOptions) []string {
		rows, err := snap.Scan(ctx, g, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			out = append(out, fmt.Sprintf("%#v", rows.Row()))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	r.ByID = scan(connectors.ScanOptions{BatchSize: 7})
	r.ByKK = scan(connectors.ScanOptions{Key: []string{"kk"}, BatchSize: 11})
	if r.Count, err = snap.Count(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range g.Columns {
		if c.Name != "f8" {
			names = append(names, c.Name)
		}
	}
	all := connectors.ChecksumRequest{Columns: names, Key: []string{"id"}, Buckets: 8, Floats: []string{"f8"}, FloatBits: 40}
	// The pushdown leaves money, arrays, xml, enums, domains and
	// intervals to Go: it is asked for the columns it encodes itself.
	pushable := all
	pushable.Columns = []string{"id", "kk", "tz", "ts", "d", "n", "by", "t"}
	for _, p := range []struct {
		path string
		req  connectors.ChecksumRequest
		into *connectors.Buckets
	}{{"pushdown", pushable, &r.Pushdown}, {"readback", all, &r.ReadBack}} {
		restore := postgres.ChecksumPath(p.path)
		var pushed bool
		*p.into, pushed, err = connectors.Checksum(ctx, snap, g, p.req)
		restore()
		if err != nil {
			t.Fatalf("checksum by %s: %v", p.path, err)
		}
		if pushed != (p.path == "pushdown") {
			t.Fatalf("checksum by %s: pushed down %v", p.path, pushed)
		}
	}
	// A whole table read back in parts: each part is a session of its
	// own that imports the snapshot.
	whole := pushable
	whole.Key, whole.ReadBack = nil, true
	before := postgres.ReadBackPartsRead()
	restore := postgres.ReadBackInParts(1, 3)
	r.Parts, err = snap.(connectors.Checksummer).Checksum(ctx, g, whole)
	restore()
	if err != nil {
		t.Fatalf("checksum read back in parts: %v", err)
	}
	if n := postgres.ReadBackPartsRead() - before; n < 2 {
		t.Fatalf("read back in %d parts, want several", n)
	}
	return r
}

// A DBA's global settings are every new session's. One that changes what
// a read returns (its rows, their values, their text) and that the
// connector does not pin would change a run's reading and its
// verification's alike, and they would agree. Each global below is set on
// the private server in turn and the fixture read again, by key, by a
// text key, counted and checksummed by both paths: nothing may change.
func TestReadsWhateverTheServerGlobals(t *testing.T) {
	server := pgtest.PrivateServerURL(t)
	url := pgtest.NewDatabaseOn(t, server)
	pgtest.Exec(t, url, globalsSetup...)
	want := readGlobalsFixture(t, url)
	if len(want.ByID) != 300 || len(want.ByKK) != 300 || want.Count != 300 {
		t.Fatalf("the fixture reads %d rows by id, %d by kk, counts %d", len(want.ByID), len(want.ByKK), want.Count)
	}
	for _, g := range globalsRead {
		scope := "system "
		if g.database {
			scope = "database "
		}
		t.Run(scope+g.name+"="+g.value, func(t *testing.T) {
			skipUnknownSetting(t, server, g.name)
			g.set(t, server, url)
			got := readGlobalsFixture(t, url)
			for _, f := range []struct {
				what      string
				got, want any
			}{
				{"catalogue", got.Tables, want.Tables},
				{"by primary key", got.ByID, want.ByID},
				{"by kk", got.ByKK, want.ByKK},
				{"count", got.Count, want.Count},
				{"checksum pushed down", got.Pushdown, want.Pushdown},
				{"checksum read back", got.ReadBack, want.ReadBack},
				{"checksum read back in parts", got.Parts, want.Parts},
			} {
				if !reflect.DeepEqual(f.got, f.want) {
					t.Errorf("with %s = %s the fixture read %s differs:\n%s", g.name, g.value, f.what, firstDiff(f.got, f.want))
				}
			}
		})
	}
}

// skipUnknownSetting skips a test of a setting the server does not have
// (force_parallel_mode became debug_parallel_query in PostgreSQL 16).
func skipUnknownSetting(t *testing.T, server, name string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var known bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_settings WHERE lower(name) = lower($1))", name).Scan(&known); err != nil {
		t.Fatal(err)
	}
	if !known {
		t.Skipf("the server has no setting %s", name)
	}
}

// firstDiff shows where two readings part.
func firstDiff(got, want any) string {
	gs, ws := fmt.Sprintf("%v", got), fmt.Sprintf("%v", want)
	i := 0
	for i < len(gs) && i < len(ws) && gs[i] == ws[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("got  …%s\nwant …%s", clip(gs[from:], 240), clip(ws[from:], 240))
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// serverGlobal is a setting every new session takes: the server's
// (ALTER SYSTEM) or, with database, the database's (ALTER DATABASE).
type serverGlobal struct {
	name, value string
	database    bool
}

func (g serverGlobal) set(t *testing.T, server, url string) {
	t.Helper()
	if g.database {
		setDatabaseDefault(t, url, g.name, g.value)
	} else {
		setGlobal(t, server, g.name, g.value)
	}
}

var globalsRead = []serverGlobal{
	{"search_path", "'other, public'", false},
	{"default_transaction_isolation", "'read committed'", false},
	{"default_transaction_isolation", "'serializable'", false},
	{"synchronize_seqscans", "off", false},
	{"enable_indexscan", "off", false},
	{"enable_seqscan", "off", false},
	{"enable_sort", "off", false},
	{"enable_bitmapscan", "off", false},
	{"row_security", "on", false},
	{"transform_null_equals", "on", false},
	{"lc_numeric", "'C.utf8'", false},
	{"lc_monetary", "'C.utf8'", false},
	{"bytea_output", "escape", false},
	{"xmloption", "document", false},
	{"timezone", "'Europe/Stockholm'", false},
	{"datestyle", "'SQL, DMY'", false},
	{"intervalstyle", "'sql_standard'", false},
	{"extra_float_digits", "-15", false},
	{"client_encoding", "'LATIN1'", false},
	{"standard_conforming_strings", "off", false},
	{"array_nulls", "off", false},
	{"quote_all_identifiers", "on", false},
	{"default_toast_compression", "lz4", false},
	{"jit", "on", false},
	{"jit_above_cost", "0", false},
	{"max_parallel_workers_per_gather", "0", false},
	{"debug_parallel_query", "on", false},
	{"force_parallel_mode", "on", false},
	{"session_replication_role", "replica", false},
	{"default_transaction_read_only", "on", false},
	{"lock_timeout", "'1s'", false},
	{"statement_timeout", "'60s'", false},
	{"plan_cache_mode", "force_generic_plan", false},
	{"constraint_exclusion", "off", false},
	{"check_function_bodies", "off", false},
	{"search_path", "'other, public'", true},
	{"TimeZone", "'Asia/Kolkata'", true},
	{"row_security", "on", true},
	{"quote_all_identifiers", "on", true},
	{"standard_conforming_strings", "off", true},
	{"session_replication_role", "replica", true},
}

// writeGlobalsFixture writes every edge value PostgreSQL keeps into a
// table Create makes (as TestWriteBinaryCopyEdges does) and reads it
// back; then it writes a row that breaks a foreign key of an existing
// receiving table, which must fail.
func writeGlobalsFixture(t *testing.T, url string) []string {
	t.Helper()
	ctx := context.Background()
	pgtest.Exec(t, url,
		`CREATE TABLE public.parent (id bigint PRIMARY KEY)`,
		`CREATE TABLE public.child (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES public.parent)`,
		`INSERT INTO public.parent VALUES (1)`,
		`CREATE SCHEMA other`,
		`CREATE TABLE other.child (id bigint PRIMARY KEY, parent_id bigint NOT NULL)`,
		`CREATE TABLE other.copy_edges (id bigint PRIMARY KEY)`)
	tgt := openTarget(t, url)
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for q, bad := range map[string]string{"SHOW session_replication_role": "replica", "SHOW synchronous_commit": "off"} {
		if got, err := postgres.TxQueryString(ctx, tx, q); err != nil || got == bad {
			t.Errorf("a target session: %s = %q, %v", q, got, err)
		}
	}
	tx.Rollback()
	tbl := connectors.Table{Name: "copy_edges", PrimaryKey: []string{"id"}}
	tbl.Columns = append(tbl.Columns, connectors.Column{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}})
	row, nulls := []connectors.Value{int64(1)}, []connectors.Value{int64(2)}
	for _, e := range conformance.Edges() {
		o, err := conformance.Observe(postgres.Dialect{}, e)
		if err != nil || o.NoColumn || o.Rule != "" || e.Value == nil {
			continue
		}
		typ, err := connectors.ParseType(e.Type)
		if err != nil {
			t.Fatal(err)
		}
		tbl.Columns = append(tbl.Columns, connectors.Column{Name: fmt.Sprintf("c%d", len(tbl.Columns)), Type: typ, Nullable: true})
		row, nulls = append(row, e.Value), append(nulls, nil)
	}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	write := func(tbl *connectors.Table, rows ...[]connectors.Value) error {
		tx, err := tgt.Begin(ctx)
		if err != nil {
			return err
		}
		if _, err := tx.Write(ctx, tbl, rows); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	}
	if err := write(&tbl, row, nulls); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range conformance.ReadAll(t, openSource(t, url), tbl.Name, connectors.ScanOptions{}) {
		out = append(out, fmt.Sprintf("%#v", r))
	}
	int64Col := func(name string) connectors.Column {
		return connectors.Column{Name: name, Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}
	}
	child := connectors.Table{Name: "child", PrimaryKey: []string{"id"}, Columns: []connectors.Column{int64Col("id"), int64Col("parent_id")}}
	if err := write(&child, []connectors.Value{int64(1), int64(1)}); err != nil {
		t.Fatal(err)
	}
	if err := write(&child, []connectors.Value{int64(2), int64(2)}); err == nil {
		t.Errorf("a row whose parent_id 2 is in no row of parent was written without an error")
	} else if !strings.Contains(err.Error(), "foreign key") {
		t.Errorf("a row breaking the foreign key: %v, want a foreign key violation", err)
	}
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var others int64
	if err := admin.QueryRow(ctx, "SELECT (SELECT count(*) FROM other.child) + (SELECT count(*) FROM other.copy_edges)").Scan(&others); err != nil {
		t.Fatal(err)
	}
	if others != 0 {
		t.Errorf("%d rows written into schema other, want none", others)
	}
	return out
}

// As TestReadsWhateverTheServerGlobals, for a target: with each global
// set, the edge values written come back as without it, a row breaking a
// declared foreign key of an existing table is refused, and nothing
// lands in a same-named table of another schema.
func TestWritesWhateverTheServerGlobals(t *testing.T) {
	server := pgtest.PrivateServerURL(t)
	want := writeGlobalsFixture(t, pgtest.NewDatabaseOn(t, server))
	if len(want) != 2 {
		t.Fatalf("the fixture reads back %d rows, want 2", len(want))
	}
	for _, g := range globalsWrite {
		scope := "system "
		if g.database {
			scope = "database "
		}
		t.Run(scope+g.name+"="+g.value, func(t *testing.T) {
			skipUnknownSetting(t, server, g.name)
			url := pgtest.NewDatabaseOn(t, server)
			g.set(t, server, url)
			got := writeGlobalsFixture(t, url)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("with %s = %s the edge values read back differ:\n%s", g.name, g.value, firstDiff(got, want))
			}
		})
	}
}

var globalsWrite = []serverGlobal{
	{"session_replication_role", "replica", false},
	{"search_path", "'other, public'", false},
	{"synchronous_commit", "off", false},
	{"default_table_access_method", "heap", false},
	{"check_function_bodies", "off", false},
	{"timezone", "'America/Los_Angeles'", false},
	{"datestyle", "'German, DMY'", false},
	{"intervalstyle", "'iso_8601'", false},
	{"extra_float_digits", "-15", false},
	{"client_encoding", "'LATIN1'", false},
	{"standard_conforming_strings", "off", false},
	{"transform_null_equals", "on", false},
	{"array_nulls", "off", false},
	{"quote_all_identifiers", "on", false},
	{"default_transaction_isolation", "'serializable'", false},
	{"lock_timeout", "'1s'", false},
	{"session_replication_role", "replica", true},
	{"synchronous_commit", "off", true},
	{"search_path", "'other, public'", true},
	{"quote_all_identifiers", "on", true},
}

// A role whose default is session_replication_role = replica and that
// may not set it (no superuser) cannot write with foreign keys checked,
// so a target connection is refused, naming the setting; as a source it
// reads.
func TestTargetRefusesReplicaRoleItCannotReset(t *testing.T) {
	server := pgtest.PrivateServerURL(t)
	url := pgtest.NewDatabaseOn(t, server)
	pgtest.Exec(t, server,
		`CREATE ROLE regflytt_test_replica LOGIN`,
		`ALTER ROLE regflytt_test_replica SET session_replication_role = replica`)
	t.Cleanup(func() {
		pgtest.Exec(t, server, `DROP OWNED BY regflytt_test_replica`, `DROP ROLE regflytt_test_replica`)
	})
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.User("regflytt_test_replica")
	_, err = postgres.OpenTarget(context.Background(), location(t, u.String()))
	if err == nil || !strings.Contains(err.Error(), "session_replication_role") {
		t.Fatalf("a target whose role's default is replica: %v, want a refusal naming session_replication_role", err)
	}
	openSource(t, u.String())
}

// zero_damaged_pages reads a page whose header is damaged as an empty
// one, and ignore_checksum_failure a page whose checksum fails as it is,
// each with only a WARNING the client does not look at: a DBA rescuing a
// damaged cluster may leave one on for every session (ALTER SYSTEM).
// The rows of a damaged page were then missing from the run's reading
// and from verify's alike, or read changed, and the run passed. Only a
// superuser may set either: a session that has one on turns it off (a
// damaged page then fails the read, naming it), and a role that may not
// is refused, naming the setting. Neither needs a damaged page to show.
func TestDamagedPagesAreNotReadWhateverTheServerGlobals(t *testing.T) {
	server := pgtest.PrivateServerURL(t)
	url := pgtest.NewDatabaseOn(t, server)
	pgtest.Exec(t, url, `CREATE TABLE g (id integer PRIMARY KEY)`, `INSERT INTO g VALUES (1)`)
	pgtest.Exec(t, server,
		`CREATE ROLE regflytt_test_plain LOGIN`,
		`GRANT SELECT ON ALL TABLES IN SCHEMA public TO regflytt_test_plain`)
	t.Cleanup(func() {
		pgtest.Exec(t, url, `DROP OWNED BY regflytt_test_plain`)
		pgtest.Exec(t, server, `DROP OWNED BY regflytt_test_plain`, `DROP ROLE regflytt_test_plain`)
	})
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	u.User = neturl.User("regflytt_test_plain")
	plain := u.String()
	ctx := context.Background()
	for _, name := range []string{"zero_damaged_pages", "ignore_checksum_failure"} {
		t.Run(name, func(t *testing.T) {
			setGlobal(t, server, name, "on")
			snap := snapshot(t, openSource(t, url))
			if v, err := postgres.SnapshotQueryString(ctx, snap, "SHOW "+name); err != nil || v != "off" {
				t.Errorf("a superuser's snapshot reads with %s = %q (%v), want off", name, v, err)
			}
			tx, err := openTarget(t, url).Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v, err := postgres.TxQueryString(ctx, tx, "SHOW "+name); err != nil || v != "off" {
				t.Errorf("a superuser's write transaction has %s = %q (%v), want off", name, v, err)
			}
			tx.Rollback()
			for what, open := range map[string]func(context.Context, *connectors.Location) (*postgres.DB, error){
				"source": postgres.OpenSource, "target": postgres.OpenTarget,
			} {
				db, err := open(ctx, location(t, plain))
				if err == nil {
					db.Close()
					t.Errorf("a %s whose role may not turn %s off was opened", what, name)
				} else if !strings.Contains(err.Error(), name) {
					t.Errorf("a %s whose role may not turn %s off: %v, want a refusal naming the setting", what, name, err)
				}
			}
		})
	}
}

// A DBA's timeouts cut a run's reads: idle_in_transaction_session_timeout
// ends a snapshot's session idle between its reads (while the run writes
// the batch before), idle_session_timeout an idle pooled one. Each must
// fail the read, never end it as if the table had no more rows: the run
// and verify would then agree on a short table. A read is all the rows
// or an error. (statement_timeout, a timeout of the server's too, is
// TestReadsWhateverTheServerGlobals'.)
func TestReadsCutByServerTimeoutsFail(t *testing.T) {
	server := pgtest.PrivateServerURL(t)
	url := pgtest.NewDatabaseOn(t, server)
	const total = 100000
	pgtest.Exec(t, url,
		`CREATE TABLE s (id integer PRIMARY KEY, k integer NOT NULL UNIQUE, pad text)`,
		fmt.Sprintf(`INSERT INTO s SELECT i, 1000000 - i, repeat('p', 300) FROM generate_series(1, %d) i`, total))
	ctx := context.Background()
	for _, g := range []serverGlobal{
		{"idle_in_transaction_session_timeout", "'1s'", false},
		{"idle_session_timeout", "'1s'", false},
		{"idle_in_transaction_session_timeout", "'1s'", true},
	} {
		t.Run(g.name, func(t *testing.T) {
			skipUnknownSetting(t, server, g.name)
			g.set(t, server, url)
			cut := 0
			var snap connectors.Snapshot
			var s *connectors.Table
			src, err := postgres.OpenSource(ctx, location(t, url))
			if err == nil {
				t.Cleanup(func() { src.Close() })
				snap, err = src.Snapshot(ctx)
			}
			if err == nil {
				t.Cleanup(func() { snap.Close() })
				var tables []connectors.Table
				tables, err = snap.Tables(ctx)
				for i := range tables {
					if tables[i].Name == "s" {
						s = &tables[i]
					}
				}
				if err == nil && s == nil {
					t.Fatal("no table s")
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, opts := range []connectors.ScanOptions{{Key: []string{"k"}}, {BatchSize: 50000}} {
				rows, err := snap.Scan(ctx, s, opts)
				if err != nil {
					cut++
					continue
				}
				n := 0
				for rows.Next() {
					// The reader pauses beyond the timeouts between
					// batches (the snapshot idle in its transaction).
					if n++; n == 1 || n == total/2 {
						time.Sleep(2 * time.Second)
					}
				}
				err = rows.Err()
				rows.Close()
				if err == nil && n != total {
					t.Errorf("with %s = %s a read by %v ended after %d rows of %d without an error", g.name, g.value, opts.Key, n, total)
				}
				if err != nil {
					cut++
				}
			}
			if n, err := snap.Count(ctx, "s"); err == nil && n != total {
				t.Errorf("with %s = %s the count is %d, want %d or an error", g.name, g.value, n, total)
			}
			if cut == 0 && g.name != "idle_session_timeout" {
				t.Errorf("with %s = %s no read was cut: the test proves nothing", g.name, g.value)
			}
		})
	}
}

// gin_fuzzy_search_limit makes a GIN index scan return a random subset
// of about that many of the rows it finds, without a word: PostgreSQL's
// manual suggests 5000 to 20000 for full-text search, and a DBA may set
// it for every session. A select: source whose condition the planner
// answers with a GIN index (an array's @>, jsonb's @>, full text's @@)
// then read some of its rows, and verify, reading the same query the
// same way, agreed. Every session pins it to 0 (no limit).
func TestSelectSourceWhateverTheGinFuzzySearchLimit(t *testing.T) {
	server := pgtest.PrivateServerURL(t)
	url := pgtest.NewDatabaseOn(t, server)
	pgtest.Exec(t, url,
		`CREATE TABLE t (id integer PRIMARY KEY, tags integer[] NOT NULL)`,
		`INSERT INTO t SELECT i, CASE WHEN i % 50 = 0 THEN ARRAY[1, 2] ELSE ARRAY[3] END FROM generate_series(1, 100000) i`,
		`CREATE INDEX t_tags ON t USING gin (tags)`,
		`ANALYZE t`)
	// The database's default (ALTER DATABASE): the server's would do the
	// same for every database.
	setDatabaseDefault(t, url, "gin_fuzzy_search_limit", "100")
	ctx := context.Background()
	snap := snapshot(t, openSource(t, url))
	qs := snap.(connectors.Querier)
	const q = "SELECT id, tags FROM t WHERE tags @> ARRAY[1]"
	cols, err := qs.DescribeQuery(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := qs.ScanQuery(ctx, q, cols, connectors.ScanOptions{Key: []string{"id"}})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 2000 {
		t.Errorf("the select: source read %d rows, want the 2000 its condition holds for", n)
	}
	if got, err := postgres.SnapshotQueryString(ctx, snap, "SELECT count(*)::text FROM ("+q+") s"); err != nil || got != "2000" {
		t.Errorf("counted in the snapshot's session: %s (%v), want 2000", got, err)
	}
}

// A select: source is the plan's own SQL, and what it computes must not
// depend on a DBA's defaults either, none of which warns:
// transform_null_equals on reads x = NULL as x IS NULL (rows the plan's
// condition excludes were read), array_nulls off an array literal's NULL
// as the text 'NULL', and timezone_abbreviations India IST as +05:30
// where the default reads Israel's +02. The run and verify, reading the
// same query the same way, agreed on the changed values. Each is pinned
// to the server's default.
func TestSelectSourceWhateverTheServerGlobals(t *testing.T) {
	server := pgtest.PrivateServerURL(t)
	url := pgtest.NewDatabaseOn(t, server)
	pgtest.Exec(t, url,
		`CREATE TABLE t (id integer PRIMARY KEY, v integer)`,
		`INSERT INTO t VALUES (1, NULL), (2, 5)`)
	const q = `SELECT id, v FROM t WHERE v = NULL OR id = 2 UNION ALL ` +
		`SELECT 10 + id, CASE WHEN ('{a,NULL}'::text[])[2] IS NULL THEN 0 ELSE 1 END FROM t WHERE id = 1 UNION ALL ` +
		`SELECT 20 + id, extract(epoch FROM timestamptz '2024-01-01 12:00 IST')::integer FROM t WHERE id = 1`
	read := func() []string {
		ctx := context.Background()
		qs := snapshot(t, openSource(t, url)).(connectors.Querier)
		cols, err := qs.DescribeQuery(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := qs.ScanQuery(ctx, q, cols, connectors.ScanOptions{Key: []string{"id"}})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			out = append(out, fmt.Sprintf("%v", rows.Row()))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := read()
	if fmt.Sprint(want) != "[[2 5] [11 0] [21 1704103200]]" {
		t.Fatalf("the server's defaults read %v", want)
	}
	for _, g := range []serverGlobal{
		{"transform_null_equals", "on", false},
		{"array_nulls", "off", false},
		{"timezone_abbreviations", "'India'", false},
		{"transform_null_equals", "on", true},
	} {
		t.Run(g.name+"="+g.value, func(t *testing.T) {
			g.set(t, server, url)
			if got := read(); !reflect.DeepEqual(got, want) {
				t.Errorf("with %s = %s the select: source read %v, want %v", g.name, g.value, got, want)
			}
		})
	}
}

// A select: source that formats or parses with the session's locale or
// text search configuration computes other values when a database (or
// role, or the server) sets another default, without a warning:
// to_char's TM month and day names follow lc_time ('Januari Måndag'
// under sv_SE), its D and G lc_numeric ('1 234,5'), to_number reads
// lc_numeric's separators, and to_tsvector without a configuration
// follows default_text_search_config (swedish keeps 'running' whole,
// english stems it). A run on a database whose defaults were set so, or
// on a copy restored on a server with another locale, migrated the
// other text, and verify, reading the same way, agreed. Each is pinned
// to the server's built-in default (C, C, pg_catalog.simple); each is
// set here with ALTER DATABASE on the test's own database. A locale the
// server cannot load (only C locales installed) skips its case.
func TestSelectSourceWhateverTheDatabaseLocale(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url, `CREATE TABLE t (id integer PRIMARY KEY)`, `INSERT INTO t VALUES (1)`)
	const q = `SELECT id, to_char(date '2024-01-15', 'TMMonth TMDay') AS month, to_char(1234.5, 'FM9G999D9') AS num, ` +
		`to_number('1,234.5', '9G999D9')::text AS parsed, to_tsvector('Running dogs')::text AS ts, ` +
		`xmlelement(name b, '\x0102'::bytea)::text AS xb, ('<a/><b/>'::xml)::text AS frag, ` +
		`('\x0102'::bytea)::text AS bt, (1::float8 / 3)::text AS third, (interval '1 day 2 hours')::text AS iv, ` +
		`(date '2024-01-15')::text AS d, (timestamptz '2024-01-15 12:00+00')::text AS tz FROM t`
	read := func(t *testing.T) []string {
		t.Helper()
		ctx := context.Background()
		qs := snapshot(t, openSource(t, url)).(connectors.Querier)
		cols, err := qs.DescribeQuery(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := qs.ScanQuery(ctx, q, cols, connectors.ScanOptions{Key: []string{"id"}})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			out = append(out, fmt.Sprintf("%q", rows.Row()))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	// The pinned values: C's names and separators, simple's lexemes.
	// And the built-in defaults of xmlbinary (base64: bytea in
	// xmlelement) and xmloption (content: a fragment of two elements is
	// xml), besides the other pinned ones a computed value's text shows.
	want := []string{fmt.Sprintf("%q", []connectors.Value{int64(1), "January Monday", "1,234.5", "1234.5", "'dogs':2 'running':1",
		"<b>AQI=</b>", "<a/><b/>", `\x0102`, "0.3333333333333333", "1 day 02:00:00", "2024-01-15", "2024-01-15 12:00:00+00"})}
	if got := read(t); !reflect.DeepEqual(got, want) {
		t.Fatalf("the select: source read %v under the database's defaults, want %v", got, want)
	}
	for _, g := range []serverGlobal{
		{"default_text_search_config", "'pg_catalog.english'", true},
		{"default_text_search_config", "'pg_catalog.swedish'", true},
		{"lc_time", "'sv_SE.UTF-8'", true},
		{"lc_numeric", "'sv_SE.UTF-8'", true},
		// A select: source's xmlelement wrote a bytea as hex under a
		// database's xmlbinary hex, and its fragment cast to xml failed
		// under xmloption document.
		{"xmlbinary", "hex", true},
		{"xmloption", "document", true},
		{"bytea_output", "escape", true},
		{"extra_float_digits", "0", true},
		{"intervalstyle", "'sql_standard'", true},
		{"datestyle", "'SQL, DMY'", true},
		{"timezone", "'Europe/Stockholm'", true},
	} {
		t.Run(g.name+"="+g.value, func(t *testing.T) {
			if strings.HasPrefix(g.name, "lc_") && !canLoadLocale(t, url, g.name, strings.Trim(g.value, "'")) {
				t.Skipf("the server cannot load locale %s (only C locales installed?)", g.value)
			}
			g.set(t, "", url)
			if got := read(t); !reflect.DeepEqual(got, want) {
				t.Errorf("with %s = %s the select: source read %v, want %v", g.name, g.value, got, want)
			}
		})
	}
}

// canLoadLocale says whether the server takes locale for setting name.
func canLoadLocale(t *testing.T, url, name, locale string) bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "SELECT set_config($1, $2, false)", name, locale)
	return err == nil
}
