package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/connectors/all"
	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/verify"
)

// unitReportsFixture is a register of two units (1 and 2), a receiving
// database r.db and a run of it that passed, its unit reports in units.
func unitReportsFixture(t *testing.T) (plan *plans.Plan, src, tgt, dir, units string) {
	t.Helper()
	dir = t.TempDir()
	plan, src = twoUnitRegister(t, dir, []connectors.Value{int64(1), int64(1)}, []connectors.Value{int64(2), int64(2)}, []connectors.Value{int64(3), int64(1)})
	tgt = "sqlite://" + filepath.Join(dir, "r.db")
	units = filepath.Join(dir, "units")
	rep, err := plans.Run(context.Background(), plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "first"), UnitReports: units})
	if err != nil || !rep.Pass {
		t.Fatalf("first run: %v", err)
	}
	if passing := passingUnitReports(t, units); len(passing) != 4 {
		t.Fatalf("first run: passing unit reports %v, want units 1 and 2's", passing)
	}
	// Something of the user's own in DIR stays whatever a run does.
	write(t, filepath.Join(units, "unit-notes.txt"), "sent 2027-03-01\n")
	return plan, src, tgt, dir, units
}

// twoUnitRegister writes into dir a plan moving besok (id, vardenhet_id)
// to visit with vardenhet_id as its unit, and a source legacy.db holding
// rows of besok, (id, unit) each.
func twoUnitRegister(t *testing.T, dir string, rows ...[]connectors.Value) (*plans.Plan, string) {
	t.Helper()
	write(t, filepath.Join(dir, "schema.yaml"), `platform: t
tables:
  - name: visit
    primary_key: [visit_id]
    columns: [{name: visit_id, type: bigint}, {name: care_unit_id, type: bigint}]
`)
	write(t, filepath.Join(dir, "m.yaml"), `tables:
  - target: visit
    source: besok
    unit: vardenhet_id
    columns: {visit_id: id, care_unit_id: vardenhet_id}
`)
	plan := loadPlan(t, writePlan(t, dir, ""))
	src := "sqlite://" + filepath.Join(dir, "legacy.db")
	writeTables(t, src, []connectors.Table{
		{Name: "besok", PrimaryKey: []string{"id"}, Columns: []connectors.Column{intCol("id"), intCol("vardenhet_id")}},
	}, map[string][][]connectors.Value{"besok": rows})
	return plan, src
}

// wantNoPassingUnitReportNotesKept fails t, saying what, if a unit report
// in units says PASS, and if the user's own file there is gone.
func wantNoPassingUnitReportNotesKept(t *testing.T, units, what string) {
	t.Helper()
	if passing := passingUnitReports(t, units); len(passing) != 0 {
		t.Errorf("%s: %v", what, passing)
	}
	if _, err := os.Stat(filepath.Join(units, "unit-notes.txt")); err != nil {
		t.Errorf("the user's own file in DIR: %v", err)
	}
}

// passingUnitReports names the unit reports in dir that say PASS.
func passingUnitReports(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(e.Name()) {
		case ".json":
			var ur verify.UnitReport
			if json.Unmarshal(b, &ur) == nil && ur.Unit != "" && ur.Pass {
				out = append(out, e.Name())
			}
		case ".md":
			if strings.Contains(string(b), "PASS") {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

// A run or verification given --unit-reports DIR that stops before it
// writes its own unit reports left an earlier run's in DIR, PASS, "every
// record the unit reported is migrated", though the target they describe
// is gone: here a --restart run emptied it and then stopped in its move,
// and a verification stopped reading the source. DIR holds the last
// run's unit reports only: one that stops before its end leaves none.
func TestStoppedRunLeavesNoEarlierPassingUnitReport(t *testing.T) {
	ctx := context.Background()
	fail := func(s connectors.Source) connectors.Source {
		return &failingSource{Source: s, table: "besok", after: 1}
	}
	t.Run("run", func(t *testing.T) {
		plan, src, tgt, dir, units := unitReportsFixture(t)
		_, err := plans.Run(ctx, plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "again"), Restart: true, UnitReports: units, WrapSource: fail})
		if !errors.Is(err, errInjected) {
			t.Fatalf("the restarted run: %v, want the injected failure", err)
		}
		wantNoPassingUnitReportNotesKept(t, units, "a restarted run that stopped in its move left the first run's unit reports saying PASS")
	})
	t.Run("verify", func(t *testing.T) {
		plan, src, tgt, dir, units := unitReportsFixture(t)
		_, err := plans.VerifyWith(ctx, plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "first"), WrapSource: fail}, plans.VerifyOptions{UnitReports: units})
		if !errors.Is(err, errInjected) {
			t.Fatalf("verify: %v, want the injected failure", err)
		}
		wantNoPassingUnitReportNotesKept(t, units, "a verification that stopped left earlier unit reports saying PASS")
	})
}

// A verification that PASSed but could not write verify-report.json
// (here its name is taken by a directory) exits non-zero, yet wrote its
// unit reports, PASS, for the registry to send on: the auditor's report
// of that verification does not exist. They are written only after it.
func TestVerifyWithoutItsReportWritesNoPassingUnitReport(t *testing.T) {
	// units holds the first run's reports, PASS.
	plan, src, tgt, dir, units := unitReportsFixture(t)
	work := filepath.Join(dir, "first")
	if err := os.RemoveAll(filepath.Join(work, verify.JSONFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(work, verify.JSONFile, "kept"), 0o750); err != nil {
		t.Fatal(err)
	}
	sum, err := plans.VerifyWith(context.Background(), plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}, plans.VerifyOptions{UnitReports: units})
	if err == nil || sum == nil || !sum.Pass {
		t.Fatalf("verify without its report: %v (summary %v)", err, sum)
	}
	if passing := passingUnitReports(t, units); len(passing) != 0 {
		t.Errorf("verify whose verify-report.json could not be written left unit reports saying PASS: %v (exit error %v)", passing, err)
	}
	if !strings.Contains(err.Error(), "no unit report written") {
		t.Errorf("the error does not say the unit reports were not written: %v", err)
	}
}

// TestRefusedRunKeepsTheUnitReports: a run refused because another holds
// the target changed nothing, so it leaves the unit reports in DIR as
// they are (the run holding the target may be writing them).
func TestRefusedRunKeepsTheUnitReports(t *testing.T) {
	plan, src, tgt, dir, units := unitReportsFixture(t)
	ctx := context.Background()
	db, err := all.OpenTarget(ctx, tgt)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	locker, ok := db.(interface {
		Lock(context.Context, string) (func(context.Context) error, error)
	})
	if !ok {
		t.Fatalf("the SQLite target (%T) takes no lock", db)
	}
	unlock, err := locker.Lock(ctx, "regflytt_run") // plans' lockName
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unlock(context.Background()) }()
	_, err = plans.Run(ctx, plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "second"), Restart: true, UnitReports: units})
	if err == nil {
		t.Fatal("a run into a target another holds was not refused")
	}
	if passing := passingUnitReports(t, units); len(passing) != 4 {
		t.Errorf("after a refused run the unit reports are %v, want the first run's four", passing)
	}
}

// TestRunRefusesAnotherRunsPackageAsItsArchive: a fresh run whose archive
// directory holds an archive package another run wrote (a work directory
// used before for another target) is refused, saying so, and the package
// stays as it was.
func TestRunRefusesAnotherRunsPackageAsItsArchive(t *testing.T) {
	plan, src, _, dir, _ := unitReportsFixture(t)
	manifest := filepath.Join(dir, "first", "archive", "manifest-sha256.txt")
	before, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	other := "sqlite://" + filepath.Join(dir, "other.db")
	_, err = plans.Run(context.Background(), plan, plans.Options{SourceURL: src, TargetURL: other, WorkDir: filepath.Join(dir, "first")})
	if err == nil || !strings.Contains(err.Error(), "already holds an archive package another run wrote") {
		t.Fatalf("a run into another run's archive package: %v", err)
	}
	if after, err := os.ReadFile(manifest); err != nil || string(after) != string(before) {
		t.Errorf("the other run's package changed: %v", err)
	}
}

// TestVerifyKeepsTheUnitReportsOfARunHoldingTheTarget: verify
// --unit-reports DIR beside a run writing the same target and DIR
// removed the run's unit reports as it started, holding nothing: the run
// holds the target's run lock, and DIR is the run's while it does. verify
// is refused, naming the holder, and DIR stays as it is; without
// --unit-reports it reads beside the run as before.
func TestVerifyKeepsTheUnitReportsOfARunHoldingTheTarget(t *testing.T) {
	plan, src, tgt, dir, units := unitReportsFixture(t)
	ctx := context.Background()
	db, err := all.OpenTarget(ctx, tgt)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	unlock, err := db.(connectors.Locker).Lock(ctx, "regflytt_run") // plans' lockName
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unlock(context.Background()) }()
	work := filepath.Join(dir, "first")
	before := dirContents(t, units)
	_, err = plans.VerifyWith(ctx, plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}, plans.VerifyOptions{UnitReports: units})
	var le *plans.LockedError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "register test") {
		t.Errorf("verify --unit-reports while a run holds the target: %v, want it refused naming the run", err)
	}
	if after := dirContents(t, units); after != before {
		t.Errorf("verify --unit-reports beside a run changed DIR:\n%s\nwas:\n%s", after, before)
	}
	if sum, err := plans.VerifyWith(ctx, plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: work}, plans.VerifyOptions{}); err != nil || !sum.Pass {
		t.Errorf("verify without --unit-reports beside a run: %v", err)
	}
}

// dirContents gives the names and contents of the files in dir, in one
// text to compare.
func dirContents(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		c, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(e.Name() + "\n" + string(c) + "\n")
	}
	return b.String()
}

// TestVerifyWritesNoUnitReportsOverARunStartedMeanwhile: verify holds
// the run lock only to clear DIR and to write into it; a run that starts
// in between writes its own unit reports, of the target as it left it,
// and verify's, of what it read before, must not replace them.
func TestVerifyWritesNoUnitReportsOverARunStartedMeanwhile(t *testing.T) {
	plan, src, tgt, dir, units := unitReportsFixture(t)
	ctx := context.Background()
	var runErr error
	ran := false
	hook := func(s connectors.Source) connectors.Source {
		return &hookSource{Source: s, first: func() {
			if ran {
				return
			}
			ran = true
			var rep *verify.Report
			rep, runErr = plans.Run(ctx, plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "meanwhile"), Restart: true, UnitReports: units})
			if runErr == nil && !rep.Pass {
				runErr = errors.New("the run meanwhile did not pass")
			}
		}}
	}
	_, err := plans.VerifyWith(ctx, plan, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: filepath.Join(dir, "first"), WrapSource: hook}, plans.VerifyOptions{UnitReports: units})
	if !ran || runErr != nil {
		t.Fatalf("the run meanwhile: ran %v, %v", ran, runErr)
	}
	if err == nil || !strings.Contains(err.Error(), "no unit report written") || !strings.Contains(err.Error(), "since this verification began") {
		t.Errorf("verify with a run started meanwhile: %v, want it to write no unit report, saying why", err)
	}
	var ur verify.UnitReport
	b, rerr := os.ReadFile(filepath.Join(units, "unit-1.json"))
	if rerr != nil || json.Unmarshal(b, &ur) != nil {
		t.Fatalf("the run's unit report: %v", rerr)
	}
	meanwhile, rerr := os.ReadFile(filepath.Join(dir, "meanwhile", "report.json"))
	if rerr != nil {
		t.Fatal(rerr)
	}
	var rep verify.Report
	if err := json.Unmarshal(meanwhile, &rep); err != nil {
		t.Fatal(err)
	}
	if !ur.Finished.Equal(rep.Finished) {
		t.Errorf("unit-1.json finished %v, the run meanwhile %v: verify replaced the run's unit reports", ur.Finished, rep.Finished)
	}
}

// hookSource calls first as each snapshot of the source is opened.
type hookSource struct {
	connectors.Source
	first func()
}

func (h *hookSource) Snapshot(ctx context.Context) (connectors.Snapshot, error) {
	h.first()
	return h.Source.Snapshot(ctx)
}
