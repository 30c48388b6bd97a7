// Package plantest gives the tests of plans and of its subpackages
// (faulttest, resiliencetest, verifytest) the fixtures they share:
// DemoCopy on the standard library only; the run digests, report reads
// and the built command (results.go) on the connectors and the archive
// reader; the small legacy databases, schemas, mappings and plans a test
// writes into a temporary folder and the statements run behind a run's
// back (fixtures.go), the demo registry's source, plan and report check
// (demo.go) and the in-process runs a test interferes with (runs.go) on
// plans itself, which is why no internal test of plans may use this
// package.
package plantest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// DemoCopy writes the repository's testdata/plans/demo.yaml, with each
// old replaced by new (edits are old, new pairs), into a fresh directory,
// its relative paths made absolute, and returns its path. testdata is the
// repository's testdata folder relative to the calling test's package.
func DemoCopy(t testing.TB, testdata string, edits ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, "plans", "demo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs(testdata)
	if err != nil {
		t.Fatal(err)
	}
	// ../../ reaches the repository (the embedded demo's schema and
	// mapping), ../ testdata.
	text := strings.ReplaceAll(string(b), "../../", filepath.Dir(root)+"/")
	text = strings.ReplaceAll(text, "\n  - ../", "\n  - "+root+"/")
	text = strings.ReplaceAll(text, " ../", " "+root+"/")
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("demo plan lacks %q", edits[i])
		}
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// CopyDemoPlan copies the demo plan's files (plan, portfolio, schema,
// mapping: demo/*.yaml of the plans package; demoDir is that folder
// relative to the calling test's package) into dir with batches of
// batch rows, so that a run of a few thousand patients has many commit
// units, and returns dir.
func CopyDemoPlan(t testing.TB, demoDir, dir string, batch int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(demoDir, "*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("the demo plan's files: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if filepath.Base(f) == "plan.yaml" {
			if !strings.Contains(s, "batch_size: 5000") {
				t.Fatal("the demo plan no longer says batch_size: 5000")
			}
			s = strings.Replace(s, "batch_size: 5000", "batch_size: "+strconv.Itoa(batch), 1)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
