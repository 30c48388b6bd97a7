package verifytest_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
	"github.com/regflytt/regflytt/verify"
)

// afterChecks runs statements on the target once the run begins moving
// its first table (plantest.AfterChecks): sqliteAfterChecks in a SQLite
// file, pgAfterChecks in a PostgreSQL database.
type afterChecks = plantest.AfterChecks

var (
	sqliteAfterChecks = plantest.SQLiteAfterChecks
	pgAfterChecks     = plantest.PGAfterChecks
)

// runTriggered runs p with opts and trigger as its progress, and stops
// the test where the trigger's statements failed: the run's outcome is
// the caller's to check.
func runTriggered(t *testing.T, p *plans.Plan, opts plans.Options, trigger *afterChecks) (*verify.Report, error) {
	t.Helper()
	opts.Progress = trigger
	rep, err := plans.Run(context.Background(), p, opts)
	if trigger.Err != nil {
		t.Fatal(trigger.Err)
	}
	return rep, err
}

// triggeredTarget is one of the targets a test runs against: open makes
// its database in dir (or on a server), with the receiving tables, and
// gives its URL and the trigger to run once the run has begun.
type triggeredTarget struct {
	name string
	open func(t *testing.T, dir string) (url string, trigger *afterChecks)
}

// sqliteTriggered is a SQLite target in dir's t.db, its tables made by
// create before the run, stmts run once the run has begun.
func sqliteTriggered(create func(t *testing.T, url string), stmts ...string) func(t *testing.T, dir string) (string, *afterChecks) {
	return func(t *testing.T, dir string) (string, *afterChecks) {
		path := filepath.Join(dir, "t.db")
		create(t, "sqlite://"+path)
		return "sqlite://" + path, sqliteAfterChecks(path, stmts...)
	}
}

// pgTriggered is a PostgreSQL database of the test's own (skipped without
// a server), its tables made by create and functions created before the
// run, stmts (the triggers calling them) run once the run has begun.
func pgTriggered(create func(t *testing.T, url string), functions []string, stmts ...string) func(t *testing.T, dir string) (string, *afterChecks) {
	return func(t *testing.T, dir string) (string, *afterChecks) {
		pgtest.AdminURL(t)
		url := pgtest.NewDatabase(t)
		create(t, url)
		pgtest.Exec(t, url, functions...)
		return url, pgAfterChecks(url, stmts...)
	}
}
