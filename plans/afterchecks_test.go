package plans_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// afterChecks is a Progress that runs statements on the target once the
// run begins moving its first table: after every check before writing
// (which refuses a receiving table with a trigger) and after the
// receiving tables are created. Tests use it to change the target behind
// the run's back, as a trigger added during a run would, and check that
// the end check or verification sees what it changed. err is the
// statements' error, for the test's goroutine to check.
type afterChecks struct {
	plans.NoProgress
	once sync.Once
	run  func() error
	err  error
}

func (a *afterChecks) Table(string, int64) { a.once.Do(func() { a.err = a.run() }) }

// sqliteAfterChecks runs stmts in the SQLite database at path.
func sqliteAfterChecks(path string, stmts ...string) *afterChecks {
	return &afterChecks{run: func() error {
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			return err
		}
		defer db.Close()
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	}}
}

// pgAfterChecks runs stmts in the PostgreSQL database at url.
func pgAfterChecks(url string, stmts ...string) *afterChecks {
	return &afterChecks{run: func() error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		for _, s := range stmts {
			if _, err := conn.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	}}
}

// runTriggered runs p with opts and trigger as its progress, and stops
// the test where the trigger's statements failed: the run's outcome is
// the caller's to check.
func runTriggered(t *testing.T, p *plans.Plan, opts plans.Options, trigger *afterChecks) (*verify.Report, error) {
	t.Helper()
	opts.Progress = trigger
	rep, err := plans.Run(context.Background(), p, opts)
	if trigger.err != nil {
		t.Fatal(trigger.err)
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
