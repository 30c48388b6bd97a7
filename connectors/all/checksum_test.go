package all_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// The same records give the same bucket aggregates in MariaDB (pushed
// down), PostgreSQL (pushed down) and SQLite (in Go), although MariaDB's
// legacy key collation orders them otherwise ('-a', 'ä', 'a b', 'a_b',
// 'a-b', 'A-c', 'ab', 'z' against byte order): buckets hash the key's
// bytes. A case-only change of one value on one side moves exactly one
// bucket. This is what verify relies on between a source and a target.
func TestChecksumAcrossDialects(t *testing.T) {
	ctx := context.Background()
	myURL := mytest.NewDatabase(t)
	mytest.Exec(t, myURL,
		"CREATE TABLE visit (k varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci PRIMARY KEY, n int NULL, at datetime(3) NULL, s varchar(20) CHARACTER SET utf8mb4 NULL)",
		`INSERT INTO visit VALUES ('a-b', 1, '2024-03-31 02:30:00.123', NULL), ('ab', 2, '2024-03-31 02:30:00.5', ''),
		  ('a b', 3, NULL, 'NULL'), ('A-c', -4, '0001-01-01 00:00:00', 'Anna'), ('a_b', 5, '9999-12-31 23:59:59.999', 'anna'),
		  ('-a', NULL, '2023-10-29 02:30:00', 'x0'), ('ä', 7, '2024-02-29 12:00:00', 'y'), ('z', 8, '2024-01-01 00:00:00.001', 'a  ')`)
	conn := all.Connectors()
	open := func(scheme, url string) connectors.Target {
		loc, err := connectors.ParseLocation(url)
		if err != nil {
			t.Fatal(err)
		}
		tgt, err := conn[scheme].OpenTarget(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tgt.Close() })
		return tgt
	}
	maria := open("mysql", myURL)
	rows := conformance.ReadAll(t, maria, "visit", connectors.ScanOptions{})
	decl := connectors.Table{Name: "visit", PrimaryKey: []string{"k"}, Columns: []connectors.Column{
		{Name: "k", Type: connectors.Type{Kind: connectors.KindText, Length: 20}},
		{Name: "n", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true},
		{Name: "at", Type: connectors.Type{Kind: connectors.KindDateTime, Precision: 3}, Nullable: true},
		{Name: "s", Type: connectors.Type{Kind: connectors.KindText, Length: 20}, Nullable: true},
	}}
	pgURL := pgtest.NewDatabase(t)
	targets := map[string]connectors.Target{
		"postgres": open("postgres", pgURL),
		"sqlite":   open("sqlite", "sqlite://"+filepath.Join(t.TempDir(), "t.db")),
	}
	for name, tgt := range targets {
		if err := tgt.Create(ctx, []connectors.Table{decl}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tx, err := tgt.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Write(ctx, &decl, rows); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	targets["mysql"] = maria
	req := connectors.ChecksumRequest{Columns: []string{"k", "n", "at", "s"}, Buckets: 4}
	sums := func(name string) connectors.Buckets {
		t.Helper()
		snap, err := targets[name].Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Close()
		tables, err := snap.Tables(ctx)
		if err != nil || len(tables) != 1 {
			t.Fatalf("%s: tables %v, %v", name, tables, err)
		}
		b, pushed, err := connectors.Checksum(ctx, snap, &tables[0], req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := name != "sqlite"; pushed != want {
			t.Errorf("%s: pushed down %v, want %v", name, pushed, want)
		}
		return b
	}
	want := sums("mysql")
	if want.Total().Count != 8 {
		t.Fatalf("MariaDB: %+v", want)
	}
	for _, name := range []string{"postgres", "sqlite"} {
		diff, err := connectors.DiffBuckets(want, sums(name))
		if err != nil || len(diff) != 0 {
			t.Errorf("%s against MariaDB: buckets %v differ, %v", name, diff, err)
		}
	}
	pgtest.Exec(t, pgURL, `UPDATE visit SET s = 'Anna' WHERE k = 'a_b'`)
	kb, err := connectors.BucketOf([]connectors.Value{"a_b"}, req.Buckets)
	if err != nil {
		t.Fatal(err)
	}
	diff, err := connectors.DiffBuckets(want, sums("postgres"))
	if err != nil || len(diff) != 1 || diff[0] != kb {
		t.Errorf("after a case-only change of one value: buckets %v differ (%v), want [%d]", diff, err, kb)
	}
}
