package conformance

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
)

// ExistingDatabase makes a fresh database for one test in which the
// statements ddl have run (the dialect's own DDL, as someone other than
// regflytt would make a receiving table), registers its removal with
// t.Cleanup, and returns a connector on it.
type ExistingDatabase func(t *testing.T, ddl ...string) connectors.Source

// ExistingCase is a case of connectors.ExistingTableChecker: tables made
// by hand, and what CheckExistingTables must find in them.
type ExistingCase struct {
	Name string
	// DDL makes the tables, in the dialect's own SQL.
	DDL []string
	// Tables are the tables asked about.
	Tables []string
	// Only keeps the differences of one kind (Difference.What), for a case
	// about one kind among tables that also show others; "" keeps all.
	Only string
	// Want are the differences, in order: each the beginning of its
	// Difference.String() (what follows is the reason, in prose), or,
	// with Line set, the whole of Line(d).
	Want []string
	Line func(connectors.Difference) string
	// Then, when set, checks more of the dialect's own on the same
	// database afterwards.
	Then func(t *testing.T, src connectors.Source)
}

// CheckExisting runs the cases every dialect shares and the dialect's own
// against connectors.ExistingTableChecker, each on a fresh database
// made by db. A dialect's own cases are the ways only its DDL can make a
// table that CompareTable (the catalogue) cannot see: triggers, rules,
// unique indexes the catalogue does not read, CHECKs, foreign keys with
// actions, conflict clauses.
func CheckExisting(t *testing.T, db ExistingDatabase, own ...ExistingCase) {
	shared := []ExistingCase{{
		// A table as a platform would make it with nothing regflytt would
		// not make (a primary key, a plain unique and a secondary index,
		// a plain foreign key) is no difference; whatever it is, a table
		// not asked about is not read.
		Name: "PlainTableHasNoDifferences",
		DDL: []string{
			"CREATE TABLE other (id int NOT NULL PRIMARY KEY, b int)",
			"CREATE TABLE unit (code varchar(20) NOT NULL PRIMARY KEY, name varchar(40), a int, CONSTRAINT unit_a FOREIGN KEY (a) REFERENCES other (id))",
			"CREATE UNIQUE INDEX unit_plain ON unit (name)",
			"CREATE INDEX unit_any ON unit (a)",
			"CREATE TABLE elsewhere (id int NOT NULL PRIMARY KEY, b int, CHECK (b > 0), CONSTRAINT elsewhere_b FOREIGN KEY (b) REFERENCES other (id) ON DELETE CASCADE)",
		},
		Tables: []string{"other", "unit"},
	}}
	for _, c := range append(shared, own...) {
		t.Run(c.Name, func(t *testing.T) {
			src := db(t, c.DDL...)
			ctx := context.Background()
			snap, err := src.Snapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer snap.Close()
			checker, ok := snap.(connectors.ExistingTableChecker)
			if !ok {
				t.Fatalf("%T is no ExistingTableChecker", snap)
			}
			diffs, err := checker.CheckExistingTables(ctx, c.Tables)
			if err != nil {
				t.Fatal(err)
			}
			var kept []connectors.Difference
			for _, d := range diffs {
				if c.Only == "" || d.What == c.Only {
					kept = append(kept, d)
				}
			}
			if c.Line != nil {
				var got []string
				for _, d := range kept {
					got = append(got, c.Line(d))
				}
				if strings.Join(got, "\n") != strings.Join(c.Want, "\n") {
					t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.Want, "\n"))
				}
			} else {
				WantDifferences(t, kept, c.Want...)
			}
			if c.Then != nil {
				c.Then(t, src)
			}
		})
	}
}

// WantDifferences fails t unless ds are the differences want, in order,
// each given by the beginning of its String(): the place and what differs
// are pinned, the reason (prose) may be reworded.
func WantDifferences(t *testing.T, ds []connectors.Difference, want ...string) {
	t.Helper()
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
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
