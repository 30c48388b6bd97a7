package plans_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"filippo.io/age"

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
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns:
      - {name: visit_id, type: bigint}
      - {name: note, type: text}
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    columns:
      visit_id: id
      note: anteckning
`)
	plan := loadPlan(t, write(t, filepath.Join(dir, "plan.yaml"), `plan: 1
register: {id: test, name: Test register}
system: {current: a, chosen: b}
cpua: {current: A, future: B}
rco: {current: A, future: B}
target: {schema: schema.yaml}
mappings: [m.yaml]
archive: {dir: archive, encrypt_to: [`+id.Recipient().String()+`]}
`))
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("anteckning")}},
		{Name: "logg", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), textCol("text")}},
	}, map[string][][]connectors.Value{"besok": {{int64(1), "x"}}, "logg": {{int64(1), "unmapped, so archived"}}})
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
