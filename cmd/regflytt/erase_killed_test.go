package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// killedEraseEnv makes the test binary, run again by
// TestArchiveEraseSealedKilledLogsItsClearCopy, the child whose erasure
// is killed once its clear copy is written.
const killedEraseEnv = "REGFLYTT_TEST_KILLED_ERASE"

// TestKilledEraseChild is the child: it erases the sealed package its
// environment names and kills itself (SIGKILL, no deferred call runs)
// once the clear copy is written, as the erasure begins. Run alone, it
// does nothing.
func TestKilledEraseChild(t *testing.T) {
	sealed := os.Getenv(killedEraseEnv)
	if sealed == "" {
		t.Skip("run by TestArchiveEraseSealedKilledLogsItsClearCopy")
	}
	eraseArchive = func(context.Context, string, archive.EraseRequest) (*archive.EraseResult, error) {
		p, _ := os.FindProcess(os.Getpid())
		p.Kill()
		select {}
	}
	code, out, errs := cli(t, "archive", "erase", sealed, "--person-list", os.Getenv(killedEraseEnv+"_LIST"), "--reference", "Dnr 15",
		"--identity", os.Getenv(killedEraseEnv+"_ID"), "--recipient", os.Getenv(killedEraseEnv+"_RECIPIENT"))
	t.Fatalf("not killed: exit %d\n%s\n%s", code, out, errs)
}

// archive erase of a sealed package opened it into a clear copy beside
// it (PKG.tar.age.erase-clear) with nothing logged: an erasure killed
// outright (SIGKILL, a power cut) left every record in clear, and the
// access log beside the sealed package, where an auditor reads who
// opened it (archive log), named nothing. Its opening is logged before
// the first clear byte (purpose: the erasure and its reference), and
// archive log shows the one a killed erasure left as started, NOT
// finished, naming the copy; an erasure that ends logs the copy's
// removal.
func TestArchiveEraseSealedKilledLogsItsClearCopy(t *testing.T) {
	sealed, idFile, recipient := sealedBeside(t)
	// In a folder named after a person (a clerk's request): the copy is
	// named masked.
	moved := filepath.Join(t.TempDir(), "utdrag-19121212-1212", filepath.Base(sealed))
	if err := os.Mkdir(filepath.Dir(moved), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", ".sha512"} {
		if err := os.Rename(sealed+suffix, moved+suffix); err != nil {
			t.Fatal(err)
		}
	}
	sealed = moved
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledEraseChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killedEraseEnv+"="+sealed, killedEraseEnv+"_LIST="+personListFile(t, "19121212-1212"),
		killedEraseEnv+"_ID="+idFile, killedEraseEnv+"_RECIPIENT="+recipient)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ProcessState.Exited() {
		t.Fatalf("the child was not killed: %v\n%s", err, out)
	}
	clear, _ := archive.SealedErasePaths(sealed)
	if _, err := os.Stat(filepath.Join(clear, "data")); err != nil {
		t.Fatalf("the killed erasure left no clear copy (%v): the test does not kill where it should", err)
	}
	got, _, err := archive.SealedLoggedAccesses(sealed)
	if err != nil || len(got) != 1 || got[0].Event != archive.EventOpening || !strings.Contains(got[0].Purpose, "Dnr 15") ||
		!strings.Contains(got[0].Note, connectors.MaskIdentityNumbers(clear)) {
		t.Fatalf("a killed erasure left its clear copy %s, and the access log beside the sealed package: %+v (%v), want its opening naming it, not finished", clear, got, err)
	}
	code, stdout, errs := cli(t, "archive", "log", sealed, "--identity", idFile)
	if code != exitOK || !strings.Contains(stdout, "1 accesses") || !strings.Contains(stdout, "NOT finished") || !strings.Contains(stdout, filepath.Base(clear)) ||
		!strings.Contains(stdout, "Dnr 15") || !strings.Contains(errs, "1 opening(s) in clear") {
		t.Errorf("archive log after a killed erasure: exit %d, want its opening NOT finished, naming %s, and a warning\n%s\n%s", code, clear, stdout, errs)
	}
	// The access log and the entry archive log prints name the copy
	// masked (the header and the warning repeat the path given).
	b, _ := os.ReadFile(archive.AccessLogPath(sealed))
	for _, text := range append([]string{string(b)}, strings.Split(stdout, "\n")[1:]...) {
		if strings.Contains(text, "-1212") {
			t.Errorf("an identity number in the access log or an entry archive log prints: %s", text)
		}
	}

	// Removed by hand, the erasure runs, and logs its copy's removal.
	os.RemoveAll(clear)
	if code, out, errs := cli(t, "archive", "erase", sealed, "--person-list", personListFile(t, "19121212-1212"), "--reference", "Dnr 15",
		"--identity", idFile, "--recipient", recipient); code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	got, _, err = archive.SealedLoggedAccesses(sealed)
	if err != nil || len(got) != 2 || got[1].Event != archive.EventClearRemoved || !strings.Contains(got[1].Purpose, "Dnr 15") ||
		!strings.Contains(got[1].Note, "removed") || got[1].Count["records"] != 2 {
		t.Errorf("after an erasure: %+v (%v), want the killed one's opening, then this one's copy removed, 2 records opened", got, err)
	}
}
