package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/conformance"
	"github.com/regflytt/regflytt/connectors/postgres"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
)

// TestWriteBinaryCopyEdges writes every edge value PostgreSQL keeps, one
// column each, in one row (and a row of NULLs), and reads them back: all
// of it must go through this package's binary COPY encoders (none left to
// pgx) and come back exactly.
func TestWriteBinaryCopyEdges(t *testing.T) {
	url := pgtest.NewDatabase(t)
	tgt := openTarget(t, url)
	ctx := context.Background()
	tbl := connectors.Table{Name: "copy_edges", PrimaryKey: []string{"id"}}
	tbl.Columns = append(tbl.Columns, connectors.Column{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}})
	row, nulls := []connectors.Value{int64(1)}, []connectors.Value{int64(2)}
	var names []string
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
		names = append(names, e.Name)
	}
	if err := tgt.Create(ctx, []connectors.Table{tbl}); err != nil {
		t.Fatal(err)
	}
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, err := tx.Write(ctx, &tbl, [][]connectors.Value{row, nulls})
	if err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("wrote %d rows, want 2", n)
	}
	if left := postgres.PgxCopyRows(tx); left != 0 {
		t.Errorf("%d rows left to pgx's CopyFrom, want every row through the binary COPY encoders", left)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got := conformance.ReadAll(t, openSource(t, url), tbl.Name, connectors.ScanOptions{})
	if len(got) != 2 {
		t.Fatalf("read %d rows, want 2", len(got))
	}
	for j := 1; j < len(row); j++ {
		if !conformance.Equal(got[0][j], row[j]) {
			t.Errorf("%s: read back %s, wrote %s", names[j-1], conformance.Describe(got[0][j]), conformance.Describe(row[j]))
		}
		if got[1][j] != nil {
			t.Errorf("%s: NULL read back as %s", names[j-1], conformance.Describe(got[1][j]))
		}
	}
}

// TestWriteBinaryCopyFallback: a batch with a column type the encoders do
// not know (an enum) goes to pgx's CopyFrom whole, and one whose value an
// encoder declines goes there from that row on; either way every row is
// written once.
func TestWriteBinaryCopyFallback(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pgtest.Exec(t, url,
		"CREATE TYPE mood AS ENUM ('glad', 'sad')",
		"CREATE DOMAIN small_pos AS integer CHECK (VALUE > 0)",
		"CREATE TABLE with_enum (id bigint PRIMARY KEY, m mood)",
		"CREATE TABLE with_domain (id bigint PRIMARY KEY, n small_pos)",
		"CREATE TABLE narrow (id bigint PRIMARY KEY, n smallint)")
	tgt := openTarget(t, url)
	ctx := context.Background()
	text := connectors.Type{Kind: connectors.KindText}
	id := connectors.Column{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 64}}
	cases := []struct {
		tbl  connectors.Table
		rows [][]connectors.Value
		left int64
	}{
		{connectors.Table{Name: "with_enum", Columns: []connectors.Column{id, {Name: "m", Type: text, Nullable: true}}},
			[][]connectors.Value{{int64(1), "glad"}, {int64(2), nil}}, 2},
		// A domain is described as its base type: encoded here, its
		// check still the server's.
		{connectors.Table{Name: "with_domain", Columns: []connectors.Column{id, {Name: "n", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}, Nullable: true}}},
			[][]connectors.Value{{int64(1), int64(7)}, {int64(2), nil}}, 0},
		// int64 beyond smallint: written unchecked (WriteChecked), the
		// encoder declines it and pgx refuses it, as before.
		{connectors.Table{Name: "narrow", Columns: []connectors.Column{id, {Name: "n", Type: connectors.Type{Kind: connectors.KindInt, Bits: 16}, Nullable: true}}},
			[][]connectors.Value{{int64(1), int64(5)}, {int64(2), int64(6)}}, 0},
	}
	for _, c := range cases {
		t.Run(c.tbl.Name, func(t *testing.T) {
			tx, err := tgt.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n, err := tx.Write(ctx, &c.tbl, c.rows)
			if err != nil {
				tx.Rollback()
				t.Fatal(err)
			}
			if n != int64(len(c.rows)) {
				t.Errorf("wrote %d rows, want %d", n, len(c.rows))
			}
			if left := postgres.PgxCopyRows(tx); left != c.left {
				t.Errorf("%d rows left to pgx, want %d", left, c.left)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			got := conformance.ReadAll(t, openSource(t, url), c.tbl.Name, connectors.ScanOptions{})
			if len(got) != len(c.rows) {
				t.Fatalf("read %d rows, want %d", len(got), len(c.rows))
			}
			for i := range got {
				for j := range got[i] {
					if !conformance.Equal(got[i][j], c.rows[i][j]) {
						t.Errorf("row %d column %d: read %s, wrote %s", i, j, conformance.Describe(got[i][j]), conformance.Describe(c.rows[i][j]))
					}
				}
			}
		})
	}

	// From the first declined value on: the first row through the
	// encoders, the second (beyond smallint) to pgx, which refuses it.
	tbl := cases[2].tbl
	tx, err := tgt.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	cw := tx.(connectors.CheckedWriter)
	if _, err := cw.WriteChecked(ctx, &tbl, [][]connectors.Value{{int64(3), int64(1)}, {int64(4), int64(1 << 20)}}); err == nil {
		t.Fatal("a value beyond smallint was written")
	}
	if left := postgres.PgxCopyRows(tx); left != 1 {
		t.Errorf("%d rows left to pgx, want 1 (the row from the declined value on)", left)
	}
}
