package mysql_test

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// The tests of this file change the server's GLOBAL settings, which every
// session opened afterwards takes, so they run against a private server
// only (mytest.PrivateEnvVar), never the shared one. Each proves that a
// snapshot's reads, the run's and verify's alike, give the same rows and
// checksums whatever a DBA has set globally.

// setGlobal sets the private server's global variable name to value (an
// SQL expression) and restores the earlier value when the test ends.
func setGlobal(t *testing.T, server, name, value string) {
	t.Helper()
	admin := mytest.Open(t, server)
	var old string
	if err := admin.QueryRow("SELECT @@GLOBAL." + name).Scan(&old); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("SET GLOBAL " + name + " = " + value); err != nil {
		t.Fatalf("SET GLOBAL %s = %s: %v", name, value, err)
	}
	restore := "'" + old + "'"
	if _, err := strconv.ParseFloat(old, 64); err == nil {
		restore = old
	} else if old == "DEFAULT" {
		// system_versioning_asof shows its "current rows" value as the
		// word; the string 'DEFAULT' is refused (error 1231).
		restore = "DEFAULT"
	}
	t.Cleanup(func() {
		db := mytest.Open(t, server)
		if _, err := db.Exec("SET GLOBAL " + name + " = " + restore); err != nil {
			t.Errorf("restore GLOBAL %s = %s: %v", name, restore, err)
		}
	})
}

// readAll reads the table through the snapshot by key and gives its rows
// with every value formatted, in key order.
func readAll(t *testing.T, snap connectors.Snapshot, tbl *connectors.Table, opts connectors.ScanOptions) [][]string {
	t.Helper()
	rows, err := snap.Scan(context.Background(), tbl, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var r []string
		for _, v := range rows.Row() {
			r = append(r, formatValue(v))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// formatValue shows a value with its Go type, so that 80 and "80" differ.
func formatValue(v connectors.Value) string {
	return fmt.Sprintf("%T:%q", v, fmt.Sprint(v))
}

// tableNamed finds a table of the catalogue by name.
func tableNamed(t *testing.T, tables []connectors.Table, name string) *connectors.Table {
	t.Helper()
	for i := range tables {
		if tables[i].Name == name {
			return &tables[i]
		}
	}
	t.Fatalf("no table %s in the catalogue", name)
	return nil
}

// MariaDB's system_versioning_asof set GLOBALLY to a past moment makes
// every new session read each system-versioned table as of that moment.
// A snapshot sets its session's value to DEFAULT before it begins; were
// DEFAULT the global value there (as for most variables, and as the SET
// statement's documentation says), the run would migrate the past rows
// and verify, reading the same way, would agree: PASS with exit 0. On
// MariaDB 10.11 DEFAULT is the variable's own "current rows" value. The
// test reads the table by its primary key (keyset batches), by another
// key (a streamed scan on a connection of its own), counts it and
// checksums it, against a table that is not versioned holding the
// current rows.
func TestSnapshotReadsCurrentRowsWhateverTheGlobalAsOf(t *testing.T) {
	server := mytest.PrivateServerURL(t)
	url := mytest.NewDatabaseOn(t, server)
	mytest.Exec(t, url,
		"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, vikt int, k int NOT NULL) WITH SYSTEM VERSIONING",
		"INSERT INTO besok VALUES (1, 70, 30), (2, 60, 20)")
	var then string
	if err := mytest.Open(t, url).QueryRow("SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f')").Scan(&then); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	mytest.Exec(t, url,
		"UPDATE besok SET vikt = 80 WHERE id = 1",
		"DELETE FROM besok WHERE id = 2",
		"INSERT INTO besok VALUES (3, 90, 10), (4, 50, 40)",
		// The current rows, in a table without history.
		"CREATE TABLE nu (id int NOT NULL PRIMARY KEY, vikt int, k int NOT NULL)",
		"INSERT INTO nu VALUES (1, 80, 30), (3, 90, 10), (4, 50, 40)")

	setGlobal(t, server, "system_versioning_asof", "'"+then+"'")
	// The trap is set: a new session that takes the global value reads
	// the table as it was.
	var past int
	if err := mytest.Open(t, url).QueryRow("SELECT COUNT(*) FROM besok WHERE id = 2 AND vikt = 60").Scan(&past); err != nil {
		t.Fatal(err)
	}
	if past != 1 {
		t.Fatalf("a new session with the global system_versioning_asof at %s reads %d rows of the past, want 1: the server does not read as of the global value", then, past)
	}

	ctx := context.Background()
	db := openSource(t, url)
	snap, tables := snapshotTables(t, ctx, db)
	if asof, err := mysql.SnapshotQuery(ctx, snap, "SELECT @@SESSION.system_versioning_asof"); err != nil || asof != "DEFAULT" {
		t.Errorf("the snapshot's session reads as of %q (%v), want DEFAULT (the current rows)", asof, err)
	}
	besok, nu := tableNamed(t, tables, "besok"), tableNamed(t, tables, "nu")
	want := readAll(t, snap, nu, connectors.ScanOptions{})
	if len(want) != 3 {
		t.Fatalf("the table without history reads %v", want)
	}
	if got := readAll(t, snap, besok, connectors.ScanOptions{BatchSize: 1}); !reflect.DeepEqual(got, want) {
		t.Errorf("keyset batches read %v, want the current rows %v", got, want)
	}
	streamed := readAll(t, snap, besok, connectors.ScanOptions{Key: []string{"k"}})
	wantByK := [][]string{want[1], want[0], want[2]}
	if !reflect.DeepEqual(streamed, wantByK) {
		t.Errorf("a streamed read by k read %v, want the current rows %v", streamed, wantByK)
	}
	if n, err := snap.Count(ctx, "besok"); err != nil || n != 3 {
		t.Errorf("count %d (%v), want the 3 current rows", n, err)
	}
	req := connectors.ChecksumRequest{Columns: []string{"id", "vikt", "k"}, Key: []string{"id"}, Buckets: 4}
	got, _, err := connectors.Checksum(ctx, snap, besok, req)
	if err != nil {
		t.Fatal(err)
	}
	cur, _, err := connectors.Checksum(ctx, snap, nu, req)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cur) {
		t.Errorf("the versioned table's checksum %v differs from the current rows' %v", got, cur)
	}
}
