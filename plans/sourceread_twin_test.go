package plans_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// With the source's own checksums computed in a twin snapshot beside the
// re-application, a connector that misreads a value still fails verify,
// naming the record; a sound one passes. PostgreSQL always gives a twin
// (an imported snapshot); MariaDB gives one when no transaction ran
// between the two snapshots' starts, which other tests on the same
// server may prevent, so there the log only says which path ran.
func TestVerifyWithATwinHoldsRowsAsRead(t *testing.T) {
	t.Parallel()
	for name, newSource := range serverDatabases(t) {
		t.Run(name, func(t *testing.T) { testVerifyWithATwin(t, name, newSource(t)) })
	}
}

func testVerifyWithATwin(t *testing.T, name, src string) {
	ctx := context.Background()
	dir := t.TempDir()
	p := sourceReadFixture(t, src, dir)
	twinned := func(log *plantest.SyncLog) bool {
		return !strings.Contains(log.String(), "the source's own checksums follow the re-application")
	}

	tgt := "sqlite://" + filepath.Join(dir, "t.db")
	if _, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "sound")}); err != nil {
		t.Fatal(err)
	}
	var log plantest.SyncLog
	sum, err := plans.Verify(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "sound"), Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil || !sum.Pass {
		t.Fatalf("a sound connector failed: %v", err)
	}
	if len(sum.SourceReads) != 1 || !sum.SourceReads[0].OK || sum.SourceReads[0].Check == nil || sum.SourceReads[0].Check.ActualRows != 40 {
		t.Fatalf("source reads of a sound connector: %+v", sum.SourceReads)
	}
	if name == "postgres" && !twinned(&log) {
		t.Errorf("no twin for PostgreSQL:\n%s", log.String())
	}
	t.Logf("sound, twin used: %v", twinned(&log))

	miswrap := func(s connectors.Source) connectors.Source { return &misreadingTwinSource{misreadingSource{Source: s}} }
	tgt2 := "sqlite://" + filepath.Join(dir, "t2.db")
	if rep, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt2, WorkDir: filepath.Join(dir, "misread"), WrapSource: miswrap}); err != nil || !rep.Pass {
		t.Fatalf("the run cannot see its connector's misreading and should pass: %v", err)
	}
	log = plantest.SyncLog{}
	sum, err = plans.Verify(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt2, WorkDir: filepath.Join(dir, "misread"), WrapSource: miswrap, Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err == nil || sum == nil || sum.Pass {
		t.Fatalf("verify passed a migration of a value the source does not hold (err %v)", err)
	}
	if failures := strings.Join(sum.Failures(), "\n"); !strings.Contains(failures, "record (7): column namn read differently") {
		t.Errorf("failures do not name the record:\n%s", failures)
	}
	if name == "postgres" && !twinned(&log) {
		t.Errorf("no twin for PostgreSQL:\n%s", log.String())
	}
	t.Logf("misread, twin used: %v", twinned(&log))
}

// misreadingTwinSource misreads as misreadingSource does, and its
// snapshots give the real connector's twin: the database's own rows.
type misreadingTwinSource struct{ misreadingSource }

func (s *misreadingTwinSource) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	snap, err := s.misreadingSource.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return &misreadingTwinSnapshot{snap.(*misreadingSnapshot)}, nil
}

type misreadingTwinSnapshot struct{ *misreadingSnapshot }

func (s *misreadingTwinSnapshot) Twin(ctx context.Context) (connectors.Snapshot, error) {
	return s.misreadingSnapshot.Snapshot.(connectors.Twinner).Twin(ctx)
}
