package mysql_test

import (
	"context"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// A legacy select: that joins a text reference to an integer key matches
// '12abc' to patient 12: MariaDB converts the text to a number, drops
// what does not parse and says so only in a warning. The visit was
// migrated as patient 12's under PASS. A select: source whose rows came
// with warnings is refused, naming the warning's code, never its message
// (which quotes the value).
func TestSelectSourceRefusesRowsWithWarnings(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"CREATE TABLE patient (id int PRIMARY KEY, namn varchar(20))",
		"CREATE TABLE besok (id int PRIMARY KEY, patient_ref varchar(10))",
		"INSERT INTO patient VALUES (12, 'Tolvan')",
		"INSERT INTO besok VALUES (1, '12'), (2, '12abc')",
	)
	ctx := context.Background()
	src := openSource(t, dbURL)
	read := func(query string) ([][]connectors.Value, error) {
		snap, err := src.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer snap.Close()
		qs := snap.(connectors.Querier)
		cols, err := qs.DescribeQuery(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := qs.ScanQuery(ctx, query, cols, connectors.ScanOptions{Key: []string{"id"}, BatchSize: 10})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out [][]connectors.Value
		for rows.Next() {
			out = append(out, append([]connectors.Value(nil), rows.Row()...))
		}
		return out, rows.Err()
	}
	got, err := read("SELECT b.id, p.namn FROM besok b LEFT JOIN patient p ON p.id = b.patient_ref")
	if err == nil {
		t.Fatalf("read %v with no error: visit 2 ('12abc') joined to patient 12", got)
	}
	if !strings.Contains(err.Error(), "1292") || strings.Contains(err.Error(), "12abc") {
		t.Fatalf("error %q: want the warning's code 1292 and not the value", err)
	}
	// The same join on matching types reads without a warning.
	if got, err := read("SELECT b.id, p.namn FROM besok b LEFT JOIN patient p ON CAST(p.id AS CHAR) = b.patient_ref"); err != nil || len(got) != 2 || got[1][1] != nil {
		t.Fatalf("a join without conversions: %v, %v", got, err)
	}
}

// SHOW WARNINGS lists at most max_error_count warnings; a session with 0
// (a DBA's global, or a session the pool hands back) listed none, and
// the select: above read '12abc' as patient 12 without an error. A
// snapshot pins the setting, and a list holding fewer warnings than the
// count, none but notes, is refused too: the rest may be warnings.
func TestSelectSourceWarningsWhateverTheErrorCount(t *testing.T) {
	dbURL := mytest.NewDatabase(t)
	mytest.Exec(t, dbURL,
		"CREATE TABLE patient (id int PRIMARY KEY)",
		"CREATE TABLE besok (id int PRIMARY KEY, patient_ref varchar(10))",
		"INSERT INTO patient VALUES (12)",
		"INSERT INTO besok VALUES (2, '12abc')",
	)
	ctx := context.Background()
	const query = "SELECT b.id, p.id AS patient FROM besok b JOIN patient p ON p.id = b.patient_ref"
	read := func(snap connectors.Snapshot) error {
		qs := snap.(connectors.Querier)
		cols, err := qs.DescribeQuery(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := qs.ScanQuery(ctx, query, cols, connectors.ScanOptions{Key: []string{"id"}})
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
		}
		return rows.Err()
	}
	src := openSource(t, dbURL)
	if err := mysql.ExecOnOnlyConnection(ctx, src, "SET SESSION max_error_count = 0"); err != nil {
		t.Fatal(err)
	}
	snap, err := src.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if err := read(snap); err == nil || !strings.Contains(err.Error(), "1292") {
		t.Errorf("a session handed back with max_error_count 0: error %v, want the read refused naming 1292", err)
	}
	// Set inside the snapshot, after it pinned the setting.
	mysql.SnapshotQuery(ctx, snap, "SET SESSION max_error_count = 0")
	if err := read(snap); err == nil || !strings.Contains(err.Error(), "lists 0 of them") {
		t.Errorf("with max_error_count 0 in the snapshot: error %v, want the read refused for the warnings it cannot list", err)
	}
}
