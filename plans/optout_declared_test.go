package plans_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// A plan that names no opt-out list migrates every patient who opted out
// under PASS: nothing in the run can tell. regflytt cannot know a list
// was forgotten, but it can refuse to be silent about it: plan check warns
// (P012), run warns, and the verification report notes that no one could
// have been excluded. optout: {none: reason} makes it a stated decision.
func TestPlanWithoutOptOutListIsNotSilent(t *testing.T) {
	t.Parallel()
	withoutList := func(s string) string {
		i := strings.Index(s, "optout: {none:")
		if i < 0 {
			t.Fatal("the demo plan has no optout: {none: …} to take out")
		}
		j := strings.Index(s[i:], "\n")
		return s[:i] + s[i+j+1:]
	}
	cases := []struct {
		name     string
		edit     func(string) string
		warned   bool
		note     string
		noteMiss string
	}{
		{"no list and no reason", withoutList, true, "the plan names no opt-out list: no record was excluded for an opt-out", ""},
		{"none with its reason", func(s string) string {
			return strings.Replace(s, "keeps no list of patients who opted out", "keeps no list of patients who opted out (checked)", 1)
		}, false, "the plan has no opt-out list: the synthetic demo registry keeps no list", "names no opt-out list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeDemoPlan(t, map[string]func(string) string{"plan.yaml": tc.edit})
			p, ds := plans.Check(path)
			if err := ds.Err(); err != nil {
				t.Fatal(err)
			}
			p012 := false
			for _, d := range ds {
				p012 = p012 || d.Code == "P012"
			}
			if p012 != tc.warned {
				t.Errorf("plan check: P012 %v, want %v (%v)", p012, tc.warned, ds)
			}
			dir := t.TempDir()
			src, _ := makeDemoSQLite(t, dir, 40)
			var log bytes.Buffer
			rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir,
				Logger: slog.New(slog.NewTextHandler(&log, nil))})
			if err != nil || rep == nil || !rep.Pass {
				t.Fatalf("run: %v", err)
			}
			if got := strings.Contains(log.String(), "the plan names no opt-out list"); got != tc.warned {
				t.Errorf("run warned %v, want %v:\n%s", got, tc.warned, log.String())
			}
			sum, err := plans.Verify(context.Background(), p, plans.Options{SourceURL: src, TargetURL: "sqlite://" + filepath.Join(dir, "receiving.db"), WorkDir: dir})
			if err != nil || sum == nil || !sum.Pass {
				t.Fatalf("verify: %v", err)
			}
			notes := strings.Join(sum.Notes, "\n")
			if !strings.Contains(notes, tc.note) {
				t.Errorf("verification notes lack %q:\n%s", tc.note, notes)
			}
			if tc.noteMiss != "" && strings.Contains(notes, tc.noteMiss) {
				t.Errorf("verification notes hold %q:\n%s", tc.noteMiss, notes)
			}
		})
	}
}

func TestOptOutNoneTakesNothingElse(t *testing.T) {
	cases := map[string]string{
		"none and a table":    "optout: {none: no list, table: spärr, column: personnr}\n",
		"an empty reason":     "optout: {none: ''}\n",
		"none for an erasure": "erasure: {none: nobody asked}\n",
		"none and unmatched":  "optout: {none: no list, unmatched: {acknowledged: 1, reason: x}}\n",
		"an empty file":       "optout: {file: ''}\n",
		"an empty column":     "erasure: {table: radering, column: ' '}\n",
	}
	for name, yaml := range cases {
		t.Run(name, func(t *testing.T) {
			path := writePlan(t, t.TempDir(), yaml)
			_, ds := plans.Load(path)
			found := false
			for _, d := range ds {
				found = found || d.Code == "P007"
			}
			if !found || ds.Err() == nil {
				t.Errorf("no P007 error: %v", ds)
			}
		})
	}
}
