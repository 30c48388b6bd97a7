package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestSynthCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "legacy.db")
	args := []string{"synth", "--platform", "wide", "--patients", "150", "--seed", "3", "--target", "sqlite://" + db, "--rate", "zero_date=0.2", "--digest"}
	code, out, errs := cli(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"synth wide: 150 patients, seed 3", "operation", "zero_date", "sha256 "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Counts only: no identity number reaches the output (the first
	// line names the database, the last is the digest).
	lines := strings.Split(strings.TrimSpace(out), "\n")
	body := strings.Join(lines[1:len(lines)-1], "\n")
	if regexp.MustCompile(`\d{6}[-+]?\d{4}`).MatchString(body) {
		t.Errorf("the output holds something shaped like an identity number:\n%s", body)
	}
	// A database that holds the platform is refused, and left alone.
	code, _, errs = cli(t, args...)
	if code != exitError || !strings.Contains(errs, "already has table(s)") {
		t.Fatalf("second synth: exit %d, %s", code, errs)
	}
}

func TestSynthCommandRefusals(t *testing.T) {
	target := "sqlite://" + filepath.Join(t.TempDir(), "x.db")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"synth", "--platform", "wide", "--target", target, "--rate", "zero_date"}, exitUsage, "want defect=rate"},
		{[]string{"synth", "--platform", "flat", "--target", target}, exitUsage, "unknown platform"},
		{[]string{"synth", "--platform", "wide"}, exitUsage, "target"},
		{[]string{"synth", "--platform", "wide", "--target", target, "--rate", "merge_conflict=0.1"}, exitUsage, "has no defect merge_conflict"},
		{[]string{"synth", "--platform", "demo", "--target", target, "--rate", "zero_date=0.1"}, exitUsage, "defects are fixed"},
		{[]string{"synth", "--platform", "wide", "--patients", "5", "--target", target}, exitUsage, "want 100..10000000"},
	}
	for _, c := range cases {
		code, out, errs := cli(t, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d with %q", c.args, code, out+errs, c.code, c.want)
		}
	}
}

// A mistyped platform is refused before the database is opened: no
// SQLite file is left behind.
func TestSynthPlatformCheckedFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	for _, args := range [][]string{
		{"synth", "--platform", "eva", "--target", "sqlite://" + path},
		{"synth", "--platform", "wide", "--rate", "merge_conflict=0.1", "--target", "sqlite://" + path},
	} {
		code, _, errs := cli(t, args...)
		if code != exitUsage {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%v: synth created the database of a command line it refused", args)
		}
	}
}

func TestSynthDemoQuiet(t *testing.T) {
	code, out, errs := cli(t, "synth", "--quiet", "--platform", "demo", "--patients", "50", "--target", "sqlite://"+filepath.Join(t.TempDir(), "d.db"))
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and nothing", code, out, errs)
	}
}

// The demo and synth write only into an empty database, as their help
// says: the demo, given --source a database that held other tables,
// wrote its registry beside them, then migrated the whole database and
// copied the other tables' rows into its archive package in the
// temporary directory.
func TestSyntheticRegistryOnlyIntoAnEmptyDatabase(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE journal (id INTEGER PRIMARY KEY, note TEXT); INSERT INTO journal VALUES (1, 'not the demo''s')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	work := filepath.Join(dir, "demo")
	for _, args := range [][]string{
		{"demo", "--work", work, "--patients", "30", "--source", "sqlite://" + src},
		{"synth", "--platform", "wide", "--patients", "100", "--target", "sqlite://" + src},
	} {
		code, out, errs := cli(t, args...)
		if code == exitOK || !strings.Contains(errs, "journal") {
			t.Errorf("%s into a database holding another table: exit %d, want an error naming it\n%s%s", args[0], code, out, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(work, "archive")); err == nil {
		t.Errorf("the demo made an archive package of a database that was not empty")
	}
}
