package plans_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/verify"
)

// Fixtures shared by the tests that build a small legacy database, a
// receiving schema, a mapping and a plan in a temporary folder.

func write(t testing.TB, path, text string) string {
	t.Helper()
	return plantest.Write(t, path, text)
}

func intCol(name string) connectors.Column {
	return plantest.IntCol(name)
}

func textCol(name string) connectors.Column {
	return plantest.TextCol(name)
}

// writeTables creates tables in a database and fills them.
func writeTables(t *testing.T, url string, tables []connectors.Table, rows map[string][][]connectors.Value) {
	t.Helper()
	plantest.WriteTables(t, url, tables, rows)
}

// writePlan writes dir/plan.yaml over dir/schema.yaml and dir/m.yaml,
// with extra lines (run:, optout: …) appended.
func writePlan(t *testing.T, dir, extra string) string {
	t.Helper()
	return plantest.WritePlan(t, dir, extra)
}

func summary(m, a, e int64, by map[string]int64) string {
	return fmt.Sprint("migrated ", m, " archived ", a, " excluded ", e, " ", by)
}

// ledgerOf summarises a report's ledger per source table, with the
// reasons of archived (byExcluded: excluded) records.
func ledgerOf(rep *verify.Report, byExcluded bool) map[string]string {
	got := map[string]string{}
	for _, tc := range rep.Tables {
		by := tc.ArchivedBy
		if byExcluded {
			by = tc.ExcludedBy
		}
		got[tc.Source] = summary(tc.Migrated, tc.Archived, tc.Excluded, by)
	}
	return got
}

// wrapPolicyFast retries without waiting long, for tests.
var wrapPolicyFast = wrap.Policy{Base: time.Millisecond, Max: 10 * time.Millisecond}

// inTarget opens the database at url as a source, takes one snapshot and
// reads its catalogue, hands them to fn, and closes both when fn returns
// (plantest.InTarget).
func inTarget(t *testing.T, url string, fn func(ctx context.Context, snap connectors.Snapshot, tables []connectors.Table)) {
	t.Helper()
	plantest.InTarget(t, url, fn)
}

// runOnSQLite runs p from srcURL into dir/t.db, with dir as the work
// folder, and requires it to finish and PASS. progress may be nil.
func runOnSQLite(t *testing.T, p *plans.Plan, srcURL, dir string, progress plans.Progress) *verify.Report {
	t.Helper()
	rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(dir, "t.db"), WorkDir: dir, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Pass {
		t.Fatalf("FAIL: %v", rep.Problems)
	}
	return rep
}

// checkLedger requires, for each source table of want, the ledger line
// (see summary) of ledgerOf(rep, byExcluded).
func checkLedger(t *testing.T, rep *verify.Report, byExcluded bool, want map[string]string) {
	t.Helper()
	got := ledgerOf(rep, byExcluded)
	for table, w := range want {
		if got[table] != w {
			t.Errorf("%s: %s, want %s", table, got[table], w)
		}
	}
}

// checkpointRows counts the rows of the target's regflytt_checkpoint
// (plantest.CheckpointRows).
func checkpointRows(t *testing.T, url string) int64 {
	t.Helper()
	return plantest.CheckpointRows(t, url)
}

// withoutMappingTests takes the tests: section out of a mapping file's
// text, for a test that changes what the demo mapping does on purpose:
// the demo's own tests, which describe the unchanged mapping, would stop
// the run before it reads anything.
func withoutMappingTests(s string) string {
	i := strings.Index(s, "\ntests:\n")
	if i < 0 {
		return s
	}
	rest := s[i+len("\ntests:\n"):]
	// The section ends at the next top-level key.
	for j := 0; j < len(rest); {
		end := strings.IndexByte(rest[j:], '\n')
		if end < 0 {
			return s[:i+1]
		}
		line := rest[j : j+end]
		if line != "" && line[0] != ' ' && line[0] != '#' {
			return s[:i+1] + rest[j:]
		}
		j += end + 1
	}
	return s[:i+1]
}

// serverDatabases gives, by server name, a maker of a fresh database on
// each real server the environment names (REGFLYTT_TEST_MYSQL,
// REGFLYTT_TEST_PG), and skips the test when it names neither.
func serverDatabases(t *testing.T) map[string]func(t testing.TB) string {
	t.Helper()
	out := map[string]func(t testing.TB) string{}
	if os.Getenv("REGFLYTT_TEST_MYSQL") != "" {
		out["mariadb"] = mytest.NewDatabase
	}
	if os.Getenv("REGFLYTT_TEST_PG") != "" {
		out["postgres"] = pgtest.NewDatabase
	}
	if len(out) == 0 {
		t.Skip("neither REGFLYTT_TEST_MYSQL nor REGFLYTT_TEST_PG is set")
	}
	return out
}

// writeSchema writes dir/schema.yaml with one receiving table: its
// primary key (key, as the schema lists it, "a, b"; none when empty) and
// its columns, each "name type", or "name type not_null".
func writeSchema(t *testing.T, dir, table, key string, cols ...string) {
	t.Helper()
	plantest.WriteSchema(t, dir, table, key, cols...)
}

// writeRegistrationSchema writes dir/schema.yaml with the receiving table
// the form-store tests migrate into: registration (registration_id,
// registered when asked, weight_kg decimal(5,1)).
func writeRegistrationSchema(t *testing.T, dir string, registered bool) {
	t.Helper()
	plantest.WriteRegistrationSchema(t, dir, registered)
}

// unreadPlan writes a plan of one source into dir (schema and mapping
// YAML, extra appended to the plan) and loads it.
func unreadPlan(t *testing.T, dir, schema, mapping, extra string) *plans.Plan {
	t.Helper()
	write(t, filepath.Join(dir, "schema.yaml"), schema)
	write(t, filepath.Join(dir, "mapping.yaml"), mapping)
	return loadPlan(t, write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: unread, name: Records a read leaves out}
system: {current: legacy, chosen: receiving}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [mapping.yaml]
archive: {dir: archive, unencrypted_reason: synthetic test data}
optout: {none: test data}
`+extra))
}

// unreadUntilAcknowledged holds a source whose records a read of its
// tables leaves out (history, hidden tables, large objects) to what run
// and verify must say of it: both fail, the run's alarms exactly want (by
// id, and verify's findings of them, with their counts; a count of -1
// is not compared), until the plan acknowledges them
// (ack, a verification: section), when the run passes. It returns the
// acknowledged run's report.
func unreadUntilAcknowledged(t *testing.T, src, schema, mapping string, want map[string]int64, ack string) *verify.Report {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	opts := plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir}
	rep, err := plans.Run(ctx, unreadPlan(t, dir, schema, mapping, ""), opts)
	if !errors.Is(err, plans.ErrNotAccounted) || rep == nil || rep.Pass {
		t.Fatalf("the run passes a source with records it never read (want %v): %v", want, err)
	}
	got := map[string]int64{}
	for _, a := range rep.Alarms {
		got[a.ID] = a.Count
	}
	if len(got) != len(want) {
		t.Errorf("the run's alarms are %v, want %v", got, want)
	}
	for id, n := range want {
		if c, ok := got[id]; !ok || n >= 0 && c != n {
			t.Errorf("alarm %s: %d (raised %v), want %d", id, c, ok, n)
		}
	}
	sum, err := plans.Verify(ctx, unreadPlan(t, dir, schema, mapping, ""), opts)
	if sum == nil || sum.Pass || !errors.Is(err, plans.ErrNotAccounted) {
		t.Fatalf("verify passes a source with records it never read (want %v): %v", want, err)
	}
	for _, f := range sum.Findings {
		if n, ok := want[f.ID]; ok && n >= 0 && f.Count != n {
			t.Errorf("verify's finding %s counts %d, want %d", f.ID, f.Count, n)
		}
	}
	ackDir := t.TempDir()
	rep, err = plans.Run(ctx, unreadPlan(t, ackDir, schema, mapping, ack),
		plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(ackDir, "receiving.db"), WorkDir: ackDir})
	if err != nil || !rep.Pass {
		t.Fatalf("a run of the acknowledged plan: %v", err)
	}
	return rep
}

// writeEAVMapping writes m.yaml with one mapping of the form store
// instans/varde (entity instans_id, attribute variabel, value varde) into
// registration; rest is the mapping's remaining keys (columns:, drop:, …),
// indented as under the table.
func writeEAVMapping(t *testing.T, dir, rest string) {
	t.Helper()
	plantest.WriteEAVMapping(t, dir, rest)
}

// execSQLite runs statements on a SQLite database file
// (plantest.ExecSQLite).
func execSQLite(t *testing.T, path string, stmts ...string) {
	t.Helper()
	plantest.ExecSQLite(t, path, stmts...)
}

// sqliteAfterChecks runs stmts in the SQLite database at path once the
// run begins moving its first table (plantest.AfterChecks).
func sqliteAfterChecks(path string, stmts ...string) *plantest.AfterChecks {
	return plantest.SQLiteAfterChecks(path, stmts...)
}
