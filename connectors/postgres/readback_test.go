package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// mixedSetup is a table of every type the read-back decodes and floats,
// its rows a mix of ordinary and edge values (numeric NaN and ±Infinity,
// scales kept, padded char, infinite and BC dates, jsonb, NULLs; domains,
// which the pushdown refuses, are TestChecksumSourceTypes'), so that
// both checksum paths meet them in one whole-table read.
var mixedSetup = []string{
	`CREATE TABLE mixed (id integer PRIMARY KEY, s smallint, b bigint, n numeric, n2 numeric(12,2),
	  t text, v varchar(20), c char(5), nm name, bo boolean, by bytea, d date, ts timestamp(3), tz timestamptz,
	  ti time, u uuid, j json, jb jsonb, f8 double precision, f4 real)`,
	`INSERT INTO mixed
	SELECT i, (i % 30000)::smallint, i::bigint * 1000003,
	  CASE i % 9 WHEN 0 THEN 'NaN' WHEN 1 THEN 'Infinity' WHEN 2 THEN '-Infinity' WHEN 3 THEN NULL
	    WHEN 4 THEN '0.000' WHEN 5 THEN -(i::numeric / 7) ELSE i::numeric * 1234567 / 1000 END,
	  CASE WHEN i % 4 <> 0 THEN (i % 100000) / 100.0 END,
	  CASE i % 5 WHEN 0 THEN '' WHEN 1 THEN NULL ELSE 'Åsa Öberg ' || i END, 'K' || i, 'ab', 'nm' || i,
	  CASE WHEN i % 3 = 0 THEN NULL ELSE i % 2 = 0 END,
	  CASE WHEN i % 6 = 0 THEN ''::bytea ELSE decode(md5(i::text), 'hex') END,
	  CASE i % 11 WHEN 0 THEN 'infinity' WHEN 1 THEN '-infinity' WHEN 2 THEN '0044-03-15 BC' WHEN 3 THEN '12345-06-07'
	    ELSE date '1940-01-01' + i % 29000 END,
	  CASE i % 13 WHEN 0 THEN 'infinity' WHEN 1 THEN '0001-01-01 00:00:00 BC' ELSE timestamp '1999-12-31 23:59:59.999' + i * interval '37.001 seconds' END,
	  CASE i % 17 WHEN 0 THEN '-infinity' WHEN 1 THEN NULL ELSE timestamptz '2020-01-01 00:00:00.5+02' + i * interval '1 hour 0.25 seconds' END,
	  CASE i % 19 WHEN 0 THEN '24:00:00' ELSE time '00:00:00.000001' + i * interval '1.5 seconds' END,
	  md5(i::text)::uuid,
	  CASE WHEN i % 7 = 0 THEN NULL ELSE ('{"b": ' || i || ',  "a": "ö"}')::json END,
	  CASE WHEN i % 8 = 0 THEN NULL ELSE ('{"b": ' || i || ',  "a": [1, 2.50, null]}')::jsonb END,
	  CASE i % 10 WHEN 0 THEN 'NaN' WHEN 1 THEN '-0' WHEN 2 THEN NULL ELSE i / 3.0 END,
	  CASE i % 10 WHEN 0 THEN 'Infinity' WHEN 1 THEN NULL ELSE i / 7.0 END
	FROM generate_series(1, 3000) i`,
	`INSERT INTO mixed (id) VALUES (0)`,
}

// mixedTable makes the mixed table in a new database and gives a
// snapshot of it, its catalogue entry and its columns but the floats.
func mixedTable(t *testing.T) (connectors.Snapshot, *connectors.Table, []string) {
	t.Helper()
	u := pgtest.NewDatabase(t)
	pgtest.Exec(t, u, mixedSetup...)
	snap := snapshot(t, openSource(t, u))
	tables, err := snap.Tables(context.Background())
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	var hashed []string
	for _, c := range tables[0].Columns {
		if c.Type.Kind != connectors.KindFloat {
			hashed = append(hashed, c.Name)
		}
	}
	return snap, &tables[0], hashed
}

// The read-back and the pushdown give the same bucket aggregates, float
// aggregates included, on the same table, and both are HashTable's.
func TestChecksumReadBackAgreesWithPushdown(t *testing.T) {
	ctx := context.Background()
	snap, tbl, hashed := mixedTable(t)
	cs := snap.(connectors.Checksummer)
	for _, req := range []connectors.ChecksumRequest{
		{Columns: hashed, Buckets: 1},
		{Columns: hashed, Buckets: 64, Floats: []string{"f8", "f4"}, FloatBits: 30},
		{Columns: []string{"t", "n"}, Key: []string{"n", "id"}, Buckets: 7, Floats: []string{"f4"}, FloatBits: 52},
		{Columns: hashed, Buckets: 64, Within: 8, In: []uint32{3, 5}},
	} {
		want, err := connectors.HashTable(ctx, snap, tbl, req)
		if err != nil {
			t.Fatal(err)
		}
		var got [2]connectors.Buckets
		for i, path := range []string{"pushdown", "readback"} {
			restore := postgres.ChecksumPath(path)
			got[i], err = cs.Checksum(ctx, tbl, req)
			restore()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		for i, path := range []string{"pushdown", "readback"} {
			for _, pair := range [][2][]connectors.BucketSum{{got[i].Sums, want.Sums}, {got[i].Floats, want.Floats}} {
				g, w := connectors.Buckets{Version: want.Version, N: want.N, Sums: pair[0]}, connectors.Buckets{Version: want.Version, N: want.N, Sums: pair[1]}
				if d, err := connectors.DiffBuckets(g, w); err != nil || len(d) > 0 {
					t.Errorf("%d buckets, floats %v: %s differs from Go in buckets %v (%v)", req.Buckets, req.Floats, path, d, err)
				}
			}
		}
		if want.Total().Count == 0 || len(req.Floats) > 0 && len(want.Floats) == 0 {
			t.Fatalf("%d buckets: nothing hashed", req.Buckets)
		}
		if d, err := connectors.DiffBuckets(got[0], got[1]); err != nil || len(d) > 0 {
			t.Errorf("%d buckets: pushdown and read-back differ in buckets %v (%v)", req.Buckets, d, err)
		}
	}
	// Record by record too, each column as a value and as a key.
	defer postgres.ChecksumPath("readback")()
	conformance.ChecksumSourceColumns(t, snap, tbl, func(c connectors.Column) string { return c.Name })
}

// A keyed hash (a run's own end check) is read back and hashed in Go to
// the byte of HashTable's with the same hasher, Floats included, and the
// pushdown refuses it: no SQL computes it, and a SHA-256 answer under its
// name would compare unequal with every expected side.
func TestChecksumReadBackKeyed(t *testing.T) {
	ctx := context.Background()
	snap, tbl, hashed := mixedTable(t)
	h := connectors.NewRunHasher()
	req := connectors.ChecksumRequest{Columns: hashed, Buckets: 64, Floats: []string{"f8", "f4"}, FloatBits: 30, ReadBack: true, Hasher: h}
	want, err := connectors.HashTable(ctx, snap, tbl, req)
	if err != nil {
		t.Fatal(err)
	}
	sha := req
	sha.Hasher = nil
	plain, err := connectors.HashTable(ctx, snap, tbl, sha)
	if err != nil {
		t.Fatal(err)
	}
	if want.Version != h.Version() || plain.Total() == want.Total() {
		t.Fatalf("the keyed checksum is version %q with total %v, SHA-256's %v: not keyed", want.Version, want.Total(), plain.Total())
	}
	got, err := snap.(connectors.Checksummer).Checksum(ctx, tbl, req)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ReadBack {
		t.Errorf("the keyed checksum was not read back")
	}
	for _, pair := range [][2][]connectors.BucketSum{{got.Sums, want.Sums}, {got.Floats, want.Floats}} {
		g, w := connectors.Buckets{Version: got.Version, N: got.N, Sums: pair[0]}, connectors.Buckets{Version: want.Version, N: want.N, Sums: pair[1]}
		if d, err := connectors.DiffBuckets(g, w); err != nil || len(d) > 0 {
			t.Errorf("read-back differs from Go in buckets %v (%v)", d, err)
		}
	}
	restore := postgres.ChecksumPath("pushdown")
	_, err = snap.(connectors.Checksummer).Checksum(ctx, tbl, req)
	restore()
	if !errors.Is(err, connectors.ErrNoPushdown) {
		t.Errorf("the pushdown of a keyed hash: got %v, want ErrNoPushdown", err)
	}
	restore = postgres.ChecksumPath("pushdown")
	_, pushed, err := connectors.Checksum(ctx, snap, tbl, req)
	restore()
	if err != nil || pushed {
		t.Errorf("connectors.Checksum of a keyed hash: pushed %v, %v; want it computed in Go", pushed, err)
	}
}

// In a LATIN1 database text is read back in UTF-8, converted by the
// server as for Scan: the read-back hashes åäö as HashTable does.
func TestChecksumReadBackLatin1(t *testing.T) {
	ctx := context.Background()
	admin := pgtest.AdminURL(t)
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "regflytt_test_latin1_" + hex.EncodeToString(b[:])
	pgtest.Exec(t, admin, "CREATE DATABASE "+name+" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")
	t.Cleanup(func() {
		// Closing the pools is registered after this, so runs before.
		pgtest.Exec(t, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	pu, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	pu.Path = "/" + name
	u := pu.String()
	// The fixture's session sends UTF-8 too (a SET in the same string
	// would come too late: the server converts the whole string first).
	q := pu.Query()
	q.Set("client_encoding", "UTF8")
	pu.RawQuery = q.Encode()
	pgtest.Exec(t, pu.String(), `CREATE TABLE l (id integer PRIMARY KEY, t text, v varchar(20), c char(6), j json, jb jsonb);
	  INSERT INTO l VALUES (1, 'Åsa Öberg', 'räksmörgås', 'åä', '{"ö": "ü"}', '{"ß": "é"}'),
	    (2, '', '', '', '""', '""'), (3, NULL, NULL, NULL, NULL, NULL), (4, 'ÿ', 'µ½', 'x', '[]', '{}')`)
	snap := snapshot(t, openSource(t, u))
	enc, err := postgres.SnapshotQueryString(ctx, snap, "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()")
	if err != nil || enc != "LATIN1" {
		t.Fatalf("database encoding %q, %v", enc, err)
	}
	// Scan reads text as the server converts it: to UTF-8, whatever the
	// database's encoding, only when the session asks for UTF-8.
	if ce, err := postgres.SnapshotQueryString(ctx, snap, "SHOW client_encoding"); err != nil || ce != "UTF8" {
		t.Fatalf("client_encoding %q, %v", ce, err)
	}
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	for _, path := range []string{"pushdown", "readback"} {
		t.Run(path, func(t *testing.T) {
			defer postgres.ChecksumPath(path)()
			conformance.ChecksumSourceColumns(t, snap, &tables[0], func(c connectors.Column) string { return c.Name })
			req := connectors.ChecksumRequest{Columns: []string{"id", "t", "v", "c", "j", "jb"}, Buckets: 3}
			want, err := connectors.HashTable(ctx, snap, &tables[0], req)
			if err != nil {
				t.Fatal(err)
			}
			got, err := snap.(connectors.Checksummer).Checksum(ctx, &tables[0], req)
			if err != nil {
				t.Fatal(err)
			}
			if d, err := connectors.DiffBuckets(got, want); err != nil || len(d) > 0 || want.Total().Count != 4 {
				t.Errorf("buckets %v differ (%v)", d, err)
			}
		})
	}
}

// Only a request that allows it is read back: a source-read check (no
// ReadBack) gets the server's own encoding, never the connector's decoding
// compared with itself. The result says which ran (Buckets.ReadBack); a
// domain column is encoded by both, the pushdown by its base type's SQL
// and the read-back by decoding it.
func TestChecksumReadBackOnlyWhenAllowed(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	pgtest.Exec(t, u, `CREATE DOMAIN posint AS integer CHECK (VALUE > 0)`,
		`CREATE TABLE d (id integer PRIMARY KEY, p posint)`, `INSERT INTO d VALUES (1, 5), (2, NULL)`)
	snap := snapshot(t, openSource(t, u))
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	cs := snap.(connectors.Checksummer)
	req := connectors.ChecksumRequest{Columns: []string{"id", "p"}, Buckets: 4}
	pushed, err := cs.Checksum(ctx, &tables[0], req)
	if err != nil || pushed.ReadBack {
		t.Fatalf("without ReadBack: read back %v, %v; want the pushdown", pushed.ReadBack, err)
	}
	req.ReadBack = true
	got, err := cs.Checksum(ctx, &tables[0], req)
	if err != nil || !got.ReadBack {
		t.Fatalf("with ReadBack: read back %v, %v", got.ReadBack, err)
	}
	want, err := connectors.HashTable(ctx, snap, &tables[0], req)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := connectors.DiffBuckets(pushed, want); err != nil || len(d) > 0 || pushed.Total().Count != 2 {
		t.Errorf("pushdown: buckets %v differ from Go (%v)", d, err)
	}
	if d, err := connectors.DiffBuckets(got, want); err != nil || len(d) > 0 || got.Total().Count != 2 {
		t.Errorf("with ReadBack: buckets %v differ from Go (%v)", d, err)
	}
	// A drill-down is never read back.
	req.Within, req.In = 2, []uint32{0, 1}
	if drill, err := cs.Checksum(ctx, &tables[0], req); err != nil || drill.ReadBack {
		t.Fatalf("drill-down with ReadBack: read back %v, %v; want the pushdown", drill.ReadBack, err)
	}
}

// A read-back asked for a column the table lacks fails naming it, before
// the server sees a statement, so the snapshot stays usable; and the
// snapshot reads on after a read-back.
func TestChecksumReadBackKeepsSnapshot(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	pgtest.Exec(t, u, `CREATE TABLE k (id integer PRIMARY KEY, v text)`, `INSERT INTO k SELECT i, 'v' || i FROM generate_series(1, 2000) i`)
	snap := snapshot(t, openSource(t, u))
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables: %v, %v", tables, err)
	}
	ghost := tables[0]
	ghost.Columns = append(append([]connectors.Column(nil), ghost.Columns...), connectors.Column{Name: "ghost", Type: connectors.Type{Kind: connectors.KindText}})
	cs := snap.(connectors.Checksummer)
	req := connectors.ChecksumRequest{Columns: []string{"id", "v", "ghost"}, Buckets: 2, ReadBack: true}
	if _, err := cs.Checksum(ctx, &ghost, req); err == nil || !strings.Contains(err.Error(), "ghost") {
		t.Fatalf("a missing column: %v", err)
	}
	req.Columns = []string{"id", "v"}
	for i := 0; i < 2; i++ {
		got, err := cs.Checksum(ctx, &tables[0], req)
		if err != nil || got.Total().Count != 2000 {
			t.Fatalf("read-back %d: %+v, %v", i, got.Total(), err)
		}
	}
	if n, err := snap.Count(ctx, "k"); err != nil || n != 2000 {
		t.Fatalf("count after read-backs: %d, %v", n, err)
	}
}

// A table others inherit from, and a partitioned table, are read back
// whole, their children's rows with their own: COPY of such a table
// alone would read only its own rows (or refuse), so the read-back
// copies a query there, and the table itself only where the two agree.
func TestChecksumReadBackInheritedAndPartitioned(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	pgtest.Exec(t, u,
		`CREATE TABLE plain (id integer PRIMARY KEY, t text)`,
		`INSERT INTO plain SELECT i, 'p' || i FROM generate_series(1, 50) i`,
		`CREATE TABLE parent (id integer PRIMARY KEY, t text)`,
		`CREATE TABLE child (extra integer) INHERITS (parent)`,
		`INSERT INTO parent SELECT i, 'a' || i FROM generate_series(1, 40) i`,
		`INSERT INTO child SELECT i, 'b' || i, i FROM generate_series(41, 100) i`,
		`CREATE TABLE parted (id integer, t text) PARTITION BY RANGE (id)`,
		`CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (1) TO (30)`,
		`CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (30) TO (1000)`,
		`INSERT INTO parted SELECT i, 'c' || i FROM generate_series(1, 70) i`,
	)
	snap := snapshot(t, openSource(t, u))
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer postgres.ChecksumPath("readback")()
	for name, rows := range map[string]uint64{"plain": 50, "parent": 100, "parted": 70} {
		tbl := connectors.FindTable(tables, name)
		if tbl == nil {
			t.Fatalf("no table %s in %v", name, tables)
		}
		req := connectors.ChecksumRequest{Columns: []string{"id", "t"}, Key: []string{"id"}, Buckets: 4}
		want, err := connectors.HashTable(ctx, snap, tbl, req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := snap.(connectors.Checksummer).Checksum(ctx, tbl, req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := got.Total().Count; n != rows || want.Total().Count != rows {
			t.Errorf("%s: read back %d rows, HashTable %d, want %d", name, n, want.Total().Count, rows)
		}
		if d, err := connectors.DiffBuckets(got, want); err != nil || len(d) > 0 {
			t.Errorf("%s: read-back differs from HashTable in buckets %v (%v)", name, d, err)
		}
	}
}

// A large table's read-back is read in parts side by side, each a range
// of its pages on its own connection in the snapshot's snapshot: the sum
// of the parts is the whole table's checksum (HashTable's, and one
// stream's), rows committed after the snapshot stay out of every part,
// and each part is a TID range scan, not a scan of the whole table.
func TestChecksumReadBackInParts(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	pgtest.Exec(t, u, append(mixedSetup,
		`CREATE TABLE many (id integer PRIMARY KEY, t text, f double precision)`,
		`INSERT INTO many SELECT i, repeat('x', i % 50) || i, i / 7.0 FROM generate_series(1, 20000) i`,
		`ANALYZE`)...)
	src := openSource(t, u)
	snap := snapshot(t, src)
	// Committed after the snapshot began: no part may see them.
	pgtest.Exec(t, u, `INSERT INTO many SELECT i, 'late', 0 FROM generate_series(20001, 20500) i`)
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := snap.(connectors.Checksummer)
	for _, c := range []struct {
		table string
		req   connectors.ChecksumRequest
		rows  uint64
	}{
		{"many", connectors.ChecksumRequest{Columns: []string{"id", "t"}, Buckets: 64, Floats: []string{"f"}, FloatBits: 40, ReadBack: true}, 20000},
		{"many", connectors.ChecksumRequest{Columns: []string{"t"}, Key: []string{"t", "id"}, Buckets: 1, ReadBack: true}, 20000},
		{"mixed", connectors.ChecksumRequest{Columns: []string{"id", "n", "t", "ts", "tz", "d", "jb"}, Buckets: 16, Floats: []string{"f8"}, FloatBits: 30, ReadBack: true}, 3001},
	} {
		tbl := connectors.FindTable(tables, c.table)
		want, err := connectors.HashTable(ctx, snap, tbl, c.req)
		if err != nil {
			t.Fatal(err)
		}
		restore := postgres.ReadBackInParts(1<<40, 1)
		whole, err := cs.Checksum(ctx, tbl, c.req)
		restore()
		if err != nil {
			t.Fatal(err)
		}
		before := postgres.ReadBackPartsRead()
		restore = postgres.ReadBackInParts(2, 3)
		parted, err := cs.Checksum(ctx, tbl, c.req)
		restore()
		if err != nil {
			t.Fatalf("%s in parts: %v", c.table, err)
		}
		if n := postgres.ReadBackPartsRead() - before; n != 3 {
			t.Fatalf("%s: %d parts read, want 3", c.table, n)
		}
		if !parted.ReadBack || parted.Total().Count != c.rows {
			t.Errorf("%s in parts: read back %v, %d rows, want %d", c.table, parted.ReadBack, parted.Total().Count, c.rows)
		}
		for name, got := range map[string]connectors.Buckets{"one stream": whole, "parts": parted} {
			for _, pair := range [][2][]connectors.BucketSum{{got.Sums, want.Sums}, {got.Floats, want.Floats}} {
				g := connectors.Buckets{Version: want.Version, N: want.N, Sums: pair[0]}
				w := connectors.Buckets{Version: want.Version, N: want.N, Sums: pair[1]}
				if d, err := connectors.DiffBuckets(g, w); err != nil || len(d) > 0 {
					t.Errorf("%s, %s: differs from HashTable in buckets %v (%v)", c.table, name, d, err)
				}
			}
		}
	}
	plan, err := postgres.SnapshotQueryString(ctx, snap, `EXPLAIN SELECT id FROM many WHERE ctid >= '(5,0)'::tid AND ctid < '(9,0)'::tid`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "Tid Range Scan") {
		t.Errorf("a part's scan is %q, not a TID range scan", plan)
	}
}

// A pool of one connection (the snapshot's) reads a large table in one
// stream instead of waiting for a connection no part would free.
func TestChecksumReadBackPartsNeedFreeConnections(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	pgtest.Exec(t, u,
		`CREATE TABLE many (id integer PRIMARY KEY, t text)`,
		`INSERT INTO many SELECT i, repeat('x', i % 50) FROM generate_series(1, 5000) i`)
	parsed, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	q.Set("pool_max_conns", "1")
	parsed.RawQuery = q.Encode()
	snap := snapshot(t, openSource(t, parsed.String()))
	tables, err := snap.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer postgres.ReadBackInParts(2, 3)()
	before := postgres.ReadBackPartsRead()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	got, err := snap.(connectors.Checksummer).Checksum(cctx, &tables[0], connectors.ChecksumRequest{Columns: []string{"id", "t"}, Buckets: 4, ReadBack: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := postgres.ReadBackPartsRead() - before; n != 0 || got.Total().Count != 5000 {
		t.Errorf("%d parts read, %d rows; want one stream of 5000", n, got.Total().Count)
	}
}

// countingProgress counts what a watched operation is told.
type countingProgress struct{ n atomic.Int64 }

func (c *countingProgress) Progress() { c.n.Add(1) }

// A read-back tells the context's Progress (the stall watchdog's) of
// each batch of rows it reads, not of each row: a long read-back that
// moves is no stall, and watching it costs an atomic addition a batch.
func TestChecksumReadBackTellsProgress(t *testing.T) {
	snap, tbl, hashed := mixedTable(t)
	defer postgres.ChecksumPath("readback")()
	var p countingProgress
	ctx := connectors.WithProgress(context.Background(), &p)
	got, err := snap.(connectors.Checksummer).Checksum(ctx, tbl, connectors.ChecksumRequest{Columns: hashed, Buckets: 16, ReadBack: true})
	if err != nil {
		t.Fatal(err)
	}
	rows := int64(got.Total().Count)
	// 3001 rows: a batch of 512 at a time, the last one short.
	if n := p.n.Load(); n < rows/512 || n > rows/512+1 {
		t.Errorf("told of progress %d times for %d rows read back, want once a batch (%d)", n, rows, (rows+511)/512)
	}
}
