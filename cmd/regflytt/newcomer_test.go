package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// init --source writes files that pass plan check; a column the receiving
// dialect cannot hold is not dropped behind the user's back: the mapping
// names it in a comment, and map check refuses the plan (M010) until the
// user maps or drops it.
func TestInitFromSource(t *testing.T) {
	src := legacySQLite(t)
	dir := filepath.Join(t.TempDir(), "reg")
	code, out, errs := cli(t, "init", dir, "--source", src, "--to", "postgres")
	if code != exitOK {
		t.Fatalf("init: exit %d\n%s%s", code, out, errs)
	}
	plan := filepath.Join(dir, "plan.yaml")
	if code, out, errs = cli(t, "plan", "check", plan); code != exitOK {
		t.Fatalf("plan check of init's files: exit %d\n%s%s", code, out, errs)
	}
	mapping, _ := os.ReadFile(filepath.Join(dir, "mapping.yaml"))
	for _, want := range []string{"      namn: namn\n", `source: "besök"`, "# summa is not mapped: source type"} {
		if !strings.Contains(string(mapping), want) {
			t.Errorf("mapping lacks %q:\n%s", want, mapping)
		}
	}
	planText, _ := os.ReadFile(plan)
	if !strings.Contains(string(planText), "url: "+strconv.Quote(src)) {
		t.Errorf("the plan does not read the source it was made from:\n%s", planText)
	}
	code, _, errs = cli(t, "map", "check", plan)
	if code != exitUsage || !strings.Contains(errs, "summa") || !strings.Contains(errs, "M010") {
		t.Fatalf("map check: exit %d, want 2 naming summa (M010):\n%s", code, errs)
	}
	// Nothing is overwritten, and nothing half-written.
	code, _, errs = cli(t, "init", dir, "--source", src, "--to", "postgres")
	if code != exitError || !strings.Contains(errs, "already holds plan.yaml, schema.yaml, mapping.yaml") {
		t.Fatalf("second init: exit %d: %s", code, errs)
	}
}

// A source URL with a password is not written into the plan (P004 would
// refuse it): the plan reads it from REGFLYTT_SOURCE.
func TestInitKeepsPasswordsOutOfThePlan(t *testing.T) {
	if u, env := planSourceURL("postgres://u:Hemlig9@h:5432/db"); u != "env:REGFLYTT_SOURCE" || env != "REGFLYTT_SOURCE" {
		t.Fatalf("%q %q", u, env)
	}
	if u, env := planSourceURL("env:LEGACY"); u != "env:LEGACY" || env != "" {
		t.Fatalf("%q %q", u, env)
	}
	if u, _ := planSourceURL("mysql://root@127.0.0.1:3306/legacy"); u != "mysql://root@127.0.0.1:3306/legacy" {
		t.Fatalf("%q", u)
	}
}

// --json: exactly one JSON document on stdout, whatever else is said.
func TestJSONOutputs(t *testing.T) {
	work := t.TempDir()
	legacy := "sqlite://" + filepath.Join(work, "legacy.db")
	if code, _, errs := cli(t, "synth", "--platform", "demo", "--patients", "30", "--target", legacy); code != exitOK {
		t.Fatal(errs)
	}
	bad := filepath.Join(work, "bad.yaml")
	os.WriteFile(bad, []byte("plan: 1\nregister: {id: x}\n"), 0o600)
	for _, c := range []struct {
		args []string
		code int
		key  string
	}{
		{[]string{"plan", "check", "testdata/plans/demo.yaml", "--json"}, exitOK, `"ok": true`},
		{[]string{"plan", "check", bad, "--json"}, exitUsage, `"code": "Y003"`},
		{[]string{"map", "check", "testdata/plans/demo.yaml", "--source", legacy, "--json"}, exitOK, `"diagnostics": [`},
		{[]string{"map", "dry-run", "testdata/plans/demo.yaml", "--source", legacy, "--json"}, exitOK, `"register"`},
		{[]string{"schema", "--source", legacy, "--to", "postgres", "--json"}, exitOK, `"create_sql"`},
		{[]string{"run", "testdata/plans/demo.yaml", "--source", legacy, "--target", "sqlite://" + filepath.Join(work, "r.db"), "--work", filepath.Join(work, "w"), "--json"}, exitOK, `"report_file"`},
		{[]string{"version", "--json"}, exitOK, `"module"`},
		// The run and the verification that ends the demo, in one document.
		{[]string{"demo", "--work", filepath.Join(work, "demo"), "--patients", "30", "--json"}, exitOK, `"verification": {`},
		{[]string{"synth", "--platform", "demo", "--patients", "30", "--target", "sqlite://" + filepath.Join(work, "l2.db"), "--json"}, exitOK, `"rows"`},
	} {
		code, out, errs := cli(t, c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s", c.args, code, c.code, errs)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(out))
		var v map[string]any
		if err := dec.Decode(&v); err != nil {
			t.Errorf("%v: stdout is not JSON: %v\n%s", c.args, err, out)
			continue
		}
		if dec.More() {
			t.Errorf("%v: more than one JSON document on stdout", c.args)
		}
		if !strings.Contains(out, c.key) {
			t.Errorf("%v: JSON lacks %s:\n%s", c.args, c.key, out)
		}
		if c.code == exitUsage && strings.Contains(errs, "Y003") {
			t.Errorf("%v: the diagnostic is printed twice, in the JSON and on stderr:\n%s", c.args, errs)
		}
	}
}

// Shell completion offers the values of --platform, --to and --format.
func TestCompletionOffersFlagValues(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "synth", "--platform", ""}, []string{"eav", "wide", "mainsub", "demo"}},
		{[]string{"__complete", "schema", "--to", ""}, []string{"mysql", "postgres", "sqlite", "sqlserver"}},
		{[]string{"__complete", "init", "x", "--to", ""}, []string{"postgres"}},
		{[]string{"__complete", "map", "doc", "p.yaml", "--format", ""}, []string{"markdown", "html"}},
	} {
		code, out, errs := cli(t, c.args...)
		if code != exitOK {
			t.Errorf("%v: exit %d %s", c.args, code, errs)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w+"\n") {
				t.Errorf("%v: completion lacks %s:\n%s", c.args, w, out)
			}
		}
	}
}

func TestColourOnlyOnATerminal(t *testing.T) {
	if got := colourVerdicts("x  MISMATCH\nPASS: every\nFAILED\n"); !strings.Contains(got, "\x1b[1;32mPASS\x1b[0m") || !strings.Contains(got, "\x1b[1;31mMISMATCH\x1b[0m") || !strings.Contains(got, "\x1b[1;31mFAILED\x1b[0m") {
		t.Fatalf("%q", got)
	}
	if useColour(&bytes.Buffer{}) {
		t.Fatal("colour for a buffer")
	}
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if useColour(f) {
		t.Fatal("colour for a file that is not a terminal")
	}
	t.Setenv("NO_COLOR", "1")
	if useColour(os.Stdout) {
		t.Fatal("colour with NO_COLOR set")
	}
}

// A log line is printed once however often it is logged, a compile
// warning reads as a diagnostic, and what the summary counts (a table no
// mapping reads) is not repeated as a log line.
func TestLogLinesOnce(t *testing.T) {
	var b bytes.Buffer
	log := slog.New(newCLIHandler(&b, slog.LevelWarn, false))
	for i := 0; i < 3; i++ {
		log.Warn("mapping", "at", "m.yaml:3:5", "code", "M019", "msg", "looks odd")
		log.Warn("source table has no mapping: archiving all its records", "table", "logg", "reason", "table_not_mapped")
		log.Warn("slow server", "seconds", 3)
	}
	want := "m.yaml:3:5: warning M019: looks odd\nregflytt: warning: slow server (seconds=3)\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	code, _, errs := cli(t, "demo", "--work", filepath.Join(t.TempDir(), "d"))
	if code != exitOK || errs != "" {
		t.Fatalf("demo: exit %d, stderr %q; the summary says it all", code, errs)
	}
}

// A connection error names the database once, redacted.
func TestConnectionErrorNamesURLOnce(t *testing.T) {
	for _, url := range []string{
		"mysql://root:Hemlig9@127.0.0.1:1/x",
		"sqlite://" + filepath.Join(t.TempDir(), "no", "such.db"),
	} {
		code, _, errs := cli(t, "schema", "--source", url, "--to", "postgres")
		if code != exitError {
			t.Fatalf("%s: exit %d", url, code)
		}
		redacted := strings.Replace(url, "Hemlig9", "xxxxx", 1)
		if n := strings.Count(errs, redacted); n != 1 || strings.Contains(errs, "Hemlig9") {
			t.Errorf("%s named %d times:\n%s", redacted, n, errs)
		}
	}
}

// map doc takes --format like the other commands; --html stays its alias.
func TestMapDocFormat(t *testing.T) {
	for _, args := range [][]string{{"--format", "html"}, {"--html"}} {
		code, out, errs := cli(t, append([]string{"map", "doc", "testdata/plans/demo.yaml"}, args...)...)
		if code != exitOK || !strings.Contains(strings.ToLower(out), "<html") {
			t.Errorf("%v: exit %d %s\n%.200s", args, code, errs, out)
		}
	}
	code, out, _ := cli(t, "map", "doc", "testdata/plans/demo.yaml")
	if code != exitOK || strings.Contains(strings.ToLower(out), "<html") || !strings.HasPrefix(out, "#") {
		t.Errorf("default: exit %d\n%.200s", code, out)
	}
	if code, _, errs := cli(t, "map", "doc", "testdata/plans/demo.yaml", "--html", "--format", "markdown"); code != exitUsage {
		t.Errorf("--html --format markdown: exit %d %s", code, errs)
	}
}
