package sqlite_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// Every ON CONFLICT clause other than ABORT is a difference, named as
// written with its column; the words in a comment, a string, a CHECK or
// a foreign key's ON DELETE are not clauses, and a table Create makes has
// none.
func TestCheckExistingTablesFindsConflictClauses(t *testing.T) {
	src := keyTestSource(t,
		`CREATE TABLE "pk replace" ("visit id" INTEGER PRIMARY KEY ASC ON CONFLICT REPLACE, w TEXT)`,
		"CREATE TABLE uniq (id INTEGER PRIMARY KEY, code TEXT CONSTRAINT one_code UNIQUE on Conflict ignore, n TEXT NOT NULL ON CONFLICT REPLACE DEFAULT '')",
		"CREATE TABLE tbl (a INTEGER NOT NULL, [b c] TEXT, UNIQUE (a, [b c]) ON CONFLICT FAIL, PRIMARY KEY (a) ON CONFLICT ROLLBACK)",
		"CREATE TABLE quiet (id INTEGER PRIMARY KEY ON CONFLICT ABORT, -- ON CONFLICT REPLACE\n"+
			"note TEXT DEFAULT 'ON CONFLICT REPLACE' CHECK (note <> 'on conflict ignore') /* ON CONFLICT IGNORE */, "+
			"ref INTEGER REFERENCES tbl (a) ON DELETE CASCADE, `on` TEXT, \"conflict\" TEXT)",
		`CREATE TABLE "visit" ("visit_id" INTEGER NOT NULL, "weight_kg" DECIMAL_TEXT(5,1), PRIMARY KEY ("visit_id"))`,
	)
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	c, ok := snap.(connectors.ExistingTableChecker)
	if !ok {
		t.Fatalf("%T is no ExistingTableChecker", snap)
	}
	diffs, err := c.CheckExistingTables(context.Background(), []string{"pk replace", "uniq", "tbl", "quiet", "visit"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diffs {
		got = append(got, d.String())
	}
	want := []string{
		"table pk replace, column visit id: PRIMARY KEY ASC ON CONFLICT REPLACE: ",
		"table uniq, column code: CONSTRAINT one_code UNIQUE on Conflict ignore: ",
		"table uniq, column n: NOT NULL ON CONFLICT REPLACE: ",
		"table tbl: UNIQUE (a, [b c]) ON CONFLICT FAIL: ",
		"table tbl: PRIMARY KEY (a) ON CONFLICT ROLLBACK: ",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d differences, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("difference %d is\n%s\nwant it to begin %q", i, got[i], want[i])
		}
	}
}
