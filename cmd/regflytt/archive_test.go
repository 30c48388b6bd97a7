package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/regflytt/regflytt/archive"
	"github.com/regflytt/regflytt/connectors"
	"github.com/regflytt/regflytt/mappings/pnr"
)

// The demo's package passes archive verify, and each kind of tampering
// fails it with exit 1, naming the file and the rule.
func TestArchiveVerifyDemoPackage(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--quiet", "--work", work); code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	pkg := filepath.Join(work, "archive")
	code, out, errs := cli(t, "archive", "verify", pkg)
	if code != exitOK || !strings.Contains(out, "PASS") {
		t.Fatalf("archive verify: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := exec.LookPath("xmllint"); err == nil && !strings.Contains(out, "XML schemas valid") {
		t.Fatalf("xmllint is installed, but the schemas were not checked:\n%s", out)
	}
	events, _ := os.ReadFile(filepath.Join(pkg, "regflytt", "events.jsonl"))
	if !bytes.Contains(events, []byte(`"event":"verified"`)) {
		t.Fatalf("no verified event:\n%s", events)
	}
	if code, out, _ := cli(t, "archive", "ls", pkg); code != exitOK || !strings.Contains(out, "table besok: 26 records archived") {
		t.Fatalf("archive ls: exit %d\n%s", code, out)
	}

	csv := filepath.Join(t.TempDir(), "besok.csv")
	if code, _, errs := cli(t, "archive", "extract", pkg, "--table", "besok", "--to", csv); code != exitUsage || !strings.Contains(errs, "--purpose") {
		t.Fatalf("extract without a purpose: exit %d, %s", code, errs)
	}
	if code, out, errs := cli(t, "archive", "extract", pkg, "--table", "besok", "--to", csv, "--purpose", "audit"); code != exitOK || !strings.Contains(out, "extracted 26 records") {
		t.Fatalf("extract: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := cli(t, "archive", "verify", "--no-log", pkg); code != exitOK {
		t.Fatalf("the package fails after an extract:\n%s", errs)
	}

	// Erase the first archived patient: afterwards no file of the package
	// holds the number, and the package verifies.
	erasePkg := filepath.Join(t.TempDir(), "erase")
	if err := exec.Command("cp", "-r", pkg, erasePkg).Run(); err != nil {
		t.Fatal(err)
	}
	p, err := archive.Open(erasePkg)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := p.Records("patient")
	if err != nil || !recs.Next() {
		t.Fatalf("no archived patient: %v", err)
	}
	number, _ := recs.Record().Values[1].(string)
	recs.Close()
	list := filepath.Join(t.TempDir(), "persons.txt")
	// The list writes the 10-digit shape; the archive holds the 12-digit.
	if len(number) != 13 {
		t.Fatalf("an archived identity number of %d characters", len(number))
	}
	os.WriteFile(list, []byte("# erasure\n"+number[2:]+"\n"), 0o600)
	code, out, errs = cli(t, "archive", "erase", erasePkg, "--person-list", list, "--reference", "Dnr 1", "--reference-date", "2026-01-01")
	if code != exitOK || !strings.Contains(out, "patient 1") {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := cli(t, "archive", "verify", "--no-log", erasePkg); code != exitOK {
		t.Fatalf("the erased package fails:\n%s", errs)
	}
	filepath.WalkDir(erasePkg, func(path string, d os.DirEntry, err error) error {
		if b, _ := os.ReadFile(path); !d.IsDir() && (bytes.Contains(b, []byte(number)) || bytes.Contains(b, []byte(fmt.Sprintf("%X", number)))) {
			t.Errorf("%s still holds the erased number", path)
		}
		return nil
	})
	bad := filepath.Join(t.TempDir(), "bad.txt")
	os.WriteFile(bad, []byte("19121212-1213\n"), 0o600)
	if code, _, errs := cli(t, "archive", "erase", erasePkg, "--person-list", bad, "--reference", "Dnr 2", "--reference-date", "2026-01-01"); code != exitUsage || !strings.Contains(errs, "bad.txt:1") || strings.Contains(errs, "1213") {
		t.Fatalf("a malformed list: exit %d, %s", code, errs)
	}
	// A list that names nobody (what a failed export leaves) erases
	// nothing and says so, whatever a Windows tool began it with.
	for _, text := range []string{"", "# erasure\n\n", "\ufeff", "\ufeff# erasure\r\n\r\n"} {
		os.WriteFile(bad, []byte(text), 0o600)
		if code, _, errs := cli(t, "archive", "erase", erasePkg, "--person-list", bad, "--reference", "Dnr 2", "--reference-date", "2026-01-01"); code != exitUsage || !strings.Contains(errs, "names nobody") {
			t.Fatalf("a list of %q: exit %d, %s", text, code, errs)
		}
	}

	// Sealed with age and opened again; a wrong key says so.
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	keys := t.TempDir()
	os.WriteFile(filepath.Join(keys, "id.txt"), []byte(id.String()+"\n"), 0o600)
	os.WriteFile(filepath.Join(keys, "other.txt"), []byte(other.String()+"\n"), 0o600)
	sealed := filepath.Join(t.TempDir(), "pkg.tar.age")
	if code, out, errs := cli(t, "archive", "encrypt", pkg, "--recipient", id.Recipient().String(), "--to", sealed); code != exitOK || len(strings.Fields(out)) != 2 || len(strings.Fields(out)[0]) != 128 {
		t.Fatalf("encrypt: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := cli(t, "archive", "decrypt", sealed, "--identity", filepath.Join(keys, "other.txt"), "--to", filepath.Join(t.TempDir(), "x")); code != exitError || !strings.Contains(errs, "none of the given keys opens this package") {
		t.Fatalf("wrong key: exit %d, %s", code, errs)
	}
	if code, out, errs := cli(t, "archive", "decrypt", sealed, "--identity", filepath.Join(keys, "id.txt"), "--to", filepath.Join(t.TempDir(), "y")); code != exitOK || !strings.Contains(out, "it verifies") {
		t.Fatalf("decrypt: exit %d\n%s\n%s", code, out, errs)
	}

	const rows = "data/content/schema0/table1/table1.xml"
	cases := []struct {
		name, want string
		tamper     func(dir string) error
	}{
		{"flipped byte", rows + ": digest-mismatch", func(dir string) error {
			p := filepath.Join(dir, rows)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 0x01
			return os.WriteFile(p, b, 0o600)
		}},
		{"deleted file", rows + ": missing-file", func(dir string) error { return os.Remove(filepath.Join(dir, rows)) }},
		{"added file", "data/content/schema0/table1/extra.xml: file-not-in-manifest", func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "data/content/schema0/table1/extra.xml"), []byte("<x/>"), 0o600)
		}},
		{"edited metadata", "data/header/metadata.xml: digest-mismatch", func(dir string) error {
			p := filepath.Join(dir, "data/header/metadata.xml")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			edited := bytes.Replace(b, []byte("<rows>26</rows>"), []byte("<rows>25</rows>"), 1)
			if bytes.Equal(edited, b) {
				return fmt.Errorf("metadata.xml has no <rows>26</rows> to edit: the tamper would change nothing")
			}
			return os.WriteFile(p, edited, 0o600)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "pkg")
			if err := exec.Command("cp", "-r", pkg, dir).Run(); err != nil {
				t.Fatal(err)
			}
			if err := c.tamper(dir); err != nil {
				t.Fatal(err)
			}
			code, _, errs := cli(t, "archive", "verify", "--no-log", dir)
			if code != exitError || !strings.Contains(errs, c.want) {
				t.Fatalf("exit %d, want 1 and %q in:\n%s", code, c.want, errs)
			}
		})
	}
}

// Erasure matches as a run's erasure list does: a record that writes
// another century than the list is another person and stays; the
// person's pseudonym goes, when the key is given.
func TestArchiveEraseCenturiesAndPseudonyms(t *testing.T) {
	const key = "archive erase test: not a real key"
	ps, err := pnr.NewPseudonymiser([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	ref := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	person, err := pnr.Parse("191212121212", ref)
	if err != nil {
		t.Fatal(err)
	}
	tbl := &connectors.Table{Name: "patient", PrimaryKey: []string{"id"}, Columns: []connectors.Column{
		{Name: "id", Type: connectors.Type{Kind: connectors.KindInt, Bits: 32}},
		{Name: "ident", Type: connectors.Type{Kind: connectors.KindText}, Nullable: true},
	}}
	pkg := erasablePackage(t, tbl, ref, "r", [][]connectors.Value{{"191212121212"}, {"181212121212"}, {ps.Pseudonym(person)}, {"1212121212"}})
	list := personListFile(t, "19121212-1212")
	t.Setenv("TEST_ERASE_KEY", key)
	if code, out, errs := cli(t, "archive", "erase", pkg, "--person-list", list, "--reference", "Dnr 3", "--pseudonym-key-env", "TEST_ERASE_KEY"); code != exitOK {
		t.Fatalf("erase: exit %d\n%s\n%s", code, out, errs)
	}
	left := recordsLeft(t, pkg, "patient")
	// 1 (same number), 3 (its pseudonym) and 4 (the ten digits, century
	// read from the reference date) go; 2 wrote another century.
	if left != "2" {
		t.Fatalf("records left: %v", left)
	}
}

// A run or a verification given a work directory inside an archive
// package refuses it before it writes: a run with --work PKG/data wrote
// its report, verification reports and a new package into the earlier
// run's sealed package, exit 0, and that package no longer verified.
func TestWorkDirectoryInsideAPackageIsRefused(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--work", work, "--patients", "30", "--quiet"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
	pkg := filepath.Join(work, "archive")
	src := []string{"--source", "sqlite://" + filepath.Join(work, "legacy.db")}
	for _, args := range [][]string{
		append([]string{"run", filepath.Join(work, "plan.yaml"), "--target", "sqlite://" + filepath.Join(t.TempDir(), "r.db"), "--work", filepath.Join(pkg, "data")}, src...),
		append([]string{"verify", filepath.Join(work, "plan.yaml"), "--target", "sqlite://" + filepath.Join(work, "receiving.db"), "--work", pkg}, src...),
		append([]string{"verify", filepath.Join(work, "plan.yaml"), "--target", "sqlite://" + filepath.Join(work, "receiving.db"), "--work", work, "--unit-reports", filepath.Join(pkg, "units")}, src...),
	} {
		code, out, errs := cli(t, args...)
		if code == exitOK || !strings.Contains(errs, pkg) {
			t.Errorf("%s with --work inside the package: exit %d, want an error naming %s\n%s%s", args[0], code, pkg, out, errs)
		}
	}
	// An extract written into the package damages it likewise.
	if code, out, errs := cli(t, "archive", "extract", pkg, "--table", "logg", "--to", filepath.Join(pkg, "data", "x.csv"), "--purpose", "test"); code == exitOK || !strings.Contains(errs, pkg) {
		t.Errorf("archive extract into the package: exit %d, want an error naming %s\n%s%s", code, pkg, out, errs)
	}
	if code, out, errs := cli(t, "archive", "verify", "--no-log", pkg); code != exitOK {
		t.Errorf("the earlier package no longer verifies: exit %d\n%s%s", code, out, errs)
	}
}

// lineWith gives the line of s that holds sub, or "".
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// archive log --person-list answers the question the patient data law
// lets a patient ask: who has accessed my records. It lists the extracts
// filtered on a listed person's number, whatever shape either wrote it
// in, not another person's, and the extracts that may hold anyone's
// records; neither the access log nor the output holds the number.
func TestArchiveLogListsAPersonsAccesses(t *testing.T) {
	work := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := cli(t, "demo", "--quiet", "--work", work); code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, out, errs)
	}
	pkg := filepath.Join(work, "archive")
	p, err := archive.Open(pkg)
	if err != nil {
		t.Fatal(err)
	}
	var col string
	for _, tb := range p.Tables() {
		if tb.Table == "patient" {
			col = tb.Columns[1].Name
		}
	}
	recs, err := p.Records("patient")
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for recs.Next() && len(numbers) < 2 {
		n, _ := recs.Record().Values[1].(string)
		numbers = append(numbers, n)
	}
	recs.Close()
	if len(numbers) != 2 || len(numbers[0]) != 13 || len(numbers[1]) != 13 || col == "" {
		t.Fatalf("the demo package has no two archived identity numbers: %d, column %q", len(numbers), col)
	}
	outs := t.TempDir()
	for i, c := range []struct{ where, purpose string }{
		{col + "=" + numbers[0], "case one"},
		{col + "=" + numbers[1], "case two"},
		{"", "audit all"},
	} {
		args := []string{"archive", "extract", pkg, "--table", "patient", "--to", filepath.Join(outs, fmt.Sprint(i)+".csv"), "--purpose", c.purpose}
		if c.where != "" {
			args = append(args, "--where", c.where)
		}
		if code, out, errs := cli(t, args...); code != exitOK {
			t.Fatalf("extract %s: exit %d\n%s\n%s", c.purpose, code, out, errs)
		}
	}
	// The list writes the 10-digit shape; the extract wrote the 12-digit.
	list := filepath.Join(t.TempDir(), "persons.txt")
	os.WriteFile(list, []byte("# PDL request\n"+strings.ReplaceAll(numbers[0][2:], "-", "")+"\n"), 0o600)
	code, out, errs := cli(t, "archive", "log", pkg, "--person-list", list)
	if code != exitOK {
		t.Fatalf("archive log: exit %d\n%s\n%s", code, out, errs)
	}
	// Logged with its birth date hidden, only the century written: the
	// date beside the digest would leave a thousand candidates.
	if !strings.Contains(out, "case one") || !strings.Contains(out, numbers[0][:2]+"******-****") || strings.Contains(lineWith(out, "case one"), numbers[0][2:8]) {
		t.Errorf("the listed person's extract is not listed:\n%s", out)
	}
	if strings.Contains(out, "case two") {
		t.Errorf("another person's extract is listed as the listed person's:\n%s", out)
	}
	if !strings.Contains(out, "audit all") {
		t.Errorf("an extract of the whole table, which holds the person's records, is not listed:\n%s", out)
	}
	access, _ := os.ReadFile(archive.AccessLogPath(pkg))
	events, _ := os.ReadFile(filepath.Join(pkg, "regflytt", "events.jsonl"))
	for _, n := range numbers {
		digits := strings.ReplaceAll(n, "-", "")
		for _, shape := range []string{n, n[2:], digits, digits[2:]} {
			for what, text := range map[string]string{"output": out + errs, "access log": string(access), "event log": string(events)} {
				if strings.Contains(text, shape) {
					t.Errorf("the %s holds an identity number:\n%s", what, text)
				}
			}
		}
	}
	// A package copied without the access log beside it keeps its
	// accesses in its event log.
	copied := filepath.Join(t.TempDir(), "copied")
	if err := exec.Command("cp", "-r", pkg, copied).Run(); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, "archive", "log", copied, "--person-list", list); code != exitOK || !strings.Contains(out, "case one") || strings.Contains(out, "case two") {
		t.Errorf("archive log of a copy without its access log: exit %d\n%s\n%s", code, out, errs)
	}
	// Born a century apart, written with the century, is someone else.
	later := filepath.Join(t.TempDir(), "later.txt")
	century := "20"
	if strings.HasPrefix(numbers[0], "20") {
		century = "19"
	}
	os.WriteFile(later, []byte(century+strings.ReplaceAll(numbers[0][2:], "-", "")+"\n"), 0o600)
	if code, out, errs := cli(t, "archive", "log", pkg, "--person-list", later); code != exitOK || strings.Contains(out, "case one") {
		t.Errorf("archive log of a person born a century later: exit %d\n%s\n%s", code, out, errs)
	}
	// Without a list it shows every access, still without a number.
	if code, out, errs := cli(t, "archive", "log", pkg); code != exitOK || !strings.Contains(out, "case one") || !strings.Contains(out, "case two") || strings.Contains(out, numbers[0]) {
		t.Errorf("archive log: exit %d\n%s\n%s", code, out, errs)
	}
}
