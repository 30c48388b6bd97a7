package plans_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
)

// The receiving platform's own table, which the account verify reads
// the target with may not read (a table of another team's in the same
// database): verify counted the rows of every table the schema does not
// declare, and one it could not count stopped the verification with an
// error, the run's target unverifiable. The table is named, its rows
// uncounted, and the alarm stands as for any table the schema does not
// declare.
func TestVerifyNamesAnUndeclaredTableItCannotRead(t *testing.T) {
	src, tgt := sinceRunServers(t)
	dir := t.TempDir()
	plan := sinceRunRegistry(t, dir, "")
	runSinceRun(t, plan, src, tgt, dir)
	b := make([]byte, 4)
	rand.Read(b)
	role := "regflytt_rev_" + hex.EncodeToString(b)
	pgtest.Exec(t, tgt, `CREATE ROLE `+role+` LOGIN`, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO `+role,
		`CREATE TABLE platform_own (x int)`, `INSERT INTO platform_own VALUES (1)`)
	t.Cleanup(func() { pgtest.Exec(t, tgt, `DROP OWNED BY `+role, `DROP ROLE `+role) })
	asRole := strings.Replace(tgt, "postgres@", role+"@", 1)
	if asRole == tgt {
		t.Fatalf("cannot name the role in %s", tgt)
	}
	sum, err := plans.Verify(context.Background(), loadPlan(t, plan), plans.Options{SourceURL: src, TargetURL: asRole, WorkDir: dir})
	if sum == nil {
		t.Fatalf("verify as an account that cannot read the platform's own table: no report: %v", err)
	}
	found := false
	for _, f := range sum.Findings {
		found = found || f.ID == plans.FindingTargetTableUndeclared+".platform_own"
	}
	if !found {
		t.Errorf("no finding names platform_own:\n%s", verifyText(t, sum))
	}
}
