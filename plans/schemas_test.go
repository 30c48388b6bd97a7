package plans_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// A PostgreSQL source is read in one schema (public unless the URL says
// schema=): a registry that keeps tables in another schema too (history,
// a sub-register) would have those records neither migrated nor archived
// nor excluded, while verify said every source record is accounted for.
// Verify raises a finding per such schema, which the plan must
// acknowledge with its reason; a run lists it among its alarms.
func TestVerifyNamesSourceSchemasItDoesNotRead(t *testing.T) {
	t.Parallel()
	pgtest.AdminURL(t)
	src := pgtest.NewDatabase(t)
	writeDemo(t, src, 40)
	pgtest.Exec(t, src,
		"CREATE SCHEMA hist",
		"CREATE TABLE hist.besok_1998 (id integer PRIMARY KEY, patient_id integer, besoksdatum text)",
		"INSERT INTO hist.besok_1998 VALUES (1, 1, '1998-03-04'), (2, 1, '1998-05-06')",
		// An empty schema holds no records: no finding.
		"CREATE SCHEMA empty_one")
	dir := t.TempDir()
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	// The demo's small role list has a code no 40 patients' grants use.
	const codes = "verification:\n  acknowledge:\n    codes_never_seen.roles: a small sample\n"
	p := loadPlan(t, plantest.DemoCopy(t, "../testdata", "verification:\n  acknowledge:\n", codes))
	// The run does not PASS: "every source record is accounted for"
	// would be false (it did, printing PASS, when it only listed the
	// alarm in report.json).
	rep, err := plans.Run(context.Background(), p, opts)
	if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass {
		t.Fatalf("the run passes a source whose schema hist it never read: %v", err)
	}
	found := false
	for _, a := range rep.Alarms {
		found = found || a.ID == "schema_not_read.hist"
	}
	if !found {
		t.Errorf("the run's alarms do not name schema hist: %v", rep.Alarms)
	}
	sum, err := plans.Verify(context.Background(), p, opts)
	if sum == nil {
		t.Fatalf("verify gave no summary: %v", err)
	}
	if sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes a source whose schema hist it never read")
	}
	var ids []string
	for _, f := range sum.Findings {
		if f.Kind == "schema_not_read" {
			ids = append(ids, f.ID)
		}
	}
	if strings.Join(ids, ",") != "schema_not_read.hist" {
		t.Errorf("schema findings %v, all %+v", ids, sum.Findings)
	}

	// Acknowledged with the plan's reason, it passes.
	acked := loadPlan(t, plantest.DemoCopy(t, "../testdata", "verification:\n  acknowledge:\n",
		codes+"    schema_not_read.hist: the 1998 visits were migrated by hand in 2005\n"))
	sum, err = plans.Verify(context.Background(), acked, opts)
	if err != nil || sum == nil || !sum.Pass {
		t.Fatalf("acknowledged: %v %v", err, sum.Problems)
	}
	ackDir := t.TempDir()
	rep, err = plans.Run(context.Background(), acked, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(ackDir, "receiving.db"), WorkDir: ackDir})
	if err != nil || !rep.Pass {
		t.Fatalf("a run of the acknowledged plan: %v", err)
	}
}

// A PostgreSQL table that inherits from another (the partitioning of
// servers before version 10) is in the catalogue as a table of its own,
// while reading its parent reads its rows too: each of its records would
// be accounted twice (migrated as the parent's, and archived whole or
// migrated as its own), and every count agreed. Run and verify refuse
// such a source, naming both tables, before a row is written.
func TestRunRefusesInheritedSourceTables(t *testing.T) {
	t.Parallel()
	pgtest.AdminURL(t)
	src := pgtest.NewDatabase(t)
	writeDemo(t, src, 20)
	pgtest.Exec(t, src,
		"CREATE TABLE logg_1998 (PRIMARY KEY (id)) INHERITS (logg)",
		"INSERT INTO logg_1998 VALUES (100000, 'login')")
	dir := t.TempDir()
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	p := loadPlan(t, plantest.DemoCopy(t, "../testdata", "unmapped_tables:\n",
		"unmapped_tables:\n  logg_1998: the 1998 log\n"))
	_, err := plans.Run(context.Background(), p, opts)
	if err == nil || !strings.Contains(err.Error(), "logg_1998 inherits from logg") {
		t.Fatalf("run: %v", err)
	}
	if _, err := plans.Verify(context.Background(), p, opts); err == nil || !strings.Contains(err.Error(), "logg_1998 inherits from logg") {
		t.Fatalf("verify: %v", err)
	}
}
