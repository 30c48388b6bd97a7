package mysql_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// MariaDB's system_versioning_asof, set to a past moment (globally, or on
// a session the pool hands back), turns every read of a system-versioned
// table into a read of that moment: a run would migrate old rows as the
// current ones with every count agreeing. A snapshot reads the current
// rows whatever the session was set to.
func TestSnapshotReadsCurrentRowsOfVersionedTables(t *testing.T) {
	url := mytest.NewDatabase(t)
	mytest.Exec(t, url,
		"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, vikt int) ENGINE=InnoDB WITH SYSTEM VERSIONING",
		"INSERT INTO besok VALUES (1, 70)")
	var then string
	if err := mytest.Open(t, url).QueryRow("SELECT DATE_FORMAT(NOW(6), '%Y-%m-%d %H:%i:%s.%f')").Scan(&then); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	mytest.Exec(t, url, "UPDATE besok SET vikt = 80 WHERE id = 1")

	ctx := context.Background()
	db := openSource(t, url)
	if err := mysql.ExecOnOnlyConnection(ctx, db, "SET SESSION system_versioning_asof = '"+then+"'"); err != nil {
		t.Fatal(err)
	}
	snap, err := db.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	if asOf, err := mysql.SnapshotQuery(ctx, snap, "SELECT @@SESSION.system_versioning_asof"); err != nil || asOf != "DEFAULT" {
		t.Errorf("the snapshot's session reads as of %q (%v), want DEFAULT: the current rows", asOf, err)
	}
	tables, err := snap.Tables(ctx)
	if err != nil || len(tables) != 1 {
		t.Fatalf("tables %v: %v", tables, err)
	}
	rows, err := snap.Scan(ctx, &tables[0], connectors.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []connectors.Value
	for rows.Next() {
		got = append(got, rows.Row()[1])
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != int64(80) {
		t.Errorf("vikt read %v, want the current row's 80 (the session was set to read the table as of %s)", got, then)
	}
}

// Were SET SESSION system_versioning_asof = DEFAULT to give the global
// value, as DEFAULT does for most variables (and may on a server other
// than the 10.11 tested), a global set to a past moment would stay the
// session's and every read would see that moment. The snapshot reads the
// value back and refuses a session that still reads as of a moment;
// here a statement that leaves the session's moment in place stands in
// for such a server.
func TestSnapshotRefusesASessionReadingThePast(t *testing.T) {
	url := mytest.NewDatabase(t)
	mytest.Exec(t, url, "CREATE TABLE besok (id int NOT NULL PRIMARY KEY) WITH SYSTEM VERSIONING")
	ctx := context.Background()
	db := openSource(t, url)
	if err := mysql.ExecOnOnlyConnection(ctx, db, "SET SESSION system_versioning_asof = '2001-02-03 04:05:06'"); err != nil {
		t.Fatal(err)
	}
	defer mysql.ResetVersioningAsOf("DO 0")()
	snap, err := db.Snapshot(ctx)
	if err == nil {
		snap.Close()
		t.Fatal("a snapshot began on a session reading system-versioned tables as of 2001-02-03")
	}
	if !strings.Contains(err.Error(), "as of 2001-02-03 04:05:06") || !strings.Contains(err.Error(), "system_versioning_asof") {
		t.Errorf("error %q does not name the setting and the moment", err)
	}
}
