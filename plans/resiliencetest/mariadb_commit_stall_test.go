package resiliencetest_test

import (
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors/mysql/mytest"
	"github.com/regflytt/regflytt/plans/plantest"
)

// A MariaDB target that stops answering while a batch's COMMIT is on
// its way (the proxy freezes as the fifth is sent): at the stall limit
// the commit is cancelled, as a PostgreSQL target's is, and the run
// retries or stops resumably; a plain run then completes, and the target
// and the archive end as a clean run's: the unit whose COMMIT was given
// up on is found whole or not at all. go-sql-driver/mysql's Tx.Commit
// takes no context and database/sql cannot cancel it once sent: the run
// waited for ever, the stall warned of and never stopped.
func TestRunSurvivesAFrozenMariaDBCommit(t *testing.T) {
	src := mytest.NewDatabase(t)
	dir, p, same := stallDemo(t, src, 100, mytest.NewDatabase(t))
	finish := resumeAfterStall(p, same)
	_, proxy, viaProxy := proxiedTarget(t, mytest.NewDatabase)
	work := filepath.Join(dir, "tgt-commit")
	var log plantest.SyncLog
	ft := &plantest.FreezingCommits{N: 5, Freeze: proxy.Freeze}
	opts := stallOpts(src, viaProxy, work, stallLimit, &log)
	opts.WrapTarget = ft.Wrap
	thawed := thawWhenStopped(t, proxy, work)
	_, err := runReturns(t, p, opts, 30*stallLimit)
	<-thawed
	t.Logf("the run: %v", err)
	if ft.Commits() < 5 {
		t.Fatalf("%d commits: the test froze none", ft.Commits())
	}
	logSays(t, &log, "still waiting for the target to commit batch", "no stall warning")
	finish(t, err, src, viaProxy, work)
}
