package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// sealedPackage seals a two-patient package to a new key: the sealed
// file (archive.tar.age, alone with its checksum in its folder), the
// identity file and the key.
func sealedPackage(t *testing.T) (sealed, idFile string, id *age.X25519Identity) {
	t.Helper()
	return sealPackage(t, erasablePackage(t, erasablePatients(nullableText("ident")), eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}, {"19460101-0301"}}))
}

// sealPackage seals the package folder pkg to a new key with archive
// encrypt: the sealed file (archive.tar.age, alone with its checksum in
// its folder), the identity file and the key. pkg is left as it is.
func sealPackage(t *testing.T, pkg string) (sealed, idFile string, id *age.X25519Identity) {
	t.Helper()
	id, _ = age.GenerateX25519Identity()
	idFile = filepath.Join(t.TempDir(), "id.txt")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sealed = filepath.Join(t.TempDir(), "archive.tar.age")
	if code, out, errs := cli(t, "archive", "encrypt", pkg, "--recipient", id.Recipient().String(), "--to", sealed); code != exitOK {
		t.Fatalf("encrypt: exit %d\n%s\n%s", code, out, errs)
	}
	return sealed, idFile, id
}

// reseal writes the folder dir as a tar sealed to r over sealed, with a
// checksum file that checks it: what someone holding the recipient's
// public key can do after editing a record, which the package's own
// manifests then no longer hold.
func reseal(t *testing.T, dir, sealed string, r age.Recipient) {
	t.Helper()
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, r)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(w)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: filepath.ToSlash(rel) + "/", Mode: 0o700})
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: filepath.ToSlash(rel), Mode: 0o600, Size: int64(len(b))}); err != nil {
			return err
		}
		_, err = tw.Write(b)
		return err
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(buf.Bytes())
	if err := os.WriteFile(sealed, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sealed+".sha512", []byte(hex.EncodeToString(sum[:])+"  "+filepath.Base(sealed)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// An auditor holding the key verifies a sealed package in place: archive
// verify --identity reads it through and runs the folder's checks,
// leaving no clear copy beside it. Without the key it says the content
// was not checked, exit 1, never PASS. A package whose record was edited
// and which was sealed again (a checksum beside it that checks the new
// ciphertext) passed nothing before: verify could not read it. It fails.
func TestArchiveVerifySealedPackageWithItsKey(t *testing.T) {
	sealed, idFile, id := sealedPackage(t)
	// Its access log logs each opening in clear (the verification's).
	alone := "archive.tar.age archive.tar.age.access.jsonl archive.tar.age.sha512"

	code, out, errs := cli(t, "archive", "verify", sealed)
	if code == exitOK || strings.Contains(out+errs, "PASS") || !strings.Contains(errs, "--identity") || !strings.Contains(errs, "NOT") {
		t.Fatalf("verify without the key: exit %d, want 1 saying the content is NOT checked and naming --identity\n%s\n%s", code, out, errs)
	}

	code, out, errs = cli(t, "archive", "verify", sealed, "--identity", idFile)
	if code != exitOK || !strings.Contains(out, "PASS") || !strings.Contains(out, "2 records") {
		t.Fatalf("verify --identity: exit %d, want PASS of its 2 records\n%s\n%s", code, out, errs)
	}
	if got := namesBeside(t, sealed); got != alone {
		t.Fatalf("beside the sealed package after verify: %s, want only %s", got, alone)
	}

	// A wrong key opens nothing, and leaves nothing.
	other, _ := age.GenerateX25519Identity()
	otherFile := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(otherFile, []byte(other.String()+"\n"), 0o600)
	if code, out, errs := cli(t, "archive", "verify", sealed, "--identity", otherFile); code == exitOK || strings.Contains(out, "PASS") {
		t.Fatalf("verify with another key: exit %d\n%s\n%s", code, out, errs)
	}
	if got := namesBeside(t, sealed); got != alone {
		t.Fatalf("beside the sealed package after a wrong key: %s, want only %s", got, alone)
	}

	// Edit a record and seal it again.
	opened := filepath.Join(t.TempDir(), "opened")
	if _, err := archive.Decrypt(context.Background(), sealed, opened, id); err != nil {
		t.Fatal(err)
	}
	edited := false
	filepath.WalkDir(filepath.Join(opened, "data"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".xml") {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("19460101-0301")) {
			os.WriteFile(p, bytes.ReplaceAll(b, []byte("19460101-0301"), []byte("19460101-0302")), 0o600)
			edited = true
		}
		return nil
	})
	if !edited {
		t.Fatal("no record holds 19460101-0301 to edit")
	}
	reseal(t, opened, sealed, id.Recipient())
	code, out, errs = cli(t, "archive", "verify", sealed, "--identity", idFile)
	if code == exitOK || strings.Contains(out, "PASS") || !strings.Contains(errs, archive.RuleDigest) {
		t.Fatalf("verify --identity of an edited package sealed again: exit %d, want a %s FAIL\n%s\n%s", code, archive.RuleDigest, out, errs)
	}
	if strings.Contains(out+errs, "19460101") {
		t.Errorf("the output holds the edited identity number:\n%s\n%s", out, errs)
	}
	if got := namesBeside(t, sealed); got != alone {
		t.Fatalf("beside the sealed package after a failed verify: %s, want only %s", got, alone)
	}
}

// A clear copy a verification killed outright left beside a sealed
// package holds its records: an erasure of the sealed package is refused
// until it is removed, as it is for an erasure's own leftovers.
func TestArchiveEraseSealedRefusesAVerifyLeftover(t *testing.T) {
	sealed, idFile, id := sealedPackage(t)
	left := sealed + ".verify-clear-42"
	if err := os.Mkdir(left, 0o700); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(sealed)
	code, out, errs := cli(t, "archive", "erase", sealed, "--person-list", personListFile(t, "19121212-1212"), "--reference", "Dnr 15",
		"--identity", idFile, "--recipient", id.Recipient().String())
	if code == exitOK || !strings.Contains(errs, filepath.Base(left)) {
		t.Fatalf("erase beside a verification's clear copy: exit %d, want a refusal naming it\n%s\n%s", code, out, errs)
	}
	if after, _ := os.ReadFile(sealed); !bytes.Equal(before, after) {
		t.Fatal("the sealed package changed")
	}
}

// A sealed package is read through a decrypted copy: archive extract of
// the copy logged the access beside the copy (COPY.access.jsonl) and in
// the copy's event log, and nowhere beside the sealed package, so that
// removing the clear copy, as one should, lost the record that a
// person's data was read (PDL), and archive log of the sealed package
// failed. The decryption is logged beside the sealed package, and so is
// every extract of a copy it made: archive log PKG.tar.age --person-list
// finds the person's extract after the copy is gone.
func TestSealedPackageKeepsTheAccessesOfItsClearCopy(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	opened := filepath.Join(filepath.Dir(sealed), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", opened); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	csv := filepath.Join(t.TempDir(), "one.csv")
	if code, out, errs := cli(t, "archive", "extract", opened, "--table", "patient", "--where", "ident=19121212-1212", "--to", csv, "--purpose", "case one"); code != exitOK {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	// The clear copy and what lies beside it go.
	if err := os.RemoveAll(opened); err != nil {
		t.Fatal(err)
	}
	os.Remove(archive.AccessLogPath(opened))

	code, out, errs := cli(t, "archive", "log", sealed, "--person-list", personListFile(t, "19121212-1212"), "--identity", idFile)
	if code != exitOK || !strings.Contains(out, "case one") || !strings.Contains(out, "19121212-****") {
		t.Fatalf("archive log of the sealed package: exit %d, want the extract of 19121212-****\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "decrypted") {
		t.Errorf("archive log of the sealed package does not list its decryption (every record read):\n%s", out)
	}
	// Without the key the log beside it is listed all the same, and
	// the event log sealed inside named as not read (exit 1).
	code, out2, errs2 := cli(t, "archive", "log", sealed, "--person-list", personListFile(t, "19121212-1212"))
	if code != exitError || !strings.Contains(out2, "case one") || !strings.Contains(errs2, "NOT read") {
		t.Errorf("archive log of the sealed package without --identity: exit %d, want the extract listed and exit 1 naming what was not read\n%s\n%s", code, out2, errs2)
	}
	out, errs = out+out2, errs+errs2
	// Another person's list does not find the extract filtered on this one.
	if code, out, errs := cli(t, "archive", "log", sealed, "--person-list", personListFile(t, "19460101-0301"), "--identity", idFile); code != exitOK || strings.Contains(out, "case one (") {
		t.Errorf("archive log for another person: exit %d\n%s\n%s", code, out, errs)
	}
	logged, _ := os.ReadFile(archive.AccessLogPath(sealed))
	for _, shape := range []string{"19121212-1212", "191212121212", "1212121212"} {
		if strings.Contains(string(logged)+out+errs, shape) {
			t.Errorf("the access log or output holds an identity number:\n%s\n%s", logged, out)
		}
	}
}

// An interrupted verification of a sealed package exits 130, never
// PASS, and leaves no clear copy beside it.
func TestArchiveVerifySealedInterrupted(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errs strings.Builder
	if code := run(ctx, []string{"archive", "verify", sealed, "--identity", idFile}, &out, &errs); code != exitInterrupted || strings.Contains(out.String(), "PASS") {
		t.Fatalf("an interrupted verify: exit %d, want %d\n%s\n%s", code, exitInterrupted, out.String(), errs.String())
	}
	if got := namesBeside(t, sealed); got != "archive.tar.age archive.tar.age.sha512" {
		t.Fatalf("beside the sealed package after an interrupted verify: %s", got)
	}
}

// archive verify --identity opened the sealed package in clear beside it
// and logged nothing; archive decrypt logged its decryption only once
// the clear copy was written, so a process killed between the two left a
// copy no log named. Both log the opening before the first clear byte,
// and archive log shows one that did not finish, naming its copy, with a
// warning. (A kill itself is in archive's TestDecryptKilledAfterItsClearCopyIsWritten;
// here the log is cut back to what it leaves.)
func TestArchiveLogShowsAnOpeningNotFinished(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	if code, out, errs := cli(t, "archive", "verify", sealed, "--identity", idFile); code != exitOK {
		t.Fatalf("verify: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, "archive", "log", sealed, "--identity", idFile)
	if code != exitOK || !strings.Contains(out, "1 accesses") || !strings.Contains(out, archive.EventClearRemoved) || !strings.Contains(out, ": verify") || strings.Contains(out+errs, "NOT finished") {
		t.Fatalf("archive log after a verification: exit %d, want its opening, ended, purpose verify\n%s\n%s", code, out, errs)
	}
	verified, err := os.ReadFile(archive.AccessLogPath(sealed))
	if err != nil {
		t.Fatal(err)
	}

	opened := filepath.Join(filepath.Dir(sealed), "utdrag-19121212-1212")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", opened, "--purpose", "audit"); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	b, err := os.ReadFile(archive.AccessLogPath(sealed))
	if err != nil {
		t.Fatal(err)
	}
	decrypt := strings.Split(strings.TrimPrefix(string(b), string(verified)), "\n")
	if len(decrypt) != 3 || !strings.Contains(decrypt[0], archive.EventOpening) {
		t.Fatalf("the decryption's entries: %q, want its opening and its end", decrypt)
	}
	// What a decryption killed once its copy is written leaves.
	if err := os.WriteFile(archive.AccessLogPath(sealed), []byte(string(verified)+decrypt[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cli(t, "archive", "log", sealed, "--identity", idFile)
	if code != exitOK || !strings.Contains(out, "2 accesses") || !strings.Contains(out, "NOT finished") || !strings.Contains(out, connectors.MaskIdentityNumbers(filepath.Dir(sealed))+"/utdrag-19121212-****") || !strings.Contains(errs, "1 opening(s) in clear") {
		t.Errorf("archive log after a decryption killed: exit %d, want its opening NOT finished, naming the copy, and a warning\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out+errs+string(b), "-1212") {
		t.Errorf("an identity number in the log or its output:\n%s\n%s\n%s", b, out, errs)
	}
}
