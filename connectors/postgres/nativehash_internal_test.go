package postgres

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5"

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
