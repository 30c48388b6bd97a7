package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
)

// sealedAfterExtract writes a two-patient package, extracts the first
// patient's records from it in clear (purpose "before sealing"), seals
// it, and removes the clear package and the access log beside it, as
// archive encrypt's help asks once the sealed one is stored: the
// extract is then logged only in the event log sealed inside.
func sealedAfterExtract(t *testing.T) (sealed, idFile string, id *age.X25519Identity) {
	t.Helper()
	pkg := erasablePackage(t, erasablePatients(nullableText("ident")), eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}, {"19460101-0301"}})
	csv := filepath.Join(t.TempDir(), "before.csv")
	if code, out, errs := cli(t, "archive", "extract", pkg, "--table", "patient", "--where", "ident=19121212-1212", "--to", csv, "--purpose", "before sealing"); code != exitOK {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	sealed, idFile, id = sealPackage(t, pkg)
	if err := os.RemoveAll(pkg); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(archive.AccessLogPath(pkg)); err != nil {
		t.Fatal(err)
	}
	return sealed, idFile, id
}

// archive log of a sealed package read only the access log beside it
// (its decryptions, and the extracts of the clear copies they made):
// an extract made of the package in clear before it was sealed is
// logged in the package's event log, sealed inside, and the access log
// beside the clear folder, removed with it. The auditor asking who read
// a person's records got "0 extracts filtered on their number", exit 0.
// With --identity the event log sealed inside is read (streamed, no
// clear copy written); without it, archive log says it was not read and
// exits 1, having listed what it could read.
func TestArchiveLogReadsTheEventLogSealedInside(t *testing.T) {
	sealed, idFile, _ := sealedAfterExtract(t)
	list := personListFile(t, "19121212-1212")

	code, out, errs := cli(t, "archive", "log", sealed, "--person-list", list, "--identity", idFile)
	if code != exitOK || !strings.Contains(lineWith(out, "before sealing"), "19******-****") {
		t.Fatalf("archive log --identity of a package sealed after an extract: exit %d, want the extract made before sealing\n%s\n%s", code, out, errs)
	}
	if got := strings.Count(out, "before sealing"); got != 1 {
		t.Errorf("the extract made before sealing is listed %d times, want once:\n%s", got, out)
	}
	if left := namesBeside(t, sealed); left != "archive.tar.age archive.tar.age.sha512" {
		t.Errorf("archive log left beside the sealed package: %s", left)
	}
	// Another person's list finds no extract filtered on their number.
	if code, out, errs := cli(t, "archive", "log", sealed, "--person-list", personListFile(t, "19460101-0301"), "--identity", idFile); code != exitOK || strings.Contains(out, "before sealing") {
		t.Errorf("archive log for another person: exit %d\n%s\n%s", code, out, errs)
	}

	for _, args := range [][]string{{"archive", "log", sealed, "--person-list", list}, {"archive", "log", sealed}} {
		code, out, errs = cli(t, args...)
		if code == exitOK {
			t.Errorf("%s without --identity: exit 0, as if the log were complete; the extract made before sealing is not read\n%s\n%s", strings.Join(args, " "), out, errs)
		}
		if !strings.Contains(out+errs, "NOT read") || !strings.Contains(out+errs, "--identity") {
			t.Errorf("%s without --identity does not say that the event log sealed inside was not read:\n%s\n%s", strings.Join(args, " "), out, errs)
		}
	}
	// A wrong key is an error, not an empty log.
	other, _ := age.GenerateX25519Identity()
	otherFile := filepath.Join(t.TempDir(), "other.txt")
	os.WriteFile(otherFile, []byte(other.String()+"\n"), 0o600)
	if code, out, errs := cli(t, "archive", "log", sealed, "--person-list", list, "--identity", otherFile); code == exitOK {
		t.Errorf("archive log with a key that does not open the package: exit 0\n%s\n%s", out, errs)
	}
	// --identity is for a sealed package.
	if code, _, _ := cli(t, "archive", "log", t.TempDir(), "--identity", idFile); code != exitUsage {
		t.Errorf("archive log of a folder with --identity: exit %d, want %d", code, exitUsage)
	}
}

// A clerk writes the patient's number in the purpose or the reference
// ("PDL-begäran 19121212-1212"), which the logs keep as written: archive
// extract, decrypt and erase refuse it (exit 2) before anything is read,
// opened in clear or logged, and the refusal does not repeat the number.
func TestArchiveCommandsRefuseAnIdentityNumberInLoggedText(t *testing.T) {
	sealed, idFile, id := sealedPackage(t)
	text := "PDL-begäran 19121212-1212"
	opened := filepath.Join(filepath.Dir(sealed), "opened")
	for _, args := range [][]string{
		{"archive", "decrypt", sealed, "--identity", idFile, "--to", opened, "--purpose", text},
		{"archive", "erase", sealed, "--person-list", personListFile(t, "19121212-1212"), "--reference", text, "--identity", idFile, "--recipient", id.Recipient().String()},
	} {
		code, out, errs := cli(t, args...)
		if code != exitUsage || !strings.Contains(errs, "logged as written") {
			t.Errorf("%s: exit %d, want %d refusing the text\n%s\n%s", args[1], code, exitUsage, out, errs)
		}
		if strings.Contains(out+errs, "1212-1212") {
			t.Errorf("%s: the refusal repeats the number:\n%s\n%s", args[1], out, errs)
		}
	}
	if names := namesBeside(t, sealed); names != "archive.tar.age archive.tar.age.sha512" {
		t.Errorf("beside the sealed package after the refusals: %s", names)
	}
	pkg := erasablePackage(t, erasablePatients(nullableText("ident")), eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}})
	csv := filepath.Join(t.TempDir(), "x.csv")
	if code, out, errs := cli(t, "archive", "extract", pkg, "--table", "patient", "--to", csv, "--purpose", text); code != exitUsage {
		t.Errorf("extract: exit %d, want %d\n%s\n%s", code, exitUsage, out, errs)
	}
	if _, err := os.Stat(archive.AccessLogPath(pkg)); err == nil {
		t.Error("the refused extract was logged")
	}
	if _, err := os.Stat(csv); err == nil {
		t.Error("the refused extract was written")
	}
}

// A sealed package's decryptions, and the extracts of the clear copies
// they made, are logged beside it under its name (PKG.tar.age.access.jsonl).
// Renamed in its folder (with its checksum file, which still names the
// name it was sealed under), archive log found no log under the new name
// and listed no access, exit 0: the log under the former name, beside
// it, is read too. Copied alone to another folder (no checksum file, no
// access log: nothing beside it tells whether it was ever opened),
// archive log says the log beside the original is not read, exit 1.
func TestArchiveLogOfARenamedOrCopiedSealedPackage(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	opened := decryptedCopy(t, sealed, idFile, "case one")
	csv := filepath.Join(t.TempDir(), "x.csv")
	if code, out, errs := cli(t, "archive", "extract", opened, "--table", "patient", "--where", "ident=19121212-1212", "--to", csv, "--purpose", "case two"); code != exitOK {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	os.RemoveAll(opened)
	os.Remove(archive.AccessLogPath(opened))

	// A copy alone in another folder.
	copied := filepath.Join(t.TempDir(), "archive.tar.age")
	b, err := os.ReadFile(sealed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copied, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cli(t, "archive", "log", copied, "--person-list", personListFile(t, "19121212-1212"), "--identity", idFile)
	if code == exitOK || !strings.Contains(errs, "NOT complete") || !strings.Contains(errs, ".sha512") {
		t.Errorf("archive log of a sealed package copied alone: exit %d, want 1 saying the log beside the original is not read\n%s\n%s", code, out, errs)
	}

	// Renamed in its folder, with its checksum file.
	renamed := renameSealed(t, sealed)
	for _, args := range [][]string{
		{"archive", "log", renamed, "--person-list", personListFile(t, "19121212-1212"), "--identity", idFile},
		{"archive", "log", renamed, "--identity", idFile},
	} {
		code, out, errs = cli(t, args...)
		if code != exitOK || !strings.Contains(out, "case one") || !strings.Contains(out, "case two") || !strings.Contains(out, filepath.Base(archive.AccessLogPath(sealed))) {
			t.Errorf("%s: exit %d, want the decryption and the copy's extract logged under its former name, naming that log\n%s\n%s", strings.Join(args[3:], " "), code, out, errs)
		}
	}
	// Without the key too, what lies beside it is listed.
	if code, out, errs := cli(t, "archive", "log", renamed); code != exitError || !strings.Contains(out, "case one") {
		t.Errorf("archive log of the renamed package without its key: exit %d, want 1 listing the decryption\n%s\n%s", code, out, errs)
	}
}

// Ctrl-C during archive extract was not seen: the extract read the
// whole table, wrote the CSV, logged it and exited 0. An interrupted
// extract writes nothing and logs nothing, and exits 130; so does an
// interrupted archive log reading the event log sealed inside.
func TestArchiveExtractInterrupted(t *testing.T) {
	pkg := erasablePackage(t, erasablePatients(nullableText("ident")), eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}, {"19460101-0301"}})
	events, _ := os.ReadFile(filepath.Join(pkg, "regflytt", "events.jsonl"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	csv := filepath.Join(t.TempDir(), "x.csv")
	var out, errs strings.Builder
	if code := run(ctx, []string{"archive", "extract", pkg, "--table", "patient", "--to", csv, "--purpose", "case one"}, &out, &errs); code != exitInterrupted {
		t.Errorf("an interrupted extract: exit %d, want %d\n%s\n%s", code, exitInterrupted, out.String(), errs.String())
	}
	for _, p := range []string{csv, csv + ".tmp", archive.AccessLogPath(pkg)} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("an interrupted extract left %s", p)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(pkg, "regflytt", "events.jsonl")); string(after) != string(events) {
		t.Error("an interrupted extract was logged in the event log")
	}

	sealed, idFile, _ := sealedPackage(t)
	out.Reset()
	errs.Reset()
	if code := run(ctx, []string{"archive", "log", sealed, "--identity", idFile}, &out, &errs); code != exitInterrupted {
		t.Errorf("an interrupted archive log: exit %d, want %d\n%s\n%s", code, exitInterrupted, out.String(), errs.String())
	}
}

// A clear copy's extract is logged beside the sealed package it was
// opened from, at the path its decryption named. Renamed in its folder
// after the copy was made, the sealed package was no longer there, and
// the extract was logged only with the copy: removing the copy lost it,
// and archive log of the renamed package missed it, exit 0. The access
// log the decryption began beside it, under the former name, takes it.
func TestClearCopyExtractAfterItsSealedPackageWasRenamed(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	opened := decryptedCopy(t, sealed, idFile, "case one")
	renamed := renameSealed(t, sealed)
	csv := filepath.Join(t.TempDir(), "x.csv")
	if code, out, errs := cli(t, "archive", "extract", opened, "--table", "patient", "--where", "ident=19121212-1212", "--to", csv, "--purpose", "case two"); code != exitOK {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	os.RemoveAll(opened)
	os.Remove(archive.AccessLogPath(opened))
	code, out, errs := cli(t, "archive", "log", renamed, "--person-list", personListFile(t, "19121212-1212"), "--identity", idFile)
	if code != exitOK || !strings.Contains(lineWith(out, "case two"), "19******-****") {
		t.Errorf("archive log of the renamed sealed package: exit %d, want the extract of its clear copy\n%s\n%s", code, out, errs)
	}
}

// archive log --person-list reads a person list "as archive erase reads
// it", but refused one holding a reserve number (19900101-T123), which
// erase reads (exit 2, nothing listed): the auditor could not use the
// erasure's list. A reserve number is listed by its line, masked, with
// the extract filtered on it (logged with its digest), never shown.
func TestArchiveLogPersonListWithAReserveNumber(t *testing.T) {
	pkg := erasablePackage(t, erasablePatients(nullableText("ident")), eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}, {"19900101-T123"}})
	for i, where := range []string{"ident=19121212-1212", "ident=19900101-T123"} {
		csv := filepath.Join(t.TempDir(), "x.csv")
		if code, out, errs := cli(t, "archive", "extract", pkg, "--table", "patient", "--where", where, "--to", csv, "--purpose", fmt.Sprintf("case %d", i)); code != exitOK {
			t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
		}
	}
	list := personListFile(t, "# PDL", "121212-1212", "19900101-T123")
	code, out, errs := cli(t, "archive", "log", pkg, "--person-list", list)
	if code != exitOK {
		t.Fatalf("archive log with a reserve number in the list: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(lineWith(out, ":2 ("), "1 extracts") || !strings.Contains(lineWith(out, ":3 ("), "1 extracts") || !strings.Contains(lineWith(out, ":3 ("), "reserve number") {
		t.Errorf("want the identity number's extract under line 2 and the reserve number's under line 3, named a reserve number:\n%s", out)
	}
	if !strings.Contains(out, "case 1") {
		t.Errorf("the extract filtered on the reserve number is not listed:\n%s", out)
	}
	if strings.Contains(out+errs, "T123") || strings.Contains(out+errs, "1212-1212") {
		t.Errorf("the output holds a number:\n%s\n%s", out, errs)
	}
	if code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 9"); code != exitOK {
		t.Errorf("archive erase of the same list: exit %d\n%s\n%s", code, out, errs)
	}
}

// --where keeps the records whose column holds exactly the value. A
// clerk answering a patient's request types the number as the patient
// wrote it (121212-1212) while the package holds it as the source did
// (19121212-1212, or 191212121212 in another record): "extracted 0
// records", exit 0, and the answer "we hold nothing of yours". An extract
// filtered on an identity number says how many records hold the same
// number written in another shape, and their shapes, which it left out;
// never a digit of them.
func TestArchiveExtractSaysWhatAnotherShapeHolds(t *testing.T) {
	pkg := erasablePackage(t, erasablePatients(nullableText("ident")), eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}, {"191212121212"}, {"19460101-0301"}})
	csv := filepath.Join(t.TempDir(), "x.csv")
	code, out, errs := cli(t, "archive", "extract", pkg, "--table", "patient", "--where", "ident=121212-1212", "--to", csv, "--purpose", "registerutdrag")
	if code != exitOK || !strings.Contains(out, "extracted 0 records") {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(errs, "2 records") || !strings.Contains(errs, "NNNNNNNN-NNNN") || !strings.Contains(errs, "NNNNNNNNNNNN") {
		t.Errorf("the extract does not say that 2 records hold the number in other shapes, and which:\n%s\n%s", out, errs)
	}
	if strings.Contains(out+errs, "1212-1212") || strings.Contains(out+errs, "191212") || strings.Contains(out+errs, "0301") {
		t.Errorf("the output holds a number:\n%s\n%s", out, errs)
	}
	// Another person's number, or the exact shape of all, says nothing.
	csv2 := filepath.Join(t.TempDir(), "y.csv")
	if code, out, errs := cli(t, "archive", "extract", pkg, "--table", "patient", "--where", "ident=19460101-0301", "--to", csv2, "--purpose", "registerutdrag"); code != exitOK || errs != "" {
		t.Errorf("extract of a number held in one shape: exit %d, want no warning\n%s\n%s", code, out, errs)
	}
}

// An access log written before archive extract refused a purpose
// holding an identity number may hold one: archive log printed it as
// logged. It is shown masked, as every report shows one.
func TestArchiveLogMasksANumberInAnOlderPurpose(t *testing.T) {
	pkg := erasablePackage(t, erasablePatients(nullableText("ident")), eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}})
	old := `{"event":"extracted","at":"2025-01-01T00:00:00Z","who":"clerk 19460101-0301","purpose":"PDL-begäran 19121212-1212","table":"patient","count":{"records":1}}` + "\n"
	if err := os.WriteFile(archive.AccessLogPath(pkg), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"archive", "log", pkg}, {"archive", "log", pkg, "--person-list", personListFile(t, "19121212-1212")}} {
		code, out, errs := cli(t, args...)
		if code != exitOK || !strings.Contains(out, "PDL-begäran 19121212-****") {
			t.Errorf("%s: exit %d, want the older entry with its number masked\n%s\n%s", strings.Join(args[:2], " "), code, out, errs)
		}
		if strings.Contains(out+errs, "1212-1212") || strings.Contains(out+errs, "0101-0301") {
			t.Errorf("archive log prints an identity number:\n%s", out)
		}
	}
}

// A clear copy's extract is logged beside its sealed package with the
// copy's folder name; a clerk names the folder after the request
// ("utdrag-19121212-1212"), and the number was in the sealed package's
// access log in clear. The name is logged masked.
func TestClearCopyNameIsLoggedMasked(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	opened := filepath.Join(t.TempDir(), "utdrag-19121212-1212")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", opened, "--purpose", "registerutdrag"); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	csv := filepath.Join(t.TempDir(), "x.csv")
	if code, out, errs := cli(t, "archive", "extract", opened, "--table", "patient", "--to", csv, "--purpose", "registerutdrag"); code != exitOK {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	logged, _ := os.ReadFile(archive.AccessLogPath(sealed))
	if strings.Contains(string(logged), "1212-1212") || !strings.Contains(string(logged), "utdrag-19121212-****") {
		t.Errorf("the sealed package's access log names the copy with its number in clear, or not at all:\n%s", logged)
	}
}

// A sealed package renamed in its folder keeps its access log under its
// former name, which archive log finds by the name its checksum file
// names. An erasure writes the checksum file anew, naming the new name:
// the decryptions logged under the former one were no longer listed,
// exit 0. The erasure carries them into the log under the current name.
func TestErasingARenamedSealedPackageKeepsItsFormerLog(t *testing.T) {
	sealed, idFile, id := sealedPackage(t)
	opened := decryptedCopy(t, sealed, idFile, "case one")
	os.RemoveAll(opened)
	renamed := renameSealed(t, sealed)
	if code, out, errs := cli(t, "archive", "erase", renamed, "--person-list", personListFile(t, "19460101-0301"), "--reference", "Dnr 12",
		"--identity", idFile, "--recipient", id.Recipient().String()); code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, "archive", "log", renamed, "--identity", idFile)
	if code != exitOK || strings.Count(out, "case one") != 1 {
		t.Errorf("archive log of the renamed package after its erasure: exit %d, want its decryption under the former name once\n%s\n%s", code, out, errs)
	}
}

// Ctrl-C during archive decrypt was not seen: the package was opened in
// clear to its end, verified, logged, and the command exited 0. An
// interrupted decryption leaves no clear copy and logs nothing (130).
func TestArchiveDecryptInterrupted(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opened := filepath.Join(t.TempDir(), "opened")
	var out, errs strings.Builder
	if code := run(ctx, []string{"archive", "decrypt", sealed, "--identity", idFile, "--to", opened}, &out, &errs); code != exitInterrupted {
		t.Errorf("an interrupted decryption: exit %d, want %d\n%s\n%s", code, exitInterrupted, out.String(), errs.String())
	}
	if _, err := os.Stat(opened); err == nil {
		t.Error("an interrupted decryption left its clear copy")
	}
	if names := namesBeside(t, sealed); names != "archive.tar.age archive.tar.age.sha512" {
		t.Errorf("beside the sealed package after an interrupted decryption: %s", names)
	}
}

// Erasing a clear copy archive decrypt made (the folder the clerk has
// open) said the erasure was done, exit 0, and nothing of the sealed
// package it was opened from, the one kept, which still holds the
// persons' records: only a folder named as the sealed package less
// .tar.age was warned of. The copy's event log names the sealed package:
// the erasure warns of it.
func TestArchiveEraseOfAClearCopyWarnsOfItsSealedPackage(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	opened := filepath.Join(t.TempDir(), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", opened); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, "archive", "erase", opened, "--person-list", personListFile(t, "19121212-1212"), "--reference", "Dnr 5")
	if code != exitOK || !strings.Contains(errs, "warning") || !strings.Contains(errs, sealed) {
		t.Errorf("erase of a clear copy: exit %d, want 0 and a warning naming the sealed package %s\n%s\n%s", code, sealed, out, errs)
	}
}

// A sealed package with two clear copies beside it, each extracted from
// for one person: archive log lists both extracts after the copies are
// gone, and the erasure is refused naming the copy not yet erased, then
// goes through naming both.
func TestSealedPackageWithTwoClearCopies(t *testing.T) {
	sealed, idFile, recipient := sealedBeside(t)
	var copies []string
	for i, name := range []string{"first", "second"} {
		c := filepath.Join(filepath.Dir(sealed), name)
		copies = append(copies, c)
		if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", c, "--purpose", "audit"); code != exitOK {
			t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
		}
		csv := filepath.Join(t.TempDir(), "x.csv")
		if code, out, errs := cli(t, "archive", "extract", c, "--table", "patient", "--where", "ident=19121212-1212", "--to", csv, "--purpose", fmt.Sprintf("case %d", i)); code != exitOK {
			t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
		}
	}
	list := personListFile(t, "19121212-1212")
	code, out, errs := cli(t, "archive", "log", sealed, "--person-list", list, "--identity", idFile)
	if code != exitOK || !strings.Contains(out, "2 extracts filtered on their number") || !strings.Contains(out, "case 0") || !strings.Contains(out, "case 1") {
		t.Errorf("archive log: exit %d, want both copies' extracts\n%s\n%s", code, out, errs)
	}
	erase := func(pkg string, more ...string) (int, string, string) {
		return cli(t, append([]string{"archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 8"}, more...)...)
	}
	if code, out, errs := erase(copies[0]); code != exitOK {
		t.Fatalf("erase the first copy: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = erase(sealed, "--identity", idFile, "--recipient", recipient)
	if code != exitError || !strings.Contains(errs, copies[1]) || strings.Contains(errs, copies[0]+" ") {
		t.Fatalf("erase the sealed package with the second copy not erased: exit %d, want 1 naming only the second\n%s\n%s", code, out, errs)
	}
	if code, out, errs := erase(copies[1]); code != exitOK {
		t.Fatalf("erase the second copy: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = erase(sealed, "--identity", idFile, "--recipient", recipient)
	if code != exitOK || !strings.Contains(out, copies[0]) || !strings.Contains(out, copies[1]) {
		t.Fatalf("erase the sealed package: exit %d, want 0 naming both copies\n%s\n%s", code, out, errs)
	}
}

// archive encrypt leaves the folder it sealed (PKG beside PKG.tar.age)
// until the clerk removes it. An extract of the folder after it was
// sealed is logged in the folder's event log and in PKG.access.jsonl
// beside it, neither of which the sealed package's log holds: archive log
// PKG.tar.age missed it, exit 0, and the folder removed (rm -r PKG), the
// log left beside it went unread. The access log of the folder the
// sealed package is named after is read too, each extract once, and,
// with the folder there, its event log.
func TestArchiveLogReadsTheLogOfTheFolderItWasSealedFrom(t *testing.T) {
	pkg := erasablePackage(t, erasablePatients(nullableText("ident")), eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}, {"19460101-0301"}})
	extract := func(purpose string) {
		t.Helper()
		csv := filepath.Join(t.TempDir(), "x.csv")
		if code, out, errs := cli(t, "archive", "extract", pkg, "--table", "patient", "--where", "ident=19121212-1212", "--to", csv, "--purpose", purpose); code != exitOK {
			t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
		}
	}
	extract("before sealing")
	id, _ := age.GenerateX25519Identity()
	idFile := filepath.Join(t.TempDir(), "id.txt")
	os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600)
	sealed := pkg + ".tar.age"
	if code, out, errs := cli(t, "archive", "encrypt", pkg, "--recipient", id.Recipient().String(), "--to", sealed); code != exitOK {
		t.Fatalf("encrypt: exit %d\n%s\n%s", code, out, errs)
	}
	extract("after sealing")
	list := personListFile(t, "19121212-1212")
	check := func(when string) {
		t.Helper()
		code, out, errs := cli(t, "archive", "log", sealed, "--person-list", list, "--identity", idFile)
		if code != exitOK || strings.Count(out, "after sealing") != 1 || strings.Count(out, "before sealing") != 1 || !strings.Contains(out, filepath.Base(archive.AccessLogPath(pkg))) {
			t.Errorf("archive log of the sealed package, %s: exit %d, want each extract once, naming %s\n%s\n%s", when, code, filepath.Base(archive.AccessLogPath(pkg)), out, errs)
		}
	}
	check("its folder beside it")
	if err := os.RemoveAll(pkg); err != nil {
		t.Fatal(err)
	}
	check("its folder removed")
}

// A folder named after a sealed package that holds another package (its
// event log begins otherwise) is not the folder it was sealed from: with
// the key, its extracts are not listed as the sealed package's.
func TestArchiveLogLeavesOutAnotherPackageByTheFolderName(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	other := erasablePackage(t, erasablePatients(nullableText("ident")), eraseRef, "person_length", [][]connectors.Value{{"19121212-1212"}})
	folder := strings.TrimSuffix(sealed, ".tar.age")
	if err := exec.Command("cp", "-r", other, folder).Run(); err != nil {
		t.Fatal(err)
	}
	csv := filepath.Join(t.TempDir(), "x.csv")
	if code, out, errs := cli(t, "archive", "extract", folder, "--table", "patient", "--to", csv, "--purpose", "another package"); code != exitOK {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs := cli(t, "archive", "log", sealed, "--identity", idFile)
	if code != exitOK || strings.Contains(out, "another package") {
		t.Errorf("archive log of the sealed package: exit %d, want the other package's extract left out\n%s\n%s", code, out, errs)
	}
}

// A clear copy opened before its sealed package was renamed logs its
// extracts in the access log under the name the package was sealed
// under, which archive log reads while the checksum file names it. An
// erasure of the renamed package writes a checksum file naming its own
// name, and carried that log into its own: an extract of the copy made
// after the erasure still went to the former log, which archive log no
// longer read (exit 0, the extract missing).
func TestClearCopyExtractAfterItsRenamedSealedPackageWasErased(t *testing.T) {
	sealed, idFile, id := sealedPackage(t)
	opened := decryptedCopy(t, sealed, idFile, "case one")
	renamed := renameSealed(t, sealed)
	if code, out, errs := cli(t, "archive", "erase", renamed, "--person-list", personListFile(t, "19460101-0301"), "--reference", "Dnr 12",
		"--identity", idFile, "--recipient", id.Recipient().String()); code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	csv := filepath.Join(t.TempDir(), "x.csv")
	if code, out, errs := cli(t, "archive", "extract", opened, "--table", "patient", "--where", "ident=19121212-1212", "--to", csv, "--purpose", "case two"); code != exitOK {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	os.RemoveAll(opened)
	os.Remove(archive.AccessLogPath(opened))
	code, out, errs := cli(t, "archive", "log", renamed, "--identity", idFile)
	if code != exitOK || strings.Count(out, "case one") != 1 || strings.Count(out, "case two") != 1 {
		t.Errorf("archive log of the renamed package erased before its clear copy's extract: exit %d, want its decryption and the copy's extract once each\n%s\n%s", code, out, errs)
	}
}

// A clear copy opened beside its sealed package under the folder name it
// is read as sealed from (archive decrypt PKG.tar.age --to PKG) logs an
// extract in its own access log and, marked as the copy's, in the
// sealed package's: archive log of the sealed package read both and
// listed the one extract twice ("2 extracts filtered on their number"),
// exit 0.
func TestArchiveLogOfACopyOpenedUnderTheFolderName(t *testing.T) {
	sealed, idFile, _ := sealedPackage(t)
	opened := strings.TrimSuffix(sealed, ".tar.age")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", opened, "--purpose", "case one"); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	csv := filepath.Join(t.TempDir(), "x.csv")
	if code, out, errs := cli(t, "archive", "extract", opened, "--table", "patient", "--where", "ident=19121212-1212", "--to", csv, "--purpose", "case two"); code != exitOK {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	list := personListFile(t, "19121212-1212")
	for _, args := range [][]string{{"--identity", idFile}, nil} {
		_, out, errs := cli(t, append([]string{"archive", "log", sealed, "--person-list", list}, args...)...)
		if strings.Count(out, "case two") != 1 || !strings.Contains(out, "1 extracts filtered on their number") && !strings.Contains(out, "1 extract filtered on their number") {
			t.Errorf("archive log %v of the sealed package: want the copy's one extract once\n%s\n%s", args, out, errs)
		}
	}
}

// The event log sealed inside a package was held to its hash chain
// alone: cut before the extract made in clear (the lines after it gone
// too, so the chain still holds) and sealed again with the recipient's
// public key, archive log --identity listed no extract of the person,
// exit 0, while verify --identity failed the package (its tag manifest
// no longer names the log). It is held to the tag manifest too.
func TestArchiveLogRefusesACutSealedEventLog(t *testing.T) {
	sealed, idFile, id := sealedAfterExtract(t)
	opened := filepath.Join(t.TempDir(), "opened")
	ids, err := readIdentities(idFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := archive.Decrypt(context.Background(), sealed, opened, ids...); err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(opened, "regflytt", "events.jsonl")
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatal(err)
	}
	cut, _, found := strings.Cut(string(b), `{"seq":`)
	for rest := string(b); found; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if strings.Contains(line, `"event":"extracted"`) {
			break
		}
		cut += line + "\n"
		found = rest != ""
	}
	if strings.Contains(cut, "extracted") || cut == "" {
		t.Fatalf("the cut log still holds the extract, or nothing:\n%s", cut)
	}
	if err := os.WriteFile(events, []byte(cut), 0o600); err != nil {
		t.Fatal(err)
	}
	reseal(t, opened, sealed, id.Recipient())
	code, out, errs := cli(t, "archive", "log", sealed, "--person-list", personListFile(t, "19121212-1212"), "--identity", idFile)
	if code == exitOK || !strings.Contains(errs, "tagmanifest-sha256.txt") {
		t.Errorf("archive log of a sealed package whose event log was cut: exit %d, want an error naming the tag manifest\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "archive", "verify", sealed, "--identity", idFile); code == exitOK {
		t.Errorf("verify of a sealed package whose event log was cut: exit 0\n%s\n%s", out, errs)
	}
}

// renameSealed renames the sealed package in its folder, with its
// checksum file, and gives its new path.
func renameSealed(t *testing.T, sealed string) string {
	t.Helper()
	renamed := filepath.Join(filepath.Dir(sealed), "register-2026.tar.age")
	for _, suffix := range []string{"", ".sha512"} {
		if err := os.Rename(sealed+suffix, renamed+suffix); err != nil {
			t.Fatal(err)
		}
	}
	return renamed
}

// decryptedCopy opens the sealed package into a clear copy in a folder
// of its own (archive decrypt, logged with purpose) and gives its path.
func decryptedCopy(t *testing.T, sealed, idFile, purpose string) string {
	t.Helper()
	opened := filepath.Join(t.TempDir(), "opened")
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", idFile, "--to", opened, "--purpose", purpose); code != exitOK {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}
	return opened
}
