package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/regflytt/regflytt/plans/synth"
)

// synthSQLite writes a small synthetic platform into SQLite.
func synthSQLite(t *testing.T, platform string) string {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), platform+".db")
	if code, _, errs := cli(t, "synth", "--platform", platform, "--patients", "200", "--seed", "5", "--target", url, "-q"); code != exitOK {
		t.Fatalf("synth: exit %d: %s", code, errs)
	}
	return url
}

// One report, three renderings: JSON with its schema version and the
// reference date, self-contained HTML, Markdown; the source as argument
// or --source.
func TestScanFormats(t *testing.T) {
	url := synthSQLite(t, "wide")
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		file string
	}{
		{[]string{"scan", url, "--format", "json", "--out", filepath.Join(dir, "r.json")}, "r.json"},
		{[]string{"scan", "--source", url, "--out", filepath.Join(dir, "r.html")}, "r.html"},
		{[]string{"scan", url, "--format", "md", "--out", filepath.Join(dir, "r.md")}, "r.md"},
	} {
		code, _, errs := cli(t, append(tc.args, "--reference-date", "2026-01-01")...)
		if code != exitOK {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errs)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		SchemaVersion int    `json:"schema_version"`
		ReferenceDate string `json:"reference_date"`
		Tables        []struct{ Name string }
		Findings      []struct{ Code string }
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	declared, err := synth.Tables(synth.Wide, "sqlite")
	if err != nil {
		t.Fatal(err)
	}
	if rep.SchemaVersion != 1 || rep.ReferenceDate != "2026-01-01" || len(rep.Tables) != len(declared) || len(rep.Findings) == 0 {
		t.Errorf("JSON report: version %d, reference %q, %d tables, %d findings", rep.SchemaVersion, rep.ReferenceDate, len(rep.Tables), len(rep.Findings))
	}
	page, _ := os.ReadFile(filepath.Join(dir, "r.html"))
	html := string(page)
	for _, bad := range []string{"http://", "https://", "<script", "<link", "<img", "@import", "url("} {
		if strings.Contains(html, bad) {
			t.Errorf("the HTML report is not self-contained: it holds %q", bad)
		}
	}
	if !strings.Contains(html, "@media print") || !strings.Contains(html, "reference date: 2026-01-01") || !strings.Contains(html, "Table operation") {
		t.Errorf("the HTML report lacks its print style, reference date or tables")
	}
	md, _ := os.ReadFile(filepath.Join(dir, "r.md"))
	// The platform's users are in the scan; their names and e-mail
	// addresses are not.
	for _, f := range []string{"r.json", "r.html", "r.md"} {
		b, _ := os.ReadFile(filepath.Join(dir, f))
		if strings.Contains(string(b), "@example.se") {
			t.Errorf("%s holds a user's e-mail address", f)
		}
	}
	if !strings.HasPrefix(string(md), "# Scan of sqlite://") || !strings.Contains(string(md), "## Table operation") || !strings.Contains(string(md), "reference date: 2026-01-01") {
		t.Errorf("the Markdown report:\n%.500s", md)
	}
	for _, args := range [][]string{{"scan"}, {"scan", url, "--format", "pdf"}, {"scan", url, "--reference-date", "1.1.2026"}, {"scan", url, "--source", "sqlite:///other.db"}} {
		if code, _, _ := cli(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// The mapping skeleton of every synthetic platform passes plan check and
// map check as written, and the scan refuses to overwrite it.
func TestScanSkeletonPassesChecks(t *testing.T) {
	for _, p := range []string{"wide", "eav", "mainsub"} {
		t.Run(p, func(t *testing.T) {
			url := synthSQLite(t, p)
			dir := filepath.Join(t.TempDir(), "skeleton")
			args := []string{"scan", url, "--reference-date", "2026-01-01", "--out", filepath.Join(t.TempDir(), "r.md"), "--mapping-skeleton", dir, "-q"}
			if code, _, errs := cli(t, args...); code != exitOK {
				t.Fatalf("scan: exit %d: %s", code, errs)
			}
			plan := filepath.Join(dir, "plan.yaml")
			if code, out, errs := cli(t, "plan", "check", plan); code != exitOK {
				t.Fatalf("plan check: exit %d: %s%s", code, out, errs)
			}
			t.Setenv("REGFLYTT_SOURCE", url)
			t.Setenv("REGFLYTT_TARGET", "sqlite://"+filepath.Join(t.TempDir(), "receiving.db"))
			t.Setenv("REGFLYTT_PSEUDONYM_KEY", "a rehearsal key, never a real one")
			if code, out, errs := cli(t, "map", "check", plan); code != exitOK {
				t.Fatalf("map check: exit %d: %s%s", code, out, errs)
			}
			if code, _, _ := cli(t, args...); code == exitOK {
				t.Errorf("a second scan overwrote the skeleton")
			}
		})
	}
}

// Identity numbers kept as integers under a neutral name: the skeleton
// pseudonymises them and matches the opt-out list on their text, and
// plan check, map check and a run accept it.
func TestScanSkeletonIntegerIdentityNumbers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE p (id INTEGER PRIMARY KEY, nr BIGINT)`,
		`INSERT INTO p VALUES (1, 191212121212), (2, 191212121212), (3, 1212121212), (4, 191212121212), (5, 191212121212), (6, 191212121212)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	url := "sqlite://" + path
	dir := filepath.Join(t.TempDir(), "skeleton")
	if code, _, errs := cli(t, "scan", url, "--reference-date", "2026-01-01", "--out", filepath.Join(t.TempDir(), "r.json"), "--mapping-skeleton", dir, "-q"); code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, errs)
	}
	t.Setenv("REGFLYTT_SOURCE", url)
	t.Setenv("REGFLYTT_TARGET", "sqlite://"+filepath.Join(t.TempDir(), "receiving.db"))
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "a rehearsal key, never a real one")
	plan := filepath.Join(dir, "plan.yaml")
	for _, args := range [][]string{{"plan", "check", plan}, {"map", "check", plan}} {
		if code, out, errs := cli(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s%s", args, code, out, errs)
		}
	}
	// The skeleton pseudonymises identities, so its archive would keep
	// them in clear: a run refuses until the plan says how it is kept.
	run := []string{"run", plan, "--work", t.TempDir(), "-q"}
	if code, _, errs := cli(t, run...); code != exitError || !strings.Contains(errs, "archive.unencrypted_reason") {
		t.Fatalf("run of the skeleton as written: exit %d, want 1 naming archive.unencrypted_reason: %s", code, errs)
	}
	b, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("  dir: archive\n"), []byte("  dir: archive\n  unencrypted_reason: a rehearsal on synthetic data\n"), 1)
	if err := os.WriteFile(plan, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, run...); code != exitOK {
		t.Fatalf("%v: exit %d: %s%s", run, code, out, errs)
	}
}

// Identity numbers kept in a REAL (a double) or a DECIMAL(14,2) column:
// the report found none in a double and printed its range (the smallest
// and largest identity number), and the skeleton mapped the double
// without pseudonym(); pseudonym() takes no float and reads a decimal's
// 191212121212.00 as no identity number, so a run of the skeleton
// archived every record of either. The skeleton converts them to their
// digits: every record migrates under its pseudonym, and a listed
// patient is excluded.
func TestScanSkeletonIdentityNumbersAsDoublesAndDecimals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legacy.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	numbers := "(1, 191212121212), (2, 195001011237), (3, 1212121212), (4, 194612319873), (5, 199901015553), (6, 191212121212), (7, 195001011237)"
	for _, q := range []string{
		`CREATE TABLE pd (id INTEGER PRIMARY KEY, nr REAL)`,
		// Read as decimal(14,2), its text kept as written (see the
		// SQLite connector).
		`CREATE TABLE pn (id INTEGER PRIMARY KEY, nr DECIMAL_TEXT(14,2))`,
		`INSERT INTO pd VALUES ` + numbers,
		`INSERT INTO pn VALUES ` + regexp.MustCompile(`(\d{10,12})\)`).ReplaceAllString(numbers, "'$1.00')"),
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	url := "sqlite://" + path
	dir := filepath.Join(t.TempDir(), "skeleton")
	report := filepath.Join(t.TempDir(), "r.md")
	if code, _, errs := cli(t, "scan", url, "--reference-date", "2026-01-01", "--out", report, "--mapping-skeleton", dir, "-q"); code != exitOK {
		t.Fatalf("scan: exit %d: %s", code, errs)
	}
	md, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"191212121212", "199901015553", "1.91212121212e+11", "1.99901015553e+11"} {
		if bytes.Contains(md, []byte(n)) {
			t.Errorf("the report shows the identity number %s", n)
		}
	}
	plan := filepath.Join(dir, "plan.yaml")
	os.WriteFile(filepath.Join(dir, "optout.txt"), []byte("19461231-9873\n"), 0o600)
	b, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("  dir: archive\n"), []byte("  dir: archive\n  unencrypted_reason: a rehearsal on synthetic data\n"), 1)
	b = append(b, "optout:\n  file: optout.txt\n"...)
	if err := os.WriteFile(plan, b, 0o600); err != nil {
		t.Fatal(err)
	}
	receiving := filepath.Join(t.TempDir(), "receiving.db")
	t.Setenv("REGFLYTT_SOURCE", url)
	t.Setenv("REGFLYTT_TARGET", "sqlite://"+receiving)
	t.Setenv("REGFLYTT_PSEUDONYM_KEY", "a rehearsal key, never a real one")
	for _, args := range [][]string{{"plan", "check", plan}, {"map", "check", plan}, {"run", plan, "--work", t.TempDir(), "-q"}} {
		if code, out, errs := cli(t, args...); code != exitOK {
			t.Fatalf("%v: exit %d: %s%s", args, code, out, errs)
		}
	}
	rdb, err := sql.Open("sqlite", "file:"+receiving)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	for _, table := range []string{"pd", "pn"} {
		var n, pseudonyms int
		if err := rdb.QueryRow(`SELECT count(*), count(DISTINCT nr) FROM `+table+` WHERE length(nr) = 32`).Scan(&n, &pseudonyms); err != nil {
			t.Fatal(err)
		}
		// Six records migrate (the listed patient's is excluded) under
		// four persons' pseudonyms.
		if n != 6 || pseudonyms != 4 {
			t.Errorf("%s: %d records migrated with a pseudonym, of %d persons; want 6 of 4", table, n, pseudonyms)
		}
	}
}
