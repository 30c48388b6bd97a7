package plans_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/regflytt/regflytt/plans"
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
