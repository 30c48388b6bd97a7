package mysql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// A unique index over a column prefix (which the catalogue leaves out) is
// a difference named with its columns, and so is every trigger on a
// table asked about; a unique index over whole columns is CompareTable's
// to judge, and another table is not asked about.
func TestCheckExistingTablesFindsPrefixIndexesAndTriggers(t *testing.T) {
	u := mytest.NewDatabase(t)
	mytest.Exec(t, u,
		"CREATE TABLE other (id int PRIMARY KEY) ENGINE=InnoDB",
		"CREATE TABLE unit (code varchar(20) PRIMARY KEY, name varchar(40), note varchar(40), UNIQUE KEY unit_prefix (note, name(3)), UNIQUE KEY unit_plain (name)) ENGINE=InnoDB",
		"CREATE TRIGGER unit_upper BEFORE INSERT ON unit FOR EACH ROW SET NEW.name = UPPER(NEW.name)",
		"CREATE TRIGGER other_log AFTER INSERT ON other FOR EACH ROW SET @n = 1",
	)
	snap, err := openTarget(t, u).Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	diffs, err := snap.(connectors.ExistingTableChecker).CheckExistingTables(context.Background(), []string{"unit"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diffs {
		got = append(got, d.String())
	}
	want := []string{
		"table unit: unique index unit_prefix (note, name(3)): ",
		"table unit: trigger unit_upper: ",
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
