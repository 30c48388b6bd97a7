package main

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// regflyttBinary builds the command once per test run, as a user would
// (go build, with the VCS stamp), and returns its path.
func regflyttBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "regflytt-bin-"); buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "regflytt")
		cmd := exec.Command("go", "build", "-o", builtBin, ".")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = err
			builtBin = out.String()
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, builtBin)
	}
	return builtBin
}

// runBinary runs the binary in dir with a clean environment apart from
// extra, and returns its exit code and output.
func runBinary(t *testing.T, bin, dir string, extra []string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + dir}, extra...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// The binary alone, copied into an empty directory far from the
// repository, runs the demo, writes a starter plan that passes plan
// check, runs it into a fresh work directory, and says its version.
func TestBinaryStandsAlone(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	data, err := os.ReadFile(regflyttBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "regflytt")
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	must := func(want int, args ...string) string {
		t.Helper()
		code, out, errs := runBinary(t, bin, dir, nil, args...)
		if code != want {
			t.Fatalf("regflytt %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out, errs)
		}
		return out
	}

	out := must(0, "--version")
	version := strings.TrimSpace(strings.TrimPrefix(out, "regflytt "))
	if !strings.HasPrefix(out, "regflytt ") || version == "" || strings.Contains(out, "dev\n") {
		t.Fatalf("--version: %q", out)
	}
	// The revision is the one the go tool stamped, when it could (not
	// in a git worktree, nor with -buildvcs=false).
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	wantRev := "revision unknown"
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			wantRev = "revision " + s.Value
		}
	}
	if full := must(0, "version"); !strings.Contains(full, "module   github.com/regflytt/regflytt") || !strings.Contains(full, wantRev) {
		t.Fatalf("version: %q; want %q", full, wantRev)
	}

	out = must(0, "demo")
	if !strings.Contains(out, "PASS") || !strings.Contains(out, "report  ") {
		t.Fatalf("demo:\n%s", out)
	}
	if strings.Contains(out, "\x1b[") {
		t.Fatal("colour on output that is not a terminal")
	}

	out = must(0, "init", "mine", "--from-demo")
	if !strings.Contains(out, "regflytt plan check "+filepath.Join("mine", "plan.yaml")) {
		t.Fatalf("init does not say the next step:\n%s", out)
	}
	must(0, "plan", "check", "mine/plan.yaml")
	must(1, "init", "mine", "--from-demo") // overwrites nothing

	// The starter plan runs, into regflytt-runs/<register>-<time>/, and
	// its report names the binary's version.
	must(0, "synth", "--platform", "demo", "--patients", "40", "--target", "sqlite://legacy.db")
	code, out, errs := runBinary(t, bin, dir, []string{"REGFLYTT_SOURCE=sqlite://legacy.db", "REGFLYTT_TARGET=sqlite://receiving.db"}, "run", "mine/plan.yaml")
	if code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "regflytt-runs", "demo-*", "report.json"))
	if len(reports) != 1 {
		t.Fatalf("want one regflytt-runs/demo-*/report.json, found %v\n%s", reports, out)
	}
	rel, _ := filepath.Rel(dir, filepath.Dir(reports[0]))
	if !strings.Contains(out, "work directory: "+rel) || !strings.Contains(out, "report  "+filepath.Join(rel, "report.json")) ||
		!strings.Contains(out, "archive "+filepath.Join(rel, "archive")+":") {
		t.Fatalf("the run does not say where its work directory and report are:\n%s", out)
	}
	var rep struct {
		ToolVersion string `json:"tool_version"`
	}
	b, _ := os.ReadFile(reports[0])
	if err := json.Unmarshal(b, &rep); err != nil || rep.ToolVersion != version {
		t.Fatalf("report.json tool_version %q, want %q (%v)", rep.ToolVersion, version, err)
	}
}
