package plans_test

import (
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
)

// A MariaDB source table stored by MyISAM or Aria has no snapshot: its
// rows are read as they are at each page query, not at the run's
// snapshot, so a write the legacy platform makes during the run lands in
// some pages and not others, and neither the counts (taken at the end, as
// they are then) nor the end check (which compares with what was read)
// can see it. Before the finding, such a run said PASS with nothing about
// it; now it does not pass until the plan acknowledges the table (the
// platform's writes were stopped). InnoDB tables raise nothing.
func TestSourceTableWithoutSnapshotIsNamed(t *testing.T) {
	legacy := mytest.NewDatabase(t)
	mytest.Exec(t, legacy,
		"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, vikt decimal(5,1)) ENGINE=MyISAM",
		"INSERT INTO besok SELECT seq, seq / 10 FROM seq_1_to_20",
		"CREATE TABLE logg (id int NOT NULL PRIMARY KEY, handelse varchar(20)) ENGINE=Aria",
		"INSERT INTO logg VALUES (1, 'in')",
		"CREATE TABLE enhet (id int NOT NULL PRIMARY KEY, namn varchar(20)) ENGINE=InnoDB",
		"INSERT INTO enhet VALUES (1, 'Umeå')",
	)
	rep := unreadUntilAcknowledged(t, legacy, threeTablesSchema,
		"version: 1\ntables:\n  - target: besok\n    source: besok\n    columns: {id: id, vikt: vikt}\n  - target: enhet\n    source: enhet\n    columns: {id: id, namn: namn}\n  - target: logg\n    source: logg\n    columns: {id: id, handelse: handelse}\n",
		map[string]int64{"source_without_snapshot.besok": 20, "source_without_snapshot.logg": 1},
		"verification:\n  acknowledge:\n    source_without_snapshot.besok: the platform was stopped for the freeze window, no write reached it\n    source_without_snapshot.logg: the same\n")
	exactCheckLedger(t, rep, "besok", 20, 0)
	exactCheckLedger(t, rep, "logg", 1, 0)
	exactCheckLedger(t, rep, "enhet", 1, 0)
}
