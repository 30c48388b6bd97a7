package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// treeDigest hashes every file's path and bytes under dir, to tell a
// package left as it was from one changed.
func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h.Write([]byte(rel + "\x00"))
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h.Write(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sealedBeside seals a package of two patients (the first listed) into
// a folder of its own as archive.tar.age, and gives the sealed file and
// the identity and recipient that open and seal it.
func sealedBeside(t *testing.T) (sealed, idFile, recipient string) {
	t.Helper()
	sealed, idFile, id := sealedPackage(t)
	return sealed, idFile, id.Recipient().String()
}

// namesBeside lists the names in the folder holding path.
func namesBeside(t *testing.T, path string) string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// A sealed package opened earlier beside itself (archive decrypt --to
// DIR) leaves a clear copy that holds the person too: erasing the sealed
// package said it was done, exit 0, while the copy beside it still held
// the person's record. The erasure is refused, naming the copy, nothing
// changed; once the copy is erased under the same reference, the sealed
// package is erased and the copy named as erased too.
func TestArchiveEraseSealedWithAClearCopyBeside(t *testing.T) {
	sealed, idFile, recipient := sealedBeside(t)
	clearCopy := filepath.Join(filepath.Dir(sealed), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", clearCopy); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	before, _ := os.ReadFile(sealed)
	copyBefore := treeDigest(t, clearCopy)
	list := personListFile(t, "19121212-1212")
	erase := func(pkg string, more ...string) (int, string, string) {
		return cli(t, append([]string{"archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 41"}, more...)...)
	}
	code, out, errs := erase(sealed, "--identity", idFile, "--recipient", recipient)
	if code != exitError || !strings.Contains(errs, clearCopy) {
		t.Fatalf("erasing a sealed package with a clear copy beside it: exit %d, want %d naming the copy\n%s\n%s", code, exitError, out, errs)
	}
	if shown := strings.ReplaceAll(out+errs, filepath.Dir(sealed), "DIR"); strings.Contains(shown, "1212") {
		t.Errorf("the refusal shows a part of the number:\n%s\n%s", out, errs)
	}
	if after, _ := os.ReadFile(sealed); string(after) != string(before) {
		t.Error("the refusal changed the sealed package")
	}
	if treeDigest(t, clearCopy) != copyBefore {
		t.Error("the refusal changed the clear copy")
	}
	// The access log beside it keeps the decryption that made the copy.
	if names := namesBeside(t, sealed); names != "archive.tar.age archive.tar.age.access.jsonl archive.tar.age.sha512 opened" {
		t.Errorf("beside the sealed package: %s, want it, its access log, its checksum and the copy", names)
	}

	if code, out, errs := erase(clearCopy); code != exitOK {
		t.Fatalf("erase the clear copy: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = erase(sealed, "--identity", idFile, "--recipient", recipient)
	if code != exitOK {
		t.Fatalf("erase the sealed package once its copy is erased: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, clearCopy) {
		t.Errorf("the report does not name the clear copy erased under the same reference:\n%s", out)
	}
	opened := filepath.Join(t.TempDir(), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", opened); code != exitOK {
		t.Fatalf("decrypt the new version: exit %d\n%s\n%s", code, out, errs)
	}
	wantOnlyLeft(t, opened, "2")
	wantOnlyLeft(t, clearCopy, "2")
}

// An erasure of a sealed package that fails once its clear working copy
// is being replaced (archive.Erase left PKG.tar.age.erase-clear.erase-new
// and .erase-old, in clear, the old one holding the person) removed only
// the working copy itself: the two others stayed beside the sealed
// package, in clear. Every clear copy the erasure made is removed, and
// the sealed package stays as it was.
func TestArchiveEraseSealedFailureLeavesNothingInClear(t *testing.T) {
	sealed, idFile, recipient := sealedBeside(t)
	before, _ := os.ReadFile(sealed)
	eraseArchive = func(ctx context.Context, dir string, req archive.EraseRequest) (*archive.EraseResult, error) {
		for _, to := range []string{dir + ".erase-new", dir + ".erase-old"} {
			if err := exec.Command("cp", "-r", dir, to).Run(); err != nil {
				t.Fatal(err)
			}
		}
		return nil, errors.New("erase: NOT done: injected failure")
	}
	t.Cleanup(func() { eraseArchive = archive.Erase })
	code, out, errs := cli(t, "archive", "erase", sealed, "--person-list", personListFile(t, "19121212-1212"), "--reference", "Dnr 42",
		"--identity", idFile, "--recipient", recipient)
	if code != exitError {
		t.Fatalf("a failed erasure: exit %d, want %d\n%s\n%s", code, exitError, out, errs)
	}
	if names := namesBeside(t, sealed); names != "archive.tar.age archive.tar.age.access.jsonl archive.tar.age.sha512" {
		t.Errorf("beside the sealed package after a failed erasure: %s, want only it, its access log and its checksum (no clear copy)", names)
	}
	wantClearCopyRemoved(t, sealed, "nothing erased")
	if after, _ := os.ReadFile(sealed); string(after) != string(before) {
		t.Error("the failed erasure changed the sealed package")
	}
}

// Erasing the folder a run sealed (archive.tar.age beside archive, the
// sealed one the package kept) said the erasure was done with no word
// of the sealed package, which still holds the person. It warns, naming
// the sealed package and how to erase it.
func TestArchiveEraseFolderWarnsOfItsSealedPackage(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"))
	pkg := erasablePackage(t, tbl, eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}, {"19460101-0301"}})
	id, _ := age.GenerateX25519Identity()
	sealed := pkg + ".tar.age"
	if code, out, errs := cli(t, "archive", "encrypt", pkg, "--recipient", id.Recipient().String(), "--to", sealed); code != exitOK {
		t.Fatalf("encrypt: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", personListFile(t, "19121212-1212"), "--reference", "Dnr 43")
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "warning") || !strings.Contains(errs, sealed) || !strings.Contains(errs, "--identity") {
		t.Errorf("erasing a folder with its sealed package beside it: no warning naming %s and how to erase it:\n%s", sealed, errs)
	}
}

// An erasure of a sealed package interrupted (Ctrl-C cancels the
// command's context) exits 130 and leaves the sealed package as it was,
// with no clear copy beside it.
func TestArchiveEraseSealedInterrupted(t *testing.T) {
	sealed, idFile, recipient := sealedBeside(t)
	before, _ := os.ReadFile(sealed)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errs strings.Builder
	code := run(ctx, []string{"archive", "erase", sealed, "--person-list", personListFile(t, "19121212-1212"), "--reference", "Dnr 44",
		"--identity", idFile, "--recipient", recipient}, &out, &errs)
	if code != exitInterrupted {
		t.Fatalf("an interrupted erasure: exit %d, want %d\n%s\n%s", code, exitInterrupted, out.String(), errs.String())
	}
	if after, _ := os.ReadFile(sealed); string(after) != string(before) {
		t.Error("the interrupted erasure changed the sealed package")
	}
	// The user is told the state it stopped in, not only "interrupted".
	if e := errs.String(); !strings.Contains(e, "as it was") && !strings.Contains(e, "nothing erased") {
		t.Errorf("an interrupted erasure says %q, want it to say nothing was erased", e)
	}
	if names := namesBeside(t, sealed); names != "archive.tar.age archive.tar.age.sha512" {
		t.Errorf("beside the sealed package after an interrupted erasure: %s, want only it and its checksum", names)
	}
}

// A clear copy beside a sealed package, erased under the same reference
// but from another person list, still holds the persons of this one:
// erasing them from the sealed package said it was done, exit 0, since
// the copy's event log names the reference. The copy is searched for
// this request's persons as the erasure searches: the erasure is
// refused, naming the copy, nothing changed, until none is found in it.
func TestArchiveEraseSealedWithACopyErasedOfOthers(t *testing.T) {
	sealed, idFile, recipient := sealedBeside(t)
	clearCopy := filepath.Join(filepath.Dir(sealed), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", clearCopy); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	erase := func(pkg, person string, more ...string) (int, string, string) {
		return cli(t, append([]string{"archive", "erase", pkg, "--person-list", personListFile(t, person), "--reference", "Dnr 45"}, more...)...)
	}
	if code, out, errs := erase(clearCopy, "19121212-1212"); code != exitOK {
		t.Fatalf("erase the first person from the clear copy: exit %d\n%s\n%s", code, out, errs)
	}
	before, _ := os.ReadFile(sealed)
	copyBefore := treeDigest(t, clearCopy)
	code, out, errs := erase(sealed, "19460101-0301", "--identity", idFile, "--recipient", recipient)
	if code != exitError || !strings.Contains(errs, clearCopy) {
		t.Fatalf("erasing the second person from the sealed package while the copy beside it holds them: exit %d, want %d naming the copy\n%s\n%s", code, exitError, out, errs)
	}
	if shown := strings.ReplaceAll(out+errs, filepath.Dir(sealed), "DIR"); strings.Contains(shown, "0301") || strings.Contains(shown, "1946") {
		t.Errorf("the refusal shows a part of the number:\n%s\n%s", out, errs)
	}
	if after, _ := os.ReadFile(sealed); string(after) != string(before) {
		t.Error("the refusal changed the sealed package")
	}
	if treeDigest(t, clearCopy) != copyBefore {
		t.Error("the refusal changed the clear copy")
	}

	if code, out, errs := erase(clearCopy, "19460101-0301"); code != exitOK {
		t.Fatalf("erase the second person from the clear copy: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := erase(sealed, "19460101-0301", "--identity", idFile, "--recipient", recipient); code != exitOK {
		t.Fatalf("erase the sealed package once its copy holds the person no more: exit %d\n%s\n%s", code, out, errs)
	}
	opened := filepath.Join(t.TempDir(), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", opened); code != exitOK {
		t.Fatalf("decrypt the new version: exit %d\n%s\n%s", code, out, errs)
	}
	wantOnlyLeft(t, opened, "1")
}

// An erasure of a sealed package killed halfway (SIGKILL, a power cut)
// leaves its clear working copy, PKG.tar.age.erase-clear, beside it,
// holding the persons it was erasing. archive verify of the sealed
// package said nothing of it: it names it (erase-leftover), exit 1, as
// it names PKG.erase-old beside a folder package.
func TestArchiveVerifySealedNamesAClearLeftover(t *testing.T) {
	sealed, idFile, _ := sealedBeside(t)
	code, _, errs := cli(t, "archive", "verify", "--no-log", sealed)
	if strings.Contains(errs, archive.RuleEraseLeftover) {
		t.Fatalf("a sealed package with nothing beside it: exit %d, an erase leftover named:\n%s", code, errs)
	}
	for _, left := range []string{".erase-clear", ".erase-clear.erase-old", ".erase-sealed"} {
		t.Run(left, func(t *testing.T) {
			p := sealed + left
			if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", p); code != exitOK {
				t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
			}
			t.Cleanup(func() { os.RemoveAll(p) })
			code, out, errs := cli(t, "archive", "verify", "--no-log", sealed)
			if code != exitError || !strings.Contains(errs, archive.RuleEraseLeftover) || !strings.Contains(errs, filepath.Base(p)) {
				t.Errorf("archive verify of a sealed package with %s beside it: exit %d, want %d naming it (%s)\n%s\n%s", filepath.Base(p), code, exitError, archive.RuleEraseLeftover, out, errs)
			}
		})
	}
}

// A clear copy beside the sealed package erased under the same
// reference but with another person list (the decision's list amended,
// or the wrong file given) still holds the listed person: the erasure of
// the sealed package passed it as "erased under reference Dnr 41 too",
// exit 0, and the copy kept the person's record. It is refused, naming
// the copy, nothing changed.
func TestArchiveEraseSealedWithACopyErasedForAnotherPerson(t *testing.T) {
	sealed, idFile, recipient := sealedBeside(t)
	clearCopy := filepath.Join(filepath.Dir(sealed), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", clearCopy); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "archive", "erase", clearCopy, "--person-list", personListFile(t, "19460101-0301"), "--reference", "Dnr 41"); code != exitOK {
		t.Fatalf("erase the clear copy: exit %d\n%s\n%s", code, out, errs)
	}
	before, _ := os.ReadFile(sealed)
	code, out, errs := cli(t, "archive", "erase", sealed, "--person-list", personListFile(t, "19121212-1212"), "--reference", "Dnr 41",
		"--identity", idFile, "--recipient", recipient)
	if code != exitError || !strings.Contains(errs, clearCopy) {
		t.Fatalf("erasing a sealed package whose copy beside it was erased for another person: exit %d, want %d naming the copy\n%s\n%s", code, exitError, out, errs)
	}
	if shown := strings.ReplaceAll(out+errs, filepath.Dir(sealed), "DIR"); strings.Contains(shown, "1212") {
		t.Errorf("the refusal shows a part of the number:\n%s\n%s", out, errs)
	}
	if after, _ := os.ReadFile(sealed); string(after) != string(before) {
		t.Error("the refusal changed the sealed package")
	}
	// The access log beside it keeps the decryption that made the copy.
	if names := namesBeside(t, sealed); names != "archive.tar.age archive.tar.age.access.jsonl archive.tar.age.sha512 opened" {
		t.Errorf("beside the sealed package: %s, want it, its access log, its checksum and the copy", names)
	}
}

// The refusal asks a clear copy beside a sealed package to log an
// erasure under the same --reference, not only to hold none of the
// listed persons: its report then says the copy was erased under that
// decision, which a copy merely searched could not say. It does not
// block a data subject's erasure the CPUA must carry out: a copy that
// holds none of the listed persons (here a person archived in neither)
// is erased under the reference all the same, nothing removed and the
// erasure logged, and the sealed package's erasure then goes through.
func TestArchiveEraseSealedCopyHoldingNoneOfThePersons(t *testing.T) {
	sealed, idFile, recipient := sealedBeside(t)
	clearCopy := filepath.Join(filepath.Dir(sealed), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", clearCopy); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	list := personListFile(t, "19811218-9876")
	erase := func(pkg string, more ...string) (int, string, string) {
		return cli(t, append([]string{"archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 77"}, more...)...)
	}
	if code, out, errs := erase(sealed, "--identity", idFile, "--recipient", recipient); code != exitError || !strings.Contains(errs, "not erased under reference Dnr 77") {
		t.Fatalf("erasing the sealed package beside a copy not erased under the reference: exit %d, want %d naming it\n%s\n%s", code, exitError, out, errs)
	}
	code, out, errs := erase(clearCopy)
	if code != exitOK || !strings.Contains(out, "1 persons listed, 1 found in no archived record") {
		t.Fatalf("erase from the copy a person it does not hold: exit %d, want 0 and the person found in no record\n%s\n%s", code, out, errs)
	}
	p, err := archive.Open(clearCopy)
	if err != nil {
		t.Fatal(err)
	}
	events, err := p.Events()
	if err != nil {
		t.Fatal(err)
	}
	if last := events[len(events)-1]; last.Event != "erased" || last.Reference != "Dnr 77" || last.Count["records_removed"] != 0 {
		t.Fatalf("the copy's last event: %+v, want an erasure under Dnr 77 removing nothing", last)
	}
	wantRecords(t, clearCopy, "1 2")
	if code, out, errs := erase(sealed, "--identity", idFile, "--recipient", recipient); code != exitOK || !strings.Contains(out, clearCopy) {
		t.Fatalf("erase the sealed package once its copy logs the erasure: exit %d, want 0 naming the copy\n%s\n%s", code, out, errs)
	}
}

// wantRecords fails unless the patient records left in pkg are ids.
func wantRecords(t *testing.T, pkg, ids string) {
	t.Helper()
	if left := recordsLeft(t, pkg, "patient"); left != ids {
		t.Fatalf("records left in %s: %q, want %q", pkg, left, ids)
	}
}
