package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// usageCases are command lines that are wrong as command lines: every one
// exits 2 and says what is wrong, on stderr, once.
var usageCases = [][]string{
	{"nosuch"},
	{"nosuch", "--help"},
	{"-q", "map", "nosuch", "-h"},
	{"--no-such-flag"},
	{"help", "nosuch"},
	{"map", "nosuch"},
	{"map", "chek", "testdata/plans/demo.yaml"},
	{"plan", "nosuch"},
	{"plan", "check"},
	{"map", "check", "--json"},
	{"run"},
	{"run", "a.yaml", "b.yaml"},
	{"run", "testdata/plans/demo.yaml", "--wrok", "x"},
	{"run", "testdata/plans/demo.yaml", "--stall-timeout", "soon"},
	{"demo", "extra"},
	{"demo", "--patients", "many"},
	{"version", "extra"},
	{"init"},
	{"init", "somewhere"},
	{"init", "somewhere", "--from-demo", "--source", "sqlite:///x.db"},
	{"init", "somewhere", "--from-demo", "--to", "postgres"},
	{"init", "somewhere", "--source", "sqlite:///x.db"},
	{"init", "somewhere", "--source", "sqlite:///x.db", "--to", "oracle"},
	{"schema"},
	{"schema", "--source", "sqlite:///x.db"},
	{"schema", "--source", "sqlite:///x.db", "--to", "oracle"},
	{"synth"},
	{"synth", "--platform", "flat", "--target", "sqlite:///nonexistent/x.db"},
	{"synth", "--platform", "wide"},
	{"map", "doc", "testdata/plans/demo.yaml", "--format", "pdf"},
	{"completion", "tcsh"},
}

// TestUsageErrorsGolden runs every usage error and compares exit status
// and stderr with testdata/usage.golden (go test -run Usage -update
// rewrites it). Nothing reaches stdout, and nothing is created.
func TestUsageErrorsGolden(t *testing.T) {
	var b strings.Builder
	for _, args := range usageCases {
		code, out, errs := cli(t, args...)
		fmt.Fprintf(&b, "$ regflytt %s\nexit %d\n%s\n", strings.Join(args, " "), code, errs)
		if code != exitUsage {
			t.Errorf("regflytt %s: exit %d, want %d\n%s", strings.Join(args, " "), code, exitUsage, errs)
		}
		if out != "" {
			t.Errorf("regflytt %s: stdout %q, want nothing (the message goes to stderr)", strings.Join(args, " "), out)
		}
		if n := strings.Count(errs, "\n"); n != 1 {
			t.Errorf("regflytt %s: %d lines on stderr, want one message:\n%s", strings.Join(args, " "), n, errs)
		}
	}
	for _, p := range []string{"../../somewhere", "/nonexistent"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a usage error created %s", p)
		}
	}
	golden := filepath.Join("testdata", "usage.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("usage errors differ from %s (go test -run Usage -update rewrites it):\n%s", golden, b.String())
	}
}

// A command that only holds others prints its help and exits 0, as gh
// and kubectl do; the root too.
func TestGroupCommandsPrintHelp(t *testing.T) {
	for _, args := range [][]string{{}, {"map"}, {"plan"}, {"help"}, {"help", "map", "check"}, {"map", "--help"}} {
		code, out, errs := cli(t, args...)
		if code != exitOK || !strings.Contains(out, "Usage:") || errs != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", args, code, errs, out)
		}
	}
	_, out, _ := cli(t, "--help")
	for _, want := range []string{"Exit status:", "2    the command line", "init", "demo"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}
