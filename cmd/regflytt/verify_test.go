package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/verify"
)

// The demo ends with verify; verify on its own exits 0 on the untouched
// migration and 3 once a receiving row is gone, naming its key.
func TestVerifyCommandExitCodes(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	code, out, errs := cli(t, "demo", "--work", work, "--patients", "30")
	if code != exitOK || !strings.Contains(out, "verification report: ") {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	for _, name := range []string{verify.JSONFile, verify.HTMLFile, "report.json"} {
		if _, err := os.Stat(filepath.Join(work, name)); err != nil {
			t.Fatalf("the demo left no %s: %v", name, err)
		}
	}
	args := []string{"verify", "testdata/plans/demo.yaml", "--work", work,
		"--source", "sqlite://" + filepath.Join(work, "legacy.db"), "--target", "sqlite://" + filepath.Join(work, "receiving.db")}
	if code, out, errs := cli(t, args...); code != exitOK {
		t.Fatalf("verify of the untouched demo: exit %d\n%s\n%s", code, out, errs)
	}
	// --json prints the summary as one JSON document.
	code, out, errs = cli(t, append(args, "--json")...)
	var sum verify.Summary
	if err := json.Unmarshal([]byte(out), &sum); code != exitOK || err != nil || !sum.Pass || sum.SchemaVersion != verify.SchemaVersion {
		t.Fatalf("verify --json: exit %d, %v\n%s\n%s", code, err, out, errs)
	}
	db, err := sql.Open("sqlite", filepath.Join(work, "receiving.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM visit WHERE visit_id = (SELECT min(visit_id) FROM visit)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, errs = cli(t, args...)
	if code != exitNotAccounted || !strings.Contains(out, "expected from the source, missing in the target") || !strings.Contains(out, "FAIL") {
		t.Fatalf("verify of a target missing a row: exit %d\n%s\n%s", code, out, errs)
	}
}
