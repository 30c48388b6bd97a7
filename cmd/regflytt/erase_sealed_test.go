package main

import (
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// A plan that names age recipients leaves the package sealed
// (PKG.tar.age) and its clear folder removed. Erasing from it meant
// decrypting a copy and erasing from the copy, which said the erasure
// was done while the sealed package, the one the CPUA keeps, still held
// the person's records. archive erase opens a sealed package itself
// (--identity), erases, seals the new version to the recipients given
// and puts it, with its checksum, in the old one's place: the new one
// holds the other person's record and not the erased one's, and no
// clear copy is left beside it.
func TestArchiveEraseSealedPackage(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"))
	pkg := erasablePackage(t, tbl, eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}, {"19460101-0301"}})
	id, _ := age.GenerateX25519Identity()
	keys := t.TempDir()
	idFile := filepath.Join(keys, "id.txt")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sealed := filepath.Join(dir, "archive.tar.age")
	if code, out, errs := cli(t, "archive", "encrypt", pkg, "--recipient", id.Recipient().String(), "--to", sealed); code != exitOK {
		t.Fatalf("encrypt: exit %d\n%s\n%s", code, out, errs)
	}
	before, _ := os.ReadFile(sealed)
	list := personListFile(t, "19121212-1212")

	// Without a key it cannot open it, and says what to give.
	code, out, errs := cli(t, "archive", "erase", sealed, "--person-list", list, "--reference", "Dnr 15")
	if code == exitOK || !strings.Contains(errs, "--identity") || !strings.Contains(errs, "--recipient") {
		t.Fatalf("a sealed package without a key: exit %d, want a refusal naming --identity and --recipient\n%s\n%s", code, out, errs)
	}

	code, out, errs = cli(t, "archive", "erase", sealed, "--person-list", list, "--reference", "Dnr 15",
		"--identity", idFile, "--recipient", id.Recipient().String())
	if code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	wantAllFound(t, out)
	after, err := os.ReadFile(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) == string(before) {
		t.Fatal("the sealed package is unchanged: the person's record is still in it")
	}
	sum := sha512.Sum512(after)
	if check, _ := os.ReadFile(sealed + ".sha512"); string(check) != hex.EncodeToString(sum[:])+"  archive.tar.age\n" {
		t.Errorf("the checksum file does not check the new sealed package: %q", check)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// Its access log logs the erasure's clear copy, opened and removed.
	if strings.Join(names, " ") != "archive.tar.age archive.tar.age.access.jsonl archive.tar.age.sha512" {
		t.Errorf("beside the sealed package: %v, want only it, its access log and its checksum (no clear copy)", names)
	}
	wantClearCopyRemoved(t, sealed, "erased, sealed again")
	opened := filepath.Join(t.TempDir(), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", opened); code != exitOK {
		t.Fatalf("decrypt the new version: exit %d\n%s\n%s", code, out, errs)
	}
	wantOnlyLeft(t, opened, "2")
}

// An erasure that would seal the new version to recipients none of whom
// the identity that opened the old one is (a mistyped --recipient) would
// leave a package nobody at hand can open, the old one gone: it is
// refused, and the sealed package and its checksum stay as they were,
// with no clear copy beside them.
func TestArchiveEraseSealedRefusesAVersionItsIdentityCannotOpen(t *testing.T) {
	tbl := erasablePatients(nullableText("ident"))
	pkg := erasablePackage(t, tbl, eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}, {"19460101-0301"}})
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(t.TempDir(), "id.txt")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sealed := filepath.Join(dir, "archive.tar.age")
	if code, out, errs := cli(t, "archive", "encrypt", pkg, "--recipient", id.Recipient().String(), "--to", sealed); code != exitOK {
		t.Fatalf("encrypt: exit %d\n%s\n%s", code, out, errs)
	}
	before, _ := os.ReadFile(sealed)
	sumBefore, _ := os.ReadFile(sealed + ".sha512")
	code, out, errs := cli(t, "archive", "erase", sealed, "--person-list", personListFile(t, "19121212-1212"), "--reference", "Dnr 16",
		"--identity", idFile, "--recipient", other.Recipient().String())
	if code == exitOK || !strings.Contains(errs, "--identity") {
		t.Fatalf("sealing the new version to a key the identity is not: exit %d, want a refusal naming --identity\n%s\n%s", code, out, errs)
	}
	if after, _ := os.ReadFile(sealed); string(after) != string(before) {
		t.Fatal("the sealed package was replaced by a version its identity cannot open")
	}
	if sumAfter, _ := os.ReadFile(sealed + ".sha512"); string(sumAfter) != string(sumBefore) {
		t.Error("the checksum file changed")
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "archive.tar.age archive.tar.age.access.jsonl archive.tar.age.sha512" {
		t.Errorf("beside the sealed package: %v, want only it, its access log and its checksum (no clear copy)", names)
	}
	wantClearCopyRemoved(t, sealed, "nothing erased")
}

// wantClearCopyRemoved checks that the access log beside the sealed
// package holds one opening in clear, an erasure's, ended with its copy
// removed, its note saying how (ended).
func wantClearCopyRemoved(t *testing.T, sealed, ended string) {
	t.Helper()
	got, _, err := archive.SealedLoggedAccesses(sealed)
	if err != nil || len(got) != 1 || got[0].Event != archive.EventClearRemoved || !strings.HasPrefix(got[0].Purpose, "erase, reference ") ||
		!strings.Contains(got[0].Note, ended) || !strings.Contains(got[0].Note, "the clear copy removed") {
		t.Errorf("the access log beside the sealed package: %+v (%v), want the erasure's clear copy, %s, removed", got, err, ended)
	}
}
