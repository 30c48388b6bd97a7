package plans_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/postgres/pgtest"
	"github.com/regflytt/regflytt/connectors/wrap"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/plantest"
)

// openTxTarget is a prunedTarget that counts the write transactions open
// at once.
type openTxTarget struct {
	prunedTarget
	mu         sync.Mutex
	open, most int
}

func (o *openTxTarget) Begin(ctx context.Context) (connectors.Tx, error) {
	tx, err := o.prunedTarget.Begin(ctx)
	if err != nil {
		return nil, err
	}
	o.mu.Lock()
	o.open++
	o.most = max(o.most, o.open)
	o.mu.Unlock()
	return &openTx{prunedTx: tx.(prunedTx), o: o}, nil
}

// Truncate reaches the wrapped target's, for a run started over.
func (o *openTxTarget) Truncate(ctx context.Context, tables []string) error {
	return o.faultyTarget.Target.(connectors.Truncater).Truncate(ctx, tables)
}

// CreateConstraints reaches the wrapped target's.
func (o *openTxTarget) CreateConstraints(ctx context.Context, tables []connectors.Table) error {
	return o.faultyTarget.Target.(connectors.ConstraintCreator).CreateConstraints(ctx, tables)
}

type openTx struct {
	prunedTx
	o    *openTxTarget
	once sync.Once
}

func (t *openTx) ended() { t.once.Do(func() { t.o.mu.Lock(); t.o.open--; t.o.mu.Unlock() }) }

func (t *openTx) Commit() error   { defer t.ended(); return t.prunedTx.Commit() }
func (t *openTx) Rollback() error { defer t.ended(); return t.prunedTx.Rollback() }

// cleanPostgresDemoRun is cleanDemoRun into a new PostgreSQL database:
// what the overlapping commits' runs are held to.
func cleanPostgresDemoRun(t *testing.T, dir, src string, p *plans.Plan) digest {
	t.Helper()
	clean := pgtest.NewDatabase(t)
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: clean, WorkDir: filepath.Join(dir, "clean")}); err != nil {
		t.Fatal(err)
	}
	return resultDigest(t, clean, demoTables, filepath.Join(dir, "clean", "archive"))
}

// On PostgreSQL a commit unit's rows are sent while the unit before it
// commits (two transactions open at once), and the commits stay in
// order: when a unit fails for good, the unit after it, its rows sent
// already, is rolled back, so that the target holds exactly the units
// before the failure (report.json says so), and a plain run resumes from
// there to what a clean run gives.
func TestOverlappingCommitsStayInOrder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 200)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 20

	want := cleanPostgresDemoRun(t, dir, src, p)

	tgt := pgtest.NewDatabase(t)
	work := filepath.Join(dir, "w")
	// Slow commits, so that the next unit is under way when one fails.
	ft := &faultyTarget{failAt: map[int]string{7: "disk"}, delay: 20e6}
	ot := &openTxTarget{}
	_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work,
		WrapTarget: func(tg connectors.Target) connectors.Target {
			ft.Target = tg
			ot.prunedTarget = prunedTarget{ft}
			return ot
		}})
	var se *plans.StoppedError
	if !errors.As(err, &se) || se.NotResumable != "" {
		t.Fatalf("got %v, want a resumable stop at the failed commit", err)
	}
	if ot.most < 2 {
		t.Errorf("at most %d write transaction open at once: no unit was sent while another committed", ot.most)
	}
	if ft.commits < 7 {
		t.Fatalf("only %d commits: the fault was never injected", ft.commits)
	}
	// What committed is a prefix of the units, in order.
	if !slices.IsSorted(ft.held) {
		t.Errorf("units committed out of order: %v", ft.held)
	}
	if n, committed := len(ft.held), plantest.BatchesCommitted(t, work); n == 0 || committed != ft.held[n-1] {
		t.Errorf("report.json says %d batches committed, the target committed %v", committed, ft.held)
	}

	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}); err != nil {
		t.Fatalf("the resume: %v", err)
	}
	if got := resultDigest(t, tgt, demoTables, filepath.Join(work, "archive")); got.String() != want.String() {
		t.Errorf("the resumed run differs from a clean one:\n got %s\nwant %s", got, want)
	}
}

// A commit unit whose transaction fails and is tried again needs a
// connection of the target's pool while the unit after it, its rows
// sent, waits on another for that unit's commit: with pool_max_conns=2
// (one for the run lock, one for a transaction) the retry waited for the
// connection the waiting unit held, and the run hung until cancelled.
func TestOverlappingCommitsWithTwoConnections(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 200)
	p := loadPlan(t, demoPlan)
	p.BatchSize = 20

	want := cleanPostgresDemoRun(t, dir, src, p)

	tgt := pgtest.NewDatabase(t)
	// A failed commit, tried again, while the next unit is under way.
	ft := &faultyTarget{failAt: map[int]string{3: "before"}, delay: 20e6}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	work := filepath.Join(dir, "w")
	if _, err := plans.Run(ctx, p, plans.Options{SourceURL: src, TargetURL: tgt + "&pool_max_conns=2", WorkDir: work, Retry: wrap.Policy{Base: 20e6, Max: 200e6},
		WrapTarget: func(tg connectors.Target) connectors.Target {
			ft.Target = tg
			return prunedTarget{ft}
		}}); err != nil {
		t.Fatalf("with two connections: %v", err)
	}
	if got := resultDigest(t, tgt, demoTables, filepath.Join(work, "archive")); got.String() != want.String() {
		t.Errorf("the run differs from a clean one:\n got %s\nwant %s", got, want)
	}
}

// A receiving database whose default_transaction_isolation is repeatable
// read or serializable (a DBA's ALTER DATABASE) gives each transaction
// one snapshot, taken at its first statement: the unit sent while the
// one before it commits did not see that one's checkpoint, which its
// pruning and predecessor check read, and failed to serialize.
func TestOverlappingCommitsWhateverTheIsolation(t *testing.T) {
	t.Parallel()
	for _, level := range []string{"repeatable read", "serializable"} {
		t.Run(level, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			src, _ := makeDemoSQLite(t, dir, 200)
			p := loadPlan(t, demoPlan)
			p.BatchSize = 20
			tgt := pgtest.NewDatabase(t)
			pgtest.Exec(t, tgt, `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_isolation TO %L', current_database(), '`+level+`'); END $$`)
			// Slow commits, so that each unit's rows are sent while the
			// one before commits.
			ft := &faultyTarget{delay: 20e6}
			ot := &openTxTarget{}
			_, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "w"),
				// No second attempt: a unit that fails once stops the run.
				Retry: wrap.Policy{Attempts: 1},
				WrapTarget: func(tg connectors.Target) connectors.Target {
					ft.Target = tg
					ot.prunedTarget = prunedTarget{ft}
					return ot
				}})
			if err != nil {
				t.Fatalf("under %s: %v", level, err)
			}
			if ot.most < 2 {
				t.Errorf("at most %d write transaction open at once", ot.most)
			}
		})
	}
}

// A run started over (--restart) into a target an earlier run finished
// loads with the foreign keys that run created after its load: a child
// table's first unit, sent while its parent's last unit commits, refers
// to parent rows not committed yet, which a foreign key check does not
// see (PostgreSQL does not wait for them), and the run stopped. Into
// such a target the units commit one at a time.
func TestOverlappingCommitsUnderExistingForeignKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, _ := makeDemoSQLite(t, dir, 200)
	planDir := copyDemoPlan(t, filepath.Join(dir, "plan"), 20)
	schema := filepath.Join(planDir, "schema.yaml")
	b, err := os.ReadFile(schema)
	if err != nil {
		t.Fatal(err)
	}
	const smoker = "      - {name: smoker, type: smallint}\n"
	if !strings.Contains(string(b), smoker) {
		t.Fatal("the demo schema changed: no smoker column")
	}
	b = []byte(strings.Replace(string(b), smoker, smoker+
		"    foreign_keys:\n      - {name: fk_visit_patient, columns: [patient_id], references: {table: patient, columns: [patient_id]}}\n", 1))
	if err := os.WriteFile(schema, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The first visits are of the last patients: the child table's
	// first unit refers to the parent's last.
	execSQLite(t, filepath.Join(dir, "legacy.db"), `UPDATE besok SET patient_id = (SELECT max(id) FROM patient) - (id % 10)
		WHERE id IN (SELECT id FROM besok ORDER BY id LIMIT 10)`)
	p := loadPlan(t, filepath.Join(planDir, "plan.yaml"))
	tgt := pgtest.NewDatabase(t)
	work := filepath.Join(dir, "w")
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}); err != nil {
		t.Fatal(err)
	}
	ft := &faultyTarget{delay: 20e6}
	ot := &openTxTarget{}
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work, Restart: true,
		WrapTarget: func(tg connectors.Target) connectors.Target {
			ft.Target = tg
			ot.prunedTarget = prunedTarget{ft}
			return ot
		}}); err != nil {
		t.Fatalf("started over with the foreign key in place: %v", err)
	}
}
