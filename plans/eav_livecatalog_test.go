package plans_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A form store whose entities carry a soft-delete flag a rule reads (and
// drop: lists), and whose values table is keyed by id like its entities,
// passes map check against the live source. run and verify compiled the
// mappings' own tests against the source as the mappings name it, where
// the flag is no column (M013) and id a variable both mapped and dropped
// (M010): the run was refused, exit 2, "the mappings' own tests cannot
// run", for a mapping with no error. The tests compile against the live
// catalogue now, as the run's mappings do, and plan check leaves what
// only the source can settle to map check (mappings.SourceDiagnostic).
func TestRunEAVRuleOnDroppedEntityColumnAndSharedKeyName(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "legacy.db")
	execSQLite(t, path,
		`CREATE TABLE instans (id integer PRIMARY KEY NOT NULL, datum varchar(10), raderad integer NOT NULL)`,
		`CREATE TABLE varde (id integer PRIMARY KEY NOT NULL, instans_id integer NOT NULL, variabel varchar(20) NOT NULL, varde varchar(40))`,
		`INSERT INTO instans VALUES (1, '2024-01-01', 0), (2, '2024-01-02', 1)`,
		`INSERT INTO varde VALUES (1, 1, 'vikt', '72'), (2, 2, 'vikt', '80')`,
	)
	src := srcURL(path)
	writeRegistrationSchema(t, dir, true)
	writeEAVMapping(t, dir, `    rules: [{when: "src.raderad == 1", archive: soft_deleted}]
    columns:
      registration_id: id
      registered: {expr: date(datum)}
      weight_kg: {expr: decimal(vikt)}
    drop: {raderad: read by the rule, id: the value row's own number}
tests:
  - name: a form migrates
    source: instans
    rows:
      - entity: {id: 1, datum: "2024-01-01", raderad: 0}
        given: {vikt: "72"}
        migrated: {registration_id: 1, registered: 2024-01-01, weight_kg: "72.0"}
`)
	// plan check too (loadPlan), which compiles without the source: it
	// said M013 and M010, refusing plan render and plan approve.
	p := loadPlan(t, writePlan(t, dir, "optout: {none: test data}\nverification: {acknowledge: {archived_share.instans: a deleted form, archived_share.varde: its value}}\n"))
	rep := runOnSQLite(t, p, src, dir, nil)
	checkLedger(t, rep, false, map[string]string{
		"instans": summary(1, 1, 0, map[string]int64{"soft_deleted": 1}),
	})
	sum, err := plans.Verify(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir})
	if err != nil || !sum.Pass {
		t.Fatalf("verify %v: %s %v", err, strings.Join(sum.Failures(), "; "), sum.Alarms())
	}
}
