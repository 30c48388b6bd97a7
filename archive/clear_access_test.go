package archive

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/regflytt/regflytt/connectors"
)

// killChildEnv makes the test binary, run again by killedAfterClearCopy,
// the child that is killed once its clear copy is written.
const killChildEnv = "REGFLYTT_TEST_KILL_AFTER_CLEAR_COPY"

// openForTest opens the sealed package into dir as archive decrypt
// does, logging the access.
func openForTest(ctx context.Context, sealed, dir string, id age.Identity) error {
	_, err := DecryptLogged(ctx, sealed, dir, Opening{Who: "anna", Purpose: "audit", At: created}, id)
	return err
}

// TestKilledChild is the child killedAfterClearCopy runs: it opens the
// sealed package named in its environment and kills itself (SIGKILL, no
// deferred call runs) the moment the clear copy is written. Run alone,
// it does nothing.
func TestKilledChild(t *testing.T) {
	what := os.Getenv(killChildEnv)
	if what == "" {
		t.Skip("run by killedAfterClearCopy")
	}
	key, err := os.ReadFile(os.Getenv(killChildEnv + "_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(key)))
	if err != nil {
		t.Fatal(err)
	}
	afterClearCopy = func(string) {
		p, _ := os.FindProcess(os.Getpid())
		p.Kill()
		select {}
	}
	sealed, dir := os.Getenv(killChildEnv+"_SEALED"), os.Getenv(killChildEnv+"_DIR")
	switch what {
	case "decrypt":
		err = openForTest(context.Background(), sealed, dir, id)
	case "verify":
		_, err = VerifySealed(context.Background(), sealed, []age.Identity{id}, Opening{Who: "anna", At: created}, nil)
	}
	t.Fatalf("not killed: %v", err)
}

// killedAfterClearCopy seals a package to a new key and runs the test
// binary again as a child that opens it (what: "decrypt" into dir) and
// is killed outright once its clear copy is written, as a power cut or
// SIGKILL would stop it. It gives the sealed package.
func killedAfterClearCopy(t *testing.T, what, dir string) string {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	sealed := filepath.Join(t.TempDir(), "pkg.tar.age")
	if _, err := Encrypt(writePackage(t), sealed, id.Recipient()); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(keyFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), killChildEnv+"="+what, killChildEnv+"_KEY="+keyFile,
		killChildEnv+"_SEALED="+sealed, killChildEnv+"_DIR="+dir)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ProcessState.Exited() {
		t.Fatalf("the child was not killed: %v\n%s", err, out)
	}
	return sealed
}

// archive decrypt wrote the clear copy, then logged the decryption
// beside the sealed package: a process killed between the two (SIGKILL,
// a power cut) left a clear copy holding every record whose opening no
// log held, an access no auditor could see (PDL). The access is logged
// before the first clear byte is written: every clear copy that exists
// has its entry, naming it.
func TestDecryptKilledAfterItsClearCopyIsWritten(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "opened")
	sealed := killedAfterClearCopy(t, "decrypt", dir)
	if _, err := os.Stat(filepath.Join(dir, eventsName)); err != nil {
		t.Fatalf("the killed decryption left no clear copy (%v): the test does not kill where it should", err)
	}
	logged, err := readAccessLogFile(AccessLogPath(sealed))
	if err != nil {
		t.Fatal(err)
	}
	var named bool
	for _, e := range logged {
		named = named || (e.Who == "anna" && e.Purpose == "audit" && strings.Contains(e.Note, connectors.MaskIdentityNumbers(dir)))
	}
	if !named {
		t.Fatalf("a clear copy %s is left, and the access log beside the sealed package does not name it: %+v", dir, logged)
	}
	// archive log lists it as an opening not finished.
	got, _, err := SealedLoggedAccesses(sealed)
	if err != nil || len(got) != 1 || got[0].Event != EventOpening {
		t.Errorf("SealedLoggedAccesses: %+v (%v), want the opening, not finished", got, err)
	}
}

// A decryption that ends well logs its opening before the copy and its
// end after, read as one access; one stopped once its copy is written
// (Ctrl-C) removes the copy and logs that it did.
func TestDecryptLogsItsOpeningAndItsEnd(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	sealed := filepath.Join(t.TempDir(), "pkg.tar.age")
	if _, err := Encrypt(writePackage(t), sealed, id.Recipient()); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "utdrag-19121212-1212")
	if _, err := DecryptLogged(context.Background(), sealed, dir, Opening{Who: "anna", Purpose: "audit", At: created}, id); err != nil {
		t.Fatal(err)
	}
	logged, _ := readAccessLogFile(AccessLogPath(sealed))
	if len(logged) != 2 || logged[0].Event != EventOpening || logged[1].Event != "decrypted" || logged[1].Count["records"] != 3 {
		t.Fatalf("the access log after a decryption: %+v, want its opening and its end (3 records)", logged)
	}
	got, _, _ := SealedLoggedAccesses(sealed)
	if len(got) != 1 || got[0].Event != "decrypted" {
		t.Errorf("read: %+v, want one decryption", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	afterClearCopy = func(string) { cancel() }
	t.Cleanup(func() { afterClearCopy = nil })
	stopped := filepath.Join(t.TempDir(), "stopped")
	if _, err := DecryptLogged(ctx, sealed, stopped, Opening{Who: "bo", Purpose: "audit", At: created}, id); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped: %v, want context.Canceled", err)
	}
	if _, err := os.Stat(stopped); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stopped decryption left its copy (%v)", err)
	}
	got, _, _ = SealedLoggedAccesses(sealed)
	if len(got) != 2 || got[1].Event != EventClearRemoved || got[1].Who != "bo" || !strings.Contains(got[1].Note, "removed") {
		t.Errorf("read after a stopped decryption: %+v, want its opening ended, the copy removed", got)
	}
	b, _ := os.ReadFile(AccessLogPath(sealed))
	if strings.Contains(string(b), "19121212-1212") || strings.Contains(string(b), "-1212") {
		t.Errorf("the access log holds the number the copy is named after:\n%s", b)
	}
}

// archive verify PKG.tar.age --identity opened the package into a clear
// copy beside it and logged nothing: a verification killed outright left
// every record in clear, and no log said who had opened it, or why. Its
// opening is logged before the first clear byte (purpose "verify"), and
// its end once the copy is removed.
func TestVerifySealedLogsItsClearCopy(t *testing.T) {
	sealed := killedAfterClearCopy(t, "verify", "")
	left := SealedVerifyLeftovers(sealed)
	if len(left) != 1 {
		t.Fatalf("the killed verification left %v, want its clear copy", left)
	}
	got, _, err := SealedLoggedAccesses(sealed)
	if err != nil || len(got) != 1 || got[0].Event != EventOpening || got[0].Purpose != "verify" || got[0].Who != "anna" ||
		!strings.Contains(got[0].Note, connectors.MaskIdentityNumbers(left[0])) {
		t.Fatalf("after a killed verification: %+v (%v), want its opening naming %s, not finished", got, err, left[0])
	}
	os.RemoveAll(left[0])

	id, _ := age.GenerateX25519Identity()
	sealed = filepath.Join(t.TempDir(), "pkg.tar.age")
	if _, err := Encrypt(writePackage(t), sealed, id.Recipient()); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifySealed(context.Background(), sealed, []age.Identity{id}, Opening{Who: "anna", At: created}, nil); err != nil {
		t.Fatal(err)
	}
	got, _, err = SealedLoggedAccesses(sealed)
	if err != nil || len(got) != 1 || got[0].Event != EventClearRemoved || got[0].Purpose != "verify" || got[0].Count["records"] != 3 {
		t.Errorf("after a verification: %+v (%v), want its clear copy removed, 3 records read", got, err)
	}
}

// A clear copy its opener removes (archive erase's, OpenLogged) is
// logged opened before its first clear byte and removed once it is
// gone, with what was made of it beside it (an erasure's versions of
// it), read as one access ending with the copy removed.
func TestOpenLoggedRemoveLogsTheCopyGone(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	sealed := filepath.Join(t.TempDir(), "pkg.tar.age")
	if _, err := Encrypt(writePackage(t), sealed, id.Recipient()); err != nil {
		t.Fatal(err)
	}
	clear, _ := SealedErasePaths(sealed)
	c, err := OpenLogged(context.Background(), sealed, clear, Opening{Who: "anna", Purpose: "erase, reference Dnr 1", At: created}, id)
	if err != nil {
		t.Fatal(err)
	}
	if logged, _ := readAccessLogFile(AccessLogPath(sealed)); len(logged) != 1 || logged[0].Event != EventOpening {
		t.Fatalf("once the copy is open: %+v, want its opening", logged)
	}
	beside := clear + ".erase-new"
	if err := os.Mkdir(beside, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove("erased", beside); err != nil {
		t.Fatal(err)
	}
	if left := SealedEraseLeftovers(sealed); len(left) != 0 {
		t.Errorf("left beside the sealed package: %v", left)
	}
	got, _, err := SealedLoggedAccesses(sealed)
	if err != nil || len(got) != 1 || got[0].Event != EventClearRemoved || got[0].Purpose != "erase, reference Dnr 1" ||
		!strings.Contains(got[0].Note, "erased; the clear copy removed") || got[0].Count["records"] != 3 {
		t.Errorf("after the copy is removed: %+v (%v), want one access, its copy removed, 3 records", got, err)
	}
}
