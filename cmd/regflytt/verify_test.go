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

// A verification that FAILs exits 3 even when its reports cannot be
// written, and no earlier verification's PASS is left in the work
// directory to stand for it (portfolio status and plan render read
// verify-report.json as the register's verification).
func TestVerifyFailStandsWhenItsReportsCannotBeWritten(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--work", work, "--patients", "30"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	db, err := sql.Open("sqlite", filepath.Join(work, "receiving.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM visit WHERE visit_id = (SELECT min(visit_id) FROM visit)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	args := []string{"verify", "testdata/plans/demo.yaml", "--work", work,
		"--source", "sqlite://" + filepath.Join(work, "legacy.db"), "--target", "sqlite://" + filepath.Join(work, "receiving.db")}
	notAFolder := filepath.Join(t.TempDir(), "units")
	if err := os.WriteFile(notAFolder, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	passLeft := func(when string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(work, verify.JSONFile))
		if err != nil {
			return // none left: nothing claims PASS
		}
		var sum verify.Summary
		if err := json.Unmarshal(b, &sum); err == nil && sum.Pass {
			t.Errorf("%s: %s still says PASS", when, verify.JSONFile)
		}
	}
	code, out, errs := cli(t, append(args, "--unit-reports", notAFolder)...)
	if code != exitNotAccounted || !strings.Contains(errs, notAFolder) {
		t.Errorf("verify FAIL with --unit-reports not a directory: exit %d, want %d and the directory named\n%s\n%s", code, exitNotAccounted, out, errs)
	}
	passLeft("unit reports not written")

	// The verdict's own files: one of them a directory, so it cannot be
	// written, whichever is written first.
	for _, name := range []string{verify.HTMLFile, verify.JSONFile} {
		// An earlier verification's PASS, as the demo left it.
		if code, out, errs := cli(t, "demo", "--work", work, "--patients", "30"); code != exitOK {
			t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
		}
		db, err := sql.Open("sqlite", filepath.Join(work, "receiving.db"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("DELETE FROM visit WHERE visit_id = (SELECT min(visit_id) FROM visit)"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if err := os.Remove(filepath.Join(work, name)); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(work, name, "x"), 0o750); err != nil {
			t.Fatal(err)
		}
		code, out, errs := cli(t, args...)
		if code != exitNotAccounted || !strings.Contains(errs, name) {
			t.Errorf("verify FAIL with %s a directory: exit %d, want %d and the file named\n%s\n%s", name, code, exitNotAccounted, out, errs)
		}
		passLeft(name + " not written")
	}
}

// verify --work naming no directory (a typo) is an error, not a FAIL:
// it verified against the missing package, exited 3 as if records were
// lost (a script may roll a migration back on 3) and made the directory
// to hold its reports.
func TestVerifyWorkThatIsNotThere(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--work", work, "--patients", "30", "--quiet"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
	typo := filepath.Join(t.TempDir(), "dmeo")
	code, out, errs := cli(t, "verify", filepath.Join(work, "plan.yaml"), "--work", typo,
		"--source", "sqlite://"+filepath.Join(work, "legacy.db"), "--target", "sqlite://"+filepath.Join(work, "receiving.db"))
	if code != exitError || !strings.Contains(errs, typo) {
		t.Errorf("verify --work of no directory: exit %d, want %d naming it\n%s%s", code, exitError, out, errs)
	}
	if _, err := os.Stat(typo); err == nil {
		t.Errorf("verify made the directory %s", typo)
	}
}
