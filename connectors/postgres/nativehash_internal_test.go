package postgres

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// TestNativeHashIsTheServers holds hashBytesExtended and recordHash to
// the server's hash_record_extended of a record of byteas, for byte
// strings of every length 0..300 (every tail length, several 12-byte
// blocks) and seeds 0 (unseeded), small, large and negative.
func TestNativeHashIsTheServers(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var ver int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&ver); err != nil {
		t.Fatal(err)
	}
	if ver < 140000 {
		t.Skipf("server %d has no hash_record_extended", ver)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, seed := range []int64{0, 1, -1, 42, -7046029254386353131, 1 << 62, int64(rng.Uint64())} {
		for n := 0; n <= 300; n++ {
			a := make([]byte, n)
			for i := range a {
				a[i] = byte(rng.Uint32())
			}
			b := make([]byte, rng.IntN(40))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			var one, two, withNull int64
			err := conn.QueryRow(ctx, `SELECT hash_record_extended(ROW($1::bytea), $3),
				hash_record_extended(ROW($1::bytea, $2::bytea), $3),
				hash_record_extended(ROW($2::bytea, NULL::bytea, $1::bytea), $3)`, a, b, seed).Scan(&one, &two, &withNull)
			if err != nil {
				t.Fatal(err)
			}
			s := uint64(seed)
			ha, hb := hashBytesExtended(a, s), hashBytesExtended(b, s)
			if got := recordHash(0, ha); got != uint64(one) {
				t.Fatalf("seed %d, %d bytes: Go %#x, server %#x", seed, n, got, uint64(one))
			}
			if got := recordHash(recordHash(0, ha), hb); got != uint64(two) {
				t.Fatalf("seed %d, %d+%d bytes: Go %#x, server %#x", seed, n, len(b), got, uint64(two))
			}
			if got := recordHash(recordHash(recordHash(0, hb), 0), ha); got != uint64(withNull) {
				t.Fatalf("seed %d, with a NULL: Go %#x, server %#x", seed, got, uint64(withNull))
			}
		}
	}
}

// TestNativeRowSumOfEveryEdgeValue writes every conformance edge value
// and round-trip value of a type the native row sum takes, through the
// COPY encoder, and holds each row's hash in Go (of the bytes sent) to
// the server's (of the value stored, through its send function), and
// the table's sums to NativeSums'. A type whose stored form were not
// what was sent (a numeric's scale, a float's sign of zero) fails here.
func TestNativeRowSumOfEveryEdgeValue(t *testing.T) {
	ctx := context.Background()
	u := pgtest.NewDatabase(t)
	loc, err := connectors.ParseLocation(u)
	if err != nil {
		t.Fatal(err)
	}
	db, err := OpenTarget(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	caps := conformance.Capabilities{NegativeZero: true, Subnormals: true, EndOfDay: true, JSONScalars: true, FractionalDigits: 6}
	tbl := &connectors.Table{Name: "native_edges", PrimaryKey: []string{"id"},
		Columns: []connectors.Column{{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}}}
	colOf := map[string]int{}
	addType := func(typ string) bool {
		if _, ok := colOf[typ]; ok {
			return true
		}
		ct, err := connectors.ParseType(typ)
		if err != nil {
			return false
		}
		c := connectors.Column{Name: "c" + strconv.Itoa(len(tbl.Columns)), Type: ct, Nullable: true}
		if _, err := nativeColumns(&connectors.Table{Columns: []connectors.Column{c}}); err != nil {
			return false
		}
		colOf[typ] = len(tbl.Columns)
		tbl.Columns = append(tbl.Columns, c)
		return true
	}
	type cell struct {
		typ  string
		v    connectors.Value
		name string
	}
	var cells []cell
	for _, e := range conformance.Edges() {
		if w := e.Want(caps); w.Rule == "" && !w.NoColumn && addType(e.Type) {
			cells = append(cells, cell{e.Type, e.Value, e.Name})
		}
	}
	for _, c := range conformance.Columns() {
		for i, v := range c.Values {
			if addType(c.Type) {
				cells = append(cells, cell{c.Type, v, c.Name + "/" + strconv.Itoa(i)})
			}
		}
	}
	// The values that read as one and are stored otherwise: a numeric at
	// fewer decimals than its column keeps, zeros both (more are refused).
	addType("decimal(10,2)")
	for _, d := range []string{"1.5", "-1.50", "0", "-0.00", "12", "0.1", "99999999.99"} {
		cells = append(cells, cell{"decimal(10,2)", connectors.Decimal(d), "numeric " + d})
	}
	if err := db.Create(ctx, []connectors.Table{*tbl}); err != nil {
		t.Fatal(err)
	}
	rows := [][]connectors.Value{make([]connectors.Value, len(tbl.Columns))}
	rows[0][0] = int64(0)
	for i, c := range cells {
		row := make([]connectors.Value, len(tbl.Columns))
		row[0] = int64(i + 1)
		row[colOf[c.typ]] = c.v
		rows = append(rows, row)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Write(ctx, tbl, rows); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	seed := uint64(0x9d3f_07a1_5c2e_b804) // negative as the int8 SQL takes it
	nh, err := db.NativeRowSum(ctx, tbl, seed)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]uint64{}
	var sum uint64
	for _, r := range rows {
		h, ok := nh.HashRow(r)
		if !ok {
			t.Fatalf("row %v: the native hasher declines a value the COPY encoder took", r[0])
		}
		want[r[0].(int64)] = h
		sum += h
	}
	cols, err := nativeColumns(tbl)
	if err != nil {
		t.Fatal(err)
	}
	expr, err := nativeHashExpr(cols)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	res, err := conn.Query(ctx, "SELECT id, "+expr+" FROM native_edges", int64(seed)) // the seed as the int8 it is in SQL
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]uint64{}
	for res.Next() {
		var id, h int64
		if err := res.Scan(&id, &h); err != nil {
			t.Fatal(err)
		}
		got[id] = uint64(h)
	}
	if err := res.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("server hashed %d rows, Go %d", len(got), len(want))
	}
	for id, h := range want {
		if got[id] != h {
			name := "all NULL"
			if id > 0 {
				c := cells[id-1]
				name = c.name + " (" + c.typ + ")"
			}
			t.Errorf("row %d, %s: Go %#x, server %#x", id, name, h, got[id])
		}
	}
	src, err := OpenSource(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	tot, err := snap.(connectors.NativeSumReader).NativeSums(ctx, tbl, seed)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Rows != int64(len(rows)) || tot.Sum != sum {
		t.Errorf("NativeSums: %d rows, sum %#x; Go: %d rows, sum %#x", tot.Rows, tot.Sum, len(rows), sum)
	}
	t.Logf("%d values of %d types, %d rows", len(cells), len(colOf), len(rows))
}
