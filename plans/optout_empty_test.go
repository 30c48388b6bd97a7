package plans_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans"
)

// An opt-out list file that names nobody is what a failed export leaves
// (an empty file, a header, a byte-order mark): a run that reads it
// excludes no one and PASSes, and every patient who opted out migrates.
// plan check refuses it (P013) naming the file and the none: form that
// states the register truly has no opt-outs; a run refuses it too, since
// the file may have changed since the check. So with the erasure list.
func TestEmptyListFileIsRefused(t *testing.T) {
	empties := map[string]string{
		"empty":             "",
		"comments only":     "# opted out, exported 2026-12-01\n# none\n",
		"blank lines":       "\n  \n\r\n",
		"byte-order mark":   "\ufeff",
		"mark and comment":  "\ufeff# personnr\r\n\r\n",
		"a header only":     "personnr\n",
		"a header, a blank": "personnummer;namn\n\n",
	}
	for _, list := range []string{"optout", "erasure"} {
		for name, text := range empties {
			t.Run(list+"/"+name, func(t *testing.T) {
				dir := t.TempDir()
				srcURL := writeOptOutRegistry(t, dir)
				write(t, filepath.Join(dir, list+".txt"), text)
				extra := "optout: {file: optout.txt, unmatched: {acknowledged: 1, reason: never reported}}\nerasure: {file: erasure.txt}\n"
				if list == "optout" {
					extra = "optout: {file: optout.txt}\nerasure: {file: erasure.txt}\n"
				}
				plan := writePlan(t, dir, `run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
unmapped_tables: {anteckning: "notes on the platform itself, no patient data"}
`+extra)
				p, ds := plans.Check(plan)
				got := ds.Error()
				for _, want := range []string{"P013", list + ".txt"} {
					if !strings.Contains(got, want) {
						t.Errorf("plan check: %q lacks %q", got, want)
					}
				}
				if list == "optout" && !strings.Contains(got, "optout: {none:") {
					t.Errorf("plan check: %q does not say how to state there are no opt-outs", got)
				}
				p, lds := plans.Load(plan)
				if err := lds.Err(); err != nil {
					t.Fatal(err)
				}
				work := t.TempDir()
				rep, err := plans.Run(context.Background(), p, plans.Options{SourceURL: srcURL, TargetURL: "sqlite://" + filepath.Join(work, "t.db"), WorkDir: work})
				if err == nil || (rep != nil && rep.Pass) {
					t.Fatalf("run of a plan whose %s list names nobody: %v, pass %v; want it refused", list, err, rep != nil && rep.Pass)
				}
				if !strings.Contains(err.Error(), list+".txt") {
					t.Errorf("run: %v does not name the file", err)
				}
			})
		}
	}
}

// A list file plan check cannot read (a registry holder reviewing the
// plan without the list, which is personal data) is a warning there; the
// run refuses it.
func TestMissingListFileWarnsAtPlanCheck(t *testing.T) {
	dir := t.TempDir()
	writeOptOutRegistry(t, dir)
	if err := os.Remove(filepath.Join(dir, "optout.txt")); err != nil {
		t.Fatal(err)
	}
	plan := writePlan(t, dir, `run: {reference_date: 2026-01-01}
pseudonymisation: {key_env: REGFLYTT_TEST_OPTOUT_KEY}
unmapped_tables: {anteckning: "notes on the platform itself, no patient data"}
optout: {file: optout.txt}
`)
	_, ds := plans.Check(plan)
	warned := false
	for _, d := range ds {
		warned = warned || d.Code == "P013" && strings.Contains(d.Message, "optout.txt")
	}
	if ds.Err() != nil || !warned {
		t.Fatalf("plan check of a plan whose list file is absent: %v, want only a P013 warning", ds)
	}
}
