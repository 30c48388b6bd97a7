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
		var out [][]connectors.Value
		err := scanSelect(ctx, t, src, query, func(row []connectors.Value) {
			out = append(out, append([]connectors.Value(nil), row...))
		})
		return out, err
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

// A select: source read by this package's own reader (binrows.go) takes
// each batch's warning count from the server's answers, which carry it:
// a batch without warnings costs no SELECT @@warning_count (a round trip
// a batch), and one with them is refused as before. The driver's reader,
// which drops the count, asks after every batch.
func TestSelectSourceWarningsWithoutARoundTrip(t *testing.T) {
	for _, reader := range []string{"wire", "driver"} {
		t.Run(reader, func(t *testing.T) {
			if reader == "driver" {
				t.Setenv("REGFLYTT_MYSQL_READER", "driver")
			}
			dbURL := mytest.NewDatabase(t)
			mytest.Exec(t, dbURL,
				"CREATE TABLE patient (id int PRIMARY KEY, namn varchar(20))",
				"CREATE TABLE besok (id int PRIMARY KEY, patient_ref varchar(10))",
				"INSERT INTO patient VALUES (12, 'Tolvan')",
				"INSERT INTO besok SELECT seq, '12' FROM seq_1_to_95",
				"UPDATE besok SET patient_ref = '12abc' WHERE id = 77",
			)
			ctx := context.Background()
			src := openSource(t, dbURL)
			read := func(query string) (int, error) {
				n := 0
				err := scanSelect(ctx, t, src, query, func([]connectors.Value) { n++ })
				return n, err
			}
			wire0, driver0 := mysql.ReaderBatches(src)
			asked0 := mysql.AskedWarnings(src)
			n, err := read("SELECT b.id, p.namn FROM besok b LEFT JOIN patient p ON CAST(p.id AS CHAR) = b.patient_ref")
			if err != nil || n != 95 {
				t.Fatalf("read %d rows, %v; want 95 without an error", n, err)
			}
			wire, driver := mysql.ReaderBatches(src)
			asked := mysql.AskedWarnings(src) - asked0
			batches := wire - wire0 + driver - driver0
			t.Logf("%s reader: %d batches, %d asked for their warnings", reader, batches, asked)
			switch {
			case reader == "wire" && (wire-wire0 < 10 || asked != 0):
				t.Errorf("the wire reader read %d batches and asked for the warnings of %d, want 10 or more and none", wire-wire0, asked)
			case reader == "driver" && asked != batches:
				t.Errorf("the driver's reader asked for the warnings of %d of %d batches, want each", asked, batches)
			}
			// Visit 77 ('12abc') converts with a warning, in the eighth
			// batch: refused, by the code.
			if n, err := read("SELECT b.id, p.namn FROM besok b LEFT JOIN patient p ON p.id = b.patient_ref"); err == nil || !strings.Contains(err.Error(), "1292") {
				t.Fatalf("read %d rows, %v: want the warning 1292 refused", n, err)
			}
		})
	}
}

// scanSelect reads a select: source's query keyed by id in batches of 10,
// giving each row to each; the error is the read's, for the test to judge.
func scanSelect(ctx context.Context, t *testing.T, src *mysql.DB, query string, each func([]connectors.Value)) error {
	t.Helper()
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
	for rows.Next() {
		each(rows.Row())
	}
	return rows.Err()
}
