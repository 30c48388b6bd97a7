package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// A PostgreSQL table that names large objects by an oid column holds
// their numbers only; the content is in pg_largeobject. The column read
// as text migrated the numbers, which name nothing on the receiving
// platform, and run and verify passed with the content in no outcome.
// Such a column is now a finding (large_objects_not_read.<table>.<column>)
// that fails run and verify until the plan acknowledges it.
func TestLargeObjectsNotReadIsAFinding(t *testing.T) {
	if os.Getenv(pgtest.EnvVar) == "" {
		t.Skipf("%s is not set", pgtest.EnvVar)
	}
	legacy := pgtest.NewDatabase(t)
	pgtest.Exec(t, legacy,
		"CREATE TABLE bilaga (id int PRIMARY KEY, dokument oid, anteckning oid)",
		"INSERT INTO bilaga VALUES (1, lo_from_bytea(0, 'journal 1'), NULL), (2, lo_from_bytea(0, 'journal 2'), 4294967000), (3, NULL, NULL)",
	)
	t.Cleanup(func() { pgtest.Exec(t, legacy, "SELECT lo_unlink(dokument) FROM bilaga WHERE dokument IS NOT NULL") })
	plan := func(dir, ack string) *plans.Plan {
		write(t, filepath.Join(dir, "schema.yaml"), "platform: lo\ntables:\n  - name: bilaga\n    primary_key: [id]\n    columns:\n      - {name: id, type: integer}\n      - {name: dokument, type: text}\n      - {name: anteckning, type: text}\n")
		write(t, filepath.Join(dir, "mapping.yaml"), "version: 1\ntables:\n  - target: bilaga\n    source: bilaga\n    columns: {id: id, dokument: dokument, anteckning: anteckning}\n")
		return loadPlan(t, write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: lo, name: Large objects}
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
	dir := t.TempDir()
	opts := plans.Options{SourceURL: legacy, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	rep, err := plans.Run(ctx, plan(dir, ""), opts)
	if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass {
		t.Fatalf("a run of a table naming large objects passes: %v", err)
	}
	var ids []string
	for _, a := range rep.Alarms {
		ids = append(ids, a.ID)
		if a.ID == "large_objects_not_read.bilaga.dokument" && a.Count != 2 {
			t.Errorf("%s counts %d rows, want 2", a.ID, a.Count)
		}
	}
	// anteckning names no object that exists: no finding.
	if len(ids) != 1 || ids[0] != "large_objects_not_read.bilaga.dokument" {
		t.Errorf("the run's alarms are %v, want large_objects_not_read.bilaga.dokument", ids)
	}
	if sum, err := plans.Verify(ctx, plan(dir, ""), opts); sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes a table naming large objects: %v", err)
	}
	ackDir := t.TempDir()
	rep, err = plans.Run(ctx, plan(ackDir, "verification:\n  acknowledge:\n    large_objects_not_read.bilaga.dokument: the documents are kept in the document archive\n"),
		plans.Options{SourceURL: legacy, TargetURL: "sqlite://" + filepath.Join(ackDir, "receiving.db"), WorkDir: ackDir})
	if err != nil || !rep.Pass {
		t.Fatalf("a run of the acknowledged plan: %v", err)
	}
}
