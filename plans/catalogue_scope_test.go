package plans_test

import (
	"context"
	"errors"
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
	plan := func(dir, ack string) *plans.Plan {
		write(t, filepath.Join(dir, "schema.yaml"), "platform: scope\ntables:\n  - name: besok\n    primary_key: [id]\n    columns:\n      - {name: id, type: integer}\n      - {name: vikt, type: \"decimal(5,1)\"}\n")
		write(t, filepath.Join(dir, "mapping.yaml"), "version: 1\ntables:\n  - target: besok\n    source: besok\n    columns: {id: id, vikt: vikt}\n")
		return loadPlan(t, write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: scope, name: Scope}
system: {current: legacy, chosen: receiving}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [mapping.yaml]
archive: {dir: archive, unencrypted_reason: synthetic test data}
optout: {none: test data}
`+ack))
	}
	ctx := context.Background()
	limited := mytest.NewTableReadUser(t, legacy, "besok")
	dir := t.TempDir()
	opts := plans.Options{SourceURL: limited, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	rep, err := plans.Run(ctx, plan(dir, ""), opts)
	if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass {
		t.Fatalf("a run through an account that may read besok alone passes: %v", err)
	}
	var ids []string
	for _, a := range rep.Alarms {
		ids = append(ids, a.ID)
	}
	if len(ids) != 1 || ids[0] != "catalogue_limited.source" {
		t.Errorf("the run's alarms are %v, want catalogue_limited.source", ids)
	}
	if sum, err := plans.Verify(ctx, plan(dir, ""), opts); sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes through an account that may read besok alone: %v", err)
	}

	// Acknowledged with the plan's reason, it passes.
	ackDir := t.TempDir()
	rep, err = plans.Run(ctx, plan(ackDir, "verification:\n  acknowledge:\n    catalogue_limited.source: besok is the whole registry; patient belongs to another\n"),
		plans.Options{SourceURL: limited, TargetURL: "sqlite://" + filepath.Join(ackDir, "receiving.db"), WorkDir: ackDir})
	if err != nil || !rep.Pass {
		t.Fatalf("a run of the acknowledged plan: %v", err)
	}

	// An account granted the whole database: no finding, and the patient
	// table, read by no mapping, is in the run (here refused as an
	// undeclared unmapped table is not: it is archived whole).
	wholeDir := t.TempDir()
	rep, err = plans.Run(ctx, plan(wholeDir, "unmapped_tables: {patient: test}\n"), plans.Options{SourceURL: mytest.NewReadOnlyUser(t, legacy), TargetURL: "sqlite://" + filepath.Join(wholeDir, "receiving.db"), WorkDir: wholeDir})
	if rep == nil {
		t.Fatal(err)
	}
	for _, a := range rep.Alarms {
		if a.Kind == plans.FindingCatalogueLimited {
			t.Errorf("an account granted the whole database raised %s", a.ID)
		}
	}
}
