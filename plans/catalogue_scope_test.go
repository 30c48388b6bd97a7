package plans_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/plans"
)

// MariaDB shows an account only the tables it may read. Read with an
// account granted SELECT on besok alone, a registry whose patient table
// the account may not read looked like a registry of visits only: the
// run migrated every visit and, with unmapped tables archived whole and
// every count taken through the same catalogue, passed with the patients
// in no outcome. The account's limited catalogue is now a finding
// (catalogue_limited.source) that fails run and verify until the plan
// acknowledges it; an account granted the whole database raises none.
func TestCatalogueLimitedByGrantsIsAFinding(t *testing.T) {
	legacy := mytest.NewDatabase(t)
	mytest.Exec(t, legacy,
		"CREATE TABLE besok (id int NOT NULL PRIMARY KEY, vikt decimal(5,1)) ENGINE=InnoDB",
		"INSERT INTO besok SELECT seq, seq / 10 FROM seq_1_to_20",
		"CREATE TABLE patient (id int NOT NULL PRIMARY KEY, personnr varchar(13)) ENGINE=InnoDB",
		"INSERT INTO patient VALUES (1, '19121212-1212')",
	)
	const schema = "platform: scope\ntables:\n  - name: besok\n    primary_key: [id]\n    columns:\n      - {name: id, type: integer}\n      - {name: vikt, type: \"decimal(5,1)\"}\n"
	const mapping = "version: 1\ntables:\n  - target: besok\n    source: besok\n    columns: {id: id, vikt: vikt}\n"
	unreadUntilAcknowledged(t, mytest.NewTableReadUser(t, legacy, "besok"), schema, mapping,
		map[string]int64{"catalogue_limited.source": -1},
		"verification:\n  acknowledge:\n    catalogue_limited.source: besok is the whole registry; patient belongs to another\n")

	// An account granted the whole database: no finding, and the patient
	// table, read by no mapping, is in the run (archived whole, as the
	// plan declares).
	dir := t.TempDir()
	rep, err := plans.Run(context.Background(), unreadPlan(t, dir, schema, mapping, "unmapped_tables: {patient: test}\n"),
		plans.Options{SourceURL: mytest.NewReadOnlyUser(t, legacy), TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir})
	if rep == nil {
		t.Fatal(err)
	}
	for _, a := range rep.Alarms {
		if a.Kind == plans.FindingCatalogueLimited {
			t.Errorf("an account granted the whole database raised %s", a.ID)
		}
	}
}
