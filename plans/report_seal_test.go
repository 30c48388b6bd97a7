package plans_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/plans"
)

// lockPeekingTarget calls peek whenever the run asks whether it still
// holds the target's run lock: between the stages that write the work
// directory without a checkpoint (assembling and sealing the package,
// report.json), where a run can be killed.
type lockPeekingTarget struct {
	connectors.Target
	peek func()
}

func (l *lockPeekingTarget) Lock(ctx context.Context, name string) (func(context.Context) error, error) {
	return l.Target.(connectors.Locker).Lock(ctx, name)
}

func (l *lockPeekingTarget) CheckLock(ctx context.Context, name string) error {
	l.peek()
	return l.Target.(connectors.LockChecker).CheckLock(ctx, name)
}

// A plan whose archive package is sealed (archive.encrypt_to) wrote its
// report.json, PASS, before it sealed the package: a run killed between
// the two (kill -9, a power cut) left report.json saying PASS beside the
// package in clear and no sealed one, and plan render --reports showed
// "Verification: PASS" and portfolio status "verified" for it. Whenever
// report.json says the run PASSed, the package is sealed and none is left
// in clear.
func TestRunReportPassesOnlyOnceThePackageIsSealed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, plan, src, _ := sealedPlanFixture(t)
	work := filepath.Join(dir, "work")
	sealed := filepath.Join(work, "archive"+plans.SealedSuffix)
	var peeks, passed int
	var unsealed []string
	peek := func() {
		peeks++
		b, err := os.ReadFile(filepath.Join(work, "report.json"))
		if err != nil {
			return
		}
		var rep struct {
			Status string `json:"status"`
			Pass   bool   `json:"pass"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Errorf("report.json during the run: %v", err)
			return
		}
		if rep.Status != "" || !rep.Pass {
			return
		}
		passed++
		if _, err := os.Stat(sealed); err != nil {
			unsealed = append(unsealed, "no sealed package")
		}
		if _, err := os.Stat(filepath.Join(work, "archive")); err == nil {
			unsealed = append(unsealed, "the package in clear")
		}
	}
	wrapT := func(tg connectors.Target) connectors.Target { return &lockPeekingTarget{Target: tg, peek: peek} }
	rep, err := plans.Run(ctx, plan, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "r.db"), WorkDir: work, WrapTarget: wrapT})
	if err != nil || !rep.Pass {
		t.Fatalf("run: %v", err)
	}
	if peeks == 0 {
		t.Fatal("the run never asked for its lock: the test looks at nothing")
	}
	if len(unsealed) > 0 {
		t.Errorf("report.json said PASS while the work directory held %v: a run killed then leaves a PASS report beside a package that was never sealed", unsealed)
	}
	if _, err := os.Stat(sealed); err != nil {
		t.Errorf("the finished run left no sealed package: %v", err)
	}
	if passed == 0 {
		t.Error("no lock check saw report.json PASS: the test no longer looks at the run after its report")
	}
}
