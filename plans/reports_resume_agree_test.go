package plans_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/regflytt/regflytt/plans"
	"github.com/regflytt/regflytt/plans/synth"
	"github.com/regflytt/regflytt/verify"
)

// comparableReport is a run's report.json without what differs between
// two runs of one plan (times, directories): every count, per table,
// unit, control group and list, the checks and the verdict.
func comparableReport(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep verify.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	rep.Started, rep.Finished, rep.Seconds, rep.RowsPerSecond, rep.Archive.Dir = time.Time{}, time.Time{}, 0, 0, ""
	out, err := json.MarshalIndent(rep, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`"(source|target)": "[^"]*"`).ReplaceAllString(string(out), "")
}

// A run stopped several times and resumed, with one job and with two,
// writes the report.json and unit reports an uninterrupted run of the
// same plan writes: no part of the ledger (per unit, per reason, per
// control group, the values' counts, the lists, the access proof) is
// counted twice or lost across a resume. The form store (with its
// opt-out list), the merged sub-registers and the demo (parent links,
// access).
func TestResumedRunReportsWhatACleanRunReports(t *testing.T) {
	cases := []struct {
		name, plan string
		platform   synth.Platform
		batch      int
	}{
		{"eav", "../testdata/plans/eav.yaml", synth.EAV, 8},
		{"mainsub", "../testdata/plans/mainsub.yaml", synth.MainSub, 30},
		{"demo", demoPlan, "", 40},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var src string
			if c.platform == "" {
				src, _ = makeDemoSQLite(t, dir, 300)
			} else {
				src = makeSynthSQLite(t, dir, c.platform, 250)
			}
			t.Setenv("REGFLYTT_PSEUDONYM_KEY", "report tests: not a real key")
			p := loadPlan(t, c.plan)
			p.BatchSize = c.batch
			resumedReportsAgree(t, p, src, dir)
		})
	}
}

func resumedReportsAgree(t *testing.T, p *plans.Plan, src, dir string) {
	clean := filepath.Join(dir, "clean")
	if _, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "clean.db"),
		WorkDir: clean, UnitReports: filepath.Join(clean, "units")}); err != nil {
		t.Fatal(err)
	}
	want := comparableReport(t, filepath.Join(clean, "report.json"))
	wantUnits, _ := filepath.Glob(filepath.Join(clean, "units", "*.json"))
	if len(wantUnits) == 0 {
		t.Fatal("the clean run wrote no unit report: the test would prove nothing")
	}

	for _, jobs := range []int{1, 2} {
		name := filepath.Join(dir, "resumed"+string(rune('0'+jobs)))
		tgt := "sqlite://" + name + ".db"
		stops, finished := 0, false
		for _, n := range []int{2, 9, 4, 13, 6} {
			s := &stopAfter{n: n, stop: make(chan struct{})}
			rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, WorkDir: name, Stop: s.stop, Progress: s, Jobs: jobs,
				UnitReports: filepath.Join(name, "units")})
			if err == nil {
				finished = true
				break
			}
			if !errors.Is(err, plans.ErrInterrupted) {
				t.Fatalf("jobs %d, stop %d: %v %v", jobs, stops, err, rep)
			}
			stops++
		}
		if stops < 3 {
			t.Fatalf("jobs %d: the run was stopped %d times, want at least 3", jobs, stops)
		}
		if !finished {
			if rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: tgt, Jobs: jobs, UnitReports: filepath.Join(name, "units")}); err != nil {
				t.Fatalf("jobs %d, after %d stops: %v %v", jobs, stops, err, rep)
			}
		}
		if got := comparableReport(t, filepath.Join(name, "report.json")); got != want {
			t.Errorf("jobs %d: the resumed run's report.json differs from the clean run's:\n got %s\nwant %s", jobs, got, want)
		}
		for _, w := range wantUnits {
			wb, _ := os.ReadFile(w)
			gb, err := os.ReadFile(filepath.Join(name, "units", filepath.Base(w)))
			if err != nil {
				t.Errorf("jobs %d: %v", jobs, err)
				continue
			}
			strip := regexp.MustCompile(`"finished": "[^"]*"`)
			if g, c := strip.ReplaceAllString(string(gb), ""), strip.ReplaceAllString(string(wb), ""); g != c {
				t.Errorf("jobs %d: %s after resuming:\n%s\nclean:\n%s", jobs, filepath.Base(w), g, c)
			}
		}
	}
}
